"""Data sets used in the course.

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) is read from the files
``keras.datasets.fashion_mnist`` uses (same folder, same download address),
checked against the official release; this module adds the steps every
chapter repeats: a validation split, scaling, a channel axis and, for quick
runs, a subset. :func:`make_dataset` turns arrays into reproducibly shuffled and
augmented batches for ``model.fit``, on any Keras backend.
"""

import contextlib
import glob
import gzip
import hashlib
import http.client
import os
import tempfile
import typing
import urllib.request
import zlib

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

#: Where Keras downloads the four files from (add the file name).
FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#: The official release, file by file, as (size in bytes, SHA-256) of the
#: IDX data inside each gzip file. The data, not the ``.gz`` bytes, are checked:
#: repackagers rewrite the gzip header (Debian's files lack the stored file
#: name and time, so their ``.gz`` hashes differ) but not the data. The sizes
#: follow from the IDX format (8 header bytes and 60,000 or 10,000 labels;
#: 16 header bytes and as many 28x28 images); the hashes are those of the
#: files whose ``.gz`` MD5 Zalando publishes (github.com/zalandoresearch/
#: fashion-mnist, "Get the data"), also published by other projects.
FASHION_MNIST_RELEASE = {
    "train-labels-idx1-ubyte.gz": (
        60_008,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    "train-images-idx3-ubyte.gz": (
        47_040_016,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        10_008,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
    "t10k-images-idx3-ubyte.gz": (
        7_840_016,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
}

#: Seconds a download may wait for the server (to connect, and for each
#: read) before it gives up.
FASHION_MNIST_TIMEOUT = 60

#: Training images in Fashion-MNIST.
FASHION_MNIST_TRAIN_SIZE = 60_000


class Splits(typing.NamedTuple):
    """Training, validation and test arrays, in that order.

    Unpack it (``x_train, y_train, x_valid, y_valid, x_test, y_test = splits``)
    or use the field names.
    """

    #: Training images, one per row of the first axis.
    x_train: np.ndarray
    #: Their labels, class indices.
    y_train: np.ndarray
    #: Validation images, held out from the training set.
    x_valid: np.ndarray
    #: Their labels.
    y_valid: np.ndarray
    #: Test images.
    x_test: np.ndarray
    #: Their labels.
    y_test: np.ndarray


# Keras' fallback when its home is not writable (see ``keras.utils.get_file``).
_TMP = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


def _keras_home():
    """Keras' home as configured, and the folder Keras really writes to.

    ``keras.utils.get_file`` (Keras 3) downloads into the configured home
    (``$KERAS_HOME``, else ``~/.keras``) unless it is not writable; then it
    uses ``/tmp/.keras``. We do the same, so both loaders share one cache.
    """
    try:  # the directory Keras fixed at import time
        from keras.src.backend.config import keras_home

        home = os.path.expanduser(keras_home())
    except ImportError:  # pragma: no cover - a Keras without that helper
        home = os.path.expanduser(
            os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))
        )
    used = home
    if not os.access(home, os.W_OK):
        used = os.path.join(_TMP, ".keras")
    return home, used


def keras_dataset_dir(name="fashion-mnist"):
    """Where Keras keeps a downloaded data set: ``$KERAS_HOME/datasets/<name>``.

    ``KERAS_HOME`` defaults to ``~/.keras``. Keras reads it when it is first
    imported, so set it before ``import keras``. If that folder is not
    writable, Keras (``keras.utils.get_file``) silently uses
    ``/tmp/.keras/datasets/<name>`` instead, and so does this function.

    Example:
        >>> from cnn_course.data import keras_dataset_dir
        >>> keras_dataset_dir().endswith("datasets/fashion-mnist")
        True
    """
    return os.path.join(_keras_home()[1], "datasets", name)


def _missing_files_message(directory, reason):
    files = "\n".join(f"  {os.path.join(directory, f)}" for f in FASHION_MNIST_FILES)
    home, used = _keras_home()
    note = ""
    if home != used and directory.startswith(used):
        note = (
            f" (Keras' home {home} is not writable, so Keras and this "
            f"loader use {used} instead.)"
        )
    return (
        f"Fashion-MNIST could not be downloaded: {reason}.\n"
        f"The loader needs these four files:\n{files}\n"
        "Connect to the internet and run again, or put the files there "
        "yourself: on Debian/Ubuntu, `sudo apt install dataset-fashion-mnist` "
        "installs them in /usr/share/datasets/fashion-mnist/; then link them "
        f"with `mkdir -p {directory} && ln -s "
        f"/usr/share/datasets/fashion-mnist/*.gz {directory}/`. "
        "To use another folder, set the KERAS_HOME environment variable "
        "before importing keras; the files go in "
        f"$KERAS_HOME/datasets/fashion-mnist/.{note}"
    )


def _bad_file_message(path, problem):
    name = os.path.basename(path)
    return (
        f"The Fashion-MNIST file {path} {problem}, so it is not the official "
        f"file. Delete it and run again to download it afresh, or link the "
        f"official file there again (on Debian/Ubuntu: `ln -sf "
        f"/usr/share/datasets/fashion-mnist/{name} {path}`)."
    )


def _check_idx(path, size, sha256):
    """The IDX bytes inside gzip file ``path``, and what is wrong with them.

    Returns ``(data, None)`` if the data have the expected ``size`` and
    ``sha256``, else ``(None, problem)``.
    """
    with open(path, "rb") as f:
        packed = f.read()
    try:
        data = gzip.decompress(packed)
    except EOFError:
        return None, "is truncated (its gzip stream ends early)"
    except (OSError, zlib.error) as error:  # not gzip, bad CRC, bad data
        return None, f"is not a valid gzip file ({error})"
    if len(data) != size:
        return None, f"holds {len(data):,} bytes of data instead of {size:,}"
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        return None, f"has the SHA-256 {digest} instead of {sha256}"
    return data, None


def _download(url, path, size, sha256, timeout):
    """Download ``url`` to ``path``; return what is wrong with it, or None.

    The data go to a temporary file in the same folder, which gets its name
    (an atomic ``os.replace``) only once it is whole and verified: an
    interrupted download never leaves a partial file under that name.
    """
    print(f"Downloading data from {url}", flush=True)
    handle, partial = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".part",
        dir=os.path.dirname(path),
    )
    try:
        with os.fdopen(handle, "wb") as f:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                while chunk := response.read(1 << 20):
                    f.write(chunk)
        problem = _check_idx(partial, size, sha256)[1]
        if problem is None:
            os.replace(partial, path)
        return problem
    finally:
        if os.path.exists(partial):
            os.remove(partial)


