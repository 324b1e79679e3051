"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012).

A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification with
deep convolutional neural networks", NIPS 2012, Section 3 and Figure 2.
"""

import keras
from keras import layers

from .. import _checks

#: The paper's five convolutional layers (Section 3.5), one tower. Each row
#: is (name, filters, kernel, stride, padding, max-pool after it).
FEATURES = (
    ("conv1", 96, 11, 4, "valid", True),
    ("conv2", 256, 5, 1, "same", True),
    ("conv3", 384, 3, 1, "same", False),
    ("conv4", 384, 3, 1, "same", False),
    ("conv5", 256, 3, 1, "same", True),
)

#: Hidden fully connected layers (fc6, fc7) before the classifier (fc8).
CLASSIFIER = (4096, 4096)

#: Smallest input side. After conv1 (11x11/4) and three 3x3/2 poolings the
#: map must still be at least 1x1, which needs a side of at least 67.
ALEXNET_MIN_SIDE = 67


def alexnet(
    input_shape=(227, 227, 3),
    classes=1000,
    dropout=0.5,
    classifier_activation="softmax",
    name="alexnet",
):
    """AlexNet as the seed describes it: one tower, 227x227x3 input.

    conv1 96 11x11/4, 3x3/2 max-pool, conv2 256 5x5, 3x3/2 max-pool, conv3
    384 3x3, conv4 384 3x3, conv5 256 3x3, 3x3/2 max-pool, then fc6 4096,
    fc7 4096 (each followed by dropout) and fc8 with ``classes`` units. The
    pooling windows overlap (3x3 with stride 2), as in the paper. At
    227x227x3 with 1000 classes the model has 62,378,344 parameters.

    The paper says 224x224 inputs, but 11x11 convolutions with stride 4 only
    give the 55x55 maps of its Figure 2 on 227x227 (``(227 - 11) / 4 + 1 =
    55``); 227 is what Caffe and most re-implementations use.

    Deviations from the paper: the two GPU towers are merged into one
    (conv2, conv4 and conv5 see all channels of the previous layer, which adds
    about 1.4M parameters), and there is no local response normalization
    after conv1 and conv2.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 67.
        classes: number of output units.
        dropout: dropout rate after fc6 and fc7 (the paper: 0.5).
        classifier_activation: activation of fc8, or ``None`` for logits.
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import alexnet
        >>> model = alexnet()
        >>> model.count_params()
        62378344
        >>> model.get_layer("conv1").output.shape
        (None, 55, 55, 96)
    """
    _checks.image_shape(input_shape, ALEXNET_MIN_SIDE, "AlexNet")
    classes = _checks.positive_int(classes, "classes")
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    for index, (layer, filters, kernel, stride, padding, pool) in enumerate(
        FEATURES, start=1
    ):
        model.add(
            layers.Conv2D(
                filters, kernel, strides=stride, padding=padding,
                activation="relu", name=layer,
            )
        )
        if pool:
            model.add(layers.MaxPooling2D(3, strides=2, name=f"pool{index}"))
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER, start=6):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(dropout, name=f"drop{index}"))
    model.add(layers.Dense(classes, activation=classifier_activation, name="fc8"))
    return model


def alexnet_small_bn(
    input_shape=(32, 32, 3),
    classes=10,
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
    _checks.image_shape(input_shape, 1, "the seed-000 AlexNet")
    classes = _checks.positive_int(classes, "classes")
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    for index, (layer, filters, kernel, stride, _, pool) in enumerate(
        FEATURES, start=1
    ):
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
