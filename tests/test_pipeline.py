"""The input pipeline (data.make_dataset), train.fit's handling of what
model.fit accepts, predict_with_flips and experiments.compare."""

import re

import keras
import numpy as np
import pytest

from cnn_course import experiments, train
from cnn_course.data import Splits, make_dataset


@pytest.fixture(autouse=True)
def restore_policy():
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


def images(n=10, side=8):
    x = np.arange(n * side * side, dtype="float32").reshape(n, side, side, 1)
    return x / x.max()


def test_batches_cover_every_example_once_per_epoch():
    x, y = images(10), np.arange(10)
    ds = make_dataset(x, y, batch_size=4, seed=0)
    batches = [ds[i] for i in range(len(ds))]
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    labels = np.concatenate([b[1] for b in batches])
    assert sorted(labels) == list(range(10)) and list(labels) != list(range(10))
    for bx, by in batches:  # images stay with their labels
        np.testing.assert_array_equal(bx, x[by])
    ds.on_epoch_end()  # a new order for the next epoch
    assert list(np.concatenate([ds[i][1] for i in range(len(ds))])) != list(labels)
    unshuffled = make_dataset(x, y, batch_size=4, shuffle=False)
    assert list(np.concatenate([b[1] for b in unshuffled])) == list(range(10))


@pytest.mark.parametrize("epoch, index, error, message", [
    (-1, 0, ValueError, "`epoch` must be an integer >= 0. Received: epoch=-1"),
    (0.5, 0, TypeError, "`epoch` must be an integer >= 0. Received: epoch=0.5"),
    (True, 0, TypeError, "`epoch`"),
    (0, 3, IndexError, "`index` must be a batch of the epoch, 0 to 2. Received: index=3"),
    (0, -1, IndexError, "Received: index=-1"),
    (0, 1.0, IndexError, "Received: index=1.0"),
])
def test_batch_names_the_argument_it_refuses(epoch, index, error, message):
    ds = make_dataset(images(10), np.arange(10), batch_size=4, seed=0)
    with pytest.raises(error, match=re.escape(message)):
        ds.batch(epoch, index)


def test_the_same_seed_gives_the_same_augmented_batches():
    # Issue 12: three identical calls gave three different first batches.
    x, y = images(32, 12), np.arange(32)
    first = [make_dataset(x, y, batch_size=8, augment=("shift", "flip"), seed=7)[0] for _ in range(3)]
    for other in first[1:]:
        np.testing.assert_array_equal(other[0], first[0][0])
        np.testing.assert_array_equal(other[1], first[0][1])
    different = make_dataset(x, y, batch_size=8, augment=("shift", "flip"), seed=8)[0]
    assert not np.array_equal(different[0], first[0][0])


def test_shift_moves_an_image_by_at_most_two_pixels_and_fills_zeros():
    x = np.zeros((64, 9, 9, 1), "float32")
    x[:, 4, 4] = 1.0  # one bright pixel in the middle
    (shifted, _), = [make_dataset(x, np.zeros(64), batch_size=64, shuffle=False,
                                  augment="shift", seed=1)[0]]
    rows, cols = np.nonzero(shifted[..., 0])[1:]
    assert shifted.sum() == 64  # every bright pixel stays inside the image
    assert set(rows) == set(cols) == {2, 3, 4, 5, 6}  # offsets -2..2, all seen


def test_flip_mirrors_about_half_the_images():
    x = np.zeros((200, 4, 4, 1), "float32")
    x[:, :, 0] = 1.0  # left column bright
    flipped, _ = make_dataset(x, np.zeros(200), batch_size=200, augment="flip", seed=0)[0]
    mirrored = flipped[:, :, 3, 0].all(axis=1)
    assert np.all(mirrored | flipped[:, :, 0, 0].all(axis=1))  # each is one or the other
    assert 70 < mirrored.sum() < 130


