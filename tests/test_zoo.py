"""The paper-faithful model zoo against the papers' tables and figures.md.

Expected values are the papers' printed figures, figures.md, or arithmetic
on the papers' layer tables; none is copied from this package's output.
"""

import keras
import numpy as np
import pytest

from cnn_course import models
from cnn_course.analysis import analyze
from helpers import cifar_resnet_params, conv_params, dense_params


def trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# ----------------------------------------------------------- LeNet-5 (paper)


# Table I of LeCun et al. (1998): the S2 maps each C3 map reads, column by column.
TABLE_I_COLUMNS = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


def test_lenet5_c3_connections_are_table_i():
    from cnn_course.models.lenet import LENET5_C3_TABLE

    reads = [tuple(i for i in range(6) if LENET5_C3_TABLE[i][j]) for j in range(16)]
    assert reads == [tuple(sorted(column)) for column in TABLE_I_COLUMNS]
    # 60 connections of 5x5 weights, and a bias per map: C3's 1,516 parameters
    assert sum(map(len, TABLE_I_COLUMNS)) * 25 + 16 == 1_516


def test_lenet5_paper_has_exactly_60000_parameters_split_as_in_the_paper():
    model = models.lenet5_paper()
    split = {"c1": 156, "s2": 12, "c3": 1_516, "s4": 32, "c5": 48_120, "f6": 10_164}
    for name, count in split.items():
        assert model.get_layer(name).count_params() == count, name
    assert trainable(model) == 60_000
    assert model.get_layer("output").count_params() == 0  # fixed RBF codes


def test_lenet5_paper_connections_match_the_paper():
    """340,908 connections (Section II.B): weights, biases and RBF inputs."""
    analysis = analyze(models.lenet5_paper())
    connections = 0
    for row in analysis.rows:
        units = int(np.prod(row.output_shape[1:]))
        if row.type in ("Conv2D", "ConnectionTableConv2D", "Dense"):
            connections += row.macs + units  # one bias per unit
        elif row.type == "TrainableSubsampling":
            connections += units * (4 + 1)  # four inputs and a bias
        elif row.type == "RBFOutput":
            connections += row.macs
    assert connections == 340_908


def test_lenet5_rbf_codes_are_fixed_and_distinct():
    model = models.lenet5_paper()
    codes = np.asarray(model.get_layer("output").codes)
    assert codes.shape == (10, 84)
    assert set(np.unique(codes)) == {-1.0, 1.0}
    assert len({tuple(c) for c in codes}) == 10
    assert not model.get_layer("output").trainable_weights


def test_lenet5_rbf_codes_are_digit_bitmaps_or_seeded_random_codes():
    from cnn_course.models.lenet import lenet5_rbf_codes

    bitmaps = lenet5_rbf_codes().reshape(10, 12, 7)  # 84 = 12 rows of 7 (the paper's 7x12)
    # a margin of one pixel all round, as the docstring says
    for margin in (bitmaps[:, 0, :], bitmaps[:, -1, :], bitmaps[:, :, 0], bitmaps[:, :, -1]):
        assert (margin == -1).all()
    # "1" is a vertical stroke: its middle column is on from top to bottom of the glyph
    assert (bitmaps[1, 1:11, 3] == 1).all()
    # "8" is symmetric left to right, "7" is not
    np.testing.assert_array_equal(bitmaps[8], bitmaps[8][:, ::-1])
    assert not np.array_equal(bitmaps[7], bitmaps[7][:, ::-1])
    # other class counts: random +1/-1 codes, fixed by the seed
    codes = lenet5_rbf_codes(classes=5, seed=3)
    assert codes.shape == (5, 84) and set(np.unique(codes)) == {-1.0, 1.0}
    np.testing.assert_array_equal(codes, lenet5_rbf_codes(classes=5, seed=3))
    assert not np.array_equal(codes, lenet5_rbf_codes(classes=5, seed=4))


def test_lenet5_seed002_matches_printed_summary():
    model = models.lenet5_seed002()
    assert model.get_layer("c1").count_params() == 456
    assert model.get_layer("c3").count_params() == 2_416
    assert model.get_layer("c5").count_params() == 5_393_400
    assert model.get_layer("flatten").output.shape == (None, 44_944)


# ----------------------------------------------------------------------- VGG


def test_vgg_a_lrn_has_the_count_of_a_and_one_lrn_layer():
    model = models.vgg("A-LRN")
    assert model.count_params() == 132_863_336
    lrn = [l for l in model.layers if type(l).__name__ == "LocalResponseNormalization"]
    assert [l.name for l in lrn] == ["block1_lrn"]
    assert model.layers.index(lrn[0]) == 1  # right after the first convolution


