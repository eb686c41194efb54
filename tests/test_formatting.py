"""Printed estimates: degenerate intervals are shown as "—" with the reason."""

from __future__ import annotations

import math

import pytest

from mst_helpers.formatting import percent_with_ci


@pytest.mark.parametrize("args, expected", [
    ((0.45, 0.221, 0.662, 0.01), "45.0 (22.1–66.2)"),
    ((0.0, 0.0, 0.0, 0.0), "0.0 (—: no event yet)"),
    ((1.0, 0.0, 1.0, 0.0), "100.0 (—: every patient had the event)"),
    ((0.5, math.nan, math.nan, 0.0), "50.0 (—: no patient left at risk)"),
])
def test_percent_with_ci(args, expected):
    assert percent_with_ci(*args) == expected
