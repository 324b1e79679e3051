"""Quick mode, as the test configuration switches it on."""

import os

import pytest

from cnn_course import settings


def test_the_test_configuration_switches_quick_mode_on():
    # conftest.py sets it for this process and for the nbval kernels.
    assert os.environ.get(settings.QUICK_ENV) == "1"
    assert settings.quick_mode()
    assert settings.budget(full=10, quick=1) == 1


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True),
                                             ("0", False), ("", False), ("no", False)])
def test_quick_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv(settings.QUICK_ENV, value)
    assert settings.quick_mode() is expected
    assert settings.budget(full="full", quick="quick") == ("quick" if expected else "full")