def test_crop_keeps_the_shape_and_magnifies():
    x = images(4, 16)
    cropped, _ = make_dataset(x, np.zeros(4), batch_size=4, shuffle=False, augment="crop", seed=0)[0]
    assert cropped.shape == x.shape
    # nearest-pixel resize of a 14x14 crop: two of the 16 rows are repeated
    assert all(len(np.unique(c[:, 0, 0])) == 14 for c in cropped)


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=np.zeros((0, 4, 4, 1)), y=np.zeros(0)), "empty"),
    (dict(x=np.zeros((4, 4, 4, 1)), y=np.zeros(3)), "same length"),
    (dict(x=np.zeros((4, 4, 4)), y=np.zeros(4), augment="flip"), "channel axis"),
    (dict(x=np.zeros((4, 4, 4, 1)), y=np.zeros(4), augment="rotate"), "`augment`"),
    (dict(x=np.zeros((4, 4, 4, 1)), y=np.zeros(4), seed=-1), "`seed`"),
    (dict(x=np.zeros((4, 4, 4, 1)), y=np.zeros(4), batch_size=0), "`batch_size`"),
])
def test_make_dataset_refuses_bad_input_up_front(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


def small_cnn():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])


def train_once(seed, **fit_kwargs):
    train.setup(seed=seed, precision="float32")
    model = small_cnn()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.random((96, 8, 8, 1)).astype("float32")
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype("int64")
    run = train.fit(model, x, y, epochs=2, batch_size=16, augment=("shift", "flip"),
                    seed=seed, verbose=0, **fit_kwargs)
    return model, run


def test_augmented_training_is_reproducible_bit_for_bit():
    # Issue 12: two identical setup(123) runs with shift+flip ended with
    # different weights.
    first, _ = train_once(123)
    second, _ = train_once(123)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def xy(n=32):
    rng = np.random.default_rng(1)
    x = rng.random((n, 8, 8, 1)).astype("float32")
    return x, (x[:, 0, 0, 0] > 0.5).astype("int64")


def compiled(**compile_kwargs):
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], **compile_kwargs)
    return model


def test_fit_takes_validation_data_with_sample_weights():
    x, y = xy()
    run = train.fit(compiled(weighted_metrics=["accuracy"]), x, y,
                    validation_data=(x, y, np.ones(len(x))), epochs=1, verbose=0)
    assert "val_loss" in run.history
    # the weights count: the frozen network is more confident than not in
    # class 1 for every image, so weighting only class 1's images gives a
    # loss below the unweighted training loss, which its class 0 images raise
    run = train.fit(always_class_one(), x, y, epochs=1, verbose=0,
                    validation_data=(x, y, (y == 1).astype("float32")))
    assert run.history["val_loss"][0] < run.history["loss"][0]


def test_fit_trains_with_the_sample_weights_it_is_given():
    x, y = xy()
    keras.utils.set_random_seed(0)
    model = compiled()
    before = [w.copy() for w in model.get_weights()]
    train.fit(model, x, y, sample_weight=np.zeros(len(x)), epochs=1, verbose=0)
    # weight 0 on every image: no gradient, so Adam moves nothing
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    train.fit(model, x, y, sample_weight=np.ones(len(x)), epochs=1, verbose=0)
    assert any(not np.array_equal(old, new) for old, new in zip(before, model.get_weights()))


def test_fit_takes_a_dataset_for_validation_and_for_training():
    x, y = xy()
    valid = make_dataset(x, y, batch_size=8, shuffle=False)
    run = train.fit(compiled(), x, y, validation_data=valid, epochs=1, verbose=0)
    assert "val_accuracy" in run.history
    run = train.fit(compiled(), make_dataset(x, y, batch_size=8), epochs=2, verbose=0)
    assert len(run.history["loss"]) == 2
    with pytest.raises(ValueError, match="dataset"):
        train.fit(compiled(), valid, y, epochs=1)


