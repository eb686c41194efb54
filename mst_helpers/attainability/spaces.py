"""The three search spaces of a comparison, its statistic on an ordering, and witness cohorts.

``landmark`` (the proof space: only what the printed counts fix), ``relaxed`` (what the book's
data model realises with the loosest timing, :data:`RELAXED`) and ``protocol`` (the paper's
Methods, :data:`PROTOCOL`). :func:`realise` turns an ordering into a cohort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from .orderings import (DAY_1Y, DAY_3Y, DAY_5Y, MIN_OS_DAY, Blocks, InfeasibleTargets, ItemClass, Space,
                        feasible, logrank_from_blocks)

@dataclass(frozen=True)
class TimingRules:
    """Timing a realisable cohort obeys (days); the landmark space obeys none of them."""

    name: str
    max_chemo_delay: int        # diagnosis -> first chemotherapy
    min_consolidation_gap: int  # between consolidation courses
    max_consolidation_gap: int = 95


#: The paper's Methods: treatment of newly diagnosed AML, courses "typically spaced 3 months apart".
PROTOCOL = TimingRules("protocol", max_chemo_delay=14, min_consolidation_gap=80)
#: The loosest timing the book's data model realises while meeting every target.
RELAXED = TimingRules("relaxed", max_chemo_delay=330, min_consolidation_gap=28)

#: Statistic key -> (claim id, framework, kind). ``kind`` selects the test and its time axis.
STATISTICS = {
    "abs.os.p": ("abs.os.p", "from_diagnosis", "logrank_os"),
    "abs.lfs.p": ("abs.lfs.p", "from_cr", "logrank_lfs"),
    # Table 2 counts LFS over all 29 patients from diagnosis: the second reading of the LFS test.
    "abs.lfs.p@from_diagnosis": ("abs.lfs.p", "from_diagnosis", "logrank_lfs_dx"),
    "abs.relapse.p@from_cr": ("abs.relapse.p", "from_cr", "gray_relapse_cr"),
    "abs.relapse.p@from_diagnosis": ("abs.relapse.p", "from_diagnosis", "gray_relapse_dx"),
    "abs.nrm.p@from_cr": ("abs.nrm.p", "from_cr", "gray_nrm_cr"),
    "abs.nrm.p@from_diagnosis": ("abs.nrm.p", "from_diagnosis", "gray_nrm_dx"),
    "cox.os.age.hr": ("cox.os.age.hr", "from_diagnosis", "cox_os"),
}


@dataclass(frozen=True)
class _Slot:
    """One patient slot of the base cohort with the windows its events may move in."""

    slot: int
    group: int
    profile: str
    chemo: int                  # base chemotherapy day
    last_induction: int         # base start of the last induction cycle
    cr: float                   # base CR day (nan: no CR)
    relapse: float
    death: float
    follow: int                 # potential follow-up, days
    courses_needed: int         # courses that must precede relapse or death (0: none)
    first_gap: int              # induction -> first consolidation, days


def base_slots(seed: int = 0) -> list[_Slot]:
    """The base cohort's slots (reconstruction row order), read from the generator's own output."""
    from ..reconstruct import CUTOFF, PROFILES, reconstruct

    cohort = reconstruct(seed)
    p = cohort.patients.set_index("patient_id")
    courses = cohort.courses.assign(chemo_start_date=pd.to_datetime(cohort.courses["chemo_start_date"]))
    profiles = [(group, name) for group, items in PROFILES.items() for name, k in items for _ in range(k)]
    out = []
    for slot, pid in sorted(cohort.slots.items()):
        r = p.loc[pid]
        dx = pd.Timestamp(r["diagnosis_date"])

        def day(column):
            return float((pd.Timestamp(r[column]) - dx).days) if pd.notna(r[column]) else math.nan

        mine = courses[courses["patient_id"] == pid].sort_values("course")
        inductions = mine[mine["phase"] == "induction"]
        cons = mine[mine["phase"] == "consolidation"]
        last_ind = int((inductions["chemo_start_date"].iloc[-1] - dx).days)
        first_gap = int((cons["chemo_start_date"].iloc[0] - inductions["chemo_start_date"].iloc[-1]).days) if len(cons) else 30
        group, profile = profiles[slot]
        out.append(_Slot(slot, 0 if group == "60-70" else 1, profile, int((mine["chemo_start_date"].iloc[0] - dx).days),
                         last_ind, day("cr_date"), day("relapse_date") if r["relapse"] == 1 else math.nan,
                         day("death_date") if r["death"] == 1 else math.nan, int((CUTOFF - dx).days),
                         4 if r["mst_courses"] > 3 else 0, first_gap))
    return out


def _courses_fit(s: _Slot, rules: TimingRules) -> int:
    """First day a relapse may fall on and still leave room for the slot's required courses."""
    if not s.courses_needed:
        return int(s.cr) + 1 if not math.isnan(s.cr) else MIN_OS_DAY
    # Fourth course starts after the induction, the first consolidation and two more gaps; the
    # generator needs the relapse at least 17 days after it (7 to infusion, 10 of margin).
    return s.last_induction + s.first_gap + 2 * rules.min_consolidation_gap + 18


