"""Tables for the book: DataFrames rendered as numbered, captioned MyST tables.

A code cell that displays :func:`numbered_table` produces Markdown that myst-nb parses as
MyST (``nb_render_markdown_format: myst``), so the table gets a number, a caption and a
label that prose can reference with ``{numref}``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["markdown_table", "numbered_table"]


def _cell(value: object) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}" if value == value else "–"
    else:
        text = "" if value is None else str(value)
    # Keep Markdown table syntax intact.
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (index dropped)."""
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def numbered_table(frame: pd.DataFrame, caption: str, name: str):
    """Display ``frame`` as a numbered MyST table with ``caption`` and label ``name``.

    Returns an ``IPython.display.Markdown`` object (display it as a cell's last value).
    """
    from IPython.display import Markdown

    if not name.replace("-", "").isalnum():
        raise ValueError(f"a table label holds letters, digits and dashes, not {name!r}")
    return Markdown(f"```{{table}} {caption}\n:name: {name}\n\n{markdown_table(frame)}\n```\n")
