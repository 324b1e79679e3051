"""Plain and residual CIFAR-style networks (experiments.cifar_net,
shortcut_arms) and the per-layer gradient norms (experiments.gradient_norms).

Expected values come from He, Zhang, Ren and Sun (2016), "Deep residual
learning for image recognition", CVPR, Section 4.2 and Table 6, from the
independent arithmetic of tests/helpers.py, or from NumPy.
"""

import keras
import numpy as np
import pytest

from cnn_course import train
from cnn_course.experiments import cifar_net, gradient_norms, shortcut_arms
from helpers import cifar_resnet_params


@pytest.fixture(autouse=True)
def float32_policy():
    policy = keras.mixed_precision.global_policy().name
    train.setup(seed=0, precision="float32")
    yield
    keras.mixed_precision.set_global_policy(policy)


def weight_layers(model):
    return [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]


@pytest.mark.parametrize("n", [1, 3, 9])
@pytest.mark.parametrize("shortcuts", [False, True])
def test_weight_layers_are_6n_plus_2_with_3n_shortcuts(n, shortcuts):
    # Section 4.2: "there are totally 6n+2 stacked weighted layers" and
    # "totally 3n shortcuts".
    model = cifar_net(n, shortcuts)
    assert len(weight_layers(model)) == 6 * n + 2
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == (3 * n if shortcuts else 0)
    assert model.name == f"{'resnet' if shortcuts else 'plain'}{6 * n + 2}"


@pytest.mark.parametrize("n", [3, 9])
def test_plain_and_residual_nets_have_the_same_parameters(n):
    # Option A shortcuts have no weights: "our residual models have exactly
    # the same depth, width, and number of parameters as the plain
    # counterparts" (Section 4.2).
    plain, residual = cifar_net(n, shortcuts=False), cifar_net(n, shortcuts=True)
    assert plain.count_params() == residual.count_params() == cifar_resnet_params((16, 32, 64), (n, n, n))


@pytest.mark.parametrize("n, millions", [(3, 0.27), (5, 0.46), (7, 0.66), (9, 0.85)])
def test_parameters_match_table_6(n, millions):
    # Table 6, "# params" of ResNet-20/32/44/56 (3-channel CIFAR images; our
    # 1-channel first layer has 288 weights fewer, which the rounding hides).
    trainable = sum(int(np.prod(w.shape)) for w in cifar_net(n).trainable_weights)
    assert round(trainable / 1e6, 2) == millions


def test_with_one_seed_plain_and_residual_nets_start_from_the_same_weights():
    # The paired design of the chapter: the shortcuts draw no random numbers,
    # so the two networks differ only by the additions.
    weights = {}
    for shortcuts in (False, True):
        keras.utils.set_random_seed(3)
        weights[shortcuts] = [keras.ops.convert_to_numpy(w) for w in cifar_net(2, shortcuts).weights]
    assert len(weights[False]) == len(weights[True])
    for plain, residual in zip(weights[False], weights[True]):
        np.testing.assert_array_equal(plain, residual)
    keras.utils.set_random_seed(4)
    other = [keras.ops.convert_to_numpy(w) for w in cifar_net(2, False).weights]
    assert not np.array_equal(other[0], weights[False][0])


def test_maps_are_28_14_7_and_widths_16_32_64():
    model = cifar_net(1)
    shapes = [model.get_layer(f"stage{s}_1_out").output.shape for s in (1, 2, 3)]
    assert shapes == [(None, 28, 28, 16), (None, 14, 14, 32), (None, 7, 7, 64)]


def test_option_a_shortcuts_are_identities_subsampled_and_zero_padded():
    # With every kernel inside the blocks at zero, F(x) = BN(0) = 0 at
    # initialization (beta = 0, moving mean 0), so each residual block
    # passes its input on unchanged (relu(x) = x after a ReLU), and the
    # network's last block outputs the stem's maps at every 4th pixel, with
    # zero channels 16 to 63. The plain network outputs zeros.
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype="float32")
    for shortcuts in (True, False):
        model = cifar_net(2, shortcuts)
        for layer in weight_layers(model):
            if layer.name.startswith("stage"):
                layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
        features = keras.Model(model.input, [model.get_layer("stem_relu").output,
                                             model.get_layer("stage3_2_out").output])
        stem, last = (keras.ops.convert_to_numpy(t) for t in features(x, training=False))
        expected = np.zeros((2, 7, 7, 64), "float32")
        if shortcuts:
            expected[..., :16] = stem[:, ::4, ::4, :]
            assert np.any(stem > 0)
        np.testing.assert_allclose(last, expected, atol=1e-6)


