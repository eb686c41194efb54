"""What could *any* cohort consistent with the paper give? Attainable ranges of printed tests.

A rank test (log-rank, Gray) and the Cox partial likelihood depend on the survival times only
through their **order**: which group's event comes first, which ties. The printed aggregates fix
how many events of each kind each group has inside each landmark interval (1, 3 and 5 years,
the early-death window, …); they leave the order *inside* an interval free. This module turns
that into an exact search space and searches it:

* an :class:`ItemClass` is a set of interchangeable events (same group, same kind) that must
  fall inside a time interval ``[lo, hi]`` (days on the test's time axis);
* an **ordering** is a sequence of blocks (events on the same day form one block, a tie);
  it is feasible when every block can be given a day inside all its members' intervals, the
  days strictly increasing (checked greedily, which is exact);
* :func:`logrank_range` enumerates **every** feasible ordering by dynamic programming over
  (events left per class, current day), keeping the distinct (O − E, variance) pairs, so its
  minimum and maximum are the minimum and maximum (``method = "exhaustive"``);
* :func:`search_range` runs a seeded local search with restarts for statistics that do not
  decompose (Gray's test, the Cox hazard ratio): its maximum is a lower bound on the maximum
  and its minimum an upper bound on the minimum (``method = "search"``).

Three spaces are built for each comparison (:func:`build_spaces`):

``landmark``
    The relaxation: each group's events only inside the landmark intervals the printed
    counts fix. Every cohort meeting the targets lies in it (a proof space: a value outside its
    exhaustive range is unattainable).
``relaxed``
    Orderings a cohort of the book's data model can realise while meeting every target, with
    the loosest timing rules (:data:`RELAXED`): chemotherapy up to 330 days after diagnosis,
    consolidation courses 28 days apart.
``protocol``
    The same with the paper's Methods (:data:`PROTOCOL`): chemotherapy within 14 days of
    diagnosis, consolidation courses about three months (at least 80 days) apart.

Witnesses are real cohorts: :func:`realise` turns an ordering into event days, builds the
cohort with :func:`mst_helpers.reconstruct.reconstruct` (``timing`` overrides) and
:func:`mst_helpers.targets.unmet_targets` confirms it meets every target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ItemClass", "Space", "TimingRules", "PROTOCOL", "RELAXED", "STATISTICS", "InfeasibleTargets",
           "feasible", "iter_orderings", "count_orderings", "logrank_from_blocks", "logrank_range", "search_range",
           "build_spaces", "realise", "verdict", "Range"]

DAY_1Y, DAY_3Y, DAY_5Y = 365, 1095, 1825   # first day counted alive at 1, 3, 5 years (365/12-day months)
MIN_OS_DAY = 16                             # printed minimum OS 1.00 month: no death before 15.2 days


class InfeasibleTargets(ValueError):
    """The targets (or timing rules) admit no ordering; the message names the class at fault."""


@dataclass(frozen=True)
class ItemClass:
    """Interchangeable events: ``count`` events of ``kind`` in ``group`` inside ``[lo, hi]`` days.

    ``group`` is 0 (first group, e.g. 60–70) or 1; ``kind`` is 0 censored, 1 the event of
    interest, 2 a competing event. ``slots`` are the patient slots (reconstruction row order)
    that realise the class.
    """

    name: str
    group: int
    kind: int
    count: int
    lo: float
    hi: float
    slots: tuple[int, ...] = ()

    def __post_init__(self):
        if self.count < 0:
            raise InfeasibleTargets(f"{self.name}: {self.count} events (a count cannot be negative)")
        if self.count and self.lo > self.hi:
            raise InfeasibleTargets(f"{self.name}: its window [{self.lo:g}, {self.hi:g}] days is empty")


@dataclass(frozen=True)
class Space:
    """A comparison's search space: item classes plus the group sizes at time zero."""

    name: str
    classes: tuple[ItemClass, ...]
    n_at_risk: tuple[int, int]

    def __post_init__(self):
        for g in (0, 1):
            placed = sum(c.count for c in self.classes if c.group == g)
            if placed > self.n_at_risk[g]:
                raise InfeasibleTargets(f"{self.name}: group {g} has {placed} events or censorings but only "
                                        f"{self.n_at_risk[g]} patients")


