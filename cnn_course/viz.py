"""Pictures and tables of models.

:func:`layered_view` draws a model with visualkeras on Keras 3. The text
table of every layer's output shape and parameters is
:func:`cnn_course.analysis.layer_table`.
"""

import contextlib
import math
import zlib

import keras

from . import _graph
from .analysis import _output_shape  # a layer's shape from its symbolic output
from .layers import FusedBatchNormalization

#: Width of the book's text column, in pixels, in a 1280 px browser window
#: (sphinx-book-theme): an output image wider than this is shrunk to fit,
#: and its text with it.
PAGE_WIDTH_PX = 688

#: Smallest text, in pixels at 100 % zoom, that the figures of this module
#: show in the book (and on a screen at their own size).
MIN_TEXT_PX = 11

#: Font size of figure text (titles, box labels) in points, which is
#: 12.5 px at matplotlib's 100 dpi.
FONT_SIZE = 9

#: Font size of the legend in :func:`layered_view`, in pixels of the image
#: as it is returned (after fitting it to ``max_width``).
LEGEND_FONT_SIZE = 13

#: One colour per layer type, the same in every diagram of the book
#: (the visualkeras drawings of :func:`layered_view` and the boxes of
#: :func:`block_diagram`). Other types get a colour from their name (see
#: :func:`layer_colour`).
LAYER_COLOURS = {
    "InputLayer": "#d9d9d9",
    "Conv2D": "#fed766",
    "ConnectionTableConv2D": "#e9b949",
    "MaxPooling2D": "#f25f5c",
    "AveragePooling2D": "#f4a261",
    "TrainableSubsampling": "#e76f51",
    "GlobalAveragePooling2D": "#c1666b",
    "SpatialPyramidPooling": "#d98c8c",
    "ZeroPadding2D": "#f1f1f1",
    "LocalResponseNormalization": "#ff99c8",
    "BatchNormalization": "#b8b8ff",
    "ReLU": "#e0e0e0",
    "Activation": "#c8c8c8",
    "Dropout": "#d0f4de",
    "Flatten": "#a47cc7",
    "Dense": "#5fa8d3",
    "RBFOutput": "#8d99ae",
    "Concatenate": "#70c1b3",
    "Add": "#9bf6ff",
    "SqueezeExcitation": "#9bc53d",
}

_OTHER_COLOURS = ["#c9ada7", "#a3c4bc", "#e5989b", "#ffcdb2", "#cdb4db",
                  "#bde0fe", "#d8e2dc", "#f6bd60"]


def kind_name(layer):
    """The layer type a diagram shows: the class name, except that
    :class:`~cnn_course.layers.FusedBatchNormalization`, which computes
    what Keras' layer does (up to rounding), faster, shows as
    ``BatchNormalization``.

    Example:
        >>> import keras
        >>> from cnn_course.layers import FusedBatchNormalization
        >>> from cnn_course.viz import kind_name
        >>> kind_name(FusedBatchNormalization()), kind_name(keras.layers.ReLU())
        ('BatchNormalization', 'ReLU')
    """
    if isinstance(layer, FusedBatchNormalization):
        return "BatchNormalization"
    return type(layer).__name__


def layer_colour(kind):
    """The colour of a layer type in every diagram: :data:`LAYER_COLOURS`,
    or for another type one picked from its name (always the same one).

    Args:
        kind: a layer, a layer class, or a class name.

    Example:
        >>> import keras
        >>> from cnn_course.viz import layer_colour
        >>> layer_colour("Conv2D") == layer_colour(keras.layers.Conv2D(8, 3))
        True
        >>> layer_colour("MyLayer") == layer_colour("MyLayer")
        True
    """
    if isinstance(kind, type):
        kind = kind.__name__
    elif not isinstance(kind, str):
        kind = kind_name(kind)
    if kind in LAYER_COLOURS:
        return LAYER_COLOURS[kind]
    return _OTHER_COLOURS[zlib.crc32(kind.encode()) % len(_OTHER_COLOURS)]


