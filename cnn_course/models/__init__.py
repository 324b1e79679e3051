"""The course's architectures and a registry to build them by name.

One module per family: :mod:`~cnn_course.models.lenet`,
:mod:`~cnn_course.models.alexnet`, :mod:`~cnn_course.models.vgg`,
:mod:`~cnn_course.models.nin`, :mod:`~cnn_course.models.googlenet`,
:mod:`~cnn_course.models.resnet` (with SE-ResNet) and
:mod:`~cnn_course.models.geron`. Most families come in two flavours: as the
paper built it, and as a source notebook (``seed000`` to ``seed003``) coded
it, so that the chapters can show both.

Every registered name is also a function of this package, as in
torchvision: ``build_model("vgg13", classes=10)`` and
``models.vgg13(classes=10)`` build the same network. The builders take
``keras.applications``' arguments, ``input_shape``, ``classes``,
``include_top``, ``pooling`` and ``classifier_activation``, except the seed
reproductions, which keep their notebook's fixed head.
"""

import dataclasses
import inspect
from typing import Callable

from .. import _checks
from .alexnet import (
    ALEXNET_MIN_SIDE,
    ALEXNET_SMALL_BN_MIN_SIDE,
    alexnet,
    alexnet_bn,
    alexnet_one_tower,
    alexnet_seed002,
    alexnet_small_bn,
)
from .geron import FASHION_CNN_MIN_SIDE, fashion_cnn
from .googlenet import (
    GOOGLENET_MIN_SIDE,
    GOOGLENET_SEED001_MIN_SIDE,
    googlenet,
    googlenet_seed001,
)
from .lenet import LENET5_MIN_SIDE, LENET5_PAPER_MIN_SIDE, lenet5, lenet5_paper, lenet5_seed002
from .nin import NIN_MIN_SIDE, NIN_SEED002_MIN_SIDE, network_in_network, nin, nin_seed002
from .pretrained import load_imagenet_weights
from .resnet import (
    RESNET_MIN_SIDE,
    RESNET_SEED001_MIN_SIDE,
    resnet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnet_seed001,
    resnet_small,
    se_resnet50,
)
from .vgg import (
    VGG_MIN_SIDE,
    vgg,
    vgg11,
    vgg11_lrn,
    vgg13,
    vgg16,
    vgg16_c,
    vgg16_seed002,
    vgg19,
)

#: Where a registered model comes from. ``"paper"``, as its paper built it;
#: ``"seed"``, a source notebook's code reproduced with its quirks and bugs;
#: ``"modern"``, a variant as today's courses build it.
SOURCES = ("paper", "seed", "modern")


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """A registry entry: what :func:`~cnn_course.build_model` needs to know.

    Attributes:
        name: the registered name, also the builder's name.
        builder: the function that builds the model.
        source: one of :data:`SOURCES`.
        min_side: smallest input height and width the builder accepts with
            its default arguments.
    """

    name: str
    builder: Callable
    source: str
    min_side: int

    @property
    def input_shape(self):
        """The builder's default ``(height, width, channels)``."""
        return inspect.signature(self.builder).parameters["input_shape"].default


