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
