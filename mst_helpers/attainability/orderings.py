"""Orderings of interchangeable events, their feasibility, and the exact log-rank range.

A rank test depends on survival times only through their order. An :class:`ItemClass` is a set of
interchangeable events that must fall inside a day window; an ordering is a sequence of blocks
(ties); :func:`logrank_range` enumerates every feasible ordering by dynamic programming.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np
from scipy import stats

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


def _next_blocks(space: Space, remaining: tuple[int, ...], after: float,
                 ties: bool) -> Iterator[tuple[tuple[int, ...], float, tuple[int, ...]]]:
    """Each block that can come next after day ``after``, with its day and the events left after it
    (only blocks whose remaining events can still all be placed)."""
    for block in _blocks_from(remaining, ties):
        day = _block_day(space, block, after)
        if day is None:
            continue
        left = tuple(r - k for r, k in zip(remaining, block))
        if _tail_ok(space, left, day):
            yield block, day, left


def iter_orderings(space: Space, ties: bool = True) -> Iterator[Blocks]:
    """Every feasible ordering (sequence of tie blocks) of a small space, depth first."""
    start = tuple(c.count for c in space.classes)

    def walk(remaining, after, prefix):
        if not any(remaining):
            yield tuple(prefix)
            return
        for block, day, left in _next_blocks(space, remaining, after, ties):
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
            for _, day, left in _next_blocks(space, remaining, after, ties):
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
            for block, day, left in _next_blocks(space, remaining, after, ties):
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
