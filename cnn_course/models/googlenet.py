"""GoogLeNet / Inception v1 (Szegedy et al., 2015) and the seed-001 version.

C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan,
V. Vanhoucke and A. Rabinovich, "Going deeper with convolutions", CVPR 2015
(arXiv:1409.4842), Table 1 and Section 5.
"""

import keras
from keras import layers

from .. import _checks
from ..layers import LocalResponseNormalization
from ._top import global_pooling

#: Table 1 of the paper, the width of each inception module's towers in the
#: table's column order (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool
#: proj).
INCEPTION = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}

#: The order of Table 1's rows after the stem, modules and ``"M"`` for a
#: 3x3/2 max-pool.
LAYOUT = ("3a", "3b", "M", "4a", "4b", "4c", "4d", "4e", "M", "5a", "5b")

#: The "params" column of the paper's Table 1 for the inception modules, in
#: thousands. The chapters and tests compare the model with it.
TABLE1_PARAMS_K = {"3a": 159, "3b": 380, "4a": 364, "4b": 437, "4c": 463,
                   "4d": 580, "4e": 840, "5a": 1072, "5b": 1388}
#: The "ops" column of the paper's Table 1 (multiply-adds, in millions).
#: 5a's printed 54 does not match its widths, which give 51.1 M; every other
#: module is within 1%.
TABLE1_OPS_M = {"3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100,
                "4d": 119, "4e": 170, "5a": 54, "5b": 71}

#: Modules whose output feeds an auxiliary classifier (Section 5).
AUXILIARY_AFTER = ("4a", "4d")

#: Smallest input side. Five halvings take 32 to 1x1 (with ``same``
#: padding smaller sides would build too, their last modules running on 1x1
#: maps: 32 is a floor we chose, not one the layers impose); the auxiliary
#: classifiers' 5x5 pooling needs a 5x5 map at 4a, hence 65. The seed-001
#: version's ``valid`` poolings and 7x7 average pool need 63.
GOOGLENET_MIN_SIDE = 32
GOOGLENET_AUX_MIN_SIDE = 65
GOOGLENET_SEED001_MIN_SIDE = 63


