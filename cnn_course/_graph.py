"""Walking a built Keras model as a graph of layers."""

import keras


def input_tensors(layer):
    """The tensors a layer reads, as a list."""
    inputs = layer.input
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def producer(tensor):
    """The layer that produced ``tensor``, or ``None`` for a model input.

    Reads the tensor's Keras history rather than comparing tensor objects:
    a ``Sequential`` model rebuilds its graph on every ``add``, so a layer's
    ``input`` and its predecessor's ``output`` can be different objects.
    """
    history = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    if operation is None or isinstance(operation, keras.layers.InputLayer):
        return None
    return operation


def _functional(model):
    """The Keras graph of a functional or ``Sequential`` model."""
    graph = getattr(model, "_functional", model)  # Sequential keeps one inside
    if not hasattr(graph, "_nodes_by_depth"):
        raise ValueError(
            f"Cannot read the layers of model {model.name!r} "
            f"({type(model).__name__}): only functional and Sequential models "
            f"built on an input (keras.Input) have a graph of layers to walk. "
            f"Build it with the functional API or keras.Sequential."
        )
    return graph


def calls(model):
    """Every layer call of a built functional or ``Sequential`` model.

    Returns Keras nodes (``node.operation`` is the layer; ``node.input_tensors``
    and ``node.outputs`` its tensors), each after the calls whose outputs it
    reads. A layer called twice (a shared layer) has two nodes; a model used
    as a layer has one node per call.
    """
    by_depth = _functional(model)._nodes_by_depth
    return [
        node
        for depth in sorted(by_depth, reverse=True)
        for node in by_depth[depth]
        if not node.is_input
    ]


def calls_by_layer(model):
    """``(layer, nodes)`` for each of ``model.layers``, in that order.

    ``nodes`` are the layer's calls inside this model (see :func:`calls`),
    first call first; empty for an input layer.
    """
    inside = {id(node) for node in calls(model)}
    return [
        (layer, [node for node in layer._inbound_nodes if id(node) in inside])
        for layer in model.layers
    ]
