"""The arms of the chapters' controlled experiments, sized for Fashion-MNIST.

Each function returns ``{arm name: builder}`` for
:func:`compare`: models that are identical except for the
one difference the experiment studies.

- :func:`normalization_arms`: AlexNet's local response normalization
  against no normalization and against batch normalization.
- :func:`kernel_arms`: one 5x5 convolution against two stacked 3x3 ones
  (VGG's argument), same receptive field and depth in blocks.
- :func:`head_arms`: Network in Network's global average pooling against a
  fully connected head on the same body, with and without dropout.
- :func:`activation_arms`: ReLU against tanh in the same four-layer network
  (AlexNet's Figure 1 experiment; the paper gives no sizes, these are ours).
- :func:`shortcut_arms` (Chapter 2): the ResNet paper's plain and residual
  CIFAR networks (:func:`cifar_net`) at two depths, for the degradation
  problem; :func:`gradient_norms` measures their gradients layer by layer.

:func:`compare` runs them: every arm with every seed, the same data and
budget, and :class:`Comparison` reports the result with paired per-seed
differences and t-based intervals (:func:`paired_difference`).
"""

import collections
import dataclasses

import keras
import numpy as np
from keras import layers

from . import _checks, train

from .layers import FusedBatchNormalization, LocalResponseNormalization
from .models.nin import _fc_only, network_in_network

#: Input shape of every arm, that of Fashion-MNIST images.
INPUT_SHAPE = (28, 28, 1)


def _normalization(kind, name):
    if kind == "lrn":
        return LocalResponseNormalization(name=name)  # AlexNet's constants
    if kind == "batchnorm":
        # Keras' default momentum (0.99) needs thousands of steps before the
        # moving statistics used at inference settle; with the short budgets
        # of these experiments, 0.9 (PyTorch's default) does. Keras' layer
        # computed by TensorFlow's fused kernel: the same results up to
        # rounding, in half the arm's time (cifar_net's reason too).
        return FusedBatchNormalization(momentum=0.9, name=name)
    return None


def small_alexnet(normalization=None, classes=10, name=None):
    """Two AlexNet-style stages: conv 5x5, normalization, overlapping max-pool.

    conv 5x5 (32) + ReLU, [normalization], max-pool 3x3/2, conv 5x5 (64) +
    ReLU, [normalization], max-pool 3x3/2, dense 128 + ReLU, softmax. The
    normalization sits where AlexNet put LRN: after the ReLU, before pooling.

    Args:
        normalization: ``None``, ``"lrn"`` (AlexNet's constants) or
            ``"batchnorm"`` (Keras' batch normalization with momentum 0.9
            for its moving statistics, computed by
            :class:`~cnn_course.layers.FusedBatchNormalization`).
        classes: number of classes.
        name: name of the model.

    Example:
        >>> from cnn_course.experiments import small_alexnet
        >>> [l.name for l in small_alexnet("lrn").layers][:3]
        ['conv1', 'norm1', 'pool1']
    """
    _checks.one_of(normalization, "normalization", (None, "lrn", "batchnorm"))
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

    A 3x3 stem convolution with stride 2 (the same in every arm) brings the
    image to ``width`` channels at half its size. Each of the ``stages``
    then applies the convolutions listed in ``kernels`` (e.g. ``(5,)`` or
    ``(3, 3)``), all mapping ``width`` channels to ``width`` channels with
    ``same`` padding and a ReLU, and a 2x2 max-pool; global average pooling
    and a softmax finish.
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
    model.add(layers.Conv2D(width, 3, strides=2, padding="same", activation="relu", name="stem"))
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
#: max-pooling (no dropout, unlike NiN's, so that the head is the only
#: regularizer that differs between the arms of Chapter 3's experiment), and
#: a 3x3 block whose last layer has one map per class.
NIN_SMALL = (
    (5, (64, 48, 32), "max", 0.0),
    (5, (64, 64, 64), "max", 0.0),
    (3, (64, 64, None), None, 0.0),
)