def _event_window(s: _Slot, rules: TimingRules | None) -> dict[str, tuple[float, float]]:
    """Windows (days from diagnosis) for the slot's relapse and death under ``rules``.

    ``rules`` None gives the landmark windows only (the relaxation).
    """
    p = s.profile
    w: dict[str, tuple[float, float]] = {}
    if rules is None:
        landmarks = {
            "early_death": {"death": (MIN_OS_DAY, DAY_1Y - 1)}, "early_death_nrm": {"death": (MIN_OS_DAY, DAY_1Y - 1)},
            "refractory": {"death": (MIN_OS_DAY, DAY_1Y - 1)}, "gvhd": {"death": (MIN_OS_DAY, DAY_1Y - 1)},
            "relapse_before_12": {"relapse": (MIN_OS_DAY, DAY_1Y), "death": (MIN_OS_DAY, DAY_1Y - 1)},
            "relapse_before_12_death_12_36": {"relapse": (MIN_OS_DAY, DAY_1Y), "death": (DAY_1Y, DAY_3Y - 1)},
            "relapse_12_36_death_12_36": {"relapse": (DAY_1Y + 1, DAY_3Y), "death": (DAY_1Y, DAY_3Y - 1)},
            "relapse_12_36_death_36_60": {"relapse": (DAY_1Y + 1, DAY_3Y), "death": (DAY_3Y, DAY_5Y - 1)},
            "relapse_36_60": {"relapse": (DAY_3Y + 1, DAY_5Y), "death": (DAY_3Y, DAY_5Y - 1)},
        }
        return landmarks.get(p, {})
    gap_hi = rules.max_consolidation_gap
    if p in ("early_death", "early_death_nrm"):
        hi = min(rules.max_chemo_delay + 28, DAY_1Y - 1)
        # One death must stay within 45 days (the printed minimum OS rounds to 1 month).
        w["death"] = (MIN_OS_DAY, min(45, hi) if (p == "early_death" and s.group == 0) else hi)
    elif p == "refractory":
        w["death"] = (s.last_induction + 50, DAY_1Y - 1)
    elif p == "gvhd":
        base = s.last_induction + s.first_gap + 51
        w["death"] = (base + 2 * rules.min_consolidation_gap, min(DAY_1Y - 1, base + 2 * gap_hi))
    elif p == "relapse_before_12":
        r_lo = _courses_fit(s, rules)
        w["relapse"] = (r_lo, DAY_1Y - 1 - 15)
        w["death"] = (r_lo + 15, DAY_1Y - 1)
    elif p == "relapse_before_12_death_12_36":
        w["relapse"] = (_courses_fit(s, rules), DAY_1Y)
        w["death"] = (DAY_1Y, DAY_3Y - 1)
    elif p == "relapse_12_36_death_12_36":
        # Moving the relapse keeps the death (and so the printed median OS); moving the death
        # for OS moves the relapse before it.
        w["relapse"] = (DAY_1Y + 1, s.death - 1)
        w["death"] = (DAY_1Y + 2, DAY_3Y - 1)
    elif p == "relapse_12_36_death_36_60":
        w["relapse"] = (DAY_1Y + 1, DAY_3Y - 1)
        w["death"] = (DAY_3Y, DAY_5Y - 1)
    elif p == "relapse_36_60":
        w["relapse"] = (DAY_3Y + 1, s.death - 1)
        w["death"] = (DAY_3Y + 2, DAY_5Y - 1)
    return w


