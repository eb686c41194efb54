"""Immortal-time bias: re-analyses of ">3 MST courses" that do not credit survival to courses.

A patient must survive (and stay in remission) for most of a year to receive a fourth course.
Comparing ">3" with "1–3" courses from diagnosis counts that survival in the ">3" group's favour
— *immortal time*. The remedies implemented here:

- :func:`landmark_analysis`: classify patients by the courses received by a landmark time, keep
  those still at risk then, and restart the clock;
- :func:`counting_process` + :func:`time_dependent_cox`: let each patient contribute time to
  "≤3 courses" until the fourth infusion and to ">3 courses" afterwards;
- :func:`mantel_byar`: the log-rank test with that time-dependent group membership
  (Mantel & Byar 1974);
- :func:`sequential_landmarks`: landmarks across (and after) the window in which fourth courses
  are given, each with group sizes, events and an exact permutation log-rank p where a group is
  small, because a landmark *inside* that window compares early with later fourth courses.

A landmark or a time-dependent covariate removes immortal time only. Courses also stop *because*
a patient relapses (reverse causation) and the older patients get fewer of them (confounding):
:func:`counting_process` can carry relapse as a second time-dependent covariate and
:func:`time_dependent_cox` adjusts for baseline covariates such as the age group.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import combinations, islice

import numpy as np
import pandas as pd
from scipy import stats

from .endpoints import (DAYS_PER_MONTH, NON_RELAPSE_DEATH, RELAPSE, competing_events_from_diagnosis,
                        leukaemia_free_survival, months_between, overall_survival)

#: Cause-specific endpoints of :func:`counting_process` (framework from diagnosis, all patients).
CAUSES = {"relapse": RELAPSE, "nrm": NON_RELAPSE_DEATH}

__all__ = ["switch_times", "counting_process", "landmark_analysis", "time_dependent_cox", "mantel_byar",
           "MantelByar", "TimeDependentCox", "permutation_logrank", "sequential_landmarks", "CAUSES", "excludes_one",
           "conclusion", "ever_exposed", "landmark_intervals", "simulate_null_exposure", "exposure_window_end",
           "first_landmark_after_window"]


def switch_times(patients: pd.DataFrame, courses: pd.DataFrame, threshold: int = 3, origin: str = "diagnosis") -> pd.Series:
    """Months from the time origin to the infusion of course ``threshold + 1`` (NaN if never given).

    ``origin`` is ``"diagnosis"`` (OS) or ``"cr"`` (LFS).
    """
    nth = courses[courses["course"] == threshold + 1].set_index("patient_id")["infusion_date"]
    start_col = "diagnosis_date" if origin == "diagnosis" else "cr_date"
    start = patients.set_index("patient_id")[start_col]
    return ((pd.to_datetime(nth.reindex(start.index)) - pd.to_datetime(start)).dt.days / DAYS_PER_MONTH).rename("switch")


def counting_process(patients: pd.DataFrame, courses: pd.DataFrame, endpoint: str = "os", threshold: int = 3,
                     relapse: bool = False) -> pd.DataFrame:
    """(start, stop] intervals per patient with the time-dependent covariate ``gt3``.

    A patient is in the ``gt3 = 0`` state until the infusion of course ``threshold + 1`` and in
    ``gt3 = 1`` afterwards. ``endpoint``: ``"os"``, ``"lfs"``, or a cause-specific hazard from
    diagnosis, ``"relapse"`` or ``"nrm"`` (the other causes censor). R equivalent: ``tmerge`` / ``survSplit`` then
    ``coxph(Surv(start, stop, event) ~ gt3)``. When ``patients`` has ``age_group``, each row also
    carries ``older`` (1 for the > 70 group), a baseline covariate for adjustment. With ``relapse=True`` (OS only) intervals are
    split again at the relapse date and carry ``relapsed`` (0 before, 1 from relapse on).
    """
    if endpoint == "os":
        base = overall_survival(patients)
        switch = switch_times(patients, courses, threshold, "diagnosis")
    elif endpoint == "lfs":
        base = leukaemia_free_survival(patients)
        switch = switch_times(patients[patients["cr"] == 1], courses, threshold, "cr")
    elif endpoint in CAUSES:
        # Cause-specific: all patients from diagnosis; the other causes end follow-up as censoring.
        base = competing_events_from_diagnosis(patients)
        base = base.assign(event=(base["event"] == CAUSES[endpoint]).astype(int))
        switch = switch_times(patients, courses, threshold, "diagnosis")
    else:
        raise ValueError(f"endpoint is 'os', 'lfs', 'relapse' or 'nrm', not {endpoint!r}")
    rows = []
    for pid, time, event in zip(base["patient_id"], base["time"], base["event"]):
        s = switch.get(pid, np.nan)
        if np.isnan(s) or s >= time:
            rows.append((pid, 0.0, time, event, 0))
        elif s <= 0:
            rows.append((pid, 0.0, time, event, 1))
        else:
            rows.append((pid, 0.0, s, 0, 0))
            rows.append((pid, s, time, event, 1))
    cp = pd.DataFrame(rows, columns=["patient_id", "start", "stop", "event", "gt3"])
    if "age_group" in patients:
        older = (patients.set_index("patient_id")["age_group"] == ">70").astype(int)
        cp["older"] = cp["patient_id"].map(older).astype(int)
    if relapse:
        if endpoint != "os":
            raise ValueError("relapse as a time-dependent covariate needs endpoint='os' (it ends LFS)")
        p = patients.set_index("patient_id")
        cp = _split_at(cp, months_between(p["diagnosis_date"], p["relapse_date"]), "relapsed")
    return cp


def _split_at(cp: pd.DataFrame, when: pd.Series, name: str) -> pd.DataFrame:
    """Split each interval at the patient's ``when`` (months) and add the 0/1 covariate ``name``."""
    rows = []
    for r in cp.to_dict("records"):
        t = when.get(r["patient_id"], np.nan)
        if np.isnan(t) or t >= r["stop"]:
            rows.append({**r, name: 0})
        elif t <= r["start"]:
            rows.append({**r, name: 1})
        else:
            rows.append({**r, "stop": t, "event": 0, name: 0})
            rows.append({**r, "start": t, name: 1})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TimeDependentCox:
    """Hazard ratio of the time-dependent covariate with its 95% CI, p-value, coefficient and SE."""

    hr: float
    lower: float
    upper: float
    p_value: float
    coef: float
    se: float
    #: Likelihood-ratio p for ``gt3`` alone (unadjusted models), valid where Wald's is not.
    lr_p: float = math.nan
    #: True when the estimate runs off to +/- infinity (no event in one state): HR and Wald p mean nothing.
    separated: bool = False


