"""Custom layers against independent NumPy implementations, and saving."""

import math

import keras
import numpy as np
import pytest

from cnn_course import layers as L
from cnn_course.models.lenet import LENET5_C3_TABLE

RNG = np.random.default_rng(1998)


def random(*shape):
    return RNG.standard_normal(shape).astype("float32")


# ------------------------------------------------------------------ references


def lrn_reference(a, n, k, alpha, beta):
    """AlexNet Section 3.3, written as the paper's sum over channel indices."""
    channels = a.shape[-1]
    out = np.empty_like(a)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + n // 2)
        s = np.sum(a[..., lo : hi + 1] ** 2, axis=-1)
        out[..., i] = a[..., i] / (k + alpha * s) ** beta
    return out


def spp_reference(x, bins):
    """SPP-net Appendix A (pooling bins): bin i spans floor(i*a/n) to ceil((i+1)*a/n)."""
    _, h, w, _ = x.shape
    pooled = []
    for n in bins:
        for i in range(n):
            for j in range(n):
                top, bottom = math.floor(i * h / n), math.ceil((i + 1) * h / n)
                left, right = math.floor(j * w / n), math.ceil((j + 1) * w / n)
                pooled.append(x[:, top:bottom, left:right, :].max(axis=(1, 2)))
    return np.concatenate(pooled, axis=-1)


def conv_reference(x, kernel, bias):
    """Valid, stride-1 convolution by explicit loops."""
    batch, h, w, _ = x.shape
    k, _, _, out_channels = kernel.shape
    out = np.zeros((batch, h - k + 1, w - k + 1, out_channels), "float64")
    for r in range(h - k + 1):
        for c in range(w - k + 1):
            patch = x[:, r : r + k, c : c + k, :]
            out[:, r, c, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + bias


# ------------------------------------------------------------------------- LRN


def test_lrn_matches_the_paper_formula_and_tensorflow():
    x = random(2, 5, 5, 12) * 10
    layer = L.LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    ours = np.asarray(layer(x))
    np.testing.assert_allclose(ours, lrn_reference(x, 5, 2.0, 1e-4, 0.75), rtol=1e-5)
    tf = pytest.importorskip("tensorflow")
    tf_lrn = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    np.testing.assert_allclose(ours, tf_lrn.numpy(), rtol=1e-5)
    # The portable keras.ops path (used on other backends) agrees too.
    portable = np.asarray(L.local_response_normalization(x, 2, 2.0, 1e-4, 0.75))
    np.testing.assert_allclose(portable, lrn_reference(x, 5, 2.0, 1e-4, 0.75), rtol=1e-5)


def test_lrn_with_strong_alpha_actually_normalizes():
    x = np.full((1, 1, 1, 5), 3.0, "float32")
    expected = [3 / 19, 3 / 28, 3 / 28, 3 / 28, 3 / 19]
    # Edge channels see 2 neighbours' squares (18), inner ones 3 (27).
    out = np.asarray(L.LocalResponseNormalization(depth_radius=1, bias=1.0, alpha=1.0, beta=1.0)(x))
    np.testing.assert_allclose(out[0, 0, 0], expected, rtol=1e-6)
    portable = np.asarray(L.local_response_normalization(x, 1, 1.0, 1.0, 1.0))
    np.testing.assert_allclose(portable[0, 0, 0], expected, rtol=1e-6)


# ------------------------------------------------------------------------- SPP


@pytest.mark.parametrize("size", [(224, 224), (164, 164), (13, 9), (4, 4), (7, 30)])
def test_spp_matches_reference_and_has_fixed_length(size):
    x = random(2, *size, 3)
    out = np.asarray(L.SpatialPyramidPooling((1, 2, 4))(x))
    assert out.shape == (2, 3 * (1 + 4 + 16))
    np.testing.assert_allclose(out, spp_reference(x, (1, 2, 4)))


@pytest.mark.parametrize("size, bins", [
    (size, bins) for size in (1, 2, 3, 5, 13, 100) for bins in (1, 2, 3, 4, 6) if size >= bins])
def test_spp_windows_are_never_empty_and_cover_the_side(size, bins):
    edges = L.spp_edges(size, bins)
    assert all(end > start for start, end in edges)
    assert edges[0][0] == 0 and edges[-1][1] == size
    assert all(nxt[0] <= cur[1] for cur, nxt in zip(edges, edges[1:]))


def test_spp_model_takes_images_of_several_sizes():
    inputs = keras.Input((None, None, 3))
    features = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    pooled = L.SpatialPyramidPooling((1, 2, 4))(features)
    model = keras.Model(inputs, keras.layers.Dense(5)(pooled))
    assert model.output_shape == (None, 5)
    for size in [(32, 32), (45, 29), (8, 60)]:
        x = random(3, *size, 3)
        assert model.predict(x, verbose=0).shape == (3, 5)
        expected = spp_reference(np.asarray(model.layers[1](x)), (1, 2, 4))
        np.testing.assert_allclose(np.asarray(model.layers[2](model.layers[1](x))), expected, rtol=1e-6)


def test_spp_rejects_maps_smaller_than_the_largest_bin():
    with pytest.raises(ValueError, match=r"at least 4x4"):
        L.SpatialPyramidPooling((1, 2, 4))(random(1, 3, 8, 2))
    with pytest.raises(ValueError, match=r"`bins`"):
        L.SpatialPyramidPooling((1, 0))


# -------------------------------------------------------------------------- SE


def test_squeeze_excitation_matches_reference():
    x = random(2, 6, 5, 32)
    se = L.SqueezeExcitation(ratio=8)
    out = np.asarray(se(x))
    w1, b1 = (np.asarray(v) for v in se.squeeze.weights)
    w2, b2 = (np.asarray(v) for v in se.excite.weights)
    squeezed = x.mean(axis=(1, 2))
    hidden = np.maximum(squeezed @ w1 + b1, 0)
    scale = 1 / (1 + np.exp(-(hidden @ w2 + b2)))
    np.testing.assert_allclose(out, x * scale[:, None, None, :], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(se.channel_weights(x)), scale, rtol=1e-5, atol=1e-6)
    assert se.count_params() == 32 * 4 + 4 + 4 * 32 + 32


def test_squeeze_excitation_needs_enough_channels():
    with pytest.raises(ValueError, match="ratio"):
        L.SqueezeExcitation(ratio=16)(random(1, 4, 4, 8))
    with pytest.raises(ValueError, match="`ratio`"):
        L.SqueezeExcitation(ratio=0)


# ------------------------------------------------------------ batch norm


def batch_norm_reference(x, gamma, beta, epsilon):
    """Ioffe and Szegedy (2015), Algorithm 1: normalize each channel by the
    mini-batch mean and (biased) variance, then scale and shift."""
    mean = x.mean(axis=(0, 1, 2))
    variance = x.var(axis=(0, 1, 2))
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta, mean, variance


def fused_and_keras(epsilon=1e-3, momentum=0.9, **kwargs):
    """A FusedBatchNormalization and a Keras BatchNormalization with the same
    random gamma, beta and moving statistics."""
    fused = L.FusedBatchNormalization(epsilon=epsilon, momentum=momentum, **kwargs)
    plain = keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum, **kwargs)
    shape = (4, 5, 5, 6)
    fused.build(shape)
    plain.build(shape)
    weights = [RNG.standard_normal(w.shape).astype("float32") for w in plain.weights]
    weights[-1] = np.abs(weights[-1]) + 0.5  # the moving variance is positive
    fused.set_weights(weights)
    plain.set_weights(weights)
    return fused, plain, random(*shape) * 3 + 1


