"""Per-layer analysis on small models whose costs are worked out by hand."""

import keras
import pytest
from keras import layers

from cnn_course import layers as course_layers
from cnn_course.analysis import analyze, human_bytes, human_count, trainable_params


def test_strided_padded_and_1x1_convolutions():
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", name="strided")(inputs)  # 16x16x8
    x = layers.Conv2D(4, 1, name="pointwise")(x)  # 16x16x4
    x = layers.Conv2D(6, 5, padding="valid", name="valid")(x)  # 12x12x6
    cost = analyze(keras.Model(inputs, x))
    strided, pointwise, valid = (cost.row(n) for n in ("strided", "pointwise", "valid"))
    assert strided.macs == 16 * 16 * 8 * 3 * 3 * 3
    assert pointwise.macs == 16 * 16 * 4 * 8
    assert valid.macs == 12 * 12 * 6 * 5 * 5 * 4
    # r = 3; then the 1x1 adds nothing; then 5x5 with jump 2 adds 4 * 2.
    assert (strided.receptive_field, pointwise.receptive_field, valid.receptive_field) == (3, 3, 11)
    assert valid.params == 5 * 5 * 4 * 6 + 6
    assert valid.activation_bytes == 12 * 12 * 6 * 4


def test_grouped_convolution_costs_a_fraction():
    inputs = keras.Input((10, 10, 16))
    x = layers.Conv2D(32, 3, padding="same", groups=4, name="grouped")(inputs)
    row = analyze(keras.Model(inputs, x)).row("grouped")
    assert row.macs == 10 * 10 * 32 * 3 * 3 * (16 // 4)
    assert row.params == 3 * 3 * 4 * 32 + 32


def test_pooling_dense_and_global_layers():
    inputs = keras.Input((8, 8, 2))
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool")(inputs)  # 4x4
    x = layers.Conv2D(2, 3, padding="same", name="conv")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(5, name="dense")(x)
    cost = analyze(keras.Model(inputs, x))
    assert cost.row("pool").macs == 0
    assert cost.row("pool").receptive_field == 3
    assert cost.row("conv").receptive_field == 3 + 2 * 2  # jump 2 after pooling
    assert cost.row("flatten").receptive_field is None  # global
    assert cost.row("dense").macs == 32 * 5
    assert "global" in str(cost)
    assert cost.total_macs == sum(row.macs for row in cost.rows)


def test_receptive_field_through_branches_takes_the_largest_path():
    inputs = keras.Input((16, 16, 4))
    small = layers.Conv2D(4, 1, name="one")(inputs)
    big = layers.Conv2D(4, 3, padding="same", name="three_a")(inputs)
    big = layers.Conv2D(4, 3, padding="same", name="three_b")(big)
    merged = layers.Concatenate(name="concat")([small, big])
    added = layers.Add(name="add")([layers.Conv2D(8, 1, name="proj")(inputs), merged])
    out = layers.Conv2D(8, 3, padding="same", name="after")(added)
    cost = analyze(keras.Model(inputs, out))
    assert cost.row("one").receptive_field == 1
    assert cost.row("three_b").receptive_field == 5
    assert cost.row("concat").receptive_field == 5
    assert cost.row("add").receptive_field == 5
    assert cost.row("after").receptive_field == 7
    assert cost.row("concat").macs == 0 and cost.row("add").macs == 0


def test_squeeze_excitation_makes_the_receptive_field_global():
    inputs = keras.Input((8, 8, 32))
    x = layers.Conv2D(32, 3, padding="same", name="conv")(inputs)
    x = course_layers.SqueezeExcitation(8, name="se")(x)
    x = layers.Conv2D(32, 1, name="after")(x)
    cost = analyze(keras.Model(inputs, x))
    assert cost.row("se").receptive_field is None
    assert cost.row("after").receptive_field is None
    assert cost.row("se").macs == 2 * 32 * 4 + 8 * 8 * 32


def test_group_sums_a_module():
    inputs = keras.Input((8, 8, 4))
    a = layers.Conv2D(2, 1, name="m_a")(inputs)
    b = layers.Conv2D(2, 3, padding="same", name="m_b")(inputs)
    out = layers.Concatenate(name="m_out")([a, b])
    cost = analyze(keras.Model(inputs, out))
    group = cost.group("m_")
    assert group["macs"] == 8 * 8 * 2 * 4 + 8 * 8 * 2 * 9 * 4
    assert group["layers"] == 3 and group["output_shape"] == (None, 8, 8, 4)
    with pytest.raises(KeyError):
        cost.group("nothing_")
    with pytest.raises(KeyError):
        cost.row("nothing")


def test_human_readable_units():
    assert human_bytes(512) == "512 B"
    assert human_bytes(2048) == "2.0 KB"
    assert human_count(3_800_000_000) == "3.80 G"
    assert human_count(999) == "999"


def test_sequential_models_built_with_add_keep_their_receptive_fields():
    """Sequential.add rebuilds the graph; fields must survive activations."""
    model = keras.Sequential([keras.Input((16, 16, 1))])
    for index in range(3):
        model.add(layers.Conv2D(4, 3, padding="same", name=f"conv{index}"))
        model.add(layers.ReLU(name=f"relu{index}"))
    cost = analyze(model)
    fields = [cost.row(f"relu{i}").receptive_field for i in range(3)]
    assert fields == [3, 5, 7]


def test_trainable_params_leaves_out_batchnorm_statistics_and_frozen_layers():
    inputs = keras.Input((6, 6, 2))
    x = layers.Conv2D(4, 3, name="conv")(inputs)  # 3*3*2*4 + 4 = 76
    x = layers.BatchNormalization(name="bn")(x)  # gamma, beta: 8; moving stats: 8
    x = layers.Flatten()(x)
    frozen = layers.Dense(3, name="frozen")  # 4*4*4*3 + 3 = 195, not trainable
    outputs = frozen(x)
    frozen.trainable = False
    model = keras.Model(inputs, outputs)
    assert trainable_params(model) == 76 + 8
    assert model.count_params() == 76 + 16 + 195


def test_trainable_params_needs_a_built_model():
    with pytest.raises(ValueError, match="must be built"):
        trainable_params(keras.Sequential([layers.Dense(3)]))
