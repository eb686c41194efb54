"""The competing-risks lab on Scrucca et al.'s transplant data: the data as scikit-survival ships
them, every value against R's cmprsk and survival (tests/fixtures/lab/bmt_reference.R ->
bmt_reference.csv), and the teaching helpers on their own."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from mst_helpers import competing
from mst_helpers.lab_data import bmt, read_r_reference

from .conftest import FIXTURES, r_has, rscript

LAB = FIXTURES / "lab"
HORIZONS = (6, 12, 24, 36)


def _reference() -> dict[tuple[str, str], float]:
    return read_r_reference(LAB / "bmt_reference.csv")


def test_the_fixture_is_the_data_scikit_survival_ships():
    from sksurv.datasets import load_bmt

    x, y = load_bmt()
    shipped = pd.DataFrame({"ftime": y["ftime"], "status": y["status"], "dis": x["dis"].astype(int).to_numpy()})
    pd.testing.assert_frame_equal(pd.read_csv(LAB / "bmt.csv"), shipped, check_dtype=False)
    d = bmt()
    assert (d["months"].to_numpy() == shipped["ftime"].to_numpy()).all() and (d["aml"] == shipped["dis"]).all()


@pytest.mark.parametrize("cause", [1, 2])
def test_gray_and_cumulative_incidence_equal_cmprsk(cause):
    """R: cuminc(ftime, status, dis)$Tests and timepoints(cuminc(...), c(6, 12, 24, 36))."""
    ref, d = _reference(), bmt()
    test = competing.gray_test(d["months"], d["event"], d["disease"], cause)
    assert test.statistic == pytest.approx(ref[(f"gray{cause}", "statistic")], rel=1e-9)
    assert test.p_value == pytest.approx(ref[(f"gray{cause}", "p")], rel=1e-9)
    at = competing.cif_at(competing.cumulative_incidence(d["months"], d["event"], d["disease"], cause), HORIZONS)
    for r in at.itertuples():
        assert r.estimate == pytest.approx(ref[(f"cif{cause}.{r.group}", f"t{r.time:g}")], abs=1e-12)


@pytest.mark.parametrize("cause", [1, 2])
def test_fine_gray_equals_crr(cause):
    """R: crr(ftime, status, cbind(dis), failcode = cause): the coefficient to 1e-6; the robust SE
    within 1% of crr's own (the chapter says so, and shows both)."""
    ref, d = _reference(), bmt()
    fg = competing.fine_gray(d, "months", "event", ["aml"], cause=cause).iloc[0]
    assert fg["coef"] == pytest.approx(ref[(f"crr{cause}", "dis.coef")], abs=1e-6)
    assert fg["se"] == pytest.approx(ref[(f"crr{cause}", "dis.se_crr")], rel=1e-2)


@pytest.mark.parametrize("cause", [1, 2])
def test_one_minus_km_and_overall_cif_equal_r(cause):
    """R: 1 - summary(survfit(Surv(ftime, status == cause) ~ 1), times)$surv, and cuminc without groups."""
    ref, d = _reference(), bmt()
    km = competing.one_minus_km(d["months"], d["event"], cause)
    aj = competing.cif_at(competing.cumulative_incidence(d["months"], d["event"], None, cause), HORIZONS).set_index("time")
    for h in HORIZONS:
        assert float(km.loc[km["time"] <= h, "estimate"].iloc[-1]) == pytest.approx(ref[(f"one_minus_km{cause}", f"t{h}")], abs=1e-12)
        assert aj.at[h, "estimate"] == pytest.approx(ref[(f"cif{cause}.all", f"t{h}")], abs=1e-12)


def test_aalen_johansen_by_hand_equals_the_estimator():
    d = bmt()
    for cause in (1, 2):
        steps = competing.aalen_johansen_steps(d["months"], d["event"], cause)
        cif = competing.cumulative_incidence(d["months"], d["event"], None, cause)
        at = competing.cif_at(cif, steps["time"]).set_index("time")["estimate"]
        np.testing.assert_allclose(steps["cif"].to_numpy(), at.to_numpy(), atol=1e-12)
    # Three patients, one relapse at 1, one competing death at 2, one censored at 3.
    small = competing.aalen_johansen_steps([1, 2, 3], [1, 2, 0], 1)
    assert small["at_risk"].tolist() == [3, 2] and small["cif"].tolist() == pytest.approx([1 / 3, 1 / 3])


def test_heavy_competing_mortality_separates_one_minus_km_from_the_cif():
    """Constant hazards a = 0.02 and b = 0.08: the true CIF levels off at a/(a+b) = 20%; 1 − KM,
    with the deaths censored, estimates 1 − exp(−a t) and climbs far above it."""
    toy = competing.simulate_competing(4000, seed=1)
    pd.testing.assert_frame_equal(toy, competing.simulate_competing(4000, seed=1))
    aj = competing.cumulative_incidence(toy["time"], toy["event"], None, 1)
    km = competing.one_minus_km(toy["time"], toy["event"], 1)
    assert float(aj["estimate"].iloc[-1]) == pytest.approx(0.2 * (1 - np.exp(-0.1 * 60)), abs=0.02)
    at_24 = float(km.loc[km["time"] <= 24, "estimate"].iloc[-1])
    assert at_24 == pytest.approx(1 - np.exp(-0.02 * 24), abs=0.05)
    assert at_24 > 1.5 * float(competing.cif_at(aj, [24])["estimate"].iloc[0])


@pytest.mark.book
def test_the_chapter_records_r_s_values(built):
    values = json.loads((built[0] / "_build" / "results" / "16_lab_competing.json").read_text())
    ref = _reference()
    for cause, key in ((1, "trm"), (2, "relapse")):
        assert values[f"gray.{key}.statistic"] == pytest.approx(ref[(f"gray{cause}", "statistic")], rel=1e-6)
        assert values[f"gray.{key}.p"] == pytest.approx(ref[(f"gray{cause}", "p")], rel=1e-6)
        assert values[f"fine_gray.{key}.coef"] == pytest.approx(ref[(f"crr{cause}", "dis.coef")], abs=1e-6)
    assert values["overall.relapse.aj.36"] == pytest.approx(100 * ref[("cif2.all", "t36")], abs=1e-6)
    assert values["overall.relapse.km.36"] == pytest.approx(100 * ref[("one_minus_km2", "t36")], abs=1e-6)


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None or not (r_has("cmprsk") and r_has("survival")), reason="Rscript with cmprsk is not installed")
def test_r_reproduces_the_committed_reference(tmp_path):
    subprocess.run([rscript(), str(LAB / "bmt_reference.R"), str(LAB), str(tmp_path)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "bmt_reference.csv"), pd.read_csv(LAB / "bmt_reference.csv"), rtol=1e-10)
