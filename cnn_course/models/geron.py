"""The Fashion-MNIST CNN of Geron's *Hands-On Machine Learning*, chapter 14.

A. Geron, "Hands-On Machine Learning with Scikit-Learn, Keras, and
TensorFlow", 2nd edition, O'Reilly 2019, chapter 14 (the model of seed 003).
"""

import keras
from keras import layers

from .. import _checks
from ._top import global_pooling

#: The convolutional part, as (filters, kernel) rows; ``"M"`` is a 2x2
#: max-pool. A large first kernel, then pairs of 3x3 convolutions whose
#: filters double after each pooling.
FEATURES = ((64, 7), "M", (128, 3), (128, 3), "M", (256, 3), (256, 3), "M")

#: Hidden dense layers, each followed by dropout 0.5.
CLASSIFIER = (128, 64)


#: Smallest input side. Three 2x2 poolings need at least 8.
FASHION_CNN_MIN_SIDE = 8


def fashion_cnn(
    input_shape=(28, 28, 1),
    classes=10,
    *,
    include_top=True,
    pooling=None,
    classifier_activation="softmax",
    dropout=0.5,
    name="fashion_cnn",
):
    """Geron's CNN for Fashion-MNIST (seed 003): 1,413,834 parameters.

    Conv 7x7 (64), max-pool 2, two conv 3x3 (128), max-pool 2, two conv 3x3
    (256), max-pool 2, then dense 128 and 64 with dropout 0.5, and a softmax.
    All convolutions are ``same``-padded with ReLU: 28 -> 14 -> 7 -> 3.

    Args:
        input_shape: ``(height, width, channels)``; each side at least 8.
        classes: number of output units.
        include_top: keep the dense layers; ``False`` ends at the last pool.
        pooling: with ``include_top=False``, ``None``, ``"avg"`` or ``"max"``.
        classifier_activation: activation of the output, or ``None`` for
            logits.
        dropout: dropout rate after each hidden dense layer.
        name: name of the model.

    Returns:
        A ``keras.Sequential`` model.

    Example:
        >>> from cnn_course.models import fashion_cnn
        >>> fashion_cnn().count_params()
        1413834
        >>> fashion_cnn(include_top=False).output_shape
        (None, 3, 3, 256)
    """
    _checks.image_shape(input_shape, FASHION_CNN_MIN_SIDE, "the Fashion-MNIST CNN")
    classes = _checks.positive_int(classes, "classes")
    _checks.top(include_top, pooling, classifier_activation)
    dropout = _checks.rate(dropout, "dropout")
    model = keras.Sequential([keras.Input(tuple(input_shape))], name=name)
    conv, pool = 1, 1
    for entry in FEATURES:
        if entry == "M":
            model.add(layers.MaxPooling2D(2, name=f"pool{pool}"))
            pool += 1
            continue
        filters, kernel = entry
        model.add(
            layers.Conv2D(filters, kernel, padding="same", activation="relu", name=f"conv{conv}")
        )
        conv += 1
    if not include_top:
        if pooling:
            model.add(global_pooling(pooling))
        return model
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER, start=1):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(dropout, name=f"dropout{index}"))
    model.add(layers.Dense(classes, activation=classifier_activation, name="output"))
    return model
