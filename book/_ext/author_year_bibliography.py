"""One citation style for text and list: author–year.

The text cites author–year (``bibtex_reference_style: author_year``); pybtex's built-in list
styles label entries [1], [2] or [Liu26]. This extension registers a pybtex style,
``mst_author_year``, that labels each entry "Liu et al., 2026" and sorts by author and year,
so the list reads the way the text cites it.
"""

from __future__ import annotations

import re

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

NAME = "mst_author_year"


def _surname(person) -> str:
    return re.sub(r"[{}\\]", "", " ".join(person.prelast_names + person.last_names))


class AuthorYearLabelStyle(BaseLabelStyle):
    """"Fisher, 1922", "Mantel and Byar, 1974", "Liu et al., 2026"."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            persons = entry.persons.get("author") or entry.persons.get("editor") or []
            if not persons:
                who = entry.fields.get("organization", entry.key)
            elif len(persons) == 1:
                who = _surname(persons[0])
            elif len(persons) == 2:
                who = f"{_surname(persons[0])} and {_surname(persons[1])}"
            else:
                who = f"{_surname(persons[0])} et al."
            yield f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(PlainStyle):
    default_label_style = NAME
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", NAME, AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
