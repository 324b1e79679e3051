"""The model registry: names, building by name, and unknown names."""

import keras
import numpy as np
import pytest

import cnn_course
from cnn_course import build_model, list_models

# The smallest input each family accepts (see the builders' docstrings).
SMALL_SIDE = {"alexnet": 67, "alexnet_one_tower": 67, "alexnet_bn": 67,
              "alexnet_seed002": 67, "googlenet_seed001": 63}


def test_list_models_is_sorted_and_has_the_chapter_1_networks():
    names = list_models()
    assert names == sorted(names)
    assert {"lenet5", "alexnet", "alexnet_small_bn", "vgg16"} <= set(names)


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_builds_on_a_small_input(name):
    side = SMALL_SIDE.get(name, 32)
    model = build_model(name, input_shape=(side, side, 3), classes=5)
    # The seed-001 GoogLeNet never flattens: its Dense runs per position.
    expected = (None, 1, 1, 5) if name == "googlenet_seed001" else (None, 5)
    assert model.output_shape == expected
    assert model.count_params() > 0


@pytest.mark.parametrize("name", list_models())
def test_every_trainable_weight_gets_a_gradient(name):
    side = SMALL_SIDE.get(name, 32)
    model = build_model(name, input_shape=(side, side, 3), classes=4)
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the gradient check uses tf.GradientTape")
    import tensorflow as tf

    x = np.random.default_rng(0).random((4, side, side, 3), dtype="float32")
    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        weights = [np.random.default_rng(1).standard_normal(o.shape).astype("float32") for o in outputs]
        loss = sum(keras.ops.mean(o * w) for o, w in zip(outputs, weights))
    grads = tape.gradient(loss, model.trainable_weights)
    for weight, grad in zip(model.trainable_weights, grads):
        assert grad is not None, f"{name}: no gradient for {weight.path}"
        assert np.all(np.isfinite(grad.numpy())), weight.path
        # A bias right before BatchNorm is cancelled by it; any other weight
        # must move.
        if not weight.path.endswith("bias"):
            assert np.any(grad.numpy() != 0), f"{name}: zero gradient for {weight.path}"


@pytest.mark.parametrize("name", ["vgg-16", "VGG16", "", None, ["vgg16"]])
def test_unknown_name_lists_the_valid_ones(name):
    with pytest.raises(ValueError) as error:
        build_model(name)
    message = str(error.value)
    assert "`name`" in message and repr(name) in message
    for valid in list_models():
        assert valid in message


def test_build_model_passes_keyword_arguments():
    model = build_model("vgg16", input_shape=(32, 32, 3), classes=10, dropout=0.2)
    assert model.get_layer("dropout1").rate == 0.2
    with pytest.raises(TypeError):
        build_model("lenet5", colour=True)


def test_version_is_exposed():
    assert isinstance(cnn_course.__version__, str)
    assert cnn_course.__version__.count(".") == 2
