"""Layers the classic papers used and Keras does not ship.

Each is written with ``keras.ops`` (so it runs on any Keras 3 backend),
returns its constructor arguments from ``get_config`` and is registered for
``.keras`` saving under the package name ``cnn_course``.

- :class:`LocalResponseNormalization`: AlexNet's LRN (Krizhevsky et al. 2012).
- :class:`SpatialPyramidPooling`: SPP-net's fixed-length pooling (He et al.
  2015).
- :class:`SqueezeExcitation`: SENet's channel attention (Hu et al. 2018).
- :class:`FusedBatchNormalization`: Keras' batch normalization (Ioffe and
  Szegedy 2015), computed by TensorFlow's fused kernel where it can be;
  :func:`with_keras_batchnorm` copies a model back to Keras' layer, to time
  the two.
- :class:`ConnectionTableConv2D`, :class:`TrainableSubsampling`,
  :class:`RBFOutput` and :func:`scaled_tanh`: what LeNet-5 needs to be built
  as in LeCun et al. (1998).
"""

import math

import keras
import numpy as np
from keras import ops

from . import _checks

_register = keras.saving.register_keras_serializable(package="cnn_course")


@_register
def scaled_tanh(x):
    """LeNet-5's squashing function, ``1.7159 * tanh(2/3 * x)``.

    LeCun et al. (1998), Appendix A: the constants make ``f(1) = 1`` and
    ``f(-1) = -1`` and keep the gain close to 1 where it matters.

    Example:
        >>> from cnn_course.layers import scaled_tanh
        >>> round(float(scaled_tanh(1.0)), 3)
        1.0
    """
    return 1.7159 * ops.tanh(2.0 / 3.0 * ops.convert_to_tensor(x))


def _channel_window_sum(squares, depth_radius):
    """Sum of ``squares`` over a window of ``2 * depth_radius + 1`` channels."""
    channels = squares.shape[-1]
    padded = ops.pad(
        squares, [[0, 0]] * (len(squares.shape) - 1) + [[depth_radius, depth_radius]]
    )
    total = 0.0
    for offset in range(2 * depth_radius + 1):
        total = total + padded[..., offset : offset + channels]
    return total


def local_response_normalization(inputs, depth_radius, bias, alpha, beta):
    """AlexNet's LRN with ``keras.ops`` (any backend); see the layer below.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import local_response_normalization
        >>> x = np.ones((1, 1, 1, 3), "float32")
        >>> out = local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
        >>> round(float(out[0, 0, 0, 0]), 4)  # 1 / (2 + 1e-4 * 3) ** 0.75
        0.5945
    """
    window = _channel_window_sum(ops.square(inputs), depth_radius)
    return inputs / ops.power(bias + alpha * window, beta)


