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
    with pytest.raises(RuntimeError, match="drawing failed"):
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
    # a panel per metric, in order: its training values, then its validation values
    for axis, metric in zip(fig.axes, ("loss", "accuracy")):
        assert [list(line.get_ydata()) for line in axis.lines] == [
            history[metric], history[f"val_{metric}"]]
        assert [line.get_label() for line in axis.lines] == ["training", "validation"]


def test_plot_comparison_draws_the_mean_over_seeds_and_their_range():
    from types import SimpleNamespace

    import matplotlib

    matplotlib.use("Agg")
    seeds = [[0.5, 0.7, 0.8], [0.3, 0.5, 0.9]]
    runs = {"a": [SimpleNamespace(history={"val_accuracy": h}) for h in seeds]}
    fig = viz.plot_comparison(SimpleNamespace(runs=runs), metrics=("val_accuracy",))
    (axis,) = fig.axes
    np.testing.assert_allclose(axis.lines[0].get_ydata(), [0.4, 0.6, 0.85])
    band = axis.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.3) and band.max() == pytest.approx(0.9)
    # a metric the runs did not record is named, not a bare KeyError
    with pytest.raises(ValueError, match=r"`metrics`: the runs of arm 'a' recorded no 'accuracy'; "
                                         r"they recorded \['val_accuracy'\]"):
        viz.plot_comparison(SimpleNamespace(runs=runs))


