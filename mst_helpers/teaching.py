"""The teaching map: which chapter teaches what, and every exercise in the book, read from the
chapters' sources (so the list can never drift from the book)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["exercises", "CONCEPTS"]

#: Concept -> chapters (notebook stems) that teach it.
CONCEPTS = {
    "Exact tests (Fisher, chi-square, Yates) and GRIM arithmetic": ["01_audit", "03_cohort"],
    "Reconstructing data from published aggregates": ["02_data", "10_uncertainty"],
    "Exact confidence intervals, rule of three": ["04_response", "05_chimerism"],
    "Kaplan–Meier estimator and censoring": ["06_survival", "14_lab_km"],
    "Log-rank test": ["06_survival", "14_lab_km"],
    "Cox models and proportional-hazards checks": ["06_survival", "14_lab_km"],
    "Immortal-time bias: landmarks, time-dependent Cox, Mantel–Byar": ["07_immortal", "15_lab_immortal"],
    "Competing risks: Aalen–Johansen, Gray's test, Fine–Gray": ["08_competing", "16_lab_competing"],
    "Differential expression (negative binomial, shrinkage, FDR) and pathway enrichment": ["09_transcriptomics"],
    "Judging a paper: scorecards and reconstruction uncertainty": ["10_uncertainty", "11_scorecard"],
}

_EXERCISE = re.compile(r"^#\s*```\{exercise\}\s*(?P<title>.+?)\s*$\n^#\s*:label:\s*(?P<label>\S+)", re.M)


def exercises(notebook_dir: str | Path) -> pd.DataFrame:
    """Every ``{exercise}`` directive in ``notebooks/*.py``: chapter, label, title."""
    rows = []
    for path in sorted(Path(notebook_dir).glob("*.py")):
        for match in _EXERCISE.finditer(path.read_text(encoding="utf-8")):
            rows.append({"chapter": path.stem, "label": match["label"], "title": match["title"]})
    return pd.DataFrame(rows, columns=["chapter", "label", "title"])