def time_dependent_cox(cp: pd.DataFrame, adjust_for: tuple[str, ...] = (), exposure: str = "gt3",
                       id_col: str = "patient_id") -> TimeDependentCox:
    """Cox model with ``exposure`` (default ``gt3``) as a time-dependent covariate (lifelines
    ``CoxTimeVaryingFitter``; Efron ties, as R's ``coxph(Surv(start, stop, event) ~ gt3 + <adjust_for>)``).

    ``cp`` is any counting-process frame: ``id_col``, ``start``, ``stop``, ``event`` and the
    covariates, one row per subject and interval. ``adjust_for``: further columns of ``cp`` in the
    model (e.g. ``("older",)``, ``("older", "relapsed")``); the result is the ``exposure`` hazard
    ratio adjusted for them.
    """
    from lifelines import CoxTimeVaryingFitter

    columns = [id_col, "start", "stop", "event", exposure, *adjust_for]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # lifelines' plain Newton step (0.95) overshoots and diverges on these data; half steps converge.
        fitter = CoxTimeVaryingFitter(penalizer=0.0).fit(cp[columns], id_col=id_col, event_col="event",
                                                         start_col="start", stop_col="stop",
                                                         fit_options={"step_size": 0.5, "precision": 1e-12, "max_steps": 500})
    row = fitter.summary.loc[exposure]
    lr_p = float(fitter.log_likelihood_ratio_test().p_value) if not adjust_for else math.nan
    separated = bool(abs(row["coef"]) > 10 or row["se(coef)"] > 100)
    return TimeDependentCox(float(row["exp(coef)"]), float(row["exp(coef) lower 95%"]), float(row["exp(coef) upper 95%"]),
                            float(row["p"]), float(row["coef"]), float(row["se(coef)"]), lr_p, separated)


@dataclass(frozen=True)
class MantelByar:
    """The Mantel–Byar test: observed and expected events in the ">3" state, statistic and p."""

    observed: float
    expected: float
    variance: float
    statistic: float
    p_value: float