def nin_small(head="gap", head_dropout=0.0, classes=10, name=None):
    """A small Network in Network for 28x28 images, with a choice of head.

    The body is :data:`NIN_SMALL`: two 5x5 mlpconv blocks with max-pooling
    and no dropout, then a 3x3 mlpconv block whose last 1x1 convolution
    gives one map per class. Deviation: NiN's mlpconv layers all end in a
    ReLU (Lin et al. 2014, Eq. 2), the class maps of the authors' model too;
    here the class maps are linear, so a class can score below zero. The
    heads:

    - ``"gap"``: NiN's global average pooling: each map's mean is its
      class's score, then a softmax. No weights.
    - ``"fc"``: the maps flattened into a fully connected layer of 512 ReLU
      units, then a dense softmax layer; ``head_dropout`` before each dense
      layer (refused with ``"gap"``, which has no dense layer).

    Example:
        >>> from cnn_course.experiments import nin_small
        >>> gap, fc = nin_small("gap"), nin_small("fc")
        >>> fc.count_params() - gap.count_params()  # 7*7*10*512 + 512 + 512*10 + 10
        256522
    """
    _checks.one_of(head, "head", ("gap", "fc"))
    head_dropout = _checks.rate(head_dropout, "head_dropout")
    _fc_only(head, head_dropout=head_dropout)
    model = network_in_network(
        NIN_SMALL, INPUT_SHAPE, classes, include_top=False, name=name or f"nin_{head}"
    )
    model.pop()  # the ReLU after the class maps: ours are linear (see above)
    if head == "gap":
        model.add(layers.GlobalAveragePooling2D(name="gap"))
        model.add(layers.Activation("softmax", name="softmax"))
        return model
    model.add(layers.Flatten(name="flatten"))
    for units, activation, label in ((512, "relu", "fc1"), (classes, "softmax", "output")):
        if head_dropout:
            model.add(layers.Dropout(head_dropout, name=f"{label}_dropout"))
        model.add(layers.Dense(units, activation=activation, name=label))
    return model


def head_arms():
    """The same NiN body with global average pooling, a dense head, and a
    dense head with dropout (:func:`nin_small`).

    Example:
        >>> from cnn_course.experiments import head_arms
        >>> sorted(head_arms())
        ['FC', 'FC + dropout', 'GAP']
    """
    return {
        "GAP": lambda: nin_small("gap", name="nin_gap"),
        "FC": lambda: nin_small("fc", name="nin_fc"),
        "FC + dropout": lambda: nin_small("fc", head_dropout=0.5, name="nin_fc_dropout"),
    }


def four_layer_net(activation="relu", classes=10, name=None):
    """A four-layer network for AlexNet's Figure 1 experiment: ReLU or tanh.

    Krizhevsky et al. (2012) say only "a four-layer convolutional neural
    network" on CIFAR-10; the sizes here are ours, for Fashion-MNIST: three
    5x5 convolutions (32, 32, 64 filters) with 2x2 max-pooling and a dense
    softmax layer. Besides the activation, only the initialization differs:
    each activation gets the one made for it, He et al. (2015) for ReLU,
    Glorot and Bengio (2010) for tanh (and any other), so neither arm
    starts with signals that shrink or grow layer by layer.

    Example:
        >>> from cnn_course.experiments import four_layer_net
        >>> sum(1 for layer in four_layer_net().layers if layer.weights)
        4
    """
    initializer = "he_normal" if activation == "relu" else "glorot_uniform"
    model = keras.Sequential([keras.Input(INPUT_SHAPE)], name=name or f"four_layer_{activation}")
    for index, filters in enumerate((32, 32, 64), start=1):
        model.add(layers.Conv2D(filters, 5, padding="same", activation=activation,
                                kernel_initializer=initializer, name=f"conv{index}"))
        model.add(layers.MaxPooling2D(2, padding="same", name=f"pool{index}"))
    model.add(layers.Flatten(name="flatten"))
    model.add(layers.Dense(classes, activation="softmax", name="output"))
    return model