Blocks = tuple[tuple[int, ...], ...]   # one count vector per block, in time order


# ------------------------------------------------------------------------------ feasibility
def _block_day(space: Space, block: Sequence[int], after: float) -> float | None:
    """The earliest day for ``block`` strictly after ``after``, or None if there is none."""
    members = [c for c, k in zip(space.classes, block) if k]
    lo = max(c.lo for c in members)
    hi = min(c.hi for c in members)
    day = max(lo, math.floor(after) + 1)
    return day if day <= hi else None


def feasible(space: Space, blocks: Blocks) -> list[float] | None:
    """Days (earliest possible) for each block of an ordering, or None when it is infeasible."""
    remaining = [c.count for c in space.classes]
    days, after = [], -1
    for block in blocks:
        if any(k > r for k, r in zip(block, remaining)) or not any(block):
            return None
        day = _block_day(space, block, after)
        if day is None:
            return None
        days.append(day)
        after = day
        remaining = [r - k for r, k in zip(remaining, block)]
    return days if not any(remaining) else None


def _blocks_from(remaining: tuple[int, ...], ties: bool = True) -> Iterator[tuple[int, ...]]:
    """Every non-empty block (count per class) drawable from ``remaining``; one event each without ties."""
    if not ties:
        for i, r in enumerate(remaining):
            if r:
                yield tuple(1 if j == i else 0 for j in range(len(remaining)))
        return
    for block in np.ndindex(*[r + 1 for r in remaining]):
        if any(block):
            yield tuple(int(b) for b in block)


def _tail_ok(space: Space, remaining: Sequence[int], after: float) -> bool:
    """Whether the events left can all still fall strictly after day ``after`` (ties allowed)."""
    return all(r == 0 or c.hi >= math.floor(after) + 1 for c, r in zip(space.classes, remaining))


def iter_orderings(space: Space, ties: bool = True) -> Iterator[Blocks]:
    """Every feasible ordering (sequence of tie blocks) of a small space, depth first."""
    start = tuple(c.count for c in space.classes)

    def walk(remaining, after, prefix):
        if not any(remaining):
            yield tuple(prefix)
            return
        for block in _blocks_from(remaining, ties):
            day = _block_day(space, block, after)
            if day is None:
                continue
            left = tuple(r - k for r, k in zip(remaining, block))
            if _tail_ok(space, left, day):
                yield from walk(left, day, prefix + [block])

    yield from walk(start, -1, [])


def _canonical_day(space: Space, day: float, remaining: Sequence[int]) -> float:
    """A representative of the days equivalent to ``day`` for what can still follow.

    Later blocks fall on ``max(lo, previous + 1)`` and are checked against ``lo`` and ``hi``. When
    the next class boundary lies more than (events left) days ahead, every later block stays
    between the same two boundaries from ``day`` or from the boundary just below it, so the two
    days admit exactly the same completions: the state keeps the boundary instead of the day.
    """
    marks = sorted({c.lo for c in space.classes} | {c.hi for c in space.classes})
    above = [m for m in marks if m > day]
    below = [m for m in marks if m <= day]
    if below and (not above or above[0] - day > sum(remaining)):
        return below[-1]
    return day


def count_orderings(space: Space, ties: bool = True) -> int:
    """How many feasible orderings the space holds (dynamic programming, no enumeration)."""
    memo: dict = {}

    def count(remaining, after):
        if not any(remaining):
            return 1
        key = (remaining, after)
        if key not in memo:
            total = 0
            for block in _blocks_from(remaining, ties):
                day = _block_day(space, block, after)
                if day is None:
                    continue
                left = tuple(r - k for r, k in zip(remaining, block))
                if _tail_ok(space, left, day):
                    total += count(left, _canonical_day(space, day, left))
            memo[key] = total
        return memo[key]

    return count(tuple(c.count for c in space.classes), -1)


