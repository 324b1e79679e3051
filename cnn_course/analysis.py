"""Per-layer cost of a model: shapes, parameters, multiply-adds, receptive
fields and activation memory.

:func:`analyze` walks a built Keras model layer by layer (through branches
and merges) and returns an :class:`Analysis`, a table the chapters print and
the tests compare with the papers' tables.

Conventions:

- **Multiply-adds (MACs)** count the multiplications of weighted layers for
  one example, without biases, as the GoogLeNet and ResNet papers count
  "ops" and FLOPs: a convolution costs ``out_h * out_w * out_c * k_h * k_w *
  in_c / groups``, a dense layer ``inputs * units`` per position. Pooling,
  normalization, activations, additions and concatenations count 0.
- **Receptive field**: the side of the input region one output value can
  see, ``r_out = r_in + (k - 1) * j_in`` and ``j_out = j_in * stride``
  (``j`` is the distance in input pixels between neighbouring outputs).
  Through branches it follows the largest path. After a global operation
  (flatten, dense, global pooling, squeeze-and-excitation) an output sees
  the whole image: shown as ``global``.
- **Activation memory**: the layer's output for one example, at
  ``bytes_per_value`` bytes per number (4 for float32).
"""

import dataclasses
import math

import keras

from . import _graph
from . import layers as course_layers

_GLOBAL = None  # receptive field of a value that sees the whole input


@dataclasses.dataclass(frozen=True)
class LayerCost:
    """One row of an :class:`Analysis`."""

    name: str
    type: str
    output_shape: tuple
    params: int
    macs: int
    receptive_field: object  # int, or None for "global"
    activation_bytes: int


def _format_shape(shape):
    if isinstance(shape, list):
        return ", ".join(_format_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _human(value, units, base):
    for unit in units[:-1]:
        if abs(value) < base:
            return f"{value:.1f} {unit}" if unit != units[0] else f"{value:.0f} {unit}"
        value /= base
    return f"{value:.1f} {units[-1]}"


def human_bytes(count):
    """``1536`` -> ``"1.5 KB"`` (powers of 1024).

    Example:
        >>> from cnn_course.analysis import human_bytes
        >>> human_bytes(3 * 224 * 224 * 4)
        '588.0 KB'
    """
    return _human(count, ["B", "KB", "MB", "GB", "TB"], 1024)


def human_count(count):
    """``1_800_000_000`` -> ``"1.80 G"`` (powers of 1000).

    Example:
        >>> from cnn_course.analysis import human_count
        >>> human_count(15_470_264_320)
        '15.47 G'
    """
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(count) >= size:
            return f"{count / size:.2f} {unit}"
    return str(count)


def trainable_params(model):
    """Number of trainable parameters of a built model or layer.

    The figure the papers print. ``model.count_params()`` also counts
    non-trainable weights such as BatchNorm's moving mean and variance, so
    the two differ for any network with BatchNorm.

    Example:
        >>> import keras
        >>> from cnn_course.analysis import trainable_params
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4),
        ...                           keras.layers.BatchNormalization()])
        >>> trainable_params(model), model.count_params()  # 8*4+4 (+4+4 BN)
        (44, 52)
    """
    if not getattr(model, "built", False):
        raise ValueError(
            f"`model` must be built (call it on an input or give it an Input) "
            f"to count its parameters. Received: unbuilt {type(model).__name__}"
        )
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)