def _figure_width():
    """Widest figure, in inches, that the book shows at its own size: the
    column, less the 0.1 in on each side that ``bbox_inches="tight"`` adds."""
    import matplotlib.pyplot as plt

    return PAGE_WIDTH_PX / plt.rcParams["figure.dpi"] - 0.25


@contextlib.contextmanager
def keras3_output_shapes():
    """Give layers the ``output_shape`` attribute Keras 2 had, inside a block.

    visualkeras 0.2 reads ``layer.output_shape``, which Keras 3 removed; the
    same shape is in ``layer.output.shape``. Inside the ``with`` block every
    layer answers ``output_shape`` from its output; on leaving, the attribute
    is removed again, so nothing outside the block is changed. When Keras
    already has the attribute, the block does nothing.

    Example:
        >>> import keras
        >>> from cnn_course.viz import keras3_output_shapes
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        >>> with keras3_output_shapes():
        ...     model.layers[0].output_shape
        (None, 2)
        >>> hasattr(model.layers[0], "output_shape")
        False
    """
    layer_class = keras.layers.Layer
    if hasattr(layer_class, "output_shape"):
        yield
        return
    layer_class.output_shape = property(_output_shape)
    try:
        yield
    finally:
        del layer_class.output_shape


def default_font(size=LEGEND_FONT_SIZE):
    """Pillow's built-in scalable font, which needs no system fonts.

    Example:
        >>> from cnn_course.viz import default_font
        >>> default_font(20).size
        20
    """
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


#: Widest image :func:`layered_view` draws, in pixels.
MAX_DIAGRAM_WIDTH = 16_000


def _estimated_width(model, kwargs):
    """Width visualkeras will need: each drawn layer is a box as deep as its
    channels (``scale_z`` px each, between ``min_z`` and ``max_z``) plus
    ``spacing``; an estimate good to a few percent for its default sizing."""
    ignored = tuple(kwargs.get("type_ignore") or ())
    min_z, max_z = kwargs.get("min_z", 20), kwargs.get("max_z", 400)
    scale_z, spacing = kwargs.get("scale_z", 1.5), kwargs.get("spacing", 10)
    width = 0
    for layer in model.layers:
        if ignored and isinstance(layer, ignored):
            continue
        shape = _output_shape(layer)
        shape = shape[0] if isinstance(shape, list) else shape
        channels = shape[-1] or 1
        width += min(max(channels * scale_z, min_z), max_z) + spacing
    return int(width)


#: Named sets of ``visualkeras.layered_view`` options, so that every chapter
#: draws the same family the same way: ``layered_view(model, style="vgg")``.
#: Box depths are scaled down for wide layers (AlexNet's 4,096 units, VGG's
#: 512 channels) and dropout, which has no shape of its own, is left out.
DIAGRAM_STYLES = {
    "lenet": {"scale_xy": 6, "scale_z": 1, "max_z": 60, "spacing": 20},
    "alexnet": {"type_ignore": ("Dropout",), "scale_xy": 3, "scale_z": 0.25,
                "max_z": 100, "spacing": 20, "legend_px": 24},
    "vgg": {"type_ignore": ("Dropout",), "scale_xy": 1, "scale_z": 0.15,
            "max_z": 80, "spacing": 12, "legend_px": 24},
}


def _style(style, font, kwargs):
    """The options of a named style, overridden by explicit ones."""
    if style is None:
        return font, kwargs
    if style not in DIAGRAM_STYLES:
        raise ValueError(
            f"`style` must be None or one of {sorted(DIAGRAM_STYLES)}. Received: style={style!r}"
        )
    options = dict(DIAGRAM_STYLES[style])
    legend_px = options.pop("legend_px", None)
    names = options.pop("type_ignore", ())
    options["type_ignore"] = [getattr(keras.layers, name) for name in names]
    if font is None and legend_px:
        font = default_font(legend_px)
    return font, {**options, **kwargs}


