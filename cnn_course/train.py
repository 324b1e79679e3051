"""Training helpers: a thin layer over ``model.fit``, never a replacement.

Three steps, each optional::

    from cnn_course import data, models, train

    train.setup(seed=42)                    # seeds and numeric precision
    model = models.fashion_cnn()            # build *after* setup
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    splits = data.load_fashion_mnist()
    run = train.fit(model, splits.x_train, splits.y_train,
                    validation_data=(splits.x_valid, splits.y_valid), epochs=10)
    run.history["val_accuracy"], run.seconds, run.samples_per_second

:func:`fit` feeds ``model.fit`` from a ``tf.data`` pipeline (shuffling,
optional augmentation, prefetching) and records wall time and throughput;
any other keyword goes to ``model.fit`` unchanged. Everything also works
inside a ``tf.distribute`` strategy scope: build and compile the model in
the scope and call :func:`fit` as usual.

:func:`compare` runs a small controlled experiment: several architectures
("arms"), several seeds each, the same data and budget.
:func:`predict_with_flips` averages the predictions for an image and its
mirror image (test-time augmentation).
"""

import dataclasses
import os
import time

import keras
import numpy as np

from . import _checks

#: Environment variable that overrides the automatic precision choice.
PRECISION_ENV = "CNN_COURSE_PRECISION"

#: CPU flags of units that compute in bfloat16 (Intel AMX, AVX-512 BF16).
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")

_PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision():
    """The Keras dtype policy that trains fastest on this machine.

    ``$CNN_COURSE_PRECISION`` wins if set. Otherwise: ``"mixed_float16"``
    on an NVIDIA GPU, ``"mixed_bfloat16"`` on a CPU with bfloat16 units
    (:data:`BF16_CPU_FLAGS`), and ``"float32"`` everywhere else, so a CPU
    without those units is never slowed down by emulated bfloat16.

    Example:
        >>> from cnn_course.train import choose_precision
        >>> choose_precision() in ("float32", "mixed_bfloat16", "mixed_float16")
        True
    """
    override = os.environ.get(PRECISION_ENV)
    if override:
        return _checks.one_of(override, PRECISION_ENV, _PRECISIONS[1:])
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            return "mixed_float16"
    if _cpu_flags() & set(BF16_CPU_FLAGS):
        return "mixed_bfloat16"
    return "float32"


def setup(seed=None, precision="auto"):
    """Seed every random generator and set the dtype policy; call before building.

    Args:
        seed: seed for Python, NumPy and the backend, or ``None`` to leave
            them alone.
        precision: ``"auto"`` (:func:`choose_precision`), ``"float32"``,
            ``"mixed_bfloat16"`` or ``"mixed_float16"``.

    Returns:
        The name of the policy now in force.

    Example:
        >>> from cnn_course import train
        >>> train.setup(seed=0, precision="float32")
        'float32'
    """
    _checks.one_of(precision, "precision", _PRECISIONS)
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    policy = choose_precision() if precision == "auto" else precision
    keras.mixed_precision.set_global_policy(policy)
    return policy


