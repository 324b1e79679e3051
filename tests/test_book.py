"""The book's wiring: table of contents, install cells, stored outputs, docs."""

import importlib
import inspect
import json
import pathlib
import re

import pytest
import yaml

import cnn_course

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def source_of(entry):
    matches = [p for p in ROOT.glob(entry + ".*") if p.suffix in {".md", ".ipynb"}]
    assert len(matches) == 1, f"{entry}: expected one .md or .ipynb, found {matches}"
    return matches[0]


CHAPTERS = [source_of(f) for f in toc_files() if source_of(f).suffix == ".ipynb"]


def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def test_toc_lists_existing_files_and_every_notebook():
    assert TOC["format"] == "jb-book"
    assert CHAPTERS, "no chapter notebooks in the table of contents"
    listed = {source_of(f) for f in toc_files()}
    assert set((ROOT / "book").glob("*.ipynb")) <= listed


def test_repository_is_declared_for_launch_buttons():
    repo = CONFIG["repository"]
    assert repo["url"].startswith("https://github.com/")
    assert repo["branch"]
    assert repo["path_to_book"] == ""
    assert CONFIG["execute"]["execute_notebooks"] == "off"
    assert CONFIG["only_build_toc_files"] is True


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_first_cell_installs_cnn_course_from_the_configured_repository(chapter):
    first = code_cells(chapter)[0]
    source = "".join(first["source"])
    assert "remove-cell" in first["metadata"].get("tags", [])
    # The release of this version, from the repository the book names: a
    # saved notebook keeps meeting the package it was written for.
    repo = CONFIG["repository"]
    tag = f"v{cnn_course.__version__}"
    urls = re.findall(r"git\+(\S+?)@([\w./-]+)", source)
    assert urls == [(repo["url"], tag)], (
        f"{chapter.name}: install cell points at {urls}; expected {repo['url']} "
        f"(_config.yml) at {tag} (cnn_course.__version__)"
    )
    # Installs only when the package is missing, and silently.
    assert re.search(r"try:\s+import cnn_course\s+except ImportError:", source)
    assert "--quiet" in source or "-q" in source.split()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_stored_outputs_come_from_one_clean_run(chapter):
    counts = []
    for cell in code_cells(chapter):
        if not "".join(cell["source"]).strip():
            continue
        counts.append(cell["execution_count"])
        tags = cell["metadata"].get("tags", [])
        for output in cell["outputs"]:
            assert output["output_type"] != "error" or "raises-exception" in tags
            assert output.get("name") != "stderr", (
                f"{chapter.name}: stderr stored in a cell: {''.join(output['text'])[:200]}"
            )
    assert counts == list(range(1, len(counts) + 1))


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = ".venv/bin/python -m pytest"
    assert command in readme and command in ci
    assert "jupyter-book build . -W -n --keep-going --all" in ci


def public_functions():
    # By import path: some modules share their name with a function the
    # models package exports (models.alexnet, models.vgg, models.nin).
    names = ["cnn_course", "data", "settings", "viz", "analysis", "train", "experiments", "layers",
             "source"]
    names += [f"models.{family}" for family in
              ("lenet", "alexnet", "vgg", "nin", "googlenet", "resnet", "geron", "pretrained")]
    modules = [importlib.import_module(n if n == "cnn_course" else f"cnn_course.{n}") for n in names]
    for module in modules:
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


@pytest.mark.parametrize("name, function", list(public_functions()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_public_function_has_a_docstring_with_an_example(name, function):
    doc = inspect.getdoc(function) or ""
    assert doc, f"{name} has no docstring"
    assert "Example:" in doc and ">>>" in doc, f"{name} has no example"


def markdown_texts(chapter):
    """The source of every Markdown cell: the chapter's typed prose."""
    cells = json.loads(chapter.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def stored_run_minutes(chapter):
    """Minutes the stored full run spent in code cells, from the timestamps
    nbclient writes into each cell's metadata."""
    from datetime import datetime

    seconds = 0.0
    for cell in code_cells(chapter):
        timing = cell["metadata"].get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if not (start and end) and not cell["outputs"]:
            continue  # a one-line cell without output, added after the run
        assert start and end, f"{chapter.name}: a code cell has no stored timing; re-run it"
        seconds += (datetime.fromisoformat(end.replace("Z", "+00:00"))
                    - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return seconds / 60


_SAID_DURATION = re.compile(
    r"(?:\*\*Time to run:\*\*|\*\*How long\.\*\*).*?\b(about|under) (\d+|a|half an) "
    r"(minutes?|hour)", re.S)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_the_time_a_chapter_says_it_takes_is_its_stored_run(chapter):
    # The intro's "Time to run" and the Colab note's "How long" are typed
    # prose; they must agree with the stored full run (about: within 25 %).
    texts = markdown_texts(chapter)
    said = [m.groups() for text in texts for m in _SAID_DURATION.finditer(text)]
    assert said, f"{chapter.name} does not say how long its full run takes"
    measured = stored_run_minutes(chapter)
    for kind, amount, unit in said:
        minutes = {"a": 1, "half an": 0.5}.get(amount) or int(amount)
        minutes *= 60 if unit == "hour" else 1
        if kind == "under":
            assert measured < minutes, (chapter.name, kind, amount, unit, measured)
        else:
            assert 0.75 * minutes <= measured <= 1.25 * minutes, (
                f"{chapter.name} says about {amount} {unit}; its stored run took "
                f"{measured:.1f} min")

_SAID_PRECISION = re.compile(r"\*\*How long\.\*\*.*?trained\s+in\s+`(\w+)`", re.S)
# How the chapters print a run's precision: "precision float32",
# "..., seeds 0, 1 and 2, mixed_bfloat16", "(4 epochs, mixed_bfloat16)".
_PRINTED_PRECISION = re.compile(r"(?:precision|,|\()\s*(mixed_bfloat16|mixed_float16|float32)\b")


def stored_output_text(chapter):
    """Every text and Markdown output the chapter's stored run printed."""
    texts = []
    for cell in code_cells(chapter):
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/markdown", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_the_precision_a_chapter_says_it_trained_in_is_its_stored_runs(chapter):
    # The Colab note's "trained in `...`" is typed prose; the stored outputs
    # print the precision of every training run. They must agree.
    texts = markdown_texts(chapter)
    said = {m.group(1) for text in texts for m in _SAID_PRECISION.finditer(text)}
    printed = set(_PRINTED_PRECISION.findall(stored_output_text(chapter)))
    if not printed:
        assert not said, f"{chapter.name} names a precision but its outputs print none"
        return
    assert said == printed, (
        f"{chapter.name}: the Colab note says it trained in {sorted(said)}; the stored "
        f"outputs print {sorted(printed)}")