def layered_view(model, legend=True, font=None, max_width=PAGE_WIDTH_PX, style=None, **kwargs):
    """``visualkeras.layered_view`` for Keras 3 models, fitted to the page.

    Each layer is drawn as a box sized by its output shape, in its colour of
    :data:`LAYER_COLOURS` (the same in every diagram), with a legend of the
    layer types. Arguments are those of ``visualkeras.layered_view``
    (``scale_xy``, ``type_ignore``, ``color_map``, ``to_file``...); this
    function adds the colours, fits the image to ``max_width`` and silences
    visualkeras' deprecation warning about ``legend_text_spacing_offset``.
    visualkeras draws one path through the layers, so it suits sequential
    models; branches (Inception, ResNet) are drawn in a line.

    Args:
        model: a built Keras model; one that would need an image wider than
            :data:`MAX_DIAGRAM_WIDTH` is refused (ResNet-152 would need about
            190,000 px and 4 GB of memory).
        legend: draw a legend of layer types.
        font: a Pillow font for the legend; defaults to :func:`default_font`
            at :data:`LEGEND_FONT_SIZE` px. Its size is raised when the image
            is shrunk, so that the legend keeps at least :data:`MIN_TEXT_PX`
            px.
        max_width: a wider diagram is shrunk to this width in pixels (the
            book's column, :data:`PAGE_WIDTH_PX`, by default: a browser would
            shrink it anyway, and the legend with it); ``None`` keeps
            visualkeras' size.
        style: a name of :data:`DIAGRAM_STYLES` (``"lenet"``, ``"alexnet"``,
            ``"vgg"``) whose options apply unless given here.
        **kwargs: passed to ``visualkeras.layered_view``.

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> from cnn_course.models import lenet5
        >>> from cnn_course.viz import layered_view
        >>> image = layered_view(lenet5(), style="lenet")
        >>> image.mode, image.width <= 688
        ('RGBA', True)
    """
    import visualkeras

    font, kwargs = _style(style, font, kwargs)
    kwargs.setdefault("legend_text_spacing_offset", 0)
    width = _estimated_width(model, kwargs)
    if width > MAX_DIAGRAM_WIDTH:
        raise ValueError(
            f"layered_view of {model.name!r} would draw an image about {width:,} px "
            f"wide ({len(model.layers)} layers; the limit is {MAX_DIAGRAM_WIDTH:,} px, "
            "memory grows with its area). Draw one block with viz.block_diagram, "
            "leave layer types out with type_ignore=[...], or pass a smaller "
            "max_z/scale_z."
        )
    colours = {type(layer): {"fill": layer_colour(layer)} for layer in model.layers}
    colours.update(kwargs.pop("color_map", None) or {})
    to_file = kwargs.pop("to_file", None)

    def draw(**options):
        with keras3_output_shapes():
            # visualkeras writes into color_map: give it a copy.
            return visualkeras.layered_view(model, color_map=dict(colours), **options, **kwargs)

    image = draw(legend=False)
    if legend:
        # The legend wraps at the diagram's width; pick its font for the
        # scale the image will be shown at (a long label can widen it: redraw).
        target = LEGEND_FONT_SIZE if font is None else MIN_TEXT_PX
        font = font or default_font(LEGEND_FONT_SIZE)
        for _ in range(3):
            scale = min(1.0, max_width / image.width) if max_width else 1.0
            if hasattr(font, "font_variant") and font.size * scale < target:
                font = font.font_variant(size=math.ceil(target / scale))
            drawn = draw(legend=True, font=font)
            widened = drawn.width > image.width
            image = drawn
            if not widened:
                break
    if max_width and image.width > max_width:
        from PIL import Image

        height = round(image.height * max_width / image.width)
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    if to_file is not None:
        image.save(to_file)
    return image