# ------------------------------------------------------------------------------ log-rank
def _logrank_step(space: Space, at_risk: tuple[int, int], block: Sequence[int]) -> tuple[float, float, tuple[int, int]]:
    """O − E (second group) and hypergeometric variance of one block, and the risk sets after it."""
    n_a, n_b = at_risk
    d_a = sum(k for c, k in zip(space.classes, block) if c.group == 0 and c.kind == 1)
    d_b = sum(k for c, k in zip(space.classes, block) if c.group == 1 and c.kind == 1)
    gone_a = sum(k for c, k in zip(space.classes, block) if c.group == 0)
    gone_b = sum(k for c, k in zip(space.classes, block) if c.group == 1)
    n, d = n_a + n_b, d_a + d_b
    u = v = 0.0
    if d and n:
        u = d_b - d * n_b / n
        if n > 1:
            v = d * (n_a / n) * (n_b / n) * (n - d) / (n - 1)
    return u, v, (n_a - gone_a, n_b - gone_b)


def logrank_from_blocks(space: Space, blocks: Blocks) -> float:
    """Log-rank p-value of one ordering (events not in the space never meet the other group)."""
    u = v = 0.0
    at_risk = space.n_at_risk
    for block in blocks:
        du, dv, at_risk = _logrank_step(space, at_risk, block)
        u, v = u + du, v + dv
    return float(stats.chi2.sf(u * u / v, 1)) if v > 0 else 1.0


@dataclass(frozen=True)
class Range:
    """The attainable range of a statistic over a space, with the orderings at its ends."""

    space: str
    minimum: float
    maximum: float
    method: str                      # "exhaustive" or "search"
    argmin: Blocks
    argmax: Blocks
    orderings: int                   # orderings enumerated (exhaustive) or evaluated (search)
    near: dict = field(default_factory=dict)   # target value -> (value, ordering) closest to it


def logrank_range(space: Space, targets: Sequence[float] = (), ties: bool = False) -> Range:
    """Exact minimum and maximum of the log-rank p over every feasible ordering of ``space``.

    Dynamic programming over states (events left per class, current day): each state keeps the
    distinct (O − E, variance) sums that reach it and one ordering for each, so nothing is sampled.
    ``ties=False`` (the default) enumerates the orderings without tied days, which is fast;
    ``ties=True`` every ordering with ties too (exhaustive, but far slower on the cohort).
    Once either group has nobody left at risk the rest of the ordering cannot change the test and
    is completed in any feasible order. ``targets``: p-values to which the closest ordering is kept.
    """
    start = tuple(c.count for c in space.classes)
    frontier: dict = {(start, -1, space.n_at_risk): {(0.0, 0.0): ()}}
    finals: dict = {}
    explored = 0
    while frontier:
        nxt: dict = {}
        for (remaining, after, at_risk), sums in frontier.items():
            if not any(remaining) or 0 in at_risk:
                tail = _complete(space, remaining, after)
                if tail is None:
                    continue
                for (u, v), path in sums.items():
                    finals.setdefault((round(u, 10), round(v, 10)), path + tail)
                continue
            for block in _blocks_from(remaining, ties):
                day = _block_day(space, block, after)
                if day is None:
                    continue
                left = tuple(r - k for r, k in zip(remaining, block))
                if not _tail_ok(space, left, day):
                    continue
                du, dv, risk = _logrank_step(space, at_risk, block)
                key = (left, _canonical_day(space, day, left), risk)
                bucket = nxt.setdefault(key, {})
                for (u, v), path in sums.items():
                    explored += 1
                    bucket.setdefault((round(u + du, 10), round(v + dv, 10)), path + (block,))
        frontier = nxt
    if not finals:
        raise InfeasibleTargets(f"{space.name}: no ordering satisfies every class window")
    values = {key: (float(stats.chi2.sf(key[0] ** 2 / key[1], 1)) if key[1] > 0 else 1.0) for key in finals}
    lo_key = min(values, key=values.get)
    hi_key = max(values, key=values.get)
    near = {}
    for target in targets:
        key = min(values, key=lambda k: abs(math.log(max(values[k], 1e-300)) - math.log(target)))
        near[target] = (values[key], finals[key])
    return Range(space.name, values[lo_key], values[hi_key], "exhaustive" if ties else "exhaustive without ties",
                 finals[lo_key], finals[hi_key], count_orderings(space, ties), near)