@_register
class LocalResponseNormalization(keras.layers.Layer):
    """Local response normalization across channels (AlexNet, Section 3.3).

    .. math::

        b^i_{x,y} = a^i_{x,y} \\Big/ \\Big(k + \\alpha
        \\sum_{j=\\max(0, i-n/2)}^{\\min(N-1, i+n/2)} (a^j_{x,y})^2\\Big)^\\beta

    with the paper's constants ``k = 2``, ``n = 5`` (``depth_radius = 2``),
    ``alpha = 1e-4`` and ``beta = 0.75`` as defaults. On the TensorFlow
    backend the layer calls TensorFlow's fused kernel, which computes the
    same formula; elsewhere :func:`local_response_normalization`. As in the paper and in
    ``tf.nn.local_response_normalization``, ``alpha`` multiplies the sum;
    Caffe and PyTorch divide it by ``n`` first, so their ``alpha`` is ``n``
    times ours.

    Args:
        depth_radius: half-width ``n // 2`` of the channel window.
        bias: ``k``.
        alpha: ``alpha``.
        beta: ``beta``.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import LocalResponseNormalization
        >>> lrn = LocalResponseNormalization()
        >>> x = np.ones((1, 1, 1, 3), "float32")
        >>> np.round(np.asarray(lrn(x)), 4)  # 1 / (2 + 1e-4 * 3) ** 0.75
        array([[[[0.5945, 0.5945, 0.5945]]]], dtype=float32)
    """

    def __init__(self, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if isinstance(depth_radius, bool) or not isinstance(depth_radius, int) or depth_radius < 0:
            raise ValueError(
                "`depth_radius` must be a non-negative integer. "
                f"Received: depth_radius={depth_radius!r}"
            )
        self.depth_radius = depth_radius
        self.bias = _checks.non_negative(bias, "bias")
        self.alpha = _checks.non_negative(alpha, "alpha")
        self.beta = _checks.non_negative(beta, "beta")

    def call(self, inputs):
        if keras.backend.backend() == "tensorflow" and len(inputs.shape) == 4:
            # The same formula as one fused kernel, several times faster.
            import tensorflow as tf

            normalized = tf.nn.local_response_normalization(  # float32 only on CPU
                tf.cast(inputs, "float32"), self.depth_radius, self.bias, self.alpha, self.beta
            )
            return tf.cast(normalized, inputs.dtype)
        return local_response_normalization(
            inputs, self.depth_radius, self.bias, self.alpha, self.beta
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "depth_radius": self.depth_radius,
            "bias": self.bias,
            "alpha": self.alpha,
            "beta": self.beta,
        }


def spp_edges(size, bins):
    """Start and end of each of ``bins`` pooling windows along a side.

    Window ``i`` covers ``floor(i * size / bins)`` (included) to
    ``ceil((i + 1) * size / bins)`` (excluded). This is SPP-net's rule for
    applying the network (He et al., Appendix A, "Implementation of Pooling
    Bins"): along a side of ``w`` pixels, the ``i``-th of ``n`` bins,
    counted from 1, is in the range
    ``[floor((i - 1) / n * w), ceil(i / n * w)]``, "the floor operation on
    the left/top boundary and ceiling on the right/bottom boundary"; here
    bins are counted from 0. PyTorch's ``AdaptiveMaxPool2d`` uses the same
    rule. The windows tile the whole side, may overlap by one pixel, and
    each holds at least one pixel.

    The paper's other rule is for training (Section 2.3, "Training the
    Network": single-size training, and the 180x180 network of multi-size
    training): a sliding-window pooling with a window ``ceil(size / bins)``
    and a stride ``floor(size / bins)``. Both rules give the same windows
    when ``size % bins`` is 0 or 1, as for the paper's 13x13 conv5 map with
    1, 2, 3, 4 or 6 bins; for other sizes ``bins`` such windows stop short
    and none sees the last ``size % bins - 1`` rows (or columns): 38 cases
    for sizes 1 to 30 with 3, 4 or 6 bins (sizes at least ``bins``). We use
    the Appendix A rule at every size because its bins tile the whole side,
    none is empty, and it needs no special case for any size.

    Example:
        >>> from cnn_course.layers import spp_edges
        >>> spp_edges(13, 4)  # Section 2.3's rule gives the same windows
        [(0, 4), (3, 7), (6, 10), (9, 13)]
        >>> spp_edges(7, 4)  # Section 2.3's: (0, 2), (1, 3), (2, 4), (3, 5)
        [(0, 2), (1, 4), (3, 6), (5, 7)]
    """
    return [
        (math.floor(i * size / bins), math.ceil((i + 1) * size / bins))
        for i in range(bins)
    ]


@_register
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization``, about twice as fast on a CPU.

    Batch normalization (Ioffe and Szegedy, 2015) with the same arguments,
    weights and moving statistics as Keras' layer, of which this is a
    subclass, and the same results up to rounding; only the speed differs.
    Keras 3 computes it as a dozen separate operations, in float32 even
    under ``mixed_bfloat16``: a cast, the mean, the variance, the scale and
    shift, a cast back, and as many again for the gradient, each a trip
    through memory over the whole feature map. TensorFlow's
    ``FusedBatchNormV3`` kernel (the one Keras 2 used) does each direction,
    forward and backward, as a single kernel that reads bfloat16 directly
    and writes no float32 copies or intermediate tensors in between. On a
    2-core CPU with AMX, Chapter 4's small ResNet trained at about 1,060
    images/s with this layer against 500 with Keras' (medians of four
    rounds, ``benchmarks/time_to_accuracy.py``; Chapter 4's timing cell
    measures it again each time the chapter runs); its BatchNorm layers
    took more than half of each training step. Keras' own layer has no such option
    (keras-team/keras-core#225, "BatchNorm is slow").

    The fused path is taken on the TensorFlow backend for 4-D inputs
    normalized over their last axis, in ``float32`` or ``bfloat16``,
    without a mask, ``renorm`` or ``synchronized``, and with ``epsilon``
    at least 1.001e-5 (the kernel's smallest; Keras' ResNets use 1.001e-5
    for this reason). Anything else, and every other backend, runs Keras'
    own code. As in Keras, the moving variance averages the biased batch
    variance (TensorFlow's kernel returns the unbiased one; the layer
    converts it).

    "Up to rounding" is float32 rounding over large reductions: on a batch
    of 128 feature maps of 28x28, both layers' outputs differed from a
    float64 computation by a few parts in 100,000 (the fused kernel's by
    about twice as much as Keras'). A deep network amplifies such
    differences: at initialization, the per-layer gradient norms of
    Chapter 2's networks differed between the two layers by up to 2% (20
    layers, plain), 3% (56 layers, residual) and 11% (56 layers, plain, whose
    gradients explode). Runs with one layer and the other are therefore
    not bit-for-bit alike, as runs on different CPUs are not.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import FusedBatchNormalization
        >>> x = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
        >>> y = FusedBatchNormalization()(x, training=True)
        >>> round(float(np.mean(y)), 6), round(float(np.std(y)), 3)
        (0.0, 1.0)
    """

    #: The smallest epsilon TensorFlow's fused kernel accepts.
    MIN_EPSILON = 1.001e-5

    def _fusable(self, inputs, mask):
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            # renorm arrived in Keras 3.14; 3.13 (Colab's) has no such attribute
            and not getattr(self, "renorm", False)
            and not getattr(self, "synchronized", False)
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and self.epsilon >= self.MIN_EPSILON
            and keras.backend.standardize_dtype(inputs.dtype) in ("float32", "bfloat16")
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        # The kernel takes its per-channel vectors in float32, whatever the
        # variables' dtype (bfloat16 under a pure "bfloat16" policy).
        scale = ops.cast(self.gamma, "float32") if self.scale else ops.ones((channels,))
        offset = ops.cast(self.beta, "float32") if self.center else ops.zeros((channels,))
        moving_mean = ops.cast(self.moving_mean, "float32")
        moving_variance = ops.cast(self.moving_variance, "float32")
        if training and self.trainable:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs, scale, offset, epsilon=self.epsilon, is_training=True
            )
            count = ops.cast(ops.size(inputs) // channels, "float32")
            variance = variance * (count - 1.0) / count  # unbiased -> biased, as Keras
            momentum = self.momentum
            self.moving_mean.assign(ops.cast(
                moving_mean * momentum + mean * (1.0 - momentum), self.moving_mean.dtype))
            self.moving_variance.assign(ops.cast(
                moving_variance * momentum + variance * (1.0 - momentum),
                self.moving_variance.dtype))
        else:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs, scale, offset, mean=moving_mean, variance=moving_variance,
                epsilon=self.epsilon, is_training=False,
            )
        return ops.cast(outputs, self.compute_dtype)


def with_keras_batchnorm(model):
    """A copy of ``model`` with ``keras.layers.BatchNormalization`` in place
    of every :class:`FusedBatchNormalization`: the same arguments and the
    same weights, so the two compute the same function up to rounding and
    only their speed differs. Other layers are copied unchanged (new
    objects, same configuration and weights).

    For timing the fused kernel against Keras' own code (Chapter 4 and
    ``benchmarks/time_to_accuracy.py``). ``keras.models.clone_model`` does
    the copying; it needs a Sequential or functional model.

    Example:
        >>> from cnn_course import models
        >>> from cnn_course.layers import with_keras_batchnorm
        >>> resnet = models.resnet_small(widths=(8, 16, 32), blocks=(1, 1, 1))
        >>> copy = with_keras_batchnorm(resnet)
        >>> sorted({type(layer).__name__ for layer in copy.layers
        ...         if "BatchNorm" in type(layer).__name__})
        ['BatchNormalization']
        >>> copy.count_params() == resnet.count_params()
        True
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`model` must be a keras.Model (Sequential or functional). "
            f"Received: model={model!r} of type {type(model).__name__}"
        )

    def copy(layer):
        if isinstance(layer, FusedBatchNormalization):
            return keras.layers.BatchNormalization.from_config(layer.get_config())
        return type(layer).from_config(layer.get_config())

    try:
        clone = keras.models.clone_model(model, clone_function=copy)
    except ValueError as error:
        raise ValueError(
            f"with_keras_batchnorm copies Sequential and functional models with "
            f"keras.models.clone_model, which could not copy {model.name!r}: {error}"
        ) from error
    clone.set_weights(model.get_weights())
    return clone


