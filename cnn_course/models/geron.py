"""The Fashion-MNIST CNN of Geron's *Hands-On Machine Learning*, chapter 14.

A. Geron, "Hands-On Machine Learning with Scikit-Learn, Keras, and
TensorFlow", 2nd edition, O'Reilly 2019, chapter 14 (the model of seed 003).
"""

import keras
from keras import layers

from .. import _checks

#: The convolutional part, as (filters, kernel) rows; ``"M"`` is a 2x2
#: max-pool. A large first kernel, then pairs of 3x3 convolutions whose
#: filters double after each pooling.
FEATURES = ((64, 7), "M", (128, 3), (128, 3), "M", (256, 3), (256, 3), "M")

#: Hidden dense layers, each followed by dropout 0.5.
CLASSIFIER = (128, 64)


def fashion_cnn(input_shape=(28, 28, 1), classes=10, dropout=0.5, name="fashion_cnn"):
    """Geron's CNN for Fashion-MNIST (seed 003): 1,413,834 parameters.

    Conv 7x7 (64), max-pool 2, two conv 3x3 (128), max-pool 2, two conv 3x3
    (256), max-pool 2, then dense 128 and 64 with dropout 0.5, and a softmax.
    All convolutions are ``same``-padded with ReLU: 28 -> 14 -> 7 -> 3.

    Example:
        >>> from cnn_course.models import fashion_cnn
        >>> fashion_cnn().count_params()
        1413834
    """
    _checks.image_shape(input_shape, 8, "the Fashion-MNIST CNN")
    classes = _checks.positive_int(classes, "classes")
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
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(CLASSIFIER, start=1):
        model.add(layers.Dense(units, activation="relu", name=f"fc{index}"))
        model.add(layers.Dropout(dropout, name=f"dropout{index}"))
    model.add(layers.Dense(classes, activation="softmax", name="output"))
    return model
