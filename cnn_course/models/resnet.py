"""Residual networks (He et al., 2016), SE-ResNet (Hu et al., 2018) and the
seed-001 ResNet.

K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
recognition", CVPR 2016 (arXiv:1512.03385), Table 1. J. Hu, L. Shen and
G. Sun, "Squeeze-and-excitation networks", CVPR 2018 (arXiv:1709.01507).
"""

import keras
from keras import layers

from .. import _checks
from ..layers import FusedBatchNormalization, SqueezeExcitation
from ._top import global_pooling

#: Table 1 of the paper, the block type and the number of blocks in stages
#: conv2_x to conv5_x for each depth.
DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

#: The "FLOPs" row of the paper's Table 1 (multiply-adds, in billions), by
#: depth; the chapters and tests compare the models' counts with it.
TABLE1_GFLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}

#: Filters of the 3x3 convolutions in stages conv2_x to conv5_x.
STAGE_WIDTHS = (64, 128, 256, 512)

#: A bottleneck block's output has this many times its inner width.
EXPANSION = 4

#: Smallest input side accepted, 32, where the five halvings (conv1, pool1,
#: conv3_1, conv4_1, conv5_1) are exact and leave a 1x1 map. A floor of our
#: choosing: with ``same`` padding each halving rounds up, so smaller inputs
#: would build too, down to 1x1 maps. The seed-001 ResNet's three halvings
#: leave its 4x4 average pool an exact 4x4 map at 32 (it would build from
#: 25, the halvings rounding up: 25 -> 13 -> 7 -> 4).
RESNET_MIN_SIDE = 32
RESNET_SEED001_MIN_SIDE = 32


