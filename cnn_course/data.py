"""Data sets used in the course.

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) comes through
``keras.datasets.fashion_mnist``; this module adds the steps every chapter
repeats: a validation split, scaling, a channel axis and, for quick runs, a
subset. :func:`make_dataset` turns arrays into reproducibly shuffled and
augmented batches for ``model.fit``, on any Keras backend.
"""

import collections
import os

import keras
import numpy as np

from . import _checks

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


# --- Input pipelines -------------------------------------------------------

#: Augmentations :func:`make_dataset` knows, applied in the order given.
AUGMENTATIONS = ("shift", "flip", "crop")


def _as_array(values, name):
    array = np.asarray(values)
    if array.dtype == object or array.ndim == 0:
        raise ValueError(
            f"`{name}` must be an array with one row per example. "
            f"Received: {type(values).__name__} of shape {array.shape}"
        )
    return array


def _gather(images, rows, cols):
    """``out[i, r, c] = images[i, rows[i, r], cols[i, c]]`` for a batch."""
    n = np.arange(len(images))[:, None, None]
    return images[n, rows[:, :, None], cols[:, None, :]]


def _augment(images, names, rng):
    """The augmentations ``names`` applied to a batch ``(n, h, w, c)``.

    Written with NumPy indexing, one gather per augmentation for the whole
    batch: no backend is needed, and the result depends only on ``rng``, so a
    batch is the same whichever thread or process computes it.
    """
    n, height, width = images.shape[:3]
    sides = np.arange(height), np.arange(width)
    for name in names:
        if name == "shift":  # zero-pad by 2 pixels, crop back at a random offset
            padded = np.pad(images, [(0, 0), (2, 2), (2, 2), (0, 0)])
            dy, dx = rng.integers(0, 5, size=(2, n))
            images = _gather(padded, dy[:, None] + sides[0], dx[:, None] + sides[1])
        elif name == "flip":  # mirror half of the images left to right
            flip = rng.random(n) < 0.5
            images = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
        elif name == "crop":  # a random 7/8 crop, resized back (nearest pixel)
            crop_h, crop_w = max(1, height * 7 // 8), max(1, width * 7 // 8)
            top = rng.integers(0, height - crop_h + 1, size=n)
            left = rng.integers(0, width - crop_w + 1, size=n)
            rows = top[:, None] + sides[0] * crop_h // height
            cols = left[:, None] + sides[1] * crop_w // width
            images = _gather(images, rows, cols)
    return images


class ArrayDataset(keras.utils.PyDataset):
    """Batches of in-memory arrays, shuffled and augmented reproducibly.

    Built by :func:`make_dataset`; see there. Batch ``index`` of epoch ``e``
    depends only on ``(seed, e, index)``: Keras may fetch batches in any
    order and on any thread, and two runs with the same seed see the same
    batches, bit for bit.
    """

    def __init__(self, arrays, batch_size, shuffle, augment, seed, **kwargs):
        super().__init__(**kwargs)
        self.arrays = arrays
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.augment = augment
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return -(-len(self.arrays[0]) // self.batch_size)

    def _order(self):
        size = len(self.arrays[0])
        if not self.shuffle:
            return np.arange(size)
        return np.random.default_rng([self.seed, self.epoch]).permutation(size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        rows = self._order()[index * self.batch_size : (index + 1) * self.batch_size]
        batch = [array[rows] for array in self.arrays]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            batch[0] = _augment(batch[0], self.augment, rng)
        return tuple(batch)

    def on_epoch_end(self):
        self.epoch += 1


def make_dataset(
    x, y, batch_size=128, shuffle=True, augment=(), seed=None, sample_weight=None
):
    """A Keras dataset over arrays: shuffle, augment, batch.

    Works with every Keras backend (it is a ``keras.utils.PyDataset``, which
    ``model.fit`` accepts as ``x``). Each epoch has its own order, and each
    batch its own augmentation, both drawn from ``seed``: the same seed gives
    the same batches in the same order, so a training run can be repeated
    exactly. The augmentations work on whole batches with NumPy indexing.
    Keras' preprocessing layers (``RandomFlip``, ``RandomTranslation``) do
    the same jobs, but keep their random state inside the layer, so the
    augmentation would depend on how often and in which order batches were
    fetched.

    Args:
        x: images ``(n, height, width, channels)`` (any array for no
            augmentation).
        y: labels, class indices ``(n,)`` or one-hot rows ``(n, classes)``.
        batch_size: examples per batch.
        shuffle: a new order every epoch.
        augment: any of ``"shift"`` (random shifts of up to 2 pixels, the
            border filled with zeros), ``"flip"`` (a horizontal flip of half
            the images) and ``"crop"`` (a random crop of 7/8 of the side,
            resized back by nearest pixel), applied in that order of the
            tuple.
        seed: seed of the order and the augmentation; ``None`` draws one from
            NumPy's global generator (which :func:`cnn_course.train.setup`
            seeds).
        sample_weight: optional weights ``(n,)``, returned as a third element.

    Returns:
        An :class:`ArrayDataset` of ``(images, labels[, weights])`` batches.

    Raises:
        ValueError: for empty or mismatched arrays, an unknown augmentation,
            or augmenting arrays that are not images with a channel axis.

    Example:
        >>> import numpy as np
        >>> from cnn_course.data import make_dataset
        >>> ds = make_dataset(np.zeros((10, 28, 28, 1), "float32"), np.arange(10), batch_size=4)
        >>> [len(images) for images, labels in ds]
        [4, 4, 2]
    """
    batch_size = _checks.positive_int(batch_size, "batch_size")
    augment = (augment,) if isinstance(augment, str) else tuple(augment or ())
    for name in augment:
        _checks.one_of(name, "augment", AUGMENTATIONS)
    arrays = [_as_array(x, "x"), _as_array(y, "y")]
    if sample_weight is not None:
        arrays.append(_as_array(sample_weight, "sample_weight"))
    names = ("x", "y", "sample_weight")
    sizes = {name: len(array) for name, array in zip(names, arrays)}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"`x`, `y` (and `sample_weight`) must have the same length. Received: {sizes}")
    if sizes["x"] == 0:
        raise ValueError("`x` and `y` are empty: there is nothing to train or evaluate on.")
    if augment and arrays[0].ndim != 4:
        raise ValueError(
            "`augment` needs images of shape (n, height, width, channels); add the "
            f"channel axis with x[..., None]. Received: x of shape {arrays[0].shape}"
        )
    if seed is None:
        seed = int(np.random.randint(2**31))
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be None or a non-negative integer. Received: seed={seed!r}")
    return ArrayDataset(arrays, batch_size, bool(shuffle), augment, int(seed))
