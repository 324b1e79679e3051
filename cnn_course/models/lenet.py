"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998).

Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
applied to document recognition", Proc. IEEE 86(11), 1998, Section II.B.
"""

import keras
import numpy as np
from keras import layers

from .. import _checks
from ..layers import ConnectionTableConv2D, RBFOutput, TrainableSubsampling, scaled_tanh
from ._top import global_pooling

#: Smallest input side LeNet-5 accepts. Two valid 5x5 convolutions and two
#: 2x2 poolings need ``((side - 4) // 2 - 4) // 2 >= 1``, so side >= 16.
LENET5_MIN_SIDE = 16

#: Smallest input side of the paper's LeNet-5. C5's 5x5 convolution needs a
#: 5x5 map after S4, so side >= 32.
LENET5_PAPER_MIN_SIDE = 32

_SUBSAMPLING = {"avg": layers.AveragePooling2D, "max": layers.MaxPooling2D}


def lenet5(
    input_shape=(32, 32, 1),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    activation="relu",
    subsampling="avg",
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
        include_top: keep C5, F6 and the output; ``False`` ends the model
            at S4.
        pooling: with ``include_top=False``, ``None`` (the S4 maps),
            ``"avg"`` or ``"max"`` (global pooling to one vector).
        classifier_activation: activation of the output layer, or ``None``
            for logits.
        activation: activation of the hidden layers, e.g. ``"relu"`` or
            ``"tanh"`` (closer to the paper).
        subsampling: S2 and S4, ``"avg"`` (as in the paper) or ``"max"``.
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
        >>> lenet5(include_top=False).output_shape
        (None, 5, 5, 16)
    """
    _checks.image_shape(input_shape, LENET5_MIN_SIDE, "LeNet-5")
    classes = _checks.positive_int(classes, "classes")
    if include_top is True and pooling in ("avg", "max"):
        raise ValueError(  # the name S2 and S4's kind had before `subsampling`
            "`pooling` applies only with include_top=False, as in "
            "keras.applications; S2 and S4's kind is set by `subsampling`. "
            f"Received: pooling={pooling!r}, include_top=True"
        )
    _checks.top(include_top, pooling, classifier_activation)
    _checks.activation(activation, "activation")
    _checks.one_of(subsampling, "subsampling", tuple(_SUBSAMPLING))
    pool = _SUBSAMPLING[subsampling]
    model = keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            layers.Conv2D(6, 5, activation=activation, name="c1"),
            pool(2, strides=2, name="s2"),
            layers.Conv2D(16, 5, activation=activation, name="c3"),
            pool(2, strides=2, name="s4"),
        ],
        name=name,
    )
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(120, activation=activation, name="c5"))
    model.add(layers.Dense(84, activation=activation, name="f6"))
    model.add(layers.Dense(classes, activation=classifier_activation, name="output"))
    return model


#: Table I of the paper. ``LENET5_C3_TABLE[i][j]`` is 1 when C3 map ``j``
#: reads S2 map ``i``. Maps 0-5 read three contiguous S2 maps, 6-11 four
#: contiguous ones, 12-14 four non-contiguous ones and 15 all six: 60
#: connections.
LENET5_C3_TABLE = (
    (1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1),
    (1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1),
    (1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1),
    (0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1),
    (0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1),
    (0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1),
)

#: The digits 0-9 in a 5x7 dot-matrix font, one row of five pixels per string.
_DIGITS_5X7 = (
    ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
)


def lenet5_rbf_codes(classes=10, seed=0):
    """Fixed +1/-1 codes of length 84 (7x12 bitmaps) for LeNet-5's RBF output.

    The paper draws each class as a stylised 7x12 bitmap of its character.
    For ten classes these are the digits 0-9, drawn from a 5x7 dot-matrix
    font: its 7 rows stretched to 10, in the middle of the bitmap (7 wide,
    12 tall) with a margin of one pixel all round; for any other number of
    classes the codes are random +1/-1 vectors (seeded). The paper notes
    that random codes could have been used too; it drew its own.

    Example:
        >>> from cnn_course.models.lenet import lenet5_rbf_codes
        >>> codes = lenet5_rbf_codes()
        >>> codes.shape, sorted(set(codes.ravel().tolist()))
        ((10, 84), [-1.0, 1.0])
    """
    classes = _checks.positive_int(classes, "classes")
    if classes != 10:
        rng = np.random.default_rng(seed)
        return rng.choice([-1.0, 1.0], size=(classes, 84)).astype("float32")
    codes = np.full((10, 12, 7), -1.0, dtype="float32")
    rows = (np.arange(10) * 7) // 10  # stretch 7 rows to 10
    for digit, bitmap in enumerate(_DIGITS_5X7):
        pixels = np.array([[int(c) for c in row] for row in bitmap], dtype=bool)
        codes[digit, 1:11, 1:6][pixels[rows]] = 1.0
    return codes.reshape(10, 84)