def _conv_bn(x, filters, kernel, stride, name, relu=True, padding="same"):
    """Bias-free convolution, BatchNorm and (optionally) ReLU."""
    x = layers.Conv2D(
        filters, kernel, strides=stride, padding=padding, use_bias=False, name=f"{name}_conv"
    )(x)
    x = FusedBatchNormalization(epsilon=FusedBatchNormalization.MIN_EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _shortcut(x, filters, stride, name):
    """Identity, or a 1x1 projection when the shape changes (option B)."""
    if stride == 1 and x.shape[-1] == filters:
        return x
    return _conv_bn(x, filters, 1, stride, f"{name}_shortcut", relu=False)


def _merge(x, residual, name, se_ratio):
    if se_ratio:
        residual = SqueezeExcitation(se_ratio, name=f"{name}_se")(residual)
    out = layers.Add(name=f"{name}_add")([x, residual])
    return layers.ReLU(name=f"{name}_out")(out)


def basic_block(x, filters, stride=1, se_ratio=None, name="block"):
    """Two 3x3 convolutions and a shortcut: ``relu(x + F(x))`` (Fig. 2).

    Used by ResNet-18 and ResNet-34. With ``se_ratio`` a
    squeeze-and-excitation block rescales ``F(x)`` before the addition.

    Example:
        >>> import keras
        >>> from cnn_course.models.resnet import basic_block
        >>> basic_block(keras.Input((56, 56, 64)), 128, stride=2).shape
        (None, 28, 28, 128)
    """
    residual = _conv_bn(x, filters, 3, stride, f"{name}_1")
    residual = _conv_bn(residual, filters, 3, 1, f"{name}_2", relu=False)
    return _merge(_shortcut(x, filters, stride, name), residual, name, se_ratio)


def bottleneck_block(x, filters, stride=1, se_ratio=None, name="block"):
    """1x1 (reduce), 3x3, 1x1 (expand to ``4 * filters``) and a shortcut (Fig. 5).

    Used by ResNet-50/101/152. The stride sits on the first 1x1 convolution,
    as in the paper's released models (torchvision's "v1.5" moves it to the
    3x3; the parameter count is the same).

    Example:
        >>> import keras
        >>> from cnn_course.models.resnet import bottleneck_block
        >>> bottleneck_block(keras.Input((56, 56, 64)), 64).shape
        (None, 56, 56, 256)
    """
    residual = _conv_bn(x, filters, 1, stride, f"{name}_1")
    residual = _conv_bn(residual, filters, 3, 1, f"{name}_2")
    residual = _conv_bn(residual, filters * EXPANSION, 1, 1, f"{name}_3", relu=False)
    return _merge(
        _shortcut(x, filters * EXPANSION, stride, name), residual, name, se_ratio
    )


_BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def resnet(
    depth=50,
    input_shape=(224, 224, 3),
    classes=1000,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    se_ratio=None,
    name=None,
):
    """ResNet-18/34/50/101/152 as in Table 1 of the paper.

    conv1 7x7/2 (64) with BatchNorm and ReLU, 3x3/2 max-pool, four stages of
    basic or bottleneck blocks (:data:`DEPTHS`), the first block of stages
    3-5 downsampling with stride 2, global average pooling and a 1000-way
    softmax. Convolutions have no bias (BatchNorm follows each one), and a
    1x1 projection shortcut is used where the shape changes (option B).
    Trainable parameters: 11,689,512 / 21,797,672 / 25,557,032 /
    44,549,160 / 60,192,808, as torchvision's models.

    Padding follows the released models, not Keras' ``"same"`` (which would
    pad 2 pixels before and 3 after at 224): conv1 pads 3 pixels on every
    side, as the paper's Caffe model, torchvision and keras.applications
    do, and pool1 pads 1 pixel on every side, as torchvision and
    keras.applications do (zeros after a ReLU cannot change a max, so this is
    torchvision's ``MaxPool2d(3, 2, padding=1)``). Sizes stay those of
    Table 1 (224 -> 112 -> 56, and ``ceil(side / 2)`` for any side), and
    the ImageNet weights of keras.applications' ResNet-50/101/152 give the
    same outputs here (:func:`~cnn_course.models.pretrained.load_imagenet_weights`).
    Deviation: the Caffe model's pool1 has no padding and rounds up, so its
    windows start one pixel later than ours.

    ``se_ratio=16`` gives the SE-ResNet of Hu et al.: every block rescales
    its residual branch with a :class:`~cnn_course.layers.SqueezeExcitation`
    before the addition (SE-ResNet-50: 28,088,024 trainable parameters).

    Args:
        depth: 18, 34, 50, 101 or 152.
        input_shape: ``(height, width, channels)``; each side at least 32.
        classes: number of output units.
        include_top: keep the average pool and ``fc``; ``False`` ends the
            model at the last block, as keras.applications' ``include_top``.
        pooling: with ``include_top=False``, ``None`` (the conv5 maps),
            ``"avg"`` or ``"max"`` (global pooling to one vector).
        classifier_activation: activation of ``fc``, or ``None`` for logits.
        se_ratio: reduction ratio of squeeze-and-excitation blocks, or
            ``None`` for a plain ResNet.
        name: name of the model; defaults to ``"resnet<depth>"``.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> from cnn_course.models import resnet
        >>> model = resnet(18)
        >>> model.get_layer("conv5_2_out").output.shape
        (None, 7, 7, 512)
    """
    _checks.one_of(depth, "depth", tuple(DEPTHS))
    _checks.image_shape(input_shape, RESNET_MIN_SIDE, f"ResNet-{depth}")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    if se_ratio is not None:
        se_ratio = _checks.positive_int(se_ratio, "se_ratio")
    kind, repeats = DEPTHS[depth]
    block = _BLOCKS[kind]

    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = _conv_bn(x, 64, 7, 2, "conv1", padding="valid")
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, (filters, count) in enumerate(zip(STAGE_WIDTHS, repeats), start=2):
        for index in range(1, count + 1):
            stride = 2 if index == 1 and stage > 2 else 1
            x = block(x, filters, stride, se_ratio, name=f"conv{stage}_{index}")
    default = f"se_resnet{depth}" if se_ratio else f"resnet{depth}"
    if not include_top:
        outputs = global_pooling(pooling)(x) if pooling else x
        return keras.Model(inputs, outputs, name=name or default)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation=classifier_activation, name="fc")(x)
    return keras.Model(inputs, outputs, name=name or default)


