"""One row per check: what was compared, the numbers, and — when it fails — the cause and its evidence.

Every check function builds its rows with :func:`_row`. A failing row carries its own ``cause``
(the most plausible reading, in words) and ``evidence`` (the numbers that support that reading),
written by the check that found the failure from the numbers it compared: nothing is attached
afterwards by id. :func:`mst_helpers.audit.inconsistencies` refuses a failing row without them.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..claims import section_name
from .arithmetic import rounds_to

GROUPS = ("60-70", ">70")


def _index(claims: pd.DataFrame) -> pd.DataFrame:
    return claims.set_index("id", drop=False)


def _val(c: pd.DataFrame, claim_id: str) -> float:
    return float(c.at[claim_id, "value"])


def _printed(c: pd.DataFrame, claim_id: str) -> str:
    return str(c.at[claim_id, "printed"])


def where(c: pd.DataFrame, claim_id: str) -> str:
    """The section of the paper that prints ``claim_id`` ("Table 2", "Discussion"): what a reader
    sees in a check's name instead of the registry id (the id stays in ``claim_ids``)."""
    return section_name(c.at[claim_id, "section"])


def _row(check: str, family: str, claim_ids: Sequence[str], printed: str, recomputed: str, ok: bool, detail: str = "",
         cause: str = "", evidence: str = "") -> dict:
    return {
        "check": check,
        "family": family,
        "claim_ids": ";".join(claim_ids),
        "printed": printed,
        "recomputed": recomputed,
        "consistent": bool(ok),
        "detail": detail,
        "cause": "" if ok else cause,
        "evidence": "" if ok else evidence,
    }


def group_size(c: pd.DataFrame, group: str) -> int | None:
    """The printed number of patients of ``group`` (Table 2's header, else Table 1's), if printed."""
    for claim_id in (f"t2.header.{group}.n", f"t1.header.{group}.n"):
        if claim_id in c.index:
            return int(_val(c, claim_id))
    return None


def fractions_for(printed_percent: str, denominators: Sequence[int]) -> list[tuple[int, int]]:
    """Every (k, n) with n in ``denominators`` and 100 k / n rounding to the printed percentage."""
    return [(k, n) for n in denominators for k in range(n + 1) if rounds_to(100 * k / n, printed_percent)]


def describe_fractions(printed_percent: str, denominators: Sequence[int]) -> str:
    """``"11/30 = 36.67%"``-style list of the fractions that print as the percentage, or a
    sentence saying none does."""
    found = fractions_for(printed_percent, denominators)
    if not found:
        return f"no k/n with n in {', '.join(map(str, denominators))} prints as {printed_percent}%"
    return "; ".join(f"{k}/{n} = {100 * k / n:.2f}%" for k, n in found)