def _augmenter(augment, image_shape, seed):
    """A function (image -> image) applying the requested augmentations."""
    import tensorflow as tf

    height, width = image_shape[0], image_shape[1]
    steps = []
    for name in augment:
        if name == "shift":  # pad by 2 pixels, crop back at a random offset
            def shift(image):
                padded = tf.pad(image, [[2, 2], [2, 2], [0, 0]])
                return tf.image.random_crop(padded, image_shape, seed=seed)
            steps.append(shift)
        elif name == "flip":
            steps.append(lambda image: tf.image.random_flip_left_right(image, seed=seed))
        elif name == "crop":  # random crop of 7/8 of the side, resized back
            def crop(image):
                size = [max(1, height * 7 // 8), max(1, width * 7 // 8), image_shape[2]]
                cropped = tf.image.random_crop(image, size, seed=seed)
                return tf.image.resize(cropped, (height, width))
            steps.append(crop)

    def apply(image, label):
        for step in steps:
            image = step(image)
        return image, label

    return apply


_AUGMENTATIONS = ("shift", "flip", "crop")


def make_dataset(x, y, batch_size=128, shuffle=True, augment=(), seed=None, cache=True):
    """A ``tf.data`` pipeline over arrays: shuffle, augment, batch, prefetch.

    Args:
        x, y: NumPy arrays of images ``(n, height, width, channels)`` and
            labels.
        batch_size: examples per batch.
        shuffle: reshuffle every epoch.
        augment: any of ``"shift"`` (random shifts of up to 2 pixels),
            ``"flip"`` (horizontal flips) and ``"crop"`` (random crops of 7/8
            of the side, resized back); applied to training batches only.
        seed: seed of the shuffling and augmentation.
        cache: keep the decoded arrays in memory between epochs.

    Returns:
        A ``tf.data.Dataset`` of ``(images, labels)`` batches.

    Example:
        >>> import numpy as np
        >>> from cnn_course.train import make_dataset
        >>> ds = make_dataset(np.zeros((10, 28, 28, 1), "float32"), np.arange(10), batch_size=4)
        >>> [int(images.shape[0]) for images, _ in ds]
        [4, 4, 2]
    """
    import tensorflow as tf

    batch_size = _checks.positive_int(batch_size, "batch_size")
    augment = (augment,) if isinstance(augment, str) else tuple(augment or ())
    for name in augment:
        _checks.one_of(name, "augment", _AUGMENTATIONS)
    if len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must have the same length. Received: {len(x)} and {len(y)}"
        )
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if augment:
        dataset = dataset.map(
            _augmenter(augment, x.shape[1:], seed), num_parallel_calls=tf.data.AUTOTUNE
        )
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass
class Run:
    """What :func:`fit` measured.

    Attributes:
        history: ``model.fit``'s ``History.history`` dict (per-epoch metrics).
        seconds: wall time of ``model.fit``.
        samples_per_second: training examples processed per second.
        precision: the dtype policy in force during training.
    """

    history: dict
    seconds: float
    samples_per_second: float
    precision: str


def fit(
    model,
    x,
    y,
    validation_data=None,
    epochs=1,
    batch_size=128,
    augment=(),
    seed=None,
    **fit_kwargs,
):
    """``model.fit`` on a ``tf.data`` pipeline, timed.

    Args:
        model: a compiled Keras model.
        x, y: training images and labels (NumPy arrays).
        validation_data: ``(x, y)`` arrays, or ``None``.
        epochs: passes over the training data.
        batch_size: examples per step.
        augment: augmentations for the training set, see :func:`make_dataset`.
        seed: seed of shuffling and augmentation.
        **fit_kwargs: passed to ``model.fit`` (``callbacks``, ``verbose``...).

    Returns:
        A :class:`Run` with the history, wall time and throughput.

    Example:
        >>> import numpy as np, keras
        >>> from cnn_course import train
        >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
        >>> model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        >>> run = train.fit(model, np.zeros((8, 4, 4, 1), "float32"), np.zeros(8), epochs=2, verbose=0)
        >>> len(run.history["loss"]), run.samples_per_second > 0
        (2, True)
    """
    epochs = _checks.positive_int(epochs, "epochs")
    train_data = make_dataset(x, y, batch_size, shuffle=True, augment=augment, seed=seed)
    if validation_data is not None:
        validation_data = make_dataset(
            *validation_data, batch_size=batch_size, shuffle=False
        )
    fit_kwargs.setdefault("shuffle", False)  # the pipeline shuffles
    start = time.perf_counter()
    history = model.fit(train_data, validation_data=validation_data, epochs=epochs, **fit_kwargs)
    seconds = time.perf_counter() - start
    return Run(
        history=dict(history.history),
        seconds=seconds,
        samples_per_second=len(x) * epochs / seconds,
        precision=keras.mixed_precision.global_policy().name,
    )


def predict_with_flips(model, x, batch_size=256):
    """Test-time augmentation: average the predictions for each image and its
    mirror image.

    AlexNet (Krizhevsky et al., 2012, Section 4.1) averaged the softmax
    outputs over ten patches of each test image, five crops and their
    horizontal reflections; this is the cheap half of that, worth it for
    images that may be flipped without changing their class (clothes,
    natural scenes; not digits or text). It costs two forward passes.

    Args:
        model: a model whose outputs are class probabilities.
        x: images ``(n, height, width, channels)``.
        batch_size: images per forward pass.

    Returns:
        A NumPy array ``(n, classes)`` of averaged probabilities.

    Example:
        >>> import numpy as np, keras
        >>> from cnn_course.train import predict_with_flips
        >>> model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
        ...                           keras.layers.Dense(2, activation="softmax")])
        >>> image = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]]], "float32")
        >>> mirrored = image[:, :, ::-1]
        >>> np.allclose(predict_with_flips(model, image), predict_with_flips(model, mirrored))
        True
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            "`x` must be a batch of images (n, height, width, channels). "
            f"Received: an array of shape {x.shape}"
        )
    batch_size = _checks.positive_int(batch_size, "batch_size")
    direct = model.predict(x, batch_size=batch_size, verbose=0)
    mirrored = model.predict(x[:, :, ::-1], batch_size=batch_size, verbose=0)
    return (np.asarray(direct, "float32") + np.asarray(mirrored, "float32")) / 2


@dataclasses.dataclass
class Comparison:
    """Results of :func:`compare`: one list of :class:`Run` per arm.

    ``summary(metric)`` gives, per arm, the mean and standard deviation over
    seeds of the metric's last-epoch value; printing shows a table.
    """

    runs: dict
    budget: str

    def summary(self, metric="val_accuracy"):
        """``{arm: (mean, std, values)}`` of the last-epoch ``metric``."""
        result = {}
        for arm, runs in self.runs.items():
            values = np.array([run.history[metric][-1] for run in runs])
            result[arm] = (float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0, values)
        return result

    def difference(self, arm, baseline, metric="val_accuracy"):
        """Mean of ``arm`` minus mean of ``baseline``, and its standard error.

        The standard error is ``sqrt(sd_a^2 / n_a + sd_b^2 / n_b)``; a
        difference within about two standard errors is not evidence that
        the arms differ.
        """
        summary = self.summary(metric)
        (mean_a, sd_a, values_a), (mean_b, sd_b, values_b) = summary[arm], summary[baseline]
        error = (sd_a**2 / len(values_a) + sd_b**2 / len(values_b)) ** 0.5
        return mean_a - mean_b, error

    def table(self, metric="val_accuracy"):
        """A text table of mean, spread and per-seed values of ``metric``."""
        rows = [f"{'arm':24s} {metric + ' (mean ± sd)':>26s}   per seed"]
        for arm, (mean, std, values) in self.summary(metric).items():
            seeds = ", ".join(f"{v:.4f}" for v in values)
            rows.append(f"{arm:24s} {mean:>17.4f} ± {std:.4f}   {seeds}")
        rows.append(f"budget: {self.budget}")
        return "\n".join(rows)

    def __str__(self):
        return self.table()

    __repr__ = __str__


def compare(
    arms,
    splits,
    seeds=(0, 1, 2),
    epochs=3,
    batch_size=128,
    optimizer=lambda: keras.optimizers.Adam(1e-3),
    precision="auto",
    augment=(),
):
    """A controlled experiment: the same data and budget for every arm and seed.

    For each arm and each seed: :func:`setup` with that seed, build the
    model, compile it with a fresh optimizer and sparse cross-entropy, and
    :func:`fit` it. Only the architecture differs between arms.

    Args:
        arms: ``{name: builder}``; each builder takes no arguments and
            returns an uncompiled model with a softmax output.
        splits: a :class:`cnn_course.data.Splits` (training and validation
            sets are used).
        seeds: one run per seed and arm.
        epochs, batch_size: the budget.
        optimizer: a function returning a new optimizer.
        precision: see :func:`setup`.
        augment: see :func:`make_dataset`.

    Returns:
        A :class:`Comparison`.

    Example:
        >>> import numpy as np, keras
        >>> from cnn_course import train
        >>> from cnn_course.data import Splits
        >>> x, y = np.random.rand(16, 8, 8, 1).astype("float32"), np.arange(16) % 2
        >>> tiny = lambda: keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
        >>> result = train.compare({"tiny": tiny}, Splits(x, y, x, y, x, y), seeds=(0, 1), epochs=1, precision="float32")
        >>> len(result.runs["tiny"])
        2
    """
    previous_policy = keras.mixed_precision.global_policy().name
    runs = {}
    for arm, build in arms.items():
        runs[arm] = []
        for seed in seeds:
            setup(seed=seed, precision=precision)
            model = build()
            model.compile(
                optimizer=optimizer(),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
            runs[arm].append(
                fit(
                    model, splits.x_train, splits.y_train,
                    validation_data=(splits.x_valid, splits.y_valid),
                    epochs=epochs, batch_size=batch_size, augment=augment,
                    seed=seed, verbose=0,
                )
            )
    keras.mixed_precision.set_global_policy(previous_policy)
    budget = (
        f"{len(splits.x_train):,} training images, {epochs} epoch(s), batch "
        f"{batch_size}, seeds {list(seeds)}"
    )
    return Comparison(runs, budget)
