"""Training throughput: plain Keras (float32) against cnn_course.train.

Trains the seed-003 CNN (Geron's Fashion-MNIST model) for the same number
of steps on the same images, batch size and optimizer, twice:

(a) plain Keras defaults: float32, ``model.fit`` on NumPy arrays;
(b) through ``cnn_course.train``: the precision chosen for this machine
    (``train.choose_precision``), a ``tf.data`` pipeline, and XLA where
    ``train.uses_xla`` turns it on (float32 on a CPU, a long enough run).

Each arm first runs a few warm-up steps (tracing, memory allocation), then
the timed steps. Prints samples per second for both and their ratio::

    python benchmarks/train_speed.py                # 200 timed steps of 128
    python benchmarks/train_speed.py --steps 50 --batch-size 32

Set ``CNN_COURSE_PRECISION=float32`` to see (b) without mixed precision.
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


def course_train(x, y, batch_size, warmup, steps):
    train.setup(seed=0, precision="auto")
    model = models.fashion_cnn()
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    count = steps * batch_size
    xla = train.uses_xla(model, images=count)  # decided once: the warm-up compiles it
    train.fit(model, x[: warmup * batch_size], y[: warmup * batch_size],
              batch_size=batch_size, verbose=0, jit_compile=xla)
    run = train.fit(model, x[:count], y[:count], batch_size=batch_size, verbose=0,
                    jit_compile=xla)
    return run.samples_per_second, run.setting


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per arm")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per arm")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    needed = (args.steps + args.warmup) * args.batch_size
    splits = data.load_fashion_mnist(subset=needed)
    x, y = splits.x_train, splits.y_train
    if len(x) < args.steps * args.batch_size:
        parser.error(f"only {len(x)} training images: lower --steps or --batch-size")
    a, policy_a = plain_keras(x, y, args.batch_size, args.warmup, args.steps)
    b, policy_b = course_train(x, y, args.batch_size, args.warmup, args.steps)
    print(f"steps {args.steps} x batch {args.batch_size} = {args.steps * args.batch_size} images")
    print(f"(a) plain Keras      {policy_a:>24s} {a:8.0f} samples/s")
    print(f"(b) cnn_course.train {policy_b:>24s} {b:8.0f} samples/s")
    print(f"ratio (b)/(a): {b / a:.2f}x")


if __name__ == "__main__":
    main()
