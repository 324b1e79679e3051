"""Network in Network (Lin, Chen and Yan, 2014).

M. Lin, Q. Chen and S. Yan, "Network In Network", ICLR 2014
(arXiv:1312.4400). An *mlpconv* layer slides a small multilayer perceptron
over the image: a k x k convolution followed by 1x1 convolutions, each with a
ReLU. The last mlpconv outputs one map per class and *global average
pooling* turns each map into a class score, with no fully connected layer.
"""

import keras
from keras import layers

from .. import _checks
from ._top import global_pooling

#: The authors' CIFAR-10 network, from their released Caffe model. One row
#: per mlpconv block, (kernel, widths of its three convolutions, pooling
#: after it, dropout after it). ``None`` as the last width means "one map per
#: class".
NIN_CIFAR10 = (
    (5, (192, 160, 96), "max", 0.5),
    (5, (192, 192, 192), "avg", 0.5),
    (3, (192, 192, None), None, 0.0),
)

#: The seed-002 ``NIN``, three identical 5x5 blocks with BatchNorm, 3x3/2
#: max-pooling and dropout 0.2 after each.
NIN_SEED002 = (
    (5, (192, 192, 96), "max", 0.2),
    (5, (192, 192, 96), "max", 0.2),
    (5, (192, 192, None), "max", 0.2),
)

_POOLS = {"max": layers.MaxPooling2D, "avg": layers.AveragePooling2D}


def _min_side(blocks):
    """Each pooled block halves the map: at least ``2 ** pooled blocks``."""
    return 2 ** sum(1 for block in blocks if block[2])


#: Smallest input side of :func:`nin` (two pooled blocks) and of
#: :func:`nin_seed002` (three).
NIN_MIN_SIDE = _min_side(NIN_CIFAR10)
NIN_SEED002_MIN_SIDE = _min_side(NIN_SEED002)


def mlpconv(kernel_size, widths, batchnorm=False, weight_decay=None, name="mlpconv"):
    """One mlpconv block: a ``kernel_size`` convolution and two 1x1 ones.

    Each convolution is ``same``-padded and followed by a ReLU (and, with
    ``batchnorm``, by ``BatchNormalization`` before the ReLU, as in the seed).
    The 1x1 convolutions are the "micro network": a two-layer perceptron
    applied at every pixel, across channels.

    Args:
        kernel_size: side of the first convolution.
        widths: number of filters of the three convolutions.
        batchnorm: insert ``BatchNormalization`` after each convolution.
        weight_decay: L2 factor for the kernels, or ``None``.
        name: prefix of the layer names.

    Returns:
        A list of Keras layers.

    Example:
        >>> from cnn_course.models.nin import mlpconv
        >>> [layer.name for layer in mlpconv(5, (192, 160, 96), name="block1")][:2]
        ['block1_conv', 'block1_relu']
    """
    kernel_size = _checks.positive_int(kernel_size, "kernel_size")
    widths = _checks.positive_ints(widths, "widths", length=3)
    _checks.boolean(batchnorm, "batchnorm")
    if weight_decay is not None:
        weight_decay = _checks.non_negative(weight_decay, "weight_decay")
    regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None
    block = []
    for index, (kernel, filters) in enumerate(zip((kernel_size, 1, 1), widths)):
        suffix = "conv" if index == 0 else f"cccp{index}"
        block.append(
            layers.Conv2D(
                filters, kernel, padding="same", kernel_regularizer=regularizer,
                kernel_initializer="he_normal" if batchnorm else "glorot_uniform",
                name=f"{name}_{suffix}",
            )
        )
        if batchnorm:
            block.append(layers.BatchNormalization(name=f"{name}_{suffix}_bn"))
        relu = "relu" if index == 0 else f"{suffix}_relu"
        block.append(layers.ReLU(name=f"{name}_{relu}"))
    return block


def _check_blocks(blocks, classes, head):
    """Check the rows of ``blocks``; return them with ``None`` widths filled in."""
    expected = (
        "a non-empty list of (kernel, widths, pooling, dropout) rows, "
        "e.g. NIN_CIFAR10"
    )
    if not isinstance(blocks, (list, tuple)) or not all(
        isinstance(row, (list, tuple)) for row in blocks
    ):
        raise TypeError(f"`blocks` must be {expected}. Received: blocks={blocks!r}")
    if not blocks or any(len(row) != 4 for row in blocks):
        raise ValueError(f"`blocks` must be {expected}. Received: blocks={blocks!r}")
    rows = []
    for kernel, widths, pool, dropout in blocks:
        if not isinstance(widths, (list, tuple)):
            raise TypeError(
                "`widths` must be a list or tuple of three positive integers "
                f"(None for one map per class). Received: widths={widths!r}"
            )
        filled = [classes if w is None else w for w in widths]
        _checks.positive_ints(filled, "widths", length=3)
        _checks.one_of(pool, "pooling", (None, *_POOLS))
        rows.append((kernel, tuple(filled), pool, _checks.rate(dropout, "dropout")))
    if head == "gap" and rows[-1][1][-1] != classes:
        raise ValueError(
            "With head='gap' the last block must end with one map per class: "
            f"its last width must be None (or {classes}). Received: "
            f"widths={blocks[-1][1]!r} in the last row of `blocks`"
        )
    return rows


def _fc_only(head, include_top=True, **settings):
    """Refuse settings of the dense head when no dense head is built, rather
    than build a network without them (a silent wrong comparison)."""
    if head == "fc" and include_top:
        return
    built = f"head={head!r}" if include_top else "include_top=False"
    for name, value in settings.items():
        if value:
            raise ValueError(
                f"`{name}` applies only to the dense head (head='fc'), and this network "
                f"has {built}: no dense layer to use it. Received: {name}={value!r}; "
                f"leave it out or build the dense head"
            )


