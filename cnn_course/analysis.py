"""Per-layer cost of a model: shapes, parameters, multiply-adds, receptive
fields and activation memory.

:func:`analyze` walks a built Keras model call by call (through branches,
merges, shared layers and models used as layers) and returns an
:class:`Analysis`, a table the chapters print and the tests compare with the
papers' tables. :func:`layer_table` is the short version: each layer's output
shape and parameters, the shape walk of a network.

Conventions:

- **Multiply-adds (MACs)** count the multiplications of weighted layers for
  one example, without biases, as the GoogLeNet and ResNet papers count
  "ops" and FLOPs. With ``k`` the product of the kernel's sides and
  ``positions`` the number of output positions (e.g. ``out_h * out_w``):

  - convolution (1-D, 2-D, 3-D): ``positions * c_out * k * c_in / groups``;
  - depthwise convolution: ``positions * c_in * depth_multiplier * k``;
  - separable convolution: its depthwise part plus its pointwise part,
    ``positions * c_in * depth_multiplier * (k + c_out)``;
  - transposed convolution: every input value meets the whole kernel,
    ``in_positions * c_in * k * c_out``;
  - dense layer: ``inputs * units`` per position;
  - the course's layers: LeNet-5's connection-table convolution, trainable
    subsampling (one multiply per output) and RBF output, and
    squeeze-and-excitation (its two dense layers plus one multiply per value
    to rescale the channels).

  Layers in :data:`NO_MACS` count 0 by this convention: activations,
  normalization (BatchNorm's scale and shift, LRN), dropout and noise,
  pooling, merges (additions, concatenations, elementwise products),
  reshaping, padding and cropping, rescaling, and random augmentation
  (the identity at inference). Any other layer raises a ``ValueError``
  naming it rather than print a wrong number.
- **Models used as layers** are laid flat: their layers appear as rows named
  ``"inner_model/layer"`` and cost what they would cost in the outer model.
- **Shared layers**: every call is a row and costs its MACs; the second call
  of layer ``x`` is the row ``"x (call 2)"``. A layer's parameters are
  counted once, on its first row, so the total is ``model.count_params()``.
- **Receptive field**: the side of the input region one output value can
  see, ``r_out = r_in + (k - 1) * d * j_in`` and ``j_out = j_in * stride``
  (``d`` is the dilation, ``j`` the distance in input pixels between
  neighbouring outputs); the largest side for 1-D or 3-D inputs. Through
  branches it follows the largest path. After a global operation (flatten,
  reshape, dense on a vector, global pooling, spatial pyramid pooling,
  squeeze-and-excitation) an output sees the whole image: shown as
  ``global``. After a transposed convolution with stride above 1, the field
  differs from one output to its neighbour: shown as ``varies``.
- **Activation memory**: the layer's output for one example, at
  ``bytes_per_value`` bytes per number (4 for float32).
- Every size must be known: a model built on ``keras.Input((None, None, 3))``
  raises a ``ValueError``; build it with a fixed input size to analyse it.
"""

import dataclasses
import itertools
import math

import keras

from . import _graph
from . import layers as course_layers

_GLOBAL = None  # receptive field of a value that sees the whole input
_VARIES = "varies"  # receptive field that differs from one output to the next

_L = keras.layers
_CONVOLUTIONS = (_L.Conv1D, _L.Conv2D, _L.Conv3D)
_DEPTHWISE = (_L.DepthwiseConv1D, _L.DepthwiseConv2D)
_SEPARABLE = (_L.SeparableConv1D, _L.SeparableConv2D)
_TRANSPOSED = (_L.Conv1DTranspose, _L.Conv2DTranspose, _L.Conv3DTranspose)
_POOLING = (
    _L.MaxPooling1D, _L.MaxPooling2D, _L.MaxPooling3D,
    _L.AveragePooling1D, _L.AveragePooling2D, _L.AveragePooling3D,
)
_GLOBAL_POOLING = (
    _L.GlobalAveragePooling1D, _L.GlobalAveragePooling2D, _L.GlobalAveragePooling3D,
    _L.GlobalMaxPooling1D, _L.GlobalMaxPooling2D, _L.GlobalMaxPooling3D,
)

