"""Training throughput: plain Keras (float32) against cnn_course.train.

Trains the seed-003 CNN (Geron's Fashion-MNIST model) for the same number
of steps on the same images, batch size and optimizer, twice:

(a) plain Keras defaults: float32, ``model.fit`` on NumPy arrays;
(b) through ``cnn_course.train``: the precision chosen for this machine
    (``train.choose_precision``) and a ``tf.data`` pipeline; with
    ``--xla`` also XLA (``model.compile(jit_compile=True)``), which Keras
    leaves off on a CPU.

Each arm first runs a few warm-up steps (tracing, memory allocation), then
the timed steps. Prints samples per second for both and their ratio::

    python benchmarks/train_speed.py                # 200 timed steps of 128
    python benchmarks/train_speed.py --steps 50 --batch-size 32
    python benchmarks/train_speed.py --xla          # (b) compiled with XLA

Set ``CNN_COURSE_PRECISION=float32`` to see (b) without mixed precision.

XLA on a CPU, measured on 2026-12-04 on a 2-core AMD EPYC with AVX2 and
FMA but no AVX-512 and no bfloat16 units (so float32), images per second
of ``cnn_course.train.fit`` in batches of 128 after a warm-up fit (XLA's
compilation left out), without and with ``jit_compile=True``:

    Geron's CNN (this script, 40 steps)            78  -> 132   1.7x
    Chapter 4's ResNet, (32, 64, 128) x (1, 2, 2)  58  ->  94   1.6x
    Chapter 3's experiment networks (20 steps each):
      AlexNet's four-layer ReLU net               496  -> 707   1.4x
      normalization arms: none / LRN / BatchNorm  559 -> 524 (0.94x),
                                                  390 -> 390 (1.0x),
                                                  249 -> 398 (1.6x)
      kernel arms: one 5x5 / two 3x3              657 -> 495 (0.75x),
                                                  648 -> 980 (1.5x)
      head arms: GAP / FC / FC + dropout          247 -> 268 (1.1x),
                                                  125 -> 249 (2.0x),
                                                  125 -> 249 (2.0x)

So XLA is no rule on a CPU: it doubled some networks and slowed one 5x5
convolution stack by a quarter. Its compilation also costs time: a first
fit of 1,280 images took 8 s (the CNN) and 11 s (the ResNet) longer with
XLA than without, which a run of a few thousand images wins back only
where XLA is faster. That is why ``cnn_course.train`` does not turn it on
by itself; compile with ``jit_compile=True`` where this script, on your
model, says it pays. Other levers on that CPU, no XLA, Geron's CNN:
batches of 256 or 64 gave 66 and 62 images/s against 78 at 128, and
TensorFlow's inter-op threads cut to 1 (intra-op 2) gave 36.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from cnn_course import data, models, train  # noqa: E402


def plain_keras(x, y, batch_size, warmup, steps):
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    model = models.fashion_cnn()
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[: warmup * batch_size], y[: warmup * batch_size],
              batch_size=batch_size, epochs=1, verbose=0)
    count = steps * batch_size
    start = time.perf_counter()
    model.fit(x[:count], y[:count], batch_size=batch_size, epochs=1, verbose=0)
    return count / (time.perf_counter() - start), "float32"


def course_train(x, y, batch_size, warmup, steps, xla=False):
    train.setup(seed=0, precision="auto")
    model = models.fashion_cnn()
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=xla)
    train.fit(model, x[: warmup * batch_size], y[: warmup * batch_size],
              batch_size=batch_size, verbose=0)
    count = steps * batch_size
    run = train.fit(model, x[:count], y[:count], batch_size=batch_size, verbose=0)
    return run.samples_per_second, run.setting


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per arm")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per arm")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--xla", action="store_true", help="compile (b) with XLA")
    args = parser.parse_args()
    needed = (args.steps + args.warmup) * args.batch_size
    splits = data.load_fashion_mnist(subset=needed)
    x, y = splits.x_train, splits.y_train
    if len(x) < args.steps * args.batch_size:
        parser.error(f"only {len(x)} training images: lower --steps or --batch-size")
    a, policy_a = plain_keras(x, y, args.batch_size, args.warmup, args.steps)
    b, policy_b = course_train(x, y, args.batch_size, args.warmup, args.steps, args.xla)
    print(f"steps {args.steps} x batch {args.batch_size} = {args.steps * args.batch_size} images")
    print(f"(a) plain Keras      {policy_a:>24s} {a:8.0f} samples/s")
    print(f"(b) cnn_course.train {policy_b:>24s} {b:8.0f} samples/s")
    print(f"ratio (b)/(a): {b / a:.2f}x")


if __name__ == "__main__":
    main()