def _style_epoch_axis(axis, metric):
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs: no "epoch 2.5"
    axis.set_xlabel("epoch")
    axis.set_ylabel(metric)
    axis.grid(alpha=0.3)
    axis.legend()


def _tight(fig):
    fig.tight_layout()
    return fig


def plot_history(history, metrics=("loss", "accuracy"), ax=None):
    """Training and validation curves of one run, one panel per metric.

    Args:
        history: a ``History.history`` dict (or a :class:`cnn_course.train.Run`).
        metrics: base names; ``val_<name>`` is drawn next to ``<name>``.
        ax: a sequence of matplotlib axes, one per metric, or ``None``.

    Returns:
        The matplotlib figure.

    Example:
        >>> from cnn_course.viz import plot_history
        >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, metrics=("loss",))
        >>> len(fig.axes)
        1
    """
    import matplotlib.pyplot as plt

    history = getattr(history, "history", history)
    if ax is None:
        fig, ax = plt.subplots(1, len(metrics), squeeze=False,
                               figsize=(min(_figure_width(), 3.4 * len(metrics)), 3.0))
        ax = ax[0]
    for axis, metric in zip(ax, metrics):
        epochs = range(1, len(history[metric]) + 1)
        axis.plot(epochs, history[metric], "o-", label="training")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        _style_epoch_axis(axis, metric)
    return _tight(ax[0].figure)


def plot_comparison(comparison, metrics=("accuracy", "val_accuracy"), ax=None):
    """Mean and spread over seeds, per arm, of a :func:`cnn_course.experiments.compare`.

    One panel per metric; each arm is a line (mean over seeds) with a band
    (minimum to maximum over seeds). Validation metrics (``val_...``) are
    drawn at the epochs they were measured: every
    ``comparison.validation_freq`` epochs.

    Returns:
        The matplotlib figure.

    Example:
        >>> from types import SimpleNamespace
        >>> from cnn_course.viz import plot_comparison
        >>> run = SimpleNamespace(history={"accuracy": [0.5, 0.7], "val_accuracy": [0.5, 0.6]})
        >>> fig = plot_comparison(SimpleNamespace(runs={"a": [run, run]}))
        >>> len(fig.axes)
        2
    """
    import matplotlib.pyplot as plt
    import numpy as np

    for arm, runs in comparison.runs.items():
        for metric in metrics:
            if any(metric not in run.history for run in runs):
                raise ValueError(
                    f"`metrics`: the runs of arm {arm!r} recorded no {metric!r}; they "
                    f"recorded {sorted(runs[0].history)}. Received: metrics={metrics!r}")
    if ax is None:
        fig, ax = plt.subplots(1, len(metrics), squeeze=False,
                               figsize=(min(_figure_width(), 3.4 * len(metrics)), 3.2))
        ax = ax[0]
    for axis, metric in zip(ax, metrics):
        for arm, runs in comparison.runs.items():
            curves = np.array([run.history[metric] for run in runs])
            every = getattr(comparison, "validation_freq", 1) if metric.startswith("val_") else 1
            epochs = every * np.arange(1, curves.shape[1] + 1)
            (line,) = axis.plot(epochs, curves.mean(axis=0), "o-", label=arm)
            axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0),
                              color=line.get_color(), alpha=0.2)
        _style_epoch_axis(axis, metric)
    return _tight(ax[0].figure)


