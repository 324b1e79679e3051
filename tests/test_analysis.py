"""Per-layer analysis on small models whose costs are worked out by hand."""

import keras
import pytest
from keras import layers

from cnn_course import layers as course_layers
from cnn_course import models
from cnn_course.analysis import (
    analyze,
    format_shape,
    human_bytes,
    human_count,
    layer_table,
    trainable_params,
)


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
    with pytest.raises(KeyError, match="No layer name starts with 'nothing_'"):
        cost.group("nothing_")
    with pytest.raises(KeyError, match="No layer named 'nothing'"):
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


# --- Models inside models, shared layers: every call counted once -------------


def _backbone(name="backbone"):
    """16x16x3 -> 8x8x16: 3x3 conv to 8 maps, then a strided 3x3 conv to 16."""
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, padding="same", name="c1")(inputs)
    x = layers.ReLU(name="r1")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", name="c2")(x)
    return keras.Model(inputs, x, name=name)


# c1: 16*16*8 outputs * 3*3*3; c2: 8*8*16 outputs * 3*3*8.
BACKBONE_MACS = 16 * 16 * 8 * 27 + 8 * 8 * 16 * 72  # 55,296 + 73,728
HEAD_MACS = 8 * 8 * 4 * 16  # 1x1 conv, 16 -> 4 maps on 8x8


def test_nested_model_is_laid_flat():
    inputs = keras.Input((16, 16, 3))
    x = _backbone()(inputs)
    x = layers.Conv2D(4, 1, name="head")(x)
    model = keras.Model(inputs, x)
    cost = analyze(model)
    assert cost.total_macs == BACKBONE_MACS + HEAD_MACS == 133_120
    assert [row.name for row in cost.rows] == [
        "backbone/c1", "backbone/r1", "backbone/c2", "head"]
    assert cost.row("backbone/c1").macs == 55_296
    assert cost.total_params == model.count_params() == (3 * 3 * 3 * 8 + 8) + (
        3 * 3 * 8 * 16 + 16) + (16 * 4 + 4)
    # Fields go through the nested model: 3, then 3 + 2 * 1, then 1x1.
    assert cost.row("backbone/c2").receptive_field == 5
    assert cost.row("head").receptive_field == 5
    assert cost.row("head").activation_bytes == 8 * 8 * 4 * 4


def test_nested_sequential_inside_sequential_inside_functional():
    block = keras.Sequential(
        [keras.Input((8, 8, 16)), layers.Conv2D(16, 3, padding="same", name="conv")],
        name="block",
    )
    stage = keras.Sequential([keras.Input((8, 8, 16)), block], name="stage")
    inputs = keras.Input((16, 16, 3))
    outputs = stage(_backbone()(inputs))
    cost = analyze(keras.Model(inputs, outputs))
    assert cost.row("stage/block/conv").macs == 8 * 8 * 16 * 9 * 16
    assert cost.total_macs == BACKBONE_MACS + 8 * 8 * 16 * 9 * 16
    assert cost.row("stage/block/conv").receptive_field == 5 + 2 * 2


def test_shared_layer_counts_every_call_and_its_weights_once():
    inputs = keras.Input((8, 8, 4))
    shared = layers.Conv2D(4, 3, padding="same", name="shared")
    x = shared(inputs)
    x = layers.ReLU(name="relu")(x)
    x = shared(x)
    model = keras.Model(inputs, x)
    cost = analyze(model)
    one_call = 8 * 8 * 4 * 3 * 3 * 4  # 9,216
    assert [row.name for row in cost.rows] == ["shared", "shared (call 2)", "relu"]
    assert cost.row("shared").macs == cost.row("shared (call 2)").macs == one_call
    assert cost.total_macs == 2 * one_call
    assert cost.row("shared").params == 3 * 3 * 4 * 4 + 4
    assert cost.row("shared (call 2)").params == 0
    assert cost.total_params == model.count_params() == 148
    assert cost.row("shared (call 2)").receptive_field == 5


def test_model_used_twice_counts_both_calls():
    backbone = _backbone()
    left, right = keras.Input((16, 16, 3)), keras.Input((16, 16, 3))
    merged = layers.Add(name="add")([backbone(left), backbone(right)])
    model = keras.Model([left, right], merged)
    cost = analyze(model)
    assert cost.total_macs == 2 * BACKBONE_MACS
    assert cost.total_params == model.count_params()
    assert cost.row("backbone (call 2)/c2").macs == 73_728
    assert cost.row("backbone (call 2)/c2").params == 0


# --- Other convolutions -------------------------------------------------------