def _complete(space: Space, remaining: Sequence[int], after: float) -> Blocks | None:
    """Any feasible completion: each class's events one block at a time in order of ``hi``."""
    blocks = []
    order = sorted((i for i, r in enumerate(remaining) if r), key=lambda i: (space.classes[i].hi, space.classes[i].lo))
    for i in order:
        for _ in range(remaining[i]):
            block = tuple(1 if j == i else 0 for j in range(len(remaining)))
            day = _block_day(space, block, after)
            if day is None:
                # ties are allowed: put it on the same day as the previous block if that fits
                return None
            blocks.append(block)
            after = day
    return tuple(blocks)


# ------------------------------------------------------------------------------ search
def _random_ordering(space: Space, rng: np.random.Generator) -> Blocks | None:
    """One random feasible ordering without ties: events drawn one at a time among those that fit."""
    remaining = [c.count for c in space.classes]
    after, blocks = -1, []
    while any(remaining):
        options = []
        for i, r in enumerate(remaining):
            if not r:
                continue
            block = tuple(1 if j == i else 0 for j in range(len(remaining)))
            day = _block_day(space, block, after)
            left = [x - (j == i) for j, x in enumerate(remaining)]
            if day is not None and _tail_ok(space, left, day):
                options.append((i, block, day))
        if not options:
            return None
        # Half the time take an event whose window closes soonest, so narrow windows are not missed.
        if rng.random() < 0.5:
            soonest = min(space.classes[i].hi for i, _, _ in options)
            options = [o for o in options if space.classes[o[0]].hi == soonest]
        i, block, day = options[int(rng.integers(len(options)))]
        blocks.append(block)
        remaining[i] -= 1
        after = day
    return tuple(blocks)


def _neighbours(blocks: Blocks, rng: np.random.Generator) -> Blocks:
    """A random local move: swap two adjacent blocks, merge two into a tie, or split a tie."""
    blocks = list(blocks)
    move = rng.integers(3)
    if move == 0 and len(blocks) > 1:
        i = int(rng.integers(len(blocks) - 1))
        blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
    elif move == 1 and len(blocks) > 1:
        i = int(rng.integers(len(blocks) - 1))
        blocks[i:i + 2] = [tuple(a + b for a, b in zip(blocks[i], blocks[i + 1]))]
    else:
        sizes = [sum(b) for b in blocks]
        ties = [i for i, s in enumerate(sizes) if s > 1]
        if ties:
            i = ties[int(rng.integers(len(ties)))]
            members = [j for j, k in enumerate(blocks[i]) for _ in range(k)]
            j = members[int(rng.integers(len(members)))]
            first = tuple(1 if x == j else 0 for x in range(len(blocks[i])))
            rest = tuple(a - b for a, b in zip(blocks[i], first))
            blocks[i:i + 1] = [first, rest] if rng.random() < 0.5 else [rest, first]
    return tuple(blocks)


def search_range(space: Space, statistic: Callable[[Blocks], float], targets: Sequence[float] = (),
                 seeds: Sequence[Blocks] = (), restarts: int = 12, steps: int = 60, seed: int = 0) -> Range:
    """Seeded local search (hill climbing with restarts) for the extremes of ``statistic``.

    Not exhaustive: the maximum found is a lower bound on the true maximum and the minimum an
    upper bound on the true minimum. ``seeds`` are orderings to start from (e.g. the base
    cohort's); ``targets`` are values to which the closest ordering is also searched for.
    """
    rng = np.random.default_rng(seed)
    cache: dict[Blocks, float] = {}

    def value(blocks: Blocks) -> float:
        if blocks not in cache:
            cache[blocks] = float(statistic(blocks))
        return cache[blocks]

    objectives = [("min", lambda x: x), ("max", lambda x: -x)]
    objectives += [(t, (lambda t: lambda x: abs(math.log(max(x, 1e-300)) - math.log(t)))(t)) for t in targets]
    best: dict = {}
    for label, score in objectives:
        starts = list(seeds)
        while len(starts) < restarts:
            o = _random_ordering(space, rng)
            if o is not None:
                starts.append(o)
        for current in starts:
            if feasible(space, current) is None:
                continue
            current_score = score(value(current))
            for _ in range(steps):
                candidate = _neighbours(current, rng)
                if candidate == current or feasible(space, candidate) is None:
                    continue
                s = score(value(candidate))
                if s <= current_score:
                    current, current_score = candidate, s
            if label not in best or current_score < best[label][0]:
                best[label] = (current_score, current)
    if "min" not in best:
        raise InfeasibleTargets(f"{space.name}: the search found no feasible ordering")
    near = {t: (value(best[t][1]), best[t][1]) for t in targets if t in best}
    return Range(space.name, value(best["min"][1]), value(best["max"][1]), "search", best["min"][1],
                 best["max"][1], len(cache), near)