@_register
class SpatialPyramidPooling(keras.layers.Layer):
    """Spatial pyramid pooling (He et al., SPP-net, 2015), Section 2.2.

    Max-pools the feature map over an ``n x n`` grid for each ``n`` in
    ``bins`` and concatenates the results, so any input of shape
    ``(height, width, channels)`` becomes a vector of length
    ``channels * sum(n * n for n in bins)``. A model with an ``(None, None,
    C)`` input can then take images of any size, as long as each side is at
    least ``max(bins)``.

    The bins are the paper's Appendix A ones ("Implementation of Pooling
    Bins", its rule for applying the network; :func:`spp_edges`): along a
    side of ``a`` pixels, bin ``i`` of ``n`` (counted from 0) covers
    ``[floor(i * a / n), ceil((i + 1) * a / n))``. For training, the
    paper's Section 2.3 pools with a window ``ceil(a / n)`` and a stride
    ``floor(a / n)`` instead, which gives the same bins when ``a % n`` is 0
    or 1 (e.g. its 13x13 conv5 map) but otherwise leaves the last
    ``a % n - 1`` rows or columns out of every bin. The Appendix A bins
    never do: they cover the whole map, none is empty, and they fit any map
    size.

    Args:
        bins: grid sizes of the pyramid levels, e.g. ``(1, 2, 4)``.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import SpatialPyramidPooling
        >>> spp = SpatialPyramidPooling(bins=(1, 2, 4))
        >>> tuple(spp(np.zeros((2, 13, 9, 256), "float32")).shape)
        (2, 5376)
    """

    def __init__(self, bins=(1, 2, 4), **kwargs):
        super().__init__(**kwargs)
        try:
            bins = tuple(bins)
        except TypeError:
            bins = None
        if not bins or any(
            isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1
            for b in bins
        ):
            raise ValueError(
                "`bins` must be a non-empty sequence of positive integers. "
                f"Received: bins={bins!r}"
            )
        self.bins = tuple(int(b) for b in bins)

    def _check_size(self, height, width):
        smallest = max(self.bins)
        for side in (height, width):
            if side is not None and side < smallest:
                raise ValueError(
                    f"SpatialPyramidPooling with bins={self.bins} needs a feature "
                    f"map of at least {smallest}x{smallest}. Received a map of "
                    f"{height}x{width}; use smaller bins or a larger input."
                )

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                "SpatialPyramidPooling expects (batch, height, width, channels) "
                f"inputs. Received: input_shape={tuple(input_shape)}"
            )
        self._check_size(input_shape[1], input_shape[2])

    def call(self, inputs):
        height, width = inputs.shape[1], inputs.shape[2]
        if height is not None and width is not None:
            self._check_size(height, width)
            return self._pool_static(inputs, height, width)
        return self._pool_dynamic(inputs)

    def _pool_static(self, inputs, height, width):
        outputs = []
        for n in self.bins:
            for top, bottom in spp_edges(height, n):
                for left, right in spp_edges(width, n):
                    region = inputs[:, top:bottom, left:right, :]
                    outputs.append(ops.max(region, axis=(1, 2)))
        return ops.concatenate(outputs, axis=-1)

    def _pool_dynamic(self, inputs):
        shape = ops.shape(inputs)
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        outputs = []
        for n in self.bins:
            for i in range(n):
                top = ops.cast(ops.floor(i * height / n), "int32")
                bottom = ops.cast(ops.ceil((i + 1) * height / n), "int32")
                for j in range(n):
                    left = ops.cast(ops.floor(j * width / n), "int32")
                    right = ops.cast(ops.ceil((j + 1) * width / n), "int32")
                    region = inputs[:, top:bottom, left:right, :]
                    outputs.append(ops.max(region, axis=(1, 2)))
        return ops.concatenate(outputs, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] * sum(n * n for n in self.bins))

    def get_config(self):
        return {**super().get_config(), "bins": list(self.bins)}