def always_class_one():
    """A frozen network that predicts class 1 for every image (SGD at rate 0)."""
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax", kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant([0.0, 1.0])),
    ])
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_takes_validation_split_from_the_end_as_model_fit_does():
    x, y = xy(40)
    run = train.fit(compiled(), x, y, validation_split=0.25, epochs=1, verbose=0)
    assert "val_accuracy" in run.history
    assert run.samples_per_second * run.seconds == pytest.approx(30)  # 40 - 10
    # only the last 10 images are of class 1: validated on them, a network that
    # always says 1 is always right; on the first 10 it would always be wrong
    last_ten = np.repeat([0, 1], [30, 10])
    run = train.fit(always_class_one(), x, last_ten, validation_split=0.25, epochs=1, verbose=0)
    assert run.history["val_accuracy"] == [1.0]
    with pytest.raises(ValueError, match="not both"):
        train.fit(compiled(), x, y, validation_data=(x, y), validation_split=0.2)
    with pytest.raises(ValueError, match="validation_split"):
        train.fit(compiled(), x, y, validation_split=1.5)


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.zeros((0, 8, 8, 1)), np.zeros(0)), {}, "empty"),
    (xy(), {"validation_data": (np.zeros((0, 8, 8, 1)), np.zeros(0))}, "`validation_data` is empty"),
    (xy(), {"validation_data": ([1, 2],)}, "`validation_data` must be"),
    ((np.zeros((4, 8, 8)), np.zeros(4)), {"augment": "flip"}, "channel axis"),
    (xy(), {"shuffle": True}, "`shuffle`"),
    ((np.zeros((4, 8, 8, 1)),), {}, "`y` is required"),
])
def test_fit_rejects_what_it_cannot_do_before_training(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train.fit(compiled(), *args, **kwargs)


def test_run_reports_the_models_own_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    keras.mixed_precision.set_global_policy("float32")  # changed after building
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = xy()
    assert train.fit(model, x, y, verbose=0).precision == "mixed_bfloat16"


def test_predict_with_flips_refuses_a_model_with_several_outputs():
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(3, activation="softmax")(flat) for _ in range(3)])
    with pytest.raises(ValueError, match="one output"):
        train.predict_with_flips(model, np.zeros((5, 4, 4, 1), "float32"))


def test_paired_difference_hand_worked():
    # differences 0.02, 0.03, 0.02: mean 0.02333, sd 0.01/sqrt(3),
    # standard error 0.01/3, t(0.975, 2) = 4.3027 -> half width 0.014342
    d = experiments.paired_difference([0.90, 0.92, 0.94], [0.88, 0.89, 0.92])
    assert d.mean == pytest.approx(0.0233333, abs=1e-6)
    assert (d.low, d.high) == (pytest.approx(0.0089912, abs=1e-6), pytest.approx(0.0376755, abs=1e-6))
    assert d.per_seed == pytest.approx((0.02, 0.03, 0.02))
    assert "95% CI +0.0090 to +0.0377" in str(d)
    # in percentage points, the seeds' own differences last, in seed order
    assert d.points() == "+2.33 points (95% CI +0.90 to +3.77)"
    assert d.points(per_seed=True) == (
        "+2.33 points (95% CI +0.90 to +3.77; per seed +2.00, +3.00, +2.00)")
    with pytest.raises(ValueError, match="two seeds"):
        experiments.paired_difference([0.9], [0.8])
    with pytest.raises(ValueError, match=r"`values` and `baseline` must be lists of the same "
                                         r"length.* Received: \(3,\) and \(2,\)"):
        experiments.paired_difference([0.90, 0.92, 0.94], [0.88, 0.89])
    for confidence in (0, 1, 1.5, -0.95):
        with pytest.raises(ValueError, match=rf"`confidence` must be between 0 and 1. "
                                             rf"Received: {confidence}"):
            experiments.paired_difference([0.90, 0.92], [0.88, 0.89], confidence)


def test_compare_refuses_what_it_cannot_run_before_training():
    x, y = xy(16)
    splits = Splits(x, y, x, y, x, y)
    arms = {"a": small_cnn, "b": small_cnn}
    with pytest.raises(ValueError, match=r"`arms` must name at least one arm"):
        experiments.compare({}, splits, seeds=(0, 1), epochs=1)
    for seeds in ((), (0, 0)):
        with pytest.raises(ValueError, match=rf"`seeds` must be distinct and not empty. "
                                             rf"Received: seeds={re.escape(repr(seeds))}"):
            experiments.compare(arms, splits, seeds=seeds, epochs=1)
    with pytest.raises(ValueError, match=r"`optimizer` as a dict needs one entry per arm "
                                         r"\['a', 'b'\]. Received: \['a'\]"):
        experiments.compare(arms, splits, seeds=(0, 1), epochs=1,
                            optimizer={"a": lambda: keras.optimizers.Adam()})


def fake_comparison(a, b):
    from types import SimpleNamespace

    def runs(values):
        return [SimpleNamespace(history={"val_accuracy": [0.0, v]}) for v in values]

    return experiments.Comparison({"a": runs(a), "b": runs(b)}, tuple(range(len(a))), "")


