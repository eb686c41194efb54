"""Immortal time, confounding and reverse causation: the ">3 courses" analyses of chapter 7.

R references: ``tests/fixtures/immortal/immortal_reference.R`` (``survival::tmerge`` +
``coxph(Surv(tstart, tstop, death) ~ gt3 + older + relapsed)``, and the 8-month landmark).
"""

from __future__ import annotations

import itertools
import subprocess

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test

from mst_helpers import immortal
from mst_helpers.cohort import load_cohort

from .conftest import FIXTURES, ROOT, assert_r_fixtures_regenerate, r_has, rscript

IMMORTAL = FIXTURES / "immortal"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(ROOT / "data" / "reconstructed")


@pytest.mark.parametrize("model, adjust_for", [("unadjusted", ()), ("age", ("older",)),
                                               ("age_relapse", ("older", "relapsed"))])
def test_time_dependent_cox_adjusted_against_r(cohort, model, adjust_for):
    """R: coxph(Surv(tstart, tstop, death) ~ gt3 [+ older [+ relapsed]]) on tmerge data (Efron)."""
    ref = pd.read_csv(IMMORTAL / "cox_time_dependent_adjusted.csv").set_index("model").loc[model]
    cp = immortal.counting_process(cohort.patients, cohort.courses, "os", relapse=True)
    assert cp["event"].sum() == ref["events"]
    fit = immortal.time_dependent_cox(cp, adjust_for)
    assert fit.coef == pytest.approx(ref["coef"], abs=1e-6)
    assert fit.se == pytest.approx(ref["se"], abs=1e-6)


def test_relapse_split_keeps_each_patient_and_death(cohort):
    cp = immortal.counting_process(cohort.patients, cohort.courses, "os", relapse=True)
    assert cp.groupby("patient_id")["event"].sum().sum() == cohort.patients["death"].sum()
    assert (cp["stop"] > cp["start"]).all()
    relapsed = set(cp.loc[cp["relapsed"] == 1, "patient_id"])
    assert relapsed == set(cohort.patients.loc[cohort.patients["relapse"] == 1, "patient_id"])
    with pytest.raises(ValueError, match="endpoint='os'"):
        immortal.counting_process(cohort.patients, cohort.courses, "lfs", relapse=True)


def test_landmark_after_the_window_against_r(cohort):
    """R: coxph(Surv(time - 8, death) ~ gt3_by_8) among patients alive at 8 months."""
    ref = pd.read_csv(IMMORTAL / "landmark.csv").iloc[0]
    table = immortal.sequential_landmarks(cohort.patients, cohort.courses, [8]).iloc[0]
    assert (table["n"], table["n_exposed"]) == (ref["n"], ref["n_exposed"])
    for column in ("hr", "lower", "upper"):
        assert table[column] == pytest.approx(ref[column], rel=1e-6)


def _brute_force_permutation_p(time, event, group):
    """Every labelling listed and tested with lifelines (itself checked against R survdiff)."""
    time, event, group = map(np.asarray, (time, event, group))
    k, n = int(group.sum()), len(group)

    def chi2(labels):
        a, b = labels == 1, labels == 0
        return logrank_test(time[a], time[b], event[a], event[b]).test_statistic

    observed = chi2(group)
    values = []
    for chosen in itertools.combinations(range(n), k):
        labels = np.zeros(n, int)
        labels[list(chosen)] = 1
        values.append(chi2(labels))
    return float(np.mean(np.array(values) >= observed - 1e-9))


@pytest.mark.parametrize("time, event, group", [
    ([1, 2, 3, 4, 5, 6, 7], [1, 1, 0, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0]),
    ([2, 2, 3, 5, 5, 8, 9, 11], [1, 1, 1, 0, 1, 1, 0, 1], [0, 1, 0, 0, 1, 0, 0, 0]),   # tied times
])
def test_permutation_logrank_lists_every_labelling(time, event, group):
    p, labellings = immortal.permutation_logrank(time, event, group)
    k = min(sum(group), len(group) - sum(group))
    assert labellings == len(list(itertools.combinations(range(len(group)), k)))
    assert p == pytest.approx(_brute_force_permutation_p(time, event, group), abs=1e-12)


