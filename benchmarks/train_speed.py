"""Training throughput: plain Keras (float32) against cnn_course.train.

Trains one network (``--model``, Geron's Fashion-MNIST CNN by default) on
the same images, batch size and optimizer in three or four arms:

(a) plain Keras defaults: float32, ``model.fit`` on NumPy arrays;
(b) through ``cnn_course.train``: the precision chosen for this machine
    (``train.choose_precision``) and ``data.make_dataset``'s batches;
(c) (b) compiled with XLA (``model.compile(jit_compile=True)``), which
    Keras leaves off on a machine without a GPU;
(d) where (b) is not float32: ``train.fit`` in float32, to measure for
    this network, not assume, what the automatic precision choice gains.

Each arm first runs a few warm-up steps (tracing, XLA's compilation,
memory allocation), untimed. Then each arm is fitted ``--rounds`` times,
the arms taking turns, and the script prints each arm's samples per
second (the median and every round) and the ratios of the medians::

    python benchmarks/train_speed.py                # 200 steps of 128, one round
    python benchmarks/train_speed.py --model nin-gap --steps 20 --rounds 3
    python benchmarks/train_speed.py --steps 50 --batch-size 32

Set ``CNN_COURSE_PRECISION=float32`` to see (b) and (c) without mixed
precision.

**Take turns, and distrust single runs, on a virtual machine.** On a
2-core AMD EPYC virtual machine with AVX2 and FMA but no AVX-512 and no
bfloat16 units (so float32), measured on 2026-12-04, a fit of Geron's CNN
on 2,560 images took either 20.5 s (125 images/s) or 41.0 s (62 images/s)
with the same code, switching from one minute to the next, and the CPU
time was about the same both ways (36 s and 38 s): in the slow mode only
one core worked (0.92 cores busy against 1.6 to 1.9). The hardware did
not halve: two NumPy threads multiplying matrices ran at 8 to 12.6
products per second, never half that, over 150 s. While the CNN trains,
three busy threads (Python's main thread and two of TensorFlow's) share
the two cores. Setting TensorFlow's inter-op threads to 1 did not remove
the slow mode (one fit of nine at 62 images/s), nor did adding intra-op
threads at 2 (two of nine); the defaults had none in nine fits then.

Measured there, three rounds of 20 steps of 128 images (2,560) per arm,
images per second, median (rounds), float32:

    network     (a) plain Keras       (b) train.fit         (c) with XLA          (c)/(b)
    cnn          109 (109 125 62)      123 (123 125 62)      125 (188 125 125)    1.02x
    resnet        62 (111 62 62)       111 (123 111 62)      192 (192 195 179)    1.73x
    one-5x5     1059 (1059 1162 980)  1136 (936 1136 1154)  1529 (1529 1593 991)  1.35x
    two-3x3     1015 (1015 974 1046)   972 (915 1075 972)    993 (985 993 1772)   1.02x
    nin-gap      249 (241 249 434)     249 (242 249 249)     368 (368 249 371)    1.48x
    lrn          486 (486 248 582)     506 (246 526 506)     497 (495 498 497)    0.98x
    batchnorm    249 (474 249 248)     249 (475 249 249)     497 (497 497 498)    1.99x
    four-layer   495 (881 495 495)     774 (738 841 774)     714 (499 798 714)    0.92x

So XLA's gain there depends on the network, from none to about 2x, and
with medians of three runs that can each land in either mode, even these
ratios are uncertain. Many rates sit on a ladder: 62, 125, 249, 497 and
about 990 images/s are 2,560 images in 41.0, 20.5, 10.3, 5.15 and 2.6 s,
as if a fit waited for a periodic wake-up; with a callback that
synchronizes every step, the CNN's steps took 1.2 to 1.6 s each, off the
ladder. The cause, found on 2026-12-06 on another machine: each fit
ended only when ``tf.data``'s autotuning thread next woke up, 10 ms x
(2**k - 1) after the fit's first batch (2.55, 5.11, 10.23, 20.47, 40.95 s,
then every 60 s; ``time_to_accuracy.py`` has the stacks and timings), so
these rates say when a fit could end more than how fast its steps ran.
``train.fit`` (arms (b) and (c)) no longer waits: it turns autotuning off;
plain Keras on arrays (arm (a)) still does. An earlier measurement with two arms,
(b) and (c), had found about 2x for the CNN (62 62 74 against 62 122
125); the rows above show the CNN's (b) at 125 as often as at 62, so
that 2x was mostly the two modes. ``cnn_course.train`` therefore leaves
XLA to ``model.compile``, where Keras turns it off on a CPU; a chapter
may ask for it where it is measured to help. End to end, Chapter 3's
largest experiment, ``experiments.compare(experiments.head_arms(), few,
seeds=(0,), epochs=40, batch_size=64, validation_freq=5,
jit_compile=...)`` on its 1,000 training and 2,000 validation images,
fitted in 186, 176 and 179 s without XLA (GAP, FC, FC + dropout) and 129,
184 and 173 s with it: 1.11x in all, compilation included; XLA also
moved the GAP arm's validation accuracy from 0.777 to 0.770.

**With bfloat16 units, XLA is slower.** On a 2-core Intel Xeon virtual
machine with AMX and AVX512-BF16 (so (b) and (c) in mixed_bfloat16),
measured on 2026-12-05, two rounds of 20 steps of 128 images per arm:

    network     (a) plain Keras   (b) train.fit       (c) with XLA    (c)/(b)
    resnet       239 (229 248)     314 (298 330)       224 (224 224)   0.71x
    cnn          340 (432 249)    1080 (1000 1160)     272 (266 278)   0.25x

(Both tables' ResNet rows predate ``FusedBatchNormalization``: the
ResNet then used Keras' own BatchNormalization, which took more than half
of its training step; ``time_to_accuracy.py`` has the comparison.)

XLA's CPU code generation does not use the bfloat16 units that oneDNN's
kernels use, so there it undoes most of mixed precision's gain. Chapter 3
therefore compiles with XLA only when ``train.choose_precision()`` is
float32.

**The automatic precision, measured per network** (arm (d), 2026-12-06,
a 2-core Xeon with AMX, three rounds of 40 steps, images per second,
median (rounds); batches of 128, 64 for plain-56 as in Chapter 2):

    network    (b) mixed_bfloat16    (d) float32         (b)/(d)   (c)/(b)
    cnn        1798 (1702 1956 1798)  635 (642 635 630)   2.83x     0.23x
    lrn        2666 (2453 2727 2666) 2201 (2253 2200 2201) 1.21x    0.47x
    no-norm    9555 (7932 9555 9570) 4600 (4637 4551 4600) 2.08x    0.16x
    nin-gap    3965 (3220 3965 4023) 2043 (2043 2135 1967) 1.94x    0.22x
    four-layer 9407 (7878 9407 10251) 5003 (4772 5151 5003) 1.88x   0.19x
    plain-56    481 (296 481 500)     287 (307 287 287)   1.68x     0.32x

An earlier script, with Adam, three rounds of 40 steps and float32 with
XLA as a third setting, found the same order for the other experiment
networks of Chapters 2 and 3 (mixed_bfloat16 fastest, float32 with XLA
slowest, at 0.38 to 0.61 of float32 alone): batchnorm 3366 against 2576 in float32,
one-5x5 13862 against 7998, two-3x3 12891 against 7791, nin-fc 3099
against 1944, plain-20 1565 against 928, ResNet-20 1169 against 813,
ResNet-56 406 against 278. Chapter 4's ResNet is in
``time_to_accuracy.py`` (its float32 epochs took 1.7 times as long).
So on a CPU with bfloat16 units the automatic choice is right for every
network measured, from 1.2x (LRN, whose TensorFlow kernel computes in
float32, between two casts) to 2.8x (Geron's CNN); Chapter 3's LeNet-5
variants were not measured.

XLA's compilation also costs time: a first fit of 1,280 images took 8 s
(the CNN) and 11 s (the ResNet) longer with it. At 125 images/s the CNN
computes about 67 GFLOP/s (its forward pass is 89.5 million multiply-adds
an image; forward and backward about three times that, two FLOPs each:
0.54 GFLOP), close to what
NumPy's 1500x1500 matrix product reached on both cores (6.75 GFLOP a
product, 11 to 12 a second: about 75 to 80 GFLOP/s). In float32 on this
CPU, only less arithmetic (fewer epochs, a smaller network) can make the
CNN's training much faster than its fast mode.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from cnn_course import data, experiments, models, train  # noqa: E402

#: The networks this script can time: the CNN of the seeds and Chapter 4,
#: Chapter 4's small ResNet, eight of Chapter 3's experiment networks and
#: Chapter 2's deepest plain and residual networks (batches of 64 there).
MODELS = {
    "cnn": models.fashion_cnn,
    "resnet": lambda: models.resnet_small(widths=(32, 64, 128), blocks=(1, 2, 2)),
    "one-5x5": experiments.kernel_arms()["one 5x5"],
    "two-3x3": experiments.kernel_arms()["two 3x3"],
    "lrn": experiments.normalization_arms()["LRN"],
    "batchnorm": experiments.normalization_arms()["BatchNorm"],
    "four-layer": lambda: experiments.four_layer_net("relu"),
    "nin-gap": experiments.head_arms()["GAP"],
    "nin-fc": experiments.head_arms()["FC"],
    "no-norm": experiments.normalization_arms()["none"],
    "plain-56": experiments.shortcut_arms(shallow=3, deep=9)["plain-56"],
    "resnet-56": experiments.shortcut_arms(shallow=3, deep=9)["ResNet-56"],
}


def plain_keras(build, x, y, batch_size, warmup):
    """Arm (a): returns a function that times one plain ``model.fit``."""
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    model = build()
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[: warmup * batch_size], y[: warmup * batch_size],
              batch_size=batch_size, epochs=1, verbose=0)

    def timed():
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        return len(x) / (time.perf_counter() - start), "float32"

    return timed


def course_train(build, x, y, batch_size, warmup, xla, precision="auto"):
    """Arms (b) to (d): returns a function that times one ``train.fit``."""
    train.setup(seed=0, precision=precision)
    model = build()
    model.compile("nadam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=xla)
    train.fit(model, x[: warmup * batch_size], y[: warmup * batch_size],
              batch_size=batch_size, verbose=0)

    def timed():
        run = train.fit(model, x, y, batch_size=batch_size, verbose=0)
        return run.samples_per_second, run.setting

    return timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="cnn")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per fit")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per arm")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=1,
                        help="timed fits per arm, the arms taking turns")
    args = parser.parse_args()
    if min(args.steps, args.warmup, args.batch_size, args.rounds) < 1:
        parser.error("--steps, --warmup, --batch-size and --rounds must be at least 1")
    count = args.steps * args.batch_size
    splits = data.load_fashion_mnist(subset=count + args.warmup * args.batch_size)
    if len(splits.x_train) < count:
        parser.error(f"only {len(splits.x_train)} training images: lower --steps or --batch-size")
    x, y = splits.x_train[:count], splits.y_train[:count]
    build = MODELS[args.model]
    arms = {
        "(a) plain Keras": plain_keras(build, x, y, args.batch_size, args.warmup),
        "(b) train.fit": course_train(build, x, y, args.batch_size, args.warmup, False),
        "(c) train.fit, XLA": course_train(build, x, y, args.batch_size, args.warmup, True),
    }
    if train.choose_precision() != "float32":
        arms["(d) train.fit, float32"] = course_train(build, x, y, args.batch_size, args.warmup,
                                                      False, precision="float32")
    speeds = {arm: [] for arm in arms}
    settings = {}
    for _ in range(args.rounds):
        for arm, timed in arms.items():
            speed, settings[arm] = timed()
            speeds[arm].append(speed)
    print(f"{args.model}: {args.rounds} round(s) of {args.steps} steps x batch "
          f"{args.batch_size} = {count} images")
    medians = {arm: statistics.median(values) for arm, values in speeds.items()}
    for arm, values in speeds.items():
        each = " ".join(f"{v:.0f}" for v in values)
        print(f"{arm:22s} {settings[arm]:>24s} {medians[arm]:8.0f} samples/s (median of {each})")
    print(f"ratio (b)/(a): {medians['(b) train.fit'] / medians['(a) plain Keras']:.2f}x")
    print(f"ratio (c)/(b): {medians['(c) train.fit, XLA'] / medians['(b) train.fit']:.2f}x")
    if "(d) train.fit, float32" in medians:
        print(f"ratio (b)/(d): {medians['(b) train.fit'] / medians['(d) train.fit, float32']:.2f}x")


if __name__ == "__main__":
    main()