def test_fused_batch_norm_is_algorithm_1_and_updates_the_moving_averages():
    fused, _, x = fused_and_keras(epsilon=1e-3, momentum=0.9)
    gamma, beta, moving_mean, moving_variance = [np.array(w) for w in fused.get_weights()]
    expected, mean, variance = batch_norm_reference(x, gamma, beta, 1e-3)
    np.testing.assert_allclose(np.asarray(fused(x, training=True)), expected, rtol=1e-4, atol=1e-4)
    # Keras' convention: moving = momentum * moving + (1 - momentum) * batch,
    # with the biased batch variance.
    np.testing.assert_allclose(np.asarray(fused.moving_mean), 0.9 * moving_mean + 0.1 * mean,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(fused.moving_variance),
                               0.9 * moving_variance + 0.1 * variance, rtol=1e-5)
    # Inference uses the moving statistics, not the batch's.
    inference = gamma * (x - fused.moving_mean) / np.sqrt(fused.moving_variance + 1e-3) + beta
    np.testing.assert_allclose(np.asarray(fused(x, training=False)), inference, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("epsilon", [1e-3, 1e-6])  # 1e-6: below the fused kernel's minimum
@pytest.mark.parametrize("training", [True, False])
def test_fused_batch_norm_matches_keras_values_and_gradients(training, epsilon):
    fused, plain, x = fused_and_keras(epsilon=epsilon)
    np.testing.assert_allclose(np.asarray(fused(x, training=training)),
                               np.asarray(plain(x, training=training)), rtol=1e-4, atol=1e-4)
    for ours, theirs in zip(fused.weights, plain.weights):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    def gradients(layer):
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.sin(layer(inputs, training=training)))
        return tape.gradient(loss, [inputs, layer.gamma, layer.beta])

    for ours, theirs in zip(gradients(fused), gradients(plain)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-4)


