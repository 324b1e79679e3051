"""Test configuration shared by the unit tests, the doctests and nbval.

The environment is set here, before anything imports TensorFlow, and is
inherited by the Jupyter kernels nbval starts:

- ``CNN_COURSE_QUICK=1``: chapters that train use a small subset and one
  epoch (see ``cnn_course.settings``);
- TensorFlow's start-up log lines and oneDNN notices are silenced, so they
  do not end up in cell outputs;
- ``JUPYTER_COLUMNS`` fixes the width of ``model.summary()`` tables, which
  rich otherwise takes from the terminal.
"""

import os

os.environ["CNN_COURSE_QUICK"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ["JUPYTER_COLUMNS"] = "100"
os.environ["COLUMNS"] = "100"
os.environ.setdefault("MPLBACKEND", "Agg")