# ------------------------------------------------------------------------------ rules and spaces
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
    from .reconstruct import CUTOFF, PROFILES, reconstruct

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
        elif kind == "logrank_lfs":
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
    if kind == "logrank_lfs":
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
        from comprisk import gray_test

        cause = 1

        def gray(blocks):
            t, e, g = _arrays(space, blocks, slots, kind)
            return float(gray_test(t, e, g, cause=cause).pvalue)

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
    from .reconstruct import reconstruct

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


def verdict(printed_matches: dict[str, bool], bound: Range | None, printed_value: float) -> str:
    """The verdict of one claim from its spaces (see the chapter for the wording).

    ``printed_matches``: space name -> whether a target-meeting witness there prints the paper's
    value. ``bound``: the exhaustive landmark range, if there is one.
    """
    if printed_matches.get("protocol"):
        return "attainable"
    if printed_matches.get("relaxed"):
        return "attainable only at the extreme"
    if bound is not None and bound.method == "exhaustive" and not (bound.minimum <= printed_value <= bound.maximum):
        return "unattainable"
    return "undetermined"


# ------------------------------------------------------------------------------ the whole computation
def _witness_value(kind: str, cohort) -> float:
    """The statistic recomputed from a written cohort, by the book's own chapter helpers."""
    from . import competing, survival
    from .endpoints import competing_events_from_cr

    p = cohort.patients
    if kind == "logrank_os":
        return survival.log_rank(survival.analysis_frame(p, "os"), "age_group").p_value
    if kind == "logrank_lfs":
        return survival.log_rank(survival.analysis_frame(p, "lfs"), "age_group").p_value
    if kind == "cox_os":
        frame = survival.analysis_frame(p, "os")
        return _cox_hr(frame["time"].to_numpy(), frame["event"].to_numpy(), frame["age_over_70"].to_numpy())
    cause = 1 if "relapse" in kind else 2
    frame = competing_events_from_cr(p) if kind.endswith("_cr") else from_diagnosis_all_deaths(p)
    return competing.gray_test(frame["time"], frame["event"], frame["age_group"], cause).p_value


def from_diagnosis_all_deaths(patients: pd.DataFrame) -> pd.DataFrame:
    """All patients from diagnosis: 1 relapse, 2 death without relapse (any cause, CR or not)."""
    from .endpoints import months_between

    relapsed = patients["relapse"] == 1
    died = patients["death"] == 1
    end = patients["relapse_date"].where(relapsed, patients["death_date"].where(died, patients["last_contact_date"]))
    event = np.select([relapsed, died], [1, 2], 0)
    return pd.DataFrame({"patient_id": patients["patient_id"], "age_group": patients["age_group"],
                         "time": months_between(patients["diagnosis_date"], end), "event": event})


def _needs(timing: dict) -> str:
    """What a witness's timing asks beyond the protocol, in words."""
    delays = [v["chemo_offset"] for v in timing.values() if "chemo_offset" in v]
    gaps = [v["consolidation_gap"] for v in timing.values() if "consolidation_gap" in v]
    parts = []
    if delays and max(delays) > PROTOCOL.max_chemo_delay:
        parts.append(f"chemotherapy starting up to {int(max(delays))} days after diagnosis "
                     f"(the protocol treats within {PROTOCOL.max_chemo_delay})")
    if gaps and min(gaps) < PROTOCOL.min_consolidation_gap:
        parts.append(f"consolidation courses {int(min(gaps))} days apart (the protocol: about three months)")
    return "; ".join(parts) if parts else "no timing beyond the protocol"


