"""Property-based tests: random shapes, dtypes and label encodings fed to
the public helpers. Each call either works or raises a ValueError or
TypeError that names the argument at fault (issue 12)."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnn_course import experiments, train
from cnn_course.data import make_dataset
from cnn_course.viz import confusion_matrix

DTYPES = st.sampled_from(["float32", "float64", "uint8", "int64", "bool", "float16"])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=5, min_side=0, max_side=5)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def names_an_argument(error, arguments):
    message = str(error)
    return any(re.search(rf"`{name}`", message) for name in arguments)


@FAST
@given(
    x=hnp.arrays(DTYPES, SHAPES),
    labels=st.one_of(
        hnp.arrays(st.sampled_from(["int64", "uint8", "float32"]), hnp.array_shapes(max_dims=2, min_side=0, max_side=5)),
        st.lists(st.text(max_size=3), max_size=5),
        st.lists(st.integers(-3, 12), max_size=5),
    ),
    batch_size=st.one_of(st.integers(-2, 7), st.floats(allow_nan=True), st.none()),
    augment=st.sampled_from([(), "flip", ("shift", "flip"), ("crop",), ("rotate",), None]),
    seed=st.one_of(st.none(), st.integers(-3, 2**31), st.text(max_size=2)),
)
def test_make_dataset_works_or_names_the_argument(x, labels, batch_size, augment, seed):
    try:
        ds = make_dataset(x, labels, batch_size=batch_size, augment=augment, seed=seed)
    except (ValueError, TypeError) as error:
        assert names_an_argument(error, ("x", "y", "batch_size", "augment", "seed", "sample_weight")), error
        return
    seen = sum(len(ds[i][0]) for i in range(len(ds)))
    assert seen == len(x) == len(labels)
    for i in range(len(ds)):
        assert ds[i][0].shape[1:] == x.shape[1:]


@FAST
@given(
    y_true=st.one_of(hnp.arrays(st.sampled_from(["int64", "float32", "int8"]), hnp.array_shapes(max_dims=2, max_side=6)),
                     st.lists(st.integers(-2, 6), max_size=6)),
    y_pred=st.one_of(hnp.arrays(st.sampled_from(["int64", "float64"]), hnp.array_shapes(max_dims=2, max_side=6)),
                     st.lists(st.integers(-2, 6), max_size=6)),
    classes=st.one_of(st.integers(-1, 6), st.floats(0, 6), st.booleans()),
)
def test_confusion_matrix_counts_every_pair_or_names_the_argument(y_true, y_pred, classes):
    try:
        matrix = confusion_matrix(y_true, y_pred, classes)
    except (ValueError, TypeError) as error:
        assert names_an_argument(error, ("y_true", "y_pred", "classes")), error
        return
    assert matrix.sum() == len(y_true) == len(y_pred)
    assert matrix.shape == (classes, classes) and (matrix >= 0).all()


@FAST
@given(
    values=st.lists(st.floats(-1, 1), min_size=0, max_size=6),
    baseline=st.lists(st.floats(-1, 1), min_size=0, max_size=6),
    confidence=st.one_of(st.floats(-1, 2), st.just(0.95)),
)
# (1 + confidence) / 2 rounds to 1: the t quantile is infinite, times a zero spread NaN
@example(values=[1.0, 0.0], baseline=[1.0, 0.0], confidence=0.9999999999999999)
def test_paired_difference_brackets_the_mean_or_refuses(values, baseline, confidence):
    try:
        d = experiments.paired_difference(values, baseline, confidence)
    except ValueError as error:
        assert names_an_argument(error, ("values", "baseline", "confidence")) or "two seeds" in str(error)
        return
    assert len(values) == len(baseline) >= 2
    assert d.low <= d.mean + 1e-12 and d.mean <= d.high + 1e-12
    assert d.mean == pytest.approx(np.mean(np.subtract(values, baseline)))


@FAST
@given(x=hnp.arrays(st.sampled_from(["float32", "uint8", "float64"]), hnp.array_shapes(min_dims=1, max_dims=5, max_side=4)),
       batch_size=st.one_of(st.integers(-1, 4), st.floats(0, 3)))
@example(x=np.full((1, 1, 1, 4), 8.507059e37, "float32"), batch_size=1)  # overflowed to NaN
def test_predict_with_flips_works_or_names_the_argument(x, batch_size):
    import keras

    model = _tiny_model()
    try:
        probabilities = train.predict_with_flips(model, x, batch_size=batch_size)
    except (ValueError, TypeError) as error:
        assert names_an_argument(error, ("x", "batch_size")) or "one output" in str(error), error
        return
    assert probabilities.shape == (len(x), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    del keras


_MODEL = {}


def _tiny_model():
    """A model that accepts images of any size and channel count."""
    import keras

    if "model" not in _MODEL:
        inputs = keras.Input((None, None, None))
        pooled = keras.layers.Lambda(lambda t: keras.ops.mean(keras.ops.cast(t, "float32"), axis=(1, 2, 3), keepdims=False)[:, None])(inputs)
        _MODEL["model"] = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))
    return _MODEL["model"]


# Well-formed arguments: never refused, and the result checked against an
# independent computation (the tests above accept any refusal that names an
# argument, which a helper refusing everything would also pass).


@FAST
@given(
    pairs=st.integers(2, 6).flatmap(lambda n: st.tuples(
        st.lists(st.floats(-1, 1), min_size=n, max_size=n),
        st.lists(st.floats(-1, 1), min_size=n, max_size=n))),
    confidence=st.floats(0.5, 0.99),
)
def test_paired_difference_is_scipys_t_interval(pairs, confidence):
    from scipy import stats

    values, baseline = pairs
    d = experiments.paired_difference(values, baseline, confidence)
    differences = np.subtract(values, baseline)
    spread = np.std(differences, ddof=1) / np.sqrt(len(differences))
    if spread == 0:
        low = high = differences.mean()
    else:
        low, high = stats.t.interval(confidence, len(differences) - 1,
                                     loc=differences.mean(), scale=spread)
    assert (d.low, d.high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    assert d.per_seed == pytest.approx(tuple(differences))


@FAST
@given(
    classes=st.integers(1, 6),
    data=st.data(),
)
def test_confusion_matrix_counts_every_pair(classes, data):
    from collections import Counter

    n = data.draw(st.integers(0, 12))
    labels = st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)
    y_true, y_pred = data.draw(labels), data.draw(labels)
    matrix = confusion_matrix(y_true, y_pred, classes)
    counts = Counter(zip(y_true, y_pred))
    assert matrix.tolist() == [[counts[(t, p)] for p in range(classes)] for t in range(classes)]


@FAST
@given(
    x=hnp.arrays("float32", st.tuples(st.integers(1, 9), st.integers(1, 5), st.integers(1, 5),
                                      st.integers(1, 3)), elements=st.floats(0, 1, width=32)),
    batch_size=st.integers(1, 7),
    augment=st.sampled_from([(), "flip", ("shift", "flip")]),
    seed=st.integers(0, 2**31 - 1),
)
def test_make_dataset_batches_well_formed_arrays(x, batch_size, augment, seed):
    y = np.arange(len(x)) % 3
    ds = make_dataset(x, y, batch_size=batch_size, augment=augment, seed=seed)
    batches = [ds[i] for i in range(len(ds))]
    assert [len(b[0]) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
    # every label once, each image with its own label (shuffled together)
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == sorted(y.tolist())
    if not augment:
        seen = np.concatenate([b[0] for b in batches])
        order = np.concatenate([b[1] for b in batches])
        for image, label in zip(seen, order):
            assert any(np.array_equal(image, x[i]) for i in np.flatnonzero(y == label))
