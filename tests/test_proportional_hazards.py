"""Proportional-hazards tests against R ``survival`` >= 3 ``cox.zph`` (fixture:
``tests/fixtures/survival/cox_zph.csv``, made by ``survival_reference.R``)."""

from __future__ import annotations

import pandas as pd
import pytest

from mst_helpers import survival
from mst_helpers.cohort import load_cohort
from mst_helpers.proportional_hazards import cox_zph

from .conftest import FIXTURES, ROOT


@pytest.fixture(scope="module")
def frames():
    patients = load_cohort(ROOT / "data" / "reconstructed").patients
    return {endpoint: survival.analysis_frame(patients, endpoint) for endpoint in ("os", "lfs")}


def test_cox_zph_against_r(frames):
    """R: cox.zph(coxph(Surv(time, event) ~ <model>), transform = <transform>)$table."""
    reference = pd.read_csv(FIXTURES / "survival" / "cox_zph.csv")
    for (endpoint, model, transform), ref in reference.groupby(["endpoint", "model", "transform"]):
        ours = cox_zph(frames[endpoint], model.split("+"), transform).set_index("covariate")
        for row in ref.itertuples():
            assert ours.at[row.term, "chisq"] == pytest.approx(row.chisq, rel=1e-6), (model, transform, row.term)
            assert ours.at[row.term, "p"] == pytest.approx(row.p, rel=1e-6, abs=1e-10)
            assert ours.at[row.term, "df"] == row.df


def test_constant_hazard_ratio_gives_no_signal():
    """Two groups with interleaved deaths and no trend in the Schoenfeld residuals: a small chi-square."""
    frame = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10.0], "event": [1] * 10,
                          "x": [1, 0, 0, 1, 1, 0, 0, 1, 1, 0]})
    table = cox_zph(frame, ["x"]).set_index("covariate")
    assert table.at["x", "p"] > 0.5 and table.at["GLOBAL", "df"] == 1


def test_cox_zph_refuses_unknown_input(frames):
    with pytest.raises(ValueError, match="lacks"):
        cox_zph(frames["os"], ["nope"])
    with pytest.raises(ValueError, match="transform"):
        cox_zph(frames["os"], ["age_over_70"], "squared")
