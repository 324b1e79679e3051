"""The time-to-accuracy benchmark measures what it says it measures."""

import importlib.util
import inspect
import pathlib
import time

import keras
import numpy as np
import pytest

from cnn_course import models, train
from cnn_course.source import assert_same_network

PATH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "time_to_accuracy.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("time_to_accuracy", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_today_is_gerons_recipe(bench):
    # Geron, Hands-On ML (2nd ed.), ch. 14: Nadam with Keras' defaults, 10 epochs.
    recipe = bench.RECIPES["cnn-today"]
    optimizer = recipe.optimizer(430, recipe.epochs)
    assert isinstance(optimizer, keras.optimizers.Nadam)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(1e-3)
    assert recipe.epochs == 10
    assert recipe.label_smoothing == 0.0 and recipe.augment == ()


def test_new_recipes_use_the_warmup_schedule(bench):
    for name in ("cnn-new", "cnn-dropout", "resnet-new"):
        recipe = bench.RECIPES[name]
        optimizer = recipe.optimizer(100, recipe.epochs)
        assert isinstance(optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
        assert optimizer._learning_rate.warmup_steps == 50


def dropout_rates(model):
    return [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]


def test_new_cnn_recipe_keeps_the_seeds_network_with_dropout_off(bench):
    # The issue allows a new recipe, not a new network: the same layers and
    # weights (seed 003: 1,413,834 parameters); only the dropout rate, which
    # acts in training alone, differs.
    seed, candidate = models.fashion_cnn(), bench.RECIPES["cnn-new"].build()
    assert [type(layer) for layer in candidate.layers] == [type(layer) for layer in seed.layers]
    assert candidate.count_params() == seed.count_params() == 1_413_834
    assert dropout_rates(seed) == [0.5, 0.5]
    assert dropout_rates(candidate) == [0.0, 0.0]
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype="float32")
    candidate.set_weights(seed.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(candidate(images, training=False)),
                               keras.ops.convert_to_numpy(seed(images, training=False)),
                               rtol=1e-5, atol=1e-6)
    assert bench.PAIRS["cnn"] == ("cnn-today", "cnn-new", 0.91)
    # the recipe before dropout was switched off stays runnable for the record
    assert dropout_rates(bench.RECIPES["cnn-dropout"].build()) == [0.5, 0.5]
    assert bench.PAIRS["cnn-dropout"] == ("cnn-today", "cnn-dropout", 0.91)


def test_resnet_recipes_differ_in_batchnorm_layer_only(bench):
    from cnn_course.layers import FusedBatchNormalization

    today, new = bench.RECIPES["resnet-today"].build(), bench.RECIPES["resnet-new"].build()
    assert [layer.name for layer in today.layers] == [layer.name for layer in new.layers]
    assert today.count_params() == new.count_params()
    for old, fused in zip(today.layers, new.layers):
        if isinstance(fused, keras.layers.BatchNormalization):
            assert type(old) is keras.layers.BatchNormalization
            assert type(fused) is FusedBatchNormalization
            assert old.epsilon == fused.epsilon and old.momentum == fused.momentum
        else:
            assert type(old) is type(fused)


def test_clock_stops_at_target_and_leaves_its_own_time_out(bench):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.1), "sparse_categorical_crossentropy")

    class SlowClock(bench.TestAccuracyClock):
        def accuracy(self):
            time.sleep(0.2)                        # an expensive evaluation
            return super().accuracy()

    clock = SlowClock(x, y, per_epoch=4, steps_per_epoch=8, target=0.95)
    start = time.perf_counter()
    model.fit(x, y, batch_size=8, epochs=50, callbacks=[clock], verbose=0)
    wall = time.perf_counter() - start
    seconds, epochs, accuracy = clock.points[-1]
    assert accuracy >= 0.95 and epochs < 50        # stopped at the target
    assert clock.time_to(0.95) == (seconds, epochs)
    assert all(a < 0.95 for _, _, a in clock.points[:-1])
    assert seconds < wall - 0.2 * (len(clock.points) - 1)
    epochs_done = [p[1] for p in clock.points]
    assert all((4 * e).is_integer() for e in epochs_done)   # every 2 of 8 steps
    assert epochs_done == sorted(set(epochs_done))  # no point measured twice


def test_ratio_summary_is_the_geometric_mean_with_a_t_interval(bench):
    # Equal ratios on every seed: no spread, the interval is the point.
    assert bench.ratio_summary([6.0, 4.0, 2.0], [3.0, 2.0, 1.0]).startswith(
        "2.00x (95% CI 2.00x to 2.00x; per seed 2.00x, 2.00x, 2.00x)")
    # Ratios 2 and 3 over two seeds, worked by hand: the mean log ratio
    # (ln 2 + ln 3) / 2, the standard error |ln 3 - ln 2| / 2, and Student's
    # t with one degree of freedom, 12.7062 at 95%.
    middle = np.sqrt(6.0)
    half = 12.7062 * np.log(1.5) / 2
    text = bench.ratio_summary([2.0, 30.0], [1.0, 10.0])
    expected = (f"{middle:.2f}x (95% CI {middle / np.exp(half):.2f}x to"
                f" {middle * np.exp(half):.2f}x; per seed 2.00x, 3.00x)")
    assert text == expected


