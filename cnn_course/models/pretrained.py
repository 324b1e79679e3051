"""ImageNet weights for the course's VGG-16/19 and ResNet-50/101/152.

``keras.applications`` ships ImageNet weights for the same networks: VGG-16
and VGG-19 converted from the paper's released Caffe models, and ResNet-50,
-101 and -152 converted from the ResNet paper's. :func:`load_imagenet_weights`
copies them into the models of :mod:`cnn_course.models`, so a student can
use a paper-faithful, pretrained network in their own work::

    import keras
    from cnn_course.models import load_imagenet_weights, resnet

    model = load_imagenet_weights(resnet(50), "resnet50")
    x = keras.applications.resnet.preprocess_input(images)  # RGB, 0-255
    top5 = keras.applications.resnet.decode_predictions(model.predict(x), top=5)

Keras downloads the weights file the first time (into
``$KERAS_HOME/models/``, ``~/.keras/models/`` by default). The networks
expect the inputs their weights were trained on: RGB images in 0-255
passed through the source's ``preprocess_input``
(``keras.applications.vgg16``, ``.vgg19`` or ``.resnet``), which, for all
five, swaps RGB to BGR and subtracts the ImageNet mean pixel (B, G, R =
103.939, 116.779, 123.68), without scaling: the Caffe convention.
"""

import keras
import numpy as np

#: Accepted ``source`` names and their keras.applications constructors.
IMAGENET_SOURCES = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet152": "ResNet152",
}

#: Classes of the ImageNet classifier (ILSVRC 2012).
IMAGENET_CLASSES = 1000


def _weighted_layers(model, label):
    """The model's Conv2D and Dense layers in graph order, each with the
    BatchNormalization that reads its output (or None)."""
    norms = {
        id(layer.input): layer
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    }
    units = []
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            units.append((layer, norms.pop(id(layer.output), None)))
        elif layer.weights and not isinstance(layer, keras.layers.BatchNormalization):
            raise ValueError(
                f"{label} has a layer with weights that is not a Conv2D, Dense "
                f"or BatchNormalization after a convolution: {layer.name!r} "
                f"({type(layer).__name__}). ImageNet weights exist only for "
                f"{', '.join(IMAGENET_SOURCES)}."
            )
    if norms:
        names = ", ".join(repr(layer.name) for layer in norms.values())
        raise ValueError(
            f"{label} has BatchNormalization layers that do not follow a "
            f"convolution ({names}); ImageNet weights exist only for "
            f"{', '.join(IMAGENET_SOURCES)}."
        )
    return units


def _numpy(variable):
    return keras.ops.convert_to_numpy(variable).astype("float64")


def _assign(variable, value):
    variable.assign(np.asarray(value, dtype=variable.dtype))


def _copy_norm(ours, theirs, bias):
    """Copy BatchNorm statistics, folding the conv ``bias`` into the mean and
    the difference of the epsilons into the variance, so that ours computes
    ``BN_theirs(conv + bias)`` from a bias-free convolution."""
    for norm in (ours, theirs):
        if not (norm.center and norm.scale):
            raise ValueError(
                f"BatchNormalization {norm.name!r} has no beta or gamma; "
                "cannot copy ImageNet weights into or from it."
            )
    _assign(ours.gamma, _numpy(theirs.gamma))
    _assign(ours.beta, _numpy(theirs.beta))
    _assign(ours.moving_mean, _numpy(theirs.moving_mean) - bias)
    variance = _numpy(theirs.moving_variance) + theirs.epsilon - ours.epsilon
    _assign(ours.moving_variance, variance)


def _copy(ours, theirs, source_name):
    """Copy one Conv2D or Dense layer (and its BatchNorm) from ``theirs``."""
    (layer, norm), (their_layer, their_norm) = ours, theirs
    mismatch = (
        type(layer) is not type(their_layer)
        or tuple(layer.kernel.shape) != tuple(their_layer.kernel.shape)
        or getattr(layer, "strides", None) != getattr(their_layer, "strides", None)
        or (norm is None) != (their_norm is None)
    )
    if mismatch:
        def describe(layer, norm):
            strides = f", strides {layer.strides}" if hasattr(layer, "strides") else ""
            after = " + BatchNormalization" if norm is not None else ""
            return (
                f"{layer.name!r} ({type(layer).__name__}, kernel "
                f"{tuple(layer.kernel.shape)}{strides}{after})"
            )

        raise ValueError(
            f"The model does not have the structure of {source_name}: its layer "
            f"{describe(layer, norm)} meets {describe(their_layer, their_norm)}. "
            "Build the matching architecture (e.g. resnet(50) for 'resnet50'); "
            "with the classifier, VGG needs input_shape=(224, 224, 3)."
        )
    _assign(layer.kernel, _numpy(their_layer.kernel))
    bias = _numpy(their_layer.bias) if their_layer.use_bias else 0.0
    if layer.use_bias:
        _assign(layer.bias, np.broadcast_to(bias, layer.bias.shape))
    elif norm is not None:
        _copy_norm(norm, their_norm, bias)
        return
    elif np.any(bias):
        raise ValueError(
            f"{layer.name!r} has no bias and no BatchNormalization to fold "
            f"{their_layer.name!r}'s bias into; build it with use_bias=True."
        )
    if norm is not None:
        _copy_norm(norm, their_norm, 0.0)


