"""Training helpers: precision choice, fit, compare, and tf.distribute."""

import functools
import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from cnn_course import experiments, settings, train
from cnn_course.analysis import analyze
from cnn_course.data import FASHION_MNIST_FILES, Splits, keras_dataset_dir

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def restore_policy():
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


def test_precision_follows_the_cpu_and_the_override(monkeypatch):
    monkeypatch.delenv(settings.PRECISION_ENV, raising=False)
    monkeypatch.setattr(train, "_cpu_flags", lambda: {"sse4_2", "avx2"})
    assert train.choose_precision() == "float32"
    monkeypatch.setattr(train, "_cpu_flags", lambda: {"avx2", "amx_bf16", "amx_tile"})
    assert train.choose_precision() == "mixed_bfloat16"
    monkeypatch.setenv(settings.PRECISION_ENV, "float32")
    assert train.choose_precision() == "float32"
    monkeypatch.setenv(settings.PRECISION_ENV, "float8")
    with pytest.raises(ValueError, match=settings.PRECISION_ENV):
        train.choose_precision()


def test_setup_sets_policy_and_seeds():
    assert train.setup(seed=3, precision="mixed_bfloat16") == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().compute_dtype == "bfloat16"
    first = np.random.rand()
    train.setup(seed=3, precision="float32")
    assert np.random.rand() == first
    with pytest.raises(ValueError, match="`precision`"):
        train.setup(precision="half")


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the retracing warning is TensorFlow's")
def test_setup_hides_the_retracing_warning_of_new_models_and_no_other():
    import logging

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    saved = list(logger.filters)
    # TensorFlow's message (tensorflow/python/eager/polymorphic_function/polymorphic_function.py)
    retraced = ("5 out of the last 9 calls to <function f> triggered tf.function retracing. "
                "Tracing is expensive and the excessive number of tracings could be due to ...")
    try:
        for f in saved:
            logger.removeFilter(f)
        logger.warning(retraced)
        assert len(records) == 1  # without setup's filter the warning shows
        records.clear()
        train.setup(precision="float32")
        logger.warning(retraced)
        x = np.zeros((4, 3), "float32")
        for _ in range(8):  # a comparison's runs: a new model each time
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            model.predict(x, verbose=0)
        logger.warning("another warning")
        assert [r.getMessage() for r in records] == ["another warning"]
    finally:
        logger.removeHandler(handler)
        for f in list(logger.filters):
            logger.removeFilter(f)
        for f in saved:
            logger.addFilter(f)

def test_fit_trains_and_reports_throughput():
    rng = np.random.default_rng(0)
    x = rng.random((256, 8, 8, 1)).astype("float32")
    y = (x[:, 0, 0, 0] > 0.5).astype("int64")  # learnable by one dense layer
    train.setup(seed=0, precision="float32")
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    run = train.fit(model, x, y, validation_data=(x, y), epochs=10, batch_size=32, verbose=0)
    assert len(run.history["val_accuracy"]) == 10
    assert run.history["accuracy"][-1] > 0.8
    assert run.samples_per_second == pytest.approx(256 * 10 / run.seconds)
    assert run.precision == "float32"


def _dense_model():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="on JAX and torch Keras pulls a batch to build the model first")
def test_fit_trains_on_the_batches_model_fit_would_see():
    # train.fit streams all epochs through one iterator, where model.fit on the
    # finite dataset makes one per epoch. The training must not change: the
    # same batches in the same order (Keras shuffles a finite dataset's batch
    # order with Python's random.shuffle), so bit for bit the same weights and
    # history, and Python's random state left where model.fit leaves it.
    import random

    from cnn_course.data import make_dataset

    x = np.random.default_rng(0).random((40, 4, 4, 1)).astype("float32")
    y = np.arange(40) % 2

    def trained(fit):
        train.setup(seed=1, precision="float32")
        model = _dense_model()
        history = fit(model)
        return model.get_weights(), history, random.getstate()

    ours = trained(lambda m: train.fit(
        m, x, y, validation_data=(x[:24], y[:24]), epochs=3, batch_size=8,
        augment=("shift", "flip"), seed=5, verbose=0).history)
    finite = trained(lambda m: m.fit(
        make_dataset(x, y, 8, augment=("shift", "flip"), seed=5), epochs=3,
        validation_data=make_dataset(x[:24], y[:24], 8, shuffle=False), verbose=0).history)
    for a, b in zip(ours[0], finite[0]):
        np.testing.assert_array_equal(a, b)
    assert ours[1] == finite[1]
    assert ours[2] == finite[2]