#: Layers that cost no multiply-adds by the convention of this module (activations,
#: normalization, dropout and noise, merges, pooling, reshaping and padding, and
#: preprocessing); the tuple of classes is in the source.
#:
#: :meta hide-value:
NO_MACS = (
    # activations
    _L.Activation, _L.ReLU, _L.LeakyReLU, _L.PReLU, _L.ELU, _L.Softmax,
    # normalization: a scale and a shift per value, counted 0 as in the papers
    _L.BatchNormalization, _L.LayerNormalization, _L.GroupNormalization,
    _L.UnitNormalization, course_layers.LocalResponseNormalization,
    # regularization, the identity at inference
    _L.Dropout, _L.SpatialDropout1D, _L.SpatialDropout2D, _L.SpatialDropout3D,
    _L.GaussianDropout, _L.GaussianNoise, _L.AlphaDropout, _L.ActivityRegularization,
    # merges
    _L.Add, _L.Subtract, _L.Multiply, _L.Average, _L.Maximum, _L.Minimum,
    _L.Concatenate,
    # pooling
    *_POOLING, *_GLOBAL_POOLING, course_layers.SpatialPyramidPooling,
    # shapes
    _L.Flatten, _L.Reshape, _L.Identity,
    _L.ZeroPadding1D, _L.ZeroPadding2D, _L.ZeroPadding3D,
    _L.Cropping1D, _L.Cropping2D, _L.Cropping3D,
    # preprocessing, and augmentation (the identity at inference)
    _L.Rescaling, _L.Normalization, _L.RandomFlip, _L.RandomTranslation,
    _L.RandomRotation, _L.RandomZoom, _L.RandomContrast, _L.RandomBrightness,
)

# Layers after which one value sees the whole input (Dense too, on a vector).
_GLOBAL_LAYERS = (
    _L.Flatten,
    _L.Reshape,
    *_GLOBAL_POOLING,
    course_layers.SpatialPyramidPooling,
    course_layers.SqueezeExcitation,
    course_layers.RBFOutput,
)


@dataclasses.dataclass(frozen=True)
class LayerCost:
    """One row of an :class:`Analysis`: one call of one layer."""

    name: str
    type: str
    output_shape: tuple
    params: int
    macs: int
    receptive_field: object  # int, None for "global", or "varies"
    activation_bytes: int


def format_shape(shape):
    """A shape, or a list of shapes, as the tables print it.

    Example:
        >>> from cnn_course.analysis import format_shape
        >>> format_shape((None, 28, 28, 6))
        '(None, 28, 28, 6)'
        >>> format_shape([(None, 4), (None, 2)])
        '(None, 4), (None, 2)'
    """
    if isinstance(shape, list):
        return ", ".join(format_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _render_table(header, body, footer=None, aligns=None):
    """Lines of a fixed-width text table: header, rule, body, rule, footer.

    Cells are strings; columns are two spaces apart and as wide as their
    widest cell. ``aligns`` has one letter per column, ``"l"`` (left, the
    default) or ``"r"`` (right).
    """
    aligns = aligns or "l" * len(header)
    table = [header, *body] + ([footer] if footer is not None else [])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            cell.rjust(width) if align == "r" else cell.ljust(width)
            for cell, width, align in zip(cells, widths, aligns)
        ).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [line(header), rule, *map(line, body)]
    return lines + ([rule, line(footer)] if footer is not None else [])


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


def _check_built(model):
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`model` must be a keras.Model. Received: {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"`model` must be built (call it on an input or give it an Input) "
            f"to count its parameters. Received: unbuilt {type(model).__name__}"
        )


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
        rows: one :class:`LayerCost` per layer call, in the order of
            ``model.layers``; a nested model's rows (``"inner/layer"``) stand
            where the nested model is.
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
                format_shape(row.output_shape),
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
        lines = [f"Model: {self.model_name}"]
        lines += _render_table(header, body, footer, aligns="lllrrrr")
        lines.append(
            f"{human_count(self.total_macs)} multiply-adds, "
            f"{self.total_params:,} parameters"
        )
        return "\n".join(lines)

    __repr__ = __str__


def _shape(tensor):
    return tuple(tensor.shape)


def _size(shape):
    return math.prod(shape[1:])


