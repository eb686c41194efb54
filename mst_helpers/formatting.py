"""How the book prints numbers: one formatter per kind of number, used by every table and sentence.

The rules (issue 15) are those of a clinical journal:

- p-values: ``< 0.001`` below 0.001, otherwise two significant digits (``0.0034``, ``0.053``,
  ``0.50``); an exactly computed p of 1 is ``1.0``;
- hazard ratios: two decimals, and two significant digits below 0.1 (``0.033``), so a strong
  effect is not printed as ``0.03``;
- percentages: one decimal; months: one decimal; counts agree in number ("1 event", "2 events");
- no scientific notation in reader-facing text: a magnitude that must be shown below 0.001 (a
  numerical difference, an attainable range) is written ``1.8 × 10⁻⁶``;
- booleans as ✓ / ✗;
- intervals that say why they are missing instead of "0.0–0.0".
"""

from __future__ import annotations

import math
import re

__all__ = ["percent_with_ci", "format_coef", "format_p", "p_statement", "format_p_range", "format_hr", "format_hr_ci", "format_percent",
           "format_months", "format_count", "format_bool", "format_magnitude", "format_number",
           "significance_summary", "SCIENTIFIC_NOTATION"]

#: Computer-style scientific notation ("3.7e-05", "1E+03"): reader-facing text must not contain it.
SCIENTIFIC_NOTATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][-+]?\d+\b")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _significant(value: float, digits: int) -> str:
    """``value`` (> 0) to ``digits`` significant digits in fixed notation, trailing zeros kept."""
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - exponent)
    text = f"{value:.{decimals}f}"
    # Rounding can add a digit (0.0996 -> 0.100): one decimal fewer then.
    if decimals > 0 and len(text.replace("-", "").replace(".", "").lstrip("0")) > digits:
        text = f"{value:.{decimals - 1}f}"
    return text


