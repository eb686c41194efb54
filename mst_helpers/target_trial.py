"""Target-trial emulation of "a fourth MST course" by cloning, censoring and weighting.

The question "would a fourth course help a patient alive in remission after the third?" is a
question about a trial nobody ran. Its protocol, emulated with the cohort:

- **eligibility**: an infusion of course ``threshold`` (3), in first CR by then, not relapsed,
  alive after it;
- **time zero**: that infusion, the same for both strategies;
- **strategies**: *start* a fourth course within a grace period of ``grace`` months, or *never*
  start one;
- **assignment by cloning**: every eligible patient enters both arms; a clone is censored
  (*artificially*) when its patient stops following its arm: a *start* clone at the end of the
  grace period without a fourth course, a *never* clone at its fourth infusion. An event inside
  the grace period, before any fourth course, counts in both arms;
- **weights**: inverse probability of remaining uncensored, ``1 / K(t−)``, with ``K`` the
  Kaplan–Meier estimate of the time to artificial censoring in each arm — pooled, or within the
  strata of a covariate (``strata``), which is the censoring model; with no covariate the
  weights are equal within each risk set and leave the Kaplan–Meier estimate unchanged;
- **outcome**: death; the estimate is the weighted Kaplan–Meier survival of each arm at a
  ``horizon`` after time zero and their difference, with a seeded bootstrap over patients.

R equivalent (``tests/fixtures/immortal/ccw_reference.R``): the same clones, ``survSplit`` at
the jump times of ``K``, ``survfit(Surv(tstart, tstop, event) ~ arm, weights = w)``.
The whole method needs *positivity*: within every stratum of the censoring model, patients
who follow each strategy. :func:`positivity` counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .endpoints import months_between

__all__ = ["eligible_patients", "clone", "weighted_intervals", "weighted_kaplan_meier", "survival_at", "positivity",
           "CloneCensorWeight", "clone_censor_weight"]

ARMS = ("start", "never")


def eligible_patients(patients: pd.DataFrame, courses: pd.DataFrame, threshold: int = 3) -> pd.DataFrame:
    """Patients eligible at the infusion of course ``threshold``, with the trial's clock.

    Returns ``patient_id``, ``time`` (months from time zero to death or last contact), ``event``
    (death), ``switch`` (months from time zero to the next course, NaN if none) and the patients'
    other columns used as strata (``age_group`` when present).
    """
    p = patients.set_index("patient_id")
    infusion = courses.set_index(["course", "patient_id"])["infusion_date"]
    zero = pd.to_datetime(infusion.loc[threshold]).reindex(p.index) if threshold in infusion.index.levels[0] \
        else pd.Series(pd.NaT, index=p.index)
    nxt = pd.to_datetime(infusion.loc[threshold + 1]).reindex(p.index) if threshold + 1 in infusion.index.levels[0] \
        else pd.Series(pd.NaT, index=p.index)
    end = pd.to_datetime(p["death_date"].where(p["death"] == 1, p["last_contact_date"]))
    in_cr = (p["cr"] == 1) & (pd.to_datetime(p["cr_date"]) <= zero)
    no_relapse = (p["relapse"] != 1) | (pd.to_datetime(p["relapse_date"]) > zero)
    keep = zero.notna() & in_cr & no_relapse & (end > zero)
    out = pd.DataFrame({"patient_id": p.index[keep], "time": months_between(zero[keep], end[keep]).to_numpy(),
                        "event": p.loc[keep, "death"].astype(int).to_numpy(),
                        "switch": months_between(zero[keep], nxt[keep]).to_numpy()})
    if "age_group" in p:
        out["age_group"] = p.loc[keep, "age_group"].to_numpy()
    return out


def clone(eligible: pd.DataFrame, grace: float) -> pd.DataFrame:
    """Two clones per eligible patient: ``arm``, ``time``, ``event`` and ``artificial`` (1 when the
    clone is censored for leaving its arm)."""
    if grace <= 0:
        raise ValueError(f"grace must be positive, got {grace}")
    rows = []
    for r in eligible.to_dict("records"):
        t, e, s = r["time"], r["event"], r["switch"]
        started = not math.isnan(s) and s <= grace and s < t
        if started or t <= grace:
            start_clone = (t, e, 0)
        else:
            start_clone = (grace, 0, 1)
        never_clone = (s, 0, 1) if (not math.isnan(s) and s < t) else (t, e, 0)
        for arm, (time, event, artificial) in zip(ARMS, (start_clone, never_clone)):
            rows.append({**r, "arm": arm, "time": time, "event": event, "artificial": artificial})
    return pd.DataFrame(rows).drop(columns="switch")


def _uncensored_curve(times: np.ndarray, artificial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier of remaining uncensored: jump times and K right after each jump."""
    jumps = np.unique(times[artificial == 1])
    k, values = 1.0, []
    for c in jumps:
        k *= 1.0 - np.sum((times == c) & (artificial == 1)) / np.sum(times >= c)
        values.append(k)
    return jumps, np.array(values)


