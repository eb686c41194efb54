"""The methods lab on the Freireich 6-MP trial: the data as lifelines ships them, every value
against R's survival (tests/fixtures/lab/leukemia_reference.R -> reference.csv)."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from mst_helpers import survival
from mst_helpers.lab_data import leukemia, read_r_reference

from .conftest import FIXTURES, r_has, rscript

LAB = FIXTURES / "lab"


def _reference() -> dict[tuple[str, str], float]:
    return read_r_reference(LAB / "reference.csv")


def _frame() -> pd.DataFrame:
    return leukemia().rename(columns={"weeks": "time", "relapse": "event"})


def test_the_fixture_is_the_data_lifelines_ships():
    from lifelines.datasets import load_leukemia

    pd.testing.assert_frame_equal(pd.read_csv(LAB / "leukemia.csv"), load_leukemia(), check_dtype=False)


def test_log_rank_by_hand_and_by_code_equal_r():
    """R: survdiff(Surv(t, status) ~ Rx): chisq, obs, exp and var of the 6-MP arm."""
    ref, frame = _reference(), _frame()
    test = survival.log_rank(frame, "arm")
    assert test.statistic == pytest.approx(ref[("logrank", "statistic")], rel=1e-9)
    assert test.p_value == pytest.approx(ref[("logrank", "p")], rel=1e-6)
    oe = survival.observed_expected(frame, "arm")
    assert oe["observed_1"].sum() == ref[("logrank", "observed_6mp")]
    assert oe["expected_1"].sum() == pytest.approx(ref[("logrank", "expected_6mp")], rel=1e-9)
    assert oe["variance"].sum() == pytest.approx(ref[("logrank", "variance")], rel=1e-9)
    assert (oe["observed_1"].sum() - oe["expected_1"].sum()) ** 2 / oe["variance"].sum() == pytest.approx(test.statistic, rel=1e-12)


def test_medians_and_cox_models_equal_r():
    """R: survfit medians; coxph(Surv(t, status) ~ Rx [+ logWBC]) (Efron), coefficients, SEs and p."""
    ref, frame = _reference(), _frame()
    medians = survival.median_survival(frame, "arm").set_index("group")["median"]
    assert medians["6-MP"] == ref[("median", "6-MP")] and medians["placebo"] == ref[("median", "placebo")]
    for name, covariates in (("Rx", ["placebo"]), ("Rx+logWBC", ["placebo", "log_wbc"])):
        table = survival.cox_multivariable(frame, covariates)[0].set_index("covariate")
        for ours, theirs in (("placebo", "Rx"), ("log_wbc", "logWBC")):
            if ours not in covariates:
                continue
            # R's coxph stops at its own tolerance (a relative change of the log-likelihood below 1e-9),
            # so its coefficients sit within 1e-6 of the tighter optimum, and small p-values within 1e-5 relative.
            for key in ("coef", "se"):
                assert table.at[ours, key] == pytest.approx(ref[(f"cox:{name}", f"{theirs}.{key}")], abs=1e-6), (name, ours, key)
            assert table.at[ours, "p"] == pytest.approx(ref[(f"cox:{name}", f"{theirs}.p")], rel=1e-5), (name, ours)


@pytest.mark.book
def test_the_chapter_records_r_s_values(built):
    """The chapter's results file holds the R-checked values (log-rank, hazard ratios) to 1e-6."""
    project = built[0]
    values = json.loads((project / "_build" / "results" / "14_lab_km.json").read_text())
    ref = _reference()
    assert values["logrank.statistic"] == pytest.approx(ref[("logrank", "statistic")], rel=1e-6)
    assert values["by_hand.statistic"] == pytest.approx(ref[("logrank", "statistic")], rel=1e-6)
    assert values["cox.alone.placebo.coef"] == pytest.approx(ref[("cox:Rx", "Rx.coef")], abs=1e-6)
    assert values["cox.adjusted.placebo.coef"] == pytest.approx(ref[("cox:Rx+logWBC", "Rx.coef")], abs=1e-6)
    assert values["cox.adjusted.log_wbc.coef"] == pytest.approx(ref[("cox:Rx+logWBC", "logWBC.coef")], abs=1e-6)


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None or not r_has("survival"), reason="Rscript with survival is not installed")
def test_r_reproduces_the_committed_reference(tmp_path):
    subprocess.run([rscript(), str(LAB / "leukemia_reference.R"), str(LAB), str(tmp_path)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "reference.csv"), pd.read_csv(LAB / "reference.csv"), rtol=1e-10)