@pytest.mark.parametrize("epochs", [2, 4, 14])
def test_epoch_axes_mark_whole_epochs_only(epochs):
    # Epochs are counted; a tick at "2.5" would suggest half an epoch was measured.
    import matplotlib

    matplotlib.use("Agg")
    history = {"loss": list(np.linspace(1, 0.1, epochs)), "accuracy": list(np.linspace(0.5, 0.9, epochs))}
    fig = viz.plot_history(history)
    fig.canvas.draw()
    for axis in fig.axes:
        ticks = [t for t in axis.get_xticks() if axis.get_xlim()[0] <= t <= axis.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


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


# The page (issue 11, item 4): figures are read in the book's column,
# PAGE_WIDTH_PX wide at a 1280 px window; a wider image is shrunk to fit.
# Every text must stay at 11 px or more at 100 % zoom.


def _saved_width_px(fig):
    """Width of the PNG the notebook stores (the inline backend saves with
    bbox_inches="tight")."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return Image.open(buffer).width


def _smallest_text_shown_px(fig):
    import matplotlib.text

    scale = min(1.0, viz.PAGE_WIDTH_PX / _saved_width_px(fig))
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72 * scale


def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_block_diagram_text_is_readable_in_the_book_and_boxes_do_not_overlap():
    _agg()
    for model, prefix in [(models.googlenet(), "inception_3a_"),
                          (models.resnet(50, input_shape=(64, 64, 3)), "conv3_1_")]:
        fig = viz.block_diagram(model, prefix)
        assert _smallest_text_shown_px(fig) >= 11, prefix
        fig.canvas.draw()
        boxes = [t.get_bbox_patch().get_window_extent() for t in fig.axes[0].texts
                 if t.get_text()]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), prefix


def test_image_grid_titles_are_readable_and_clear_of_the_row_above():
    # Chapter 4's misclassified grid: 16 images, two-line titles, 8 a row.
    _agg()
    titles = ["Pullover\n-> T-shirt/top"] * 16
    fig = viz.plot_images(np.zeros((16, 28, 28)), titles=titles, ncols=8, size=1.5)
    assert _smallest_text_shown_px(fig) >= 11
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top_row, bottom_row = fig.axes[:8], fig.axes[8:16]
    for upper, lower in zip(top_row, bottom_row):
        image_bottom = upper.get_window_extent(renderer).y0
        assert lower.title.get_window_extent(renderer).y1 < image_bottom


def test_every_figure_of_the_chapters_is_readable_in_the_book():
    _agg()
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.8], "accuracy": [0.5, 0.8],
               "val_accuracy": [0.4, 0.7]}
    from types import SimpleNamespace

    from cnn_course.models.lenet import LENET5_C3_TABLE

    run = SimpleNamespace(history=history)
    figures = {
        "plot_history": viz.plot_history(history),
        "plot_comparison": viz.plot_comparison(SimpleNamespace(runs={"a": [run], "b": [run]})),
        "plot_images": viz.plot_images(np.zeros((20, 28, 28)), titles=["Ankle boot"] * 20,
                                       ncols=10, size=1.2),
        "plot_connection_table": viz.plot_connection_table(LENET5_C3_TABLE),
        "plot_confusion_matrix": viz.plot_confusion_matrix(
            np.arange(10), np.arange(10), [f"class {i}" for i in range(10)]),
    }
    for name, fig in figures.items():
        assert _smallest_text_shown_px(fig) >= 11, name


def test_compared_images_share_one_scale_and_a_colour_bar():
    _agg()
    before = np.array([[0.0, 100.0], [50.0, 25.0]])
    after = before / 4  # the same picture at a quarter of the values
    fig = viz.plot_images([before, after], colorbar=True)
    assert [ax.images[0].get_clim() for ax in fig.axes[:2]] == [(0.0, 100.0)] * 2
    assert len(fig.axes) == 3  # two images and the colour bar
    fig = viz.plot_images([before, after], colorbar="each")
    assert [ax.images[0].get_clim() for ax in fig.axes[:2]] == [(0.0, 100.0), (0.0, 25.0)]
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="`colorbar`"):
        viz.plot_images([before], colorbar="both")


def _pixels(image):
    return {tuple(p) for p in np.asarray(image.convert("RGB")).reshape(-1, 3)}


def _rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_a_layer_type_has_one_colour_in_every_diagram():
    # AlexNet (with LRN) and LeNet-5 met their layer types in different
    # orders, so visualkeras' colour wheel gave Dense two colours.
    lenet = viz.layered_view(models.lenet5(), legend=False, scale_xy=4)
    alexnet = viz.layered_view(models.alexnet(), legend=False, scale_xy=1, scale_z=0.25,
                               max_z=100, max_width=None)
    for kind in ("Conv2D", "Dense"):
        assert _rgb(viz.layer_colour(kind)) in _pixels(lenet), kind
        assert _rgb(viz.layer_colour(kind)) in _pixels(alexnet), kind
    assert len(set(viz.LAYER_COLOURS.values())) == len(viz.LAYER_COLOURS)


def test_layered_view_fits_the_page_with_a_readable_legend(monkeypatch):
    import visualkeras

    drawn = []
    original = visualkeras.layered_view

    def spy(model, **kwargs):
        image = original(model, **kwargs)
        drawn.append((kwargs.get("legend"), kwargs.get("font"), image.width))
        return image

    monkeypatch.setattr(visualkeras, "layered_view", spy)
    # Chapter 1's VGG-16 drawing: 1,500 px wide before fitting.
    image = viz.layered_view(models.vgg16(), type_ignore=[keras.layers.Dropout], scale_xy=1,
                             scale_z=0.15, max_z=80, spacing=12, font=viz.default_font(24))
    legend, font, width = drawn[-1]
    assert legend and width > viz.PAGE_WIDTH_PX
    assert image.width == viz.PAGE_WIDTH_PX
    assert font.size * image.width / width >= 11


def test_validation_curves_are_drawn_at_the_epochs_keras_validated():
    # Keras validates after epoch e when e % validation_freq == 0: with 4 epochs
    # and validation_freq=2, the two validation values belong to epochs 2 and 4.
    _agg()
    import keras

    from cnn_course import experiments
    from cnn_course.data import Splits

    x = np.random.default_rng(0).random((16, 8, 8, 1)).astype("float32")
    y = np.arange(16) % 2

    def tiny():
        return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(2, activation="softmax")])

    result = experiments.compare({"tiny": tiny}, Splits(x, y, x, y, x, y), seeds=(0, 1),
                                 epochs=4, validation_freq=2, precision="float32")
    assert len(result.runs["tiny"][0].history["val_accuracy"]) == 2
    fig = viz.plot_comparison(result)
    train_axis, valid_axis = fig.axes
    assert list(train_axis.lines[0].get_xdata()) == [1, 2, 3, 4]
    assert list(valid_axis.lines[0].get_xdata()) == [2, 4]
