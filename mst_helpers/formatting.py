"""How the book prints estimates: intervals that say why they are missing instead of "0.0–0.0"."""

from __future__ import annotations

import math

__all__ = ["percent_with_ci"]


def percent_with_ci(estimate: float, lower: float, upper: float, variance: float, digits: int = 1) -> str:
    """A proportion (0–1) as ``"45.0 (22.1–66.2)"`` in percent, or with "—" and the reason when the
    interval is degenerate (zero variance: no event yet, every patient had the event, or no one
    left at risk), where a printed ``0.0 (0.0–0.0)`` or ``100.0 (0.0–100.0)`` would mislead."""
    value = f"{100 * estimate:.{digits}f}"
    finite = all(math.isfinite(x) for x in (lower, upper, variance))
    if finite and variance > 0 and upper > lower:
        return f"{value} ({100 * lower:.{digits}f}–{100 * upper:.{digits}f})"
    if estimate <= 0:
        reason = "no event yet"
    elif estimate >= 1:
        reason = "every patient had the event"
    else:
        reason = "no patient left at risk"
    return f"{value} (—: {reason})"