def run(claims: pd.DataFrame, out_dir, seed_values: pd.DataFrame | None = None, restarts: int = 16,
        steps: int = 120) -> tuple[dict[str, float | str], pd.DataFrame]:
    """Attainable ranges, witnesses and verdicts for every statistic of :data:`STATISTICS`.

    Writes each witness cohort under ``out_dir/<claim_id>/<framework>/<end>/`` (``min``, ``max``
    and, when reached, ``printed``), reads it back through the cohort schema and stops with
    ``RuntimeError`` if it misses a reconstruction target. ``seed_values``: the reconstruction
    seeds' values (columns named as :data:`SEED_COLUMNS`); a seed beyond a searched end widens
    the range and is named as its witness.

    Returns the flat results (keys ``attainable.<claim>.<framework>.*``) and one summary row per
    statistic.
    """
    from pathlib import Path

    from .cohort import load_cohort
    from .pvalues import matches_printed
    from .reconstruct import write_cohort
    from .targets import unmet_targets

    slots = base_slots()
    printed = claims.set_index("id")["printed"]
    results: dict[str, float | str] = {}
    rows = []
    for key, (claim_id, framework, kind) in STATISTICS.items():
        spaces = build_spaces(kind, slots)
        target = float(str(printed[claim_id]).lstrip("<")) if claim_id in printed.index else None
        targets = [target] if target else []
        ranges = {}
        for name, space in spaces.items():
            if kind.startswith("logrank"):
                ranges[name] = logrank_range(space, targets)
            elif name != "landmark":
                f = statistic_function(kind, space, slots)
                # The Cox fit costs ~15 ms an ordering (Gray ~1 ms): a smaller search budget.
                budget = (restarts, steps) if kind != "cox_os" else (4, 25)
                ranges[name] = search_range(space, f, targets, restarts=budget[0], steps=budget[1], seed=len(rows))
        stem = f"attainable.{claim_id}.{framework}"
        matches: dict[str, bool] = {}
        witness_values: dict[str, float] = {}
        for name in ("relaxed", "protocol"):
            r = ranges[name]
            rules = RELAXED if name == "relaxed" else PROTOCOL
            ends = {"min": r.argmin, "max": r.argmax}
            if target and target in r.near:
                ends["printed"] = r.near[target][1]
            for end, blocks in ends.items():
                cohort, timing = realise(spaces[name], blocks, kind, slots, rules)
                folder = Path(out_dir) / claim_id / framework / name / end
                write_cohort(cohort, folder)
                reread = load_cohort(folder)
                missed = unmet_targets(claims, reread)
                if missed:
                    raise RuntimeError(f"witness {folder} misses target(s) {missed}")
                value = _witness_value(kind, reread)
                witness_values[f"{name}.{end}"] = value
                results[f"{stem}.{name}.witness.{end}"] = value
                if end == "printed":
                    matches[name] = bool(matches_printed(value, str(printed[claim_id])))
                    if matches[name]:
                        results[f"{stem}.{name}.needs"] = _needs(timing)
        lo, hi = ranges["relaxed"].minimum, ranges["relaxed"].maximum
        method = ranges["relaxed"].method
        column = SEED_COLUMNS.get(key)
        if seed_values is not None and column in seed_values:
            values = seed_values[column].dropna()
            if len(values) and values.min() < lo:
                lo, method = float(values.min()), method + " + seeds"
            if len(values) and values.max() > hi:
                hi, method = float(values.max()), method + " + seeds"
        results[f"{stem}.min"], results[f"{stem}.max"], results[f"{stem}.method"] = lo, hi, method
        for name, r in ranges.items():
            results[f"{stem}.{name}.min"], results[f"{stem}.{name}.max"] = r.minimum, r.maximum
            results[f"{stem}.{name}.method"] = r.method
            results[f"{stem}.{name}.orderings"] = r.orderings
        v = verdict(matches, ranges.get("landmark"), target) if target else "no printed value"
        if target and claim_id.startswith("abs."):
            results[f"attainable.{claim_id}.verdict"] = _combine(results.get(f"attainable.{claim_id}.verdict"), v)
        results[f"{stem}.verdict"] = v
        rows.append({"statistic": key, "claim": claim_id, "framework": framework, "printed": printed.get(claim_id, ""),
                     "min": lo, "max": hi, "method": method, "protocol_min": ranges["protocol"].minimum,
                     "protocol_max": ranges["protocol"].maximum, "verdict": v})
    if seed_values is not None:
        for claim_id, column in (("abs.courses.os.p", "logrank_os_courses"), ("abs.courses.lfs.p", "logrank_lfs_courses")):
            _seed_range(results, rows, claims, claim_id, column, seed_values, out_dir)
    return results, pd.DataFrame(rows)


