"""Profile-likelihood intervals, a step-function hazard ratio, KM differences and Schoenfeld's
power formula: hand-worked cases, then R.

R reference: ``tests/fixtures/survival/cox_extras_reference.R``:
``coxph(..., init = b, control = coxph.control(iter.max = 0))$loglik[2]`` with ``uniroot`` for the
profile bounds; ``coxph(Surv(tstart, time, event) ~ age_over_70:strata(period))`` after
``survSplit(cut = 12)``; ``summary(survfit(...), times = c(12, 36), extend = TRUE)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mst_helpers import power, profile_likelihood, survival
from mst_helpers.cohort import load_cohort
from mst_helpers.proportional_hazards import step_coefficient

from .conftest import FIXTURES, ROOT, assert_r_fixtures_regenerate, r_has

SURV = FIXTURES / "survival"


@pytest.fixture(scope="module")
def frames():
    patients = load_cohort(ROOT / "data" / "reconstructed").patients
    return {endpoint: survival.analysis_frame(patients, endpoint) for endpoint in ("os", "lfs")}


def test_partial_likelihood_by_hand():
    """Three patients, deaths at 1 and 2, x = (1, 0, 0): at β, ℓ = β − log(e^β + 2) + 0 − log(2)."""
    b = 0.7
    value = profile_likelihood.log_partial_likelihood(b, [1, 2, 3], [1, 1, 0], [1, 0, 0])
    assert value == pytest.approx(b - math.log(math.exp(b) + 2) - math.log(2), abs=1e-12)


def test_efron_ties_by_hand():
    """Two tied deaths among three (x = 1, 0, 0): Efron's second term uses the risk set minus half the tied risk."""
    b = 0.4
    value = profile_likelihood.log_partial_likelihood(b, [1, 1, 2], [1, 1, 0], [1, 0, 0])
    full, tied = math.exp(b) + 2, math.exp(b) + 1
    assert value == pytest.approx(b - math.log(full) - math.log(full - tied / 2), abs=1e-12)


def test_separated_interval_is_open_on_one_side():
    # Every death in the x = 1 group: the likelihood rises towards β → +∞.
    interval = profile_likelihood.profile_interval([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0])
    assert interval.separated and math.isnan(interval.coef)
    assert interval.upper == math.inf and np.isfinite(interval.lower)


def test_profile_intervals_against_r(frames):
    ref = pd.read_csv(SURV / "profile_ci.csv")
    for r in ref.itertuples():
        f = frames[r.endpoint]
        ours = profile_likelihood.profile_interval(f["time"], f["event"], f[r.covariate])
        assert ours.separated == r.separated, (r.endpoint, r.covariate)
        assert ours.loglik_max == pytest.approx(r.loglik_max, abs=1e-6)
        for bound in ("lower", "upper"):
            expected = float(getattr(r, bound))
            if math.isinf(expected):
                assert getattr(ours, bound) == expected
            else:
                assert getattr(ours, bound) == pytest.approx(expected, abs=1e-6)
        if not r.separated:
            assert ours.coef == pytest.approx(r.coef, abs=1e-6)


def test_step_coefficient_against_r(frames):
    ref = pd.read_csv(SURV / "time_varying_age.csv")
    ours = step_coefficient(frames["os"], "age_over_70", 12)
    np.testing.assert_allclose(ours["coef"], ref["coef"], atol=1e-6)
    np.testing.assert_allclose(ours["se"], ref["se"], atol=1e-6)
    assert ours["events"].tolist() == ref["events_in_period"].tolist()


def test_survival_difference_against_r(frames):
    ref = pd.read_csv(SURV / "km_difference.csv")
    for endpoint, sub in ref.groupby("endpoint"):
        ours = survival.survival_difference(frames[endpoint], "age_group", [12, 36]).set_index("time")
        for r in sub.itertuples():
            row = ours.loc[float(r.time)]
            if r.group == "difference":
                assert row["difference"] == pytest.approx(r.surv, abs=1e-10)
                if np.isfinite(r.std_err):
                    assert row["se"] == pytest.approx(r.std_err, abs=1e-8)
                else:   # R: NaN where a curve reached 0; here that group contributes SE 0
                    assert row["note"].endswith("no survivor left, SE 0")
            else:
                assert row[r.group] == pytest.approx(r.surv, abs=1e-10)


def test_minimum_detectable_hr_by_hand():
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)       # 1.960 + 0.842 = 2.802
    assert power.minimum_detectable_hr(21, 0.5) == pytest.approx(math.exp(z / math.sqrt(21 * 0.25)))
    assert power.schoenfeld_events(2.0, 0.5) == pytest.approx(4 * z * z / math.log(2) ** 2)
    # Unequal groups need more events for the same hazard ratio.
    assert power.minimum_detectable_hr(21, 0.2) > power.minimum_detectable_hr(21, 0.5)
    with pytest.raises(ValueError, match="share"):
        power.minimum_detectable_hr(21, 1.0)


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_cox_extras_fixtures_regenerate(tmp_path):
    assert_r_fixtures_regenerate(SURV / "cox_extras_reference.R", ("profile_ci.csv", "time_varying_age.csv", "km_difference.csv"), tmp_path)
