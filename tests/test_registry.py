"""The model registry: names, entries, building by name, and unknown names."""

import inspect

import keras
import numpy as np
import pytest

import cnn_course
from cnn_course import build_model, list_models, models
from cnn_course.models import SOURCES, model_info

SEEDS = list_models(source="seed")
# ResNet-101 and -152 take the same path through resnet() as ResNet-50 and
# are the slowest to build: the argument tests leave them out.
NOT_SEEDS = [
    name for name in list_models()
    if name not in SEEDS and name not in ("resnet101", "resnet152")
]


def small_shape(name, channels=3):
    side = model_info(name).min_side
    return (side, side, channels)


def test_list_models_is_sorted_and_has_the_chapter_1_networks():
    names = list_models()
    assert names == sorted(names)
    assert {"lenet5", "alexnet", "alexnet_small_bn", "vgg16"} <= set(names)


def test_every_registered_name_is_a_public_function_of_models():
    for name in list_models():
        function = getattr(models, name)
        assert inspect.isfunction(function), name
        assert function.__name__ == name
        assert function is model_info(name).builder
        assert name in models.__all__
        assert "Example:" in function.__doc__, name


def test_sources_split_the_registry():
    by_source = {source: set(list_models(source=source)) for source in SOURCES}
    assert set().union(*by_source.values()) == set(list_models())
    assert sum(len(names) for names in by_source.values()) == len(list_models())
    # Names that say where they come from are filed there.
    assert all(name in by_source["seed"] for name in list_models() if "_seed" in name)
    assert {"lenet5_paper", "alexnet", "vgg16", "nin", "googlenet", "resnet50"} <= by_source["paper"]


@pytest.mark.parametrize("source", ["papers", "Paper", ""])
def test_unknown_source_lists_the_valid_ones(source):
    with pytest.raises(ValueError, match=r"`source` must be one of 'paper', 'seed', 'modern'"):
        list_models(source=source)


def test_source_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"`source`.*Received: source=1"):
        list_models(source=1)


def test_entries_hold_the_builders_default_input_shape():
    # The papers' input sizes: LeNet-5 32x32 grey, AlexNet 227x227 (Caffe),
    # VGG, GoogLeNet and ResNet 224x224, NiN 32x32 (CIFAR-10), Fashion-MNIST
    # 28x28 grey.
    expected = {
        "lenet5_paper": (32, 32, 1), "alexnet": (227, 227, 3), "vgg16": (224, 224, 3),
        "nin": (32, 32, 3), "googlenet": (224, 224, 3), "resnet50": (224, 224, 3),
        "fashion_cnn": (28, 28, 1),
    }
    for name, shape in expected.items():
        assert model_info(name).input_shape == shape
    for name in list_models():
        info = model_info(name)
        assert len(info.input_shape) == 3 and min(info.input_shape[:2]) >= info.min_side


# Minimum sides worked out by hand from the layer tables (see the builders'
# docstrings): AlexNet 11x11/4 and three 3x3/2 pools -> 67; LeNet-5 two 5x5
# and two 2x2 -> 16, 32 for the paper's C5; VGG-16 five 2x2 pools -> 32;
# Geron's CNN three 2x2 pools -> 8. GoogLeNet and ResNet-50 are floors of the
# package's choosing: 32, where their five halvings are exact (with "same"
# padding they round up, so smaller inputs would also build).
HAND_WORKED_MIN_SIDES = {
    "alexnet": 67, "lenet5": 16, "lenet5_paper": 32, "vgg16": 32,
    "googlenet": 32, "resnet50": 32, "fashion_cnn": 8,
}