@dataclasses.dataclass
class Analysis:
    """Per-layer costs of a model, with totals; prints as a table.

    Attributes:
        model_name: the analysed model's name.
        rows: one :class:`LayerCost` per layer, in graph order.
    """

    model_name: str
    rows: list

    @property
    def total_params(self):
        """All weights of the model, trainable or not."""
        return sum(row.params for row in self.rows)

    @property
    def total_macs(self):
        """Multiply-adds of one forward pass of one example."""
        return sum(row.macs for row in self.rows)

    @property
    def total_activation_bytes(self):
        """Memory of all layer outputs for one example."""
        return sum(row.activation_bytes for row in self.rows)

    def row(self, name):
        """The row of the layer called ``name``."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"No layer named {name!r} in {self.model_name}.")

    def group(self, prefix):
        """Sum of params and MACs of the layers whose names start with ``prefix``.

        Returns a dict with ``params``, ``macs``, ``layers`` (how many) and
        ``output_shape`` (of the last of those layers); e.g.
        ``analysis.group("inception_3a_")`` for a GoogLeNet module.
        """
        rows = [row for row in self.rows if row.name.startswith(prefix)]
        if not rows:
            raise KeyError(f"No layer name starts with {prefix!r} in {self.model_name}.")
        return {
            "params": sum(r.params for r in rows),
            "macs": sum(r.macs for r in rows),
            "layers": len(rows),
            "output_shape": rows[-1].output_shape,
        }

    def __str__(self):
        header = ("Layer", "Type", "Output shape", "Params", "MACs", "RF", "Activations")
        body = [
            (
                row.name,
                row.type,
                _format_shape(row.output_shape),
                f"{row.params:,}",
                f"{row.macs:,}",
                "global" if row.receptive_field is _GLOBAL else str(row.receptive_field),
                human_bytes(row.activation_bytes),
            )
            for row in self.rows
        ]
        footer = (
            "Total", "", "", f"{self.total_params:,}", f"{self.total_macs:,}", "",
            human_bytes(self.total_activation_bytes),
        )
        table = [header, *body, footer]
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        right = {3, 4, 5, 6}

        def line(cells):
            return "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths))
            ).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        lines = [f"Model: {self.model_name}", line(header), rule]
        lines += [line(r) for r in body] + [rule, line(footer)]
        lines.append(
            f"{human_count(self.total_macs)} multiply-adds, "
            f"{self.total_params:,} parameters"
        )
        return "\n".join(lines)

    __repr__ = __str__


def _shape(tensor):
    return tuple(tensor.shape)


def _size(shape):
    return math.prod(d for d in shape[1:] if d is not None)


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _window(layer):
    """(kernel, stride, dilation) pairs of a sliding-window layer, or None."""
    if isinstance(layer, keras.layers.Conv2D) or isinstance(
        layer, keras.layers.DepthwiseConv2D
    ):
        return _pair(layer.kernel_size), _pair(layer.strides), _pair(layer.dilation_rate)
    if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        return _pair(layer.pool_size), _pair(layer.strides), (1, 1)
    if isinstance(layer, course_layers.ConnectionTableConv2D):
        return _pair(layer.kernel_size), (1, 1), (1, 1)
    if isinstance(layer, course_layers.TrainableSubsampling):
        return _pair(layer.pool_size), _pair(layer.pool_size), (1, 1)
    return None


_GLOBAL_LAYERS = (
    keras.layers.Flatten,
    keras.layers.Dense,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
    course_layers.SpatialPyramidPooling,
    course_layers.SqueezeExcitation,
    course_layers.RBFOutput,
)


def _macs(layer, in_shape, out_shape):
    """Multiply-adds of one example through ``layer`` (see module docstring)."""
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kh, kw = _pair(layer.kernel_size)
        return _size(out_shape) * kh * kw
    if isinstance(layer, keras.layers.Conv2D):
        kh, kw = _pair(layer.kernel_size)
        return _size(out_shape) * kh * kw * in_shape[-1] // layer.groups
    if isinstance(layer, keras.layers.Dense):
        return _size(out_shape) * in_shape[-1]
    if isinstance(layer, course_layers.ConnectionTableConv2D):
        positions = _size(out_shape) // out_shape[-1]
        return positions * layer.kernel_size**2 * int(layer.table.sum())
    if isinstance(layer, course_layers.TrainableSubsampling):
        return _size(out_shape)
    if isinstance(layer, course_layers.SqueezeExcitation):
        channels = in_shape[-1]
        return 2 * channels * (channels // layer.ratio) + _size(in_shape)
    if isinstance(layer, course_layers.RBFOutput):
        return _size(out_shape) * in_shape[-1]
    return 0


def analyze(model, bytes_per_value=4):
    """Analyse a built model layer by layer.

    Args:
        model: a built Keras model (``Sequential`` or functional) whose
            input has a known height and width.
        bytes_per_value: bytes per activation (4 for float32, 2 for
            bfloat16).

    Returns:
        An :class:`Analysis`; print it, or read ``rows``, ``total_macs``,
        ``group(prefix)``.

    Example:
        >>> from cnn_course.analysis import analyze
        >>> from cnn_course.models import vgg16
        >>> analysis = analyze(vgg16())
        >>> round(analysis.total_macs / 1e9, 2)
        15.47
        >>> analysis.row("block5_pool").receptive_field
        212
    """
    info = {}  # layer name -> (receptive field (h, w) or None, jump (h, w))
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        inputs = _graph.input_tensors(layer)
        known = []
        for tensor in inputs:
            source = _graph.producer(tensor)
            known.append(((1, 1), (1, 1)) if source is None else info[source.name])
        if any(rf is _GLOBAL for rf, _ in known):
            rf, jump = _GLOBAL, (1, 1)
        else:
            rf = tuple(max(r[i] for r, _ in known) for i in range(2))
            jump = tuple(max(j[i] for _, j in known) for i in range(2))
        window = _window(layer)
        if rf is not _GLOBAL and isinstance(layer, _GLOBAL_LAYERS):
            rf = _GLOBAL
        elif rf is not _GLOBAL and window is not None:
            kernel, stride, dilation = window
            rf = tuple(
                rf[i] + ((kernel[i] - 1) * dilation[i]) * jump[i] for i in range(2)
            )
            jump = tuple(jump[i] * stride[i] for i in range(2))

        outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        info[layer.name] = (rf, jump)
        out_shapes = [_shape(t) for t in outputs]
        in_shape = _shape(inputs[0])
        rows.append(
            LayerCost(
                name=layer.name,
                type=type(layer).__name__,
                output_shape=out_shapes[0] if len(out_shapes) == 1 else out_shapes,
                params=layer.count_params(),
                macs=_macs(layer, in_shape, out_shapes[0]),
                receptive_field=_GLOBAL if rf is _GLOBAL else max(rf),
                activation_bytes=sum(_size(s) for s in out_shapes) * bytes_per_value,
            )
        )
    return Analysis(model.name, rows)
