"""Quick mode and the precision override, as read from the environment."""

import os
import subprocess
import sys

import pytest

from cnn_course import settings


def test_the_test_configuration_switches_quick_mode_on():
    # conftest.py sets it for this process and for the nbval kernels.
    assert os.environ.get(settings.QUICK_ENV) == "1"
    assert settings.quick_mode()
    assert settings.budget(full=10, quick=1) == 1


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("true", True), ("YES", True), ("on", True), ("y", True),
    ("0", False), ("", False), ("no", False), ("off", False), ("N", False),
])
def test_quick_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv(settings.QUICK_ENV, value)
    assert settings.quick_mode() is expected
    assert settings.budget(full="full", quick="quick") == ("quick" if expected else "full")


@pytest.mark.parametrize("value", ["2", "1.0", "quick", "enabled"])
def test_an_unclear_quick_mode_value_is_refused_not_read_as_full_mode(monkeypatch, value):
    monkeypatch.setenv(settings.QUICK_ENV, value)
    with pytest.raises(ValueError, match=rf"CNN_COURSE_QUICK.*{value}"):
        settings.quick_mode()


def test_importing_settings_starts_no_backend():
    code = (
        "import sys, cnn_course.settings; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