_MODELS = (
    # LeNet-5
    ModelInfo("lenet5", lenet5, "modern", LENET5_MIN_SIDE),
    ModelInfo("lenet5_paper", lenet5_paper, "paper", LENET5_PAPER_MIN_SIDE),
    ModelInfo("lenet5_seed002", lenet5_seed002, "seed", LENET5_MIN_SIDE),
    # AlexNet
    ModelInfo("alexnet", alexnet, "paper", ALEXNET_MIN_SIDE),
    ModelInfo("alexnet_one_tower", alexnet_one_tower, "modern", ALEXNET_MIN_SIDE),
    ModelInfo("alexnet_small_bn", alexnet_small_bn, "seed", ALEXNET_SMALL_BN_MIN_SIDE),
    ModelInfo("alexnet_bn", alexnet_bn, "seed", ALEXNET_MIN_SIDE),
    ModelInfo("alexnet_seed002", alexnet_seed002, "seed", ALEXNET_MIN_SIDE),
    # VGG
    ModelInfo("vgg11", vgg11, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg11_lrn", vgg11_lrn, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg13", vgg13, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg16_c", vgg16_c, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg16", vgg16, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg19", vgg19, "paper", VGG_MIN_SIDE),
    ModelInfo("vgg16_seed002", vgg16_seed002, "seed", VGG_MIN_SIDE),
    # Network in Network
    ModelInfo("nin", nin, "paper", NIN_MIN_SIDE),
    ModelInfo("nin_seed002", nin_seed002, "seed", NIN_SEED002_MIN_SIDE),
    # GoogLeNet
    ModelInfo("googlenet", googlenet, "paper", GOOGLENET_MIN_SIDE),
    ModelInfo("googlenet_seed001", googlenet_seed001, "seed", GOOGLENET_SEED001_MIN_SIDE),
    # ResNet and SENet
    ModelInfo("resnet18", resnet18, "paper", RESNET_MIN_SIDE),
    ModelInfo("resnet34", resnet34, "paper", RESNET_MIN_SIDE),
    ModelInfo("resnet50", resnet50, "paper", RESNET_MIN_SIDE),
    ModelInfo("resnet101", resnet101, "paper", RESNET_MIN_SIDE),
    ModelInfo("resnet152", resnet152, "paper", RESNET_MIN_SIDE),
    ModelInfo("se_resnet50", se_resnet50, "paper", RESNET_MIN_SIDE),
    # 2 ** (stages - 1) for its three default stages (see resnet_small).
    ModelInfo("resnet_small", resnet_small, "modern", 4),
    ModelInfo("resnet_seed001", resnet_seed001, "seed", RESNET_SEED001_MIN_SIDE),
    # Geron's Fashion-MNIST CNN
    ModelInfo("fashion_cnn", fashion_cnn, "modern", FASHION_CNN_MIN_SIDE),
)

_REGISTRY = {info.name: info for info in _MODELS}


def list_models(source=None):
    """Names accepted by :func:`build_model`, sorted.

    Args:
        source: ``None`` for all, or one of
            :data:`~cnn_course.models.SOURCES` (``"paper"``, ``"seed"``,
            ``"modern"``) for those models only.

    Raises:
        ValueError: if ``source`` is not one of them; the message lists
            the valid ones.

    Example:
        >>> from cnn_course.models import list_models
        >>> "vgg16" in list_models()
        True
        >>> list_models(source="seed")[:3]
        ['alexnet_bn', 'alexnet_seed002', 'alexnet_small_bn']
    """
    if source is not None:
        _checks.one_of(source, "source", SOURCES)
    return sorted(
        info.name for info in _MODELS if source is None or info.source == source
    )


def model_info(name):
    """The registry entry of ``name``: builder, source, sizes.

    Raises:
        ValueError: if ``name`` is not registered; the message lists the
            valid names.

    Example:
        >>> from cnn_course.models import model_info
        >>> info = model_info("alexnet")
        >>> info.source, info.input_shape, info.min_side
        ('paper', (227, 227, 3), 67)
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"Unknown model `name`: {name!r}. "
            f"Valid names: {', '.join(list_models())}."
        )
    return _REGISTRY[name]


def build_model(name, **kwargs):
    """Build a registered architecture by name.

    Args:
        name: one of :func:`list_models`.
        **kwargs: passed to the builder, e.g. ``input_shape``, ``classes``
            or ``include_top``.

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
    return model_info(name).builder(**kwargs)


__all__ = [
    "SOURCES",
    "ModelInfo",
    "build_model",
    "list_models",
    "load_imagenet_weights",
    "model_info",
    "network_in_network",
    "resnet",
    "vgg",
    *_REGISTRY,
]