def inception_module(x, c1, c3_reduce, c3, c5_reduce, c5, pool_proj, name="inception"):
    """An inception module: four towers side by side, concatenated.

    1. a 1x1 convolution (``c1`` filters);
    2. a 1x1 convolution to ``c3_reduce`` channels, then a 3x3 (``c3``);
    3. a 1x1 convolution to ``c5_reduce`` channels, then a 5x5 (``c5``);
    4. a 3x3 max-pool with stride 1, then a 1x1 convolution (``pool_proj``).

    Every convolution is ``same``-padded with a ReLU, so all towers keep the
    input's height and width and their outputs stack along the channels:
    ``c1 + c3 + c5 + pool_proj`` channels. The 1x1 "reduce" convolutions
    make the 3x3 and 5x5 convolutions affordable.

    Args:
        x: input tensor.
        c1, c3_reduce, c3, c5_reduce, c5, pool_proj: tower widths, the
            columns of the paper's Table 1.
        name: prefix of the layer names, e.g. ``"inception_3a"``.

    Returns:
        The concatenated output tensor.

    Example:
        >>> import keras
        >>> from cnn_course.models.googlenet import inception_module
        >>> x = keras.Input((28, 28, 192))
        >>> inception_module(x, 64, 96, 128, 16, 32, 32).shape
        (None, 28, 28, 256)
    """
    for width, argument in ((c1, "c1"), (c3_reduce, "c3_reduce"), (c3, "c3"),
                            (c5_reduce, "c5_reduce"), (c5, "c5"), (pool_proj, "pool_proj")):
        _checks.positive_int(width, argument)

    def conv(tensor, filters, kernel, suffix):
        return layers.Conv2D(
            filters, kernel, padding="same", activation="relu", name=f"{name}_{suffix}"
        )(tensor)

    tower1 = conv(x, c1, 1, "1x1")
    tower2 = conv(conv(x, c3_reduce, 1, "3x3_reduce"), c3, 3, "3x3")
    tower3 = conv(conv(x, c5_reduce, 1, "5x5_reduce"), c5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    tower4 = conv(pooled, pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_output")([tower1, tower2, tower3, tower4])


def _auxiliary_classifier(x, classes, activation, name):
    """Section 5: 5x5/3 average pool, 1x1 conv 128, FC 1024, dropout 0.7."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation=activation, name=f"{name}_classifier")(x)


def googlenet(
    input_shape=(224, 224, 3),
    classes=1000,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    auxiliary_classifiers=False,
    dropout=0.4,
    name="googlenet",
):
    """GoogLeNet as in Table 1 of the paper.

    Stem: conv 7x7/2 (64), max-pool 3x3/2, LRN, conv 1x1 (64), conv 3x3
    (192), LRN, max-pool 3x3/2. Then inception modules 3a-3b, max-pool,
    4a-4e, max-pool, 5a-5b (widths in :data:`INCEPTION`), global average
    pooling (7x7 at 224x224), dropout 0.4 and a linear layer with softmax.
    Without the auxiliary classifiers it has 6,998,552 parameters (about
    7.0M). The paper's Table 1 gives no total; its "params" column sums to
    about 6.8M because its entries are rounded and differ from the exact
    counts (by about 3% for most modules, 9% for 4c).

    With ``auxiliary_classifiers=True`` the model has three outputs, the
    main classifier and the classifiers attached to 4a and 4d; the paper
    adds their losses with weight 0.3 during training and drops them at
    inference.

    Padding follows the paper's Caffe model (``bvlc_googlenet``): conv1
    pads 3 pixels on every side of its 7x7/2 convolution (Keras' ``"same"``
    would pad 2 before and 3 after at 224), so its windows are Caffe's.
    Caffe's stride-2 max-pools have no padding and round the
    output size up; our ``"same"`` max-pools pad nothing before and one
    pixel after whenever the map side is even, which is the same windows
    (every side is even at 224: 112 -> 56 -> 28 -> 14 -> 7).

    Deviations:

    - The two LRN layers use AlexNet's constants, the defaults of
      :class:`~cnn_course.layers.LocalResponseNormalization`: ``k = 2``,
      ``n = 5``, ``alpha = 1e-4``, ``beta = 0.75``. The paper does not give
      its LRN constants; the Caffe model uses ``k = 1`` and ``alpha = 1e-4``
      over a window of 5 channels, which Caffe divides by 5: ``2e-5`` per
      element in our convention. So Caffe's weights, copied into this
      model, would not give Caffe's outputs after the first LRN.
    - At odd map sides ``"same"`` pads one pixel on both sides and gives
      one more row and column than Caffe's rounding up (e.g. 15 -> 8, not
      7), so only even-sided maps match the Caffe model window for window.
    - The final 7x7 average pool is a global one, so other input sizes
      work.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 32
            (at least 65 with the auxiliary classifiers, whose 5x5 pooling
            needs a 5x5 map at 4a).
        classes: number of output units.
        include_top: keep the average pool, dropout and classifier;
            ``False`` ends the model at ``inception_5b_output``.
        pooling: with ``include_top=False``, ``None``, ``"avg"`` or ``"max"``.
        classifier_activation: activation of the classifiers, or ``None``
            for logits.
        auxiliary_classifiers: add the two auxiliary outputs (only with
            ``include_top=True``).
        dropout: dropout rate before the classifier.
        name: name of the model.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> from cnn_course.models import googlenet
        >>> model = googlenet()
        >>> model.get_layer("inception_3a_output").output.shape
        (None, 28, 28, 256)
        >>> model.get_layer("inception_5b_output").output.shape
        (None, 7, 7, 1024)
        >>> model.count_params()
        6998552
    """
    _checks.boolean(auxiliary_classifiers, "auxiliary_classifiers")
    min_side = GOOGLENET_AUX_MIN_SIDE if auxiliary_classifiers else GOOGLENET_MIN_SIDE
    _checks.image_shape(input_shape, min_side, "GoogLeNet")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    if auxiliary_classifiers and not include_top:
        raise ValueError(
            "`auxiliary_classifiers` are classifiers, part of the top: use them "
            "with include_top=True. Received: auxiliary_classifiers=True, "
            "include_top=False"
        )
    dropout = _checks.rate(dropout, "dropout")

    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = LocalResponseNormalization(name="lrn1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)
    x = LocalResponseNormalization(name="lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)

    auxiliary, pools = [], 3
    for entry in LAYOUT:
        if entry == "M":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{pools}")(x)
            pools += 1
            continue
        x = inception_module(x, *INCEPTION[entry], name=f"inception_{entry}")
        if auxiliary_classifiers and entry in AUXILIARY_AFTER:
            auxiliary.append(
                _auxiliary_classifier(x, classes, classifier_activation, f"aux_{entry}")
            )

    if not include_top:
        outputs = global_pooling(pooling)(x) if pooling else x
        return keras.Model(inputs, outputs, name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(classes, activation=classifier_activation, name="classifier")(x)
    return keras.Model(inputs, [outputs, *auxiliary] if auxiliary else outputs, name=name)


def googlenet_seed001(input_shape=(224, 224, 3), classes=10, *, name="googlenet_seed001"):
    """The seed-001 Inception v1, bugs included, to show what they do.

    The seed's code has the paper's nine modules but:

    - its second stem convolution is applied to the *input* (``(xin)``
      instead of ``(x)``), so the 7x7/2 convolution and the first pooling are
      cut off from the model and the modules run at 111x111 instead of 28x28;
    - the stem convolutions have no activation and there is no LRN;
    - its poolings are ``valid``, which drop the last row and column of an
      even side (224 -> 111, not 112); with the first bug this puts the
      modules at 111, 55 and 27, and with the stem repaired they would run
      at 27, 13 and 6 instead of the paper's 28, 14 and 7;
    - the 7x7 average pooling is never flattened, so ``Dense`` is applied at
      every position of a 21x21 map and the output has shape
      ``(None, 21, 21, classes)``.

    With 10 classes it has 5,864,762 parameters, the figure the seed prints.
    A seed reproduction: it takes no ``include_top``, ``pooling`` or
    ``classifier_activation``.

    Example:
        >>> from cnn_course.models import googlenet_seed001
        >>> model = googlenet_seed001()
        >>> model.output_shape
        (None, 21, 21, 10)
        >>> model.count_params()
        5864762
    """
    _checks.image_shape(input_shape, GOOGLENET_SEED001_MIN_SIDE, "the seed-001 GoogLeNet")
    classes = _checks.positive_int(classes, "classes")
    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.Conv2D(64, 7, strides=2, padding="same", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)  # never used: see below
    x = layers.Conv2D(192, 3, strides=1, padding="same", name="conv2")(inputs)  # the bug
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    pools = 3
    for entry in LAYOUT:
        if entry == "M":
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{pools}")(x)
            pools += 1
            continue
        x = inception_module(x, *INCEPTION[entry], name=f"inception_{entry}")
    x = layers.AveragePooling2D(7, strides=1, name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)
