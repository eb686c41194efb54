"""Competing risks: a hand-worked CIF, bad input, then R's cmprsk (cuminc, crr) as the oracle."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from mst_helpers import competing

from .conftest import FIXTURES, ROOT, r_has, rscript

CR = FIXTURES / "competing"
DATASETS = ("cohort_cr", "cohort_dx", "sim_600", "sim_6000")


def test_cif_by_hand():
    # t=1 cause 1 (n=4): F1 = 1/4, S = 3/4; t=2 cause 2 (n=3): S = 1/2; t=3 censored; t=4 cause 1 (n=1): F1 += 1/2.
    cif = competing.cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1])
    assert cif["estimate"].tolist() == pytest.approx([0.0, 0.25, 0.75])
    # 1 - KM, with the competing death treated as censoring, overstates it: it reaches 1.
    assert competing.one_minus_km([1, 2, 3, 4], [1, 2, 0, 1])["estimate"].iloc[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("call", [
    lambda: competing.cumulative_incidence([1, -2, 3], [1, 0, 1]),
    lambda: competing.gray_test([1, 2, 3], [1, 0, 7.5], [0, 1, 1]),
    lambda: competing.cumulative_incidence([1, 2, 3], [1, 0]),
    lambda: competing.gray_test([1, 2, 3], [2, 0, 2], [0, 1, 1], cause=1),
    lambda: competing.fine_gray(pd.DataFrame({"t": [1, 2], "e": [0, 0], "g": [0, 1]}), "t", "e", ["g"]),
    lambda: competing.fine_gray(pd.DataFrame({"t": [1, 2], "e": [1, 0]}), "t", "e", ["g"]),
    lambda: competing.gray_test([1, 2, 3], [1, 0, 1], [0, 0, 0]),
])
def test_bad_input_gives_a_clear_value_error(call):
    with pytest.raises(ValueError) as err:
        call()
    assert any(word in str(err.value) for word in ("non-negative", "unknown event code", "equal lengths", "no event of cause",
                                                   "lacks column", "two groups"))


def _data(name):
    return pd.read_csv(CR / f"{name}.csv")


def test_cohort_inputs_are_current():
    """The committed R inputs are what the endpoints derive from today's cohort files."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_inputs", CR / "make_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, frame in module.cohort_inputs(ROOT / "data" / "reconstructed").items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), _data(name), check_dtype=False, rtol=1e-9)


def test_cumulative_incidence_against_cuminc():
    """R: timepoints(cuminc(time, event, group), times): estimates and variances within 1e-8."""
    reference = pd.read_csv(CR / "cuminc.csv")
    for (name, cause), ref in reference.groupby(["dataset", "cause"]):
        d = _data(name)
        cif = competing.cumulative_incidence(d["time"], d["event"], d["group"], cause=int(cause))
        for group, rg in ref.groupby("group"):
            rg = rg[rg["est"].notna()]          # R gives NA after a group's last observed time
            ours = competing.cif_at(cif[cif["group"] == int(group)], rg["time"].to_numpy())
            assert ours["estimate"].to_numpy() == pytest.approx(rg["est"].to_numpy(), abs=1e-8), (name, cause, group)
            assert ours["variance"].to_numpy() == pytest.approx(rg["var"].to_numpy(), abs=1e-8), (name, cause, group)


def test_gray_against_cuminc():
    """R: cuminc(time, event, group)$Tests — statistic within 1e-8."""
    for row in pd.read_csv(CR / "gray.csv").itertuples():
        d = _data(row.dataset)
        res = competing.gray_test(d["time"], d["event"], d["group"], cause=int(row.cause))
        assert res.statistic == pytest.approx(row.stat, abs=1e-8) and res.df == row.df
        assert res.p_value == pytest.approx(row.pv, abs=1e-10, rel=1e-6)


