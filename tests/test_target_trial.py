"""Target-trial emulation by clone–censor–weight: hand-worked cases first, then R.

R reference: ``tests/fixtures/immortal/ccw_reference.R`` (the same clones;
``K = survfit(Surv(time, artificial) ~ 1)`` per arm [× age group]; ``survSplit`` at its jumps;
``survfit(Surv(tstart, tstop, event) ~ arm, weights = 1 / K(tstart))``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mst_helpers import target_trial as tt
from mst_helpers.cohort import load_cohort

from .conftest import FIXTURES, ROOT, assert_r_fixtures_regenerate, r_has

IMMORTAL = FIXTURES / "immortal"


@pytest.fixture(scope="module")
def eligible():
    cohort = load_cohort(ROOT / "data" / "reconstructed")
    return tt.eligible_patients(cohort.patients, cohort.courses)


def _toy():
    """Four eligible patients, grace 2 months: A starts at 1 and dies at 5; B starts at 1.5,
    alive at 10; C never starts and dies at 4; D never starts and dies at 1 (inside the grace)."""
    return pd.DataFrame({"patient_id": list("ABCD"), "time": [5.0, 10.0, 4.0, 1.0], "event": [1, 0, 1, 1],
                         "switch": [1.0, 1.5, math.nan, math.nan], "age_group": ["x", "x", "y", "y"]})


def test_clones_by_hand():
    clones = tt.clone(_toy(), grace=2.0).set_index(["patient_id", "arm"])
    # start arm: A and B follow it; C is censored at the end of the grace; D died inside it (counts).
    assert clones.loc[("C", "start"), ["time", "event", "artificial"]].tolist() == [2.0, 0, 1]
    assert clones.loc[("D", "start"), ["time", "event", "artificial"]].tolist() == [1.0, 1, 0]
    # never arm: A and B are censored at their fourth course; C and D follow it to their deaths.
    assert clones.loc[("A", "never"), ["time", "event", "artificial"]].tolist() == [1.0, 0, 1]
    assert clones.loc[("B", "never"), ["time", "event", "artificial"]].tolist() == [1.5, 0, 1]
    assert clones.loc[("C", "never"), ["time", "event", "artificial"]].tolist() == [4.0, 1, 0]


def test_weights_and_weighted_km_by_hand():
    """never arm, pooled: D dies at 1 (1 of 4 at risk: S = 3/4); A is censored at 1 — ties put the
    death first, and K(1) = 1 − 1/4 = 3/4 (A among the 4 with time ≥ 1); B is censored at 1.5,
    K(1.5) = 3/4 × (1 − 1/2) = 3/8; C, alone, carries weight 8/3 and dies at 4: S = 0."""
    intervals = tt.weighted_intervals(tt.clone(_toy(), 2.0))
    c = intervals[(intervals["patient_id"] == "C") & (intervals["arm"] == "never")]
    assert c["weight"].tolist() == pytest.approx([1.0, 4 / 3, 8 / 3])
    km = tt.weighted_kaplan_meier(intervals)
    assert tt.survival_at(km, "never", 2) == pytest.approx(0.75)
    assert tt.survival_at(km, "never", 5) == 0.0
    # start arm: D dies at 1 (1 of 4); C censored at 2 → A, B weighted 1/(1 − 1/3) = 3/2; A dies at 5.
    assert tt.survival_at(km, "start", 3) == pytest.approx(0.75)
    assert tt.survival_at(km, "start", 6) == pytest.approx(0.75 * (1 - 1.5 / 3))
    # Beyond the arm's longest follow-up with S > 0 there is no estimate.
    assert math.isnan(tt.survival_at(km, "start", 11))


@pytest.mark.parametrize("model, strata", [("unweighted", "none"), ("pooled", None), ("age", "age_group")])
def test_weighted_survival_against_r(eligible, model, strata):
    """R: summary(survfit(Surv(tstart, tstop, event) ~ arm, weights = w), times = c(6, 12, 24, 60), extend = TRUE)."""
    ref = pd.read_csv(IMMORTAL / "ccw.csv")
    ref = ref[ref["model"] == model]
    clones = tt.clone(eligible, 3.5)
    if strata == "none":
        intervals = clones.assign(tstart=0.0, tstop=clones["time"], weight=1.0)
    else:
        intervals = tt.weighted_intervals(clones, strata)
    km = tt.weighted_kaplan_meier(intervals)
    for r in ref.itertuples():
        assert tt.survival_at(km, r.arm, r.time) == pytest.approx(r.surv, abs=1e-10)
    counts = pd.read_csv(IMMORTAL / "ccw_counts.csv").set_index("arm")
    assert len(eligible) == counts["eligible"].iloc[0]
    for arm, sub in clones.groupby("arm"):
        assert (sub["artificial"].sum(), sub["event"].sum()) == (counts.at[arm, "artificially_censored"], counts.at[arm, "deaths"])
        if strata != "none":
            column = "max_weight_age" if strata else "max_weight_pooled"
            assert intervals.loc[intervals["arm"] == arm, "weight"].max() == pytest.approx(counts.at[arm, column], rel=1e-12)


def test_positivity_counts(eligible):
    table = tt.positivity(eligible, 3.5).set_index("stratum")
    assert (table["started"] + table["never"] <= table["eligible"]).all()
    assert table["eligible"].sum() == len(eligible)


def test_bootstrap_counts_resamples_without_a_comparator(eligible):
    result = tt.clone_censor_weight(eligible, 3.5, 12, "age_group", n_boot=60, seed=1)
    again = tt.clone_censor_weight(eligible, 3.5, 12, "age_group", n_boot=60, seed=1)
    assert result == again                                   # seeded
    assert result.never_followed == 1
    # A resample without the lone patient who never started has no "never" estimate at 12 months.
    assert 0 < result.boot_undefined < 60
    assert result.difference == pytest.approx(result.survival_start - result.survival_never)
    assert np.isfinite(result.max_weight)


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_ccw_fixtures_regenerate(tmp_path):
    assert_r_fixtures_regenerate(IMMORTAL / "ccw_reference.R", ("ccw.csv", "ccw_counts.csv", "cause_specific_td.csv"), tmp_path)
