"""The Colab check (scripts/colab_check.py) finds each chapter's install
cell and points it at the checkout (issue 11, item 3). The check itself
installs TensorFlow and runs every chapter, so CI runs it (.ci/run); these
tests only guard its two assumptions, which a change of the install cell or
of the pin list would break silently."""

import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("[0-9]*.ipynb"))
assert CHAPTERS, f"no chapters found in {ROOT / 'book'}"  # else every check below passes empty


@pytest.fixture(scope="module")
def colab_check():
    spec = importlib.util.spec_from_file_location("colab_check", ROOT / "scripts" / "colab_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_install_cell_is_pointed_at_the_checkout(colab_check, chapter, tmp_path):
    copy = tmp_path / chapter.name
    source = tmp_path / "classic-cnns"
    colab_check.colab_notebook(chapter, copy, source)
    original = json.loads(chapter.read_text())["cells"]
    changed = json.loads(copy.read_text())["cells"]
    first = next(i for i, cell in enumerate(original) if cell["cell_type"] == "code")
    cell = "".join(changed[first]["source"])
    assert "github.com" not in cell
    assert f"cnn_course @ {source.as_uri()}" in cell
    # Nothing else changes.
    assert changed[:first] + changed[first + 1:] == original[:first] + original[first + 1:]


@pytest.mark.parametrize("ref", ["", "@main", "@v0.1.0", "@{TAG}"])
def test_every_form_of_the_repository_url_is_replaced(colab_check, ref):
    line = f'%pip install "cnn_course @ git+https://github.com/cnn-course/classic-cnns{ref}"'
    assert colab_check.REPOSITORY_URL.sub("file:///src", line) == '%pip install "cnn_course @ file:///src"'


def test_the_pins_are_colabs_versions_of_the_issue(colab_check, tmp_path):
    # Issue 11: Colab's runtime of 2026-08-19 is Python 3.13 with
    # tensorflow 2.20.0, keras 3.13.2 and numpy 2.1.3.
    pins = colab_check.constraints(colab_check.newest_freeze(), tmp_path / "constraints.txt")
    assert (pins["tensorflow"], pins["keras"], pins["numpy"]) == ("2.20.0", "3.13.2", "2.1.3")
    assert all(name.replace("_", "-").lower() in pins for name in colab_check.COLAB_PACKAGES)
    assert " @ " not in (tmp_path / "constraints.txt").read_text()