def mantel_byar(cp: pd.DataFrame, exposure: str = "gt3") -> MantelByar:
    """Log-rank test with time-dependent group membership (Mantel & Byar, 1974).

    At each distinct event time t, the risk set holds every interval with start < t ≤ stop;
    n1 of them are in the ``exposure = 1`` state (default column ``gt3``). With d events of which d1 in that state,
    O − E accumulates d1 − d n1/n and the variance d (n1/n)(1 − n1/n)(n − d)/(n − 1) (the
    hypergeometric variance of the log-rank test). Without switches it *is* the log-rank test.
    """
    if cp.empty:
        raise ValueError("no intervals")
    if ((cp["stop"] <= cp["start"]) & (cp["stop"] > 0)).any():
        raise ValueError("each interval needs start < stop")
    event_times = np.unique(cp.loc[cp["event"] == 1, "stop"])
    if len(event_times) == 0:
        raise ValueError("no events")
    var, observed, expected = 0.0, 0.0, 0.0
    start, stop, event, group = (cp[c].to_numpy() for c in ("start", "stop", "event", exposure))
    for t in event_times:
        at_risk = (start < t) & (stop >= t)
        n = at_risk.sum()
        n1 = (at_risk & (group == 1)).sum()
        dies = at_risk & (stop == t) & (event == 1)
        d = dies.sum()
        d1 = (dies & (group == 1)).sum()
        e1 = d * n1 / n
        observed += d1
        expected += e1
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    statistic = (observed - expected) ** 2 / var if var > 0 else float("nan")
    p = float(stats.chi2.sf(statistic, 1)) if var > 0 else float("nan")
    return MantelByar(float(observed), float(expected), float(var), float(statistic), p)


def landmark_analysis(patients: pd.DataFrame, courses: pd.DataFrame, landmark_months: float,
                      endpoint: str = "os", threshold: int = 3) -> tuple[pd.DataFrame, dict]:
    """Patients still at risk at the landmark, grouped by courses received by then; clock restarted.

    Returns the landmark frame (``time`` from the landmark, ``event``, ``gt3_by_landmark``) and a
    summary dict: n at risk, events, log-rank statistic and p, Cox HR with 95% CI.
    """
    from .survival import _fit_cox, log_rank

    if endpoint == "os":
        base = overall_survival(patients)
        switch = switch_times(patients, courses, threshold, "diagnosis")
    else:
        base = leukaemia_free_survival(patients)
        switch = switch_times(patients[patients["cr"] == 1], courses, threshold, "cr")
    frame = base[base["time"] > landmark_months].copy()
    frame["time"] = frame["time"] - landmark_months
    frame["gt3_by_landmark"] = (frame["patient_id"].map(switch) <= landmark_months).astype(int)
    summary = {"landmark": landmark_months, "n": len(frame), "events": int(frame["event"].sum()),
               "n_gt3": int(frame["gt3_by_landmark"].sum())}
    summary.update({"logrank_p": math.nan, "hr": math.nan, "lower": math.nan, "upper": math.nan, "estimable": False})
    if frame["gt3_by_landmark"].nunique() == 2 and frame["event"].sum() > 0:
        summary["logrank_p"] = log_rank(frame, "gt3_by_landmark").p_value
        # A hazard ratio needs events in both groups; otherwise its estimate runs off to 0 or infinity.
        events = frame.groupby("gt3_by_landmark")["event"].sum()
        sizes = frame["gt3_by_landmark"].value_counts()
        if (events > 0).all() and (sizes >= 2).all():
            try:
                fitter = _fit_cox(frame.rename(columns={"gt3_by_landmark": "gt3"}), ["gt3"])
                s = fitter.summary.loc["gt3"]
                if np.isfinite(s["exp(coef) upper 95%"]) and s["exp(coef) lower 95%"] > 0:
                    summary.update({"hr": float(s["exp(coef)"]), "lower": float(s["exp(coef) lower 95%"]),
                                    "upper": float(s["exp(coef) upper 95%"]), "estimable": True})
            except Exception:  # lifelines' ConvergenceError on near-separated data
                pass
    return frame, summary


