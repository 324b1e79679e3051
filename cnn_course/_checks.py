"""Argument checks shared by the builders, layers and training helpers.

The one path through which the package validates its arguments. Every check
names the argument and the value received and says what would be accepted,
in the style of ``keras.applications``: a value of the wrong type raises a
:class:`TypeError` (``classes="10"``, ``classes=10.5``, ``towers=True``), a
value of the right type but out of range a :class:`ValueError`
(``classes=0``, ``dropout=2``, ``input_shape=(28, 28)``).
"""

import numbers

import keras

#: What ``pooling`` may be when ``include_top=False``, as in keras.applications.
POOLINGS = (None, "avg", "max")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_sequence(value):
    return isinstance(value, (list, tuple))


def _integer(value, name, requirement, minimum):
    if not _is_int(value):
        raise TypeError(
            f"`{name}` must be {requirement}. Received: {name}={value!r} "
            f"of type {type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(f"`{name}` must be {requirement}. Received: {name}={value!r}")
    return int(value)


def positive_int(value, name):
    """Return ``value`` as an int if it is a positive integer.

    Raises:
        TypeError: if ``value`` is not an integer (a bool, a float, a string).
        ValueError: if it is an integer below 1.
    """
    return _integer(value, name, "a positive integer", 1)


def non_negative_int(value, name):
    """Return ``value`` as an int if it is an integer >= 0 (e.g. an epoch).

    Raises:
        TypeError: if ``value`` is not an integer (a bool, a float, a string).
        ValueError: if it is a negative integer.
    """
    return _integer(value, name, "an integer >= 0", 0)


def positive_ints(values, name, length=None):
    """Return ``values`` as a non-empty tuple of positive ints.

    Args:
        values: a list or tuple.
        name: argument name for the error messages.
        length: required number of entries, or ``None`` for any (at least 1).

    Raises:
        TypeError: if ``values`` is not a list or tuple, or an entry is not
            an integer.
        ValueError: if it is empty, has the wrong length or an entry is
            below 1.
    """
    if not _is_sequence(values):
        raise TypeError(
            f"`{name}` must be a list or tuple of positive integers. "
            f"Received: {name}={values!r}"
        )
    wanted = "at least one" if length is None else f"exactly {length}"
    if len(values) < 1 or (length is not None and len(values) != length):
        raise ValueError(
            f"`{name}` must have {wanted} entries. Received: {name}={values!r}"
        )
    for value in values:
        if not _is_int(value):
            raise TypeError(
                f"`{name}` must hold positive integers; {value!r} is a "
                f"{type(value).__name__}. Received: {name}={values!r}"
            )
        if value < 1:
            raise ValueError(
                f"`{name}` must hold positive integers. Received: {name}={values!r}"
            )
    return tuple(int(v) for v in values)


def boolean(value, name):
    """Return ``value`` if it is ``True`` or ``False``, else raise TypeError."""
    if not isinstance(value, bool):
        raise TypeError(
            f"`{name}` must be True or False. Received: {name}={value!r}"
        )
    return value


def _kind(value):
    """The type that counts for :func:`one_of`: ``True`` is not ``1``."""
    if isinstance(value, bool):
        return bool
    if _is_int(value):
        return int
    return type(value)


def one_of(value, name, choices):
    """Return ``value`` if it is one of ``choices``.

    ``True`` does not count as ``1``, nor ``"2"`` as ``2``.

    Raises:
        TypeError: if ``value``'s type is not that of any choice.
        ValueError: if it has the right type but is not a choice.
    """
    same_kind = [c for c in choices if _kind(c) == _kind(value)]
    if any(value == c for c in same_kind):
        return value
    options = ", ".join(repr(c) for c in choices)
    message = f"`{name}` must be one of {options}. Received: {name}={value!r}"
    raise (ValueError if same_kind else TypeError)(message)


def rate(value, name):
    """Return ``value`` as a float if it is a number in [0, 1).

    Raises:
        TypeError: if ``value`` is not a real number (or is a bool).
        ValueError: if it is outside [0, 1).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a number in [0, 1). Received: {name}={value!r}"
        )
    if not 0 <= value < 1:
        raise ValueError(
            f"`{name}` must be a number in [0, 1). Received: {name}={value!r}"
        )
    return float(value)


def _number(value, name, requirement, accept):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be {requirement}. Received: {name}={value!r} "
            f"of type {type(value).__name__}"
        )
    if not accept(value):
        raise ValueError(f"`{name}` must be {requirement}. Received: {name}={value!r}")
    return float(value)


def non_negative(value, name):
    """Return ``value`` as a float if it is a number >= 0 (e.g. an L2 factor).

    Raises:
        TypeError: if ``value`` is not a real number (or is a bool).
        ValueError: if it is negative or NaN.
    """
    return _number(value, name, "a non-negative number", lambda v: v >= 0)


def positive(value, name):
    """Return ``value`` as a float if it is a finite number > 0 (e.g. a
    learning rate). NumPy scalars count as numbers.

    Raises:
        TypeError: if ``value`` is not a real number (or is a bool).
        ValueError: if it is 0, negative, infinite or NaN.
    """
    return _number(value, name, "a positive finite number", lambda v: 0 < v < float("inf"))


def image_shape(input_shape, min_side, architecture, channels=None):
    """Validate an ``(height, width, channels)`` input shape.

    Args:
        input_shape: the shape to check, a tuple or list.
        min_side: smallest height and width the architecture can take.
        architecture: name used in the error message, e.g. ``"LeNet-5"``.
        channels: required number of channels, or ``None`` for any.

    Returns:
        The shape as a tuple of three ints.

    Raises:
        TypeError: if ``input_shape`` is not a tuple or list of integers.
        ValueError: if it does not have three positive entries, or is
            smaller than ``min_side`` or has the wrong number of channels.
    """
    expected = "a tuple of three positive integers (height, width, channels)"
    if not _is_sequence(input_shape) or not all(_is_int(d) for d in input_shape):
        raise TypeError(
            f"`input_shape` must be {expected}. Received: input_shape={input_shape!r}"
        )
    if len(input_shape) != 3 or any(d < 1 for d in input_shape):
        raise ValueError(
            f"`input_shape` must be {expected}. Received: input_shape={input_shape!r}"
        )
    height, width, depth = (int(d) for d in input_shape)
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


def activation(value, name):
    """Return ``value`` if Keras knows it as an activation, or it is ``None``.

    Accepts ``None`` (linear, i.e. logits), a name such as ``"softmax"`` or
    ``"relu"``, or a callable.

    Raises:
        TypeError: if ``value`` is neither ``None``, a string nor a callable.
        ValueError: if it is a string Keras does not know.
    """
    if value is None or callable(value):
        return value
    message = (
        f"`{name}` must be None, the name of a Keras activation such as "
        f"'softmax', or a callable. Received: {name}={value!r}"
    )
    if not isinstance(value, str):
        raise TypeError(message)
    try:
        keras.activations.get(value)
    except ValueError:
        raise ValueError(message) from None
    return value


def top(include_top, pooling, classifier_activation):
    """Check keras.applications' head arguments together.

    ``include_top`` must be a bool, ``pooling`` one of :data:`POOLINGS` and
    only given with ``include_top=False`` (where it applies), and
    ``classifier_activation`` an activation (see :func:`activation`).

    Returns:
        ``(include_top, pooling, classifier_activation)``.
    """
    boolean(include_top, "include_top")
    one_of(pooling, "pooling", POOLINGS)
    if include_top and pooling is not None:
        raise ValueError(
            "`pooling` applies only to the features, with include_top=False; "
            "with include_top=True the model keeps its own head. "
            f"Received: pooling={pooling!r}, include_top=True"
        )
    activation(classifier_activation, "classifier_activation")
    return include_top, pooling, classifier_activation
