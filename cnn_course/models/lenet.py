"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998).

Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
applied to document recognition", Proc. IEEE 86(11), 1998, Section II.B.
"""

import keras
from keras import layers

from .. import _checks

#: Smallest input side LeNet-5 accepts. Two valid 5x5 convolutions and two
#: 2x2 poolings need ``((side - 4) // 2 - 4) // 2 >= 1``, so side >= 16.
LENET5_MIN_SIDE = 16

_POOLING = {"avg": layers.AveragePooling2D, "max": layers.MaxPooling2D}


def lenet5(
    input_shape=(32, 32, 1),
    classes=10,
    activation="relu",
    pooling="avg",
    classifier_activation="softmax",
    name="lenet5",
):
    """LeNet-5 as modern courses code it (the seed-000 version).

    The paper's layer sequence, C1-S2-C3-S4-C5-F6-output, written with
    today's layers: ``Conv2D(6, 5)``, 2x2 pooling, ``Conv2D(16, 5)``, 2x2
    pooling, then dense layers of 120 and 84 units and a softmax. With the
    defaults it has 61,706 parameters, the count printed in the seed notebook.

    Deviations from the paper: every C3 map sees all six S2 maps (the paper
    uses a partial connection table), pooling has no trainable coefficient,
    the activation is ReLU instead of the scaled tanh, and the output is a
    softmax instead of Euclidean RBF units. C5 is a ``Dense`` layer after
    ``Flatten``; on a 32x32 input this is the same as the paper's 5x5
    convolution over a 5x5 map.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 16.
            The paper feeds 32x32 grey images (28x28 MNIST digits padded).
        classes: number of output units.
        activation: activation of the hidden layers, e.g. ``"relu"`` or
            ``"tanh"`` (closer to the paper).
        pooling: ``"avg"`` (subsampling, as in the paper) or ``"max"``.
        classifier_activation: activation of the output layer, or ``None``
            for logits.
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import lenet5
        >>> model = lenet5()
        >>> model.count_params()
        61706
        >>> model.output_shape
        (None, 10)
    """
    _checks.image_shape(input_shape, LENET5_MIN_SIDE, "LeNet-5")
    classes = _checks.positive_int(classes, "classes")
    _checks.one_of(pooling, "pooling", tuple(_POOLING))
    pool = _POOLING[pooling]
    return keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            layers.Conv2D(6, 5, activation=activation, name="c1"),
            pool(2, strides=2, name="s2"),
            layers.Conv2D(16, 5, activation=activation, name="c3"),
            pool(2, strides=2, name="s4"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation=activation, name="c5"),
            layers.Dense(84, activation=activation, name="f6"),
            layers.Dense(classes, activation=classifier_activation, name="output"),
        ],
        name=name,
    )