def test_permutation_logrank_refuses_what_it_cannot_list():
    with pytest.raises(ValueError, match="max_tables"):
        immortal.permutation_logrank(range(40), [1] * 40, [0, 1] * 20, max_tables=1000)
    with pytest.raises(ValueError, match="two groups"):
        immortal.permutation_logrank([1, 2], [1, 1], [0, 0])


def test_sequential_landmarks_mark_the_exposure_window(cohort):
    """Before the last fourth course a landmark compares early with later fourth courses."""
    last = float(immortal.switch_times(cohort.patients, cohort.courses).max())
    table = immortal.sequential_landmarks(cohort.patients, cohort.courses, [5, 6, 7, 8, 9])
    assert list(table["after_window"]) == [lm > last for lm in [5, 6, 7, 8, 9]]
    assert (table["n_exposed"] + table["n_unexposed"] == table["n"]).all()
    small = table[(table[["n_exposed", "n_unexposed"]].min(axis=1) < 5) & (table[["n_exposed", "n_unexposed"]].min(axis=1) > 0)]
    assert small["exact_p"].notna().all() and (small["labellings"] > 0).all()


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_immortal_fixtures_regenerate(tmp_path):
    subprocess.run([rscript(), str(IMMORTAL / "immortal_reference.R"), str(ROOT / "data" / "reconstructed"), str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("cox_time_dependent_adjusted.csv", "landmark.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(IMMORTAL / name), rtol=1e-10)


@pytest.mark.parametrize("cause", ["relapse", "nrm"])
@pytest.mark.parametrize("model, adjust_for", [("unadjusted", ()), ("age", ("older",))])
def test_cause_specific_time_dependent_cox_against_r(cohort, cause, model, adjust_for):
    """R (ccw_reference.R): coxph(Surv(tstart, tstop, event) ~ gt3 [+ older]) for one cause from
    diagnosis, the other causes censoring. NRM has no event in the '≤ 3' state after the first
    fourth course: R's estimate runs off (coef ~ 16, SE ~ 1e4) and ours must say 'separated'."""
    ref = pd.read_csv(IMMORTAL / "cause_specific_td.csv").set_index(["cause", "model"]).loc[(cause, model)]
    cp = immortal.counting_process(cohort.patients, cohort.courses, cause)
    assert cp["event"].sum() == ref["events"]
    fit = immortal.time_dependent_cox(cp, adjust_for)
    if ref["se"] > 100:
        assert fit.separated
    else:
        assert not fit.separated
        assert fit.coef == pytest.approx(ref["coef"], abs=1e-6)
        assert fit.se == pytest.approx(ref["se"], abs=1e-6)


def test_conclusion_is_computed_from_the_intervals():
    table = pd.DataFrame({"method": ["naive", "landmark", "adjusted", "trial"], "lower": [0.01, 0.01, 0.2, np.nan],
                          "upper": [0.1, 0.5, 1.3, np.nan], "removes": ["nothing", "immortal time", "immortal time, age", "x"]})
    assert immortal.conclusion(table) == "the interval excludes a hazard ratio of 1 for landmark; it includes 1 for adjusted"
    assert immortal.excludes_one(1.2, 3.0) and not immortal.excludes_one(0.5, 1.5)
    none = table.assign(lower=np.nan, upper=np.nan)
    assert immortal.conclusion(none) == "no method that removes immortal time gives an interval"


def test_exact_permutation_p_against_r(cohort):
    """R (permutation_reference.R): every labelling (combn) tested with survdiff at the 8- and
    12-month landmarks; p = share of labellings with a chi-square at least the observed one."""
    ref = pd.read_csv(IMMORTAL / "permutation.csv").set_index("landmark")
    table = immortal.sequential_landmarks(cohort.patients, cohort.courses, [8, 12]).set_index("landmark")
    for landmark in (8, 12):
        assert table.at[landmark, "labellings"] == ref.at[landmark, "labellings"]
        assert table.at[landmark, "exact_p"] == pytest.approx(ref.at[landmark, "exact_p"], abs=1e-12)


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_permutation_fixture_regenerates(tmp_path):
    assert_r_fixtures_regenerate(IMMORTAL / "permutation_reference.R", ("permutation.csv",), tmp_path)
