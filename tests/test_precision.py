"""Every custom layer, and the models built from them, under every dtype
policy train.setup can choose (issue 12: the paper's LeNet-5 failed under
mixed precision)."""

import keras
import numpy as np
import pytest

from cnn_course import layers as L
from cnn_course import models, train
from cnn_course.models.lenet import LENET5_C3_TABLE


@pytest.fixture(autouse=True)
def restore_policy():
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


LAYERS = {
    "LocalResponseNormalization": (lambda: L.LocalResponseNormalization(), (2, 5, 5, 12)),
    "SpatialPyramidPooling": (lambda: L.SpatialPyramidPooling((1, 2, 4)), (2, 9, 9, 4)),
    "SqueezeExcitation": (lambda: L.SqueezeExcitation(ratio=4), (2, 5, 5, 8)),
    "FusedBatchNormalization": (lambda: L.FusedBatchNormalization(), (2, 5, 5, 8)),
    "ConnectionTableConv2D": (lambda: L.ConnectionTableConv2D(5, LENET5_C3_TABLE, activation=L.scaled_tanh), (2, 14, 14, 6)),
    "TrainableSubsampling": (lambda: L.TrainableSubsampling(activation=L.scaled_tanh), (2, 10, 10, 16)),
    "RBFOutput": (lambda: L.RBFOutput(models.lenet.lenet5_rbf_codes()), (2, 84)),
}

# bfloat16 keeps 8 bits of mantissa, float16 11: relative error ~2**-8.
TOLERANCE = {"mixed_bfloat16": 3e-2, "mixed_float16": 5e-3}


@pytest.mark.parametrize("policy", train.PRECISIONS)
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_custom_layer_runs_and_agrees_with_float32(name, policy):
    build, shape = LAYERS[name]
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    keras.mixed_precision.set_global_policy("float32")
    reference_layer = build()
    reference = np.asarray(reference_layer(x), "float32")
    keras.mixed_precision.set_global_policy(policy)
    layer = build()
    layer.build(shape)
    layer.set_weights(reference_layer.get_weights())
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == layer.compute_dtype
    out = keras.ops.convert_to_numpy(keras.ops.cast(out, "float32"))
    scale = np.abs(reference).max()
    np.testing.assert_allclose(out, reference, atol=TOLERANCE.get(policy, 1e-6) * scale, rtol=0)


@pytest.mark.parametrize("policy", train.PRECISIONS)
def test_the_papers_lenet5_trains_a_step_under_every_policy(policy):
    keras.mixed_precision.set_global_policy(policy)
    model = models.lenet5_paper()
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).random((4, 32, 32, 1)).astype("float32")
    loss = model.train_on_batch(x, np.arange(4))
    assert np.isfinite(loss)


@pytest.mark.parametrize("name", ["alexnet", "se_resnet50", "googlenet"])
def test_models_with_custom_layers_run_under_mixed_bfloat16(name):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = models.build_model(name, input_shape=(96, 96, 3) if name != "alexnet" else (227, 227, 3), classes=3)
    out = model.predict(np.zeros((1, *model.input_shape[1:]), "float32"), verbose=0)
    assert np.all(np.isfinite(np.asarray(out, "float32")))
