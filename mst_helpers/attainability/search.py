"""Seeded local search for the extremes of statistics that do not decompose (Gray, Cox).

Not exhaustive: a maximum found is a lower bound on the maximum, a minimum an upper bound on
the minimum (``method = "search"``).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .orderings import Blocks, InfeasibleTargets, Range, Space, _block_day, _tail_ok, feasible

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
