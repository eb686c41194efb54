"""Arithmetic of printed numbers: rounding, GRIM and GRIMMER, and how far a value can lie from its mean."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from ..claims import printed_decimals

_EPS = 1e-9


# --------------------------------------------------------------------------- arithmetic
def rounds_to(value: float, printed: str) -> bool:
    """Whether ``value`` rounds to the printed number at its printed precision.

    Ties (exactly half a unit) count as consistent whichever way they were rounded.

    Examples
    --------
    >>> rounds_to(5 / 9 * 100, "55.56"), rounds_to(5 / 9 * 100, "55.55")
    (True, False)
    """
    target = float(printed.replace(",", "").lstrip("<>=≤≥"))
    half = 0.5 * 10 ** (-printed_decimals(printed))
    return abs(value - target) <= half + _EPS


def truncates_to(value: float, printed: str) -> bool:
    """Whether ``value`` cut (not rounded) at the printed precision gives the printed number."""
    decimals = printed_decimals(printed)
    target = float(printed.replace(",", ""))
    return math.isclose(math.floor(value * 10**decimals + _EPS) / 10**decimals, target, abs_tol=_EPS)


def grim_consistent(printed_percent: str, n: int) -> bool:
    """GRIM for percentages: is there a whole count k in 0..n with 100 k / n rounding to it?

    Examples
    --------
    >>> grim_consistent("10.0", 9), grim_consistent("11.11", 9), grim_consistent("10.0", 10)
    (False, True, True)
    """
    return any(rounds_to(100 * k / n, printed_percent) for k in range(n + 1))


def grim_denominators(printed_percent: str, candidates: Iterable[int]) -> list[int]:
    """The candidate denominators under which a printed percentage passes GRIM."""
    return [n for n in candidates if grim_consistent(printed_percent, n)]


def grimmer_consistent(mean: str, sd: str, n: int) -> bool:
    """GRIMMER for whole-number data: can n integers have this printed mean and SD?

    The sum S must be a whole number rounding to the mean; the sum of squares Q must be a
    whole number with the same parity as S, and ``sqrt((Q - S**2/n) / (n - 1))`` must round
    to the printed SD (Anaya 2016).

    Examples
    --------
    >>> grimmer_consistent("35.75", "4.52", 20)
    True
    """
    mean_v = float(mean)
    sd_half = 0.5 * 10 ** (-printed_decimals(sd))
    sd_v = float(sd)
    for total in range(math.floor((mean_v - 0.01) * n), math.ceil((mean_v + 0.01) * n) + 1):
        if not rounds_to(total / n, mean):
            continue
        lo = (max(sd_v - sd_half, 0) ** 2) * (n - 1) + total**2 / n
        hi = ((sd_v + sd_half) ** 2) * (n - 1) + total**2 / n
        for q in range(math.ceil(lo - _EPS), math.floor(hi + _EPS) + 1):
            if (q - total) % 2 == 0 and rounds_to(math.sqrt(max(q - total**2 / n, 0) / (n - 1)), sd):
                return True
    return False


def max_deviation(n: int, sd: float) -> float:
    """The largest distance any one of n values can lie from their mean, given their SD.

    With sample SD s, one value can be at most ``s (n - 1) / sqrt(n)`` from the mean
    (Samuelson's inequality); a printed range end farther away cannot belong to the group.
    """
    return sd * (n - 1) / math.sqrt(n)


def fits_with_fixed(n: int, mean: float, sd: str, fixed: Sequence[float]) -> tuple[bool, float, float]:
    """Can ``n`` values with this mean and printed SD contain all of ``fixed``?

    The smallest possible sum of squared deviations puts every other value at their common
    mean; it must not exceed ``(n - 1) * sd_max**2``. Returns (possible, minimal SS, largest SS).
    """
    k = len(fixed)
    rest_mean = (n * mean - sum(fixed)) / (n - k)
    minimal = sum((f - mean) ** 2 for f in fixed) + (n - k) * (rest_mean - mean) ** 2
    largest = (n - 1) * (float(sd) + 0.5 * 10 ** (-printed_decimals(sd))) ** 2
    return minimal <= largest, minimal, largest
