"""Exact confidence intervals for proportions, and the rule of three for rare events.

With 29 patients, a normal-approximation interval for 1/29 would dip below zero. The
Clopper–Pearson interval inverts two one-sided binomial tests and is the one R's
``binom.test`` reports; it never leaves [0, 1] and keeps at least its nominal coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats

__all__ = ["ProportionCI", "clopper_pearson", "rule_of_three"]


@dataclass(frozen=True)
class ProportionCI:
    """A proportion k/n with its confidence interval (all as fractions, not percent)."""

    k: int
    n: int
    estimate: float
    lower: float
    upper: float
    level: float

    def as_percent(self, decimals: int = 1) -> str:
        """``"86.2% (68.3–96.1)"`` style text."""
        return (f"{100 * self.estimate:.{decimals}f}% ({100 * self.lower:.{decimals}f}–"
                f"{100 * self.upper:.{decimals}f})")


def clopper_pearson(k: int, n: int, level: float = 0.95) -> ProportionCI:
    """Exact (Clopper–Pearson) interval for k successes out of n, as R's ``binom.test``.

    Examples
    --------
    >>> ci = clopper_pearson(0, 29)
    >>> ci.lower, round(ci.upper, 4)
    (0.0, 0.1194)
    """
    if not (isinstance(k, int) or float(k).is_integer()) or not (isinstance(n, int) or float(n).is_integer()):
        raise ValueError("k and n are whole numbers")
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    if not 0 < level < 1:
        raise ValueError(f"level is a probability, got {level}")
    interval = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return ProportionCI(k, n, k / n, float(interval.low), float(interval.high), level)


def rule_of_three(n: int) -> float:
    """Approximate one-sided 95% upper bound for a proportion when 0 of n events occurred: 3/n."""
    if n <= 0:
        raise ValueError("n must be positive")
    return 3 / n