@_register
class SqueezeExcitation(keras.layers.Layer):
    """Squeeze-and-excitation block (Hu, Shen and Sun, SENet, 2018), Fig. 1.

    *Squeeze*: global average pooling gives one number per channel.
    *Excitation*: a bottleneck of two dense layers (``C / ratio`` units with
    ReLU, then ``C`` units with a sigmoid) turns them into channel weights in
    (0, 1). The input is multiplied by these weights channel by channel.
    Adds ``2 * C * C / ratio + C / ratio + C`` parameters.

    Args:
        ratio: reduction ratio ``r`` of the bottleneck (the paper: 16).

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import SqueezeExcitation
        >>> se = SqueezeExcitation(ratio=16)
        >>> tuple(se(np.ones((1, 7, 7, 64), "float32")).shape)
        (1, 7, 7, 64)
        >>> se.count_params()  # 64*4 + 4 + 4*64 + 64
        580
        >>> tuple(se.channel_weights(np.ones((1, 7, 7, 64), "float32")).shape)
        (1, 64)
    """

    def __init__(self, ratio=16, **kwargs):
        super().__init__(**kwargs)
        self.ratio = _checks.positive_int(ratio, "ratio")

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels < self.ratio:
            raise ValueError(
                f"SqueezeExcitation needs at least `ratio` channels. Received "
                f"{channels} channels with ratio={self.ratio}."
            )
        # The sub-layers follow this layer's dtype policy, whatever the
        # global one is when it is built.
        self.squeeze = keras.layers.Dense(
            channels // self.ratio, activation="relu", name="squeeze", dtype=self.dtype_policy
        )
        self.excite = keras.layers.Dense(
            channels, activation="sigmoid", name="excite", dtype=self.dtype_policy
        )
        self.squeeze.build((input_shape[0], channels))
        self.excite.build((input_shape[0], channels // self.ratio))

    def channel_weights(self, inputs):
        """The excitation: one weight in (0, 1) per channel, ``(batch, C)``."""
        pooled = ops.mean(inputs, axis=(1, 2))  # the squeeze
        return self.excite(self.squeeze(pooled))

    def call(self, inputs):
        return inputs * self.channel_weights(inputs)[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "ratio": self.ratio}


@_register
class ConnectionTableConv2D(keras.layers.Layer):
    """A valid, stride-1 convolution in which each output map sees chosen inputs.

    LeNet-5's C3 (LeCun et al. 1998, Table I): each of the 16 maps is
    computed from a subset of the 6 S2 maps, to break symmetry and to keep
    the number of connections down. ``table[i][j]`` is true when output map
    ``j`` reads input map ``i``. Only the connected kernels are weights, so
    C3 has ``25 * 60 + 16 = 1,516`` parameters instead of 2,416.

    Args:
        kernel_size: side of the square kernel.
        table: boolean matrix of shape ``(input maps, output maps)``.
        activation: activation applied to the output.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import ConnectionTableConv2D
        >>> from cnn_course.models.lenet import LENET5_C3_TABLE
        >>> c3 = ConnectionTableConv2D(5, LENET5_C3_TABLE)
        >>> tuple(c3(np.zeros((1, 14, 14, 6), "float32")).shape)
        (1, 10, 10, 16)
        >>> c3.count_params()
        1516
    """

    def __init__(self, kernel_size, table, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = _checks.positive_int(kernel_size, "kernel_size")
        mask = np.asarray(table, dtype=bool)
        if mask.ndim != 2 or not mask.any(axis=0).all():
            raise ValueError(
                "`table` must be a boolean matrix (inputs x outputs) in which "
                f"every output reads at least one input. Received: table={table!r}"
            )
        self.table = mask
        self.activation = keras.activations.get(activation)
        inputs, outputs = mask.shape
        self.filters = outputs
        # Column k of `expand` places connection k at its (input, output) slot.
        rows, cols = np.nonzero(mask)
        expand = np.zeros((len(rows), inputs * outputs), dtype="float32")
        expand[np.arange(len(rows)), rows * outputs + cols] = 1.0
        self._expand = expand

    def build(self, input_shape):
        if input_shape[-1] != self.table.shape[0]:
            raise ValueError(
                f"ConnectionTableConv2D's table has {self.table.shape[0]} input "
                f"maps but the input has {input_shape[-1]} channels."
            )
        connections = int(self.table.sum())
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size * self.kernel_size, connections),
            initializer=keras.initializers.VarianceScaling(
                scale=1.0, mode="fan_avg", distribution="uniform"
            ),
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def full_kernel(self):
        """The equivalent dense kernel, zero where the table has no connection."""
        k = self.kernel_size
        inputs, outputs = self.table.shape
        # Inside call() the kernel is already cast to the compute dtype (e.g.
        # bfloat16 under mixed precision); the table follows it.
        kernel = ops.convert_to_tensor(self.kernel)
        dense = ops.matmul(kernel, ops.convert_to_tensor(self._expand, dtype=kernel.dtype))
        return ops.reshape(dense, (k, k, inputs, outputs))

    def call(self, inputs):
        outputs = ops.conv(inputs, self.full_kernel(), strides=1, padding="valid")
        return self.activation(outputs + self.bias)

    def compute_output_shape(self, input_shape):
        k = self.kernel_size
        height, width = input_shape[1], input_shape[2]
        return (
            input_shape[0],
            None if height is None else height - k + 1,
            None if width is None else width - k + 1,
            self.filters,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "table": self.table.astype(int).tolist(),
            "activation": keras.activations.serialize(self.activation),
        }


@_register
class TrainableSubsampling(keras.layers.Layer):
    """LeNet-5's subsampling layer (S2, S4): a pooling with two weights per map.

    "The four inputs to a unit in S2 are added, then multiplied by a
    trainable coefficient, and added to a trainable bias. The result is
    passed through a sigmoidal function" (LeCun et al. 1998, Section II.B).
    Windows are ``pool_size x pool_size`` and do not overlap.

    Args:
        pool_size: side of the pooling window (the paper: 2).
        activation: the sigmoidal function (the paper: :func:`scaled_tanh`).

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import TrainableSubsampling
        >>> s2 = TrainableSubsampling()
        >>> tuple(s2(np.ones((1, 28, 28, 6), "float32")).shape)
        (1, 14, 14, 6)
        >>> s2.count_params()
        12
    """

    def __init__(self, pool_size=2, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _checks.positive_int(pool_size, "pool_size")
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(
            name="coefficient", shape=(channels,), initializer="ones"
        )
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer="zeros")

    def call(self, inputs):
        p = self.pool_size
        window_sum = ops.average_pool(inputs, p, strides=p, padding="valid") * (p * p)
        return self.activation(window_sum * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        p = self.pool_size
        sides = [None if s is None else s // p for s in input_shape[1:3]]
        return (input_shape[0], *sides, input_shape[3])

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "activation": keras.activations.serialize(self.activation),
        }


@_register
class RBFOutput(keras.layers.Layer):
    """Euclidean radial basis function units with fixed codes (LeNet-5's output).

    Output unit ``i`` computes ``y_i = sum_j (x_j - w_ij)^2``, the squared
    distance between the input and a fixed code ``w_i`` of +1/-1 values
    (LeCun et al. 1998, Section II.B). The codes are not trained. This layer
    returns ``-y_i``, so that the best match has the largest score and the
    output can be used as logits with a cross-entropy loss, which is close
    to the paper's MAP criterion (its Eq. 9).

    The layer computes in float32 unless given another ``dtype``, also under
    a mixed-precision policy: squared distances of 84 numbers reach several
    hundred, where bfloat16 cannot tell scores a unit apart (Keras' mixed
    precision guide keeps a model's output layer in float32 for the same
    reason).

    Args:
        codes: array of shape ``(classes, inputs)`` with the fixed codes.

    Example:
        >>> import numpy as np
        >>> from cnn_course.layers import RBFOutput
        >>> rbf = RBFOutput(np.array([[1, -1], [1, 1]]))
        >>> np.asarray(rbf(np.array([[0.5, 1.0]], "float32")))
        array([[-4.25, -0.25]], dtype=float32)
    """

    def __init__(self, codes, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.codes = np.asarray(codes, dtype="float32")
        if self.codes.ndim != 2:
            raise ValueError(
                "`codes` must be a matrix of shape (classes, inputs). "
                f"Received an array of shape {self.codes.shape}"
            )

    def build(self, input_shape):
        if input_shape[-1] != self.codes.shape[1]:
            raise ValueError(
                f"RBFOutput codes have length {self.codes.shape[1]} but the input "
                f"has {input_shape[-1]} features."
            )

    def call(self, inputs):
        codes = ops.convert_to_tensor(self.codes, dtype=inputs.dtype)
        distances = (
            ops.sum(ops.square(inputs), axis=-1, keepdims=True)
            - 2.0 * ops.matmul(inputs, ops.transpose(codes))
            + ops.sum(ops.square(codes), axis=-1)
        )
        return -distances

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.codes.shape[0])

    def get_config(self):
        return {**super().get_config(), "codes": self.codes.tolist()}
