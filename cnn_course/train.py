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

:func:`fit` feeds ``model.fit`` from :func:`cnn_course.data.make_dataset`
(reproducible shuffling and augmentation, any Keras backend) and records
wall time, throughput and the precision; every other keyword goes to
``model.fit`` unchanged. It also works inside a ``tf.distribute`` strategy
scope: build and compile the model in the scope and call :func:`fit` as
usual. :func:`predict_with_flips` averages the predictions for an image and
its mirror image (test-time augmentation). Controlled comparisons of
several architectures live in :mod:`cnn_course.experiments`.
"""

import dataclasses
import itertools
import logging
import os
import random
import time

import keras
import numpy as np

from . import _checks
from .data import make_dataset
from .settings import PRECISION_ENV

#: CPU flags of units that compute in bfloat16 (Intel AMX, AVX-512 BF16).
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")

#: The dtype policies :func:`setup` can set.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


class _NewModelRetracing(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning.

    Every run of a comparison builds a new model, and each model traces its
    own training and prediction functions; TensorFlow counts these as
    retracing one function and warns after five, although nothing is
    traced more than a new model needs. Other warnings pass.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def _quiet_new_model_retracing():
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _NewModelRetracing) for f in logger.filters):
        logger.addFilter(_NewModelRetracing())


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _has_gpu():
    """True when the backend in use sees a GPU."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return jax.default_backend() == "gpu"
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


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
        return _checks.one_of(override, PRECISION_ENV, PRECISIONS)
    if _has_gpu():
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

    It also hides TensorFlow's warning that a ``tf.function`` was retraced,
    which every new model of a comparison triggers; other warnings still
    show.

    Returns:
        The name of the policy now in force.

    Example:
        >>> from cnn_course import train
        >>> train.setup(seed=0, precision="float32")
        'float32'
    """
    _checks.one_of(precision, "precision", ("auto", *PRECISIONS))
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"`seed` must be None or a non-negative integer. Received: seed={seed!r}")
        keras.utils.set_random_seed(int(seed))
    policy = choose_precision() if precision == "auto" else precision
    keras.mixed_precision.set_global_policy(policy)
    _quiet_new_model_retracing()
    return policy


@dataclasses.dataclass
class Run:
    """What :func:`fit` measured.

    Attributes:
        history: ``model.fit``'s ``History.history`` dict (per-epoch metrics).
        seconds: wall time of ``model.fit``.
        samples_per_second: training examples per second of ``model.fit``'s
            wall time (validation and callbacks included).
        precision: the model's dtype policy (its own, not the global one).
        xla: whether XLA compiled the training steps (the model's
            ``jit_compile``, set by ``model.compile``). On the TensorFlow
            backend Keras leaves it off on a machine without a GPU unless
            ``jit_compile=True`` is asked for; whether that is faster there
            depends on the model (``benchmarks/train_speed.py`` measures
            it: on one 2-core CPU, from no gain to about 2x).
        model: the trained model (``None`` where
            :func:`cnn_course.experiments.compare` did not keep it).
        callbacks: the callbacks :func:`cnn_course.experiments.compare` made
            for this run (empty otherwise).
    """

    history: dict
    seconds: float
    samples_per_second: float
    precision: str
    xla: bool = False
    model: object = dataclasses.field(default=None, repr=False)
    callbacks: list = dataclasses.field(default_factory=list, repr=False)

    @property
    def setting(self):
        """The precision, and XLA where it compiled the steps, as every
        printed timing names them: ``"float32 with XLA"``, ``"mixed_bfloat16"``."""
        return f"{self.precision} with XLA" if self.xla else self.precision


class _Endless(keras.utils.PyDataset):
    """The epochs of an :class:`~cnn_course.data.ArrayDataset`, one after
    another, as one endless stream of training batches (``model.fit`` then
    needs ``steps_per_epoch``).

    Why not give ``model.fit`` the dataset itself: for a finite dataset
    Keras makes a new ``tf.data`` iterator every epoch and deletes the old
    one, and on TensorFlow the deletion can block, all threads idle, until a
    background thread of ``tf.data`` wakes up. Measured on 2026-12-05 (TF
    2.21, Keras 3.15, 2 cores): 40 s lost after the first 40-s epoch of
    Geron's CNN, and 20 to 30 s after some of Chapter 4's ResNet epochs.
    With an endless dataset and ``steps_per_epoch``, Keras keeps one
    training iterator for the whole fit. (Validation stays finite: Keras
    makes a new iterator for every evaluation anyway.) The thread is
    ``tf.data``'s autotuning; on TensorFlow, :func:`fit` also switches it
    off (:func:`_without_autotuning`), so that the one deletion at the end
    of a fit, and those after each validation, do not wait either.

    On TensorFlow without a ``tf.distribute`` strategy, the batches and
    their order are those of ``model.fit`` on the finite dataset: Keras
    visits a finite dataset's batches in an order drawn with Python's
    ``random.shuffle`` at the start of each epoch, and calls its
    ``on_epoch_end`` once before the first epoch, so that epoch ``k`` reads
    epoch ``k + 1`` of an ArrayDataset. Here the orders of all ``epochs``
    are drawn at the start, the same draws in the same sequence, provided
    nothing else draws from Python's ``random`` during the fit and it runs
    all its epochs. (On JAX and torch, and under a strategy, Keras first
    pulls one batch to build the model, which costs the finite dataset one
    more draw: the orders there differ from ``model.fit``'s, equally
    random.) Anything fetched past the last epoch comes in index order.
    """

    def __init__(self, dataset, epochs=0, shuffle=False):
        super().__init__()
        self.dataset = dataset
        self.visits = []
        for _ in range(epochs):
            visit = list(range(len(dataset)))
            if shuffle:
                random.shuffle(visit)
            self.visits.append(visit)

    @property
    def num_batches(self):
        return None  # endless

    def __getitem__(self, step):
        epoch, position = divmod(step, len(self.dataset))
        if epoch < len(self.visits):
            position = self.visits[epoch][position]
        return self.dataset.batch(epoch + 1, position)


def _without_autotuning(dataset, endless):
    """On TensorFlow: ``dataset`` (a PyDataset) as the ``tf.data`` pipeline
    Keras would make of it, with ``tf.data``'s autotuning switched off.

    Why: Keras feeds a PyDataset through ``prefetch(tf.data.AUTOTUNE)``,
    and an autotuned pipeline has a background thread that sleeps 10 ms
    after the iterator's first batch, then 20, 40... ms, doubling up to a
    minute. Deleting the iterator waits for that thread's next wake-up
    (TF 2.21: the main thread sits in the iterator's destructor while the
    thread sleeps in ``Model::OptimizeLoop``; see
    ``benchmarks/time_to_accuracy.py``). So a fit's end was rounded up to
    the next wake-up, 10 ms x (2**k - 1) after its start (..., 5.11, 10.23,
    20.47, 40.95 s), then every 60 s: a fit longer than 41 s lost up to a
    minute, half a minute on average, and each validation up to its own
    length. Without autotuning there is no such thread. The batches are the
    same, in the same order (``endless``: steps 0, 1, 2...; else batches
    ``0 .. len - 1``, as for validation), prepared two ahead of the step.
    """
    import tensorflow as tf

    first = dataset[0]  # batches are pure functions of their index: no state moves
    signature = tuple(
        tf.TensorSpec((None,) + np.shape(a)[1:], tf.as_dtype(np.asarray(a).dtype))
        for a in first
    )

    def batches():
        for step in itertools.count() if endless else range(len(dataset)):
            yield tuple(dataset[step])

    options = tf.data.Options()
    options.autotune.enabled = False
    pipeline = tf.data.Dataset.from_generator(batches, output_signature=signature)
    # Keras knows the number of batches, as it does for the PyDataset
    size = tf.data.INFINITE_CARDINALITY if endless else len(dataset)
    pipeline = pipeline.apply(tf.data.experimental.assert_cardinality(size))
    return pipeline.prefetch(2).with_options(options)


def _is_array(value):
    return isinstance(value, (np.ndarray, list)) or hasattr(value, "__array__")


def _validation_set(validation_data, batch_size):
    """``validation_data`` as ``model.fit`` takes it; arrays go through
    :func:`cnn_course.data.make_dataset` (no shuffling, no augmentation)."""
    if validation_data is None:
        return None
    if isinstance(validation_data, tuple):
        if len(validation_data) not in (2, 3) or not all(
            v is None or _is_array(v) for v in validation_data
        ):
            raise ValueError(
                "`validation_data` must be (x, y) or (x, y, sample_weight) arrays, or a "
                "dataset. Received: a tuple of "
                f"{[type(v).__name__ for v in validation_data]}"
            )
        x, y, *weight = validation_data
        if len(x) == 0:
            raise ValueError(
                "`validation_data` is empty: pass None to train without validation."
            )
        return make_dataset(x, y, batch_size, shuffle=False,
                            sample_weight=weight[0] if weight else None)
    return validation_data  # a tf.data.Dataset, a PyDataset...: model.fit takes it


def fit(
    model,
    x,
    y=None,
    validation_data=None,
    epochs=1,
    batch_size=128,
    augment=(),
    seed=None,
    sample_weight=None,
    validation_split=0.0,
    **fit_kwargs,
):
    """``model.fit`` on a reproducible pipeline, timed.

    Arrays are batched, shuffled and augmented by
    :func:`cnn_course.data.make_dataset`; a dataset given as ``x`` (a
    ``tf.data.Dataset``, a ``keras.utils.PyDataset``...) goes to
    ``model.fit`` as it is. Everything else works as in ``model.fit``.
    On TensorFlow, the arrays' batches reach ``model.fit`` as a
    ``tf.data.Dataset`` without autotuning: with it, every fit ended only
    when a ``tf.data`` background thread next woke up, up to a minute late.

    Args:
        model: a compiled Keras model.
        x, y: training images and labels (arrays), or a dataset as ``x`` and
            no ``y``.
        validation_data: ``(x, y)`` or ``(x, y, sample_weight)`` arrays, a
            dataset, or ``None``.
        epochs: passes over the training data.
        batch_size: examples per step (arrays only).
        augment: augmentations for the training set, see
            :func:`cnn_course.data.make_dataset` (arrays only).
        seed: seed of shuffling and augmentation.
        sample_weight: per-example weights of the training set.
        validation_split: as in ``model.fit``: this fraction of the arrays,
            taken from the end before shuffling, is used for validation.
        **fit_kwargs: passed to ``model.fit`` (``callbacks``, ``verbose``...).

    Returns:
        A :class:`Run` with the history, wall time and throughput.

    Raises:
        ValueError: for empty arrays, ``y`` with a dataset, augmentation of a
            dataset, both ``validation_data`` and ``validation_split``, or
            arguments ``model.fit`` would reject in the middle of training.

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
    batch_size = _checks.positive_int(batch_size, "batch_size")
    for name in ("batch_size", "shuffle", "steps_per_epoch", "x", "y"):
        if name in fit_kwargs:
            raise ValueError(f"`{name}` is set by train.fit itself; do not pass it twice.")
    if not _is_array(x):  # a dataset: model.fit reads it as it is
        if y is not None or sample_weight is not None or augment or validation_split:
            raise ValueError(
                "With a dataset as `x`, `y`, `sample_weight`, `augment` and "
                "`validation_split` must stay unset: the dataset provides the batches. "
                f"Received: x of type {type(x).__name__}"
            )
        train_data, size = x, None
    else:
        if y is None:
            raise ValueError("`y` is required when `x` is an array of images.")
        x, y = np.asarray(x), np.asarray(y)
        if validation_split:
            if validation_data is not None:
                raise ValueError("Pass `validation_data` or `validation_split`, not both.")
            if not 0 < validation_split < 1:
                raise ValueError(
                    "`validation_split` must be a fraction between 0 and 1. "
                    f"Received: validation_split={validation_split!r}"
                )
            keep = int(len(x) * (1 - validation_split))  # as model.fit: the end
            weights = None if sample_weight is None else np.asarray(sample_weight)
            validation_data = (x[keep:], y[keep:]) + (() if weights is None else (weights[keep:],))
            x, y = x[:keep], y[:keep]
            sample_weight = None if weights is None else weights[:keep]
        batches = make_dataset(x, y, batch_size, shuffle=True, augment=augment,
                               seed=seed, sample_weight=sample_weight)
        size = len(x)
        if getattr(model, "steps_per_execution", 1) == 1:
            epochs_to_run = epochs - fit_kwargs.get("initial_epoch", 0)
            train_data = _Endless(batches, epochs_to_run, shuffle=True)
            fit_kwargs.update(steps_per_epoch=len(batches), shuffle=False)  # shuffled above
        else:  # several steps per call would carry batches across epochs
            train_data = batches
    validation = _validation_set(validation_data, batch_size)
    if keras.backend.backend() == "tensorflow":
        if isinstance(train_data, _Endless):
            train_data = _without_autotuning(train_data, endless=True)
        if isinstance(validation_data, tuple):  # arrays: our own PyDataset
            validation = _without_autotuning(validation, endless=False)
    start = time.perf_counter()
    history = model.fit(train_data, validation_data=validation, epochs=epochs, **fit_kwargs)
    seconds = time.perf_counter() - start
    epochs_run = len(history.epoch) or 1  # early stopping may end sooner
    return Run(
        history=dict(history.history),
        seconds=seconds,
        samples_per_second=(size or 0) * epochs_run / seconds,
        precision=model.dtype_policy.name,
        xla=bool(model.jit_compile),
        model=model,
    )


