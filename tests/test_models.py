"""Architectures against the papers, the seed notebooks and figures.md.

Expected numbers come from ../shared/references/figures.md, the seeds'
printed summaries, or arithmetic on the papers' layer tables (helpers.py);
none is copied from this package's output.
"""

import keras
import pytest

from cnn_course import models
from helpers import batchnorm_params, conv_out, conv_params, dense_params


def shape_of(model, layer):
    return tuple(model.get_layer(layer).output.shape)


# --------------------------------------------------------------------- LeNet-5


def test_lenet5_matches_seed_000_summary():
    model = models.lenet5()
    # Per-layer counts printed in the seed's summary; total 61,706.
    printed = {"c1": 156, "c3": 2416, "c5": 48120, "f6": 10164, "output": 850}
    for name, params in printed.items():
        assert model.get_layer(name).count_params() == params
    assert model.count_params() == 61_706


def test_lenet5_shape_walk():
    """28x28x6, 14x14x6, 10x10x16, then 5x5x16 (the seed says 5x5x6)."""
    model = models.lenet5()
    assert shape_of(model, "c1") == (None, 28, 28, 6)
    assert shape_of(model, "s2") == (None, 14, 14, 6)
    assert shape_of(model, "c3") == (None, 10, 10, 16)
    assert shape_of(model, "s4") == (None, 5, 5, 16)
    assert shape_of(model, "flatten") == (None, 400)
    assert shape_of(model, "output") == (None, 10)


def test_lenet5_keeps_the_papers_layer_sizes():
    model = models.lenet5()
    assert isinstance(model.get_layer("s2"), keras.layers.AveragePooling2D)
    assert model.get_layer("c1").kernel_size == (5, 5)
    assert model.get_layer("c1").padding == "valid"
    assert model.get_layer("f6").units == 84
    tanh_max = models.lenet5(activation="tanh", subsampling="max")
    assert isinstance(tanh_max.get_layer("s4"), keras.layers.MaxPooling2D)
    assert tanh_max.get_layer("c1").activation is keras.activations.tanh
    # pooling has no weights here, and C3 reads all six maps (no Table I)
    assert tanh_max.count_params() == (
        conv_params(5, 1, 6) + conv_params(5, 6, 16) + conv_params(5, 16, 120)
        + dense_params(120, 84) + dense_params(84, 10))


# --------------------------------------------------------------------- AlexNet


def test_alexnet_counts_from_figures():
    assert models.alexnet().count_params() == 60_965_224  # two towers
    assert models.alexnet(towers=1, lrn=False).count_params() == 62_378_344


def test_alexnet_two_towers_split_conv2_conv4_conv5_and_add_lrn():
    model = models.alexnet()
    groups = {l.name: l.groups for l in model.layers if isinstance(l, keras.layers.Conv2D)}
    assert groups == {"conv1": 1, "conv2": 2, "conv3": 1, "conv4": 2, "conv5": 2}
    names = [layer.name for layer in model.layers]
    # Section 3.5: LRN follows conv1 and conv2 (after ReLU), pooling follows LRN.
    assert names[:8] == ["conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2", "conv3", "conv4"]
    lrn = model.get_layer("lrn1")
    assert (lrn.depth_radius, lrn.bias, lrn.alpha, lrn.beta) == (2, 2.0, 1e-4, 0.75)
    assert model.get_layer("drop6").rate == 0.5


def test_alexnet_seed_variants():
    assert models.alexnet_bn().count_params() == 46_793_482  # seed 001, printed
    seed002 = models.alexnet_seed002()
    assert seed002.get_layer("conv1").output.shape == (None, 54, 54, 96)
    assert seed002.get_layer("fc8").units == 1000 and seed002.output_shape == (None, 100)
    expected = (
        conv_params(11, 3, 96) + conv_params(5, 96, 256) + conv_params(3, 256, 384)
        + conv_params(3, 384, 384) + conv_params(3, 384, 256)
        + dense_params(5 * 5 * 256, 4096) + dense_params(4096, 4096)
        + dense_params(4096, 1000) + dense_params(1000, 100)
    )
    assert seed002.count_params() == expected