def test_fused_batch_norm_takes_the_fused_kernel_only_where_it_can():
    layer = L.FusedBatchNormalization()
    on_tf = keras.backend.backend() == "tensorflow"
    assert layer._fusable(np.zeros((2, 3, 3, 4), "float32"), None) == on_tf
    assert not layer._fusable(np.zeros((2, 4), "float32"), None)          # not 4-D
    assert not L.FusedBatchNormalization(axis=1)._fusable(np.zeros((2, 3, 3, 4), "float32"), None)
    assert not L.FusedBatchNormalization(epsilon=1e-5)._fusable(np.zeros((2, 3, 3, 4), "float32"), None)
    assert not layer._fusable(np.zeros((2, 3, 3, 4), "float16"), None)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("training", [True, False])
def test_fused_batch_norm_calls_the_fused_kernel(training, dtype):
    # The other tests would pass on Keras' own code too: check the graph.
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the fused kernel is TensorFlow's")
    layer = L.FusedBatchNormalization(dtype=dtype)
    step = tf.function(lambda x: layer(x, training=training))
    graph = step.get_concrete_function(tf.TensorSpec((2, 3, 3, 4), dtype)).graph
    ops_used = {op.type for op in graph.get_operations()}
    assert "FusedBatchNormV3" in ops_used
    assert "Mean" not in ops_used   # none of tf.nn.moments' separate reductions


def test_fused_batch_norm_runs_without_the_attributes_keras_3_13_lacks():
    # Keras 3.13 (Colab's) has no `renorm` on BatchNormalization.
    layer = L.FusedBatchNormalization()
    for name in ("renorm", "synchronized"):
        if name in vars(layer):
            object.__delattr__(layer, name)
    x = np.zeros((2, 3, 3, 4), "float32")
    assert layer._fusable(x, None) == (keras.backend.backend() == "tensorflow")


def test_fused_batch_norm_is_a_batch_normalization_and_round_trips(tmp_path):
    # Code that looks for BatchNormalization layers (weight loading, the
    # parameter analysis) finds it.
    assert issubclass(L.FusedBatchNormalization, keras.layers.BatchNormalization)
    fused, _, x = fused_and_keras(epsilon=2e-5, momentum=0.8, center=False)
    inputs = keras.Input(x.shape[1:])
    model = keras.Model(inputs, fused(inputs))
    model.save(tmp_path / "bn.keras")
    loaded = keras.saving.load_model(tmp_path / "bn.keras")
    assert type(loaded.layers[-1]) is L.FusedBatchNormalization
    assert loaded.layers[-1].get_config() == fused.get_config()
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)


# --------------------------------------------------------------- LeNet layers


def test_connection_table_conv_equals_a_masked_convolution():
    layer = L.ConnectionTableConv2D(5, LENET5_C3_TABLE)
    x = random(2, 14, 14, 6)
    out = np.asarray(layer(x))
    kernel = np.asarray(layer.full_kernel())
    table = np.array(LENET5_C3_TABLE, bool)
    assert np.all(kernel[:, :, ~table] == 0)
    # Every weight appears exactly once in the dense kernel.
    np.testing.assert_array_equal(
        np.sort(kernel[:, :, table].ravel()), np.sort(np.asarray(layer.kernel).ravel())
    )
    expected = conv_reference(x, kernel, np.asarray(layer.bias))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer.count_params() == 25 * 60 + 16


def test_connection_table_output_map_j_depends_on_input_map_i_iff_connected():
    layer = L.ConnectionTableConv2D(5, LENET5_C3_TABLE)
    x = random(1, 14, 14, 6)
    base = np.asarray(layer(x))
    for i in range(6):
        changed = x.copy()
        changed[..., i] += 1.0
        moved = np.abs(np.asarray(layer(changed)) - base).max(axis=(0, 1, 2)) > 1e-6
        assert moved.tolist() == [bool(v) for v in LENET5_C3_TABLE[i]]


def test_connection_table_is_validated():
    with pytest.raises(ValueError, match="`table`"):
        L.ConnectionTableConv2D(5, [[1, 0], [1, 0]])  # output 1 reads nothing


def test_trainable_subsampling_matches_reference():
    layer = L.TrainableSubsampling(2, activation="tanh")
    x = random(2, 8, 6, 3)
    layer.build(x.shape)
    layer.coefficient.assign(np.array([0.5, -1.0, 2.0], "float32"))
    layer.bias.assign(np.array([0.1, 0.0, -0.3], "float32"))
    sums = x.reshape(2, 4, 2, 3, 2, 3).sum(axis=(2, 4))
    expected = np.tanh(sums * [0.5, -1.0, 2.0] + [0.1, 0.0, -0.3])
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 6


