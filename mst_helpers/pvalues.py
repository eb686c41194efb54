"""P-values recomputed from published summaries: contingency tables and mean/SD/n.

The paper says only "chi-square test or Fisher's exact test". To find which test produced
each printed p-value we recompute all candidates from the printed counts:

- Pearson's chi-square without continuity correction (R: ``chisq.test(x, correct = FALSE)``);
- Yates-corrected chi-square for 2 x 2 tables (R: ``chisq.test(x)``, the default);
- Fisher's exact test for any r x c table (R: ``fisher.test(x)``), by full enumeration of
  the tables with the observed margins — exact, and fast at this study's size;
- Student's and Welch's two-sample t-tests from mean, SD and n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy import stats

from .claims import printed_decimals

__all__ = [
    "TestResult",
    "fisher_exact_rxc",
    "pearson_chi_square",
    "t_test_from_summary",
    "categorical_tests",
    "matches_printed",
]

# R's fisher.test treats tables whose probability is within this relative tolerance of the
# observed one as "as extreme" (it uses 1 + 1e-7); we do the same so ties agree with R.
_RELATIVE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class TestResult:
    """One recomputed test: its name, statistic (NaN where none), degrees of freedom, p."""

    test: str
    statistic: float
    df: float
    p_value: float


def _as_table(table: Sequence[Sequence[int]] | np.ndarray) -> np.ndarray:
    arr = np.asarray(table)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"a contingency table needs at least 2 rows and 2 columns, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError("a contingency table holds whole counts")
        arr = arr.astype(int)
    if (arr < 0).any():
        raise ValueError("a contingency table cannot hold negative counts")
    return arr


@lru_cache(maxsize=None)
def _log_factorial(n: int) -> float:
    return math.lgamma(n + 1)


def _tables_with_margins(row_sums: tuple[int, ...], col_sums: tuple[int, ...]):
    """Yield every non-negative integer table (as a flat tuple, column by column) with these margins."""
    n_rows = len(row_sums)

    def fill_column(col: int, remaining_rows: tuple[int, ...], cells: tuple[int, ...]):
        if col == len(col_sums) - 1:
            # The last column is forced by the remaining row sums.
            if sum(remaining_rows) == col_sums[col]:
                yield cells + remaining_rows
            return
        for column in _split(col_sums[col], remaining_rows):
            rest = tuple(r - c for r, c in zip(remaining_rows, column))
            yield from fill_column(col + 1, rest, cells + column)

    def _split(total: int, caps: tuple[int, ...]):
        # All ways to put `total` into len(caps) cells, cell i at most caps[i].
        if len(caps) == 1:
            if total <= caps[0]:
                yield (total,)
            return
        room_after = sum(caps[1:])
        for first in range(max(0, total - room_after), min(caps[0], total) + 1):
            for rest in _split(total - first, caps[1:]):
                yield (first,) + rest

    if n_rows == 0:
        return
    yield from fill_column(0, tuple(row_sums), ())


def fisher_exact_rxc(table: Sequence[Sequence[int]] | np.ndarray) -> TestResult:
    """Two-sided Fisher's exact test for an r x c table, as R's ``fisher.test``.

    The p-value is the total probability (under the multivariate hypergeometric law given
    both margins) of all tables no more probable than the observed one.

    Examples
    --------
    >>> round(fisher_exact_rxc([[9, 2], [11, 7]]).p_value, 4)   # Table 1, patient sex
    0.4118
    """
    arr = _as_table(table)
    row_sums = tuple(int(x) for x in arr.sum(axis=1))
    col_sums = tuple(int(x) for x in arr.sum(axis=0))
    total = sum(row_sums)
    # A margin of zero leaves one possible table: nothing is extreme.
    constant = sum(_log_factorial(r) for r in row_sums) + sum(_log_factorial(c) for c in col_sums) - _log_factorial(total)

    def log_prob(cells) -> float:
        return constant - sum(_log_factorial(int(c)) for c in cells)

    observed = log_prob(arr.T.ravel())
    threshold = observed + math.log1p(_RELATIVE_TOLERANCE)
    p = 0.0
    for cells in _tables_with_margins(row_sums, col_sums):
        lp = log_prob(cells)
        if lp <= threshold:
            p += math.exp(lp)
    return TestResult("Fisher exact", float("nan"), float("nan"), min(1.0, p))


def pearson_chi_square(table: Sequence[Sequence[int]] | np.ndarray, yates: bool = False) -> TestResult:
    """Pearson's chi-square test of independence, optionally with Yates' correction.

    Yates' correction applies to 2 x 2 tables only (as in R's ``chisq.test``); asking for it
    on a larger table raises ``ValueError``. A table with an empty row or column has no
    defined statistic: the result is NaN, as in R.
    """
    arr = _as_table(table)
    if yates and arr.shape != (2, 2):
        raise ValueError("Yates' continuity correction is defined for 2 x 2 tables only")
    if (arr.sum(axis=0) == 0).any() or (arr.sum(axis=1) == 0).any():
        return TestResult("Yates chi-square" if yates else "Pearson chi-square", float("nan"), float("nan"), float("nan"))
    statistic, p, dof, _ = stats.chi2_contingency(arr, correction=yates)
    return TestResult("Yates chi-square" if yates else "Pearson chi-square", float(statistic), float(dof), float(p))


def t_test_from_summary(
    mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int, welch: bool = False
) -> TestResult:
    """Two-sided two-sample t-test from summary statistics (Student's or Welch's)."""
    statistic, p = stats.ttest_ind_from_stats(mean1, sd1, n1, mean2, sd2, n2, equal_var=not welch)
    if welch:
        v1, v2 = sd1**2 / n1, sd2**2 / n2
        dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    else:
        dof = n1 + n2 - 2
    return TestResult("Welch t" if welch else "Student t", float(statistic), float(dof), float(p))


def categorical_tests(table: Sequence[Sequence[int]] | np.ndarray) -> list[TestResult]:
    """Every candidate test for a contingency table: Pearson, Yates (2 x 2 only), Fisher."""
    arr = _as_table(table)
    results = [pearson_chi_square(arr)]
    if arr.shape == (2, 2):
        results.append(pearson_chi_square(arr, yates=True))
    results.append(fisher_exact_rxc(arr))
    return results


def matches_printed(p_value: float, printed: str) -> bool:
    """Whether a recomputed p-value reads as the printed one at the printed precision.

    ``"0.412"`` matches p in [0.4115, 0.4125); ``"<0.001"`` matches p < 0.001; ``">0.05"``
    matches p > 0.05. A NaN never matches.

    Examples
    --------
    >>> matches_printed(0.41183, "0.412"), matches_printed(0.0004, "<0.001"), matches_printed(0.0012, "<0.001")
    (True, True, False)
    """
    if p_value is None or math.isnan(p_value):
        return False
    text = printed.strip()
    bound = float(text.lstrip("<>=≤≥").replace(",", ""))
    if text.startswith("<"):
        return p_value < bound
    if text.startswith(">"):
        return p_value > bound
    decimals = printed_decimals(text)
    # Round half up at the printed precision, with a little slack for binary floating point.
    half = 0.5 * 10 ** (-decimals)
    return bound - half - 1e-12 <= p_value < bound + half - 1e-12
