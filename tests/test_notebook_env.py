"""The environment chapter kernels run in (scripts/notebook_env.py)."""

import os
import subprocess
import sys

# A log-scale axis: its tick labels (10^0, 10^1, ...) are mathtext, whose
# fonts (STIX, Computer Modern) ship inside matplotlib, not with the system.
LOG_PLOT = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
fig, ax = plt.subplots()
ax.semilogx(np.logspace(0, 7, 20), np.ones(20))
fig.canvas.draw()
"""


def stale_font_cache(cache_home):
    """Write, where matplotlib looks for it without MPLCONFIGDIR, a font cache
    of this matplotlib's version that lacks matplotlib's mathtext fonts (STIX,
    Computer Modern), as one written while matplotlib was being installed
    did (CI on a973e16; it listed only the system's fonts)."""
    from matplotlib import font_manager

    manager = font_manager.FontManager()
    manager.ttflist = [font for font in manager.ttflist
                       if not font.name.startswith(("STIX", "cm"))]
    directory = cache_home / "matplotlib"
    directory.mkdir(parents=True)
    font_manager.json_dump(manager, directory / f"fontlist-v{manager._version}.json")


def draw(env):
    return subprocess.run([sys.executable, "-c", LOG_PLOT], env=env, capture_output=True,
                          text=True, timeout=120, check=True).stderr


def test_a_stale_font_cache_does_not_reach_the_chapters(tmp_path):
    # conftest.py has called notebook_env.configure(), as scripts/execute_chapters.py
    # does: every kernel inherits this process' environment.
    assert os.environ.get("MPLCONFIGDIR"), "notebook_env.configure() sets no MPLCONFIGDIR"
    stale_font_cache(tmp_path)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), HOME=str(tmp_path))
    without = {key: value for key, value in env.items() if key != "MPLCONFIGDIR"}
    # Without notebook_env's setting the stale cache is read, and the figure
    # logs to stderr, an output the stored notebooks do not have.
    assert "findfont: Font family" in draw(without)
    # With it, the kernels get a fresh cache, and the figure draws silently.
    assert "findfont" not in draw(env)
