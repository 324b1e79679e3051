"""The arms of Chapter 3's controlled experiments, sized for Fashion-MNIST.

Each function returns ``{arm name: builder}`` for
:func:`cnn_course.train.compare`: models that are identical except for the
one difference the experiment studies.

- :func:`normalization_arms`: AlexNet's local response normalization
  against no normalization and against batch normalization.
- :func:`kernel_arms`: one 5x5 convolution against two stacked 3x3 ones
  (VGG's argument), same receptive field and depth in blocks.
- :func:`head_arms`: Network in Network's global average pooling against a
  fully connected head on the same body, with and without dropout.
- :func:`activation_arms`: ReLU against tanh in the same four-layer network
  (AlexNet's Figure 1).
"""

import keras
from keras import layers

from .models.alexnet import alexnet_lrn
from .models.nin import network_in_network

#: Input shape of every arm, that of Fashion-MNIST images.
INPUT_SHAPE = (28, 28, 1)


def _normalization(kind, name):
    if kind == "lrn":
        return alexnet_lrn(name=name)
    if kind == "batchnorm":
        # Keras' default momentum (0.99) needs thousands of steps before the
        # moving statistics used at inference settle; with the short budgets
        # of these experiments, 0.9 (PyTorch's default) does.
        return layers.BatchNormalization(momentum=0.9, name=name)
    return None


def small_alexnet(normalization=None, classes=10, name=None):
    """Two AlexNet-style stages: conv 5x5, normalization, overlapping max-pool.

    conv 5x5 (32) + ReLU, [normalization], max-pool 3x3/2, conv 5x5 (64) +
    ReLU, [normalization], max-pool 3x3/2, dense 128 + ReLU, softmax. The
    normalization sits where AlexNet put LRN: after the ReLU, before pooling.

    Args:
        normalization: ``None``, ``"lrn"`` (AlexNet's constants) or
            ``"batchnorm"`` (with momentum 0.9 for its moving statistics).
        classes: number of classes.
        name: name of the model.

    Example:
        >>> from cnn_course.experiments import small_alexnet
        >>> [l.name for l in small_alexnet("lrn").layers][:3]
        ['conv1', 'norm1', 'pool1']
    """
    model = keras.Sequential([keras.Input(INPUT_SHAPE)], name=name or f"small_alexnet_{normalization}")
    for index, filters in enumerate((32, 64), start=1):
        model.add(layers.Conv2D(filters, 5, padding="same", activation="relu", name=f"conv{index}"))
        norm = _normalization(normalization, f"norm{index}")
        if norm is not None:
            model.add(norm)
        model.add(layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{index}"))
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(128, activation="relu", name="fc1"))
    model.add(layers.Dense(classes, activation="softmax", name="output"))
    return model


def normalization_arms():
    """No normalization, AlexNet's LRN, and BatchNorm, in :func:`small_alexnet`.

    Example:
        >>> from cnn_course.experiments import normalization_arms
        >>> sorted(normalization_arms())
        ['BatchNorm', 'LRN', 'none']
    """
    return {
        "none": lambda: small_alexnet(None),
        "LRN": lambda: small_alexnet("lrn"),
        "BatchNorm": lambda: small_alexnet("batchnorm"),
    }


