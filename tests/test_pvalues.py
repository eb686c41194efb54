"""Tests of mst_helpers.pvalues: hand-worked cases first, then R's fisher.test / chisq.test."""

from __future__ import annotations

import math
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mst_helpers.pvalues import (
    categorical_tests,
    fisher_exact_rxc,
    matches_printed,
    pearson_chi_square,
    t_test_from_summary,
)

from .conftest import FIXTURES, rscript


def _tables() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "contingency_tables.csv")


def _matrix(row) -> np.ndarray:
    return np.array([int(x) for x in row.cells.split()]).reshape(row.nrow, row.ncol)


# ----------------------------------------------------------------- hand-worked cases
def test_fisher_perfect_split_by_hand():
    # [[3, 0], [0, 3]]: the observed and the mirror table each have probability 1/C(6,3) = 1/20.
    assert fisher_exact_rxc([[3, 0], [0, 3]]).p_value == pytest.approx(2 / 20)


def test_fisher_agrees_with_scipy_on_2x2():
    for table in ([[9, 2], [11, 7]], [[1, 3], [19, 6]], [[0, 5], [7, 2]]):
        assert fisher_exact_rxc(table).p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-10)


def test_fisher_uninformative_table_is_one():
    # Everybody in one category: one possible table.
    assert fisher_exact_rxc([[20, 9], [0, 0]]).p_value == pytest.approx(1.0)


def test_pearson_2x2_by_hand():
    # [[10, 0], [0, 10]]: expected 5 everywhere, X2 = 4 * 25 / 5 = 20; Yates: 4 * 4.5**2 / 5 = 16.2.
    assert pearson_chi_square([[10, 0], [0, 10]]).statistic == pytest.approx(20.0)
    assert pearson_chi_square([[10, 0], [0, 10]], yates=True).statistic == pytest.approx(16.2)


def test_yates_refuses_larger_tables():
    with pytest.raises(ValueError, match="2 x 2"):
        pearson_chi_square([[1, 2, 3], [3, 2, 1]], yates=True)


def test_chi_square_undefined_with_an_empty_margin():
    assert math.isnan(pearson_chi_square([[20, 9], [0, 0]]).p_value)


@pytest.mark.parametrize("bad", [[[1, -1], [2, 3]], [[1.5, 1], [2, 3]], [[1, 2]], [1, 2, 3]])
def test_bad_tables_are_refused(bad):
    with pytest.raises(ValueError):
        fisher_exact_rxc(bad)


def test_student_and_welch_by_formula():
    # Donor age, Table 1: 35.75 ± 4.52 (n = 20) vs 43.78 ± 5.85 (n = 9).
    s = t_test_from_summary(35.75, 4.52, 20, 43.78, 5.85, 9)
    pooled = math.sqrt((19 * 4.52**2 + 8 * 5.85**2) / 27)
    t = (35.75 - 43.78) / (pooled * math.sqrt(1 / 20 + 1 / 9))
    assert s.statistic == pytest.approx(t)
    assert s.p_value == pytest.approx(2 * stats.t.sf(abs(t), 27))
    w = t_test_from_summary(35.75, 4.52, 20, 43.78, 5.85, 9, welch=True)
    assert w.df < 27 and w.p_value > s.p_value


@pytest.mark.parametrize(
    "p, printed, expected",
    [(0.41183, "0.412", True), (0.4125, "0.412", False), (0.2872, "0.290", False), (0.0004, "<0.001", True),
     (0.001, "<0.001", False), (0.30003, "0.3", True), (0.06, ">0.05", True), (float("nan"), "0.5", False)],
)
def test_matches_printed(p, printed, expected):
    assert matches_printed(p, printed) is expected


def test_categorical_tests_offers_yates_only_for_2x2():
    assert [r.test for r in categorical_tests([[1, 2], [3, 4]])] == ["Pearson chi-square", "Yates chi-square", "Fisher exact"]
    assert [r.test for r in categorical_tests([[1, 2], [3, 4], [5, 6]])] == ["Pearson chi-square", "Fisher exact"]


# ----------------------------------------------------------------- R reference values
def test_against_r_fixtures():
    """R: fisher.test(x)$p.value; chisq.test(x, correct = FALSE); chisq.test(x) (Yates).

    Fixture made by tests/fixtures/fisher_chisq_reference.R (R 4.2.2).
    """
    reference = pd.read_csv(FIXTURES / "fisher_chisq_reference.csv").set_index("id")
    tables = _tables()
    assert set(reference.index) == set(tables["id"])
    for row in tables.itertuples():
        x = _matrix(row)
        ref = reference.loc[row.id]
        assert fisher_exact_rxc(x).p_value == pytest.approx(ref.fisher_p, rel=1e-9, abs=1e-14), row.id
        pearson = pearson_chi_square(x)
        assert pearson.statistic == pytest.approx(ref.pearson_statistic, rel=1e-9, abs=1e-12), row.id
        assert pearson.p_value == pytest.approx(ref.pearson_p, rel=1e-9), row.id
        if x.shape == (2, 2):
            yates = pearson_chi_square(x, yates=True)
            assert yates.statistic == pytest.approx(ref.yates_statistic, rel=1e-9, abs=1e-12), row.id
            assert yates.p_value == pytest.approx(ref.yates_p, rel=1e-9), row.id


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None, reason="Rscript not installed")
def test_r_fixture_regenerates_identically(tmp_path):
    """Run the R script live: its output must equal the committed fixture."""
    out = tmp_path / "ref.csv"
    subprocess.run([rscript(), str(FIXTURES / "fisher_chisq_reference.R"), str(FIXTURES / "contingency_tables.csv"), str(out)],
                   check=True, capture_output=True)
    live = pd.read_csv(out).set_index("id")
    committed = pd.read_csv(FIXTURES / "fisher_chisq_reference.csv").set_index("id")
    pd.testing.assert_frame_equal(live, committed, rtol=1e-12)
