"""Testing proportional hazards as R's ``survival::cox.zph`` does since version 3.0.

For each covariate ``x`` the test asks whether adding ``x * g(t)`` to the fitted Cox model
improves it, where ``g`` is a transform of time (default: ``1 − KM(t−)``, R's ``"km"``). It is
the efficient score test of that extra coefficient at (β̂, 0): the score of the ``x * g(t)``
terms, ``U_g = Σ_k g(t_k) (x_k − x̄_k)`` (sums of Schoenfeld residuals weighted by ``g``), against
the full information matrix of the expanded model. lifelines' ``proportional_hazard_test`` is the
older approximation (Grambsch & Therneau's, with a variance that ignores the β̂ block), which R
dropped in ``survival`` 3.0; its p-values differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["cox_zph", "step_coefficient"]


def _transform(time: np.ndarray, event: np.ndarray, how: str) -> np.ndarray:
    if how == "identity":
        return time.astype(float)
    if how == "rank":
        return stats.rankdata(time)
    if how == "log":
        return np.log(time)
    if how != "km":
        raise ValueError(f"transform is 'km', 'rank', 'identity' or 'log', not {how!r}")
    from .survival import kaplan_meier

    # 1 − KM just before each time (left-continuous), as R's survfitKM + findInterval(left.open).
    km = kaplan_meier(pd.DataFrame({"time": time, "event": event}))
    km = km[km["events"] > 0]
    before = np.searchsorted(km["time"].to_numpy(), time, side="left")   # death times strictly before t
    return 1 - np.concatenate([[1.0], km["survival"].to_numpy()])[before]


def _score_and_information(beta, time, event, x, g_all):
    """Efron score of β and of the ``x * g(t)`` terms, and the information of the expanded model."""
    p = x.shape[1]
    w = np.exp(x @ beta)
    u_x, u_g = np.zeros(p), np.zeros(p)
    imat = np.zeros((2 * p, 2 * p))
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        dead = at_risk & (time == t) & (event == 1)
        d = int(dead.sum())
        g = g_all[dead][0]
        info = np.zeros((p, p))
        for r in range(d):   # Efron: the tied deaths leave the risk set gradually
            weight = np.where(dead, w * (1 - r / d), w) * at_risk
            total = weight.sum()
            mean = weight @ x / total
            centred = x - mean
            info += (centred * weight[:, None]).T @ centred / total
            u_x += x[dead].sum(0) / d - mean
            u_g += g * (x[dead].sum(0) / d - mean)
        imat[:p, :p] += info
        imat[:p, p:] += g * info
        imat[p:, :p] += g * info
        imat[p:, p:] += g * g * info
    return u_x, u_g, imat


def cox_zph(frame: pd.DataFrame, covariates: list[str], transform: str = "km") -> pd.DataFrame:
    """Per-covariate and global tests of proportional hazards (R: ``cox.zph(coxph(Surv(time, event)
    ~ x1 + x2))``, Efron ties). Returns columns ``covariate`` (last row ``GLOBAL``), ``chisq``,
    ``df`` and ``p``."""
    from .survival import _fit_cox

    missing = [c for c in ["time", "event", *covariates] if c not in frame]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}")
    beta = _fit_cox(frame, covariates).params_[covariates].to_numpy(float)
    time = frame["time"].to_numpy(float)
    event = frame["event"].to_numpy(int)
    x = frame[covariates].to_numpy(float)
    g_all = _transform(time, event, transform)
    g_all = g_all - g_all[event == 1].mean()
    p = len(covariates)
    # lifelines stops ~1e-6 short of the maximum on some fits; a few Newton steps on the same
    # Efron likelihood land on R's estimate, to which the test is sensitive.
    for _ in range(50):
        u_x, u_g, imat = _score_and_information(beta, time, event, x, g_all)
        step = np.linalg.solve(imat[:p, :p], u_x)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    u_x, u_g, imat = _score_and_information(beta, time, event, x, g_all)
    rows = []
    for j, name in enumerate(covariates):
        keep = list(range(p)) + [p + j]
        u = np.concatenate([np.zeros(p), [u_g[j]]])
        chisq = float(np.linalg.solve(imat[np.ix_(keep, keep)], u) @ u)
        rows.append({"covariate": name, "chisq": chisq, "df": 1, "p": float(stats.chi2.sf(chisq, 1))})
    u = np.concatenate([np.zeros(p), u_g])
    chisq = float(np.linalg.solve(imat, u) @ u)
    rows.append({"covariate": "GLOBAL", "chisq": chisq, "df": p, "p": float(stats.chi2.sf(chisq, p))})
    return pd.DataFrame(rows)


def step_coefficient(frame: pd.DataFrame, covariate: str, cut: float) -> pd.DataFrame:
    """A remedy for non-proportional hazards: one hazard ratio of ``covariate`` before ``cut`` and
    another after it (R: ``survSplit(..., cut = cut, episode = "period")`` then
    ``coxph(Surv(tstart, time, event) ~ x:strata(period))``, Efron ties).

    Returns one row per period: ``period`` (1 = up to ``cut``, 2 = after), ``coef``, ``se``, ``hr``,
    ``lower``, ``upper`` (95% Wald) and ``events`` (all events in the period).
    """
    import warnings

    from lifelines import CoxTimeVaryingFitter

    rows = []
    for i, r in enumerate(frame[["time", "event", covariate]].to_dict("records")):
        if r["time"] <= cut:
            rows.append((i, 0.0, r["time"], r["event"], r[covariate], 0.0, 1))
        else:
            rows.append((i, 0.0, cut, 0, r[covariate], 0.0, 1))
            rows.append((i, cut, r["time"], r["event"], 0.0, r[covariate], 2))
    split = pd.DataFrame(rows, columns=["id", "start", "stop", "event", "x1", "x2", "period"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = CoxTimeVaryingFitter(penalizer=0.0).fit(split.drop(columns="period"), id_col="id", event_col="event",
                                                         start_col="start", stop_col="stop",
                                                         fit_options={"step_size": 0.5, "precision": 1e-12, "max_steps": 500})
    s = fitter.summary
    return pd.DataFrame({"period": [1, 2], "coef": s["coef"].to_numpy(), "se": s["se(coef)"].to_numpy(),
                         "hr": s["exp(coef)"].to_numpy(), "lower": s["exp(coef) lower 95%"].to_numpy(),
                         "upper": s["exp(coef) upper 95%"].to_numpy(),
                         "events": [int(split.loc[split["period"] == p, "event"].sum()) for p in (1, 2)]})