def network_in_network(
    blocks=NIN_CIFAR10,
    input_shape=(32, 32, 3),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    head="gap",
    head_dropout=0.0,
    fc_units=None,
    batchnorm=False,
    weight_decay=None,
    name="nin",
):
    """A Network in Network: mlpconv blocks and a global-average-pooling head.

    With the defaults this is the authors' CIFAR-10 model (966,986
    parameters, also :func:`nin`): three mlpconv blocks, 3x3/2 pooling and
    dropout 0.5 between them, the last 1x1 convolution producing one map per
    class, then global average pooling and a softmax.

    ``head="fc"`` keeps the same body and replaces global average pooling by
    ``Flatten``, an optional hidden layer of ``fc_units`` ReLU units, and a
    fully connected softmax layer, with ``head_dropout`` before each dense
    layer: the comparison of the paper's Table 5 and Chapter 3.

    ``include_top=False`` drops the head: the model ends with the last
    block's maps (one per class when its last width is ``None``), which
    ``pooling="avg"`` turns into the class scores before the softmax.

    Deviation: pooling uses ``same`` padding, which matches Caffe's
    ceil-mode output sizes (32 -> 16 -> 8).

    Args:
        blocks: a non-empty list of rows (kernel, widths, pooling, dropout),
            e.g. :data:`NIN_CIFAR10` or :data:`NIN_SEED002`; a width of
            ``None`` means one map per class, and with ``head="gap"`` the
            last width must be ``None``.
        input_shape: ``(height, width, channels)``; each side at least
            ``2 ** (number of pooled blocks)``.
        classes: number of classes.
        include_top: keep the head; ``False`` ends with the last block.
        pooling: with ``include_top=False``, ``None``, ``"avg"`` or ``"max"``.
        classifier_activation: activation of the output, or ``None`` for
            logits.
        head: ``"gap"`` (global average pooling) or ``"fc"``.
        head_dropout: dropout before each dense layer of the ``"fc"`` head;
            refused (``ValueError``) with any other head.
        fc_units: width of a hidden dense layer in the ``"fc"`` head, or
            ``None`` for none; refused with any other head.
        batchnorm: BatchNorm after every convolution (the seed's choice).
        weight_decay: L2 factor on the kernels (the seed: 1e-6).
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import network_in_network
        >>> network_in_network().count_params()
        966986
        >>> network_in_network(head="fc").output_shape
        (None, 10)
    """
    classes = _checks.positive_int(classes, "classes")
    _checks.one_of(head, "head", ("gap", "fc"))
    rows = _check_blocks(blocks, classes, head)
    _checks.image_shape(input_shape, _min_side(rows), "Network in Network")
    _checks.top(include_top, pooling, classifier_activation)
    head_dropout = _checks.rate(head_dropout, "head_dropout")
    if fc_units is not None:
        fc_units = _checks.positive_int(fc_units, "fc_units")
    _fc_only(head, include_top, head_dropout=head_dropout, fc_units=fc_units)
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    for index, (kernel, widths, pool, dropout) in enumerate(rows, start=1):
        for layer in mlpconv(kernel, widths, batchnorm, weight_decay, name=f"block{index}"):
            model.add(layer)
        if pool:
            model.add(_POOLS[pool](3, strides=2, padding="same", name=f"block{index}_pool"))
        if dropout:
            model.add(layers.Dropout(dropout, name=f"block{index}_dropout"))
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    if head == "gap":
        model.add(layers.GlobalAveragePooling2D(name="gap"))
        if classifier_activation is not None:
            # Named "softmax" as in the chapters' printed summaries.
            output = "softmax" if classifier_activation == "softmax" else "predictions"
            model.add(layers.Activation(classifier_activation, name=output))
    else:
        model.add(layers.Flatten(name="flatten"))
        if fc_units:
            if head_dropout:
                model.add(layers.Dropout(head_dropout, name="hidden_dropout"))
            model.add(layers.Dense(fc_units, activation="relu", name="fc_hidden"))
        if head_dropout:
            model.add(layers.Dropout(head_dropout, name="head_dropout"))
        model.add(layers.Dense(classes, activation=classifier_activation, name="fc"))
    return model


def nin(
    input_shape=(32, 32, 3),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    name="nin",
):
    """Network in Network as the authors built it for CIFAR-10.

    :func:`network_in_network` with :data:`NIN_CIFAR10` and the global
    average pooling head: 966,986 parameters at 32x32x3 with 10 classes.
    Use :func:`network_in_network` for other blocks or the dense head.

    Example:
        >>> from cnn_course.models import nin
        >>> nin().count_params()
        966986
        >>> nin(include_top=False).output_shape  # one 8x8 map per class
        (None, 8, 8, 10)
    """
    return network_in_network(
        NIN_CIFAR10, input_shape, classes, include_top=include_top,
        pooling=pooling, classifier_activation=classifier_activation, name=name,
    )


def nin_seed002(input_shape=(224, 224, 3), classes=100, *, name="nin_seed002"):
    """The seed-002 ``NIN(224, 224, 3, 100)``: BatchNorm, L2 1e-6, He init.

    Three 5x5 mlpconv blocks (:data:`NIN_SEED002`) with BatchNorm after each
    convolution, 3x3/2 max-pooling and dropout 0.2, global average pooling
    and a softmax. A seed reproduction: it takes no ``include_top``,
    ``pooling`` or ``classifier_activation``.

    Example:
        >>> from cnn_course.models import nin_seed002
        >>> nin_seed002().layers[0].count_params()  # 5*5*3*192 + 192
        14592
    """
    return network_in_network(
        NIN_SEED002, input_shape, classes, batchnorm=True, weight_decay=1e-6, name=name
    )
