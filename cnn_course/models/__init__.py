"""The course's architectures and a registry to build them by name.

One module per family: :mod:`~cnn_course.models.lenet`,
:mod:`~cnn_course.models.alexnet`, :mod:`~cnn_course.models.vgg`,
:mod:`~cnn_course.models.nin`, :mod:`~cnn_course.models.googlenet`,
:mod:`~cnn_course.models.resnet` (with SE-ResNet) and
:mod:`~cnn_course.models.geron`. Most families come in two flavours: as the
paper built it, and as a source notebook (``seed000`` to ``seed003``) coded
it, so that the chapters can show both.
"""

import functools

from .alexnet import alexnet, alexnet_bn, alexnet_seed002, alexnet_small_bn
from .geron import fashion_cnn
from .googlenet import googlenet, googlenet_seed001
from .lenet import lenet5, lenet5_paper, lenet5_seed002
from .nin import network_in_network, nin_seed002
from .pretrained import load_imagenet_weights
from .resnet import resnet, resnet_seed001, resnet_small, se_resnet50
from .vgg import vgg, vgg16, vgg16_seed002, vgg19

_REGISTRY = {
    # LeNet-5
    "lenet5": lenet5,
    "lenet5_paper": lenet5_paper,
    "lenet5_seed002": lenet5_seed002,
    # AlexNet
    "alexnet": alexnet,
    "alexnet_one_tower": functools.partial(
        alexnet, towers=1, lrn=False, name="alexnet_one_tower"
    ),
    "alexnet_small_bn": alexnet_small_bn,
    "alexnet_bn": alexnet_bn,
    "alexnet_seed002": alexnet_seed002,
    # VGG
    "vgg11": functools.partial(vgg, "A", name="vgg11"),
    "vgg11_lrn": functools.partial(vgg, "A-LRN", name="vgg11_lrn"),
    "vgg13": functools.partial(vgg, "B", name="vgg13"),
    "vgg16_c": functools.partial(vgg, "C", name="vgg16_c"),
    "vgg16": vgg16,
    "vgg19": vgg19,
    "vgg16_seed002": vgg16_seed002,
    # Network in Network
    "nin": network_in_network,
    "nin_seed002": nin_seed002,
    # GoogLeNet
    "googlenet": googlenet,
    "googlenet_seed001": googlenet_seed001,
    # ResNet and SENet
    **{
        f"resnet{depth}": functools.partial(resnet, depth)
        for depth in (18, 34, 50, 101, 152)
    },
    "se_resnet50": se_resnet50,
    "resnet_small": resnet_small,
    "resnet_seed001": resnet_seed001,
    # Geron's Fashion-MNIST CNN
    "fashion_cnn": fashion_cnn,
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
    "alexnet_bn",
    "alexnet_seed002",
    "alexnet_small_bn",
    "build_model",
    "fashion_cnn",
    "googlenet",
    "googlenet_seed001",
    "lenet5",
    "lenet5_paper",
    "lenet5_seed002",
    "list_models",
    "load_imagenet_weights",
    "network_in_network",
    "nin_seed002",
    "resnet",
    "resnet_seed001",
    "resnet_small",
    "se_resnet50",
    "vgg",
    "vgg16",
    "vgg16_seed002",
    "vgg19",
]