class ErrorProbe(keras.callbacks.Callback):
    """Training error on a fixed sample, measured every ``every`` steps.

    AlexNet's Figure 1 counts how fast training error falls. Keras' own
    per-epoch accuracy averages over an epoch in which the weights move, so
    this callback instead classifies the same training images with the
    current weights every few steps.

    Attributes:
        steps: the step numbers at which the error was measured.
        errors: the error rate on the sample at those steps.

    Example:
        >>> import numpy as np
        >>> from cnn_course.experiments import ErrorProbe
        >>> probe = ErrorProbe(np.zeros((4, 28, 28, 1)), np.zeros(4), every=10)
        >>> probe.steps_to(0.25) is None  # nothing measured yet
        True
    """

    def __init__(self, x, y, every=10):
        super().__init__()
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.every = _checks.positive_int(every, "every")
        self.steps, self.errors = [], []
        self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.every == 0:
            scores = keras.ops.convert_to_numpy(self.model(self.x, training=False))
            self.steps.append(self._step)
            self.errors.append(float(np.mean(scores.argmax(axis=-1) != self.y)))

    def steps_to(self, error):
        """The first measured step with training error below ``error``, or
        ``None`` if it never got there."""
        for step, measured in zip(self.steps, self.errors):
            if measured < error:
                return step
        return None


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


# --- Plain against residual networks (ResNet, Section 4.2) -----------------

#: Filters of the three stages of the ResNet paper's CIFAR-10 networks.
CIFAR_WIDTHS = (16, 32, 64)


def _conv_bn(x, filters, stride, name):
    """A bias-free 3x3 convolution with He et al.'s (2015) initialization,
    then BatchNorm."""
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                      kernel_initializer="he_normal", name=f"{name}_conv")(x)
    # Keras' BatchNormalization computed by TensorFlow's fused kernel: the
    # same results up to float32 rounding (see the layer's docstring), and
    # these narrow networks spend most of a step in it.
    return FusedBatchNormalization(momentum=0.9, name=f"{name}_bn")(x)


def _identity_shortcut(x, filters, stride, name):
    """Option A of the paper: ``x`` itself, with no weights. Where a stage
    starts, every other pixel of ``x`` (stride 2) and zero channels appended
    up to ``filters``."""
    if stride > 1:
        # A 1x1 max-pool with stride 2 keeps one pixel in four.
        x = layers.MaxPooling2D(1, strides=stride, name=f"{name}_subsample")(x)
    extra = filters - x.shape[-1]
    if extra:
        x = keras.ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])
    return x


