"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) and the seeds' variants.

A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification with
deep convolutional neural networks", NIPS 2012, Section 3 and Figure 2.
"""

import keras
from keras import layers

from .. import _checks
from ..layers import LocalResponseNormalization
from ._top import global_pooling

#: The paper's five convolutional layers (Section 3.5). Each row is (name,
#: filters, kernel, stride, padding, split between the two GPUs, LRN after
#: it, 3x3/2 max-pool after it). "Split" layers see only the half of the
#: previous layer's maps that lives on their GPU; the others see all maps.
FEATURES = (
    ("conv1", 96, 11, 4, "valid", False, True, True),
    ("conv2", 256, 5, 1, "same", True, True, True),
    ("conv3", 384, 3, 1, "same", False, False, False),
    ("conv4", 384, 3, 1, "same", True, False, False),
    ("conv5", 256, 3, 1, "same", True, False, True),
)

#: Hidden fully connected layers (fc6, fc7) before the classifier (fc8).
CLASSIFIER = (4096, 4096)

#: Smallest input side. After conv1 (11x11/4) and three 3x3/2 poolings the
#: map must still be at least 1x1, which needs a side of at least 67.
ALEXNET_MIN_SIDE = 67

#: Smallest input side of the seed-000 variant. With ``same`` padding
#: everywhere any side works.
ALEXNET_SMALL_BN_MIN_SIDE = 1


def _add_features(model, towers, normalization):
    """Append the five convolutions of :data:`FEATURES` to ``model``.

    ``normalization`` is ``"lrn"`` (after conv1 and conv2, as in the paper,
    with the paper's constants, the defaults of
    :class:`~cnn_course.layers.LocalResponseNormalization`), ``"batchnorm"``
    (after every convolution) or ``None``.
    """
    for index, (name, filters, kernel, stride, padding, split, lrn, pool) in enumerate(
        FEATURES, start=1
    ):
        model.add(
            layers.Conv2D(
                filters, kernel, strides=stride, padding=padding,
                groups=towers if split else 1, activation="relu", name=name,
            )
        )
        if normalization == "lrn" and lrn:
            model.add(LocalResponseNormalization(name=f"lrn{index}"))
        elif normalization == "batchnorm":
            model.add(layers.BatchNormalization(name=f"bn{index}"))
        if pool:
            model.add(layers.MaxPooling2D(3, strides=2, name=f"pool{index}"))


def _add_classifier(model, hidden, dropout, classes, activation, output_name):
    """fc6, fc7 (and more ``hidden`` layers) with ReLU and dropout, then the output."""
    for index, units in enumerate(hidden, start=6):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(dropout, name=f"drop{index}"))
    model.add(layers.Dense(classes, activation=activation, name=output_name))


def alexnet(
    input_shape=(227, 227, 3),
    classes=1000,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    towers=2,
    lrn=True,
    dropout=0.5,
    name="alexnet",
):
    """AlexNet as the paper built it, or as one tower without LRN.

    conv1 96 11x11/4, 3x3/2 max-pool, conv2 256 5x5, 3x3/2 max-pool, conv3
    384 3x3, conv4 384 3x3, conv5 256 3x3, 3x3/2 max-pool, then fc6 4096,
    fc7 4096 (each followed by dropout 0.5) and fc8 with ``classes`` units.
    The pooling windows overlap (3x3 with stride 2).

    With the defaults this is the paper's network: two towers, i.e. conv2,
    conv4 and conv5 are grouped convolutions (``groups=2``) that see only
    their own GPU's half of the maps, and local response normalization
    follows conv1 and conv2 (after the ReLU, before pooling). At 227x227x3
    with 1000 classes it has 60,965,224 parameters. ``towers=1, lrn=False``
    (or :func:`alexnet_one_tower`) gives the single-tower network most
    courses build (62,378,344).

    The paper says 224x224 inputs, but 11x11 convolutions with stride 4 only
    give the 55x55 maps of its Figure 2 on 227x227 (``(227 - 11) / 4 + 1 =
    55``); 227 is what Caffe and most re-implementations use.

    Deviations: the two towers share one device, and LRN runs over all 96
    (or 256) maps at once, so at the boundary between the towers' halves it
    mixes maps the paper kept on different GPUs. The weights start from
    Keras' default initializers, where the paper (Section 5) drew them from
    a Gaussian with standard deviation 0.01 and set the biases of conv2,
    conv4, conv5 and the hidden dense layers to 1.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 67.
        classes: number of output units.
        include_top: keep fc6-fc8; ``False`` ends the model at pool5.
        pooling: with ``include_top=False``, ``None`` (the pool5 maps),
            ``"avg"`` or ``"max"`` (global pooling to one vector).
        classifier_activation: activation of fc8, or ``None`` for logits.
        towers: 2 for the paper's split layers, 1 for a single tower.
        lrn: add local response normalization after conv1 and conv2.
        dropout: dropout rate after fc6 and fc7 (the paper: 0.5).
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import alexnet
        >>> alexnet().count_params()
        60965224
        >>> alexnet(towers=1, lrn=False).count_params()
        62378344
        >>> alexnet(include_top=False, pooling="avg").output_shape
        (None, 256)
    """
    _checks.image_shape(input_shape, ALEXNET_MIN_SIDE, "AlexNet")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    _checks.one_of(towers, "towers", (1, 2))
    _checks.boolean(lrn, "lrn")
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    _add_features(model, towers, "lrn" if lrn else None)
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    model.add(layers.Flatten(name="flatten"))
    _add_classifier(model, CLASSIFIER, dropout, classes, classifier_activation, "fc8")
    return model


def alexnet_one_tower(
    input_shape=(227, 227, 3),
    classes=1000,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    lrn=False,
    dropout=0.5,
    name="alexnet_one_tower",
):
    """AlexNet as one tower, without LRN: the version most courses build.

    :func:`alexnet` with ``towers=1``: conv2, conv4 and conv5 see all the
    maps of the layer below, which the paper's two GPUs could not afford.
    62,378,344 parameters at 227x227x3 with 1000 classes. ``lrn=True`` adds
    the paper's normalization back. (Caffe's ``bvlc_alexnet`` is not this
    network: it keeps the two groups of conv2, conv4 and conv5, and so
    :func:`alexnet`'s 60,965,224 parameters, on one device.)

    The arguments are those of :func:`alexnet`, without ``towers``: a
    one-tower model cannot be asked for two.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import alexnet_one_tower
        >>> alexnet_one_tower().count_params()
        62378344
    """
    return alexnet(
        input_shape, classes, include_top=include_top, pooling=pooling,
        classifier_activation=classifier_activation, towers=1, lrn=lrn,
        dropout=dropout, name=name,
    )


def alexnet_bn(input_shape=(224, 224, 3), classes=10, *, dropout=0.5, name="alexnet_bn"):
    """The seed-001 AlexNet: BatchNorm after every convolution, 224x224x3.

    The paper's single-tower layers with ``BatchNormalization`` after each
    convolution's ReLU instead of LRN, 3x3/2 overlapping max-pooling, two
    dense layers of 4096 units with dropout, and a softmax over ``classes``.
    On 224x224 inputs conv1 gives 54x54 maps and the last pooling 5x5x256,
    so fc6 has 6400 inputs; with 10 classes the model has 46,793,482
    parameters, the figure the seed prints.

    A seed reproduction: it keeps the seed's fixed softmax head and takes
    no ``include_top``, ``pooling`` or ``classifier_activation``.

    Example:
        >>> from cnn_course.models import alexnet_bn
        >>> alexnet_bn().count_params()
        46793482
    """
    _checks.image_shape(input_shape, ALEXNET_MIN_SIDE, "AlexNet")
    classes = _checks.positive_int(classes, "classes")
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    _add_features(model, 1, "batchnorm")
    model.add(layers.Flatten(name="flatten"))
    _add_classifier(model, CLASSIFIER, dropout, classes, "softmax", "fc8")
    return model


def alexnet_seed002(input_shape=(224, 224, 3), classes=100, *, name="alexnet_seed002"):
    """The seed-002 ``AlexNet(224, 224, 3, 100)``: an extra 1000-unit layer.

    One tower, no LRN, 224x224x3 input, and after fc6 and fc7 a third hidden
    layer ``Dense(1000, activation="relu")`` with dropout before the
    ``classes``-way softmax: the source kept ImageNet's 1000-way layer and
    added its own classifier on top. A seed reproduction: it takes no
    ``include_top``, ``pooling`` or ``classifier_activation``.

    Example:
        >>> from cnn_course.models import alexnet_seed002
        >>> alexnet_seed002().get_layer("fc8").units
        1000
    """
    _checks.image_shape(input_shape, ALEXNET_MIN_SIDE, "AlexNet")
    classes = _checks.positive_int(classes, "classes")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    _add_features(model, 1, None)
    model.add(layers.Flatten(name="flatten"))
    _add_classifier(model, CLASSIFIER + (1000,), 0.5, classes, "softmax", "output")
    return model


def alexnet_small_bn(
    input_shape=(32, 32, 3),
    classes=10,
    *,
    dropout=0.4,
    name="alexnet_small_bn",
):
    """The seed-000 AlexNet variant: BatchNorm and dropout, coded for 32x32.

    Reproduces the seed notebook's ``Sequential`` code: the AlexNet widths
    (96-256-384-384-256) with every convolution ``same``-padded and followed
    by ``BatchNormalization`` and ReLU, 2x2/2 ``same`` max-pooling after
    conv1, conv2 and conv5, then dense layers of 4096, 4096 and 1000 units,
    each with BatchNorm, ReLU and dropout, and a ``classes``-way output with
    BatchNorm before the softmax.

    This is not the paper's network: BatchNorm did not exist in 2012 (it
    replaces LRN here), the pooling does not overlap, and an 11x11 stride-4
    kernel on a 32x32 image leaves an 8x8 map after the first layer and a
    1x1 map before ``Flatten``. The seed's prose describes a 227x227 input;
    its code uses 32x32. Any side works because all padding is ``same``.
    A seed reproduction: it takes no ``include_top``, ``pooling`` or
    ``classifier_activation``.

    Args:
        input_shape: ``(height, width, channels)``.
        classes: number of output units.
        dropout: dropout rate after each hidden dense layer (the seed: 0.4).
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import alexnet_small_bn
        >>> model = alexnet_small_bn()
        >>> model.get_layer("flatten").output.shape
        (None, 256)
    """
    _checks.image_shape(input_shape, ALEXNET_SMALL_BN_MIN_SIDE, "the seed-000 AlexNet")
    classes = _checks.positive_int(classes, "classes")
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    for index, (layer, filters, kernel, stride, *_, pool) in enumerate(FEATURES, start=1):
        model.add(
            layers.Conv2D(filters, kernel, strides=stride, padding="same", name=layer)
        )
        model.add(layers.BatchNormalization(name=f"bn{index}"))
        model.add(layers.Activation("relu", name=f"relu{index}"))
        if pool:
            model.add(
                layers.MaxPooling2D(2, strides=2, padding="same", name=f"pool{index}")
            )
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER + (1000,), start=6):
        model.add(layers.Dense(units, name=f"fc{index}"))
        model.add(layers.BatchNormalization(name=f"bn{index}"))
        model.add(layers.Activation("relu", name=f"relu{index}"))
        model.add(layers.Dropout(dropout, name=f"drop{index}"))
    model.add(layers.Dense(classes, name="output"))
    model.add(layers.BatchNormalization(name="bn_output"))
    model.add(layers.Activation("softmax", name="softmax"))
    return model
