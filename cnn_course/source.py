"""Model code written out in a chapter, checked against the package's.

The chapters show a network's code in a cell (so it reads the same in the
book and in Colab) and then check that it builds the network the package
builds, with :func:`assert_same_network`.
"""

import keras

from .analysis import format_shape


def _describe(layer):
    """(type, output shape, parameters, configuration without the name)."""
    config = dict(layer.get_config())
    config.pop("name", None)
    output = layer.output
    if isinstance(output, (list, tuple)):
        shape = [tuple(tensor.shape) for tensor in output]
    else:
        shape = tuple(output.shape)
    return type(layer).__name__, shape, layer.count_params(), config


def _layers(model):
    """The model's layers without its input layers."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _wiring(model):
    """For each layer of :func:`_layers`, where its inputs come from: the
    1-based position of the layer that computes each, or ``"input k"``.

    Read from the model's configuration (each layer's inbound nodes name the
    layers whose outputs it reads); a ``Sequential`` model is a chain.
    """
    layers = _layers(model)
    if isinstance(model, keras.Sequential):
        return [["input 1"]] + [[f"layer {position}"] for position in range(1, len(layers))]
    inputs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.InputLayer)]
    where = {name: f"input {k}" for k, name in enumerate(inputs, start=1)}
    where.update({layer.name: f"layer {k}" for k, layer in enumerate(layers, start=1)})

    def sources(node):
        if isinstance(node, dict):
            if "keras_history" in node:
                return [where.get(node["keras_history"][0], "?")]
            return [found for value in node.values() for found in sources(value)]
        if isinstance(node, (list, tuple)):
            return [found for value in node for found in sources(value)]
        return []

    configs = {entry["name"]: entry for entry in model.get_config()["layers"]}
    return [sources(configs[layer.name].get("inbound_nodes", [])) for layer in layers]


def _summary(row):
    kind, shape, params, _ = row
    return f"{kind} {format_shape(shape)} with {params:,} parameters"


def assert_same_network(model, reference):
    """Check that two models have the same layers, in the same order, wired
    the same way.

    Layer by layer: the same type, output shape, number of parameters and
    configuration (activation, kernel size, strides, padding, rates, ...),
    and the same inputs: each layer reads the outputs of the layers at the
    same positions (a residual block whose shortcut leaves from its first
    convolution instead of its input has the right layers and shapes, but
    not the right wiring).
    Layer names are ignored, and so are the weights' values. Input layers
    are skipped (the first layer's output shape reflects the input), so a
    functional model can be checked against a ``Sequential`` one.

    Args:
        model: a built Keras model, e.g. written out in a notebook.
        reference: the built model to compare it with, e.g. the package's.

    Raises:
        TypeError: if either argument is not a ``keras.Model``.
        AssertionError: naming the first layer that differs, and how.

    Example:
        >>> import keras
        >>> from cnn_course.models import lenet5
        >>> from cnn_course.source import assert_same_network
        >>> mine = keras.Sequential([
        ...     keras.Input((32, 32, 1)),
        ...     keras.layers.Conv2D(6, 5, activation="relu"),
        ...     keras.layers.AveragePooling2D(2, strides=2),
        ...     keras.layers.Conv2D(16, 5, activation="relu"),
        ...     keras.layers.AveragePooling2D(2, strides=2),
        ...     keras.layers.Flatten(),
        ...     keras.layers.Dense(120, activation="relu"),
        ...     keras.layers.Dense(84, activation="relu"),
        ...     keras.layers.Dense(10, activation="softmax"),
        ... ])
        >>> assert_same_network(mine, lenet5())
        >>> assert_same_network(mine, lenet5(activation="tanh"))
        Traceback (most recent call last):
        ...
        AssertionError: layer 1 differs: Conv2D (None, 28, 28, 6) with 156 parameters in both, but activation is 'relu' against 'tanh'
    """
    for name, value in (("model", model), ("reference", reference)):
        if not isinstance(value, keras.Model):
            raise TypeError(
                f"`{name}` must be a keras.Model. Received: {name} of type "
                f"{type(value).__name__}"
            )
    mine = [_describe(layer) for layer in _layers(model)]
    theirs = [_describe(layer) for layer in _layers(reference)]
    for index, (a, b) in enumerate(zip(mine, theirs), start=1):
        if a[:3] != b[:3]:
            raise AssertionError(
                f"layer {index} differs: {_summary(a)} against {_summary(b)}"
            )
        keys = sorted(set(a[3]) | set(b[3]))
        differing = [key for key in keys if a[3].get(key) != b[3].get(key)]
        if differing:
            details = ", ".join(
                f"{key} is {a[3].get(key)!r} against {b[3].get(key)!r}" for key in differing
            )
            raise AssertionError(
                f"layer {index} differs: {_summary(a)} in both, but {details}"
            )
    if len(mine) != len(theirs):
        longer, which = (mine, "model") if len(mine) > len(theirs) else (theirs, "reference")
        extra = longer[min(len(mine), len(theirs))]
        raise AssertionError(
            f"model has {len(mine)} layers, reference {len(theirs)}: the {which} "
            f"goes on with {_summary(extra)}"
        )
    for index, (row, a, b) in enumerate(zip(mine, _wiring(model), _wiring(reference)), start=1):
        if a != b:
            raise AssertionError(
                f"layer {index} ({_summary(row)}) is wired differently: it reads "
                f"{', '.join(a)} against {', '.join(b)}"
            )