def test_clock_measures_each_quarter_once_when_steps_do_not_divide(bench):
    # 55,000 images in batches of 128 are 430 steps, not a multiple of 4: the
    # clock measures at 1/4, 1/2, 3/4 and the end, not twice near the end.
    class CountingClock(bench.TestAccuracyClock):
        def accuracy(self):
            return 0.5

    clock = CountingClock(None, None, per_epoch=4, steps_per_epoch=430)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.stop_training = False                  # as model.fit sets it
    clock.set_model(model)
    clock.on_train_begin()
    for epoch in range(2):
        clock.on_epoch_begin(epoch)
        for step in range(430):
            clock.on_train_batch_end(step)
        clock.on_epoch_end(epoch)
    assert [epochs for _, epochs, _ in clock.points] == [0.25, 0.5, 0.75, 1.0,
                                                          1.25, 1.5, 1.75, 2.0]


CHAPTER_4 = PATH.parents[1] / "book" / "04-fashion-mnist.ipynb"


def chapter_4_code():
    from test_book import code_cells

    return "\n".join("".join(c["source"]) for c in code_cells(CHAPTER_4))


def test_new_recipes_are_what_chapter_4_trains(bench):
    # The benchmark times Chapter 4's recipes; the chapter writes them out for
    # students, so the two copies are compared here rather than trusted.
    import ast

    tree = ast.parse(chapter_4_code())
    # both schedules from the package's function, which the benchmark uses too
    schedules = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and ast.unparse(node.func) == "train.warmup_cosine"]
    assert len(schedules) == 2
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                and node.name == "warmup_cosine"]
    assert bench.warmup_cosine is train.warmup_cosine

    def assigned(name):      # the value of the (first) ``name = ...`` in the chapter
        return next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and [getattr(t, "id", None) for t in node.targets] == [name])

    def full_budget(name):   # NAME = budget(full=N, quick=...)
        return ast.literal_eval(next(k.value for k in assigned(name).keywords if k.arg == "full"))

    def keywords(call):      # keyword arguments anywhere inside a call
        found = {}
        for node in ast.walk(call):
            for k in getattr(node, "keywords", []):
                try:
                    found[k.arg] = ast.literal_eval(k.value)
                except ValueError:   # not a literal (epochs=EPOCHS): its source, which
                    # compares equal to no recipe value, so augment=AUG cannot pass
                    found[k.arg] = f"<not a literal: {ast.unparse(k.value)}>"
        return found

    def call_on(model, method):   # model.compile(...), or train.fit(model, ...)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = node.func.value if method == "compile" else (node.args or [None])[0]
                if node.func.attr == method and getattr(target, "id", None) == model:
                    return node
        raise AssertionError(f"Chapter 4 has no {method} call for {model}")

    for model, recipe, epochs, schedule in (
            ("cnn", bench.RECIPES["cnn-new"], "EPOCHS", "schedule"),
            ("resnet", bench.RECIPES["resnet-new"], "RESNET_EPOCHS", "resnet_schedule")):
        optimizer = recipe.optimizer(430, recipe.epochs)
        compiled, fitted = keywords(call_on(model, "compile")), keywords(call_on(model, "fit"))
        assert full_budget(epochs) == recipe.epochs, model
        given = next(k.value for k in call_on(model, "compile").keywords if k.arg == "optimizer")
        assert given.func.attr == type(optimizer).__name__, model
        assert ast.literal_eval(assigned(schedule).args[0]) == pytest.approx(
            float(optimizer._learning_rate.warmup_target)), model
        assert compiled.get("label_smoothing", 0.0) == recipe.label_smoothing, model
        assert compiled.get("weight_decay") == (
            optimizer.weight_decay if isinstance(optimizer, keras.optimizers.AdamW) else None), model
        assert tuple(fitted.get("augment", ())) == recipe.augment, model
    assert ast.unparse(assigned("BATCH")) == "128" == str(bench.RECIPES["cnn-new"].batch_size)
    assert bench.RECIPES["resnet-new"].batch_size == 128
    # the ``cnn = ...`` that the training compiles: the last one before its compile
    compiling = call_on("cnn", "compile").lineno
    built = max((node for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and [getattr(t, "id", None) for t in node.targets] == ["cnn"]
                 and node.lineno < compiling), key=lambda node: node.lineno)
    # layer by layer: type, shape, parameters and configuration (dropout rates too)
    assert_same_network(eval(ast.unparse(built.value), {"models": models}),
                        bench.RECIPES["cnn-new"].build())
    network = "models.resnet_small(widths=(32, 64, 128), blocks=(1, 2, 2))"
    assert ast.unparse(assigned("resnet")) == network
    assert network in inspect.getsource(bench._resnet)
