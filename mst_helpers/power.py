"""How large a hazard ratio a comparison could detect: Schoenfeld's formula.

For a two-group comparison with ``d`` events and a share ``p`` of the patients in one group, the
log-rank test (two-sided level ``alpha``) has power ``1 − beta`` against hazard ratios at least
``exp((z_{1−α/2} + z_{1−β}) / sqrt(d p (1 − p)))`` (Schoenfeld 1983). A comparison that could only
detect a hazard ratio of 4 says nothing about an effect of 1.5 when it is "not significant".
"""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["minimum_detectable_hr", "schoenfeld_events"]


def minimum_detectable_hr(events: int, share: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest hazard ratio (> 1) detected with ``power`` by a two-sided level-``alpha`` log-rank
    test with ``events`` events and a share ``share`` of patients in one group.

    >>> round(minimum_detectable_hr(21, 0.5), 2)
    3.4
    """
    if events <= 0:
        raise ValueError(f"events must be positive, got {events}")
    if not 0 < share < 1:
        raise ValueError(f"share must lie strictly between 0 and 1, got {share}")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.exp(z / math.sqrt(events * share * (1 - share)))


def schoenfeld_events(hr: float, share: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Events needed to detect ``hr`` (the inverse of :func:`minimum_detectable_hr`)."""
    if hr <= 0 or hr == 1:
        raise ValueError(f"hr must be positive and not 1, got {hr}")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return z * z / (share * (1 - share) * math.log(hr) ** 2)