def _seed_range(results, rows, claims, claim_id, column, seed_values, out_dir) -> None:
    """A comparison the order model does not cover (groups cut across age): the range over the
    reconstruction seeds, whose extreme seeds are written and checked as witnesses."""
    from pathlib import Path

    from .cohort import load_cohort
    from .pvalues import matches_printed
    from .reconstruct import reconstruct, write_cohort
    from .targets import unmet_targets

    printed = str(claims.set_index("id").at[claim_id, "printed"])
    values = seed_values.set_index("seed")[column].dropna()
    stem = f"attainable.{claim_id}.from_diagnosis"
    for end, seed in (("min", int(values.idxmin())), ("max", int(values.idxmax()))):
        folder = Path(out_dir) / claim_id / "from_diagnosis" / "seeds" / end
        write_cohort(reconstruct(seed), folder)
        missed = unmet_targets(claims, load_cohort(folder))
        if missed:
            raise RuntimeError(f"witness {folder} misses target(s) {missed}")
        results[f"{stem}.seeds.witness.{end}"] = seed
    share = float(np.mean([matches_printed(v, printed) for v in values]))
    v = "attainable" if share > 0 else "undetermined"
    results[f"{stem}.min"], results[f"{stem}.max"] = float(values.min()), float(values.max())
    results[f"{stem}.method"] = "search"
    results[f"{stem}.verdict"] = results[f"attainable.{claim_id}.verdict"] = v
    rows.append({"statistic": claim_id, "claim": claim_id, "framework": "from_diagnosis", "printed": printed,
                 "min": float(values.min()), "max": float(values.max()), "method": "search (reconstruction seeds)",
                 "protocol_min": float(values.min()), "protocol_max": float(values.max()), "verdict": v})


_ORDER = ["attainable", "attainable only at the extreme", "undetermined", "unattainable"]


def _combine(previous: str | None, new: str) -> str:
    """A claim's verdict over its frameworks: the most favourable one (the paper names one framework)."""
    if previous is None:
        return new
    return min(previous, new, key=_ORDER.index)


#: Statistic key -> column of the reconstruction-uncertainty table holding the seeds' values.
SEED_COLUMNS = {
    "abs.os.p": "logrank_os_age", "abs.lfs.p": "logrank_lfs_age",
    "abs.relapse.p@from_cr": "gray_relapse_cr", "abs.relapse.p@from_diagnosis": "gray_relapse_dx_all",
    "abs.nrm.p@from_cr": "gray_nrm_cr", "abs.nrm.p@from_diagnosis": "gray_nrm_dx_all", "cox.os.age.hr": "cox_os_age_hr",
}


#: Phrases that claim a printed test result cannot be produced.
_IMPOSSIBLE = r"(cannot (give|produce|reach|come)|no (such )?cohort|whatever the (individual )?times|impossible|in every cohort|not consistent with)"
#: Words that tie such a sentence to a printed test (claim id by keyword).
_TESTS = {"abs.os.p": r"\b(OS|overall survival)\b", "abs.lfs.p": r"\bLFS\b", "abs.relapse.p": r"\brelapse\b",
          "abs.nrm.p": r"\bNRM\b"}


def impossibility_sentences(html: str) -> list[tuple[str, str | None]]:
    """Sentences of a page (HTML or text) that say a printed *test* result is impossible, each with
    the claim id it concerns (None when no test is named). Arithmetic impossibilities (GRIM,
    sums) are not test results and are not matched: the sentence must mention a p-value or test."""
    import re

    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not re.search(_IMPOSSIBLE, sentence, re.I):
            continue
        if not re.search(r"(p-value|\bp\s*[=<]|log-rank|Gray)", sentence):
            continue
        claim = next((c for c, pattern in _TESTS.items() if re.search(pattern, sentence)), None)
        out.append((sentence.strip(), claim))
    return out
