"""Printed estimates: degenerate intervals are shown as "—" with the reason."""

from __future__ import annotations

import math

import pytest

from mst_helpers.formatting import percent_with_ci


@pytest.mark.parametrize("args, expected", [
    ((0.45, 0.221, 0.662, 0.01), "45.0 (22.1–66.2)"),
    ((0.0, 0.0, 0.0, 0.0), "0.0 (—: no event yet)"),
    ((1.0, 0.0, 1.0, 0.0), "100.0 (—: every patient had the event)"),
    # Aalen–Johansen's delta-method variance is not 0 at 100% (6 of 6 relapsed): still no interval.
    ((1.0, 0.0, 1.0, 0.02), "100.0 (—: every patient had the event)"),
    ((1 - 1e-12, 0.0, 1.0, 0.02), "100.0 (—: every patient had the event)"),
    ((0.5, math.nan, math.nan, 0.0), "50.0 (—: no patient left at risk)"),
])
def test_percent_with_ci(args, expected):
    assert percent_with_ci(*args) == expected


from mst_helpers.formatting import (SCIENTIFIC_NOTATION, format_bool, format_count, format_hr, format_hr_ci,  # noqa: E402
                                    format_magnitude, format_number, format_p, format_p_range)


@pytest.mark.parametrize("p, expected", [
    (3.7e-5, "< 0.001"), (0.00099, "< 0.001"), (0.001, "0.0010"), (0.00339, "0.0034"), (0.0526, "0.053"),
    (0.0760078, "0.076"), (0.5, "0.50"), (0.0996, "0.10"), (0.999, "1.0"), (1.0, "1.0"), (float("nan"), "—"),
])
def test_p_values_print_as_a_journal_prints_them(p, expected):
    assert format_p(p) == expected


@pytest.mark.parametrize("hr, expected", [
    (0.0334, "0.033"), (0.054, "0.054"), (0.16, "0.16"), (4.84, "4.84"), (256.4, "256.40"), (float("inf"), "∞"),
])
def test_hazard_ratios_keep_two_significant_digits_when_small(hr, expected):
    assert format_hr(hr) == expected


def test_formatters_never_write_computer_notation():
    values = [1e-16, 4.4e-16, 3.6e-6, 0.00012, 0.0123, 1.0, 103.4483, 1e6]
    texts = [format_magnitude(v) for v in values] + [format_number(v) for v in values] + [format_p(v) for v in values]
    assert not [t for t in texts if SCIENTIFIC_NOTATION.search(t)]
    assert format_magnitude(1.83e-6) == "1.8 × 10⁻⁶"
    assert format_magnitude(-2.5e-4) == "−2.5 × 10⁻⁴"
    assert format_number(103.4483) == "103"
    assert format_p_range(1.7e-8, 0.0123) == "1.7 × 10⁻⁸ to 0.012"
    assert format_hr_ci(0.16, 0.0232, float("inf")) == "0.16 (0.023–∞)"


def test_no_p_range_starts_at_zero():
    """A p underflows to 0 where Gray's variance degenerates; no p-value is 0."""
    assert format_p_range(0.0, 7.8e-4) == "< 1.0 × 10⁻¹² to 7.8 × 10⁻⁴"
    assert format_p_range(3e-13, 0.5) == "< 1.0 × 10⁻¹² to 0.50"


@pytest.mark.parametrize("p_values, expected", [
    ({"a": 0.3, "b": 0.076}, "none of the 2 comparisons reaches p < 0.05 (smallest p = 0.076)"),
    ({"a": 0.3, "b": 0.02, "c": 0.9},
     "1 of the 3 comparisons reaches p < 0.05 (b, p = 0.020), before any correction for 3 tests; "
     "none survives Bonferroni's 0.05/3 = 0.017"),
    ({"a": 0.001, "b": 0.04},
     "2 of the 2 comparisons reach p < 0.05 (a, p = 0.0010; b, p = 0.040), before any correction for 2 tests; "
     "a survives Bonferroni's 0.05/2 = 0.025"),
])
def test_several_tests_are_summarised_without_explaining_one_away(p_values, expected):
    from mst_helpers.formatting import significance_summary

    assert significance_summary(p_values) == expected


def test_scientific_notation_pattern_finds_what_the_review_found():
    for text in ("3.7e-05", "p = 3.64592e-06", "1E+03"):
        assert SCIENTIFIC_NOTATION.search(text)
    for text in ("0.002", "MST-26", "1.8 × 10⁻⁶", "e-mail", "R2e"):
        assert not SCIENTIFIC_NOTATION.search(text)


def test_counts_agree_in_number_and_booleans_read_as_marks():
    assert [format_count(n, "event") for n in (0, 1, 2)] == ["0 events", "1 event", "2 events"]
    assert format_count(1, "patient") == "1 patient"
    assert (format_bool(True), format_bool(False), format_bool(None)) == ("✓", "✗", "—")