def cifar_net(blocks, shortcuts=True, widths=CIFAR_WIDTHS, classes=10, name=None):
    """The ResNet paper's CIFAR-10 network, with or without its shortcuts.

    He, Zhang, Ren and Sun (2016), "Deep residual learning for image
    recognition", CVPR, doi:10.1109/CVPR.2016.90, Section 4.2: a 3x3
    convolution, then three stages of ``blocks`` blocks of two 3x3
    convolutions (16, 32 and 64 filters), the first convolution of stages 2
    and 3 with stride 2, global average pooling and a softmax layer: ``6n + 2``
    layers with weights for ``n = blocks`` (20 for 3, 56 for 9; with other
    ``widths``, one stage per entry). Every convolution has no bias, is
    followed by BatchNorm and has He et al.'s (2015) initialization.

    - ``shortcuts=True``: each block computes ``relu(x + F(x))``, ``F`` being
      conv, BN, ReLU, conv, BN. The shortcuts are the paper's option A:
      identities, which where a stage starts take every other pixel and
      append zero channels. They have no weights, so the residual network
      has exactly the parameters of the plain one, as in the paper.
    - ``shortcuts=False``: the "plain" network of the paper, the same layers
      without the shortcuts: each block is conv, BN, ReLU, conv, BN, ReLU.

    Deviations: the input is a 28x28 grey Fashion-MNIST image (the maps are
    28, 14 and 7 pixels wide, not 32, 16 and 8, and the first convolution
    has 288 weights fewer), He et al.'s initialization is Keras'
    ``he_normal`` (a truncated normal), BatchNorm's moving statistics use
    momentum 0.9 (the chapter's runs are short), and ``widths`` may differ
    from the paper's. BatchNorm is
    :class:`~cnn_course.layers.FusedBatchNormalization`: Keras' layer with
    Keras' default epsilon (1e-3), computed by TensorFlow's fused kernel.

    Args:
        blocks: ``n``, the number of blocks in each stage, a positive integer.
        shortcuts: ``True`` for the residual network, ``False`` for the plain one.
        widths: filters of each stage; the paper's are :data:`CIFAR_WIDTHS`.
        classes: number of classes.
        name: name of the model; by default ``"resnet<depth>"`` or
            ``"plain<depth>"``.

    Example:
        >>> from cnn_course.experiments import cifar_net
        >>> residual, plain = cifar_net(3), cifar_net(3, shortcuts=False)
        >>> residual.name, plain.name
        ('resnet20', 'plain20')
        >>> residual.count_params() == plain.count_params()  # option A has no weights
        True
    """
    blocks = _checks.positive_int(blocks, "blocks")
    _checks.boolean(shortcuts, "shortcuts")
    widths = _checks.positive_ints(widths, "widths")
    classes = _checks.positive_int(classes, "classes")
    if 2 ** (len(widths) - 1) > min(INPUT_SHAPE[:2]):  # each stage after the first halves
        raise ValueError(
            f"`widths` has too many stages for {INPUT_SHAPE[0]}x{INPUT_SHAPE[1]} images: "
            f"each stage after the first halves the maps, so at most "
            f"{min(INPUT_SHAPE[:2]).bit_length()} widths. Received: widths={widths!r}")
    depth = 2 * blocks * len(widths) + 2
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = layers.ReLU(name="stem_relu")(_conv_bn(inputs, widths[0], 1, "stem"))
    for stage, filters in enumerate(widths, start=1):
        for index in range(1, blocks + 1):
            block = f"stage{stage}_{index}"
            stride = 2 if index == 1 and stage > 1 else 1
            y = layers.ReLU(name=f"{block}_1_relu")(_conv_bn(x, filters, stride, f"{block}_1"))
            y = _conv_bn(y, filters, 1, f"{block}_2")
            if shortcuts:
                y = layers.Add(name=f"{block}_add")(
                    [_identity_shortcut(x, filters, stride, block), y])
            x = layers.ReLU(name=f"{block}_out")(y)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="fc")(x)
    default = f"{'resnet' if shortcuts else 'plain'}{depth}"
    return keras.Model(inputs, outputs, name=name or default)


def shortcut_arms(shallow=3, deep=9, widths=CIFAR_WIDTHS):
    """A shallow and a deep network, each plain and residual (:func:`cifar_net`).

    The ResNet paper's Figure 6 (and Figure 1) on CIFAR-10: plain-20 and
    plain-56 (``n`` = 3 and 9), where the deeper plain network has the
    higher *training* error (the degradation problem), against ResNet-20
    and ResNet-56, where it does not. The arms are named ``"plain-<depth>"``
    and ``"ResNet-<depth>"``, with ``depth = 6n + 2``.

    Args:
        shallow, deep: ``n`` of the shallow and the deep networks; ``deep``
            must be larger than ``shallow``.
        widths: filters of each stage, see :func:`cifar_net`.

    Example:
        >>> from cnn_course.experiments import shortcut_arms
        >>> list(shortcut_arms())
        ['plain-20', 'plain-56', 'ResNet-20', 'ResNet-56']
    """
    shallow = _checks.positive_int(shallow, "shallow")
    deep = _checks.positive_int(deep, "deep")
    if deep <= shallow:
        raise ValueError(
            "`deep` must be larger than `shallow` (blocks per stage of the deep and the "
            f"shallow network). Received: shallow={shallow!r}, deep={deep!r}"
        )
    widths = _checks.positive_ints(widths, "widths")
    arms = {}
    for shortcuts, label in ((False, "plain"), (True, "ResNet")):
        for n in (shallow, deep):
            depth = 2 * n * len(widths) + 2
            arms[f"{label}-{depth}"] = (
                lambda n=n, shortcuts=shortcuts: cifar_net(n, shortcuts, widths))
    return arms