def format_magnitude(value: float, digits: int = 2) -> str:
    """Any real number without computer notation: ``1.8 × 10⁻⁶`` below 0.001, fixed otherwise.

    >>> format_magnitude(1.83e-6), format_magnitude(0.0123), format_magnitude(0.0)
    ('1.8 × 10⁻⁶', '0.012', '0')
    """
    if _missing(value):
        return "—"
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞"
    sign = "−" if value < 0 else ""
    value = abs(value)
    if value < 1e-3:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{sign}{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return sign + _significant(value, digits)


def format_coef(value: float, decimals: int = 4) -> str:
    """A regression coefficient to fixed decimals, with a true minus sign (tables set beside R's).

    >>> format_coef(-1.32344), format_coef(0.1271)
    ('−1.3234', '0.1271')
    """
    if _missing(value):
        return "—"
    return f"{value:.{decimals}f}".replace("-", "−")


def format_p(p: float, floor: float = 1e-3) -> str:
    """A p-value as a journal prints it.

    >>> [format_p(x) for x in (3.7e-5, 0.00339, 0.0526, 0.5, 1.0)]
    ['< 0.001', '0.0034', '0.053', '0.50', '1.0']
    """
    if _missing(p):
        return "—"
    if p < floor:
        return f"< {floor:g}"
    return _significant(min(p, 1.0), 2)


def p_statement(p: float, name: str = "p") -> str:
    """``"p < 0.001"`` or ``"p = 0.034"``, for a figure or a sentence."""
    text = format_p(p)
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def significance_summary(p_values: dict[str, float], alpha: float = 0.05) -> str:
    """What several unadjusted tests say, as a clause: how many reach ``p < alpha`` (named, with
    their p), and whether any survives Bonferroni's ``alpha / k`` — never "no difference" when one
    test is below ``alpha``, and never a bare "significant" without the number of tests.

    >>> significance_summary({"nausea": 0.4, "sepsis": 0.2})
    'none of the 2 comparisons reaches p < 0.05 (smallest p = 0.20)'
    >>> print(significance_summary({"nausea": 0.4, "sepsis": 0.02, "fever": 0.6}))
    1 of the 3 comparisons reaches p < 0.05 (sepsis, p = 0.020), before any correction for 3 tests; none survives Bonferroni's 0.05/3 = 0.017
    """
    k = len(p_values)
    below = {name: p for name, p in sorted(p_values.items(), key=lambda item: item[1]) if p < alpha}
    if not below:
        return f"none of the {k} comparisons reaches p < {alpha:g} (smallest {p_statement(min(p_values.values()))})"
    named = "; ".join(f"{name}, {p_statement(p)}" for name, p in below.items())
    threshold = alpha / k
    survivors = [name for name, p in below.items() if p < threshold]
    bonferroni = f"Bonferroni's {alpha:g}/{k} = {_significant(threshold, 2)}"
    adjusted = (f"none survives {bonferroni}" if not survivors else
                f"{', '.join(survivors)} {'survives' if len(survivors) == 1 else 'survive'} {bonferroni}")
    verb = "reaches" if len(below) == 1 else "reach"
    return (f"{len(below)} of the {k} comparisons {verb} p < {alpha:g} ({named}), before any correction for "
            f"{k} tests; {adjusted}")


def format_p_range(low: float, high: float, floor: float = 1e-12) -> str:
    """The range of a p-value over many cohorts: exact magnitudes, because "< 0.001 to < 0.001"
    would hide what the range is. An end below ``floor`` prints as ``< floor``: no p-value is 0,
    and a test's variance that degenerates at an extreme ordering makes it underflow.

    >>> format_p_range(1.7e-8, 1.8e-6), format_p_range(0.0, 7.8e-4)
    ('1.7 × 10⁻⁸ to 1.8 × 10⁻⁶', '< 1.0 × 10⁻¹² to 7.8 × 10⁻⁴')
    """
    def end(value: float) -> str:
        return f"< {format_magnitude(floor)}" if not _missing(value) and value < floor else format_magnitude(value)
    return f"{end(low)} to {end(high)}"


def format_hr(hr: float) -> str:
    """A hazard ratio: two decimals, two significant digits below 0.1.

    >>> format_hr(0.0334), format_hr(0.68), format_hr(25.8), format_hr(float('inf'))
    ('0.033', '0.68', '25.80', '∞')
    """
    if _missing(hr):
        return "—"
    if not math.isfinite(hr):
        return "∞"
    if 0 < hr < 0.1:
        return _significant(hr, 2)
    return f"{hr:.2f}"


def format_hr_ci(hr: float, lower: float, upper: float) -> str:
    """``"0.16 (0.023–1.13)"``; an interval open on one side shows ∞."""
    return f"{format_hr(hr)} ({format_hr(lower)}–{format_hr(upper)})"


def format_percent(value: float, digits: int = 1) -> str:
    """A percentage already in percent: ``45.0``."""
    return "—" if _missing(value) else f"{value:.{digits}f}"


def format_months(value: float) -> str:
    """Months to one decimal: ``12.3``."""
    return "—" if _missing(value) else f"{value:.1f}"


def format_count(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in agreement: ``format_count(1, "event") == "1 event"``."""
    n = int(n)
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def format_bool(value) -> str:
    """✓ for true, ✗ for false, — for missing."""
    if _missing(value):
        return "—"
    return "✓" if bool(value) else "✗"


def format_number(value) -> str:
    """A general number for a table cell: integers as integers, otherwise three significant
    digits, never in computer notation."""
    if _missing(value):
        return "—"
    if isinstance(value, bool):
        return format_bool(value)
    if float(value).is_integer():
        return f"{int(value)}"
    return format_magnitude(float(value), 3)


def percent_with_ci(estimate: float, lower: float, upper: float, variance: float, digits: int = 1) -> str:
    """A proportion (0–1) as ``"45.0 (22.1–66.2)"`` in percent, or with "—" and the reason when the
    interval is degenerate (zero variance: no event yet, every patient had the event, or no one
    left at risk), where a printed ``0.0 (0.0–0.0)`` or ``100.0 (0.0–100.0)`` would mislead."""
    value = f"{100 * estimate:.{digits}f}"
    finite = all(math.isfinite(x) for x in (lower, upper, variance))
    # At 0 or 1 the log-log interval is undefined even where the (delta-method) variance is not 0.
    edge = 1e-9   # floating-point distance from 0 or 1 still read as 0 or 1
    if finite and variance > 0 and upper > lower and edge < estimate < 1 - edge:
        return f"{value} ({100 * lower:.{digits}f}–{100 * upper:.{digits}f})"
    if estimate <= edge:
        reason = "no event yet"
    elif estimate >= 1 - edge:
        reason = "every patient had the event"
    else:
        reason = "no patient left at risk"
    return f"{value} (—: {reason})"