@contextlib.contextmanager
def _folder_lock(directory):
    """Hold an exclusive lock on ``directory``; yield whether it could.

    An ``fcntl`` lock on a file in the folder, so that processes loading at
    the same time download each file once. Without ``fcntl`` (Windows), or
    where the lock file cannot be made (a read-only folder), there is none.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None
    with contextlib.ExitStack() as stack:
        locked = False
        if fcntl is not None:
            try:
                lock = stack.enter_context(open(os.path.join(directory, ".lock"), "a"))
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
                locked = True
            except OSError:  # read-only folder, file system without locks
                pass
        yield locked


def _read_fashion_mnist(directory, url, release, timeout):
    """The four arrays of :data:`FASHION_MNIST_FILES`, downloaded if missing.

    Each file is checked against ``release`` (name: size and SHA-256 of the
    IDX data it holds). A file that cannot be downloaded raises
    ``FileNotFoundError``, a bad one ``OSError``; both say what to do.
    """
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        reason = f"cannot create the folder ({error})"
        raise FileNotFoundError(_missing_files_message(directory, reason)) from error
    arrays = []
    with _folder_lock(directory) as locked:
        if locked:  # only killed downloads leave these; none is running now
            for partial in glob.glob(os.path.join(directory, ".*-ubyte.gz.*.part")):
                os.remove(partial)
        for name in FASHION_MNIST_FILES:
            path = os.path.join(directory, name)
            size, sha256 = release[name]
            if not os.path.exists(path):
                try:
                    problem = _download(url + name, path, size, sha256, timeout)
                except (OSError, http.client.HTTPException) as error:
                    if isinstance(error, TimeoutError) or isinstance(
                        getattr(error, "reason", None), TimeoutError
                    ):
                        reason = f"no answer from {url}{name} within {timeout} s"
                    else:
                        reason = f"{url}{name}: {error}"
                    raise FileNotFoundError(
                        _missing_files_message(directory, reason)
                    ) from error
                if problem:
                    reason = f"the file from {url}{name} {problem}; it was discarded"
                    raise FileNotFoundError(_missing_files_message(directory, reason))
            data, problem = _check_idx(path, size, sha256)
            if problem:
                raise OSError(_bad_file_message(path, problem))
            # IDX: two zero bytes, the type (0x08, unsigned byte), the rank,
            # one 4-byte big-endian size per axis, then the values.
            rank = data[3]
            shape = [
                int.from_bytes(data[4 * i + 4:4 * i + 8], "big") for i in range(rank)
            ]
            values = np.frombuffer(data, np.uint8, offset=4 + 4 * rank)
            arrays.append(values.reshape(shape))
    return arrays


def load_fashion_mnist(
    validation_size=5000, subset=None, scale=True, channel_axis=True
):
    """Fashion-MNIST split into training, validation and test sets.

    Reads the four files ``keras.datasets.fashion_mnist.load_data()`` reads,
    from the same folder (:func:`keras_dataset_dir`), and, as the source
    notebook of Chapter 4 does, keeps the first ``validation_size`` training
    images for validation (Geron's Hands-On ML chapter 14 keeps the last
    5,000 and standardizes the pixels instead of dividing them by 255).

    Missing files are downloaded from the address Keras uses. We read and
    download them ourselves (gzip and NumPy; the IDX format is a short
    header and the pixels) instead of calling Keras' loader, whose download
    has no timeout, writes straight to the final name (a killed download
    leaves a partial file that breaks every later load), takes no lock
    against a second process, and checks no hash for these files. Here a
    download gives up after :data:`FASHION_MNIST_TIMEOUT` seconds without an
    answer; it is written to a temporary name and renamed once complete; a
    lock file in the folder makes concurrent first loads download once; and
    every file is checked against :data:`FASHION_MNIST_RELEASE` (size and
    SHA-256 of its data) before it is used.

    Args:
        validation_size: how many of the 60,000 training images form the
            validation set (taken from the front, as in the source notebook).
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
        FileNotFoundError: if a file is not in the folder and cannot be
            downloaded (no network, no answer, a bad download); the message
            names the folder, the four files and how to provide them.
        OSError: if a file in the folder is damaged or not the official one
            (truncated, not gzip, wrong size or hash); the message names the
            file, what is wrong and the fix.

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

    y_full, x_full, y_test, x_test = _read_fashion_mnist(
        keras_dataset_dir(), FASHION_MNIST_URL, FASHION_MNIST_RELEASE,
        FASHION_MNIST_TIMEOUT,
    )

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

    def _order(self, epoch):
        size = len(self.arrays[0])
        if not self.shuffle:
            return np.arange(size)
        return np.random.default_rng([self.seed, epoch]).permutation(size)

    def batch(self, epoch, index):
        """Batch ``index`` of epoch ``epoch``: what ``self[index]`` returns
        while ``self.epoch == epoch``.

        Raises:
            TypeError: if ``epoch`` is not an integer.
            ValueError: if ``epoch`` is negative.
            IndexError: if ``index`` is not one of the epoch's batches
                (``0`` to ``len(self) - 1``).

        Example:
            >>> import numpy as np
            >>> from cnn_course.data import make_dataset
            >>> ds = make_dataset(np.arange(6), np.arange(6), batch_size=4, seed=0)
            >>> [len(ds.batch(0, i)[0]) for i in range(len(ds))]
            [4, 2]
            >>> second_epoch = ds.batch(1, 0)[0]
            >>> ds.on_epoch_end()                 # what model.fit calls after an epoch
            >>> np.array_equal(ds[0][0], second_epoch)
            True
        """
        epoch = _checks.non_negative_int(epoch, "epoch")
        if not _checks._is_int(index) or not 0 <= index < len(self):
            # IndexError, as for any sequence's item out of range
            raise IndexError(
                f"`index` must be a batch of the epoch, 0 to {len(self) - 1}. "
                f"Received: index={index!r}"
            )
        rows = self._order(epoch)[index * self.batch_size : (index + 1) * self.batch_size]
        batch = [array[rows] for array in self.arrays]
        if self.augment:
            rng = np.random.default_rng([self.seed, epoch, index])
            batch[0] = _augment(batch[0], self.augment, rng)
        return tuple(batch)

    def __getitem__(self, index):
        return self.batch(self.epoch, index)

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
