"""Diagrams and layer tables."""

import keras
import numpy as np
import pytest

from cnn_course import models, viz


def test_layered_view_draws_a_keras3_model():
    image = viz.layered_view(models.lenet5(), scale_xy=4)
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape[0] > 50 and pixels.shape[1] > 200
    # Something other than the white background was drawn, in several colours.
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 10


def test_layered_view_legend_makes_the_image_taller():
    model = models.lenet5()
    plain = viz.layered_view(model, legend=False, scale_xy=4)
    legend = viz.layered_view(model, legend=True, scale_xy=4)
    assert legend.size[1] > plain.size[1]


def test_adapter_is_scoped_even_when_drawing_fails():
    model = models.lenet5()
    with pytest.raises(RuntimeError):
        with viz.keras3_output_shapes():
            assert model.get_layer("c1").output_shape == (None, 28, 28, 6)
            raise RuntimeError("drawing failed")
    assert not hasattr(keras.layers.Layer, "output_shape")
    assert not hasattr(model.get_layer("c1"), "output_shape")


def test_default_font_needs_no_system_fonts():
    font = viz.default_font(24)
    left, top, right, bottom = font.getbbox("Conv2D")
    assert right - left > 30


def test_block_diagram_draws_every_branch_of_an_inception_module():
    import matplotlib

    matplotlib.use("Agg")
    fig = viz.block_diagram(models.googlenet(), "inception_3a_")
    texts = [t.get_text() for t in fig.axes[0].texts]
    boxes = [t for t in texts if t]
    # Seven convolutions and pooling, the concatenation, and the input box.
    assert len(boxes) == 9
    assert any(t.startswith("pool2\ninput") for t in boxes)
    arrows = [t for t in fig.axes[0].texts if not t.get_text()]
    assert len(arrows) == 11  # 4 from the input, 3 inside towers, 4 into concat
    with pytest.raises(ValueError, match="`prefix`"):
        viz.block_diagram(models.lenet5(), "inception")


def test_plots_return_figures():
    import matplotlib

    matplotlib.use("Agg")
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.8], "accuracy": [0.5, 0.8],
               "val_accuracy": [0.4, 0.7]}
    fig = viz.plot_history(history)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2


def test_connection_table_figure_marks_every_connection():
    import matplotlib

    matplotlib.use("Agg")
    from cnn_course.models.lenet import LENET5_C3_TABLE

    model = models.lenet5_paper()
    fig = viz.plot_connection_table(model.get_layer("c3").table)
    marks = [(round(t.get_position()[1]), round(t.get_position()[0])) for t in fig.axes[0].texts]
    expected = [(i, j) for i in range(6) for j in range(16) if LENET5_C3_TABLE[i][j]]
    assert sorted(marks) == expected


def test_plot_images_grid():
    import matplotlib

    matplotlib.use("Agg")
    fig = viz.plot_images(np.zeros((10, 28, 28, 1)), titles=list("abcdefghij"), ncols=5)
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes] == list("abcdefghij")


def test_confusion_matrix_counts_pairs():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    matrix = viz.confusion_matrix(y_true, y_pred, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert matrix.sum() == 6 and np.trace(matrix) == 4


def test_plot_images_accepts_images_of_different_sizes():
    import matplotlib

    matplotlib.use("Agg")
    fig = viz.plot_images([np.zeros((7, 7)), np.zeros((28, 28, 1))], ncols=2)
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(7, 7), (28, 28)]