def gradient_norms(model, x, y, loss="sparse_categorical_crossentropy"):
    """The norm of the loss's gradient with respect to each layer's kernel.

    One forward and backward pass on ``x`` as in training (BatchNorm uses the
    batch's statistics), without changing the model: neither its weights
    nor BatchNorm's moving statistics move. For the layers with a kernel
    (convolutions and dense layers), in the order of ``model.layers``
    (input to output), the Euclidean norm of the gradient of the mean loss
    with respect to the kernel. Keras has no function for this; it needs the
    backend's automatic differentiation, so it works with the TensorFlow and
    JAX backends.

    Args:
        model: a built Keras model with one output.
        x, y: a batch of inputs and their targets.
        loss: a Keras loss (name or function) comparing ``y`` with the
            model's output.

    Returns:
        ``{layer name: gradient norm}``, input to output.

    Raises:
        ValueError: if ``x`` and ``y`` hold different numbers of examples, or
            the model has no layer with a kernel.
        NotImplementedError: under a backend other than TensorFlow and JAX.

    Example:
        >>> import numpy as np, keras
        >>> from cnn_course.experiments import gradient_norms
        >>> keras.utils.set_random_seed(0)
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="hidden"),
        ...                           keras.layers.Dense(2, activation="softmax", name="out")])
        >>> norms = gradient_norms(model, np.ones((8, 4), "float32"), np.zeros(8, "int32"))
        >>> list(norms), all(norm > 0 for norm in norms.values())
        (['hidden', 'out'], True)
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(
            "`x` and `y` must hold the same number of examples. "
            f"Received: {len(x)} inputs and {len(y)} targets"
        )
    with_kernel = [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]
    if not with_kernel:
        raise ValueError(
            f"`model` ({model.name!r}) has no layer with a kernel (convolutions, dense "
            "layers): there is no gradient to measure."
        )
    loss = keras.losses.get(loss)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    positions = {id(v): i for i, v in enumerate(model.trainable_variables)}

    def mean_loss(values):
        outputs, _ = model.stateless_call(values, non_trainable, x, training=True)
        return keras.ops.mean(loss(y, keras.ops.cast(outputs, "float32")))

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(trainable)
            value = mean_loss(trainable)
        grads = tape.gradient(value, trainable)
    elif backend == "jax":
        import jax

        grads = jax.grad(mean_loss)(trainable)
    else:
        raise NotImplementedError(
            "gradient_norms needs the TensorFlow or JAX backend to differentiate. "
            f"Received: keras.backend.backend()={backend!r}; set KERAS_BACKEND to "
            "'tensorflow' or 'jax' before importing keras."
        )
    return {
        layer.name: float(np.linalg.norm(
            keras.ops.convert_to_numpy(grads[positions[id(layer.kernel)]]).astype("float64")))
        for layer in with_kernel
    }


# --- Running an experiment -------------------------------------------------


class Difference(collections.namedtuple("Difference", "mean low high per_seed confidence")):
    """A paired difference between two arms, with its t-based interval.

    Attributes:
        mean: mean over seeds of ``arm - baseline``.
        low, high: the ``confidence`` interval of that mean (Student's t with
            ``n - 1`` degrees of freedom, ``n`` seeds).
        per_seed: the difference for each seed, in the order of the seeds.
        confidence: the confidence level, e.g. 0.95.
    """

    __slots__ = ()

    @property
    def clear(self):
        """Whether the interval excludes zero (the arms differ, at this
        confidence)."""
        return self.low > 0 or self.high < 0

    def points(self, per_seed=False):
        """The difference of two accuracies in percentage points, e.g.
        ``"-0.95 points (95% CI -1.32 to -0.58)"``; with ``per_seed=True``
        each seed's difference too, in the order of the seeds:
        ``"-0.95 points (95% CI -1.32 to -0.58; per seed -1.10, -0.80, -0.95)"``."""
        seeds = ""
        if per_seed:
            seeds = "; per seed " + ", ".join(f"{100 * d:+.2f}" for d in self.per_seed)
        return (
            f"{100 * self.mean:+.2f} points ({self.confidence:.0%} CI "
            f"{100 * self.low:+.2f} to {100 * self.high:+.2f}{seeds})"
        )

    def __str__(self):
        seeds = ", ".join(f"{d:+.4f}" for d in self.per_seed)
        return (
            f"{self.mean:+.4f} ({self.confidence:.0%} CI {self.low:+.4f} to "
            f"{self.high:+.4f}; per seed {seeds})"
        )


def paired_difference(values, baseline, confidence=0.95):
    """Mean of the paired differences ``values - baseline`` with a t interval.

    Runs that share a seed share their initial weights (where the arms have
    the same layers) and their data order, so the per-seed differences are
    paired: their spread, not the spread of each arm, measures the noise.
    The interval is ``mean ± t * sd / sqrt(n)``, with ``t`` the
    ``(1 + confidence) / 2`` quantile of Student's t with ``n - 1`` degrees
    of freedom (4.30 for three seeds at 95%, not 2).

    Args:
        values, baseline: one number per seed for each arm, same seed order.
        confidence: level of the interval, between 0 and 1.

    Returns:
        A :class:`Difference`.

    Raises:
        ValueError: for fewer than two seeds (no interval can be computed),
            lists of different lengths, or a ``confidence`` outside (0, 1)
            or so close to 1 that the interval would be infinite.

    Example:
        >>> from cnn_course.experiments import paired_difference
        >>> d = paired_difference([0.90, 0.92, 0.94], [0.88, 0.89, 0.92])
        >>> round(d.mean, 4), round(d.low, 4), round(d.high, 4)
        (0.0233, 0.009, 0.0377)
        >>> d.points(), d.clear
        ('+2.33 points (95% CI +0.90 to +3.77)', True)
        >>> d.points(per_seed=True)
        '+2.33 points (95% CI +0.90 to +3.77; per seed +2.00, +3.00, +2.00)'
    """
    from scipy import stats

    values = np.asarray(values, dtype="float64")
    baseline = np.asarray(baseline, dtype="float64")
    if values.shape != baseline.shape or values.ndim != 1:
        raise ValueError(
            "`values` and `baseline` must be lists of the same length, one number "
            f"per seed. Received: {values.shape} and {baseline.shape}"
        )
    if len(values) < 2:
        raise ValueError(
            f"A confidence interval needs at least two seeds. Received: {len(values)}; "
            "run the comparison with more seeds."
        )
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1. Received: {confidence!r}")
    per_seed = values - baseline
    n = len(per_seed)
    mean = float(per_seed.mean())
    quantile = stats.t.ppf((1 + confidence) / 2, n - 1)
    if not np.isfinite(quantile):
        raise ValueError(
            f"`confidence` is too close to 1: at {confidence!r}, (1 + confidence) / 2 rounds "
            "to 1 and the interval would be infinite (or NaN where the seeds agree). Use a "
            "level such as 0.95 or 0.99."
        )
    half = float(quantile * per_seed.std(ddof=1) / np.sqrt(n))
    return Difference(mean, mean - half, mean + half, tuple(float(d) for d in per_seed), confidence)


@dataclasses.dataclass
class Comparison:
    """Results of :func:`compare`: one :class:`cnn_course.train.Run` per arm
    and seed.

    Attributes:
        runs: ``{arm: [Run, ...]}``, the runs in the order of ``seeds``.
        seeds: the seeds, the same for every arm.
        budget: the data and training budget in words, with the precision
            the runs trained in and their wall time in all (:attr:`seconds`),
            e.g. "8,000 training images, 5 epochs, batches of 128, seeds 0, 1
            and 2, mixed_bfloat16, 2.6 min of training".
        validation_freq: the runs validated every this many epochs, so the
            ``k``-th validation value belongs to epoch ``k * validation_freq``.
    """

    runs: dict
    seeds: tuple
    budget: str
    validation_freq: int = 1

    @property
    def seconds(self):
        """The wall time of all the runs' fits, validation included, in seconds."""
        return float(sum(run.seconds for runs in self.runs.values() for run in runs))

    def values(self, arm, metric="val_accuracy"):
        """The last-epoch ``metric`` of each seed of ``arm``."""
        if arm not in self.runs:
            raise ValueError(f"Unknown arm {arm!r}; the arms are {list(self.runs)}")
        try:
            return np.array([run.history[metric][-1] for run in self.runs[arm]])
        except KeyError:
            known = sorted(self.runs[arm][0].history)
            raise ValueError(f"Unknown metric {metric!r}; the runs recorded {known}") from None

    def summary(self, metric="val_accuracy"):
        """``{arm: (mean, sd, values)}`` of the last-epoch ``metric``.

        ``sd`` is NaN with a single seed: one run says nothing about spread.
        """
        result = {}
        for arm in self.runs:
            values = self.values(arm, metric)
            sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            result[arm] = (float(values.mean()), sd, values)
        return result

    def difference(self, arm, baseline, metric="val_accuracy", confidence=0.95):
        """Paired difference ``arm - baseline`` over the shared seeds, with its
        t interval: see :func:`paired_difference`."""
        return paired_difference(
            self.values(arm, metric), self.values(baseline, metric), confidence
        )

    def table(self, metric="val_accuracy"):
        """A text table of mean, spread and per-seed values of ``metric``."""
        rows = [f"{'arm':24s} {metric + ' (mean ± sd)':>26s}   per seed"]
        for arm, (mean, sd, values) in self.summary(metric).items():
            spread = "n/a" if np.isnan(sd) else f"{sd:.4f}"
            seeds = ", ".join(f"{v:.4f}" for v in values)
            rows.append(f"{arm:24s} {mean:>17.4f} ± {spread:6s}   {seeds}")
        rows.append(f"budget: {self.budget}")
        return "\n".join(rows)

    def __str__(self):
        return self.table()

    __repr__ = __str__


