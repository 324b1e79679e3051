"""Data sets used in the course.

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) comes through
``keras.datasets.fashion_mnist``; this module adds the steps every chapter
repeats: a validation split, scaling, a channel axis and, for quick runs, a
subset.
"""

import collections
import os

import numpy as np

#: Class names of Fashion-MNIST, indexed by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: The four files ``keras.datasets.fashion_mnist.load_data`` reads.
FASHION_MNIST_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)

#: Training images in Fashion-MNIST.
FASHION_MNIST_TRAIN_SIZE = 60_000

Splits = collections.namedtuple(
    "Splits", ["x_train", "y_train", "x_valid", "y_valid", "x_test", "y_test"]
)
Splits.__doc__ = """Training, validation and test arrays, in that order.

Unpack it (``x_train, y_train, x_valid, y_valid, x_test, y_test = splits``)
or use the field names.
"""


def keras_dataset_dir(name="fashion-mnist"):
    """Where Keras keeps a downloaded data set: ``$KERAS_HOME/datasets/<name>``.

    ``KERAS_HOME`` defaults to ``~/.keras``. Keras reads it when it is first
    imported, so set it before ``import keras``.

    Example:
        >>> from cnn_course.data import keras_dataset_dir
        >>> keras_dataset_dir().endswith("datasets/fashion-mnist")
        True
    """
    try:  # the directory Keras fixed at import time
        from keras.src.backend.config import keras_home

        home = keras_home()
    except ImportError:  # pragma: no cover - a Keras without that helper
        home = os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))
    return os.path.join(os.path.expanduser(home), "datasets", name)


def _missing_files_message(directory):
    files = "\n".join(f"  {directory}/{f}" for f in FASHION_MNIST_FILES)
    return (
        "Fashion-MNIST could not be downloaded and is not in Keras' cache. "
        f"Keras looks for these four files:\n{files}\n"
        "Connect to the internet and Keras downloads them, or copy them there "
        "(on Debian/Ubuntu, `apt install dataset-fashion-mnist` puts them in "
        "/usr/share/datasets/fashion-mnist/; link them into that directory). "
        "To use another cache, set the KERAS_HOME environment variable before "
        "importing keras."
    )


def load_fashion_mnist(
    validation_size=5000, subset=None, scale=True, channel_axis=True
):
    """Fashion-MNIST split into training, validation and test sets.

    Loads the data with ``keras.datasets.fashion_mnist.load_data()`` and, as
    Geron's Hands-On ML chapter 14 does, keeps the first ``validation_size``
    training images for validation.

    Args:
        validation_size: how many of the 60,000 training images form the
            validation set (taken from the front, as in Geron's notebook).
        subset: if given, keep only the first ``subset`` images of each of the
            three sets; for quick runs and tests.
        scale: if True, return ``float32`` pixels in [0, 1]; else the raw
            ``uint8`` values.
        channel_axis: if True, images have shape ``(28, 28, 1)`` as
            ``Conv2D`` expects; else ``(28, 28)``.

    Returns:
        A :class:`Splits` named tuple ``(x_train, y_train, x_valid, y_valid,
        x_test, y_test)``; labels are ``uint8`` class indices, names in
        :data:`FASHION_MNIST_CLASSES`.

    Raises:
        ValueError: if ``validation_size`` or ``subset`` is out of range.
        FileNotFoundError: if the files are not in Keras' cache and cannot
            be downloaded; the message says where Keras looks.

    Example:
        >>> from cnn_course.data import load_fashion_mnist
        >>> data = load_fashion_mnist(subset=100)  # doctest: +SKIP
        >>> data.x_train.shape, data.x_train.dtype  # doctest: +SKIP
        ((100, 28, 28, 1), dtype('float32'))
    """
    if (
        isinstance(validation_size, bool)
        or not isinstance(validation_size, (int, np.integer))
        or not 0 <= validation_size < FASHION_MNIST_TRAIN_SIZE
    ):
        raise ValueError(
            "`validation_size` must be an integer from 0 to "
            f"{FASHION_MNIST_TRAIN_SIZE - 1}. "
            f"Received: validation_size={validation_size!r}"
        )
    if subset is not None and (
        isinstance(subset, bool)
        or not isinstance(subset, (int, np.integer))
        or subset < 1
    ):
        raise ValueError(
            "`subset` must be None or a positive integer. "
            f"Received: subset={subset!r}"
        )

    import keras

    try:
        (x_full, y_full), (x_test, y_test) = (
            keras.datasets.fashion_mnist.load_data()
        )
    except Exception as error:  # Keras raises a bare Exception on failure
        directory = keras_dataset_dir()
        missing = [
            f for f in FASHION_MNIST_FILES
            if not os.path.exists(os.path.join(directory, f))
        ]
        if missing:
            raise FileNotFoundError(_missing_files_message(directory)) from error
        raise

    x_valid, y_valid = x_full[:validation_size], y_full[:validation_size]
    x_train, y_train = x_full[validation_size:], y_full[validation_size:]
    splits = [x_train, y_train, x_valid, y_valid, x_test, y_test]
    if subset is not None:
        splits = [array[:subset] for array in splits]
    for i in (0, 2, 4):
        images = splits[i]
        if scale:
            images = images.astype("float32") / 255.0
        if channel_axis:
            images = images[..., np.newaxis]
        splits[i] = images
    return Splits(*splits)
