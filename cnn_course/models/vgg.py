"""VGG networks (Simonyan and Zisserman, 2015).

K. Simonyan and A. Zisserman, "Very deep convolutional networks for
large-scale image recognition", ICLR 2015 (arXiv:1409.1556), Table 1.
"""

import keras
from keras import layers

from .. import _checks
from ..layers import LocalResponseNormalization
from ._top import global_pooling

#: Table 1 of the paper, one column per configuration. An integer is a 3x3
#: convolution with that many filters, ``(filters, 1)`` a 1x1 convolution
#: (configuration C), ``"LRN"`` local response normalization (A-LRN) and
#: ``"M"`` a 2x2 max-pool with stride 2.
CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M",
              512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M",
          512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M",
          512, 512, (512, 1), "M", 512, 512, (512, 1), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
          512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}

#: Hidden fully connected layers before the classifier (FC-4096, FC-4096).
CLASSIFIER = (4096, 4096)

#: Five 2x2/2 poolings need a side of at least 2**5 = 32.
VGG_MIN_SIDE = 32


def vgg_features(config):
    """The convolutional part of a VGG configuration, as a list of layers.

    Layers are named as in Keras' VGG16: ``block{b}_conv{i}`` and
    ``block{b}_pool``. Every convolution is stride 1, ``same`` padding, ReLU.

    Args:
        config: a key of :data:`CONFIGS` (``"A"`` to ``"E"``), or a list in
            the same format.

    Returns:
        A list of Keras layers.

    Example:
        >>> from cnn_course.models.vgg import vgg_features
        >>> [layer.name for layer in vgg_features("A")][:3]
        ['block1_conv1', 'block1_pool', 'block2_conv1']
    """
    if isinstance(config, str):
        _checks.one_of(config, "config", tuple(CONFIGS))
        config = CONFIGS[config]
    features, block, conv = [], 1, 1
    for entry in config:
        if entry == "M":
            features.append(layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool"))
            block, conv = block + 1, 1
            continue
        if entry == "LRN":
            features.append(LocalResponseNormalization(name=f"block{block}_lrn"))
            continue
        filters, kernel = entry if isinstance(entry, tuple) else (entry, 3)
        features.append(
            layers.Conv2D(
                filters, kernel, padding="same", activation="relu",
                name=f"block{block}_conv{conv}",
            )
        )
        conv += 1
    return features


def vgg(
    config="D",
    input_shape=(224, 224, 3),
    classes=1000,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    dropout=0.5,
    name=None,
):
    """A VGG network built from its column of the paper's Table 1.

    Stacks of 3x3 ``same`` convolutions separated by 2x2/2 max-pooling, with
    the filters doubling from 64 to 512 block by block, then FC-4096,
    FC-4096 (each followed by dropout 0.5, as in the paper's Section 3.1)
    and FC-``classes``. Configuration D is VGG-16 (138,357,544 parameters at
    224x224x3 with 1000 classes) and E is VGG-19. A-LRN adds AlexNet's
    local response normalization after the first convolution; the paper
    found it does not improve on A.

    Args:
        config: ``"A"`` (VGG-11), ``"A-LRN"``, ``"B"`` (VGG-13), ``"C"``
            (VGG-16 with 1x1 convolutions), ``"D"`` (VGG-16) or ``"E"``
            (VGG-19).
        input_shape: ``(height, width, channels)``; each side at least 32.
        classes: number of output units.
        include_top: keep the three dense layers; ``False`` ends the model
            at ``block5_pool``, as keras.applications' ``include_top``.
        pooling: with ``include_top=False``, ``None`` (the block5 maps),
            ``"avg"`` or ``"max"`` (global pooling to one vector).
        classifier_activation: activation of the output layer, or ``None``.
        dropout: dropout rate after the two hidden dense layers.
        name: name of the model; defaults to ``"vgg_<config>"``.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import vgg
        >>> model = vgg("D", input_shape=(32, 32, 3), classes=10)
        >>> model.get_layer("block5_pool").output.shape
        (None, 1, 1, 512)
    """
    _checks.one_of(config, "config", tuple(CONFIGS))
    _checks.image_shape(input_shape, VGG_MIN_SIDE, f"VGG configuration {config}")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential(
        [keras.Input(tuple(input_shape)), *vgg_features(config)],
        name=name or f"vgg_{config.lower().replace('-', '_')}",
    )
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER, start=1):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(dropout, name=f"dropout{index}"))
    model.add(layers.Dense(classes, activation=classifier_activation, name="predictions"))
    return model


