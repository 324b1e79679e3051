"""The chapters read well in Colab too, which renders plain Markdown only.

Colab shows the .ipynb alone: no Sphinx, so no MyST roles or directives, no
bibliography and no other files. These tests hold each chapter to what
Colab can show (issue 11): code in code cells, citations as author-year
links listed in the chapter's references, corrections as plain Markdown,
exercise solutions collapsed (Colab's ``cellView: form``), and a Colab-only
first cell on run time, quick mode and GPUs.
"""

import json
import pathlib
import re

import pytest

from cnn_course.settings import QUICK_ENV

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))

#: MyST syntax Colab shows as raw text: roles ({cite}`key`, {doc}`...`,
#: {glue:}`...`) and directive fences (```{name}, :::{name}).
MYST_ROLE = re.compile(r"\{[a-z][\w:-]*\}`")
MYST_FENCE = re.compile(r"^\s*(```+|~~~+|:::+)\s*\{", re.M)

#: An in-text citation: [Author et al., 2012](https://...); two works of the
#: same authors and year are told apart with a letter, [He et al., 2015a](...).
CITATION = re.compile(r"\[([^\[\]]+?), (\d{4}[a-z]?)\]\((https?://[^)\s]+)\)")


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def markdown(path):
    return [(i, source(c)) for i, c in enumerate(cells(path)) if c["cell_type"] == "markdown"]


def split_references(path):
    """(text before the References section, the section), over all Markdown."""
    text = "\n\n".join(s for _, s in markdown(path))
    head, _, tail = text.partition("## References")
    return head, tail


def bib_links():
    bib = (BOOK / "references.bib").read_text()
    links = {f"https://doi.org/{doi}" for doi in re.findall(r"doi\s*=\s*\{([^}]+)\}", bib)}
    links |= {f"https://arxiv.org/abs/{e}" for e in re.findall(r"eprint\s*=\s*\{([^}]+)\}", bib)}
    links |= set(re.findall(r"url\s*=\s*\{([^}]+)\}", bib))
    return links


def test_every_chapter_is_checked():
    assert len(CHAPTERS) == 4


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_markdown_has_no_myst_syntax_colab_cannot_render(chapter):
    for index, text in markdown(chapter):
        for pattern in (MYST_ROLE, MYST_FENCE):
            match = pattern.search(text)
            assert not match, (
                f"{chapter.name}, cell {index}: {text[max(0, match.start() - 40):match.end() + 40]!r}"
                " shows as raw text in Colab; write plain Markdown (a code cell, a"
                " link, a '> **Title.**' quote)"
            )
        assert "{glue" not in text, f"{chapter.name}, cell {index}: glue is book-only"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_first_markdown_cell_is_a_colab_only_note(chapter):
    note = cells(chapter)[1]
    text = " ".join(source(note).split())
    assert note["cell_type"] == "markdown"
    assert "remove-cell" in note["metadata"].get("tags", []), "the book must hide it"
    assert "Colab" in text
    assert f"%env {QUICK_ENV}=1" in text
    assert "Runtime > Change runtime type" in text
    assert re.search(r"\b(minute|minutes)\b", text), "it says how long the chapter runs"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_solutions_are_collapsed_in_colab_and_in_the_book(chapter):
    solutions = [
        c for c in cells(chapter)
        if c["cell_type"] == "code"
        and ("hide-cell" in c["metadata"].get("tags", [])
             or source(c).startswith("#@title"))
    ]
    assert solutions, f"{chapter.name} has no exercise solutions"
    for number, cell in enumerate(solutions, start=1):
        lines = source(cell).splitlines()
        where = f"{chapter.name}, solution {number}"
        assert lines[0] == f"#@title Solution to exercise {number}", where
        assert lines[1].startswith(f"# {number}. "), f"{where} answers another exercise"
        assert cell["metadata"].get("cellView") == "form", f"{where}: Colab shows its code"
        tags = set(cell["metadata"].get("tags", []))
        assert tags & {"hide-cell", "hide-input"}, f"{where}: the book shows it"
        prompts = cell["metadata"].get("mystnb", {})
        assert prompts.get("code_prompt_show") == f"Show the solution to exercise {number}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_citations_link_to_works_in_the_chapters_references(chapter):
    text, references = split_references(chapter)
    assert references, f"{chapter.name} has no References section"
    known = bib_links()
    cited = CITATION.findall(text)
    assert cited, f"{chapter.name} cites nothing"
    for authors, year, link in cited:
        assert link in references, (
            f"{chapter.name} cites [{authors}, {year}]({link}) but its References do not list it"
        )
        entry = next(line for line in references.split("\n- ") if link in line)
        assert f"({year})" in entry, f"{link}: cited as {year}, listed as {entry[:80]!r}"
        assert link in known, f"{link} is not the DOI, arXiv id or url of a references.bib entry"


