"""The environment chapters run in, under nbval and when outputs are stored.

Used by ``conftest.py`` (quick mode, for the test suite) and by
``scripts/execute_chapters.py`` (full mode, to regenerate stored outputs), so
that both produce the same, comparable cell outputs.
"""

import atexit
import os
import shutil
import tempfile

from cnn_course.settings import QUICK_ENV

#: Kernel settings: TensorFlow writes start-up lines (with time stamps and
#: process ids) to the process' stderr before its log level applies; they
#: stay in the kernel's log instead of becoming cell outputs.
KERNEL_CONFIG = "c.IPKernelApp.capture_fd_output = False\n"


def configure(quick):
    """Set the variables every chapter kernel inherits.

    Args:
        quick: switch the course's quick mode on (tests) or off (full runs).
    """
    if quick:
        os.environ[QUICK_ENV] = "1"
    else:
        os.environ.pop(QUICK_ENV, None)
    # oneDNN stays on: it trains several times faster on CPUs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Width of model.summary() tables: Keras makes them COLUMNS - 4 wide
    # unless a cell asks for a line_length (Chapter 2 asks for 92, the most
    # a 1280-px book page shows unwrapped), and rich draws them in a console
    # JUPYTER_COLUMNS wide, which must hold them.
    os.environ["JUPYTER_COLUMNS"] = "100"
    os.environ["COLUMNS"] = "80"
    ipython_dir = tempfile.mkdtemp(prefix="cnn-course-ipython-")
    atexit.register(shutil.rmtree, ipython_dir, ignore_errors=True)
    profile = os.path.join(ipython_dir, "profile_default")
    os.makedirs(profile)
    with open(os.path.join(profile, "ipython_kernel_config.py"), "w") as f:
        f.write(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = ipython_dir
    # Matplotlib's configuration and font cache, fresh: a stale cache in the
    # user's ~/.cache/matplotlib (one written while matplotlib was being
    # installed listed only the system's fonts) made the first figure with
    # mathtext log "findfont: Font family ['STIXGeneral'] not found" to
    # stderr, a cell output the stored notebook does not have.
    mpl_dir = tempfile.mkdtemp(prefix="cnn-course-matplotlib-")
    atexit.register(shutil.rmtree, mpl_dir, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = mpl_dir
