"""Qualitative statements that must not contradict each other.

``data/published/statements.csv`` records what the paper says about an association (a variable
and an endpoint, "associated" or "not associated"), with the analysis it cites and the exact
sentence. :func:`statement_checks` finds every variable and endpoint the paper describes both
ways.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..schema import read_validated_csv
from .records import _row

__all__ = ["load_statements", "statement_checks"]

FINDINGS = ("associated", "not associated")


def statements_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_.>-]+$"), unique=True),
        "section": pa.Column(str, pa.Check.isin(["abstract", "introduction", "methods", "results", "discussion"])),
        "subject": pa.Column(str, pa.Check.str_length(min_value=1)),
        "endpoint": pa.Column(str, pa.Check.str_length(min_value=1)),
        "finding": pa.Column(str, pa.Check.isin(list(FINDINGS))),
        "analysis": pa.Column(str, pa.Check.str_length(min_value=1)),
        "quote": pa.Column(str, pa.Check.str_length(min_value=10)),
    }, strict=True)


def load_statements(path: str | Path) -> pd.DataFrame:
    """Read and validate the statements file (file, row and column named on error)."""
    return read_validated_csv(path, statements_schema(), id_column="id")


def statement_checks(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per variable and endpoint: consistent unless the paper says both."""
    rows = []
    for (subject, endpoint), group in statements.groupby(["subject", "endpoint"], sort=True):
        said = set(group["finding"])
        ok = len(said) == 1
        yes = group[group["finding"] == "associated"]
        no = group[group["finding"] == "not associated"]
        rows.append(_row(f"{subject} and {endpoint}: one finding throughout", "statement", list(group["id"]),
                         " / ".join(sorted(said)), f"{len(group)} statement(s)", ok,
                         cause=f"{subject} is 'not associated' with {endpoint} by {', '.join(no['analysis'])} and named as a "
                               f"factor by {', '.join(yes['analysis'])}; the paper does not reconcile them",
                         evidence=" vs ".join(f"'{q}'" for q in group["quote"])))
    return pd.DataFrame(rows)