def bibliography_labels():
    """{link: label} for every link of every references.bib entry, with the
    labels the book's bibliography page shows (_ext/author_year_bibliography)."""
    import sys

    from pybtex.database import parse_file

    sys.path.insert(0, str(ROOT / "_ext"))
    from author_year_bibliography import AuthorYearStyle

    style = AuthorYearStyle()
    entries = list(style.sort(parse_file(str(BOOK / "references.bib")).entries.values()))
    labels = {}
    for entry, label in zip(entries, style.format_labels(entries)):
        fields = entry.fields
        for link in (f"https://doi.org/{fields.get('doi')}",
                     f"https://arxiv.org/abs/{fields.get('eprint')}", fields.get("url")):
            labels[link] = label
    return labels


def test_bibliography_lists_works_as_their_labels_read():
    # by first author, then "and B" or "et al.", then year: Hu et al., 2018
    # once came after Hu et al., 2020, and Géron after Glorot
    labels = list(dict.fromkeys(bibliography_labels().values()))
    assert labels.index("Hu et al., 2018") < labels.index("Hu et al., 2020")
    assert labels.index("Géron, 2019") < labels.index("Glorot and Bengio, 2010")
    assert labels.index("LeCun et al., 1989") < labels.index("LeCun et al., 1998")
    assert labels.index("He et al., 2016b") < labels.index("Hu et al., 2018")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_citations_read_as_the_bibliography_labels(chapter):
    # One citation style in the chapters and on the bibliography page.
    labels = bibliography_labels()
    text, _ = split_references(chapter)
    for authors, year, link in CITATION.findall(text):
        assert labels[link] == f"{authors}, {year}", (
            f"{chapter.name} cites [{authors}, {year}]({link}); the bibliography"
            f" labels it [{labels[link]}]"
        )


#: Papers with neither a DOI nor an arXiv id, and why.
WITHOUT_DOI_OR_ARXIV = {
    "krizhevsky2012imagenet": "NIPS 2012 gives none; the note has its CACM reprint's DOI",
    "glorot2010understanding": "AISTATS 2010 (PMLR) gives none",
    "srivastava2014dropout": "JMLR gives none, and the paper has no arXiv version",
}


def test_every_paper_has_a_doi_or_an_arxiv_link():
    from pybtex.database import parse_file

    for key, entry in parse_file(str(BOOK / "references.bib")).entries.items():
        if entry.type == "book" or key in WITHOUT_DOI_OR_ARXIV:
            continue
        assert "doi" in entry.fields or "eprint" in entry.fields, f"{key}: no DOI or arXiv id"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_links_to_other_chapters_point_at_notebooks(chapter):
    for index, text in markdown(chapter):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (BOOK / target).is_file(), f"{chapter.name}, cell {index}: no {target}"
            assert target.endswith(".ipynb"), (
                f"{chapter.name}, cell {index}: {target} is not a chapter, Colab cannot open it"
            )