def _sides(value, rank):
    """A window argument as a tuple of ``rank`` sides."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank


def _channels(layer, shape):
    channels_first = getattr(layer, "data_format", None) == "channels_first"
    return shape[1] if channels_first else shape[-1]


def _window(layer, rank):
    """(kernel, stride, dilation) of a sliding-window layer over ``rank``
    spatial axes, or None."""
    ones = (1,) * rank
    if isinstance(layer, (*_CONVOLUTIONS, *_DEPTHWISE, *_SEPARABLE, *_TRANSPOSED)):
        return layer.kernel_size, layer.strides, layer.dilation_rate
    if isinstance(layer, _POOLING):
        return layer.pool_size, layer.strides, ones
    if isinstance(layer, course_layers.ConnectionTableConv2D):
        return _sides(layer.kernel_size, rank), ones, ones
    if isinstance(layer, course_layers.TrainableSubsampling):
        pool = _sides(layer.pool_size, rank)
        return pool, pool, ones
    return None


def _macs(layer, in_shape, out_shape):
    """Multiply-adds of one example through ``layer`` (see module docstring)."""
    if isinstance(layer, _CONVOLUTIONS):
        kernel = math.prod(layer.kernel_size)
        return _size(out_shape) * kernel * _channels(layer, in_shape) // layer.groups
    if isinstance(layer, _DEPTHWISE):
        return _size(out_shape) * math.prod(layer.kernel_size)
    if isinstance(layer, _SEPARABLE):
        positions = _size(out_shape) // layer.filters
        depthwise_channels = _channels(layer, in_shape) * layer.depth_multiplier
        kernel = math.prod(layer.kernel_size)
        return positions * depthwise_channels * (kernel + layer.filters)
    if isinstance(layer, _TRANSPOSED):
        return _size(in_shape) * math.prod(layer.kernel_size) * layer.filters
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
    if isinstance(layer, NO_MACS):
        return 0
    if not isinstance(layer, keras.layers.Layer):
        raise ValueError(
            f"analyze() cannot count operation {layer.name!r} "
            f"({type(layer).__name__}), a keras.ops call in the model's graph. "
            f"Use the matching keras.layers layer (e.g. keras.layers.Add for "
            f"keras.ops.add), or count it by hand."
        )
    raise ValueError(
        f"analyze() cannot count layer {layer.name!r} of class "
        f"{type(layer).__name__}: it counts convolutions, dense layers, the "
        f"course's layers and the layers without multiply-adds listed in "
        f"cnn_course.analysis.NO_MACS. Count this one by hand."
    )


def _input_field(tensor):
    """Receptive field and jump of a model input: one pixel, one pixel apart."""
    ones = (1,) * max(len(tensor.shape) - 2, 0)
    return ones, ones


def _field(layer, known, in_shape):
    """Receptive field and jump of a layer's outputs, from its inputs'."""
    fields = [rf for rf, _ in known]
    if _GLOBAL in fields:
        return _GLOBAL, None
    dense_on_vector = isinstance(layer, keras.layers.Dense) and len(in_shape) == 2
    if isinstance(layer, _GLOBAL_LAYERS) or dense_on_vector:
        return _GLOBAL, None
    if _VARIES in fields:
        return _VARIES, None
    rf = tuple(map(max, itertools.zip_longest(*fields, fillvalue=1)))
    jump = tuple(map(max, itertools.zip_longest(*(j for _, j in known), fillvalue=1)))
    window = _window(layer, len(rf))
    if window is None:
        return rf, jump
    kernel, stride, dilation = window
    rf = tuple(r + (k - 1) * d * j for r, k, d, j in zip(rf, kernel, dilation, jump))
    if isinstance(layer, _TRANSPOSED):
        # Stride s spreads each input over s outputs: the outputs' fields
        # differ from one to the next, so no single number describes them.
        return (rf, jump) if set(stride) == {1} else (_VARIES, None)
    return rf, tuple(j * s for j, s in zip(jump, stride))


def _check_sizes(layer, name, shapes):
    for shape in shapes:
        if None in shape[1:]:
            raise ValueError(
                f"analyze() needs every size, but layer {name!r} "
                f"({type(layer).__name__}) has a tensor of shape "
                f"{format_shape(shape)}. Build the model with a fixed input "
                f"size, e.g. keras.Input((224, 224, 3)) instead of "
                f"keras.Input((None, None, 3))."
            )


def _call_cost(layer, node, name, known, counted, bytes_per_value):
    """The row of one call of a (non-model) layer, and its outputs' field."""
    in_shapes = [_shape(t) for t in node.input_tensors]
    out_shapes = [_shape(t) for t in node.outputs]
    _check_sizes(layer, name, in_shapes + out_shapes)
    macs = _macs(layer, in_shapes[0], out_shapes[0])
    rf, jump = _field(layer, known, in_shapes[0])
    params = 0 if id(layer) in counted else layer.count_params()
    counted.add(id(layer))
    row = LayerCost(
        name=name,
        type=type(layer).__name__,
        output_shape=out_shapes[0] if len(out_shapes) == 1 else out_shapes,
        params=params,
        macs=macs,
        receptive_field=rf if rf in (_GLOBAL, _VARIES) else max(rf, default=1),
        activation_bytes=sum(_size(s) for s in out_shapes) * bytes_per_value,
    )
    return row, (rf, jump)


