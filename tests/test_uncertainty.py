"""Reconstruction uncertainty: one cohort's checks equal the chapters' own computations, and the
summary arithmetic is right on a hand-made table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mst_helpers import survival
from mst_helpers.reconstruct import reconstruct
from mst_helpers.uncertainty import CHECKS, check_statistics, summarise


def test_checks_of_seed_zero_match_direct_computation():
    stats = check_statistics(0)
    assert set(CHECKS) <= set(stats)
    frame = survival.analysis_frame(reconstruct(0).patients, "os")
    assert stats["logrank_os_age"] == pytest.approx(survival.log_rank(frame, "age_group").p_value)


def test_summarise_by_hand():
    table = pd.DataFrame({"logrank_os_age": [0.001, 0.01, 0.02, 0.2], "cox_os_age_hr": [2.0, 3.0, 4.0, 5.0]})
    claims = pd.DataFrame({"id": ["abs.os.p"], "printed": ["0.002"]})
    summary = summarise(table, claims).set_index("check")
    assert summary.at["logrank_os_age", "share_significant"] == pytest.approx(0.75)
    assert summary.at["logrank_os_age", "share_matching_printed"] == pytest.approx(0.0)
    assert summary.at["logrank_os_age", "median"] == pytest.approx(0.015)
    assert summary.at["cox_os_age_hr", "kind"] == "hr" and np.isnan(summary.at["cox_os_age_hr", "share_significant"])