def test_fit_keeps_one_training_iterator_for_all_epochs(monkeypatch):
    # An endless dataset with steps_per_epoch: Keras then never deletes a
    # tf.data iterator between epochs (a deletion blocked up to 40 s). The
    # stream's steps run on past the first epoch's batches, never restarting.
    steps = []
    get = train._Endless.__getitem__

    def spy(self, step):
        steps.append(step)
        return get(self, step)

    monkeypatch.setattr(train._Endless, "__getitem__", spy)
    seen = {}
    model = _dense_model()
    fit = model.fit

    def fit_spy(x, **kwargs):
        seen.update(kwargs, x=x)
        return fit(x, **kwargs)

    monkeypatch.setattr(model, "fit", fit_spy)
    x = np.zeros((20, 4, 4, 1), "float32")
    train.fit(model, x, np.zeros(20), validation_data=(x[:6], np.zeros(6)), epochs=3,
              batch_size=8, verbose=0)
    assert seen["steps_per_epoch"] == 3
    assert seen["shuffle"] is False   # the stream is shuffled already
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # tf.data pipelines without autotuning (whose thread made every
        # iterator's deletion wait for its next wake-up, up to a minute)
        for dataset, batches in ((seen["x"], tf.data.INFINITE_CARDINALITY),
                                 (seen["validation_data"], 1)):
            assert isinstance(dataset, tf.data.Dataset)
            assert dataset.options().autotune.enabled is False
            assert int(dataset.cardinality()) == batches
    else:
        assert seen["x"].num_batches is None
    streamed = steps[steps.index(0, 1):] if steps.count(0) > 1 else steps  # after a probe
    assert streamed[:9] == list(range(9))   # three epochs of 3 batches, one stream


def test_predict_with_flips_averages_an_image_and_its_mirror():
    # A "model" that reports how bright the left half of the image is: the
    # mirror image answers with the right half, so the average is the mean of
    # both halves.
    inputs = keras.Input((2, 4, 1))
    left = keras.layers.Lambda(lambda t: keras.ops.mean(t[:, :, :2], axis=(1, 2)))(inputs)
    outputs = keras.layers.Concatenate()([left, 1 - left])
    model = keras.Model(inputs, outputs)
    x = np.zeros((3, 2, 4, 1), "float32")
    x[0, :, :2] = 1.0  # left half bright
    x[1, :, 2:] = 1.0  # right half bright
    x[2] = 0.5
    expected_left = np.array([0.5, 0.5, 0.5])
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(train.predict_with_flips(model, x)[:, 0], expected_left)
    with pytest.raises(ValueError, match="batch of images"):
        train.predict_with_flips(model, x[0])


def test_compare_runs_every_arm_and_seed_and_restores_policy():
    keras.mixed_precision.set_global_policy("float32")
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, 64)
    splits = Splits(x, y, x[:16], y[:16], x[:16], y[:16])
    result = experiments.compare(experiments.kernel_arms(), splits, seeds=(0, 1, 2), epochs=1,
                           precision="mixed_bfloat16")
    assert {arm: len(runs) for arm, runs in result.runs.items()} == {"one 5x5": 3, "two 3x3": 3}
    summary = result.summary("val_accuracy")
    assert all(0 <= mean <= 1 and std >= 0 for mean, std, _ in summary.values())
    assert "one 5x5" in str(result)
    setting = result.runs["one 5x5"][0].setting  # "mixed_bfloat16 with XLA" on JAX
    assert setting.startswith("mixed_bfloat16")
    assert f"1 epoch, batches of 128, seeds 0, 1 and 2, {setting}, " in str(result)
    # the wall time in all: the six fits' own times, summed, in the budget's words
    total = sum(run.seconds for runs in result.runs.values() for run in runs)
    assert result.seconds == pytest.approx(total) and total > 0
    assert result.budget.endswith(f", {experiments._duration_in_words(total)} of training")
    assert keras.mixed_precision.global_policy().name == "float32"