def test_comparison_pairs_by_seed_and_never_reports_a_spread_from_one_seed():
    result = fake_comparison([0.90, 0.92, 0.94], [0.88, 0.89, 0.92])
    assert result.difference("a", "b").mean == pytest.approx(0.0233333, abs=1e-6)
    mean, sd, values = result.summary()["a"]
    assert (mean, sd) == (pytest.approx(0.92), pytest.approx(0.02))
    single = fake_comparison([0.9], [0.8])
    assert np.isnan(single.summary()["a"][1])
    assert "n/a" in single.table()
    with pytest.raises(ValueError, match="two seeds"):
        single.difference("a", "b")
    with pytest.raises(ValueError, match="Unknown arm"):
        result.difference("c", "b")
    with pytest.raises(ValueError, match=r"Unknown metric 'val_auc'; the runs recorded "
                                         r"\['val_accuracy'\]"):
        result.values("a", "val_auc")


def test_compare_restores_the_policy_even_when_an_arm_fails():
    keras.mixed_precision.set_global_policy("float32")
    x, y = xy(16)
    splits = Splits(x, y, x, y, x, y)

    def broken():
        raise RuntimeError("this arm does not build")

    with pytest.raises(RuntimeError, match="does not build"):
        experiments.compare({"broken": broken}, splits, seeds=(0,), epochs=1, precision="mixed_bfloat16")
    assert keras.mixed_precision.global_policy().name == "float32"


def test_compare_gives_each_arm_its_optimizer():
    x, y = xy(16)
    splits = Splits(x, y, x, y, x, y)
    result = experiments.compare(
        {"fast": small_cnn, "frozen": small_cnn}, splits, seeds=(0, 1), epochs=1, batch_size=4,
        optimizer={"fast": lambda: keras.optimizers.SGD(0.5), "frozen": lambda: keras.optimizers.SGD(0.0)},
        precision="float32",
    )
    assert result.seeds == (0, 1)
    frozen = result.runs["frozen"][0].history["loss"][0]
    fast = result.runs["fast"][0].history["loss"][0]
    assert fast != frozen  # same seed, same data: only the optimizer differs


def test_confusion_matrix_refuses_labels_outside_the_classes():
    from cnn_course.viz import confusion_matrix

    # Issue 12: a -1 label wrapped around to the last class.
    with pytest.raises(ValueError, match=r"`y_true` holds labels outside 0..2: \[-1\]"):
        confusion_matrix([-1, 0, 1], [2, 0, 1], classes=3)
    with pytest.raises(ValueError, match="`y_pred`"):
        confusion_matrix([0, 1], [0, 3], classes=3)
    with pytest.raises(ValueError, match="class indices"):
        confusion_matrix(np.eye(3), [0, 1, 2], classes=3)  # one-hot rows
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([0, 1], [0], classes=3)
    assert confusion_matrix([0.0, 2.0], [2, 2], classes=3).tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 1]]


def test_error_probe_measures_training_error_every_few_steps():
    # A model that always answers class 0: on labels half 0, half 1 the
    # training error is exactly 0.5 whatever it learns (SGD with rate 0).
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, kernel_initializer="zeros",
                                                 bias_initializer=keras.initializers.Constant([1.0, 0.0])),
                              keras.layers.Softmax()])
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    x, y = np.zeros((40, 8, 8, 1), "float32"), np.arange(40) % 2
    probe = experiments.ErrorProbe(x, y, every=2)
    train.fit(model, x, y, batch_size=4, epochs=1, verbose=0, callbacks=[probe])
    assert probe.steps == [2, 4, 6, 8, 10]
    assert probe.errors == [0.5] * 5
    assert probe.steps_to(0.6) == 2 and probe.steps_to(0.5) is None


def test_nin_small_class_maps_are_linear_as_in_nin():
    gap = experiments.nin_small("gap")
    names = [layer.name for layer in gap.layers]
    before_gap = gap.layers[names.index("gap") - 1]
    assert isinstance(before_gap, keras.layers.Conv2D) and before_gap.filters == 10
    assert before_gap.activation is keras.activations.linear


