"""Argument checks shared by the builders.

Every check raises a :class:`ValueError` that names the argument, the value
received and what would be accepted, in the style of ``keras.applications``.
"""

import numbers


def positive_int(value, name):
    """Return ``value`` if it is a positive integer, else raise ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def image_shape(input_shape, min_side, architecture, channels=None):
    """Validate an ``(height, width, channels)`` input shape.

    Args:
        input_shape: the shape to check.
        min_side: smallest height and width the architecture can take.
        architecture: name used in the error message, e.g. ``"LeNet-5"``.
        channels: required number of channels, or ``None`` for any.

    Returns:
        The shape as a tuple of three ints.
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != 3
        or any(
            isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1
            for d in shape
        )
    ):
        raise ValueError(
            "`input_shape` must be a tuple of three positive integers "
            f"(height, width, channels). Received: input_shape={input_shape!r}"
        )
    height, width, depth = (int(d) for d in shape)
    if height < min_side or width < min_side:
        raise ValueError(
            f"`input_shape` is too small for {architecture}: height and width "
            f"must be at least {min_side}. Received: input_shape={input_shape!r}"
        )
    if channels is not None and depth != channels:
        raise ValueError(
            f"`input_shape` must have {channels} channel(s) for {architecture}. "
            f"Received: input_shape={input_shape!r}"
        )
    return height, width, depth


def one_of(value, name, choices):
    """Return ``value`` if it is in ``choices``, else raise ValueError."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(
            f"`{name}` must be one of {options}. Received: {name}={value!r}"
        )
    return value


def rate(value, name):
    """Return ``value`` if it is a number in [0, 1), else raise ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value < 1
    ):
        raise ValueError(
            f"`{name}` must be a number in [0, 1). Received: {name}={value!r}"
        )
    return float(value)