def test_shortcut_arms_are_the_four_networks_of_figure_6():
    arms = shortcut_arms(shallow=1, deep=2)
    assert list(arms) == ["plain-8", "plain-14", "ResNet-8", "ResNet-14"]
    built = {name: build() for name, build in arms.items()}
    assert [m.name for m in built.values()] == ["plain8", "plain14", "resnet8", "resnet14"]
    assert list(shortcut_arms()) == ["plain-20", "plain-56", "ResNet-20", "ResNet-56"]


@pytest.mark.parametrize("kwargs, match", [
    ({"shallow": 3, "deep": 3}, r"`deep` must be larger than `shallow`.*shallow=3, deep=3"),
    ({"shallow": 0}, r"`shallow` must be a positive integer. Received: shallow=0"),
])
def test_shortcut_arms_refuse_bad_depths(kwargs, match):
    with pytest.raises(ValueError, match=match):
        shortcut_arms(**kwargs)


def test_cifar_net_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"`blocks` must be a positive integer. Received: blocks=0"):
        cifar_net(0)
    with pytest.raises(TypeError, match=r"`shortcuts` must be True or False. Received: shortcuts='yes'"):
        cifar_net(3, shortcuts="yes")
    with pytest.raises(ValueError, match=r"`widths` has too many stages for 28x28 images: .* "
                                         r"at most 5 widths. Received: widths=\(8, 8, 8, 8, 8, 8\)"):
        cifar_net(1, widths=(8, 8, 8, 8, 8, 8))  # 28 cannot be halved 5 times


# ------------------------------------------------------------ gradient norms


def needs_autodiff():
    if keras.backend.backend() not in ("tensorflow", "jax"):
        pytest.skip("gradient_norms differentiates with TensorFlow or JAX only")


def test_gradient_norms_match_the_softmax_regression_gradient():
    # One dense softmax layer: the gradient of the mean cross-entropy with
    # respect to W is x^T (p - onehot(y)) / N.
    needs_autodiff()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 5)).astype("float32")
    y = rng.integers(0, 3, 16)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax", name="out")])
    w, b = (keras.ops.convert_to_numpy(v) for v in model.get_layer("out").weights)
    logits = x @ w + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = np.linalg.norm(x.T @ (p - np.eye(3)[y]) / len(x))
    assert gradient_norms(model, x, y) == pytest.approx({"out": expected}, rel=1e-4)


def test_gradient_norms_follow_the_layers_and_leave_the_model_unchanged():
    needs_autodiff()
    model = cifar_net(1)
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype="float32")
    before = [keras.ops.convert_to_numpy(v).copy() for v in model.weights]
    norms = gradient_norms(model, x, np.arange(8) % 10)
    assert list(norms) == [layer.name for layer in weight_layers(model)]
    assert list(norms)[:2] == ["stem_conv", "stage1_1_1_conv"] and list(norms)[-1] == "fc"
    assert all(np.isfinite(v) and v > 0 for v in norms.values())
    for old, new in zip(before, model.weights):  # BatchNorm's moving statistics too
        np.testing.assert_array_equal(old, keras.ops.convert_to_numpy(new))


def test_gradient_norms_refuse_mismatched_data_and_models_without_kernels():
    needs_autodiff()
    model = cifar_net(1)
    with pytest.raises(ValueError, match=r"same number of examples. Received: 4 inputs and 3 targets"):
        gradient_norms(model, np.zeros((4, 28, 28, 1)), np.zeros(3))
    pooling = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.GlobalAveragePooling2D()])
    with pytest.raises(ValueError, match=r"has no layer with a kernel"):
        gradient_norms(pooling, np.zeros((2, 4, 4, 1)), np.zeros(2))