def _classes_for(kind: str, slots: list[_Slot], rules: TimingRules | None) -> tuple[list[ItemClass], tuple[int, int]]:
    """Item classes of one comparison; events that can never meet the other group are left out."""
    classes: list[ItemClass] = []
    sizes = [0, 0]

    def add(s: _Slot, name: str, kind_: int, lo: float, hi: float):
        classes.append(ItemClass(f"{'60-70' if s.group == 0 else '>70'} {s.profile} #{s.slot}: {name}", s.group, kind_, 1,
                                 lo, hi, (s.slot,)))

    for s in slots:
        w = _event_window(s, rules)
        cr = s.cr
        axis_cr = kind.endswith("_cr") or kind == "logrank_lfs"
        if axis_cr and math.isnan(cr):
            continue                              # not in CR: outside the from-CR analyses
        sizes[s.group] += 1
        shift = cr if axis_cr else 0.0
        # The landmark relaxation lets the CR day move too: between day 21 and the 1-year landmark.
        cr_lo, cr_hi = (21.0, DAY_1Y - 1.0) if (axis_cr and rules is None) else (shift, shift)
        relapse_w, death_w = w.get("relapse"), w.get("death")
        if kind in ("logrank_os", "cox_os"):
            if death_w:
                add(s, "death", 1, *death_w)
        elif kind in ("logrank_lfs", "logrank_lfs_dx"):
            first = relapse_w or death_w
            if first:
                add(s, "relapse or death", 1, max(1.0, first[0] - cr_hi), first[1] - cr_lo)
        else:  # Gray: cause 1 relapse, 2 death without relapse
            cause = 1 if "relapse" in kind else 2
            if relapse_w:
                add(s, "relapse", 1 if cause == 1 else 2, max(1.0, relapse_w[0] - cr_hi), relapse_w[1] - cr_lo)
            elif death_w:
                add(s, "death without relapse", 2 if cause == 1 else 1, max(1.0, death_w[0] - cr_hi), death_w[1] - cr_lo)
    return classes, (sizes[0], sizes[1])


def build_spaces(kind: str, slots: list[_Slot] | None = None) -> dict[str, Space]:
    """The ``landmark``, ``relaxed`` and ``protocol`` spaces of one comparison (see the module)."""
    slots = slots if slots is not None else base_slots()
    out = {}
    for name, rules in (("landmark", None), ("relaxed", RELAXED), ("protocol", PROTOCOL)):
        classes, sizes = _classes_for(kind, slots, rules)
        if name == "landmark":
            classes = _merge(classes)
        out[name] = Space(f"{kind}/{name}", tuple(classes), sizes)
    return out


def _merge(classes: list[ItemClass]) -> list[ItemClass]:
    """Merge classes with the same group, kind and window (interchangeable events)."""
    merged: dict = {}
    for c in classes:
        key = (c.group, c.kind, c.lo, c.hi)
        if key in merged:
            m = merged[key]
            merged[key] = replace(m, count=m.count + c.count, slots=m.slots + c.slots, name=m.name.split(" #")[0] + " …")
        else:
            merged[key] = c
    return list(merged.values())