def warmup_cosine(peak, epochs, steps_per_epoch):
    """A learning-rate schedule: a linear warm-up from ``peak / 10`` to
    ``peak`` over the first half epoch, then a cosine down to 0 at the last
    step. Chapter 4's recipes train with it.

    The cosine is Loshchilov and Hutter's (SGDR, 2017) without restarts; a
    short warm-up keeps the first steps, taken from random weights, from
    being the largest (Goyal et al., 2017, warm up linearly over 5 epochs
    of ImageNet; half an epoch suffices for Fashion-MNIST here). Keras'
    ``CosineDecay`` does both; this only fixes the warm-up's length and
    start.

    Args:
        peak: the largest learning rate, reached after half an epoch.
        epochs, steps_per_epoch: the run's length; the rate reaches 0 at
            step ``epochs * steps_per_epoch``.

    Example:
        >>> from cnn_course.train import warmup_cosine
        >>> rate = warmup_cosine(3e-3, epochs=3, steps_per_epoch=430)
        >>> [round(float(rate(step)), 6) for step in (0, 215, 3 * 430)]
        [0.0003, 0.003, 0.0]
    """
    peak = _checks.positive(peak, "peak")
    epochs = _checks.positive_int(epochs, "epochs")
    steps_per_epoch = _checks.positive_int(steps_per_epoch, "steps_per_epoch")
    warmup = steps_per_epoch // 2
    return keras.optimizers.schedules.CosineDecay(
        peak / 10, decay_steps=epochs * steps_per_epoch - warmup,
        warmup_target=peak, warmup_steps=warmup)