def permutation_logrank(time, event, group, max_tables: int = 2_000_000) -> tuple[float, int]:
    """Exact permutation p of the two-sample log-rank test, and the number of labellings used.

    Under the null hypothesis the group labels are exchangeable: every way of choosing which
    ``k`` of the ``n`` patients form the smaller group is equally likely. The p is the share of
    labellings whose log-rank χ² is at least the observed one (a tolerance of 1e-9 counts ties
    of the statistic). Exact when ``C(n, k) <= max_tables``; larger problems raise.
    R equivalent: ``coin::logrank_test(..., distribution = "exact")`` uses the same null
    (with a standardised linear statistic, so p-values can differ slightly at ties).
    """
    time, event, group = (np.asarray(x) for x in (time, event, group))
    labels = np.unique(group)
    if len(labels) != 2:
        raise ValueError("the permutation log-rank test needs exactly two groups")
    small = labels[np.argmin([np.sum(group == g) for g in labels])]
    k, n = int(np.sum(group == small)), len(group)
    if math.comb(n, k) > max_tables:
        raise ValueError(f"C({n}, {k}) = {math.comb(n, k)} labellings exceed max_tables = {max_tables}")
    order = np.argsort(time, kind="mergesort")
    time, event, member = time[order], event[order].astype(int), (group[order] == small)
    # Per distinct event time: who is at risk and who dies, as 0/1 matrices over the n patients.
    event_times = np.unique(time[event == 1])
    at_risk = (time[None, :] >= event_times[:, None]).astype(float)
    dies = ((time[None, :] == event_times[:, None]) & (event[None, :] == 1)).astype(float)
    n_t, d_t = at_risk.sum(1), dies.sum(1)

    def chi2(indicator: np.ndarray) -> np.ndarray:
        n1 = at_risk @ indicator
        d1 = dies @ indicator
        u = (d1 - d_t[:, None] * n1 / n_t[:, None]).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(n_t[:, None] > 1, d_t[:, None] * (n1 / n_t[:, None]) * (1 - n1 / n_t[:, None])
                         * (n_t[:, None] - d_t[:, None]) / np.maximum(n_t[:, None] - 1, 1), 0.0).sum(0)
        return np.where(v > 0, u * u / np.where(v > 0, v, 1.0), 0.0)

    observed = float(chi2(member.astype(float)[:, None])[0])
    count, total = 0, 0
    combos = combinations(range(n), k)
    while True:
        chunk = list(islice(combos, 20000))
        if not chunk:
            break
        indicator = np.zeros((n, len(chunk)))
        for j, c in enumerate(chunk):
            indicator[list(c), j] = 1.0
        values = chi2(indicator)
        count += int(np.sum(values >= observed - 1e-9))
        total += len(chunk)
    return count / total, total


def exposure_window_end(patients: pd.DataFrame, courses: pd.DataFrame, endpoint: str = "os", threshold: int = 3) -> float:
    """Months from the endpoint's origin (diagnosis for OS, CR for LFS) to the cohort's last
    course ``threshold + 1``: a landmark is free of misclassified exposure only after it."""
    origin = "diagnosis" if endpoint == "os" else "cr"
    pool = patients if endpoint == "os" else patients[patients["cr"] == 1]
    return float(switch_times(pool, courses, threshold, origin).max())


def first_landmark_after_window(patients: pd.DataFrame, courses: pd.DataFrame, months, endpoint: str = "os",
                                threshold: int = 3) -> float | None:
    """The first of ``months`` after :func:`exposure_window_end` (None when none is)."""
    end = exposure_window_end(patients, courses, endpoint, threshold)
    return next((lm for lm in months if lm > end), None)


def sequential_landmarks(patients: pd.DataFrame, courses: pd.DataFrame, months, endpoint: str = "os",
                         threshold: int = 3, exact_below: int = 5) -> pd.DataFrame:
    """One landmark analysis per month in ``months``: who is exposed (a fourth course by then),
    who is not, events in each group, the Cox HR with CI, the asymptotic log-rank p and, when
    either group has fewer than ``exact_below`` patients, the exact permutation log-rank p.

    The ``after_window`` column says whether the landmark lies after the last fourth course of the
    cohort: only then is "no fourth course by the landmark" the same as "no fourth course at all".
    """
    last_switch = exposure_window_end(patients, courses, endpoint, threshold)
    rows = []
    for lm in months:
        frame, summary = landmark_analysis(patients, courses, lm, endpoint, threshold)
        exposed = frame["gt3_by_landmark"] == 1
        row = {"landmark": lm, "after_window": lm > last_switch, "n": summary["n"],
               "n_exposed": int(exposed.sum()), "n_unexposed": int((~exposed).sum()),
               "events_exposed": int(frame.loc[exposed, "event"].sum()),
               "events_unexposed": int(frame.loc[~exposed, "event"].sum()),
               "hr": summary["hr"], "lower": summary["lower"], "upper": summary["upper"],
               "logrank_p": summary["logrank_p"], "exact_p": math.nan, "labellings": 0}
        small = min(row["n_exposed"], row["n_unexposed"])
        if 0 < small < exact_below and frame["event"].sum() > 0:
            row["exact_p"], row["labellings"] = permutation_logrank(frame["time"], frame["event"], frame["gt3_by_landmark"])
        rows.append(row)
    return pd.DataFrame(rows)


def excludes_one(lower: float, upper: float) -> bool:
    """True when a hazard-ratio interval lies wholly above or below 1."""
    return bool((upper < 1) or (lower > 1))