# ------------------------------------------------------------------------------ statistics on orderings
def _arrays(space: Space, blocks: Blocks, slots: list[_Slot], kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, event codes and groups of a whole cohort for an ordering: the space's events on the
    block days, every other patient at its base time (all later than the space's events)."""
    days = feasible(space, blocks)
    placed: dict[int, tuple[float, int]] = {}
    used = [0] * len(space.classes)
    for block, day in zip(blocks, days):
        for i, k in enumerate(block):
            for _ in range(k):
                c = space.classes[i]
                placed[c.slots[used[i]]] = (day, c.kind)
                used[i] += 1
    times, events, groups = [], [], []
    axis_cr = kind.endswith("_cr") or kind == "logrank_lfs"
    for s in slots:
        if axis_cr and math.isnan(s.cr):
            continue
        if s.slot in placed:
            t, e = placed[s.slot]
        else:
            t, e = _base_event(s, kind)
        times.append(t)
        events.append(e)
        groups.append(s.group)
    return np.array(times, float), np.array(events, int), np.array(groups, int)


def _base_event(s: _Slot, kind: str) -> tuple[float, int]:
    """A slot's own (late) event on the comparison's axis, from the base cohort."""
    shift = s.cr if (kind.endswith("_cr") or kind == "logrank_lfs") else 0.0
    if kind in ("logrank_os", "cox_os"):
        return (s.death, 1) if not math.isnan(s.death) else (s.follow, 0)
    if kind in ("logrank_lfs", "logrank_lfs_dx"):
        ends = [x for x in (s.relapse, s.death) if not math.isnan(x)]
        return (min(ends) - shift, 1) if ends else (s.follow - shift, 0)
    cause = 1 if "relapse" in kind else 2
    if not math.isnan(s.relapse):
        return s.relapse - shift, 1 if cause == 1 else 2
    if not math.isnan(s.death):
        return s.death - shift, 2 if cause == 1 else 1
    return s.follow - shift, 0


def statistic_function(kind: str, space: Space, slots: list[_Slot]) -> Callable[[Blocks], float]:
    """The statistic of ``kind`` as a function of an ordering of ``space``."""
    if kind.startswith("logrank"):
        return lambda blocks: logrank_from_blocks(space, blocks)
    if kind.startswith("gray"):
        from ..competing import gray_p_two_groups

        def gray(blocks):
            t, e, g = _arrays(space, blocks, slots, kind)
            return gray_p_two_groups(t.tolist(), e.tolist(), g.tolist(), 1)

        return gray
    if kind == "cox_os":
        return lambda blocks: _cox_hr(*_arrays(space, blocks, slots, kind))
    raise ValueError(f"unknown statistic kind {kind!r}")


def _cox_hr(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """Univariate Cox HR of group 1 vs 0 (Efron ties, as lifelines and R's default)."""
    from lifelines import CoxPHFitter

    frame = pd.DataFrame({"time": time, "event": event, "x": group})
    fit = CoxPHFitter().fit(frame, "time", "event")
    return float(np.exp(fit.params_["x"]))


# ------------------------------------------------------------------------------ witnesses
def realise(space: Space, blocks: Blocks, kind: str, slots: list[_Slot], rules: TimingRules, seed: int = 0):
    """A cohort whose events on the comparison's axis follow ``blocks`` (via ``reconstruct`` overrides).

    Returns ``(cohort, timing)``. Days are the earliest feasible ones, except that for OS the
    block holding the 15th OS time is put on the printed median (20 months).
    """
    from ..reconstruct import reconstruct

    days = feasible(space, blocks)
    if days is None:
        raise InfeasibleTargets(f"{space.name}: the ordering is not feasible")
    days = _spread(space, blocks, days, kind, slots)
    timing: dict[int, dict[str, float]] = {}
    by_slot = {s.slot: s for s in slots}
    used = [0] * len(space.classes)
    for block, day in zip(blocks, days):
        for i, k in enumerate(block):
            for _ in range(k):
                c = space.classes[i]
                s = by_slot[c.slots[used[i]]]
                used[i] += 1
                _place(timing.setdefault(s.slot, {}), s, c, day, kind, rules)
    return reconstruct(seed, timing=timing), timing


def _spread(space: Space, blocks: Blocks, days: list[float], kind: str, slots: list[_Slot]) -> list[float]:
    """Move blocks later inside their windows where a target needs it (the OS median)."""
    days = list(days)
    if kind not in ("logrank_os", "cox_os"):
        return days
    # Deaths between 1 and 3 years: the fifth of six is the pooled 15th OS time (20 months).
    mid = [j for j, d in enumerate(days) if DAY_1Y <= d < DAY_3Y]
    count = 0
    for j in mid:
        count += sum(blocks[j])
        if count >= 5:
            target = 600
            members = [space.classes[i] for i, k in enumerate(blocks[j]) if k]
            hi = min(c.hi for c in members)
            later = [x for x in days[j + 1:]]
            if days[j] <= target <= hi and all(x > target for x in later[:1]) or (days[j] <= target <= hi and not later):
                days[j] = target
            elif days[j] <= target <= hi:
                shift = target - days[j]
                for k in range(j, len(days)):
                    days[k] += shift
            break
    return days


def _place(t: dict, s: _Slot, c: ItemClass, day: float, kind: str, rules: TimingRules) -> None:
    """Overrides that put slot ``s``'s event of class ``c`` on ``day`` (axis of ``kind``)."""
    axis_cr = kind.endswith("_cr") or kind == "logrank_lfs"
    dx_day = int(day + (s.cr if axis_cr else 0))
    what = c.name.rsplit(": ", 1)[1]
    p = s.profile
    if what == "death" or what == "death without relapse" or (what == "relapse or death" and math.isnan(s.relapse)):
        if p in ("early_death", "early_death_nrm"):
            # Early: within 28 days of chemotherapy, which starts within the rules' delay.
            t["chemo_offset"] = min(rules.max_chemo_delay, max(1, dx_day - 20))
            t["death_day"] = dx_day
        elif p == "gvhd":
            gap = (dx_day - (s.last_induction + s.first_gap + 51)) // 2
            t["consolidation_gap"] = int(min(max(gap, rules.min_consolidation_gap), rules.max_consolidation_gap))
        else:
            t["death_day"] = dx_day
            if not math.isnan(s.relapse):
                lo = _courses_fit(s, rules) if p.startswith("relapse_before_12") else s.relapse
                relapse = min(s.relapse, dx_day - 15) if p == "relapse_before_12" else min(s.relapse, dx_day - 1)
                t["relapse_day"] = max(relapse, min(lo, dx_day - 1))
                if s.courses_needed:
                    t["consolidation_gap"] = rules.min_consolidation_gap
    else:  # a relapse; the death stays where it was unless the relapse passes it
        t["relapse_day"] = dx_day
        if s.courses_needed and dx_day < s.relapse:
            t["consolidation_gap"] = rules.min_consolidation_gap
        if not math.isnan(s.death) and s.death <= dx_day:
            t["death_day"] = min(DAY_1Y - 1, dx_day + 15)
