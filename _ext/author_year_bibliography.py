"""Author-year labels for the book's bibliography page.

The chapters cite works as ``[Krizhevsky et al., 2012](link)``: plain
Markdown, so that they read the same in Colab. This Sphinx extension gives
the bibliography page (sphinxcontrib-bibtex) the same labels, in place of
pybtex's default ``[KSH12]``, and sorts the list as the labels read. Works
that would share a label get a letter in the list's order: ``He et al.,
2015a``, ``He et al., 2015b``. Enabled in ``_config.yml``
(``local_extensions`` and ``bibtex_default_style: author_year``).
"""

import unicodedata
from collections import Counter
from string import ascii_lowercase

import pybtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle


def _surname(person):
    """A person's surname as plain text ("LeCun", "Géron")."""
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry):
    """``Surname, year``, ``A and B, year`` or ``A et al., year``."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(person) for person in people]
    if not names:
        raise ValueError(f"references.bib: {entry.key} has no author or editor")
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields['year']}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels as the chapters cite: ``Krizhevsky et al., 2012``."""

    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        shared = Counter(labels)
        used = Counter()
        for label in labels:
            if shared[label] == 1:
                yield label
            else:
                yield label + ascii_lowercase[used[label]]
                used[label] += 1


class LabelSortingStyle(BaseSortingStyle):
    """Sorted as the labels read: by ``Surname et al.``, then year, then
    title. pybtex's ``author_year_title`` sorts by every author's name, which
    put [Hu et al., 2020] (Hu, Shen, Albanie, ...) before [Hu et al., 2018]
    (Hu, Shen, Sun)."""

    def sorting_key(self, entry):
        who, year = author_year(entry).rsplit(", ", 1)
        return _plain(who), year, _plain(entry.fields.get("title", ""))


def _plain(text):
    """Lower case without accents, so that Géron sorts before Glorot."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(c))


class AuthorYearStyle(UnsrtStyle):
    """pybtex's ``unsrt`` entries with author-year labels, in label order."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = LabelSortingStyle


def setup(app):
    pybtex.plugin.register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