def weighted_intervals(clones: pd.DataFrame, strata: str | None = None) -> pd.DataFrame:
    """Each clone's follow-up split at the jump times of its ``K`` (per arm, and per stratum of
    ``strata``), with weight ``1 / K(tstart)`` on each piece: ``patient_id``, ``arm``, ``tstart``,
    ``tstop``, ``event``, ``weight``. Where a stratum has no patient who follows the arm, its
    clones are all censored and leave no piece to weight: positivity fails silently, which is
    why :func:`positivity` counts who follows each strategy."""
    keys = ["arm"] + ([strata] if strata else [])
    pieces = []
    for _, sub in clones.groupby(keys, sort=True):
        jumps, k = _uncensored_curve(sub["time"].to_numpy(), sub["artificial"].to_numpy())
        for r in sub.to_dict("records"):
            cuts = [0.0, *[c for c in jumps if c < r["time"]], r["time"]]
            for a, b in zip(cuts, cuts[1:]):
                j = np.searchsorted(jumps, a, side="right")
                # K > 0 here: a clone still followed after a jump was at risk at it, so not all were censored.
                level = k[j - 1] if j else 1.0
                pieces.append({"patient_id": r["patient_id"], "arm": r["arm"], "tstart": a, "tstop": b,
                               "event": r["event"] if b == r["time"] else 0, "weight": 1.0 / level})
    return pd.DataFrame(pieces)


def weighted_kaplan_meier(intervals: pd.DataFrame) -> pd.DataFrame:
    """Weighted product-limit estimate per arm from counting-process rows (R: ``survfit`` with
    ``weights``): ``arm``, ``time``, ``at_risk`` (weighted), ``events`` (weighted), ``survival``,
    and ``last_followed`` (the arm's longest follow-up, beyond which the curve is undefined
    unless it has reached 0)."""
    rows = []
    for arm, sub in intervals.groupby("arm", sort=False):
        start, stop, event, w = (sub[c].to_numpy(float) for c in ("tstart", "tstop", "event", "weight"))
        s = 1.0
        for t in np.unique(stop[event == 1]):
            at_risk = np.sum(w[(start < t) & (stop >= t)])
            died = np.sum(w[(stop == t) & (event == 1)])
            s *= 1.0 - died / at_risk
            rows.append({"arm": arm, "time": float(t), "at_risk": float(at_risk), "events": float(died), "survival": s,
                         "last_followed": float(stop.max())})
        if not np.any(event == 1):
            rows.append({"arm": arm, "time": 0.0, "at_risk": float(np.sum(w[start == 0])), "events": 0.0, "survival": 1.0,
                         "last_followed": float(stop.max())})
    return pd.DataFrame(rows)


def survival_at(km: pd.DataFrame, arm: str, time: float) -> float:
    """S(time) for one arm of :func:`weighted_kaplan_meier`; NaN when no clone of the arm is
    followed to ``time`` and the curve has not reached 0."""
    sub = km[km["arm"] == arm].sort_values("time")
    if sub.empty:
        return math.nan
    before = sub[sub["time"] <= time]
    s = float(before["survival"].iloc[-1]) if len(before) else 1.0
    if s > 0 and float(sub["last_followed"].iloc[0]) < time:
        return math.nan
    return s


def positivity(eligible: pd.DataFrame, grace: float, strata: str = "age_group") -> pd.DataFrame:
    """Per stratum: eligible patients, how many started the next course within the grace period
    and how many never started one, i.e. who follows each strategy."""
    started = eligible["switch"].le(grace)
    never = eligible["switch"].isna()
    frame = eligible.assign(started=started.astype(int), never=never.astype(int))
    table = frame.groupby(strata, sort=True).agg(eligible=("patient_id", "size"), started=("started", "sum"),
                                                 never=("never", "sum")).reset_index()
    return table.rename(columns={strata: "stratum"})


@dataclass(frozen=True)
class CloneCensorWeight:
    """The emulated trial's estimate: survival per arm at the horizon, their difference
    (start − never) with a percentile bootstrap interval, and what the data could support."""

    horizon: float
    grace: float
    n_eligible: int
    survival_start: float
    survival_never: float
    difference: float
    lower: float
    upper: float
    n_boot: int
    boot_undefined: int
    max_weight: float
    never_followed: int


def clone_censor_weight(eligible: pd.DataFrame, grace: float, horizon: float, strata: str | None = None,
                        n_boot: int = 500, seed: int = 0) -> CloneCensorWeight:
    """Clone, censor, weight and compare the arms at ``horizon`` months after time zero.

    The bootstrap resamples eligible patients (both clones together); a resample in which an arm
    has no clone followed to the horizon has no estimate and is counted in ``boot_undefined``.
    """
    def estimate(sample: pd.DataFrame) -> tuple[float, float, float]:
        intervals = weighted_intervals(clone(sample, grace), strata)
        km = weighted_kaplan_meier(intervals)
        return survival_at(km, "start", horizon), survival_at(km, "never", horizon), float(intervals["weight"].max())

    s_start, s_never, max_weight = estimate(eligible)
    rng = np.random.default_rng(seed)
    differences, undefined = [], 0
    for _ in range(n_boot):
        sample = eligible.iloc[rng.integers(0, len(eligible), len(eligible))].copy()
        sample["patient_id"] = [f"{pid}#{i}" for i, pid in enumerate(sample["patient_id"])]
        a, b, _ = estimate(sample)
        if math.isnan(a) or math.isnan(b):
            undefined += 1
        else:
            differences.append(a - b)
    lower, upper = (np.percentile(differences, [2.5, 97.5]) if differences else (math.nan, math.nan))
    never_followed = int((eligible["switch"].isna() | (eligible["switch"] >= eligible["time"])).sum())
    return CloneCensorWeight(horizon, grace, len(eligible), s_start, s_never, s_start - s_never, float(lower), float(upper),
                             n_boot, undefined, max_weight, never_followed)