def predict_with_flips(model, x, batch_size=256):
    """Test-time augmentation: average the predictions for each image and its
    mirror image.

    AlexNet (Krizhevsky et al., 2012, Section 4.1) averaged the softmax
    outputs over ten patches of each test image, five crops and their
    horizontal reflections; this is the cheap half of that, worth it for
    images that may be flipped without changing their class (clothes,
    natural scenes; not digits or text). It costs two forward passes.

    Args:
        model: a model with one output of class probabilities.
        x: images ``(n, height, width, channels)``.
        batch_size: images per forward pass.

    Returns:
        A NumPy array ``(n, classes)`` of averaged probabilities.

    Raises:
        ValueError: if ``x`` is not a batch of images, the model has more
            than one output or its output is not ``(n, classes)``, or its
            predictions are not finite (inputs far outside the training scale).

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
    if not isinstance(direct, np.ndarray) or direct.shape != (len(x), direct.shape[-1]):
        shapes = [np.shape(p) for p in (direct.values() if isinstance(direct, dict) else direct)] \
            if isinstance(direct, (list, tuple, dict)) else [np.shape(direct)]
        raise ValueError(
            "predict_with_flips needs a model with one output of shape (n, classes). "
            f"Received: model {model.name!r} whose predictions have shapes {shapes}"
        )
    mirrored = model.predict(x[:, :, ::-1], batch_size=batch_size, verbose=0)
    probabilities = (np.asarray(direct, "float32") + np.asarray(mirrored, "float32")) / 2
    broken = ~np.isfinite(probabilities).all(axis=1)
    if broken.any():  # an overflow in the model, never a silent NaN
        finite = x[np.isfinite(x)] if x.dtype.kind == "f" else x
        scale = f" from {finite.min()} to {finite.max()}" if finite.size else ""
        raise ValueError(
            f"The model's predictions for {int(broken.sum())} of the {len(x)} images in "
            "`x` are not finite (NaN or inf). Scale `x` as the model was trained (for the "
            f"course's models, pixels in [0, 1]). Received: `x` with values{scale}"
            + (", and NaN or inf" if x.dtype.kind == "f" and not np.isfinite(x).all() else "")
        )
    return probabilities
