"""Test configuration shared by the unit tests, the doctests and nbval.

The environment is set here, before anything imports TensorFlow, and is
inherited by the Jupyter kernels nbval starts (see scripts/notebook_env.py):
quick mode on (``CNN_COURSE_QUICK=1``: chapters that train use a small
subset and one epoch), TensorFlow's start-up lines kept out of cell outputs,
and a fixed width for ``model.summary()`` tables.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "scripts"))

import notebook_env  # noqa: E402

from cnn_course.settings import QUICK_ENV  # noqa: E402  (imports no backend)

notebook_env.configure(quick=True)


def pytest_runtest_setup(item):
    """Keep quick mode on for every test, whatever an earlier one changed."""
    os.environ[QUICK_ENV] = "1"


def pytest_runtest_teardown(item, nextitem):
    """Free the models a test built, so memory stays at one test's worth
    (the zoo builds VGG and ResNet at full size; issue 12 measured a 7.9 GB
    peak without this)."""
    if "keras" in sys.modules:
        import gc

        sys.modules["keras"].backend.clear_session()
        gc.collect()
