"""Releases in step: one version (cnn_course.__version__) named alike by the
changelog, the citation, the README and the chapters' install cells; the
install cell fails loudly; the workflows pin their actions.

The install cells' tag and repository are checked in test_book.py; here the
cell is run, with pip and keras replaced, to see what a student meets.
"""

import pathlib
import re
import subprocess
import sys
import tomllib
import types

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

import cnn_course
from test_book import CHAPTERS, CONFIG, code_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
VERSION = cnn_course.__version__
TAG = f"v{VERSION}"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RESTART = "restart the runtime (Runtime > Restart session) and run this cell again"


def install_cell(chapter):
    return "".join(code_cells(chapter)[0]["source"])


def keras_minimum():
    """The lowest keras pyproject.toml admits, e.g. Version("3.13")."""
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        if requirement.name == "keras":
            (spec,) = [s for s in requirement.specifier if s.operator == ">="]
            return Version(spec.version)
    raise AssertionError("pyproject.toml does not list keras")


def test_version_is_a_plain_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION


def test_changelog_has_an_entry_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    entry = re.search(rf"^## \[{re.escape(VERSION)}\] - (\d{{4}}-\d{{2}}-\d{{2}})$", changelog, re.M)
    assert entry, f"CHANGELOG.md has no heading '## [{VERSION}] - YYYY-MM-DD'"
    link = f"[{VERSION}]: {CONFIG['repository']['url']}/releases/tag/{TAG}"
    assert link in changelog, f"CHANGELOG.md lacks the link line {link!r}"


def test_citation_names_this_version_and_the_repository():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == VERSION
    assert citation["repository-code"] == CONFIG["repository"]["url"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{VERSION}] - {citation['date-released']}" in changelog, (
        "CITATION.cff's date-released differs from the changelog's date"
    )


def test_readme_installs_this_release():
    readme = (ROOT / "README.md").read_text()
    pins = re.findall(r"cnn_course @ git\+(\S+?)@([\w./-]+)", readme)
    assert pins == [(CONFIG["repository"]["url"], TAG)], pins
    assert f"release is **{VERSION}**" in " ".join(readme.split())


def test_api_page_installs_this_release():
    # it once said @main, which need not match the reference it introduces
    page = (ROOT / "book" / "api.md").read_text()
    pins = re.findall(r"cnn_course @ git\+(\S+?)@([\w./-]+)", page)
    assert pins == [(CONFIG["repository"]["url"], TAG)], pins


def test_python_and_keras_floors():
    # keras 3.13 and newer need Python 3.11 (their own requires-python).
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert keras_minimum() >= Version("3.13")


def test_install_cell_asks_for_the_keras_pyproject_needs():
    for chapter in CHAPTERS:
        (minimum,) = re.findall(r'^KERAS_MIN = "([\d.]+)"', install_cell(chapter), re.M)
        assert Version(minimum) == keras_minimum(), chapter.name


@pytest.fixture
def run_cell(monkeypatch):
    """Run an install cell as a student would meet it: with or without
    cnn_course installed, with the keras that is loaded, and with pip
    replaced by `pip_result` (a success installs cnn_course). Returns the
    commands the cell ran."""

    def run(chapter, pip_result=None, keras_version=None, installed=True):
        calls = []

        def fake_run(command, **kwargs):
            calls.append(command)
            if pip_result.returncode == 0:
                sys.modules["cnn_course"] = cnn_course
            return pip_result

        with monkeypatch.context() as patch:
            patch.setattr(subprocess, "run", fake_run)
            if keras_version:
                patch.setitem(sys.modules, "keras", types.SimpleNamespace(__version__=keras_version))
            if not installed:
                patch.setitem(sys.modules, "cnn_course", None)  # `import` raises ImportError
            exec(compile(install_cell(chapter), f"{chapter.name}: install cell", "exec"), {})
        return calls

    return run


def test_install_cell_does_nothing_where_the_package_is(run_cell):
    for chapter in CHAPTERS:
        assert run_cell(chapter) == [], chapter.name


def test_install_cell_raises_with_pips_error(run_cell):
    error = "ERROR: Could not find a version that satisfies the requirement"
    failed = subprocess.CompletedProcess([], 1, stdout="", stderr=error)
    for chapter in CHAPTERS:
        with pytest.raises(ImportError) as raised:
            run_cell(chapter, pip_result=failed, installed=False)
        assert error in str(raised.value), chapter.name
        assert f"{CONFIG['repository']['url']}@{TAG}" in str(raised.value), chapter.name


def test_install_cell_installs_the_release_with_this_python(run_cell):
    done = subprocess.CompletedProcess([], 0, stdout="", stderr="")
    package = f"cnn_course @ git+{CONFIG['repository']['url']}@{TAG}"
    for chapter in CHAPTERS:
        calls = run_cell(chapter, pip_result=done, installed=False)
        assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", package]], chapter.name


@pytest.mark.parametrize("old", ["3.10.0", "3.12.9"])
def test_install_cell_asks_for_a_restart_when_an_older_keras_is_loaded(old, run_cell):
    # Colab's Python 3.11 image has keras 3.10: once loaded, it stays loaded
    # after pip upgrades it on disk.
    for chapter in CHAPTERS:
        with pytest.raises(RuntimeError) as raised:
            run_cell(chapter, keras_version=old)
        message = " ".join(str(raised.value).split())
        assert RESTART in message and f"keras {old} is loaded" in message, chapter.name


def test_install_cell_accepts_newer_keras(run_cell):
    for chapter in CHAPTERS:
        assert run_cell(chapter, keras_version="3.13.0") == [], chapter.name
        assert run_cell(chapter, keras_version="4.0.1") == [], chapter.name


def workflow_steps():
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(-\s+)?uses:", line):
                yield path.name, line.strip()


def test_workflows_pin_every_action_to_a_commit():
    steps = list(workflow_steps())
    assert len({name for name, _ in steps}) == 3, "tests.yml, book.yml, release.yml"
    for name, line in steps:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), (
            f"{name}: {line!r} is not pinned to a full commit SHA with a '# vX.Y.Z' comment"
        )


def test_book_footer_states_both_licences():
    footer = CONFIG["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer
    assert "Attribution 4.0 International" in (ROOT / "LICENSE-BOOK").read_text()
    assert PYPROJECT["project"]["license"] == "MIT"


def unreleased_names():
    """Package names (``layers.FusedBatchNormalization`` -> the last part)
    that CHANGELOG.md's [Unreleased] section names as ``cnn_course.x.y``."""
    changelog = (ROOT / "CHANGELOG.md").read_text()
    section = re.search(r"^## \[Unreleased\]$(.*?)^## \[", changelog, re.M | re.S)
    assert section, "CHANGELOG.md has no '## [Unreleased]' section before the releases"
    return {name.rsplit(".", 1)[-1]
            for name in re.findall(r"`cnn_course\.(\w+(?:\.\w+)+)", section.group(1))}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_call_only_released_package_code(chapter):
    # Colab installs the release the install cell pins, not this checkout:
    # a chapter that uses something only [Unreleased] has fails there while
    # every local test passes (CONTRIBUTING.md, "Making a release").
    code = "\n".join("".join(cell["source"]) for cell in code_cells(chapter)[1:])
    used = sorted(name for name in unreleased_names() if re.search(rf"\b{name}\b", code))
    assert not used, (
        f"{chapter.name} uses {used}, which CHANGELOG.md lists as unreleased; "
        "make a release (CONTRIBUTING.md, 'Making a release') so Colab gets them"
    )