def layer_kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_experiment_arms_differ_in_the_studied_part():
    # each arm must hold what it is named for: swapping the "LRN" arm for
    # small_alexnet(None), "tanh" for a ReLU network or "FC + dropout" for
    # the plain FC head once left every other check of these arms passing
    from cnn_course.layers import LocalResponseNormalization

    norm = {k: b() for k, b in experiments.normalization_arms().items()}
    assert "LocalResponseNormalization" not in layer_kinds(norm["none"])
    assert "BatchNormalization" not in " ".join(layer_kinds(norm["none"]))
    for index in (1, 2):
        lrn = norm["LRN"].get_layer(f"norm{index}")
        assert isinstance(lrn, LocalResponseNormalization)
        # AlexNet, Section 3.3: k = 2, n = 5 (a half-width of 2), alpha = 1e-4, beta = 0.75
        assert (lrn.depth_radius, lrn.bias, lrn.alpha, lrn.beta) == (2, 2.0, 1e-4, 0.75)
    acts = {k: b() for k, b in experiments.activation_arms().items()}
    for arm, activation, initializer in (("ReLU", "relu", "HeNormal"),
                                         ("tanh", "tanh", "GlorotUniform")):
        convs = [layer for layer in acts[arm].layers if isinstance(layer, keras.layers.Conv2D)]
        assert len(convs) == 3
        for conv in convs:
            assert conv.activation.__name__ == activation, (arm, conv.name)
            assert type(conv.kernel_initializer).__name__ == initializer, (arm, conv.name)
    heads = {k: b() for k, b in experiments.head_arms().items()}
    assert "Dense" not in layer_kinds(heads["GAP"])
    assert "Dropout" not in layer_kinds(heads["FC"])
    assert [layer.rate for layer in heads["FC + dropout"].layers
            if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]
    # the dense head's weights: 7*7*10 -> 512 -> 10, by hand
    assert (heads["FC"].count_params() - heads["GAP"].count_params()
            == 7 * 7 * 10 * 512 + 512 + 512 * 10 + 10)


def test_experiment_arms_differ_only_in_the_studied_part():
    norm = {k: b() for k, b in experiments.normalization_arms().items()}
    assert norm["none"].count_params() == norm["LRN"].count_params()
    # batch normalization adds a scale, a shift and two moving statistics per
    # channel (Ioffe and Szegedy, 2015), after each of the 32- and 64-channel convs
    assert norm["BatchNorm"].count_params() - norm["none"].count_params() == 4 * (32 + 64)
    for index in (1, 2):
        layer = norm["BatchNorm"].get_layer(f"norm{index}")
        assert isinstance(layer, keras.layers.BatchNormalization) and layer.momentum == 0.9
    kernels = {k: b() for k, b in experiments.kernel_arms().items()}
    c = 32  # every stage maps C channels to C channels
    five, three = kernels["one 5x5"], kernels["two 3x3"]
    stage_five = five.get_layer("stage1_conv1").count_params()
    stage_three = sum(three.get_layer(f"stage1_conv{i}").count_params() for i in (1, 2))
    assert (stage_five, stage_three) == (25 * c * c + c, 18 * c * c + 2 * c)
    assert five.get_layer("stem").count_params() == three.get_layer("stem").count_params()
    assert five.count_params() - three.count_params() == 2 * (7 * c * c - c)
    fields = [analyze(m).row("stage2_pool").receptive_field for m in (five, three)]
    assert fields[0] == fields[1]
    heads = {k: b() for k, b in experiments.head_arms().items()}
    body = lambda m: [l.name for l in m.layers if l.name.startswith("block")]
    assert body(heads["GAP"]) == body(heads["FC"]) == body(heads["FC + dropout"])
    acts = {k: b() for k, b in experiments.activation_arms().items()}
    assert acts["ReLU"].count_params() == acts["tanh"].count_params()


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute is TensorFlow's")
def test_fit_works_inside_a_mirrored_strategy_over_two_cpus():
    code = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras
        from cnn_course import models, train
        train.setup(seed=0, precision="float32")
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            model = models.fashion_cnn()
            model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        x = np.random.rand(64, 28, 28, 1).astype("float32")
        y = np.arange(64) % 10
        run = train.fit(model, x, y, validation_data=(x, y), epochs=1, batch_size=16, verbose=0)
        print("replicas", strategy.num_replicas_in_sync, "epochs", len(run.history["loss"]))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replicas 2 epochs 1" in result.stdout


@pytest.mark.skipif(
    not all(os.path.exists(os.path.join(keras_dataset_dir(), f)) for f in FASHION_MNIST_FILES),
    reason="Fashion-MNIST is not in Keras' cache",
)
def test_benchmark_script_prints_each_arms_rounds_and_the_ratios():
    script = ROOT / "benchmarks" / "train_speed.py"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, str(script), "--steps", "3", "--warmup", "1", "--batch-size", "16",
         "--rounds", "2"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "cnn: 2 round(s) of 3 steps x batch 16 = 48 images"
    assert lines[1].startswith("(a) plain Keras") and "float32" in lines[1]
    assert lines[2].startswith("(b) train.fit ") and "XLA" not in lines[2]
    # (b) trains in the precision chosen for this machine, (c) is (b) with XLA
    chosen = train.choose_precision()
    assert lines[2].split()[2] == chosen, (lines[2], chosen)
    assert lines[3].startswith("(c) train.fit, XLA") and f"{chosen} with XLA" in lines[3]
    # (d), float32, only where the chosen precision is another one
    arms, ratios = ["(b)/(a)", "(c)/(b)"], 4
    if chosen != "float32":
        assert lines[4].startswith("(d) train.fit, float32") and lines[4].split()[3] == "float32"
        arms, ratios = arms + ["(b)/(d)"], 5
    for line in lines[1:ratios]:  # the median of two rounds is their mean
        median, rounds = line.split("samples/s (median of ")
        first, second = (float(v) for v in rounds.rstrip(")").split())
        assert float(median.split()[-1]) == pytest.approx((first + second) / 2, abs=1)
    assert [line.split(":")[0] for line in lines[ratios:]] == [f"ratio {a}" for a in arms]
    assert all(float(line.split(":")[1].strip().rstrip("x")) > 0 for line in lines[ratios:])


