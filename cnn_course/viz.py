"""Pictures and tables of models.

:func:`layered_view` draws a model with visualkeras on Keras 3. The text
table of every layer's output shape and parameters is
:func:`cnn_course.analysis.layer_table`.
"""

import contextlib

import keras

from . import _graph

#: Font size of the legend in :func:`layered_view`, in pixels.
LEGEND_FONT_SIZE = 16


def _output_shape(layer):
    """A layer's output shape, read from its symbolic output (Keras 3)."""
    output = layer.output
    if isinstance(output, (list, tuple)):
        return [tuple(t.shape) for t in output]
    return tuple(output.shape)


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


def layered_view(model, legend=True, font=None, **kwargs):
    """``visualkeras.layered_view`` for Keras 3 models, with a legend.

    Each layer is drawn as a box sized by its output shape. Arguments are
    those of ``visualkeras.layered_view`` (``scale_xy``, ``type_ignore``,
    ``to_file``...); this function supplies a legend in Pillow's built-in
    font and silences visualkeras' deprecation warning about
    ``legend_text_spacing_offset``. visualkeras draws one path through the
    layers, so it suits sequential models; branches (Inception, ResNet) are
    drawn in a line.

    Args:
        model: a built Keras model; one that would need an image wider than
            :data:`MAX_DIAGRAM_WIDTH` is refused (ResNet-152 would need about
            190,000 px and 4 GB of memory).
        legend: draw a legend of layer types.
        font: a Pillow font for the legend; defaults to :func:`default_font`.
        **kwargs: passed to ``visualkeras.layered_view``.

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> from cnn_course.models import lenet5
        >>> from cnn_course.viz import layered_view
        >>> image = layered_view(lenet5(), scale_xy=4)
        >>> image.mode
        'RGBA'
    """
    import visualkeras

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
    with keras3_output_shapes():
        return visualkeras.layered_view(
            model, legend=legend, font=font or default_font(), **kwargs
        )


def _style_epoch_axis(axis, metric):
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
        fig, ax = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
        ax = ax[0]
    for axis, metric in zip(ax, metrics):
        epochs = range(1, len(history[metric]) + 1)
        axis.plot(epochs, history[metric], "o-", label="training")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        _style_epoch_axis(axis, metric)
    return _tight(ax[0].figure)


def plot_comparison(comparison, metrics=("accuracy", "val_accuracy"), ax=None):
    """Mean and spread over seeds, per arm, of a :func:`cnn_course.train.compare`.

    One panel per metric; each arm is a line (mean over seeds) with a band
    (minimum to maximum over seeds).

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

    if ax is None:
        fig, ax = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
        ax = ax[0]
    for axis, metric in zip(ax, metrics):
        for arm, runs in comparison.runs.items():
            curves = np.array([run.history[metric] for run in runs])
            epochs = np.arange(1, curves.shape[1] + 1)
            (line,) = axis.plot(epochs, curves.mean(axis=0), "o-", label=arm)
            axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0),
                              color=line.get_color(), alpha=0.2)
        _style_epoch_axis(axis, metric)
    return _tight(ax[0].figure)


_BOX_COLOURS = {
    "Conv2D": "#fed766",
    "MaxPooling2D": "#f25f5c",
    "AveragePooling2D": "#f25f5c",
    "Concatenate": "#70c1b3",
    "Add": "#70c1b3",
    "BatchNormalization": "#b8b8ff",
    "ReLU": "#e0e0e0",
    "SqueezeExcitation": "#9bc53d",
}


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
    width = max(len(names) for names in rows.values())
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

    if ax is None:
        fig, ax = plt.subplots(figsize=(2.4 * width + 1.5, 1.1 * len(rows) + 0.6))
    by_name = {layer.name: layer for layer in chosen}
    for child, sources in parents.items():
        for source in sources:
            (x0, y0), (x1, y1) = position[source], position[child]
            ax.annotate("", xy=(x1, y1 + 0.28), xytext=(x0, y0 - 0.28),
                        arrowprops={"arrowstyle": "->", "color": "#555555"})
    for name, (x, y) in position.items():
        layer = by_name.get(name)
        kind = type(layer).__name__ if layer is not None else "input"
        text = name[len(prefix):] if layer is not None and name != prefix else name
        text = f"{text}\n{kind}"
        if show_shapes and layer is not None:
            shape = layer.output.shape
            text += "\n" + "x".join(str(d) for d in shape[1:])
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.4",
                      "facecolor": _BOX_COLOURS.get(kind, "#dddddd" if layer is None else "#ffffff"),
                      "edgecolor": "#333333"})
    xs = [x for x, _ in position.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(-max(rows) - 0.6, 0.6)
    ax.axis("off")
    ax.set_title(f"{model.name}: {prefix}*")
    return _tight(ax.figure)


def plot_images(images, titles=None, ncols=8, cmap="gray", size=1.4, vmin=None, vmax=None):
    """A grid of images (feature maps, samples, filters) with optional titles.

    Args:
        images: a sequence of 2-D arrays (or ``(height, width, 1)`` ones),
            of any sizes, e.g. an array of shape ``(n, height, width)``.
        titles: ``n`` strings, or ``None``.
        ncols: images per row.
        cmap: matplotlib colour map.
        size: inches per image.
        vmin, vmax: colour range shared by all images (default: each its own).

    Returns:
        The matplotlib figure.

    Example:
        >>> import numpy as np
        >>> from cnn_course.viz import plot_images
        >>> fig = plot_images(np.zeros((3, 8, 8)), titles=["a", "b", "c"], ncols=2)
        >>> len(fig.axes)
        4
    """
    import matplotlib.pyplot as plt
    import numpy as np

    images = [np.asarray(image) for image in images]  # sizes may differ
    images = [im[..., 0] if im.ndim == 3 and im.shape[-1] == 1 else im for im in images]
    count = len(images)
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15),
                             squeeze=False)
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index < count:
            axis.imshow(images[index], cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                axis.set_title(str(titles[index]), fontsize=8)
    return _tight(fig)


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
        fig, ax = plt.subplots(figsize=(0.45 * table.shape[1] + 1.2, 0.45 * table.shape[0] + 1.0))
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
        side = 0.6 * len(class_names) + 2
        fig, ax = plt.subplots(figsize=(side, side))
    ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(len(class_names)))
    ax.set_xticklabels(class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)))
    ax.set_yticklabels(class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return _tight(ax.figure)
