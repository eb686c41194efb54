"""Kaplan–Meier, log-rank and Cox models for the paper's survival questions.

Thin, tested wrappers around lifelines (checked against R's ``survival``): each takes a tidy
frame (``time`` in months, ``event`` 0/1, covariates) and returns a DataFrame or a small frozen
dataclass, so the chapter holds no statistics of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import endpoints

__all__ = [
    "analysis_frame",
    "available_covariates",
    "GroupCox",
    "cox_by_group",
    "kaplan_meier",
    "survival_at",
    "median_survival",
    "LogRank",
    "log_rank",
    "reverse_km_median_follow_up",
    "observed_expected",
    "cox_univariate",
    "restricted_mean",
    "survival_difference",
    "cox_multivariable",
    "proportional_hazards_tests",
    "COVARIATES",
]

#: Covariates of the univariate Cox models (the paper's Supplementary Figure 1), as 0/1 or numbers.
COVARIATES = {
    "age_over_70": "Age > 70 years",
    "male": "Male patient",
    "donor_age": "Donor age (per year)",
    "donor_male": "Male donor",
    "related_donor": "Related donor",
    "hla_6of10": "HLA mismatch 6/10 (vs 5/10)",
    "courses_gt3": "> 3 MST courses",
}


def analysis_frame(patients: pd.DataFrame, endpoint: str = "os", group_column: str = "age_group") -> pd.DataFrame:
    """One row per patient with ``time`` (months), ``event``, the comparison group and the
    covariates of :data:`COVARIATES` whose inputs the cohort has.

    ``endpoint`` is ``"os"`` (all patients, from diagnosis) or ``"lfs"`` (patients in CR, from CR).
    A covariate is left out when its column is absent, or when its values are not the paper's
    categories it encodes (``hla_6of10`` needs ``5/10`` and ``6/10``; ``age_over_70`` the paper's
    two age groups), so a reader's cohort gets no meaningless 0/1 column.
    """
    if endpoint == "os":
        times = endpoints.overall_survival(patients)
        base = patients
    elif endpoint == "lfs":
        times = endpoints.leukaemia_free_survival(patients)
        base = patients[patients["cr"] == 1]
    else:
        raise ValueError(f"endpoint is 'os' or 'lfs', not {endpoint!r}")
    base = base.reset_index(drop=True)
    columns = {"patient_id": base["patient_id"], "time": times["time"].to_numpy(), "event": times["event"].to_numpy()}
    if group_column in base.columns:
        columns[group_column] = base[group_column]

    def coded(column: str, categories: set[str]) -> bool:
        return column in base.columns and set(base[column].dropna().astype(str)) <= categories

    if coded("age_group", {"60-70", ">70"}):
        columns["age_over_70"] = (base["age_group"] == ">70").astype(int)
    columns["male"] = (base["sex"] == "M").astype(int)
    if "donor_age" in base.columns:
        columns["donor_age"] = base["donor_age"].astype(float)
    if "donor_sex" in base.columns:
        columns["donor_male"] = (base["donor_sex"] == "M").astype(int)
    if coded("donor_relation", {"related", "unrelated"}):
        columns["related_donor"] = (base["donor_relation"] == "related").astype(int)
    if coded("hla_mismatch", {"5/10", "6/10"}):
        columns["hla_6of10"] = (base["hla_mismatch"] == "6/10").astype(int)
    if "mst_courses" in base.columns:
        columns["courses_gt3"] = (base["mst_courses"] > 3).astype(int)
    return pd.DataFrame(columns)


def available_covariates(frame: pd.DataFrame, covariates: dict[str, str] = COVARIATES) -> dict[str, str]:
    """The covariates of ``covariates`` that ``frame`` has (see :func:`analysis_frame`)."""
    return {column: label for column, label in covariates.items() if column in frame.columns}


def _check(frame: pd.DataFrame) -> None:
    if frame.empty:
        raise ValueError("no observations")
    if (frame["time"] < 0).any():
        raise ValueError("negative survival time")
    if not frame["event"].isin([0, 1]).all():
        raise ValueError("event must be 0 or 1")


def kaplan_meier(frame: pd.DataFrame, group: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier estimates (Greenwood variance, log–log CI as lifelines and R's ``conf.type='log-log'``).

    Returns one row per distinct time per group: ``group``, ``time``, ``at_risk``, ``events``,
    ``censored``, ``survival``, ``se`` (Greenwood standard error of S), ``lower``, ``upper``.
    """
    from lifelines import KaplanMeierFitter

    _check(frame)
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=True))
    out = []
    for name, sub in groups:
        kmf = KaplanMeierFitter(alpha=1 - level).fit(sub["time"], sub["event"])
        table = kmf.event_table
        surv = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        # Greenwood: Var(S) = S^2 * sum d / (n (n - d)).
        d, n = table["observed"].to_numpy(), table["at_risk"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(n - d > 0, d / (n * (n - d)), np.nan)
        cum = np.nancumsum(np.where(np.isnan(terms), 0, terms))
        se = surv.to_numpy() * np.sqrt(cum)
        out.append(pd.DataFrame({
            "group": name if name is not None else "all",
            "time": table.index.to_numpy(),
            "at_risk": n,
            "events": d,
            "censored": table["censored"].to_numpy(),
            "survival": surv.to_numpy(),
            "se": se,
            "lower": ci.iloc[:, 0].to_numpy(),
            "upper": ci.iloc[:, 1].to_numpy(),
        }))
    return pd.concat(out, ignore_index=True)


def survival_at(km: pd.DataFrame, months: float) -> pd.DataFrame:
    """S(t) with its CI at ``months`` for each group of a :func:`kaplan_meier` table."""
    rows = []
    for name, sub in km.groupby("group", sort=False):
        before = sub[sub["time"] <= months]
        row = before.iloc[-1] if len(before) else sub.iloc[0]
        rows.append({"group": name, "months": months, "survival": float(row["survival"]),
                     "lower": float(row["lower"]), "upper": float(row["upper"])})
    return pd.DataFrame(rows)


def median_survival(frame: pd.DataFrame, group: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Median survival with its CI, read off the pointwise log–log confidence band of the KM curve
    (where the band's limits cross 0.5; lifelines' ``median_survival_times``). R's ``survfit``
    gives the same construction for ``conf.type = "log-log"``."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    groups = [("all", frame)] if group is None else list(frame.groupby(group, sort=True))
    rows = []
    for name, sub in groups:
        kmf = KaplanMeierFitter(alpha=1 - level).fit(sub["time"], sub["event"])
        ci = median_survival_times(kmf.confidence_interval_survival_function_)
        rows.append({"group": name, "median": float(kmf.median_survival_time_),
                     "lower": float(ci.iloc[0, 0]), "upper": float(ci.iloc[0, 1])})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LogRank:
    """A log-rank test: chi-square statistic (1 df for two groups) and p-value."""

    statistic: float
    df: int
    p_value: float


def log_rank(frame: pd.DataFrame, group: str) -> LogRank:
    """Log-rank test between the groups of ``group`` (R: ``survdiff(Surv(time, event) ~ group)``).

    At each distinct event time the events of every group are compared with those expected if
    all groups shared one hazard; with O − E summed over times and V the summed hypergeometric
    covariance, the statistic is (O − E)ᵀ V⁻¹ (O − E) over all groups but one, chi-square on
    k − 1 degrees of freedom. Computed directly (the same numbers as lifelines'
    ``multivariate_logrank_test``, about a hundred times faster, which the 200-cohort chapter
    feels).
    """
    from scipy.stats import chi2

    _check(frame)
    event_times, at_risk, events = _risk_table(frame, group)
    k = at_risk.shape[1]
    if k < 2:
        raise ValueError(f"{group!r} has fewer than two groups")
    n = at_risk.sum(axis=1)
    d = events.sum(axis=1)
    share = at_risk / n[:, None]
    observed_minus_expected = (events - d[:, None] * share).sum(axis=0)
    # Hypergeometric covariance, with the (n - d) / (n - 1) tie correction (0 when one is at risk).
    scale = np.where(n > 1, d * (n - d) / np.where(n > 1, n - 1, 1), 0.0)
    covariance = np.diag(scale @ share) - np.einsum("j,jg,jh->gh", scale, share, share)
    u, v = observed_minus_expected[:-1], covariance[:-1, :-1]
    statistic = float(u @ np.linalg.pinv(v) @ u)
    return LogRank(statistic, k - 1, float(chi2.sf(statistic, k - 1)))


def _risk_table(frame: pd.DataFrame, group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct event times, and per time and group (columns in sorted group order) the
    number still at risk and the number of events: what the log-rank test is built from."""
    codes, levels = pd.factorize(frame[group], sort=True)
    time = frame["time"].to_numpy(dtype=float)
    event = frame["event"].to_numpy() == 1
    event_times = np.unique(time[event])
    at_risk = np.empty((len(event_times), len(levels)), dtype=int)
    events = np.zeros((len(event_times), len(levels)), dtype=int)
    for g in range(len(levels)):
        in_group = np.sort(time[codes == g])
        at_risk[:, g] = len(in_group) - np.searchsorted(in_group, event_times, side="left")
        np.add.at(events[:, g], np.searchsorted(event_times, time[(codes == g) & event]), 1)
    return event_times, at_risk, events


def observed_expected(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """The log-rank test by hand, for two groups: at each event time, the events observed in the
    first group, those expected if both groups shared one hazard (events × its share of the risk
    set) and the hypergeometric variance; the sums give (ΣO − ΣE)² / ΣV, the log-rank statistic.

    Returns one row per distinct event time: ``time``, ``at_risk`` and ``events`` (both groups),
    ``at_risk_1``, ``observed_1``, ``expected_1``, ``variance``. R: ``survdiff`` gives the sums
    (``obs``, ``exp``, ``var``).
    """
    _check(frame)
    if frame[group].nunique() != 2:
        raise ValueError(f"{group!r} needs exactly two groups, has {sorted(frame[group].unique())}")
    event_times, at_risk, events = _risk_table(frame, group)
    n, d = at_risk.sum(axis=1), events.sum(axis=1)
    share = at_risk[:, 0] / n
    variance = np.where(n > 1, d * share * (1 - share) * (n - d) / np.where(n > 1, n - 1, 1), 0.0)
    return pd.DataFrame({"time": event_times, "at_risk": n, "events": d, "at_risk_1": at_risk[:, 0],
                         "observed_1": events[:, 0], "expected_1": d * at_risk[:, 0] / n, "variance": variance})


def reverse_km_median_follow_up(frame: pd.DataFrame) -> float:
    """Median follow-up by the reverse Kaplan–Meier method: censoring is the 'event'."""
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(frame["time"], 1 - frame["event"])
    return float(kmf.median_survival_time_)


def _fit_cox(frame: pd.DataFrame, covariates: list[str]):
    import warnings

    from lifelines import CoxPHFitter

    data = frame[["time", "event", *covariates]]
    # Efron's method for ties, as R's coxph default; no penalty. Separation warnings are turned
    # into the `converged` flag of the summary instead of being printed.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A tighter tolerance than lifelines' default: estimates agree with R to 1e-6.
        return CoxPHFitter(penalizer=0.0).fit(data, duration_col="time", event_col="event",
                                              fit_options={"precision": 1e-12, "max_steps": 200})


def _summary(fitter, label: dict[str, str]) -> pd.DataFrame:
    s = fitter.summary
    return pd.DataFrame({
        "covariate": s.index,
        "label": [label.get(c, c) for c in s.index],
        "coef": s["coef"].to_numpy(),
        "se": s["se(coef)"].to_numpy(),
        "hr": s["exp(coef)"].to_numpy(),
        "lower": s["exp(coef) lower 95%"].to_numpy(),
        "upper": s["exp(coef) upper 95%"].to_numpy(),
        "p": s["p"].to_numpy(),
    })


def cox_univariate(frame: pd.DataFrame, covariates: dict[str, str] = COVARIATES) -> pd.DataFrame:
    """One Cox model per covariate (R: ``coxph(Surv(time, event) ~ x)``, Efron ties).

    A covariate with no events in one of its levels gives an infinite hazard ratio; it is
    reported with ``converged = False`` rather than a misleading number. ``lr_p`` is the
    likelihood-ratio p (R: ``summary(fit)$logtest``), which stays valid under separation.
    """
    rows = []
    for column in covariates:
        if column not in frame.columns or frame[column].nunique() < 2:
            continue
        try:
            fitter = _fit_cox(frame, [column])
            row = _summary(fitter, covariates).iloc[0].to_dict()
            # The likelihood-ratio test stays informative under separation, where Wald's does not.
            row["lr_p"] = float(fitter.log_likelihood_ratio_test().p_value)
            # Separation: one level has no events, the estimate drifts to +/- infinity.
            events_by_level = frame.groupby(frame[column] > frame[column].median() if frame[column].nunique() > 2 else frame[column])["event"].sum()
            row["converged"] = bool(abs(row["coef"]) < 10 and (events_by_level > 0).all())
        except Exception:  # lifelines raises on separation; the row says so
            row = {"covariate": column, "label": covariates[column], "coef": np.nan, "se": np.nan, "hr": np.nan,
                   "lower": np.nan, "upper": np.nan, "p": np.nan, "lr_p": np.nan, "converged": False}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class GroupCox:
    """A Cox model of the comparison groups (reference: the first group), as R's
    ``coxph(Surv(time, event) ~ group)`` with Efron ties: ``table`` has one row per other group
    (``group``, ``coef``, ``se``, ``hr``, ``lower``, ``upper``, ``p``), ``lr_statistic``/``lr_df``/
    ``lr_p`` the likelihood-ratio test of all groups at once."""

    reference: str
    table: pd.DataFrame
    lr_statistic: float
    lr_df: int
    lr_p: float


def cox_by_group(frame: pd.DataFrame, group: str, order: list[str] | None = None) -> GroupCox:
    """Hazard ratios of each group against the first (``order``, default sorted), one model."""
    order = list(order) if order is not None else sorted(frame[group].astype(str).unique())
    if len(order) < 2:
        raise ValueError(f"{group!r} has fewer than two groups")
    data = frame[["time", "event"]].copy()
    names = {}
    for i, level in enumerate(order[1:]):
        names[f"g{i}"] = level
        data[f"g{i}"] = (frame[group].astype(str) == level).astype(int).to_numpy()
    fitter = _fit_cox(data, list(names))
    table = _summary(fitter, {}).rename(columns={"covariate": "group"}).drop(columns="label")
    table["group"] = table["group"].map(names)
    test = fitter.log_likelihood_ratio_test()
    return GroupCox(order[0], table, float(test.test_statistic), int(test.degrees_freedom), float(test.p_value))


def cox_multivariable(frame: pd.DataFrame, covariates: list[str], labels: dict[str, str] = COVARIATES):
    """A multivariable Cox model; returns (summary table, events per variable, concordance)."""
    fitter = _fit_cox(frame, covariates)
    epv = float(frame["event"].sum() / len(covariates))
    return _summary(fitter, labels), epv, float(fitter.concordance_index_)


def proportional_hazards_tests(frame: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Schoenfeld-residual tests of proportional hazards (transform: rank of time).

    R's ``cox.zph`` defaults to the KM transform; both are shown by lifelines' ``check_assumptions``.
    """
    from lifelines.statistics import proportional_hazard_test

    fitter = _fit_cox(frame, covariates)
    res = proportional_hazard_test(fitter, frame[["time", "event", *covariates]], time_transform="rank")
    return pd.DataFrame({"covariate": res.summary.index, "statistic": res.summary["test_statistic"].to_numpy(),
                         "p": res.summary["p"].to_numpy()})


def restricted_mean(frame: pd.DataFrame, group: str, tau: float = 60.0, level: float = 0.95) -> pd.DataFrame:
    """Restricted mean survival time to ``tau`` per group, its SE, and the difference between two
    groups with a normal CI (R: ``summary(survfit(Surv(time, event) ~ group), rmean = tau)$table``).

    RMST is the area under the Kaplan–Meier curve from 0 to ``tau``: the mean months lived in
    the first ``tau`` months. It needs no proportional-hazards assumption. Its variance is R's
    ``sum(A_i^2 d_i / (n_i (n_i - d_i)))`` over event times ``t_i <= tau``, with ``A_i`` the area
    under the curve from ``t_i`` to ``tau`` (a term with ``n_i = d_i`` has ``A_i = 0``).
    Returns one row per group and, for two groups, a last row ``difference`` (second − first).
    """
    km = kaplan_meier(frame, group)
    rows = []
    for name, steps in km.groupby("group", sort=True):
        steps = steps[(steps["events"] > 0) & (steps["time"] <= tau)]
        knots = np.concatenate([[0.0], steps["time"].to_numpy(), [tau]])
        levels = np.concatenate([[1.0], steps["survival"].to_numpy()])
        pieces = levels * np.diff(knots)
        beyond = np.cumsum(pieces[::-1])[::-1][1:]        # area from each event time to tau
        var = sum(a * a * d / (n * (n - d)) for a, n, d in zip(beyond, steps["at_risk"], steps["events"]) if n > d)
        rows.append({"group": name, "rmst": float(pieces.sum()), "se": math.sqrt(var)})
    out = pd.DataFrame(rows)
    if len(out) == 2:
        z = stats.norm.ppf(0.5 + level / 2)
        diff = float(out["rmst"].iloc[1] - out["rmst"].iloc[0])
        se = float(math.hypot(out["se"].iloc[0], out["se"].iloc[1]))
        out = pd.concat([out, pd.DataFrame([{"group": "difference", "rmst": diff, "se": se,
                                             "lower": diff - z * se, "upper": diff + z * se,
                                             "p": float(2 * stats.norm.sf(abs(diff) / se))}])], ignore_index=True)
    return out


def survival_difference(frame: pd.DataFrame, group: str, times, level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival of two groups at each of ``times`` and their difference (second −
    first) with a normal CI from the Greenwood SEs (R: ``summary(survfit(...), times, extend = TRUE)``;
    ``se = sqrt(se1² + se2²)``).

    A group whose curve has reached 0 has Greenwood SE 0 here (R reports NaN: the formula is
    0 × ∞); its row says so in ``note`` and the interval then reflects the other group only.
    Bounds are cut at ±1.
    """
    km = kaplan_meier(frame, group)
    names = sorted(km["group"].unique())
    if len(names) != 2:
        raise ValueError(f"{group!r} needs exactly two groups, has {names}")
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for t in times:
        values = {}
        for name in names:
            steps = km[(km["group"] == name) & (km["time"] <= t)]
            s, se = (float(steps["survival"].iloc[-1]), float(steps["se"].iloc[-1])) if len(steps) else (1.0, 0.0)
            values[name] = (s, se)
        (s1, se1), (s2, se2) = values[names[0]], values[names[1]]
        diff, se = s2 - s1, math.hypot(se1, se2)
        zero = [n for n in names if values[n][0] == 0]
        # A difference of two probabilities lies in [-1, 1]; the normal interval is cut there.
        rows.append({"time": float(t), names[0]: s1, names[1]: s2, "difference": diff, "se": se,
                     "lower": max(diff - z * se, -1.0), "upper": min(diff + z * se, 1.0),
                     "note": f"{' and '.join(zero)}: no survivor left, SE 0" if zero else ""})
    return pd.DataFrame(rows)