def test_rbf_output_is_minus_squared_distance_to_fixed_codes():
    codes = RNG.choice([-1.0, 1.0], size=(10, 84))
    layer = L.RBFOutput(codes)
    x = random(4, 84)
    expected = -((x[:, None, :] - codes[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-3)
    assert layer.count_params() == 0


def test_scaled_tanh_constants():
    assert float(L.scaled_tanh(1.0)) == pytest.approx(1.0, abs=1e-3)
    assert float(L.scaled_tanh(100.0)) == pytest.approx(1.7159)


# -------------------------------------------------------------------- saving


def layer_models():
    def wrap(layer, shape):
        inputs = keras.Input(shape)
        return keras.Model(inputs, layer(inputs))

    return {
        "lrn": (wrap(L.LocalResponseNormalization(3, 1.0, 1e-3, 0.5), (6, 6, 10)), (6, 6, 10)),
        "spp": (wrap(L.SpatialPyramidPooling((1, 3)), (9, 7, 4)), (9, 7, 4)),
        "se": (wrap(L.SqueezeExcitation(4), (5, 5, 16)), (5, 5, 16)),
        "table": (wrap(L.ConnectionTableConv2D(5, LENET5_C3_TABLE, "tanh"), (14, 14, 6)), (14, 14, 6)),
        "subsampling": (wrap(L.TrainableSubsampling(2, L.scaled_tanh), (8, 8, 3)), (8, 8, 3)),
        "rbf": (wrap(L.RBFOutput(RNG.choice([-1.0, 1.0], (3, 12))), (12,)), (12,)),
    }


@pytest.mark.parametrize("name", sorted(layer_models()))
def test_layers_round_trip_through_keras_files(name, tmp_path):
    model, shape = layer_models()[name]
    # Give trainable weights non-default values so the round trip is visible.
    for weight in model.weights:
        weight.assign(RNG.standard_normal(weight.shape).astype("float32") * 0.1)
    x = np.abs(random(2, *shape)) + 0.1
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
    original = model.layers[-1].get_config()
    assert loaded.layers[-1].get_config() == original


def test_with_keras_batchnorm_swaps_only_the_layer_class_and_keeps_the_function():
    from cnn_course import models

    resnet = models.resnet_small(widths=(8, 16, 32), blocks=(1, 1, 1))
    rng = np.random.default_rng(0)
    # Moving statistics far from their initial 0 and 1, so that a copy that
    # lost them (or swapped mean and variance) computes something else.
    for layer in resnet.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(size=beta.shape),
                               rng.normal(size=mean.shape), rng.uniform(0.5, 3, variance.shape)])
    copy = L.with_keras_batchnorm(resnet)
    assert [layer.name for layer in copy.layers] == [layer.name for layer in resnet.layers]
    swapped = 0
    for theirs, ours in zip(copy.layers, resnet.layers):
        if isinstance(ours, L.FusedBatchNormalization):
            assert type(theirs) is keras.layers.BatchNormalization
            swapped += 1
        else:
            assert type(theirs) is type(ours) and theirs is not ours
        assert theirs.get_config() == ours.get_config()
    assert swapped == sum(isinstance(layer, L.FusedBatchNormalization) for layer in resnet.layers) > 0
    x = rng.uniform(size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(copy(x, training=False)),
                               keras.ops.convert_to_numpy(resnet(x, training=False)),
                               rtol=1e-4, atol=1e-5)


def test_with_keras_batchnorm_names_what_it_needs():
    with pytest.raises(TypeError, match=r"`model` must be a keras.Model \(Sequential or functional\). "
                                        r"Received: model=<FusedBatchNormalization.* of type FusedBatchNormalization"):
        L.with_keras_batchnorm(L.FusedBatchNormalization())

    class Subclassed(keras.Model):  # no graph of layers for clone_model to copy
        def __init__(self):
            super().__init__(name="subclassed")
            self.norm = L.FusedBatchNormalization()

        def call(self, x):
            return self.norm(x)

    model = Subclassed()
    model(np.zeros((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="keras.models.clone_model, which could not copy 'subclassed'"):
        L.with_keras_batchnorm(model)


def test_lrn_names_a_constant_that_is_not_a_number():
    from cnn_course.layers import LocalResponseNormalization

    with pytest.raises(TypeError, match=r"`alpha` must be a non-negative number. Received: alpha='1e-4'"):
        LocalResponseNormalization(alpha="1e-4")
    with pytest.raises(ValueError, match=r"`beta` must be a non-negative number. Received: beta=-0.75"):
        LocalResponseNormalization(beta=-0.75)
