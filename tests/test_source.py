"""assert_same_network: what the chapters use to check a model written out in
plain Keras against the package's."""

import keras
import pytest

from cnn_course.models import fashion_cnn, lenet5
from cnn_course.source import assert_same_network
from helpers import conv_params, dense_params


def lenet_from_the_paper(activation="relu", c3_kernel=5, f6_units=84, names=False):
    """LeNet-5's layer list (LeCun et al. 1998, Section II.B) in plain Keras."""
    def name(text):
        return {"name": text} if names else {}

    return keras.Sequential([
        keras.Input((32, 32, 1)),
        keras.layers.Conv2D(6, 5, activation=activation, **name("C1")),
        keras.layers.AveragePooling2D(2, strides=2, **name("S2")),
        keras.layers.Conv2D(16, c3_kernel, activation=activation, **name("C3")),
        keras.layers.AveragePooling2D(2, strides=2, **name("S4")),
        keras.layers.Flatten(**name("flat")),
        keras.layers.Dense(120, activation=activation, **name("C5")),
        keras.layers.Dense(f6_units, activation=activation, **name("F6")),
        keras.layers.Dense(10, activation="softmax", **name("out")),
    ])


def test_the_papers_layer_list_is_lenet5_and_names_do_not_matter():
    mine = lenet_from_the_paper(names=True)
    # C1 156, C3 2,416, C5 48,120, F6 10,164, output 850: 61,706 in all.
    expected = (conv_params(5, 1, 6) + conv_params(5, 6, 16) + dense_params(400, 120)
                + dense_params(120, 84) + dense_params(84, 10))
    assert mine.count_params() == expected == 61706
    assert_same_network(mine, lenet5())


def test_a_functional_model_matches_the_same_layers_in_sequential():
    # The functional API makes an InputLayer part of model.layers; Sequential
    # does not. The layers that compute are the same.
    inputs = keras.Input((32, 32, 1))
    x = inputs
    for layer in lenet_from_the_paper().layers:
        x = layer.__class__.from_config(layer.get_config())(x)
    functional = keras.Model(inputs, x)
    assert type(functional.layers[0]).__name__ == "InputLayer"
    assert_same_network(functional, lenet5())
    assert_same_network(lenet5(), functional)


def test_a_different_activation_is_named_with_its_layer():
    with pytest.raises(AssertionError, match=r"layer 1 differs: .*activation is 'tanh' against 'relu'"):
        assert_same_network(lenet_from_the_paper(activation="tanh"), lenet5())


def test_a_different_kernel_shows_in_shapes_and_parameters():
    # C3 with 3x3 kernels: 12x12x16 maps and 6*9*16 + 16 = 880 parameters.
    with pytest.raises(AssertionError, match=r"layer 3 differs: Conv2D \(None, 12, 12, 16\) "
                                             r"with 880 parameters against Conv2D "
                                             r"\(None, 10, 10, 16\) with 2,416"):
        assert_same_network(lenet_from_the_paper(c3_kernel=3), lenet5())


def test_a_setting_without_parameters_is_compared_too():
    mine = lenet_from_the_paper()
    mine.layers[1].strides = (1, 1)  # not rebuilt: shapes stay, config changes
    with pytest.raises(AssertionError, match=r"layer 2 differs: .*strides is \(1, 1\) against \(2, 2\)"):
        assert_same_network(mine, lenet5())


def test_a_missing_layer_is_reported():
    shorter = keras.Sequential(lenet_from_the_paper().layers[:-1])
    with pytest.raises(AssertionError, match=r"model has 7 layers, reference 8: the reference "
                                             r"goes on with Dense \(None, 10\) with 850"):
        assert_same_network(shorter, lenet5())


def test_another_network_fails_at_its_first_layer():
    with pytest.raises(AssertionError, match="layer 1 differs"):
        assert_same_network(lenet5(input_shape=(28, 28, 1)), fashion_cnn())


@pytest.mark.parametrize("model, reference", [("lenet5", None), (None, "lenet5")])
def test_arguments_must_be_models(model, reference):
    model = lenet5() if model else "lenet5"
    reference = lenet5() if reference else "lenet5"
    with pytest.raises(TypeError, match="must be a keras.Model. Received: .* of type str"):
        assert_same_network(model, reference)


def inception_3a(swap_concatenation=False):
    """Module 3a of GoogLeNet (Szegedy et al., 2015, Figure 2b and Table 1:
    64, 96, 128, 16, 32, 32) on a 28x28x192 input, written out by hand."""
    layers = keras.layers
    x = keras.Input((28, 28, 192))
    tower1 = layers.Conv2D(64, 1, padding="same", activation="relu")(x)
    reduce3 = layers.Conv2D(96, 1, padding="same", activation="relu")(x)
    tower2 = layers.Conv2D(128, 3, padding="same", activation="relu")(reduce3)
    reduce5 = layers.Conv2D(16, 1, padding="same", activation="relu")(x)
    tower3 = layers.Conv2D(32, 5, padding="same", activation="relu")(reduce5)
    pooled = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    tower4 = layers.Conv2D(32, 1, padding="same", activation="relu")(pooled)
    towers = [tower1, tower2, tower3, tower4]
    if swap_concatenation:  # the same 256 channels, in another order
        towers = [tower4, tower2, tower3, tower1]
    return keras.Model(x, layers.Concatenate()(towers))


def test_an_inception_module_written_out_matches_the_package_in_wiring_too():
    from cnn_course.models.googlenet import inception_module

    x = keras.Input((28, 28, 192))
    package = keras.Model(x, inception_module(x, 64, 96, 128, 16, 32, 32))
    assert_same_network(inception_3a(), package)
    # the same layers and shapes; only the order of the concatenation differs
    with pytest.raises(AssertionError, match="layer 1 differs"):  # Keras lists them in another order
        assert_same_network(inception_3a(swap_concatenation=True), package)


def residual(shortcut_from_the_input=True):
    """y = x + F(x) with F two 3x3 convolutions (He et al., 2016, Figure 2);
    or, wrongly, the shortcut taken after F's first layer."""
    x = keras.Input((8, 8, 16))
    first = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    second = keras.layers.Conv2D(16, 3, padding="same")(first)
    return keras.Model(x, keras.layers.Add()([x if shortcut_from_the_input else first, second]))


def test_a_shortcut_from_the_wrong_place_is_found():
    assert_same_network(residual(), residual())
    with pytest.raises(AssertionError, match=r"layer 3 \(Add \(None, 8, 8, 16\) with 0 parameters\) "
                                             r"is wired differently: it reads layer 1, layer 2 "
                                             r"against input 1, layer 2"):
        assert_same_network(residual(shortcut_from_the_input=False), residual())


def test_an_inception_module_names_the_width_that_is_wrong():
    from cnn_course.models.googlenet import inception_module

    x = keras.Input((28, 28, 192))
    with pytest.raises(ValueError, match=r"`c5_reduce` must be a positive integer. Received: c5_reduce=0"):
        inception_module(x, 64, 96, 128, 0, 32, 32)