def _one_layer(layer, input_shape):
    inputs = keras.Input(input_shape)
    return analyze(keras.Model(inputs, layer(inputs))).rows[0]


def test_depthwise_convolution():
    # 10x10x3 -> 8x8x(3*2): each output is one 3x3 filter on one channel.
    row = _one_layer(layers.DepthwiseConv2D(3, depth_multiplier=2), (10, 10, 3))
    assert row.output_shape == (None, 8, 8, 6)
    assert row.macs == 8 * 8 * 3 * 2 * 3 * 3 == 3_456
    assert row.receptive_field == 3
    row = _one_layer(layers.DepthwiseConv1D(3), (20, 3))
    assert row.macs == 18 * 3 * 3


def test_separable_convolution_is_depthwise_plus_pointwise():
    row = _one_layer(layers.SeparableConv2D(5, 3, depth_multiplier=2), (10, 10, 3))
    depthwise = 8 * 8 * 3 * 2 * 3 * 3  # 3,456
    pointwise = 8 * 8 * 6 * 5  # 1,920
    assert row.macs == depthwise + pointwise == 5_376
    assert row.params == 3 * 3 * 3 * 2 + 6 * 5 + 5
    assert row.receptive_field == 3
    row = _one_layer(layers.SeparableConv1D(4, 5), (20, 2))
    assert row.macs == 16 * 2 * 5 + 16 * 2 * 4


def test_transposed_convolution():
    # Each of the 5*5*3 input values is multiplied by a 3x3x4 kernel slice.
    row = _one_layer(layers.Conv2DTranspose(4, 3, strides=2), (5, 5, 3))
    assert row.output_shape == (None, 11, 11, 4)
    assert row.macs == 5 * 5 * 3 * 3 * 3 * 4 == 2_700
    assert row.receptive_field == "varies"  # stride 2: fields alternate
    row = _one_layer(layers.Conv2DTranspose(4, 3), (5, 5, 3))
    assert row.output_shape == (None, 7, 7, 4)
    assert row.macs == 2_700
    assert row.receptive_field == 3  # stride 1: a convolution
    row = _one_layer(layers.Conv1DTranspose(2, 4, strides=2), (6, 3))
    assert row.macs == 6 * 3 * 4 * 2
    row = _one_layer(layers.Conv3DTranspose(2, 2), (3, 3, 3, 1))
    assert row.macs == 27 * 1 * 8 * 2


def test_fields_after_a_strided_transposed_convolution_vary_until_global():
    inputs = keras.Input((5, 5, 3))
    x = layers.Conv2DTranspose(4, 3, strides=2, name="up")(inputs)
    x = layers.Conv2D(4, 3, name="conv")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    cost = analyze(keras.Model(inputs, x))
    assert cost.row("conv").receptive_field == "varies"
    assert cost.row("gap").receptive_field is None
    assert "varies" in str(cost)


def test_one_and_three_dimensional_convolutions_and_pooling():
    inputs = keras.Input((20, 2))
    x = layers.Conv1D(6, 5, name="conv_a")(inputs)  # 16x6
    x = layers.MaxPooling1D(2, name="pool")(x)  # 8x6, jump 2
    x = layers.Conv1D(3, 3, name="conv_b")(x)  # 6x3
    cost = analyze(keras.Model(inputs, x))
    assert cost.row("conv_a").macs == 16 * 6 * 5 * 2 == 960
    assert cost.row("conv_b").macs == 6 * 3 * 3 * 6
    assert [cost.row(n).receptive_field for n in ("conv_a", "pool", "conv_b")] == [
        5, 6, 6 + 2 * 2]
    row = _one_layer(layers.Conv3D(4, 3), (6, 6, 6, 2))
    assert row.output_shape == (None, 4, 4, 4, 4)
    assert row.macs == 4 * 4 * 4 * 4 * 27 * 2 == 13_824
    assert row.receptive_field == 3


def test_dilated_and_channels_first_convolutions():
    row = _one_layer(layers.Conv2D(2, 3, dilation_rate=2), (9, 9, 1))
    assert row.macs == 5 * 5 * 2 * 9 * 1
    assert row.receptive_field == 1 + 2 * 2
    # Channels first: 3 input channels, not the 10 of the last axis.
    row = _one_layer(layers.Conv2D(4, 3, data_format="channels_first"), (3, 10, 10))
    assert row.output_shape == (None, 4, 8, 8)
    assert row.macs == 8 * 8 * 4 * 3 * 3 * 3