def test_minimum_sides_match_the_hand_worked_ones():
    for name, side in HAND_WORKED_MIN_SIDES.items():
        assert model_info(name).min_side == side, name


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_builds_at_its_minimum_side(name):
    model = build_model(name, input_shape=small_shape(name), classes=5)
    # The seed-001 GoogLeNet never flattens: its Dense runs per position.
    expected = (None, 1, 1, 5) if name == "googlenet_seed001" else (None, 5)
    assert model.output_shape == expected
    assert model.count_params() > 0
    for layer in model.layers:
        shape = layer.output.shape
        assert all(d is None or d >= 1 for d in shape[1:]), f"{name}: {layer.name} {shape}"


@pytest.mark.parametrize("name", [n for n in list_models() if model_info(n).min_side > 1])
def test_one_pixel_less_than_the_minimum_is_refused(name):
    side = model_info(name).min_side
    with pytest.raises(ValueError, match=rf"`input_shape`.*at least {side}\. Received"):
        build_model(name, input_shape=(side - 1, side, 3))


@pytest.mark.parametrize("name", list_models())
def test_every_trainable_weight_gets_a_gradient(name):
    shape = small_shape(name)
    model = build_model(name, input_shape=shape, classes=4)
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the gradient check uses tf.GradientTape")
    import tensorflow as tf

    x = np.random.default_rng(0).random((4, *shape), dtype="float32")
    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        weights = [np.random.default_rng(1).standard_normal(o.shape).astype("float32") for o in outputs]
        loss = sum(keras.ops.mean(o * w) for o, w in zip(outputs, weights))
    grads = tape.gradient(loss, model.trainable_weights)
    for weight, grad in zip(model.trainable_weights, grads):
        assert grad is not None, f"{name}: no gradient for {weight.path}"
        assert np.all(np.isfinite(grad.numpy())), weight.path
        # Every bias is exempt, since one right before BatchNorm is cancelled
        # by it and gets a zero gradient (this check does not tell those
        # apart); every other weight must move.
        if not weight.path.endswith("bias"):
            assert np.any(grad.numpy() != 0), f"{name}: zero gradient for {weight.path}"


# ------------------------------------------- keras.applications' arguments


@pytest.mark.parametrize("name", NOT_SEEDS)
def test_include_top_false_gives_the_features_and_pooling_reduces_them(name):
    shape = small_shape(name)
    features = build_model(name, input_shape=shape, include_top=False)
    assert len(features.output_shape) == 4  # (batch, height, width, channels)
    channels = features.output_shape[-1]
    dense = [l for l in features.layers if isinstance(l, keras.layers.Dense)]
    assert not dense, f"{name}: include_top=False kept {[l.name for l in dense]}"
    pooled = build_model(name, input_shape=shape, include_top=False, pooling="max")
    assert pooled.output_shape == (None, channels)
    assert pooled.layers[-1].name == "max_pool"


@pytest.mark.parametrize("name", NOT_SEEDS)
def test_classifier_activation_none_gives_logits(name):
    shape = small_shape(name)
    x = np.random.default_rng(0).random((2, *shape), dtype="float32")
    probabilities = build_model(name, input_shape=shape, classes=3, classifier_activation="softmax")
    assert np.allclose(np.sum(probabilities(x), axis=-1), 1.0, atol=1e-5)
    logits = build_model(name, input_shape=shape, classes=3, classifier_activation=None)
    output = logits.layers[-1]
    assert getattr(output, "activation", keras.activations.linear) is keras.activations.linear
    assert type(output).__name__ != "Activation"


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reproductions_keep_their_fixed_head(name):
    with pytest.raises(TypeError, match="include_top"):
        build_model(name, include_top=False)


def test_the_papers_lenet5_returns_rbf_logits_by_default():
    assert inspect.signature(models.lenet5_paper).parameters["classifier_activation"].default is None
    model = models.lenet5_paper(classifier_activation="softmax")
    assert model.layers[-1].name == "predictions"


# ----------------------------------------------------------------- by name


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
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        build_model("lenet5", colour=True)


def test_version_is_exposed():
    assert isinstance(cnn_course.__version__, str)
    assert cnn_course.__version__.count(".") == 2