def vgg11(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-11, configuration A of the paper's Table 1 (132,863,336 parameters).

    Other keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg11
        >>> vgg11(input_shape=(32, 32, 3), classes=10).output_shape
        (None, 10)
    """
    kwargs.setdefault("name", "vgg11")
    return vgg("A", input_shape=input_shape, classes=classes, **kwargs)


def vgg11_lrn(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-11 with AlexNet's LRN after the first convolution (A-LRN).

    Same parameters as VGG-11; the paper found LRN does not help. Other
    keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg11_lrn
        >>> vgg11_lrn(input_shape=(32, 32, 3)).layers[1].name
        'block1_lrn'
    """
    kwargs.setdefault("name", "vgg11_lrn")
    return vgg("A-LRN", input_shape=input_shape, classes=classes, **kwargs)


def vgg13(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-13, configuration B of the paper's Table 1 (133,047,848 parameters).

    Other keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg13
        >>> vgg13(input_shape=(32, 32, 3), classes=10).output_shape
        (None, 10)
    """
    kwargs.setdefault("name", "vgg13")
    return vgg("B", input_shape=input_shape, classes=classes, **kwargs)


def vgg16_c(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-16 configuration C: a 1x1 convolution ends blocks 3-5.

    133,638,952 parameters. Other keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg16_c
        >>> vgg16_c(input_shape=(32, 32, 3)).get_layer("block3_conv3").kernel_size
        (1, 1)
    """
    kwargs.setdefault("name", "vgg16_c")
    return vgg("C", input_shape=input_shape, classes=classes, **kwargs)


def vgg16(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-16, configuration D of the paper's Table 1.

    Thirteen 3x3 convolutions in five blocks (64, 128, 256, 512, 512 filters)
    and three dense layers: 16 layers with weights, 138,357,544 parameters at
    224x224x3 with 1000 classes. Other keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg16
        >>> vgg16(input_shape=(32, 32, 3), classes=10).output_shape
        (None, 10)
    """
    kwargs.setdefault("name", "vgg16")
    return vgg("D", input_shape=input_shape, classes=classes, **kwargs)


def vgg19(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """VGG-19, configuration E of the paper's Table 1 (143,667,240 parameters).

    Other keyword arguments go to :func:`vgg`.

    Example:
        >>> from cnn_course.models import vgg19
        >>> len(vgg19(input_shape=(32, 32, 3)).layers)
        27
    """
    kwargs.setdefault("name", "vgg19")
    return vgg("E", input_shape=input_shape, classes=classes, **kwargs)


def vgg16_seed002(
    input_shape=(224, 224, 3), classes=17, *, kernel_typo=True, name="vgg16_seed002"
):
    """The seed-002 ``VGG16Net``, typo included on request.

    Configuration D with the source's changes: block2's first convolution
    has a ``(3, 2)`` kernel (a typo for ``(3, 3)``: 49,280 parameters instead
    of 73,856) when ``kernel_typo`` is true, and a third hidden layer
    ``Dense(1000, activation="relu")`` with dropout sits before the output.
    The source calls ``VGG16Net(224, 224, 3, 100)`` but its code ignores the
    arguments and ends in a 17-way softmax, hence ``classes=17`` by default.
    A seed reproduction: it takes no ``include_top``, ``pooling`` or
    ``classifier_activation``.

    Example:
        >>> from cnn_course.models import vgg16_seed002
        >>> vgg16_seed002().get_layer("block2_conv1").kernel_size
        (3, 2)
    """
    _checks.image_shape(input_shape, VGG_MIN_SIDE, "VGG configuration D")
    classes = _checks.positive_int(classes, "classes")
    _checks.boolean(kernel_typo, "kernel_typo")
    config = list(CONFIGS["D"])
    if kernel_typo:
        config[3] = (128, (3, 2))  # block2_conv1
    model = keras.Sequential(
        [keras.Input(tuple(input_shape)), *vgg_features(config)], name=name
    )
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER + (1000,), start=1):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(0.5, name=f"dropout{index}"))
    model.add(layers.Dense(classes, activation="softmax", name="predictions"))
    return model