def test_compare_gives_the_numbers_of_a_new_model_per_run():
    # `compare` trains one compiled network per arm and resets it for each
    # seed; the definition it must match is a new model, compiled with a new
    # optimizer, per run. Dropout (random state), BatchNorm (moving
    # statistics), Nadam (a state variable that starts at 1, not 0) and a
    # last batch of 6 images test what a reset could miss.
    def net():
        return keras.Sequential([
            keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
            keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dropout(0.5),
            keras.layers.Dense(2, activation="softmax")])

    x, y = xy(30)
    splits = Splits(x, y, x[:8], y[:8], x[:8], y[:8])
    optimizer = lambda: keras.optimizers.Nadam(0.01)  # noqa: E731
    result = experiments.compare({"a": net}, splits, seeds=(0, 1, 2), epochs=3, batch_size=8,
                                 optimizer=optimizer, precision="float32", keep_models=True)
    for seed, run in zip((0, 1, 2), result.runs["a"]):
        train.setup(seed=seed, precision="float32")
        model = net()
        model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        alone = train.fit(model, splits.x_train, splits.y_train,
                          validation_data=(splits.x_valid, splits.y_valid),
                          epochs=3, batch_size=8, seed=seed, verbose=0)
        assert run.history == alone.history
        for kept, trained in zip(run.model.variables, model.variables):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(kept), keras.ops.convert_to_numpy(trained))
    losses = [run.history["loss"][0] for run in result.runs["a"]]
    assert len(set(losses)) == 3  # the seeds did differ


def test_compare_refuses_a_builder_whose_network_changes():
    widths = iter([4, 4, 8])

    def changing():
        return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(next(widths)), keras.layers.Dense(2, activation="softmax")])

    x, y = xy(16)
    with pytest.raises(ValueError, match="arm 'a' returned networks of different shapes"):
        experiments.compare({"a": changing}, Splits(x, y, x, y, x, y), seeds=(0, 1), epochs=1,
                            precision="float32")


def test_compare_keeps_models_only_when_asked():
    x, y = xy(16)
    splits = Splits(x, y, x, y, x, y)
    kept = experiments.compare({"a": small_cnn}, splits, seeds=(0,), epochs=1, keep_models=True, precision="float32")
    dropped = experiments.compare({"a": small_cnn}, splits, seeds=(0,), epochs=1, precision="float32")
    assert isinstance(kept.runs["a"][0].model, keras.Model)
    assert dropped.runs["a"][0].model is None


def test_compare_gives_every_run_its_own_callbacks():
    # One ErrorProbe per run, each measured every 2 of the 4 steps of 16
    # images in batches of 8, 2 epochs: steps 2 and 4 and no state shared.
    x, y = xy(16)
    splits = Splits(x, y, x, y, x, y)
    result = experiments.compare(
        {"a": small_cnn, "b": small_cnn}, splits, seeds=(0, 1), epochs=2, batch_size=8,
        precision="float32", callbacks=lambda: [experiments.ErrorProbe(x, y, every=2)])
    probes = [run.callbacks[0] for runs in result.runs.values() for run in runs]
    assert len({id(probe) for probe in probes}) == 4
    assert all(probe.steps == [2, 4] for probe in probes)
    assert all(0 <= error <= 1 for probe in probes for error in probe.errors)


def test_compare_refuses_a_list_of_callbacks():
    x, y = xy(8)
    with pytest.raises(ValueError, match="callbacks.*function"):
        experiments.compare({"a": small_cnn}, Splits(x, y, x, y, x, y), seeds=(0,),
                            callbacks=[experiments.ErrorProbe(x, y)])


def test_predict_with_flips_refuses_to_return_nan():
    # Pixels near float32's largest value overflow any network: an error
    # naming `x`, never NaN probabilities (found by Hypothesis under JAX).
    model = keras.Sequential([keras.Input((1, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax",
                                                 kernel_initializer="ones")])
    with pytest.raises(ValueError, match="`x`.*not finite"):  # 4 x 3e38 is inf
        train.predict_with_flips(model, np.full((1, 1, 4, 1), 3e38, "float32"))


def test_experiment_networks_refuse_an_arm_they_do_not_know():
    # "bn" once built the arm without normalization, silently
    with pytest.raises(ValueError, match=r"`normalization` must be one of None, 'lrn', "
                                         r"'batchnorm'. Received: normalization='bn'"):
        experiments.small_alexnet("bn")
    with pytest.raises(ValueError, match=r"`head` must be one of 'gap', 'fc'. Received: head='dense'"):
        experiments.nin_small("dense")
    # the GAP head has no dense layer: dropout there was once dropped silently
    with pytest.raises(ValueError, match=r"`head_dropout` applies only to the dense head "
                                         r"\(head='fc'\), and this network has head='gap'"):
        experiments.nin_small("gap", head_dropout=0.5)
    with pytest.raises(ValueError, match=r"`head_dropout` must be a number in \[0, 1\)"):
        experiments.nin_small("fc", head_dropout=1.5)
