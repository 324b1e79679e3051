"""Training throughput: plain Keras (float32) against cnn_course.train.

Trains the seed-003 CNN (Geron's Fashion-MNIST model) for the same number
of steps on the same images, batch size and optimizer, twice:

(a) plain Keras defaults: float32, ``model.fit`` on NumPy arrays;
(b) through ``cnn_course.train``: the precision chosen for this machine
    (``train.choose_precision``) and ``data.make_dataset``'s batches; with
    ``--xla`` also XLA (``model.compile(jit_compile=True)``), which Keras
    leaves off on a CPU.

Each arm first runs a few warm-up steps (tracing, memory allocation), then
the timed steps. Prints samples per second for both and their ratio::

    python benchmarks/train_speed.py                # 200 timed steps of 128
    python benchmarks/train_speed.py --steps 50 --batch-size 32
    python benchmarks/train_speed.py --xla          # (b) compiled with XLA

Set ``CNN_COURSE_PRECISION=float32`` to see (b) without mixed precision.

XLA on a CPU, measured on 2026-12-04 on a 2-core AMD EPYC virtual machine
with AVX2 and FMA but no AVX-512 and no bfloat16 units (so float32).
Throughput there was bimodal: the same fit of Geron's CNN without XLA ran
at about 62 or about 125 images/s from one minute to the next, and a
single measurement of each setting, one after the other, gave ratios from
0.75x to 3.9x. Only interleaved runs compare: two models, one compiled
with ``jit_compile=True``, each first fitted once (compilation left out),
then fitted alternately, three times each, on 2,560 images in batches of
128, through ``cnn_course.train.fit``; images per second:

    Geron's CNN                      no XLA  62  62  74   XLA  62 122 125  (1.96x)
    Chapter 4's ResNet,
      (32, 64, 128) x (1, 2, 2)      no XLA  60  62  62   XLA 131 131 155  (2.10x)
    Chapter 3's "one 5x5" network    no XLA 488 907 496   XLA 982 1219 982 (1.98x)
    Geron's CNN with a GAP head      no XLA  62  83  62   XLA 125 125 138  (2.00x)

(ratios of the medians). Both settings kept the two cores busy (1.4 to
1.9 seconds of CPU time per second, four more interleaved fits of the
CNN: 81 and 62 images/s without XLA, 125 and 132 with it), so the
difference is in the kernels, not in idle cores. XLA's compilation costs
time of its own: a first fit of 1,280 images took 8 s (the CNN) and 11 s
(the ResNet) longer with XLA than without. ``cnn_course.train`` leaves
the choice to ``model.compile``, where Keras turns XLA off on a CPU:
whether the gain above holds on other CPUs, and in mixed_bfloat16, is
not measured yet.
Run this script with and without ``--xla``, interleaved, on yours.
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
