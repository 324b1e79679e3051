"""Test configuration shared by the unit tests, the doctests and nbval.

The environment is set here, before anything imports TensorFlow, and is
inherited by the Jupyter kernels nbval starts (see tests/notebook_env.py):
quick mode on (``CNN_COURSE_QUICK=1``: chapters that train use a small
subset and one epoch), TensorFlow's start-up lines kept out of cell outputs,
and a fixed width for ``model.summary()`` tables.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tests"))

import notebook_env  # noqa: E402

notebook_env.configure(quick=True)


def pytest_runtest_setup(item):
    """Keep quick mode on for every test, whatever an earlier one changed."""
    os.environ["CNN_COURSE_QUICK"] = "1"
