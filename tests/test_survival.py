"""Survival helpers: a 5-patient KM and log-rank by hand, then R's survival on the cohort."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from mst_helpers import immortal, survival
from mst_helpers.cohort import load_cohort

from .conftest import FIXTURES, ROOT, r_has, rscript

SURV = FIXTURES / "survival"
FIVE = pd.DataFrame({"time": [2.0, 3.0, 3.0, 5.0, 8.0], "event": [1, 0, 1, 1, 0], "arm": ["a", "a", "b", "b", "b"]})


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(ROOT / "data" / "reconstructed")


def _frames(cohort):
    frames = {ep: survival.analysis_frame(cohort.patients, ep) for ep in ("os", "lfs")}
    median_age = cohort.patients["donor_age"].median()
    for frame in frames.values():
        frame["donor_older"] = (frame["donor_age"] > median_age).astype(int)
    return frames


def test_km_by_hand():
    # S(2) = 4/5; at t = 3 one death among 4 at risk: S = 4/5 * 3/4 = 0.6; at t = 5: 0.6 * 1/2 = 0.3.
    km = survival.kaplan_meier(FIVE)
    assert km.set_index("time").loc[[2.0, 3.0, 5.0], "survival"].tolist() == pytest.approx([0.8, 0.6, 0.3])
    # Greenwood at t = 3: S^2 (1/(5*4) + 1/(4*3)) = 0.36 * (0.05 + 0.08333) -> se = 0.21909.
    assert km.set_index("time").at[3.0, "se"] == pytest.approx(0.6 * np.sqrt(1 / 20 + 1 / 12))


def test_log_rank_by_hand():
    # Event times 2 (a), 3 (b), 5 (b). At t=2: n=5 (a 2), d=1 -> E_a = 0.4, V = 0.24.
    # t=3: n=4 (a 1: the a censored at 3 is still at risk), d=1 -> E_a = 0.25, V = 0.1875.
    # t=5: n=2 (a 0) -> E_a = 0, V = 0. O_a = 1: chi2 = (1 - 0.65)^2 / 0.4275.
    res = survival.log_rank(FIVE, "arm")
    assert res.statistic == pytest.approx((1 - 0.65) ** 2 / 0.4275)


def test_bad_survival_input():
    with pytest.raises(ValueError, match="negative"):
        survival.kaplan_meier(FIVE.assign(time=[-1, 2, 3, 4, 5]))
    with pytest.raises(ValueError, match="fewer than two groups"):
        survival.log_rank(FIVE.assign(arm="a"), "arm")
    with pytest.raises(ValueError, match="endpoint"):
        survival.analysis_frame(pd.DataFrame(), "pfs")


def test_mantel_byar_without_switches_is_the_log_rank():
    cp = pd.DataFrame({"patient_id": range(5), "start": 0.0, "stop": FIVE["time"], "event": FIVE["event"],
                       "gt3": (FIVE["arm"] == "b").astype(int)})
    assert immortal.mantel_byar(cp).statistic == pytest.approx(survival.log_rank(FIVE, "arm").statistic)


def test_mantel_byar_by_hand_with_a_switch():
    # Patient x switches to gt3 at 1 and dies at 4; y dies at 2 (gt3 = 0); z censored at 5 (gt3 = 0).
    cp = pd.DataFrame({"patient_id": ["x", "x", "y", "z"], "start": [0, 1, 0, 0], "stop": [1, 4, 2, 5],
                       "event": [0, 1, 1, 0], "gt3": [0, 1, 0, 0]})
    # t=2: n=3, n1=1 (x), d=1 (y, gt3 0): E1 = 1/3, V = 2/9. t=4: n=2, n1=1, d=1 (x): E1 = 1/2, V = 1/4.
    res = immortal.mantel_byar(cp)
    assert res.observed == 1 and res.expected == pytest.approx(1 / 3 + 1 / 2)
    assert res.statistic == pytest.approx((1 - 5 / 6) ** 2 / (2 / 9 + 1 / 4))


def test_counting_process_splits_at_the_fourth_infusion(cohort):
    cp = immortal.counting_process(cohort.patients, cohort.courses, "os")
    assert cp.groupby("patient_id")["stop"].max().size == 29
    switched = cp[cp["gt3"] == 1]["patient_id"]
    assert set(switched) == set(cohort.patients.loc[cohort.patients["mst_courses"] > 3, "patient_id"])
    assert (cp["stop"] > cp["start"]).all()
    assert cp.groupby("patient_id")["event"].sum().sum() == cohort.patients["death"].sum()


def test_km_against_r(cohort):
    """R: survfit(Surv(time, event) ~ 1) per age group; SE of S = surv * std.err."""
    reference = pd.read_csv(SURV / "km.csv")
    frames = _frames(cohort)
    for (endpoint, group), ref in reference.groupby(["endpoint", "group"]):
        km = survival.kaplan_meier(frames[endpoint][frames[endpoint]["age_group"] == group])
        km = km[km["events"] > 0].reset_index(drop=True)
        assert km["time"].to_numpy() == pytest.approx(ref["time"].to_numpy(), abs=1e-9)
        assert km["at_risk"].to_numpy() == pytest.approx(ref["n_risk"].to_numpy())
        assert km["survival"].to_numpy() == pytest.approx(ref["surv"].to_numpy(), abs=1e-6)
        se_ref = ref["se_surv"].fillna(0).to_numpy()
        assert np.nan_to_num(km["se"].to_numpy()) == pytest.approx(se_ref, abs=1e-6)


def test_log_rank_against_r(cohort):
    """R: survdiff(Surv(time, event) ~ group)."""
    reference = pd.read_csv(SURV / "logrank.csv")
    frames = _frames(cohort)
    for row in reference.itertuples():
        res = survival.log_rank(frames[row.endpoint], row.group)
        assert res.statistic == pytest.approx(row.chisq, abs=1e-6)
        assert res.p_value == pytest.approx(row.p, rel=1e-6)


def test_cox_against_r(cohort):
    """R: coxph(Surv(time, event) ~ x), Efron ties; separated fits are skipped (flagged unconverged)."""
    reference = pd.read_csv(SURV / "cox.csv")
    frames = _frames(cohort)
    compared = 0
    for endpoint, ref in reference.groupby("endpoint"):
        uni = survival.cox_univariate(frames[endpoint]).set_index("covariate")
        for row in ref.itertuples():
            if not uni.at[row.covariate, "converged"]:
                continue
            assert uni.at[row.covariate, "coef"] == pytest.approx(row.coef, abs=1e-6), (endpoint, row.covariate)
            assert uni.at[row.covariate, "se"] == pytest.approx(row.se, abs=1e-6), (endpoint, row.covariate)
            compared += 1
    assert compared >= 12


def test_likelihood_ratio_p_against_r(cohort):
    """R: summary(coxph(Surv(time, event) ~ x))$logtest["pvalue"] — for every covariate, including
    the separated ones whose Wald test is uninformative (R and lifelines stop at a large finite
    coefficient where the likelihood is flat, so the LR statistic agrees)."""
    reference = pd.read_csv(SURV / "cox.csv")
    frames = _frames(cohort)
    for endpoint, ref in reference.groupby("endpoint"):
        uni = survival.cox_univariate(frames[endpoint]).set_index("covariate")
        for row in ref.itertuples():
            assert uni.at[row.covariate, "lr_p"] == pytest.approx(row.lr_p, abs=1e-6, rel=1e-5), (endpoint, row.covariate)


def test_restricted_mean_by_hand():
    # Deaths at 2 (n = 4) and 6 (n = 2), censored at 4 and 8; tau = 10.
    # S = 1 on [0, 2), 3/4 on [2, 6), 3/8 on [6, 10]: RMST = 2 + 3 + 1.5 = 6.5.
    # A(2) = 3 + 1.5 = 4.5, A(6) = 1.5: var = 4.5^2 * 1/(4*3) + 1.5^2 * 1/(2*1) = 1.6875 + 1.125.
    frame = pd.DataFrame({"time": [2.0, 4, 6, 8], "event": [1, 0, 1, 0], "g": "a"})
    row = survival.restricted_mean(frame, "g", tau=10).iloc[0]
    assert row["rmst"] == pytest.approx(6.5) and row["se"] == pytest.approx((1.6875 + 1.125) ** 0.5)


def test_restricted_mean_against_r(cohort):
    """R: summary(survfit(Surv(time, event) ~ age_group), rmean = 60)$table[, c("rmean", "se(rmean)")]."""
    reference = pd.read_csv(SURV / "rmst.csv")
    frames = _frames(cohort)
    for endpoint, ref in reference.groupby("endpoint"):
        ours = survival.restricted_mean(frames[endpoint], "age_group", tau=60).set_index("group")
        for row in ref.itertuples():
            assert ours.at[row.group, "rmst"] == pytest.approx(row.rmean, abs=1e-8), (endpoint, row.group)
            assert ours.at[row.group, "se"] == pytest.approx(row.se_rmean, abs=1e-8), (endpoint, row.group)
        diff = ours.loc["difference"]
        assert diff["rmst"] == pytest.approx(ours.at[">70", "rmst"] - ours.at["60-70", "rmst"])


def test_time_dependent_cox_and_mantel_byar_against_r(cohort):
    """R: coxph(Surv(start, stop, event) ~ gt3) (Efron); the Mantel–Byar statistic equals the
    Breslow score test when no two events share a time."""
    reference = pd.read_csv(SURV / "cox_time_dependent.csv")
    for row in reference.itertuples():
        cp = immortal.counting_process(cohort.patients, cohort.courses, row.endpoint)
        assert len(cp) == row.rows
        td = immortal.time_dependent_cox(cp)
        assert td.coef == pytest.approx(row.coef, abs=1e-6) and td.se == pytest.approx(row.se, abs=1e-6)
        assert not row.tied_event_times
        assert immortal.mantel_byar(cp).statistic == pytest.approx(row.score_breslow, rel=1e-9)


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_survival_fixtures_regenerate(tmp_path):
    subprocess.run([rscript(), str(SURV / "survival_reference.R"), str(ROOT / "data" / "reconstructed"), str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("km.csv", "logrank.csv", "cox.csv", "cox_time_dependent.csv", "rmst.csv", "cox_zph.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(SURV / name), rtol=1e-10)


def _toy_cohort():
    """Four patients: two reach a 4th infusion at 7 months; deaths at 3, 5 (no 4th course), 20 and alive."""
    d = pd.Timestamp("2010-01-01")
    month = pd.Timedelta(days=365 / 12)
    patients = pd.DataFrame({
        "patient_id": ["a", "b", "c", "d"], "diagnosis_date": [d] * 4, "cr": 1, "cr_date": [d + month] * 4,
        "relapse": 0, "relapse_date": pd.NaT, "death": [1, 1, 1, 0],
        "death_date": [d + 3 * month, d + 5 * month, d + 20 * month, pd.NaT],
        "last_contact_date": [d + 3 * month, d + 5 * month, d + 20 * month, d + 30 * month],
    })
    patients["death_date"] = pd.to_datetime(patients["death_date"]).dt.normalize()
    patients["last_contact_date"] = pd.to_datetime(patients["last_contact_date"]).dt.normalize()
    courses = pd.DataFrame({"patient_id": ["c", "d"], "course": 4,
                            "infusion_date": [(d + 7 * month).normalize(), (d + 7 * month).normalize()]})
    return patients, courses


def test_landmark_by_hand():
    patients, courses = _toy_cohort()
    frame, summary = immortal.landmark_analysis(patients, courses, 6, "os")
    # Alive at 6 months: c and d, both with a 4th infusion only at 7 months -> none ">3" by the landmark.
    assert summary["n"] == 2 and summary["n_gt3"] == 0 and not summary["estimable"]
    frame, summary = immortal.landmark_analysis(patients, courses, 8, "os")
    assert summary["n_gt3"] == 2 and frame["time"].min() == pytest.approx(20 - 8, abs=0.05)


def test_counting_process_by_hand():
    patients, courses = _toy_cohort()
    cp = immortal.counting_process(patients, courses, "os").set_index("patient_id")
    assert cp.loc["a", "gt3"] == 0 and cp.loc["a", "event"] == 1
    rows_c = cp.loc[["c"]]
    assert rows_c["gt3"].tolist() == [0, 1] and rows_c["event"].tolist() == [0, 1]
    assert rows_c["stop"].iloc[0] == pytest.approx(7, abs=0.05)


def test_landmark_with_one_comparator_is_not_estimable(cohort):
    _, summary = immortal.landmark_analysis(cohort.patients, cohort.courses, 12, "os")
    assert summary["n"] - summary["n_gt3"] <= 1 and not summary["estimable"] and np.isnan(summary["hr"])


def test_analysis_frame_keeps_only_the_covariates_a_cohort_has():
    """A minimal cohort gets time, event, its group and `male`; no 0/1 column coded from absent or
    differently coded columns (R: the covariates of coxph are the cohort's own)."""
    from mst_helpers.cohort import REQUIRED_PATIENT_COLUMNS, Cohort, with_groups

    full = load_cohort(ROOT / "data" / "reconstructed").patients
    minimal = with_groups(Cohort(patients=full[list(REQUIRED_PATIENT_COLUMNS)].copy()), "age_group", 65).patients
    frame = survival.analysis_frame(minimal, "os")
    assert list(frame.columns) == ["patient_id", "time", "event", "age_group", "male"]
    assert set(frame["age_group"]) == {"<=65", ">65"}
    recoded = full.assign(hla_mismatch="haplo")
    assert "hla_6of10" not in survival.analysis_frame(recoded, "os").columns
    assert survival.available_covariates(frame) == {"male": survival.COVARIATES["male"]}


def test_log_rank_equals_lifelines_on_random_tied_and_censored_data():
    """The direct computation against lifelines' multivariate_logrank_test, 2–4 groups, ties
    (times rounded to whole units), censoring, a group with a single member."""
    from lifelines.statistics import multivariate_logrank_test

    rng = np.random.default_rng(11)
    for _ in range(100):
        n, k = int(rng.integers(6, 60)), int(rng.integers(2, 5))
        frame = pd.DataFrame({"time": np.round(rng.exponential(10, n)) + 1, "event": rng.integers(0, 2, n),
                              "group": rng.choice([f"g{i}" for i in range(k)], n)})
        frame.loc[0, "event"] = 1
        frame.loc[1, "group"] = "lonely"
        mine = survival.log_rank(frame, "group")
        theirs = multivariate_logrank_test(frame["time"], frame["group"], frame["event"])
        assert mine.df == theirs.degrees_of_freedom
        assert mine.statistic == pytest.approx(theirs.test_statistic, rel=1e-10, abs=1e-12)
        assert mine.p_value == pytest.approx(theirs.p_value, rel=1e-9, abs=1e-14)
