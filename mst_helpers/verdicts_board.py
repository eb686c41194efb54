"""The verdict board: one row per headline claim of the abstract, what the book finds, and why.

Every cell comes from the scorecard and the chapters' results: the printed value, what the book
finds (for a printed test that depends on the order of events, the range over every ordering
chapter 10 allows; otherwise the recomputed value), the status and its one-line reason, and the
label of the table or figure that shows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .attainability.verdicts import framework_label
from .formatting import format_magnitude, format_p_range

__all__ = ["Headline", "HEADLINES", "verdict_board"]


@dataclass(frozen=True)
class Headline:
    """A headline claim: its label for readers, its registry id and the label that shows it."""

    key: str
    label: str
    claim_id: str
    shown_in: str
    #: A results key whose sentence qualifies the verdict (e.g. what removing a bias leaves).
    caveat: str = ""
    caveat_lead: str = ""


HEADLINES = (
    Headline("cr", "Complete remission, all patients", "abs.cr.all.pct", "tab-audit-one-more"),
    Headline("cr_p", "CR by age group (p)", "abs.cr.p", "tab-audit-origins"),
    Headline("os_median", "Median overall survival (months)", "abs.os.median", "fig-survival-km"),
    Headline("os_p", "OS by age group (log-rank p)", "abs.os.p", "tab-attainability"),
    Headline("lfs_p", "LFS by age group (log-rank p)", "abs.lfs.p", "tab-attainability"),
    Headline("courses_os", "OS, > 3 vs 1–3 MST courses (p)", "abs.courses.os.p", "tab-immortal-conclusion", "conclusion",
             "the printed p compares patients by courses they had to survive to receive (immortal time), so it is no "
             "evidence of an effect; for OS, without that bias"),
    Headline("courses_lfs", "LFS, > 3 vs 1–3 MST courses (p)", "abs.courses.lfs.p", "tab-immortal-methods", "",
             "the printed p compares patients by courses they had to survive to receive (immortal time), so it is no "
             "evidence of an effect"),
    Headline("relapse_p", "Relapse by age group (Gray p)", "abs.relapse.p", "tab-attainability"),
    Headline("nrm", "NRM over 70 (count)", "res.nrm.>70.n", "tab-audit-inconsistencies"),
    Headline("nrm_p", "NRM by age group (Gray p)", "abs.nrm.p", "tab-attainability"),
    Headline("gvhd", "GVHD (patients)", "abs.gvhd.n", "tab-chimerism-summary"),
    Headline("degs", "Differentially expressed genes", "res.rnaseq.degs", "tab-rnaseq-degs"),
)


def _finds(claim: str, row: pd.Series, values: dict) -> str:
    """What the book finds for one claim: an attainable range where chapter 10 computed one."""
    ranges = []
    for framework in ("from_diagnosis", "from_cr"):
        lo, hi = values.get(f"attainable.{claim}.{framework}.min"), values.get(f"attainable.{claim}.{framework}.max")
        if lo is not None and hi is not None:
            method = values.get(f"attainable.{claim}.{framework}.method", "")
            ranges.append(f"{format_p_range(float(lo), float(hi))} ({framework_label(claim, framework)}; {method})")
    if ranges:
        return "attainable range: " + "; ".join(ranges)
    value = row["recomputed"]
    if value == "" or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)
    shown = f"{number:.0f}" if number.is_integer() else format_magnitude(number, 3)
    return f"{shown} ({row['source']})"


def verdict_board(scorecard: pd.DataFrame, results: pd.DataFrame, headlines=HEADLINES) -> pd.DataFrame:
    """One row per headline: ``key``, ``claim``, ``printed``, ``finds``, ``status``, ``why``, ``shown_in``."""
    values = dict(zip(results["key"], results["value"]))
    card = scorecard.set_index("claim_id")
    rows = []
    for h in headlines:
        row = card.loc[h.claim_id]
        why, status = str(row["note"]), str(row["status"])
        if h.caveat_lead:
            # The printed number can be right and the claim it supports still wrong: say both.
            status += " (a biased comparison)"
            why += f"; but {h.caveat_lead}" + (f", {values[h.caveat]}" if h.caveat in values else "")
        rows.append({"key": h.key, "claim": h.label, "printed": str(row["printed"]), "finds": _finds(h.claim_id, row, values),
                     "status": status, "why": why, "shown_in": h.shown_in})
    return pd.DataFrame(rows)