def test_alexnet_count_by_arithmetic():
    expected = (
        conv_params(11, 3, 96)
        + conv_params(5, 96, 256)
        + conv_params(3, 256, 384)
        + conv_params(3, 384, 384)
        + conv_params(3, 384, 256)
        + dense_params(6 * 6 * 256, 4096)
        + dense_params(4096, 4096)
        + dense_params(4096, 1000)
    )
    assert models.alexnet(towers=1, lrn=False).count_params() == expected
    # Two towers: conv2, conv4 and conv5 see half of their input maps.
    saved = sum(k * k * (c // 2) * f for k, c, f in [(5, 96, 256), (3, 384, 384), (3, 384, 256)])
    assert models.alexnet().count_params() == expected - saved


def test_alexnet_shape_walk_from_seed_000():
    model = models.alexnet()
    walk = {
        "conv1": (55, 55, 96),
        "pool1": (27, 27, 96),
        "conv2": (27, 27, 256),
        "pool2": (13, 13, 256),
        "conv3": (13, 13, 384),
        "conv4": (13, 13, 384),
        "conv5": (13, 13, 256),
        "pool5": (6, 6, 256),
    }
    for layer, shape in walk.items():
        assert shape_of(model, layer) == (None, *shape)
    assert shape_of(model, "flatten") == (None, 9216)
    pool = model.get_layer("pool1")
    assert pool.pool_size == (3, 3) and pool.strides == (2, 2)  # overlapping


def test_alexnet_at_224_gives_54_not_55():
    """The 227-vs-224 point: seed 001's 224 input prints a 54x54 conv1."""
    model = models.alexnet(input_shape=(224, 224, 3), classes=10)
    assert shape_of(model, "conv1") == (None, 54, 54, 96)
    assert conv_out(224, 11, 4) == 54 and conv_out(227, 11, 4) == 55


def test_alexnet_small_bn_count_by_arithmetic():
    """The seed-000 code on 32x32x3: same padding leaves 1x1x256."""
    side = 32
    side = conv_out(side, 11, 4, "same")  # conv1
    side = conv_out(side, 2, 2, "same")  # pool1
    side = conv_out(side, 2, 2, "same")  # pool2
    side = conv_out(side, 2, 2, "same")  # pool5
    assert side == 1
    widths = [(11, 3, 96), (5, 96, 256), (3, 256, 384), (3, 384, 384), (3, 384, 256)]
    expected = sum(conv_params(*w) + batchnorm_params(w[2]) for w in widths)
    dense = [(side * side * 256, 4096), (4096, 4096), (4096, 1000), (1000, 10)]
    expected += sum(dense_params(*d) + batchnorm_params(d[1]) for d in dense)
    model = models.alexnet_small_bn()
    assert model.count_params() == expected
    assert shape_of(model, "flatten") == (None, 256)
    assert model.output_shape == (None, 10)


# ------------------------------------------------------------------------- VGG

VGG_FIGURES = {  # figures.md, computed from the paper's Table 1
    "A": 132_863_336,
    "B": 133_047_848,
    "C": 133_638_952,
    "D": 138_357_544,
    "E": 143_667_240,
}

VGG_WEIGHT_LAYERS = {"A": 11, "B": 13, "C": 16, "D": 16, "E": 19}


@pytest.mark.parametrize("config", sorted(VGG_FIGURES))
def test_vgg_counts_from_figures(config):
    model = models.vgg(config)
    assert model.count_params() == VGG_FIGURES[config]
    weighted = [layer for layer in model.layers if layer.weights]
    assert len(weighted) == VGG_WEIGHT_LAYERS[config]


def test_vgg16_is_configuration_d_and_matches_keras_applications():
    ours = models.vgg16()
    reference = keras.applications.VGG16(weights=None)
    assert ours.count_params() == reference.count_params() == 138_357_544
    ours_convs = [l.name for l in ours.layers if isinstance(l, keras.layers.Conv2D)]
    ref_convs = [l.name for l in reference.layers if isinstance(l, keras.layers.Conv2D)]
    assert ours_convs == ref_convs


def test_vgg16_shape_walk_and_first_dense_layer():
    model = models.vgg16()
    for block, side in zip(range(1, 6), (112, 56, 28, 14, 7)):
        assert shape_of(model, f"block{block}_pool")[1:3] == (side, side)
    assert shape_of(model, "flatten") == (None, 25088)
    assert model.get_layer("fc1").count_params() == dense_params(25088, 4096)
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    assert {l.kernel_size for l in convs} == {(3, 3)}
    assert {l.padding for l in convs} == {"same"}
    assert [l.filters for l in convs] == [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6


def test_vgg_c_has_three_1x1_convolutions():
    convs = [l for l in models.vgg("C").layers if isinstance(l, keras.layers.Conv2D)]
    assert sum(l.kernel_size == (1, 1) for l in convs) == 3


def test_vgg16_with_ten_classes_matches_seed_001():
    assert models.vgg16(classes=10).count_params() == 134_301_514


# ------------------------------------------------------------------- errors
# Minimum input sizes are checked for every registered model in
# test_registry.py, from the registry's own entries.


@pytest.mark.parametrize(
    "kwargs, error, argument",
    [
        ({"input_shape": (32, 32)}, ValueError, "input_shape"),
        ({"input_shape": [28, 28]}, ValueError, "input_shape"),
        ({"input_shape": (32, 32, 0)}, ValueError, "input_shape"),
        ({"input_shape": (15, 32, 1)}, ValueError, "input_shape"),
        ({"input_shape": "32x32"}, TypeError, "input_shape"),
        ({"input_shape": (32.0, 32, 1)}, TypeError, "input_shape"),
        ({"classes": 0}, ValueError, "classes"),
        ({"classes": 2.5}, TypeError, "classes"),
        ({"classes": 10.5}, TypeError, "classes"),
        ({"classes": "10"}, TypeError, "classes"),
        ({"classes": True}, TypeError, "classes"),
        ({"subsampling": "mean"}, ValueError, "subsampling"),
        ({"activation": "relux"}, ValueError, "activation"),
        ({"include_top": 0}, TypeError, "include_top"),
        ({"include_top": False, "pooling": "mean"}, ValueError, "pooling"),
        ({"pooling": "avg"}, ValueError, "pooling"),  # only with include_top=False
        ({"classifier_activation": "softmaxx"}, ValueError, "classifier_activation"),
        ({"classifier_activation": 1}, TypeError, "classifier_activation"),
    ],
)
def test_lenet5_rejects_bad_arguments(kwargs, error, argument):
    with pytest.raises(error, match=rf"`{argument}`.*Received: {argument}="):
        models.lenet5(**kwargs)


@pytest.mark.parametrize(
    "call, error, argument",
    [
        (lambda: models.vgg("F"), ValueError, "config"),
        (lambda: models.vgg("D", dropout=1.0), ValueError, "dropout"),
        (lambda: models.vgg16(dropout=2), ValueError, "dropout"),
        (lambda: models.vgg16(dropout="0.5"), TypeError, "dropout"),
        (lambda: models.alexnet(dropout=-0.1), ValueError, "dropout"),
        (lambda: models.alexnet(towers=3), ValueError, "towers"),
        (lambda: models.alexnet(lrn=1), TypeError, "lrn"),
        (lambda: models.alexnet_small_bn(classes=-3), ValueError, "classes"),
        (lambda: models.alexnet_small_bn(input_shape=(32, 32, 3, 1)), ValueError, "input_shape"),
        (lambda: models.resnet_small(widths=(32, 64.0)), TypeError, "widths"),
        (lambda: models.resnet_small(blocks=2), TypeError, "blocks"),
        (lambda: models.resnet(50, se_ratio=True), TypeError, "se_ratio"),
        (lambda: models.googlenet(include_top=False, auxiliary_classifiers=True),
         ValueError, "auxiliary_classifiers"),
    ],
)
def test_other_builders_reject_bad_arguments(call, error, argument):
    with pytest.raises(error, match=rf"`{argument}`.*Received: {argument}="):
        call()


# Issue 12, item 7: arguments that used to build a silently wrong model.


def test_alexnet_towers_must_be_the_integer_1_or_2():
    # True == 1 in Python: this used to build grouped convolutions with
    # groups=True instead of refusing.
    with pytest.raises(TypeError, match=r"`towers` must be one of 1, 2. Received: towers=True"):
        models.alexnet(towers=True)
    with pytest.raises(ValueError, match=r"`towers`"):
        models.alexnet(towers=0)


def test_alexnet_one_tower_takes_no_towers_argument():
    # It used to build two towers when asked to, against its name.
    with pytest.raises(TypeError, match="towers"):
        models.build_model("alexnet_one_tower", towers=2)
    model = models.alexnet_one_tower()
    assert {l.groups for l in model.layers if isinstance(l, keras.layers.Conv2D)} == {1}
    assert model.count_params() == 62_378_344  # figures.md, single tower


@pytest.mark.parametrize("blocks, error", [
    ([], ValueError), ((), ValueError), (None, TypeError), ([(5, (8, 8, None))], ValueError)])
def test_network_in_network_needs_blocks(blocks, error):
    # blocks=[] used to build a 0-parameter model whose 3 outputs were the
    # input's channels, whatever `classes` said.
    with pytest.raises(error, match=r"`blocks` must be a non-empty"):
        models.network_in_network(blocks=blocks)


def test_nin_is_the_authors_model_and_takes_no_blocks():
    with pytest.raises(TypeError, match="blocks"):
        models.build_model("nin", blocks=[])
    assert models.nin().count_params() == 966_986  # the authors' CIFAR-10 model; test_zoo derives it


def test_network_in_network_gap_head_needs_one_map_per_class():
    blocks = ((3, (16, 16, 8), None, 0.0),)  # 8 maps, 10 classes
    with pytest.raises(ValueError, match=r"one map per class.*widths=\(16, 16, 8\)"):
        models.network_in_network(blocks=blocks, classes=10)
    fc = models.network_in_network(blocks=blocks, classes=10, head="fc")
    assert fc.output_shape == (None, 10)


def test_mlpconv_has_exactly_three_convolutions():
    from cnn_course.models.nin import mlpconv

    with pytest.raises(ValueError, match=r"`widths` must have exactly 3 entries"):
        mlpconv(3, (16, 16, 16, 16))
    with pytest.raises(ValueError, match=r"`widths` must have exactly 3 entries"):
        mlpconv(3, (16, 16))