def stacked_net(kernels, width=32, stages=2, classes=10, name=None):
    """A stem, then stages of ``width -> width`` convolutions and pooling.

    A 3x3 stem convolution (the same in every arm) brings the image to
    ``width`` channels. Each of the ``stages`` then applies the convolutions
    listed in ``kernels`` (e.g. ``(5,)`` or ``(3, 3)``), all mapping
    ``width`` channels to ``width`` channels with ``same`` padding and a
    ReLU, and a 2x2 max-pool; global average pooling and a softmax finish.
    ``(5,)`` and ``(3, 3)`` give stages with the same receptive field, and
    with C = ``width`` their weights are 25C^2 and 18C^2: VGG's comparison.

    Example:
        >>> from cnn_course.experiments import stacked_net
        >>> one = stacked_net((5,)).get_layer("stage1_conv1").count_params()
        >>> two = sum(stacked_net((3, 3)).get_layer(f"stage1_conv{i}").count_params()
        ...           for i in (1, 2))
        >>> one, two  # 25 * 32 * 32 + 32 and 2 * (9 * 32 * 32 + 32)
        (25632, 18496)
    """
    model = keras.Sequential([keras.Input(INPUT_SHAPE)], name=name or "x".join(map(str, kernels)))
    model.add(layers.Conv2D(width, 3, padding="same", activation="relu", name="stem"))
    for stage in range(1, stages + 1):
        for index, kernel in enumerate(kernels, start=1):
            model.add(
                layers.Conv2D(width, kernel, padding="same", activation="relu",
                              name=f"stage{stage}_conv{index}")
            )
        model.add(layers.MaxPooling2D(2, name=f"stage{stage}_pool"))
    model.add(layers.GlobalAveragePooling2D(name="gap"))
    model.add(layers.Dense(classes, activation="softmax", name="output"))
    return model


def kernel_arms():
    """One 5x5 convolution per stage against two 3x3 ones.

    Example:
        >>> from cnn_course.experiments import kernel_arms
        >>> sorted(kernel_arms())
        ['one 5x5', 'two 3x3']
    """
    return {
        "one 5x5": lambda: stacked_net((5,), name="one_5x5"),
        "two 3x3": lambda: stacked_net((3, 3), name="two_3x3"),
    }


#: A Network in Network body for 28x28 images, two 5x5 mlpconv blocks with
#: max-pooling and dropout, and a 3x3 block whose last layer has one map
#: per class.
NIN_SMALL = (
    (5, (64, 48, 32), "max", 0.3),
    (5, (64, 64, 64), "max", 0.3),
    (3, (64, 64, None), None, 0.0),
)


def head_arms():
    """The same NiN body with global average pooling, a dense head, and a
    dense head with dropout.

    Example:
        >>> from cnn_course.experiments import head_arms
        >>> sorted(head_arms())
        ['FC', 'FC + dropout', 'GAP']
    """
    return {
        "GAP": lambda: network_in_network(NIN_SMALL, INPUT_SHAPE, 10, head="gap", name="nin_gap"),
        "FC": lambda: network_in_network(
            NIN_SMALL, INPUT_SHAPE, 10, head="fc", fc_units=512, name="nin_fc"
        ),
        "FC + dropout": lambda: network_in_network(
            NIN_SMALL, INPUT_SHAPE, 10, head="fc", fc_units=512, head_dropout=0.5,
            name="nin_fc_dropout",
        ),
    }


def four_layer_net(activation="relu", classes=10, name=None):
    """AlexNet's Figure 1 network: four layers, only the activation varies.

    Three 5x5 convolutions (32, 32, 64 filters) with 2x2 max-pooling and a
    dense softmax layer.

    Example:
        >>> from cnn_course.experiments import four_layer_net
        >>> sum(1 for layer in four_layer_net().layers if layer.weights)
        4
    """
    model = keras.Sequential([keras.Input(INPUT_SHAPE)], name=name or f"four_layer_{activation}")
    for index, filters in enumerate((32, 32, 64), start=1):
        model.add(layers.Conv2D(filters, 5, padding="same", activation=activation, name=f"conv{index}"))
        model.add(layers.MaxPooling2D(2, padding="same", name=f"pool{index}"))
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(classes, activation="softmax", name="output"))
    return model


def activation_arms():
    """ReLU against tanh in :func:`four_layer_net`.

    Example:
        >>> from cnn_course.experiments import activation_arms
        >>> sorted(activation_arms())
        ['ReLU', 'tanh']
    """
    return {
        "ReLU": lambda: four_layer_net("relu"),
        "tanh": lambda: four_layer_net("tanh"),
    }