def resnet18(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """ResNet-18: basic blocks [2, 2, 2, 2], 11,689,512 trainable parameters.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import resnet18
        >>> resnet18(input_shape=(32, 32, 3), classes=10).output_shape
        (None, 10)
    """
    return resnet(18, input_shape, classes, **kwargs)


def resnet34(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """ResNet-34: basic blocks [3, 4, 6, 3], 21,797,672 trainable parameters.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import resnet34
        >>> resnet34(input_shape=(32, 32, 3), include_top=False).output_shape
        (None, 1, 1, 512)
    """
    return resnet(34, input_shape, classes, **kwargs)


def resnet50(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """ResNet-50: bottleneck blocks [3, 4, 6, 3], 25,557,032 trainable parameters.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import resnet50
        >>> resnet50(input_shape=(32, 32, 3), include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return resnet(50, input_shape, classes, **kwargs)


def resnet101(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """ResNet-101: bottleneck blocks [3, 4, 23, 3], 44,549,160 trainable parameters.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import resnet101
        >>> resnet101(input_shape=(32, 32, 3), classes=10).name
        'resnet101'
    """
    return resnet(101, input_shape, classes, **kwargs)


def resnet152(input_shape=(224, 224, 3), classes=1000, **kwargs):
    """ResNet-152: bottleneck blocks [3, 8, 36, 3], 60,192,808 trainable parameters.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import resnet152
        >>> resnet152(input_shape=(32, 32, 3), classes=10).name
        'resnet152'
    """
    return resnet(152, input_shape, classes, **kwargs)


def se_resnet50(input_shape=(224, 224, 3), classes=1000, *, se_ratio=16, **kwargs):
    """SE-ResNet-50 (Hu et al. 2018, Table 1): ResNet-50 with SE blocks, r = 16.

    Other keyword arguments go to :func:`resnet`.

    Example:
        >>> from cnn_course.models import se_resnet50
        >>> model = se_resnet50(input_shape=(32, 32, 3), classes=10)
        >>> model.get_layer("conv2_1_se").ratio
        16
    """
    kwargs.setdefault("name", "se_resnet50")
    return resnet(50, input_shape, classes, se_ratio=se_ratio, **kwargs)


def resnet_small(
    input_shape=(28, 28, 1),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    widths=(32, 64, 128),
    blocks=(2, 2, 2),
    se_ratio=None,
    name="resnet_small",
):
    """A small ResNet for 28x28 or 32x32 images (Fashion-MNIST, CIFAR).

    The CIFAR design of the paper's Section 4.2, with our widths and
    projection shortcuts (the paper's option B: a 1x1 convolution and
    BatchNorm) where a block changes the shape, where the paper's CIFAR
    networks use identity shortcuts (option A; see
    :func:`cnn_course.experiments.cifar_net`): a 3x3 convolution (no max-pool), then one stage of basic blocks per entry of
    ``widths``, each stage after the first halving the map with stride 2,
    global average pooling and a softmax. With the defaults: 28 -> 28 -> 14
    -> 7.

    Args:
        input_shape: ``(height, width, channels)``; sides at least
            ``2 ** (len(widths) - 1)``.
        classes: number of output units.
        include_top: keep the average pool and ``fc``; ``False`` ends the
            model at the last block.
        pooling: with ``include_top=False``, ``None``, ``"avg"`` or ``"max"``.
        classifier_activation: activation of ``fc``, or ``None`` for logits.
        widths: filters of each stage.
        blocks: number of basic blocks in each stage.
        se_ratio: add squeeze-and-excitation blocks with this ratio.
        name: name of the model.

    Example:
        >>> from cnn_course.models import resnet_small
        >>> resnet_small().get_layer("stage3_1_out").output.shape
        (None, 7, 7, 128)
    """
    widths = _checks.positive_ints(widths, "widths")
    blocks = _checks.positive_ints(blocks, "blocks")
    if len(widths) != len(blocks):
        raise ValueError(
            "`widths` and `blocks` must have one entry per stage each. "
            f"Received: widths={widths}, blocks={blocks}"
        )
    _checks.image_shape(input_shape, 2 ** (len(widths) - 1), "resnet_small")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    if se_ratio is not None:
        se_ratio = _checks.positive_int(se_ratio, "se_ratio")
    inputs = keras.Input(tuple(input_shape), name="image")
    x = _conv_bn(inputs, widths[0], 3, 1, "stem")
    for stage, (filters, count) in enumerate(zip(widths, blocks), start=1):
        for index in range(1, count + 1):
            stride = 2 if index == 1 and stage > 1 else 1
            x = basic_block(x, filters, stride, se_ratio, name=f"stage{stage}_{index}")
    if not include_top:
        outputs = global_pooling(pooling)(x) if pooling else x
        return keras.Model(inputs, outputs, name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation=classifier_activation, name="fc")(x)
    return keras.Model(inputs, outputs, name=name)


def residual_block(x, downsample, filters, kernel_size=3, name=None):
    """The seed-001 ``residual_block``, as written there.

    ``y`` is conv, BatchNorm, ReLU, conv; when ``downsample`` is true the
    first convolution has stride 2 and the shortcut becomes a 1x1 stride-2
    convolution. The block returns ``ReLU(BN(x + y))``. Unlike the paper's
    blocks, the convolutions have biases, the second convolution has no
    BatchNorm of its own, and normalization comes after the addition.
    ``name`` (not in the seed) prefixes the layer names.

    Example:
        >>> import keras
        >>> from cnn_course.models.resnet import residual_block
        >>> residual_block(keras.Input((56, 56, 64)), True, 128).shape
        (None, 28, 28, 128)
    """
    def named(suffix):
        return None if name is None else f"{name}_{suffix}"

    y = layers.Conv2D(
        filters, kernel_size, strides=2 if downsample else 1, padding="same",
        name=named("conv1"),
    )(x)
    y = layers.BatchNormalization(name=named("bn1"))(y)
    y = layers.ReLU(name=named("relu1"))(y)
    y = layers.Conv2D(filters, kernel_size, strides=1, padding="same", name=named("conv2"))(y)
    if downsample:
        x = layers.Conv2D(filters, 1, strides=2, padding="same", name=named("shortcut"))(x)
    out = layers.Add(name=named("add"))([x, y])
    out = layers.BatchNormalization(name=named("bn2"))(out)
    return layers.ReLU(name=named("out"))(out)


def resnet_seed001(
    input_shape=(224, 224, 3), classes=10, *, stages=(2, 5, 5, 2), name="resnet_seed001"
):
    """The seed-001 ResNet: ``residual_block`` in stages [2, 5, 5, 2].

    BatchNorm on the input, a 3x3 convolution with 64 filters, BatchNorm and
    ReLU, then the stages (filters 64, 128, 256, 512; each stage after the
    first starts by downsampling), a 4x4 average pool, ``Flatten`` and a
    softmax. On 224x224x3 with 10 classes it has 15,853,328 trainable
    parameters, the figure the seed prints (``count_params()`` also counts
    BatchNorm's moving statistics). No max-pool and a stride-1 stem keep the maps large
    (224 -> 28), which makes this network slow on ImageNet-sized inputs.
    A seed reproduction: it takes no ``include_top``, ``pooling`` or
    ``classifier_activation``.

    Example:
        >>> from cnn_course.models import resnet_seed001
        >>> model = resnet_seed001()
        >>> from cnn_course.analysis import trainable_params
        >>> trainable_params(model)
        15853328
    """
    _checks.image_shape(input_shape, RESNET_SEED001_MIN_SIDE, "the seed-001 ResNet")
    classes = _checks.positive_int(classes, "classes")
    stages = _checks.positive_ints(stages, "stages")
    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.BatchNormalization(name="input_bn")(inputs)
    x = layers.Conv2D(64, 3, strides=1, padding="same", name="stem_conv")(x)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    filters = 64
    for i, count in enumerate(stages):
        for j in range(count):
            x = residual_block(
                x, downsample=(j == 0 and i != 0), filters=filters,
                name=f"stage{i + 1}_{j + 1}",
            )
        filters *= 2
    x = layers.AveragePooling2D(4, name="avg_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(classes, activation="softmax", name="fc")(x)
    return keras.Model(inputs, outputs, name=name)