@pytest.mark.parametrize(
    "config, gmacs",
    [("A", 7.61), ("B", 11.31), ("C", 11.77), ("D", 15.47), ("E", 19.63)],
)
def test_vgg_multiply_adds_from_figures(config, gmacs):
    assert analyze(models.vgg(config)).total_macs / 1e9 == pytest.approx(gmacs, abs=0.005)


def test_vgg16_seed002_kernel_typo_on_request():
    typo = models.vgg16_seed002()
    assert typo.get_layer("block2_conv1").count_params() == 49_280  # printed
    assert typo.output_shape == (None, 17)
    fixed = models.vgg16_seed002(kernel_typo=False, classes=100)
    assert fixed.get_layer("block2_conv1").count_params() == conv_params(3, 64, 128)
    assert fixed.get_layer("fc3").units == 1000 and fixed.output_shape == (None, 100)


# -------------------------------------------------------- Network in Network


def test_nin_cifar10_count_by_arithmetic_and_gap_head():
    model = models.network_in_network()
    blocks = [(5, 3, (192, 160, 96)), (5, 96, (192, 192, 192)), (3, 192, (192, 192, 10))]
    expected = 0
    for kernel, channels, widths in blocks:
        expected += conv_params(kernel, channels, widths[0])
        expected += conv_params(1, widths[0], widths[1]) + conv_params(1, widths[1], widths[2])
    assert model.count_params() == expected
    assert not any(isinstance(l, keras.layers.Dense) for l in model.layers)
    assert model.get_layer("block3_cccp2").output.shape == (None, 8, 8, 10)


def test_nin_fc_head_keeps_the_body():
    gap = models.network_in_network()
    fc = models.network_in_network(head="fc", head_dropout=0.5)
    body = [l.name for l in gap.layers if l.name.startswith("block")]
    assert body == [l.name for l in fc.layers if l.name.startswith("block")]
    assert fc.count_params() - gap.count_params() == dense_params(8 * 8 * 10, 10)
    assert fc.get_layer("head_dropout").rate == 0.5


def test_nin_seed002_matches_printed_summary():
    model = models.nin_seed002()
    counts = [l.count_params() for l in model.layers[:7]]
    assert counts == [14_592, 768, 0, 37_056, 768, 0, 18_528]  # printed
    assert model.output_shape == (None, 100)


# ------------------------------------------------------------------ GoogLeNet

# Table 1's printed ops (millions; figures.md) for the consistent modules
# (5a's printed 54M matches no consistent count, see below).
PRINTED_OPS = {"3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100, "4d": 119,
               "4e": 170, "5b": 71}
# Table 1's widths of each module: #1x1, #3x3 reduce, #3x3, #5x5 reduce,
# #5x5, pool proj (figures.md).
TABLE1_WIDTHS = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def inception_params(cin, c1, c3r, c3, c5r, c5, proj):
    """Weights and biases of one module of Table 1, by arithmetic."""
    return (conv_params(1, cin, c1) + conv_params(1, cin, c3r) + conv_params(3, c3r, c3)
            + conv_params(1, cin, c5r) + conv_params(5, c5r, c5) + conv_params(1, cin, proj))


def table1_inputs():
    """Each module's input depth: the stem's 192 channels, then the previous
    module's four branches concatenated."""
    depth, inputs = 192, {}
    for module, (c1, _, c3, _, c5, proj) in TABLE1_WIDTHS.items():
        inputs[module], depth = depth, c1 + c3 + c5 + proj
    return inputs


TABLE1_OUTPUT = {
    "3a": (28, 256), "3b": (28, 480), "4a": (14, 512), "4b": (14, 512),
    "4c": (14, 512), "4d": (14, 528), "4e": (14, 832), "5a": (7, 832), "5b": (7, 1024),
}


@pytest.fixture(scope="module")
def googlenet_analysis():
    return analyze(models.googlenet())


@pytest.mark.parametrize("module", sorted(PRINTED_OPS))
def test_googlenet_module_ops_within_one_percent_of_table_1(googlenet_analysis, module):
    macs = googlenet_analysis.group(f"inception_{module}_")["macs"]
    assert macs / 1e6 == pytest.approx(PRINTED_OPS[module], rel=0.01)


def test_googlenet_5a_matches_the_computed_not_the_printed_ops(googlenet_analysis):
    macs = googlenet_analysis.group("inception_5a_")["macs"] / 1e6
    assert macs == pytest.approx(51.1, abs=0.05)  # figures.md: printed 54M is inconsistent


