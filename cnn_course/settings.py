"""Course-wide settings read from the environment.

Importing this module imports nothing else of the course and no backend, so
scripts can set the environment before Keras starts.

- Quick mode: the test suite sets ``CNN_COURSE_QUICK=1`` so that chapters
  which train use a small subset and one epoch; a reader's run (and the run
  that stores a chapter's outputs) leaves it unset and trains in full.
- Precision: ``CNN_COURSE_PRECISION`` overrides the dtype policy that
  :func:`cnn_course.train.choose_precision` picks for the hardware.
"""

import os

#: Environment variable that switches quick mode on.
QUICK_ENV = "CNN_COURSE_QUICK"

#: Environment variable that overrides the automatic precision choice.
PRECISION_ENV = "CNN_COURSE_PRECISION"

_ON = {"1", "true", "yes", "on", "y"}
_OFF = {"", "0", "false", "no", "off", "n"}


def quick_mode():
    """True when ``$CNN_COURSE_QUICK`` is 1, true, yes, on or y.

    0, false, no, off, n or unset mean full mode (case is ignored). Any other
    value raises, rather than silently meaning one or the other.

    Raises:
        ValueError: for a value that is neither on nor off, e.g. ``2``.

    Example:
        >>> from cnn_course.settings import quick_mode
        >>> epochs = 1 if quick_mode() else 10
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ValueError(
        f"${QUICK_ENV} must be one of {sorted(_ON)} (quick mode) or "
        f"{sorted(_OFF - {''})} or unset (full mode). "
        f"Received: {QUICK_ENV}={os.environ[QUICK_ENV]!r}"
    )


def budget(full, quick):
    """``quick`` in quick mode, else ``full``: one place for a chapter's budget.

    Example:
        >>> from cnn_course.settings import budget
        >>> epochs = budget(full=10, quick=1)
    """
    return quick if quick_mode() else full
