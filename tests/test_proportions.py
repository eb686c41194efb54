"""Exact binomial intervals: hand cases, then R's binom.test."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from mst_helpers.proportions import clopper_pearson, rule_of_three

from .conftest import FIXTURES, rscript


def test_zero_events_by_hand():
    # Upper bound solves (1 - p)^n = 0.025.
    ci = clopper_pearson(0, 29)
    assert ci.lower == 0 and ci.upper == pytest.approx(1 - 0.025 ** (1 / 29))


def test_all_events_by_hand():
    ci = clopper_pearson(9, 9)
    assert ci.upper == 1 and ci.lower == pytest.approx(0.025 ** (1 / 9))


def test_text_and_rule_of_three():
    assert clopper_pearson(1, 29).as_percent() == "3.4% (0.1–17.8)"
    assert rule_of_three(29) == pytest.approx(0.1034, abs=1e-4)


@pytest.mark.parametrize("k, n", [(-1, 5), (6, 5), (1, 0), (1.5, 3)])
def test_bad_input(k, n):
    with pytest.raises(ValueError):
        clopper_pearson(k, n)


def test_against_r_binom_test():
    """R: binom.test(k, n, conf.level = level)$conf.int (fixture: tests/fixtures/binom_reference.R)."""
    reference = pd.read_csv(FIXTURES / "binom_reference.csv")
    for row in reference.itertuples():
        ci = clopper_pearson(int(row.k), int(row.n), row.level)
        assert ci.lower == pytest.approx(row.lower, abs=1e-9), row
        assert ci.upper == pytest.approx(row.upper, abs=1e-9), row


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None, reason="Rscript not installed")
def test_r_fixture_regenerates(tmp_path):
    out = tmp_path / "binom.csv"
    subprocess.run([rscript(), str(FIXTURES / "binom_reference.R"), str(out)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(FIXTURES / "binom_reference.csv"), rtol=1e-12)