@pytest.mark.parametrize("module", sorted(TABLE1_OUTPUT))
def test_googlenet_output_sizes_from_table_1(googlenet_analysis, module):
    side, depth = TABLE1_OUTPUT[module]
    shape = googlenet_analysis.group(f"inception_{module}_")["output_shape"]
    assert shape == (None, side, side, depth)


@pytest.mark.parametrize("module", sorted(TABLE1_WIDTHS))
def test_googlenet_module_params_by_arithmetic(module):
    layers = [l for l in models.googlenet().layers if l.name.startswith(f"inception_{module}_")]
    expected = inception_params(table1_inputs()[module], *TABLE1_WIDTHS[module])
    assert sum(l.count_params() for l in layers) == expected


def test_googlenet_total_params_by_arithmetic_on_table_1():
    model = models.googlenet()
    stem = conv_params(7, 3, 64) + conv_params(1, 64, 64) + conv_params(3, 64, 192)
    modules = sum(inception_params(table1_inputs()[m], *w) for m, w in TABLE1_WIDTHS.items())
    classifier = dense_params(1024, 1000)
    # 6,998,552: the paper prints no total; its per-layer column (which the
    # text rounds to "about 6.8M") runs a few percent low, see figures.md
    assert model.count_params() == stem + modules + classifier
    assert model.get_layer("dropout").rate == 0.4
    assert [l.name for l in model.layers if "lrn" in l.name] == ["lrn1", "lrn2"]


def test_googlenet_auxiliary_classifiers():
    model = models.googlenet(auxiliary_classifiers=True)
    assert len(model.outputs) == 3
    assert model.get_layer("aux_4a_pool").output.shape == (None, 4, 4, 512)
    assert model.get_layer("aux_4d_pool").output.shape == (None, 4, 4, 528)
    aux = [l for l in model.layers if l.name.startswith("aux_4a_")]
    expected = conv_params(1, 512, 128) + dense_params(2048, 1024) + dense_params(1024, 1000)
    assert sum(l.count_params() for l in aux) == expected
    assert model.get_layer("aux_4a_dropout").rate == 0.7


def test_googlenet_seed001_reproduces_the_bugs():
    model = models.googlenet_seed001()
    assert model.count_params() == 5_864_762  # printed
    names = [l.name for l in model.layers]
    assert "conv1" not in names and "pool1" not in names  # cut off by the bug
    assert model.get_layer("conv2").input is model.inputs[0]
    assert model.get_layer("inception_3a_output").output.shape == (None, 111, 111, 256)
    assert model.output_shape == (None, 21, 21, 10)  # never flattened


# --------------------------------------------------------------------- ResNet

RESNET_TRAINABLE = {  # figures.md (torchvision's counts)
    18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808,
}
RESNET_GMACS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}  # Table 1, printed


@pytest.mark.parametrize("depth", sorted(RESNET_TRAINABLE))
def test_resnet_counts_and_flops_from_table_1(depth):
    model = models.resnet(depth)
    assert trainable(model) == RESNET_TRAINABLE[depth]
    assert analyze(model).total_macs / 1e9 == pytest.approx(RESNET_GMACS[depth], rel=0.05)
    sides = [model.get_layer(f"conv{s}_1_out").output.shape[1] for s in (2, 3, 4, 5)]
    assert sides == [56, 28, 14, 7]


def test_resnet50_block_structure():
    model = models.resnet(50)
    assert model.get_layer("conv2_1_3_conv").filters == 256  # 4 x 64
    assert model.get_layer("conv3_1_1_conv").strides == (2, 2)
    assert not model.get_layer("conv2_1_1_conv").use_bias
    assert "conv2_2_shortcut_conv" not in [l.name for l in model.layers]  # identity
    # 483 pixels: 7 (conv1) + 4 (the /2 max-pool) + 3 x 8 + 4 x 16 + 6 x 32
    # + 3 x 64 (each block's one 3x3 conv at its stage's stride), with the
    # stride in the first 1x1 conv as in the paper's released models; the
    # value Araujo et al. (Distill, 2019, "Computing receptive fields")
    # list for ResNet-50 v1. A stride in the 3x3 conv would give 427.
    assert analyze(model).row("conv5_3_out").receptive_field == 483


def test_se_resnet50_count_from_figures():
    model = models.se_resnet50()
    assert trainable(model) == 28_088_024
    assert trainable(model) - RESNET_TRAINABLE[50] == 2_530_992
    se = model.get_layer("conv5_3_se")
    assert se.ratio == 16 and se.squeeze.units == 2048 // 16


def test_resnet_seed001_matches_printed_count():
    model = models.resnet_seed001()
    assert trainable(model) == 15_853_328
    assert model.get_layer("stage2_1_conv2").count_params() == 147_584  # printed
    assert model.get_layer("stage3_1_shortcut").count_params() == 33_024  # printed
    assert model.get_layer("stage4_2_out").output.shape == (None, 28, 28, 512)


