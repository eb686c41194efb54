"""Multi-state model of the disease course: induction → CR → relapse → death.

Survival, leukaemia-free survival and the cumulative incidences of relapse and NRM are each one
view of a single process. A multi-state model shows it whole: every patient starts in
``induction`` at diagnosis and moves along the arrows

``induction → CR``, ``induction → death`` (never in remission), ``CR → relapse``,
``CR → death`` (non-relapse mortality), ``relapse → death``.

:func:`transitions` turns the patients table into counting-process rows (one per stay in a
state); :func:`aalen_johansen` estimates the probability of being in each state at each time
(the product over event times of ``I + dA(t)``, with ``dA`` the Nelson–Aalen increments of the
transition hazards) and :func:`transition_hazards` the cumulative hazard of each arrow.
R equivalent: ``survfit(Surv(tstart, tstop, state) ~ group, id = patient_id, istate = from)``
(``tests/fixtures/multistate/multistate_reference.R``).

With two states (alive → dead) the Aalen–Johansen estimate is 1 − Kaplan–Meier; with one
initial state and competing absorbing states it is the cumulative incidence of each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .endpoints import months_between

__all__ = ["STATES", "TRANSITIONS", "transitions", "aalen_johansen", "transition_hazards", "occupation_at",
           "transition_counts"]

#: The states, in the order they are reported.
STATES = ("induction", "CR", "relapse", "death")
#: The arrows of the model, as (from, to).
TRANSITIONS = (("induction", "CR"), ("induction", "death"), ("CR", "relapse"), ("CR", "death"), ("relapse", "death"))


def transitions(patients: pd.DataFrame, group: str | None = "age_group") -> pd.DataFrame:
    """One row per stay in a state: ``patient_id``, ``group``, ``from_state``, ``to_state``
    (``None`` when the stay ends censored), ``tstart`` and ``tstop`` in months from diagnosis.

    Raises ``ValueError`` naming the patient when a stay would have zero or negative length
    (two transitions on one day), which no continuous-time estimator can place.
    """
    rows = []
    for r in patients.to_dict("records"):
        dx = r["diagnosis_date"]
        end = r["death_date"] if r["death"] == 1 else r["last_contact_date"]
        path = [("induction", 0.0)]
        if r["cr"] == 1:
            path.append(("CR", _months(dx, r["cr_date"])))
            if r["relapse"] == 1:
                path.append(("relapse", _months(dx, r["relapse_date"])))
        if r["death"] == 1:
            path.append(("death", _months(dx, end)))
        for (state, start), (nxt, stop) in zip(path, path[1:]):
            rows.append((r["patient_id"], state, nxt, start, stop))
        if r["death"] != 1:
            rows.append((r["patient_id"], path[-1][0], None, path[-1][1], _months(dx, end)))
    out = pd.DataFrame(rows, columns=["patient_id", "from_state", "to_state", "tstart", "tstop"])
    bad = out[out["tstop"] <= out["tstart"]]
    if len(bad):
        b = bad.iloc[0]
        raise ValueError(f"patient {b['patient_id']}: the stay in {b['from_state']!r} from {b['tstart']:.2f} to "
                         f"{b['tstop']:.2f} months has no length (two transitions on one day)")
    groups = patients.set_index("patient_id")[group] if group else pd.Series("all", index=patients["patient_id"])
    out.insert(1, "group", out["patient_id"].map(groups).to_numpy())
    return out


def _months(start, end) -> float:
    return float(months_between(pd.Series([start]), pd.Series([end])).iloc[0])


def _groups(frame: pd.DataFrame):
    return [("all", frame)] if frame["group"].nunique() == 1 and frame["group"].iloc[0] == "all" \
        else list(frame.groupby("group", sort=True))


def aalen_johansen(stays: pd.DataFrame, states=STATES) -> pd.DataFrame:
    """State-occupation probabilities per group (everyone starts in ``states[0]``).

    Returns a long frame ``group``, ``time``, ``state``, ``probability`` with one row per state at
    time 0 and at each time at which a transition happens in that group.
    """
    index = {s: i for i, s in enumerate(states)}
    out = []
    for name, sub in _groups(stays):
        start, stop = sub["tstart"].to_numpy(), sub["tstop"].to_numpy()
        origin = sub["from_state"].map(index).to_numpy()
        moved = sub["to_state"].notna().to_numpy()
        target = sub["to_state"].map(index).fillna(-1).astype(int).to_numpy()
        p = np.zeros(len(states))
        p[0] = 1.0
        records = [(name, 0.0, p.copy())]
        for t in np.unique(stop[moved]):
            at_risk = (start < t) & (stop >= t)
            jumps = moved & (stop == t)
            step = np.eye(len(states))
            for h in np.unique(origin[jumps]):
                y = np.sum(at_risk & (origin == h))
                for j in np.unique(target[jumps & (origin == h)]):
                    d = np.sum(jumps & (origin == h) & (target == j))
                    step[h, j] += d / y
                    step[h, h] -= d / y
            p = p @ step
            records.append((name, float(t), p.copy()))
        for g, t, probs in records:
            out.extend({"group": g, "time": t, "state": s, "probability": float(probs[index[s]])} for s in states)
    return pd.DataFrame(out)


def occupation_at(aj: pd.DataFrame, times) -> pd.DataFrame:
    """The step function of :func:`aalen_johansen` read at ``times`` (last value at or before each)."""
    rows = []
    for (g, s), sub in aj.groupby(["group", "state"], sort=False):
        sub = sub.sort_values("time")
        for t in times:
            before = sub[sub["time"] <= t]
            rows.append({"group": g, "time": float(t), "state": s, "probability": float(before["probability"].iloc[-1])})
    return pd.DataFrame(rows)


def transition_hazards(stays: pd.DataFrame, times) -> pd.DataFrame:
    """Nelson–Aalen cumulative hazard of each arrow per group, read at ``times``:
    ``group``, ``time``, ``transition`` (``"from->to"``), ``cumhaz``."""
    rows = []
    for name, sub in _groups(stays):
        for a, b in TRANSITIONS:
            from_a = sub[sub["from_state"] == a]
            event_times = np.unique(from_a.loc[from_a["to_state"] == b, "tstop"])
            increments = [((from_a["to_state"] == b) & (from_a["tstop"] == t)).sum()
                          / ((from_a["tstart"] < t) & (from_a["tstop"] >= t)).sum() for t in event_times]
            cumulative = np.cumsum(increments)
            for t in times:
                k = np.searchsorted(event_times, t, side="right")
                rows.append({"group": name, "time": float(t), "transition": f"{a}->{b}",
                             "cumhaz": float(cumulative[k - 1]) if k else 0.0})
    return pd.DataFrame(rows)


def transition_counts(stays: pd.DataFrame) -> pd.DataFrame:
    """How many patients made each transition, per group (``group``, ``transition``, ``n``)."""
    moved = stays[stays["to_state"].notna()]
    counts = moved.groupby(["group", "from_state", "to_state"]).size()
    rows = [{"group": g, "transition": f"{a}->{b}", "n": int(counts.get((g, a, b), 0))}
            for g in sorted(stays["group"].unique()) for a, b in TRANSITIONS]
    return pd.DataFrame(rows)