def _tiny_model(compiled=True, **compile_kwargs):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    if not compiled:
        return model
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], **compile_kwargs)
    return model


@pytest.mark.skipif(keras.backend.backend() != "tensorflow" or train._has_gpu(),
                    reason="Keras' default is XLA off only for TensorFlow on a CPU")
def test_run_names_xla_when_the_model_was_compiled_with_it():
    x = np.random.default_rng(0).random((32, 8, 8, 1)).astype("float32")
    y = np.arange(32) % 2
    train.setup(seed=0, precision="float32")
    plain = train.fit(_tiny_model(), x, y, batch_size=16, verbose=0)
    assert (plain.xla, plain.setting) == (False, "float32")
    xla = train.fit(_tiny_model(jit_compile=True), x, y, batch_size=16, verbose=0)
    assert (xla.xla, xla.setting) == (True, "float32 with XLA")


def test_compare_compiles_every_run_alike_and_its_budget_names_xla():
    rng = np.random.default_rng(0)
    x = rng.random((16, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 2, 16)
    splits = Splits(x, y, x, y, x, y)
    tiny = functools.partial(_tiny_model, compiled=False)
    result = experiments.compare({"a": tiny, "b": tiny}, splits, seeds=(0, 1), epochs=1,
                                 precision="float32", jit_compile=True)
    assert all(run.xla for runs in result.runs.values() for run in runs)
    assert "float32 with XLA, " in result.budget
    result = experiments.compare({"a": tiny}, splits, seeds=(0,), epochs=1,
                                 precision="float32", jit_compile=False)
    assert not result.runs["a"][0].xla and ", float32, " in result.budget
    with pytest.raises(ValueError, match=r"`jit_compile` must be one of 'auto', True, False"):
        experiments.compare({"a": tiny}, splits, jit_compile="xla")


@pytest.mark.parametrize("seconds, words", [
    (0.04, "0.0 s"), (9.94, "9.9 s"), (9.96, "10 s"), (59.4, "59 s"), (59.6, "1.0 min"),
    (156, "2.6 min"), (3600, "60.0 min"),
])
def test_a_comparisons_wall_time_reads_as_prose(seconds, words):
    # seconds under a minute (one decimal under ten), minutes from one minute on
    assert experiments._duration_in_words(seconds) == words


def test_warmup_cosine_warms_up_over_half_an_epoch_then_reaches_zero():
    steps, epochs, peak = 100, 4, 3e-3
    rate = train.warmup_cosine(peak, epochs, steps)
    at = [float(keras.ops.convert_to_numpy(rate(s))) for s in (0, 25, 50, 225, 400)]
    assert at[0] == pytest.approx(peak / 10)
    assert at[0] < at[1] < at[2]
    assert at[2] == pytest.approx(peak)            # warm-up ends at half an epoch
    # a cosine from step 50 to 400: halfway (step 225) at half the peak
    assert at[3] == pytest.approx(peak / 2, rel=1e-5)
    assert at[4] == pytest.approx(0.0, abs=1e-9)   # the last step reaches 0
    # a NumPy scalar is a learning rate like any other (np.float32 is no Python float)
    float32_peak = train.warmup_cosine(np.float32(peak), epochs, steps)
    assert float(keras.ops.convert_to_numpy(float32_peak(50))) == pytest.approx(peak)
    for bad in (0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"`peak` must be a positive finite number. Received: peak={bad!r}"):
            train.warmup_cosine(bad, epochs, steps)
    for bad in ("3e-3", True, None):
        with pytest.raises(TypeError, match=rf"`peak` must be a positive finite number. Received: peak={bad!r} of type"):
            train.warmup_cosine(bad, epochs, steps)
    with pytest.raises(ValueError, match="`steps_per_epoch`"):
        train.warmup_cosine(peak, epochs, 0)