def block_diagram(model, prefix, ax=None, show_shapes=True):
    """Draw the layers whose names start with ``prefix`` as a graph.

    visualkeras draws one path; an inception module or a residual block
    branches and merges. This draws the selected layers level by level
    (a layer sits one level below the deepest layer it reads), with an arrow
    for every connection, so the towers of an inception module stand side by
    side and a residual block's shortcut runs next to its branch. Layers
    outside the selection that feed it are drawn as grey "input" boxes.

    Args:
        model: a built functional or sequential model.
        prefix: name prefix of the layers to draw, e.g. ``"inception_3a_"``.
        ax: a matplotlib axes, or ``None`` for a new figure.
        show_shapes: print each layer's output shape in its box.

    Returns:
        The matplotlib figure.

    Example:
        >>> from cnn_course.models import googlenet
        >>> from cnn_course.viz import block_diagram
        >>> fig = block_diagram(googlenet(), "inception_3a_")
        >>> len(fig.axes)
        1
    """
    import matplotlib.pyplot as plt

    chosen = [layer for layer in model.layers if layer.name.startswith(prefix)]
    if not chosen:
        raise ValueError(
            f"No layer of {model.name!r} has a name starting with `prefix`={prefix!r}."
        )
    parents, external = {}, []
    for layer in chosen:
        parents[layer.name] = []
        for tensor in _graph.input_tensors(layer):
            source = _graph.producer(tensor)
            label = source.name if source is not None else "input"
            if source is None or source not in chosen:
                if label not in external:
                    external.append(label)
            parents[layer.name].append(label)
    level = {name: 0 for name in external}
    for layer in chosen:  # model.layers is in topological order
        level[layer.name] = 1 + max(level[p] for p in parents[layer.name])
    rows = {}
    for name, depth in level.items():
        rows.setdefault(depth, []).append(name)
    position = {}
    for depth in sorted(rows):
        names = rows[depth]
        # Each box goes under the mean of its inputs (a shortcut keeps its
        # own lane); boxes of one level are then spread one unit apart.
        wanted = {
            n: (sum(position[p][0] for p in parents[n]) / len(parents[n]) if depth else 0.0)
            for n in names
        }
        order = sorted(names, key=lambda n: wanted[n])
        centre = sum(wanted.values()) / len(order)
        for i, name in enumerate(order):
            offset = i - (len(order) - 1) / 2
            x = wanted[name] if len(order) == 1 else centre + offset
            position[name] = (x, -depth)

    by_name = {layer.name: layer for layer in chosen}
    labels = {}
    for name in position:
        layer = by_name.get(name)
        kind = kind_name(layer) if layer is not None else "input"
        text = name[len(prefix):] if layer is not None and name != prefix else name
        text = f"{text}\n{kind}"
        if show_shapes and layer is not None:
            shape = layer.output.shape
            text += "\n" + "x".join(str(d) for d in shape[1:])
        labels[name] = (text, kind, layer)
    xs = [x for x, _ in position.values()]
    if ax is None:
        # Boxes one unit apart: a unit is the widest label (about 0.6 em a
        # character) plus a gap; a row is one inch, room for three lines.
        longest = max(len(line) for text, _, _ in labels.values() for line in text.split("\n"))
        unit = longest * 0.6 * FONT_SIZE / 72 + 0.35
        fig, ax = plt.subplots(figsize=((max(xs) - min(xs) + 1.2) * unit, len(rows) + 0.4))
    for child, sources in parents.items():
        for source in sources:
            (x0, y0), (x1, y1) = position[source], position[child]
            ax.annotate("", xy=(x1, y1 + 0.28), xytext=(x0, y0 - 0.28),
                        arrowprops={"arrowstyle": "->", "color": "#555555"})
    for name, (x, y) in position.items():
        text, kind, layer = labels[name]
        ax.text(x, y, text, ha="center", va="center", fontsize=FONT_SIZE,
                bbox={"boxstyle": "round,pad=0.4",
                      "facecolor": layer_colour(kind) if layer is not None else "#eeeeee",
                      "edgecolor": "#333333", "linestyle": "-" if layer is not None else "--"})
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(-max(rows) - 0.5, 0.5)
    ax.axis("off")
    ax.set_title(f"{model.name}: {prefix}*", fontsize=FONT_SIZE + 1)
    return _tight(ax.figure)


