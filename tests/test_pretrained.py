"""Weight transfer from keras.applications, offline.

The reference is keras.applications itself: its VGG-16/19 and
ResNet-50/101/152 are built with ``weights=None``, given random weights
(random conv biases and BatchNorm statistics too, so that the bias fold is
exercised), copied into our models, and both must compute the same
activations and logits. The ImageNet download is replaced by a failure.
"""

import keras
import numpy as np
import pytest

from cnn_course import models
from cnn_course.models.pretrained import load_imagenet_weights

SIDE = 64  # small inputs: every compared model takes 64x64 with its classifier

# (our builder, keras.applications constructor, [(our layer, their layer)])
VGG_PROBES = [("block1_pool",) * 2, ("block3_pool",) * 2, ("block5_pool",) * 2, ("fc2",) * 2]
RESNET_PROBES = [
    ("conv1_relu", "conv1_relu"),
    ("pool1", "pool1_pool"),
    ("conv2_1_out", "conv2_block1_out"),
    ("conv3_1_out", "conv3_block1_out"),
    ("conv5_3_out", "conv5_block3_out"),
]
CASES = {
    "vgg16": (models.vgg16, keras.applications.VGG16, VGG_PROBES),
    "vgg19": (models.vgg19, keras.applications.VGG19, VGG_PROBES),
    "resnet50": (lambda **kw: models.resnet(50, **kw), keras.applications.ResNet50, RESNET_PROBES),
    "resnet101": (lambda **kw: models.resnet(101, **kw), keras.applications.ResNet101, RESNET_PROBES),
    "resnet152": (lambda **kw: models.resnet(152, **kw), keras.applications.ResNet152, RESNET_PROBES),
}


def randomize(model, seed=0):
    """Random biases and BatchNorm parameters (glorot kernels are random already)."""
    rng = np.random.default_rng(seed)

    def put(variable, values):
        variable.assign(values.astype(variable.dtype))

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            shape = layer.gamma.shape
            put(layer.gamma, rng.uniform(0.5, 1.5, shape))
            put(layer.beta, rng.normal(0.0, 0.1, shape))
            put(layer.moving_mean, rng.normal(0.0, 0.1, shape))
            put(layer.moving_variance, rng.uniform(0.5, 1.5, shape))
        elif getattr(layer, "use_bias", False):
            put(layer.bias, rng.normal(0.0, 0.1, layer.bias.shape))
    return model


def activations(model, names, x):
    """The named activations and the logits (the classifier without its softmax)."""
    model.layers[-1].activation = keras.activations.linear
    outputs = [model.get_layer(name).output for name in names] + [model.layers[-1].output]
    probe = keras.Model(model.inputs[0], outputs)
    return [np.asarray(a) for a in probe(x, training=False)]  # eager: faster than predict


