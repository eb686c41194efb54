"""Describe any cohort by group: the baseline table and the response table of a reader's cohort.

The paper's Tables 1 and 2 are regenerated cell by cell in :mod:`mst_helpers.tables`, against the
printed numbers. A reader's cohort has other groups and other columns; these functions build the
same kind of table from whatever columns of the cohort contract it has, with one test per row:

- a 0/1 or categorical row: Fisher's exact test (R ``fisher.test``) when the table is small enough
  to enumerate (:data:`FISHER_MAX_N` patients and at most :data:`FISHER_MAX_GROUPS` groups or levels
  on one side), Pearson's chi-square otherwise (R ``chisq.test(correct = FALSE)``);
- a number: Mann–Whitney for two groups, Kruskal–Wallis for more (R ``wilcox.test(exact = FALSE,
  correct = TRUE)`` / ``kruskal.test``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .pvalues import TestResult, fisher_exact_rxc, pearson_chi_square
from .proportions import clopper_pearson

__all__ = ["FISHER_MAX_N", "FISHER_MAX_GROUPS", "categorical_test", "numeric_test", "baseline_table", "response_table",
           "BASELINE_NUMBERS", "BASELINE_CATEGORIES"]

#: Fisher's exact test enumerates every table with the observed margins; beyond these sizes the
#: enumeration is slow and the chi-square approximation is adequate.
FISHER_MAX_N = 120
FISHER_MAX_GROUPS = 3

#: Numeric baseline rows (column → label), shown when the cohort has the column.
BASELINE_NUMBERS = {"age": "Age, years", "donor_age": "Donor age, years", "mst_courses": "MST courses",
                    "mnc_1e8_per_kg": "MNC, ×10⁸/kg per infusion", "cd34_1e6_per_kg": "CD34⁺, ×10⁶/kg per infusion",
                    "cd3_1e8_per_kg": "CD3⁺, ×10⁸/kg per infusion"}
#: Categorical baseline rows (column → label).
BASELINE_CATEGORIES = {"sex": "Sex", "donor_sex": "Donor sex", "donor_relation": "Donor relation",
                       "hla_mismatch": "HLA mismatch", "induction_regimen": "Induction regimen"}


def categorical_test(table: np.ndarray) -> TestResult:
    """Fisher's exact test where it can be enumerated quickly, Pearson's chi-square otherwise."""
    table = np.asarray(table, dtype=int)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return TestResult("none (one level)", float("nan"), float("nan"), float("nan"))
    if table.sum() <= FISHER_MAX_N and min(table.shape) == 2 and max(table.shape) <= FISHER_MAX_GROUPS:
        return fisher_exact_rxc(table)
    return pearson_chi_square(table)


def numeric_test(values: pd.Series, groups: pd.Series, order: list[str]) -> TestResult:
    """Mann–Whitney (two groups) or Kruskal–Wallis (more) on the non-missing values."""
    samples = [values[(groups == g) & values.notna()].astype(float).to_numpy() for g in order]
    samples = [s for s in samples if len(s)]
    if len(samples) < 2:
        return TestResult("none (one group)", float("nan"), float("nan"), float("nan"))
    if len(samples) == 2:
        res = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided", method="asymptotic", use_continuity=True)
        return TestResult("Mann–Whitney", float(res.statistic), float("nan"), float(res.pvalue))
    res = stats.kruskal(*samples)
    return TestResult("Kruskal–Wallis", float(res.statistic), len(samples) - 1, float(res.pvalue))


def _summary(values: pd.Series) -> str:
    values = values.dropna().astype(float)
    if values.empty:
        return "–"
    return f"{values.median():g} ({values.min():g}–{values.max():g})"


def _count(k: int, n: int) -> str:
    return f"{k} ({100 * k / n:.0f}%)" if n else "–"


def baseline_table(patients: pd.DataFrame, group_column: str, order: list[str]) -> pd.DataFrame:
    """Table 1 of any cohort: one row per characteristic (or level), a column per group and
    ``all``, the p-value and the test. Numbers are median (range), categories n (%)."""
    groups = patients[group_column].astype(str)
    rows = [{"characteristic": "Patients", "all": str(len(patients)),
             **{g: str(int((groups == g).sum())) for g in order}, "p": np.nan, "test": ""}]
    for column, label in BASELINE_NUMBERS.items():
        if column not in patients.columns:
            continue
        test = numeric_test(patients[column], groups, order)
        rows.append({"characteristic": f"{label}, median (range)", "all": _summary(patients[column]),
                     **{g: _summary(patients.loc[groups == g, column]) for g in order}, "p": test.p_value, "test": test.test})
    for column, label in BASELINE_CATEGORIES.items():
        if column not in patients.columns:
            continue
        values = patients[column].fillna("missing").astype(str)
        levels = sorted(values.unique())
        table = np.array([[int(((values == level) & (groups == g)).sum()) for g in order] for level in levels])
        test = categorical_test(table)
        for i, level in enumerate(levels):
            rows.append({"characteristic": f"{label}: {level}, n (%)", "all": _count(int(table[i].sum()), len(values)),
                         **{g: _count(int(table[i, j]), int(table[:, j].sum())) for j, g in enumerate(order)},
                         "p": test.p_value if i == 0 else np.nan, "test": test.test if i == 0 else ""})
    return pd.DataFrame(rows)


def response_table(patients: pd.DataFrame, group_column: str, order: list[str], flags: dict[str, str]) -> pd.DataFrame:
    """For each 0/1 column of ``flags`` (column → label): k/n and percent with the exact 95% CI per
    group and overall, and the test between groups."""
    groups = patients[group_column].astype(str)
    rows = []
    for column, label in flags.items():
        if column not in patients.columns:
            continue
        flag = patients[column].astype(int)
        table = np.array([[int(((flag == 1) & (groups == g)).sum()) for g in order],
                          [int(((flag == 0) & (groups == g)).sum()) for g in order]])
        test = categorical_test(table)
        row = {"outcome": label, "column": column, "p": test.p_value, "test": test.test}
        for name, mask in [("all", pd.Series(True, index=patients.index))] + [(g, groups == g) for g in order]:
            ci = clopper_pearson(int(flag[mask].sum()), int(mask.sum()))
            row[name] = f"{ci.k}/{ci.n}, {100 * ci.estimate:.0f}% ({100 * ci.lower:.0f}–{100 * ci.upper:.0f})"
            row[f"{name}.k"], row[f"{name}.n"] = ci.k, ci.n
        rows.append(row)
    return pd.DataFrame(rows)