def lenet5_paper(
    input_shape=(32, 32, 1),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation=None,
    name="lenet5_paper",
):
    """LeNet-5 as LeCun et al. (1998) built it: 60,000 trainable parameters.

    C1 (6 maps, 5x5) - S2 (trainable subsampling) - C3 (16 maps, 5x5, partial
    connections from the paper's Table I) - S4 (trainable subsampling) - C5
    (120 maps, 5x5) - F6 (84 units) - output (Euclidean RBF units with fixed
    codes). Every layer but the output uses the scaled tanh
    ``1.7159 tanh(2x/3)``. Trainable parameters per layer: C1 156, S2 12,
    C3 1,516, S4 32, C5 48,120, F6 10,164.

    Deviations: the output returns minus the RBF distances, so it can be used
    as logits with a cross-entropy loss (the paper trains with its own MAP
    criterion, Eq. 9); hence ``classifier_activation`` defaults to ``None``
    here, not ``"softmax"`` as elsewhere. The codes of the ten digits come
    from a 5x7 font (:func:`lenet5_rbf_codes`), not the paper's hand-drawn
    bitmaps. The weights start from Keras' default initializers; the paper
    drew each from a uniform distribution in +-2.4 / F, F the fan-in of the
    unit it feeds.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 32,
            the size C5 needs to reduce a 5x5 map to 1x1.
        classes: number of output units.
        include_top: keep F6 and the RBF output; ``False`` ends the model
            at C5 (1x1x120 on 32x32 inputs).
        pooling: with ``include_top=False``, ``None``, ``"avg"`` or ``"max"``.
        classifier_activation: ``None`` (minus the RBF distances, used as
            logits) or an activation applied to them, e.g. ``"softmax"``.
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import lenet5_paper
        >>> model = lenet5_paper()
        >>> from cnn_course.analysis import trainable_params
        >>> trainable_params(model)
        60000
    """
    _checks.image_shape(input_shape, LENET5_PAPER_MIN_SIDE, "the paper's LeNet-5")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    model = keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            layers.Conv2D(6, 5, activation=scaled_tanh, name="c1"),
            TrainableSubsampling(2, activation=scaled_tanh, name="s2"),
            ConnectionTableConv2D(5, LENET5_C3_TABLE, activation=scaled_tanh, name="c3"),
            TrainableSubsampling(2, activation=scaled_tanh, name="s4"),
            layers.Conv2D(120, 5, activation=scaled_tanh, name="c5"),
        ],
        name=name,
    )
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(84, activation=scaled_tanh, name="f6"))
    model.add(RBFOutput(lenet5_rbf_codes(classes), name="output"))
    if classifier_activation is not None:
        model.add(layers.Activation(classifier_activation, name="predictions"))
    return model


def lenet5_seed002(input_shape=(224, 224, 3), classes=100, *, name="lenet5_seed002"):
    """The seed-002 ``LetNet(224, 224, 3, 100)``: tanh, max-pooling, 224x224x3.

    :func:`lenet5` with ``activation="tanh"`` and ``subsampling="max"``, on
    the source's 224x224 colour input. The two pooling layers leave a 53x53x16
    map, so C5 alone has 5,393,400 weights: LeNet's layer sizes were chosen
    for 32x32 digits. A seed reproduction: it takes no ``include_top``,
    ``pooling`` or ``classifier_activation``.

    Example:
        >>> from cnn_course.models import lenet5_seed002
        >>> lenet5_seed002().get_layer("c5").count_params()
        5393400
    """
    return lenet5(
        input_shape, classes, activation="tanh", subsampling="max", name=name
    )
