"""Course-wide settings read from the environment.

Quick mode: the test suite sets ``CNN_COURSE_QUICK=1`` so that chapters
which train use a small subset and one epoch; a reader's run (and the run
that stores a chapter's outputs) leaves it unset and trains in full.
"""

import os

#: Environment variable that switches quick mode on ("1", "true", "yes").
QUICK_ENV = "CNN_COURSE_QUICK"


def quick_mode():
    """True when ``$CNN_COURSE_QUICK`` is set to 1, true or yes.

    Example:
        >>> from cnn_course.settings import quick_mode
        >>> epochs = 1 if quick_mode() else 10
    """
    value = os.environ.get(QUICK_ENV, "")
    return value.strip().lower() in {"1", "true", "yes"}


def budget(full, quick):
    """``quick`` in quick mode, else ``full``: one place for a chapter's budget.

    Example:
        >>> from cnn_course.settings import budget
        >>> epochs = budget(full=10, quick=1)
    """
    return quick if quick_mode() else full
