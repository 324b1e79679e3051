"""Companion package of the course "Classic CNN Architectures".

The chapters import their models, data and figures from here, and so can
your own programs::

    import cnn_course

    model = cnn_course.build_model("vgg16", input_shape=(64, 64, 3), classes=10)
    print(cnn_course.analysis.layer_table(model))

Modules: :mod:`cnn_course.models` (architectures and the registry),
:mod:`cnn_course.layers` (LRN, spatial pyramid pooling, squeeze-and-excitation
and LeNet-5's layers), :mod:`cnn_course.analysis` (parameters, multiply-adds,
receptive fields), :mod:`cnn_course.data` (data sets and input pipelines),
:mod:`cnn_course.train` (seeds, precision, timed training),
:mod:`cnn_course.experiments` (controlled comparisons),
:mod:`cnn_course.viz` (diagrams and plots), :mod:`cnn_course.settings`
(quick mode and precision from the environment), :mod:`cnn_course.source`
(checks that a model written out in a chapter is the package's).

Submodules load on first use, so ``import cnn_course.settings`` starts no
backend: a script can set the environment before Keras is imported.
"""

import importlib

__version__ = "0.6.2"

_SUBMODULES = (
    "analysis", "data", "experiments", "layers", "models", "settings", "source", "train",
    "viz",
)

__all__ = ["__version__", "build_model", "list_models", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("build_model", "list_models"):
        return getattr(importlib.import_module(".models", __name__), name)
    raise AttributeError(f"module 'cnn_course' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