def _imagenet_model(source, include_top):
    """Build the keras.applications model with its ImageNet weights."""
    constructor = IMAGENET_SOURCES[source]
    suffix = "" if include_top else "_notop"
    file_name = f"{source}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    try:
        return getattr(keras.applications, constructor)(
            weights="imagenet", include_top=include_top
        )
    except Exception as error:
        raise RuntimeError(
            f"Could not load the ImageNet weights of keras.applications."
            f"{constructor}(include_top={include_top}): Keras downloads "
            f"{file_name} into $KERAS_HOME/models/ (~/.keras/models/ by "
            f"default) and that step failed: {error}. Fix: connect to the "
            "internet and call again, or copy that file there yourself."
        ) from error


def load_imagenet_weights(model, source):
    """Copy ImageNet weights from keras.applications into ``model``.

    Layers are matched by structure, not by name: the Conv2D and Dense
    layers of both models in graph order, each with the BatchNormalization
    that follows it. Every kernel shape and stride is checked on the way.
    keras.applications' ResNets give their convolutions a bias before
    BatchNorm; ours are bias-free (as in the paper), so the bias ``b`` is
    folded into the moving mean (``mean - b``), and any difference of the
    BatchNorm epsilons into the variance (there is none today: both use
    1.001e-5, the smallest TensorFlow's fused kernel accepts): the outputs
    are the same up to float rounding.

    As in keras.applications, a model with its classifier needs
    ``classes=1000`` (VGG also its 224x224 input); a model without it
    (``include_top=False``) takes the convolutional weights at any input
    size. Preprocess images with the source's ``preprocess_input`` (see the
    module docstring).

    Args:
        model: a model of :mod:`cnn_course.models` with the architecture of
            ``source``: ``vgg16()``, ``vgg19()``, ``resnet(50)``,
            ``resnet(101)`` or ``resnet(152)``.
        source: ``"vgg16"``, ``"vgg19"``, ``"resnet50"``, ``"resnet101"``
            or ``"resnet152"``, whose ImageNet weights Keras downloads; or a
            keras.applications model you built yourself (e.g. from a
            weights file), whose weights are copied as they are.

    Returns:
        ``model``, with its weights replaced.

    Raises:
        ValueError: ``source`` is unknown, ``model`` has another
            architecture, or its classifier does not have 1000 classes.
        RuntimeError: the weights could not be downloaded or read; the
            message names the file and the fix.

    Example:
        >>> import keras
        >>> from cnn_course.models import vgg16
        >>> from cnn_course.models.pretrained import load_imagenet_weights
        >>> source = keras.applications.VGG16(weights=None, input_shape=(32, 32, 3))
        >>> model = load_imagenet_weights(vgg16(input_shape=(32, 32, 3)), source)
        >>> bool((model.get_layer("fc1").kernel.numpy()
        ...       == source.get_layer("fc1").kernel.numpy()).all())
        True
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`model` must be a keras.Model. Received: model={model!r}"
        )
    names = ", ".join(repr(s) for s in IMAGENET_SOURCES)
    if isinstance(source, keras.Model):
        source_model, source_name = source, f"the source model {source.name!r}"
    elif isinstance(source, str) and source in IMAGENET_SOURCES:
        source_model, source_name = None, f"keras.applications.{IMAGENET_SOURCES[source]}"
    else:
        error = ValueError if isinstance(source, str) else TypeError
        raise error(
            f"`source` must be one of {names}, or a keras.applications model. "
            f"Received: source={source!r}"
        )
    ours = _weighted_layers(model, f"Model {model.name!r}")
    dense = [layer for layer, _ in ours if isinstance(layer, keras.layers.Dense)]
    if dense and source_model is None and dense[-1].units != IMAGENET_CLASSES:
        raise ValueError(
            f"`classes` must be {IMAGENET_CLASSES} to load the ImageNet "
            f"classifier: model {model.name!r} has {dense[-1].units} classes. "
            "Build it with classes=1000, or without the classifier "
            "(include_top=False) to reuse the ImageNet features."
        )
    if source_model is None:
        source_model = _imagenet_model(source, include_top=bool(dense))
    theirs = _weighted_layers(source_model, source_name)
    if len(ours) != len(theirs):
        raise ValueError(
            f"The model does not have the structure of {source_name}: "
            f"{len(ours)} Conv2D and Dense layers against {len(theirs)}. Build "
            "the matching architecture (e.g. resnet(50) for 'resnet50'), with "
            "the classifier in both or in neither."
        )
    for pair in zip(ours, theirs):
        _copy(*pair, source_name)
    return model
