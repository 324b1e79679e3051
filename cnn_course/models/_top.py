"""The end of a builder's features when ``include_top=False``.

As in ``keras.applications``: ``pooling=None`` keeps the last feature map,
``"avg"`` and ``"max"`` reduce it to one vector by global pooling. The
arguments themselves are checked by :func:`cnn_course._checks.top`.
"""

from keras import layers


def global_pooling(pooling):
    """The global pooling layer ``pooling`` asks for, or ``None``.

    Named ``avg_pool`` or ``max_pool``, as in ``keras.applications``.

    Example:
        >>> from cnn_course.models._top import global_pooling
        >>> global_pooling("max").name, global_pooling(None)
        ('max_pool', None)
    """
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")
    return None