def _text_width(text, size=FONT_SIZE):
    """Width in inches of ``text`` (its longest line) in matplotlib's font."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(size=size)
    return max(TextToPath().get_text_width_height_descent(line, font, ismath=False)[0]
               for line in text.split("\n")) / 72


def plot_images(images, titles=None, ncols=8, cmap="gray", size=1.4, vmin=None, vmax=None,
                colorbar=False):
    """A grid of images (feature maps, samples, filters) with optional titles.

    The grid is at most as wide as the book's column (:data:`PAGE_WIDTH_PX`),
    so titles keep :data:`FONT_SIZE` points (12.5 px); each row leaves room
    for its titles, however many lines they have.

    Args:
        images: a sequence of 2-D arrays (or ``(height, width, 1)`` ones),
            of any sizes, e.g. an array of shape ``(n, height, width)``.
        titles: ``n`` strings, or ``None``.
        ncols: images per row, at most: fewer when their titles would not
            fit side by side in the book's column.
        cmap: matplotlib colour map.
        size: inches per image, at most (a wider grid is narrowed to the page).
        vmin, vmax: colour range of every image (default: each its own, or
            one shared range with ``colorbar=True``).
        colorbar: ``True`` (or ``"shared"``) to put all images on one scale,
            from the smallest to the largest value of any of them unless
            ``vmin``/``vmax`` say otherwise, with one colour bar: use it when
            images are compared. ``"each"`` gives every image its own colour
            bar; ``False`` none.

    Returns:
        The matplotlib figure.

    Example:
        >>> import numpy as np
        >>> from cnn_course.viz import plot_images
        >>> fig = plot_images(np.zeros((3, 8, 8)), titles=["a", "b", "c"], ncols=2)
        >>> len(fig.axes)
        4
        >>> fig = plot_images([np.zeros((4, 4)), np.ones((4, 4))], colorbar=True)
        >>> [ax.images[0].get_clim() for ax in fig.axes[:2]]
        [(0.0, 1.0), (0.0, 1.0)]
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if colorbar not in (False, True, "shared", "each"):
        raise ValueError(
            f"`colorbar` must be False, True (or 'shared': one scale and one bar for "
            f"all images) or 'each' (a bar per image). Received: colorbar={colorbar!r}"
        )
    images = [np.asarray(image) for image in images]  # sizes may differ
    images = [im[..., 0] if im.ndim == 3 and im.shape[-1] == 1 else im for im in images]
    count = len(images)
    shared = colorbar in (True, "shared")
    if shared and count:
        vmin = min(float(np.nanmin(im)) for im in images) if vmin is None else vmin
        vmax = max(float(np.nanmax(im)) for im in images) if vmax is None else vmax
    titles = None if titles is None else [str(title) for title in titles]
    # Sizes in inches. A column holds an image (and its colour bar) under a
    # title; fewer columns than asked when the titles would not fit the page.
    bar = 0.75 if colorbar == "each" else 0.0
    page = _figure_width() - (0.8 if shared else 0.0)
    title_width = max(map(_text_width, titles), default=0.0) + 0.15 if titles else 0.0
    fit = int(page // max(title_width, 0.5 + bar))
    ncols = max(1, min(ncols, count, fit))
    nrows = -(-count // ncols)
    cell = min(size, page / ncols - bar)
    column = max(cell + bar, title_width)
    lines = max((title.count("\n") + 1 for title in titles), default=0) if titles else 0
    title_height = lines * FONT_SIZE * 1.3 / 72 + 0.1 if lines else 0.05
    fig, axes = plt.subplots(
        nrows, ncols, squeeze=False, layout="constrained",
        figsize=(ncols * column + (0.8 if shared else 0.0), nrows * (cell + title_height) + 0.1))
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index < count:
            shown = axis.imshow(images[index], cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                axis.set_title(titles[index], fontsize=FONT_SIZE)
            if colorbar == "each":
                bar = fig.colorbar(shown, ax=axis, shrink=0.8)
                bar.ax.tick_params(labelsize=FONT_SIZE)
    if shared and count:
        bar = fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8)
        bar.ax.tick_params(labelsize=FONT_SIZE)
    return fig


def plot_connection_table(table, ax=None, rows="S2 map", columns="C3 map"):
    """Draw a connection table: an X where column map reads row map.

    Example:
        >>> from cnn_course.models.lenet import LENET5_C3_TABLE
        >>> from cnn_course.viz import plot_connection_table
        >>> fig = plot_connection_table(LENET5_C3_TABLE)
        >>> len(fig.axes[0].texts)
        60
    """
    import matplotlib.pyplot as plt
    import numpy as np

    table = np.asarray(table, dtype=bool)
    if ax is None:
        cell = min(0.45, (_figure_width() - 1.2) / table.shape[1])
        fig, ax = plt.subplots(figsize=(cell * table.shape[1] + 1.2, cell * table.shape[0] + 1.0))
    ax.imshow(table, cmap="Greys", vmin=0, vmax=3, aspect="equal")
    for i, j in zip(*np.nonzero(table)):
        ax.text(j, i, "X", ha="center", va="center", fontsize=10, fontweight="bold")
    ax.set_xticks(range(table.shape[1]))
    ax.set_yticks(range(table.shape[0]))
    ax.set_xlabel(columns)
    ax.set_ylabel(rows)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(-0.5, table.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, table.shape[0]), minor=True)
    ax.grid(which="minor", color="#999999", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    return _tight(ax.figure)


def confusion_matrix(y_true, y_pred, classes):
    """Counts of (true class, predicted class) pairs, as a NumPy array.

    Example:
        >>> from cnn_course.viz import confusion_matrix
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], classes=2).tolist()
        [[1, 0], [1, 1]]
    """
    import numpy as np

    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 1:
        raise ValueError(f"`classes` must be a positive integer. Received: classes={classes!r}")
    pairs = {}
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        labels = np.asarray(labels)
        if labels.ndim != 1 or not (
            np.issubdtype(labels.dtype, np.integer)
            or (np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels)))
        ):
            raise ValueError(
                f"`{name}` must be a 1-D array of class indices (use argmax on "
                f"probabilities or one-hot rows). Received: dtype {labels.dtype}, "
                f"shape {labels.shape}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(
                f"`{name}` holds labels outside 0..{classes - 1}: "
                f"{sorted(set(labels[(labels < 0) | (labels >= classes)].tolist()))[:5]}"
            )
        pairs[name] = labels.astype(int)
    if len(pairs["y_true"]) != len(pairs["y_pred"]):
        raise ValueError(
            "`y_true` and `y_pred` must have the same length. Received: "
            f"{len(pairs['y_true'])} and {len(pairs['y_pred'])}"
        )
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (pairs["y_true"], pairs["y_pred"]), 1)
    return matrix


def plot_confusion_matrix(y_true, y_pred, class_names, ax=None):
    """Heat map of the confusion matrix, with the count in every cell.

    Rows are true classes, columns predicted ones; the diagonal holds the
    correct predictions.

    Returns:
        The matplotlib figure.

    Example:
        >>> from cnn_course.viz import plot_confusion_matrix
        >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["a", "b"])
        >>> len(fig.axes[0].texts)
        4
    """
    import matplotlib.pyplot as plt

    matrix = confusion_matrix(y_true, y_pred, len(class_names))
    if ax is None:
        side = min(0.6 * len(class_names) + 2, _figure_width())
        fig, ax = plt.subplots(figsize=(side, side))
    ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=FONT_SIZE,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(len(class_names)))
    ax.set_xticklabels(class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)))
    ax.set_yticklabels(class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return _tight(ax.figure)