def relative_error(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def images(side=SIDE, batch=2):
    return np.random.default_rng(1).uniform(-120.0, 150.0, (batch, side, side, 3)).astype("float32")


@pytest.mark.parametrize("source", sorted(CASES))
def test_keras_applications_weights_give_the_same_activations_and_logits(source):
    build, reference, probes = CASES[source]
    theirs = randomize(reference(weights=None, input_shape=(SIDE, SIDE, 3)))
    ours = load_imagenet_weights(build(input_shape=(SIDE, SIDE, 3)), theirs)
    x = images()
    got = activations(ours, [a for a, _ in probes], x)
    expected = activations(theirs, [b for _, b in probes], x)
    for (name, _), a, b in zip(probes + [("logits", None)], got, expected):
        assert a.shape == b.shape, name
        assert relative_error(a, b) < 1e-5, name
    if source.startswith("resnet"):
        check_bias_fold(ours, theirs)


def check_bias_fold(ours, theirs):
    """conv1's bias b is folded into BatchNorm: mean' = mean - b."""
    b = theirs.get_layer("conv1_conv").bias.numpy()
    mean = theirs.get_layer("conv1_bn").moving_mean.numpy()
    assert np.any(b != 0) and not ours.get_layer("conv1_conv").use_bias
    np.testing.assert_allclose(
        ours.get_layer("conv1_bn").moving_mean.numpy(), mean - b, rtol=1e-6, atol=1e-7
    )


def test_bias_and_epsilon_are_folded_exactly():
    """keras.applications' ResNet unit (conv with bias, BatchNorm with epsilon
    1.001e-5) into ours (no bias, epsilon 1e-5). Variances of 1e-6 make the
    epsilons matter: ignoring their difference costs about 5e-4 relative."""

    def unit(use_bias, epsilon):
        x = keras.Input((6, 6, 3))
        y = keras.layers.Conv2D(4, 3, use_bias=use_bias)(x)
        return keras.Model(x, keras.layers.BatchNormalization(epsilon=epsilon)(y))

    theirs = randomize(unit(True, 1.001e-5))
    theirs.layers[-1].moving_variance.assign(np.full(4, 1e-6, "float32"))
    ours = load_imagenet_weights(unit(False, 1e-5), theirs)
    x = images(6)
    assert relative_error(np.asarray(ours(x)), np.asarray(theirs(x))) < 1e-5


def test_without_the_classifier_any_input_size():
    theirs = randomize(keras.applications.VGG16(weights=None, include_top=False, input_shape=(48, 48, 3)))
    full = models.vgg16(input_shape=(48, 48, 3))
    ours = keras.Model(full.inputs[0], full.get_layer("block5_pool").output)
    load_imagenet_weights(ours, theirs)
    x = images(48)
    assert relative_error(np.asarray(ours(x)), np.asarray(theirs(x))) < 1e-5


def test_imagenet_classifier_needs_1000_classes():
    with pytest.raises(ValueError, match=r"`classes` must be 1000.*include_top=False"):
        load_imagenet_weights(models.vgg16(input_shape=(32, 32, 3), classes=10), "vgg16")


def test_unknown_source_lists_the_valid_ones():
    model = models.vgg16(input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match=r"`source` must be one of 'vgg16'.*'resnet152'"):
        load_imagenet_weights(model, "resnet18")
    with pytest.raises(TypeError, match=r"`source` must be"):
        load_imagenet_weights(model, 16)
    with pytest.raises(TypeError, match=r"`model` must be a keras.Model"):
        load_imagenet_weights("vgg16", "vgg16")


def test_another_architecture_is_refused():
    ours = models.vgg16(input_shape=(32, 32, 3))
    other = keras.applications.VGG19(weights=None, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match=r"16 Conv2D and Dense layers against 19"):
        load_imagenet_weights(ours, other)
    bigger = keras.applications.VGG16(weights=None, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match=r"'fc1' \(Dense, kernel \(512, 4096\)\).*\(2048, 4096\)"):
        load_imagenet_weights(ours, bigger)
    with pytest.raises(ValueError, match=r"'stage1_1_se'"):  # no ImageNet weights for SE
        load_imagenet_weights(models.resnet_small(se_ratio=8), "resnet50")


def test_offline_download_names_the_file_and_the_fix(monkeypatch):
    from keras.src.utils import file_utils  # what keras.applications downloads with

    def no_network(fname, origin, **kwargs):
        raise Exception(f"URL fetch failure on {origin}: None -- [Errno -3] name resolution")

    monkeypatch.setattr(file_utils, "get_file", no_network)
    full = models.vgg16(input_shape=(32, 32, 3))
    features = keras.Model(full.inputs, full.get_layer("block5_pool").output)
    with pytest.raises(RuntimeError) as error:
        load_imagenet_weights(features, "vgg16")
    message = str(error.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "keras.applications.VGG16(include_top=False)" in message
    assert "URL fetch failure" in message and "connect to the internet" in message
