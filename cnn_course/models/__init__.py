"""The course's architectures and a registry to build them by name.

Each family lives in its own module (:mod:`cnn_course.models.lenet`,
:mod:`cnn_course.models.alexnet`, :mod:`cnn_course.models.vgg`); this
package re-exports the builders and maps names to them.
"""

import functools

from .alexnet import alexnet, alexnet_small_bn
from .lenet import lenet5
from .vgg import vgg, vgg16, vgg19

_REGISTRY = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "alexnet_small_bn": alexnet_small_bn,
    "vgg11": functools.partial(vgg, "A", name="vgg11"),
    "vgg13": functools.partial(vgg, "B", name="vgg13"),
    "vgg16_c": functools.partial(vgg, "C", name="vgg16_c"),
    "vgg16": vgg16,
    "vgg19": vgg19,
}


def list_models():
    """Names accepted by :func:`build_model`, sorted.

    Example:
        >>> from cnn_course import list_models
        >>> "vgg16" in list_models()
        True
    """
    return sorted(_REGISTRY)


def build_model(name, **kwargs):
    """Build a registered architecture by name.

    Args:
        name: one of :func:`list_models`.
        **kwargs: passed to the builder, e.g. ``input_shape`` and ``classes``.

    Returns:
        A new, untrained ``keras.Model``.

    Raises:
        ValueError: if ``name`` is not registered; the message lists the
            valid names.

    Example:
        >>> from cnn_course import build_model
        >>> model = build_model("lenet5", input_shape=(28, 28, 1), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"Unknown model `name`: {name!r}. "
            f"Valid names: {', '.join(list_models())}."
        )
    return _REGISTRY[name](**kwargs)


__all__ = [
    "alexnet",
    "alexnet_small_bn",
    "build_model",
    "lenet5",
    "list_models",
    "vgg",
    "vgg16",
    "vgg19",
]
