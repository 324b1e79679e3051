"""Companion package of the course "Classic CNN Architectures".

The chapters import their models, data and figures from here, and so can
your own programs::

    import cnn_course

    model = cnn_course.build_model("vgg16", input_shape=(64, 64, 3), classes=10)
    print(cnn_course.viz.layer_table(model))

Modules: :mod:`cnn_course.models` (architectures and the registry),
:mod:`cnn_course.layers` (LRN, spatial pyramid pooling, squeeze-and-excitation
and LeNet-5's layers), :mod:`cnn_course.analysis` (parameters, multiply-adds,
receptive fields), :mod:`cnn_course.data` (data sets), :mod:`cnn_course.viz`
(diagrams and tables), :mod:`cnn_course.settings` (quick mode).
"""

__version__ = "0.1.0"

from . import analysis, data, layers, models, settings, train, viz
from .models import build_model, list_models

__all__ = [
    "__version__",
    "analysis",
    "build_model",
    "data",
    "layers",
    "list_models",
    "models",
    "settings",
    "viz",
]