def conclusion(methods: pd.DataFrame) -> str:
    """One sentence per verdict, computed from the conclusion table (``method``, ``lower``,
    ``upper``, ``removes``): which methods that remove immortal time still exclude a hazard
    ratio of 1, and which do not.

    Rows without an interval (a test, or an estimate with too few comparators) are left out.
    """
    shown = methods.dropna(subset=["lower", "upper"])
    shown = shown[shown["removes"] != "nothing"]
    holds = [m for m, lo, up in zip(shown["method"], shown["lower"], shown["upper"]) if excludes_one(lo, up)]
    fails = [m for m, lo, up in zip(shown["method"], shown["lower"], shown["upper"]) if not excludes_one(lo, up)]
    parts = []
    if holds:
        parts.append(f"the interval excludes a hazard ratio of 1 for {_join(holds)}")
    if fails:
        parts.append(f"it includes 1 for {_join(fails)}")
    if not parts:
        return "no method that removes immortal time gives an interval"
    return "; ".join(parts)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ever_exposed(intervals: pd.DataFrame, exposure: str = "gt3", id_col: str = "patient_id") -> pd.DataFrame:
    """The naive reading of a counting-process frame: one row per subject, grouped by whether it
    was *ever* exposed — which credits the time before exposure (when the subject had to be alive
    to be exposed later) to the exposed group.

    Returns ``id_col``, ``time`` (end of follow-up), ``event`` (at that end), ``ever`` (1 if
    ``exposure`` is 1 in any interval), ``exposure_time`` (start of the first exposed interval;
    NaN if never) and the first row's other columns (baseline covariates).
    """
    ordered = intervals.sort_values([id_col, "start"])
    grouped = ordered.groupby(id_col, sort=True)
    first = grouped.first()
    exposed_start = ordered[ordered[exposure] == 1].groupby(id_col)["start"].min()
    out = first.drop(columns=["start", "stop", "event", exposure]).assign(
        time=grouped["stop"].max(), event=grouped["event"].last(), ever=grouped[exposure].max().astype(int),
        exposure_time=exposed_start.reindex(first.index))
    return out.reset_index()


def landmark_intervals(intervals: pd.DataFrame, landmark: float, exposure: str = "gt3",
                       id_col: str = "patient_id") -> pd.DataFrame:
    """A landmark analysis of a counting-process frame: the subjects still under follow-up just
    after ``landmark``, grouped by whether they were exposed by then (first exposed interval
    starting at or before the landmark), with the clock restarted at the landmark.

    Returns ``id_col``, ``time`` (from the landmark), ``event`` and ``exposed`` (0/1); the
    baseline covariates of :func:`ever_exposed` come along. R: ``subset(d, futime > L)``, then
    ``exposed <- !is.na(wait) & wait <= L`` and ``Surv(futime - L, fustat)``.
    """
    subjects = ever_exposed(intervals, exposure, id_col)
    kept = subjects[subjects["time"] > landmark].copy()
    kept["exposed"] = (kept["exposure_time"] <= landmark).astype(int)
    kept["time"] = kept["time"] - landmark
    return kept.drop(columns=["ever", "exposure_time"]).reset_index(drop=True)


def simulate_null_exposure(n: int = 1000, seed: int = 0, death_rate: float = 1 / 12, exposure_rate: float = 1 / 6,
                           follow_up: float = 36.0) -> pd.DataFrame:
    """A cohort in which the exposure has **no effect** on death, as counting-process rows.

    Death times are exponential with ``death_rate`` per month for everyone, exposed or not;
    each subject would be exposed after an exponential wait (``exposure_rate``) but only if
    still alive and followed then; follow-up ends at ``follow_up`` months. Whoever dies early
    cannot be exposed, so "ever exposed" selects the long survivors: the naive comparison finds
    a protective effect that does not exist, while the time-dependent analysis finds none.

    Returns ``patient_id``, ``start``, ``stop``, ``event``, ``exposed`` (time-dependent 0/1).
    """
    rng = np.random.default_rng(seed)
    death = rng.exponential(1 / death_rate, n)
    wait = rng.exponential(1 / exposure_rate, n)
    end = np.minimum(death, follow_up)
    died = (death <= follow_up).astype(int)
    rows = []
    for i in range(n):
        if wait[i] < end[i]:
            rows += [(i + 1, 0.0, wait[i], 0, 0), (i + 1, wait[i], end[i], died[i], 1)]
        else:
            rows.append((i + 1, 0.0, end[i], died[i], 0))
    return pd.DataFrame(rows, columns=["patient_id", "start", "stop", "event", "exposed"])