def test_scalar_two_group_gray_equals_the_general_one():
    """The fast two-group path used by the attainability search: the R fixtures, then 2,000 random
    data sets (ties, censoring, both causes, groups that empty early) against ``gray_test``."""
    for row in pd.read_csv(CR / "gray.csv").itertuples():
        d = _data(row.dataset)
        if d["group"].nunique() == 2:
            fast = competing.gray_p_two_groups(d["time"].tolist(), d["event"].tolist(), d["group"].tolist(), int(row.cause))
            assert fast == pytest.approx(row.pv, abs=1e-10, rel=1e-6), row.dataset
    rng = np.random.default_rng(7)
    for case in range(2000):
        n = int(rng.integers(4, 35))
        time = rng.integers(1, 25, n).astype(float) if case % 2 else rng.exponential(10, n)
        event, group = rng.integers(0, 3, n), rng.integers(0, 2, n)
        if len(set(group)) < 2 or not (event == 1).any():
            continue
        general = competing.gray_test(time, event, group, cause=1).p_value
        assert competing.gray_p_two_groups(time, event, group, 1) == pytest.approx(general, abs=1e-12), case


def test_fine_gray_against_crr():
    """R: crr(time, event, cov1, failcode): coefficients within 1e-6; the sandwich SE we report is
    within 1% of crr's (the two estimators differ slightly when censoring ties an event time)."""
    reference = pd.read_csv(CR / "crr.csv")
    compared = 0
    for (name, cause), ref in reference.groupby(["dataset", "cause"]):
        if (ref["coef"].abs() > 5).any():   # separation (no event of this cause in one group): crr diverges too
            continue
        d = _data(name)
        covariates = list(ref["covariate"])
        fit = competing.fine_gray(d, "time", "event", covariates, cause=int(cause)).set_index("covariate")
        for row in ref.itertuples():
            assert fit.at[row.covariate, "coef"] == pytest.approx(row.coef, abs=1e-6), (name, cause, row.covariate)
            assert fit.at[row.covariate, "se"] == pytest.approx(row.se, rel=0.01), (name, cause, row.covariate)
            compared += 1
    assert compared >= 10


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("cmprsk"), reason="R package cmprsk not installed")
def test_cmprsk_fixtures_regenerate(tmp_path):
    subprocess.run([rscript(), str(CR / "cmprsk_reference.R"), str(CR), str(tmp_path)], check=True, capture_output=True)
    for name in ("cuminc.csv", "gray.csv", "crr.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(CR / name), rtol=1e-10)


def test_gray_and_fine_gray_side_by_side():
    """Each row is the test it names: Gray's row is gray_test, the Fine–Gray rows are the Wald χ²
    of fine_gray's coefficient with its robust and model-based SEs, the cut row a refit on
    follow-up cut at that time (events after it censored there)."""
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"time": rng.exponential(10, 80).round(1) + 0.1, "event": rng.integers(0, 3, 80),
                         "x": np.repeat([0, 1], 40)})
    side = competing.gray_vs_fine_gray(data, "time", "event", "x", cause=1, cut=8.0)
    gray = competing.gray_test(data["time"], data["event"], data["x"], cause=1)
    assert side["p"].iloc[0] == pytest.approx(gray.p_value)
    fg = competing.fine_gray(data, "time", "event", ["x"], cause=1).iloc[0]
    assert side["statistic"].iloc[1] == pytest.approx((fg["coef"] / fg["se"]) ** 2)
    assert side["statistic"].iloc[2] == pytest.approx((fg["coef"] / fg["se_model"]) ** 2)
    cut = data.assign(event=data["event"].where(data["time"] <= 8.0, 0), time=data["time"].clip(upper=8.0))
    assert side["shr"].iloc[3] == pytest.approx(competing.fine_gray(cut, "time", "event", ["x"], cause=1)["hr"].iloc[0])
    assert len(competing.gray_vs_fine_gray(data, "time", "event", "x")) == 3