def _rows(model, input_fields, prefix, counted, bytes_per_value):
    """Rows of every layer call of ``model`` (nested models laid flat) in the
    order of ``model.layers``, and the fields of the model's outputs.

    ``input_fields`` are those of the model's inputs; None for the
    analysed model itself (one pixel each).
    """
    names = {}
    for layer, nodes in _graph.calls_by_layer(model):
        for number, node in enumerate(nodes, start=1):
            call = "" if number == 1 else f" (call {number})"
            names[id(node)] = f"{prefix}{layer.name}{call}"
    if input_fields is None:
        input_fields = [_input_field(t) for t in model.inputs]
    fields = {id(t): field for t, field in zip(model.inputs, input_fields)}
    rows_of_call = {}
    for node in _graph.calls(model):
        layer, name = node.operation, names.get(id(node), node.operation.name)
        known = [fields[id(t)] for t in node.input_tensors]
        if isinstance(layer, keras.Model):
            rows, out_fields = _rows(layer, known, f"{name}/", counted, bytes_per_value)
        else:
            row, field = _call_cost(layer, node, name, known, counted, bytes_per_value)
            rows, out_fields = [row], [field] * len(node.outputs)
        fields.update(zip(map(id, node.outputs), out_fields))
        rows_of_call[id(node)] = rows
    rows = [
        row
        for _, nodes in _graph.calls_by_layer(model)
        for node in nodes
        for row in rows_of_call[id(node)]
    ]
    return rows, [fields[id(t)] for t in model.outputs]


def analyze(model, bytes_per_value=4):
    """Analyse a built model layer by layer.

    Args:
        model: a built functional or ``Sequential`` Keras model whose input
            has a fixed size. Models used as layers inside it are laid
            flat; shared layers count once per call (see the module
            docstring for the conventions).
        bytes_per_value: bytes per activation (4 for float32, 2 for
            bfloat16).

    Returns:
        An :class:`Analysis`; print it, or read ``rows``, ``total_macs``,
        ``group(prefix)``.

    Raises:
        ValueError: for a layer it cannot count (the message names it), or
            a tensor of unknown size.

    Example:
        >>> from cnn_course.analysis import analyze
        >>> from cnn_course.models import vgg16
        >>> analysis = analyze(vgg16())
        >>> round(analysis.total_macs / 1e9, 2)
        15.47
        >>> analysis.row("block5_pool").receptive_field
        212
    """
    _check_built(model)
    rows, _ = _rows(model, None, "", set(), bytes_per_value)
    return Analysis(model.name, rows)


@dataclasses.dataclass
class LayerTable:
    """Rows of ``(name, type, output shape, parameters)``, one per layer.

    Shows itself as a fixed-width text table with a total line; ``rows``
    keeps the values for programs.
    """

    rows: list
    title: str = ""

    @property
    def total_params(self):
        """Sum of the parameter column."""
        return sum(row[3] for row in self.rows)

    def __str__(self):
        header = ("Layer", "Type", "Output shape", "Params")
        body = [
            (name, kind, format_shape(shape), f"{params:,}")
            for name, kind, shape, params in self.rows
        ]
        footer = ("Total", "", "", f"{self.total_params:,}")
        lines = [self.title] if self.title else []
        lines += _render_table(header, body, footer, aligns="lllr")
        return "\n".join(lines)

    __repr__ = __str__


def _output_shape(layer):
    output = layer.output
    if isinstance(output, (list, tuple)):
        return [_shape(t) for t in output]
    return _shape(output)


def layer_table(model):
    """Output shape and parameter count of every layer of a built model.

    The d2l-style shape walk: read down the table to watch height and width
    shrink while channels grow. Parameters are all weights of the layer,
    trainable or not (BatchNorm's moving statistics included), as in
    ``model.summary()``. :func:`analyze` adds multiply-adds, receptive fields
    and activation memory.

    Args:
        model: a built Keras model.

    Returns:
        A :class:`LayerTable`; print it, or read its ``rows``.

    Example:
        >>> from cnn_course.models import lenet5
        >>> from cnn_course.analysis import layer_table
        >>> table = layer_table(lenet5())
        >>> table.rows[0]
        ('c1', 'Conv2D', (None, 28, 28, 6), 156)
        >>> table.total_params
        61706
    """
    rows = [
        (layer.name, type(layer).__name__, _output_shape(layer), layer.count_params())
        for layer in model.layers
    ]
    return LayerTable(rows, title=f"Model: {model.name}")