def _duration_in_words(seconds):
    """``2.6 min``, ``14 s``, ``0.3 s``: a wall time for a budget read as prose."""
    if seconds >= 59.5:  # what rounds to a minute or more
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s" if seconds >= 9.95 else f"{seconds:.1f} s"


def _seeds_in_words(seeds):
    """``seeds 0, 1 and 2``, ``seed 3``: for a budget read as prose."""
    seeds = [str(seed) for seed in seeds]
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    return f"seeds {', '.join(seeds[:-1])} and {seeds[-1]}"


def _copy_state(source, target, arm):
    """Assign each of ``source``'s values (a network's or optimizer's
    variables, or arrays) to the matching variable of ``target``."""
    source, target = list(source), list(target)
    if [tuple(v.shape) for v in source] != [tuple(v.shape) for v in target]:
        raise ValueError(
            f"The builder of arm {arm!r} returned networks of different shapes on two "
            "calls; `compare` needs a builder that returns the same network every time "
            "(only its initial weights may differ).")
    for value, variable in zip(source, target):
        variable.assign(getattr(value, "value", value))


def compare(
    arms,
    splits,
    seeds=(0, 1, 2),
    epochs=3,
    batch_size=128,
    optimizer=lambda: keras.optimizers.Adam(1e-3),
    precision="auto",
    augment=(),
    loss="sparse_categorical_crossentropy",
    keep_models=False,
    validation_freq=1,
    callbacks=None,
    jit_compile="auto",
):
    """A controlled experiment: the same data and budget for every arm and seed.

    For each arm and each seed, the run of a new model:
    :func:`cnn_course.train.setup` with that seed, build the model, compile
    it with a fresh optimizer, and :func:`cnn_course.train.fit` it. So that
    Keras traces the training step once per arm rather than once per run
    (seconds per run for a deep network), each arm compiles one network
    and, before each run, gives it the variables of the seed's new model
    (weights, moving statistics, random state) and the optimizer's initial
    state: the same numbers. Only the architecture differs between arms;
    runs with the same seed see the same data in the same order, so arms
    can be compared seed by seed (:meth:`Comparison.difference`). The
    global dtype policy is restored afterwards, even if a run fails.

    Args:
        arms: ``{name: builder}``; each builder takes no arguments and
            returns an uncompiled model with a softmax output.
        splits: a :class:`cnn_course.data.Splits` (training and validation
            sets are used).
        seeds: one run per seed and arm.
        epochs, batch_size: the budget.
        optimizer: a function returning a new optimizer, or ``{arm: function}``
            to give each arm its own (for example its own learning rate).
        precision: see :func:`cnn_course.train.setup`.
        augment: see :func:`cnn_course.data.make_dataset`.
        loss: the loss every arm is compiled with.
        keep_models: keep each trained model in its run's ``model``
            attribute, compiled with ``loss``, accuracy and a new optimizer
            (else ``None``, to free memory).
        validation_freq: validate every this many epochs (``model.fit``).
        callbacks: a function returning a list of new Keras callbacks, called
            once per run (for example ``lambda: [ErrorProbe(x, y, every=18)]``);
            each run keeps its own in its ``callbacks`` attribute.
        jit_compile: ``model.compile``'s, for every run alike: ``True``
            compiles the steps with XLA, ``False`` does not, ``"auto"`` lets
            Keras choose (with TensorFlow, off on a machine without a GPU).
            What XLA gains on a CPU depends on the machine
            (``benchmarks/train_speed.py`` has measurements); it changes
            the numbers slightly, as any change of arithmetic does.

    Returns:
        A :class:`Comparison`.

    Example:
        >>> import numpy as np, keras
        >>> from cnn_course import experiments
        >>> from cnn_course.data import Splits
        >>> x, y = np.random.rand(16, 8, 8, 1).astype("float32"), np.arange(16) % 2
        >>> tiny = lambda: keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
        >>> result = experiments.compare({"tiny": tiny}, Splits(x, y, x, y, x, y), seeds=(0, 1), epochs=1, precision="float32")
        >>> len(result.runs["tiny"])
        2
    """
    if not arms:
        raise ValueError("`arms` must name at least one arm: {name: builder}.")
    if callbacks is not None and not callable(callbacks):
        raise ValueError(
            "`callbacks` must be a function returning a list of new callbacks, one list "
            "per run (so no two runs share a callback's state). Received: "
            f"callbacks={callbacks!r}")
    _checks.one_of(jit_compile, "jit_compile", ("auto", True, False))
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"`seeds` must be distinct and not empty. Received: seeds={seeds!r}")
    optimizers = optimizer if isinstance(optimizer, dict) else {arm: optimizer for arm in arms}
    if set(optimizers) != set(arms):
        raise ValueError(
            f"`optimizer` as a dict needs one entry per arm {sorted(arms)}. "
            f"Received: {sorted(optimizers)}"
        )
    previous_policy = keras.mixed_precision.global_policy().name
    runs = {}
    try:
        for arm, build in arms.items():
            runs[arm] = []
            # One compiled network per arm trains every seed: Keras traces its
            # training step once, which for a 56-layer network takes longer
            # than an epoch on 1,152 images.
            train.setup(seed=seeds[0], precision=precision)
            trainer = build()
            trainer.compile(optimizer=optimizers[arm](), loss=loss, metrics=["accuracy"],
                            jit_compile=jit_compile)
            trainer.optimizer.build(trainer.trainable_variables)
            fresh_optimizer = [keras.ops.convert_to_numpy(v) for v in trainer.optimizer.variables]
            for seed in seeds:
                train.setup(seed=seed, precision=precision)
                model = build()  # this seed's initial weights and random state
                _copy_state(model.variables, trainer.variables, arm)
                _copy_state(fresh_optimizer, trainer.optimizer.variables, arm)
                made = [] if callbacks is None else list(callbacks())
                run = train.fit(
                    trainer, splits.x_train, splits.y_train,
                    validation_data=(splits.x_valid, splits.y_valid),
                    epochs=epochs, batch_size=batch_size, augment=augment,
                    seed=seed, verbose=0, validation_freq=validation_freq,
                    callbacks=made,
                )
                run.callbacks = made
                run.model = None
                if keep_models:
                    _copy_state(trainer.variables, model.variables, arm)
                    model.compile(optimizer=optimizers[arm](), loss=loss, metrics=["accuracy"],
                                  jit_compile=jit_compile)
                    run.model = model
                runs[arm].append(run)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    result = Comparison(runs, seeds, "", validation_freq)
    result.budget = (
        f"{len(splits.x_train):,} training images, {epochs} epoch{'' if epochs == 1 else 's'}, "
        f"batches of {batch_size}, {_seeds_in_words(seeds)}, {runs[next(iter(runs))][0].setting},"
        f" {_duration_in_words(result.seconds)} of training"
    )
    return result