@pytest.mark.parametrize("blocks", [(2, 2, 2), (1, 2, 2)])  # the default, Chapter 4's
def test_resnet_small_params_by_arithmetic(blocks):
    # the CIFAR design with projection shortcuts (option B) where the width changes
    small = models.resnet_small(widths=(32, 64, 128), blocks=blocks)
    assert small.count_params() == cifar_resnet_params((32, 64, 128), blocks, projections=True)
    # projections only where a stage begins with a new width and a stride of 2
    shortcuts = sorted({l.name.rsplit("_", 1)[0] for l in small.layers if "shortcut" in l.name})
    assert shortcuts == ["stage2_1_shortcut", "stage3_1_shortcut"]
    assert small.get_layer("stage3_1_out").output.shape == (None, 7, 7, 128)


def test_resnet_small_and_fashion_cnn():
    small = models.resnet_small()
    assert small.get_layer("stage3_1_out").output.shape == (None, 7, 7, 128)
    cnn = models.fashion_cnn()
    expected = (
        conv_params(7, 1, 64) + conv_params(3, 64, 128) + conv_params(3, 128, 128)
        + conv_params(3, 128, 256) + conv_params(3, 256, 256)
        + dense_params(3 * 3 * 256, 128) + dense_params(128, 64) + dense_params(64, 10)
    )
    assert cnn.count_params() == expected


# ------------------------------------------------------------ argument checks


def test_nin_refuses_dense_head_settings_without_a_dense_head():
    # these once built the GAP network without any dropout or hidden layer, silently
    for call, setting in (
        (lambda: models.network_in_network(head_dropout=0.5), "head_dropout=0.5"),
        (lambda: models.network_in_network(fc_units=512), "fc_units=512"),
        (lambda: models.network_in_network(head="fc", head_dropout=0.5, include_top=False),
         "head_dropout=0.5"),
    ):
        with pytest.raises(ValueError, match=rf"`{setting.split('=')[0]}` applies only to the "
                                             rf"dense head \(head='fc'\).* Received: {setting}"):
            call()
    with pytest.raises(ValueError, match=r"this network has include_top=False: no dense layer"):
        models.network_in_network(head="fc", fc_units=64, include_top=False)
    with_fc = models.network_in_network(head="fc", head_dropout=0.5, fc_units=64)
    assert [layer.name for layer in with_fc.layers[-5:]] == [
        "flatten", "hidden_dropout", "fc_hidden", "head_dropout", "fc"]
    assert with_fc.get_layer("head_dropout").rate == 0.5


@pytest.mark.parametrize(
    "call, argument, error",
    [
        (lambda: models.resnet(42), "depth", ValueError),
        (lambda: models.resnet(50, input_shape=(16, 16, 3)), "input_shape", ValueError),
        (lambda: models.resnet(50, se_ratio=0), "se_ratio", ValueError),
        (lambda: models.googlenet(input_shape=(31, 31, 3)), "input_shape", ValueError),
        (lambda: models.googlenet(input_shape=(64, 64, 3), auxiliary_classifiers=True), "input_shape", ValueError),
        (lambda: models.googlenet(auxiliary_classifiers="yes"), "auxiliary_classifiers", TypeError),
        (lambda: models.network_in_network(head="dense"), "head", ValueError),
        (lambda: models.network_in_network(input_shape=(3, 3, 3)), "input_shape", ValueError),
        (lambda: models.network_in_network(blocks=((5, (192, 0, 96), "max", 0.5),)), "widths", ValueError),
        (lambda: models.network_in_network(blocks=((5, (8, 8, 8), "mean", 0.5),)), "pooling", ValueError),
        (lambda: models.alexnet(towers=3), "towers", ValueError),
        (lambda: models.vgg("F"), "config", ValueError),
        (lambda: models.vgg16_seed002(kernel_typo="yes"), "kernel_typo", TypeError),
        (lambda: models.lenet5_paper(input_shape=(28, 28, 1)), "input_shape", ValueError),
        (lambda: models.resnet_small(widths=(32, -1), blocks=(2, 2)), "widths", ValueError),
        (lambda: models.resnet_small(widths=(32, 64), blocks=(2,)), "widths", ValueError),
        (lambda: models.fashion_cnn(classes=0), "classes", ValueError),
    ],
)
def test_builders_name_the_bad_argument(call, argument, error):
    # A wrong type (auxiliary_classifiers="yes") is a TypeError, a wrong value a ValueError.
    with pytest.raises(error, match=rf"`{argument}`") as raised:
        call()
    assert type(raised.value) is error