def test_dense_on_feature_maps_works_per_position():
    inputs = keras.Input((4, 4, 8))
    x = layers.Conv2D(8, 3, padding="same", name="conv")(inputs)
    x = layers.Dense(2, name="dense")(x)  # a 1x1 convolution, 16 positions
    cost = analyze(keras.Model(inputs, x))
    assert cost.row("dense").macs == 4 * 4 * 2 * 8
    assert cost.row("dense").receptive_field == 3


def test_layers_without_multiply_adds():
    inputs = keras.Input((8, 8, 3))
    x = layers.Rescaling(1 / 255, name="scale")(inputs)
    x = layers.ZeroPadding2D(1, name="pad")(x)  # 10x10
    x = layers.Conv2D(2, 3, name="conv")(x)  # 8x8
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Activation("relu", name="act")(x)
    x = layers.Dropout(0.5, name="drop")(x)
    cost = analyze(keras.Model(inputs, x))
    assert cost.total_macs == cost.row("conv").macs == 8 * 8 * 2 * 9 * 3
    assert [row.receptive_field for row in cost.rows] == [1, 1, 3, 3, 3, 3]


# --- What it cannot count, it refuses -----------------------------------------


def test_unknown_input_size_raises_naming_the_layer():
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(4, 3, name="first_conv")(inputs)
    with pytest.raises(ValueError, match=r"'first_conv'.*fixed input size"):
        analyze(keras.Model(inputs, x))


def test_unknown_layer_raises_naming_it_and_its_class():
    inputs = keras.Input((8, 8, 3))
    x = layers.Lambda(lambda t: 2 * t, name="double")(inputs)
    with pytest.raises(ValueError, match=r"'double' of class Lambda"):
        analyze(keras.Model(inputs, x))
    x = layers.UpSampling2D(name="up")(inputs)
    with pytest.raises(ValueError, match=r"'up' of class UpSampling2D"):
        analyze(keras.Model(inputs, x))


def test_keras_ops_in_the_graph_raise():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(3, 3, padding="same", name="conv")(inputs)
    x = keras.ops.add(x, inputs)
    with pytest.raises(ValueError, match=r"keras\.ops call"):
        analyze(keras.Model(inputs, x))


def test_subclassed_model_raises():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(keras.ops.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"'tiny' \(Tiny\).*functional"):
        analyze(model)


def test_analyze_checks_its_argument():
    with pytest.raises(TypeError, match="`model` must be a keras.Model"):
        analyze("vgg16")
    with pytest.raises(ValueError, match="must be built"):
        analyze(keras.Sequential([layers.Dense(3)]))


# --- Layer tables (moved from viz) and the shared renderer --------------------


def test_layer_table_rows_and_totals():
    model = models.alexnet(towers=1, lrn=False)
    table = layer_table(model)
    assert [row[0] for row in table.rows] == [layer.name for layer in model.layers]
    assert table.total_params == model.count_params() == 62_378_344
    conv1 = table.rows[0]
    assert conv1 == ("conv1", "Conv2D", (None, 55, 55, 96), 11 * 11 * 3 * 96 + 96)
    text = str(table)
    assert "62,378,344" in text and "(None, 6, 6, 256)" in text
    assert text.splitlines()[0] == "Model: alexnet"


def test_layer_table_counts_batchnorm_statistics_like_summary():
    model = models.alexnet_small_bn()
    table = layer_table(model)
    bn1 = dict((row[0], row[3]) for row in table.rows)["bn1"]
    assert bn1 == 4 * 96
    assert table.total_params == model.count_params()


def test_tables_are_aligned_text():
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(300, name="wide"), layers.Dense(2, name="out")],
        name="mlp",
    )
    # Columns two spaces apart, each as wide as its widest cell; numbers to
    # the right. wide: 4*300+300 = 1,500; out: 300*2+2 = 602.
    assert str(layer_table(model)) == "\n".join([
        "Model: mlp",
        "Layer  Type   Output shape  Params",
        "----------------------------------",
        "wide   Dense  (None, 300)    1,500",
        "out    Dense  (None, 2)        602",
        "----------------------------------",
        "Total                        2,102",
    ])
    lines = str(analyze(model)).splitlines()
    assert lines[1].split() == [
        "Layer", "Type", "Output", "shape", "Params", "MACs", "RF", "Activations"]
    assert lines[3].split() == [
        "wide", "Dense", "(None,", "300)", "1,500", "1,200", "global", "1.2", "KB"]
    assert len(lines[2]) == len(lines[1]) and set(lines[2]) == {"-"}
    assert lines[-1] == "1.80 K multiply-adds, 2,102 parameters"
    assert format_shape([(None, 4), (None, 2, 2)]) == "(None, 4), (None, 2, 2)"
