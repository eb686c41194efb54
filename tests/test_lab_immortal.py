"""The immortal-time lab on the Stanford heart-transplant programme: the data as lifelines ships
them, every value against R's survival (tests/fixtures/lab/stanford_reference.R ->
stanford_reference.csv), and the helpers it uses on small examples."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from mst_helpers import immortal, survival
from mst_helpers.lab_data import read_r_reference, stanford_heart

from .conftest import FIXTURES, r_has, rscript

LAB = FIXTURES / "lab"


def _reference() -> dict[tuple[str, str], float]:
    return read_r_reference(LAB / "stanford_reference.csv")


def _assert_cox(ours: dict, ref: dict, quantity: str, term: str) -> None:
    # R's coxph stops at a relative log-likelihood change below 1e-9: coefficients within 1e-6.
    assert ours["coef"] == pytest.approx(ref[(quantity, f"{term}.coef")], abs=1e-6), (quantity, term)
    assert ours["se"] == pytest.approx(ref[(quantity, f"{term}.se")], abs=1e-6), (quantity, term)
    assert ours["p"] == pytest.approx(ref[(quantity, f"{term}.p")], rel=1e-5, abs=1e-9), (quantity, term)


def test_the_fixture_is_the_data_lifelines_ships():
    from lifelines.datasets import load_stanford_heart_transplants

    pd.testing.assert_frame_equal(pd.read_csv(LAB / "stanford.csv"), load_stanford_heart_transplants(), check_dtype=False)


def test_naive_ever_transplanted_equals_r():
    """R: survdiff / coxph(Surv(futime, fustat) ~ ever) on one row per patient."""
    ref = _reference()
    patients = immortal.ever_exposed(stanford_heart(), "transplant")
    assert (len(patients), patients["event"].sum(), patients["ever"].sum()) == (
        ref[("naive", "n")], ref[("naive", "deaths")], ref[("naive", "transplanted")])
    test = survival.log_rank(patients, "ever")
    assert test.statistic == pytest.approx(ref[("naive", "logrank.statistic")], rel=1e-9)
    assert test.p_value == pytest.approx(ref[("naive", "logrank.p")], rel=1e-6)
    row = survival.cox_multivariable(patients, ["ever"])[0].set_index("covariate").loc["ever"]
    _assert_cox(row, ref, "naive", "ever")


def test_time_dependent_cox_alone_and_classic_model_equal_r():
    """R: coxph(Surv(start, stop, event) ~ transplant) and ~ age + year + surgery + transplant (Efron)."""
    ref, intervals = _reference(), stanford_heart()
    alone = immortal.time_dependent_cox(intervals, exposure="transplant")
    _assert_cox({"coef": alone.coef, "se": alone.se, "p": alone.p_value}, ref, "td", "transplant")
    adjusted = immortal.time_dependent_cox(intervals, adjust_for=("age", "year", "surgery"), exposure="transplant")
    _assert_cox({"coef": adjusted.coef, "se": adjusted.se, "p": adjusted.p_value}, ref, "td_adjusted", "transplant")


def test_mantel_byar_equals_r():
    ref = _reference()
    mb = immortal.mantel_byar(stanford_heart(), exposure="transplant")
    for key, name in (("observed", "observed"), ("expected", "expected"), ("variance", "variance"),
                      ("statistic", "statistic"), ("p_value", "p")):
        assert getattr(mb, key) == pytest.approx(ref[("mantel_byar", name)], rel=1e-9), key


@pytest.mark.parametrize("day", [14, 30, 60])
def test_landmarks_equal_r(day):
    """R: subset(futime > L), exposed = transplanted by day L, survdiff / coxph of Surv(futime - L, fustat)."""
    ref, q = _reference(), f"landmark{day}"
    frame = immortal.landmark_intervals(stanford_heart(), day, "transplant")
    assert (len(frame), frame["exposed"].sum(), frame["event"].sum()) == (ref[(q, "n")], ref[(q, "exposed")], ref[(q, "deaths")])
    test = survival.log_rank(frame, "exposed")
    assert test.statistic == pytest.approx(ref[(q, "logrank.statistic")], rel=1e-9)
    row = survival.cox_multivariable(frame, ["exposed"])[0].set_index("covariate").loc["exposed"]
    _assert_cox(row, ref, q, "exposed")


def test_ever_exposed_and_landmark_on_a_small_example():
    """Three subjects: exposed on day 5 and died on day 9; never exposed, died on day 3; exposed on
    day 12, censored on day 20."""
    cp = pd.DataFrame({"patient_id": [1, 1, 2, 3, 3], "start": [0, 5, 0, 0, 12], "stop": [5, 9, 3, 12, 20],
                       "event": [0, 1, 1, 0, 0], "x": [0, 1, 0, 0, 1], "age": [60, 60, 70, 50, 50]})
    naive = immortal.ever_exposed(cp, "x").set_index("patient_id")
    assert naive["time"].tolist() == [9, 3, 20] and naive["event"].tolist() == [1, 1, 0]
    assert naive["ever"].tolist() == [1, 0, 1] and naive["exposure_time"].fillna(-1).tolist() == [5, -1, 12]
    assert naive["age"].tolist() == [60, 70, 50]
    landmark = immortal.landmark_intervals(cp, 5, "x").set_index("patient_id")
    # Subject 2 died before the landmark; subject 1 was exposed on the landmark day, subject 3 later.
    assert landmark.index.tolist() == [1, 3]
    assert landmark["exposed"].tolist() == [1, 0] and landmark["time"].tolist() == [4, 15]


def test_the_null_simulation_shows_immortal_time_bias_and_its_correction():
    """No effect by construction: the naive hazard ratio is far below 1 for every seed tried, the
    time-dependent one includes 1; the same seed gives the same cohort."""
    pd.testing.assert_frame_equal(immortal.simulate_null_exposure(200, seed=3), immortal.simulate_null_exposure(200, seed=3))
    for seed in range(3):
        cp = immortal.simulate_null_exposure(600, seed=seed)
        naive = survival.cox_multivariable(immortal.ever_exposed(cp, "exposed"), ["ever"])[0].iloc[0]
        td = immortal.time_dependent_cox(cp, exposure="exposed")
        assert naive["upper"] < 0.5, seed
        assert td.lower < 1 < td.upper, seed
        # Exposure only while alive and followed: the switch lies inside follow-up.
        switched = cp[cp["exposed"] == 1]
        assert (switched["start"] > 0).all() and (switched["start"] < switched["stop"]).all()
    assert np.isclose(cp.groupby("patient_id")["event"].sum().max(), 1)


@pytest.mark.book
def test_the_chapter_records_r_s_values(built):
    """The chapter's results file holds the R-checked values to 1e-6."""
    values = json.loads((built[0] / "_build" / "results" / "15_lab_immortal.json").read_text())
    ref = _reference()
    assert values["naive.logrank.statistic"] == pytest.approx(ref[("naive", "logrank.statistic")], rel=1e-6)
    assert values["naive.coef"] == pytest.approx(ref[("naive", "ever.coef")], abs=1e-6)
    assert values["td.coef"] == pytest.approx(ref[("td", "transplant.coef")], abs=1e-6)
    assert values["td_adjusted.coef"] == pytest.approx(ref[("td_adjusted", "transplant.coef")], abs=1e-6)
    assert values["mantel_byar.statistic"] == pytest.approx(ref[("mantel_byar", "statistic")], rel=1e-6)
    for day in (14, 30, 60):
        assert values[f"landmark{day}.coef"] == pytest.approx(ref[(f"landmark{day}", "exposed.coef")], abs=1e-6)
        assert values[f"landmark{day}.logrank.statistic"] == pytest.approx(ref[(f"landmark{day}", "logrank.statistic")], rel=1e-6)


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None or not r_has("survival"), reason="Rscript with survival is not installed")
def test_r_reproduces_the_committed_reference(tmp_path):
    subprocess.run([rscript(), str(LAB / "stanford_reference.R"), str(LAB), str(tmp_path)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "stanford_reference.csv"), pd.read_csv(LAB / "stanford_reference.csv"),
                                  rtol=1e-10)
