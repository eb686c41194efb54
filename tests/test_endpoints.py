"""Endpoint definitions on hand-made patients, including the edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mst_helpers import endpoints as ep

D = pd.Timestamp


def _patients(rows):
    base = {"age_group": "60-70", "cr": 0, "cr_date": pd.NaT, "relapse": 0, "relapse_date": pd.NaT,
            "death": 0, "death_date": pd.NaT, "death_cause": None, "last_contact_date": D("2025-10-31")}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for c in ("diagnosis_date", "cr_date", "relapse_date", "death_date", "last_contact_date"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


HAND = _patients([
    # 1: CR, relapse, death — ordinary.
    {"patient_id": "a", "diagnosis_date": D("2010-01-01"), "cr": 1, "cr_date": D("2010-02-01"), "relapse": 1,
     "relapse_date": D("2011-02-01"), "death": 1, "death_date": D("2011-06-01"), "death_cause": "relapse",
     "last_contact_date": D("2011-06-01")},
    # 2: death on the CR date.
    {"patient_id": "b", "diagnosis_date": D("2010-01-01"), "cr": 1, "cr_date": D("2010-02-01"), "death": 1,
     "death_date": D("2010-02-01"), "death_cause": "infection", "last_contact_date": D("2010-02-01")},
    # 3: relapse and death on the same day.
    {"patient_id": "c", "diagnosis_date": D("2010-01-01"), "cr": 1, "cr_date": D("2010-03-01"), "relapse": 1,
     "relapse_date": D("2010-09-01"), "death": 1, "death_date": D("2010-09-01"), "death_cause": "relapse",
     "last_contact_date": D("2010-09-01")},
    # 4: no CR, died of leukaemia.
    {"patient_id": "d", "diagnosis_date": D("2010-01-01"), "death": 1, "death_date": D("2010-01-20"),
     "death_cause": "relapse", "last_contact_date": D("2010-01-20")},
    # 5: CR, alive without relapse at the cut-off.
    {"patient_id": "e", "diagnosis_date": D("2015-01-01"), "cr": 1, "cr_date": D("2015-02-01")},
])


def test_month_is_365_over_12_days():
    assert ep.DAYS_PER_MONTH == pytest.approx(30.416666, rel=1e-6)
    assert ep.months_between(pd.Series([D("2010-01-01")]), pd.Series([D("2011-01-01")])).iloc[0] == pytest.approx(12.0)


def test_overall_survival():
    os_ = ep.overall_survival(HAND).set_index("patient_id")
    assert os_.loc["a", "event"] == 1 and os_.loc["e", "event"] == 0
    assert os_.loc["d", "time"] == pytest.approx(19 / ep.DAYS_PER_MONTH)
    assert os_.loc["e", "time"] == pytest.approx((D("2025-10-31") - D("2015-01-01")).days / ep.DAYS_PER_MONTH)


def test_lfs_edge_cases():
    lfs = ep.leukaemia_free_survival(HAND).set_index("patient_id")
    assert "d" not in lfs.index                       # no CR: not in the LFS analysis
    assert lfs.loc["b", "time"] == 0 and lfs.loc["b", "event"] == 1   # death on the CR date
    assert lfs.loc["c", "event"] == 1                 # relapse and death the same day: one event
    assert lfs.loc["c", "time"] == pytest.approx((D("2010-09-01") - D("2010-03-01")).days / ep.DAYS_PER_MONTH)
    assert lfs.loc["e", "event"] == 0


def test_competing_events_from_cr():
    ce = ep.competing_events_from_cr(HAND).set_index("patient_id")
    assert ce.loc["a", "event"] == ep.RELAPSE
    assert ce.loc["b", "event"] == ep.NON_RELAPSE_DEATH and ce.loc["b", "time"] == 0
    assert ce.loc["c", "event"] == ep.RELAPSE         # the death follows the relapse
    assert ce.loc["e", "event"] == ep.CENSORED
    assert "d" not in ce.index


def test_competing_events_from_diagnosis():
    ce = ep.competing_events_from_diagnosis(HAND).set_index("patient_id")
    assert ce.loc["d", "event"] == 3                  # leukaemic death without remission: neither
    assert ce.loc["b", "event"] == ep.NON_RELAPSE_DEATH


def test_early_death_window():
    courses = pd.DataFrame({"patient_id": list("abcde"), "course": 1,
                            "chemo_start_date": [D("2010-01-03")] * 3 + [D("2009-12-23"), D("2015-01-03")]})
    # d: 28 days after chemotherapy started -> early; a: long after -> not.
    assert ep.early_deaths(HAND, courses).tolist() == [0, 0, 0, 1, 0]


def test_alive_and_leukaemia_free_at():
    assert ep.alive_at(HAND, 12).tolist() == [1, 0, 0, 0, 1]
    assert ep.leukaemia_free_at(HAND, 12).tolist() == [1, 0, 0, 0, 1]   # a relapses at 13 months
    assert ep.alive_at(HAND, 14).tolist()[0] == 1 and ep.leukaemia_free_at(HAND, 14).tolist()[0] == 0


def _labs(anc, plt, days=None):
    days = list(range(len(anc))) if days is None else days
    return pd.DataFrame({"patient_id": "x", "course": 1, "day": days, "anc_1e9_per_l": anc, "platelets_1e9_per_l": plt})


def test_recovery_rule_by_hand():
    # Days 0-1 high; from day 2 both low (start = 2); ANC > 0.5 from day 9 (7 days); platelets > 30 from day 12 (10 days).
    anc = [3, 3] + [0.2] * 7 + [0.8] * 8
    plt = [150, 150] + [10] * 10 + [40] * 5
    r = ep.recovery_times(_labs(anc, plt)).iloc[0]
    assert (r["start_day"], r["neutrophil_days"], r["platelet_days"]) == (2, 7, 10)


def test_recovery_on_the_last_possible_day():
    # ANC recovers for exactly the last three days of the series.
    anc = [3, 3, 0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6]
    plt = [150, 150, 20, 20, 20, 20, 50, 50, 50]
    r = ep.recovery_times(_labs(anc, plt)).iloc[0]
    assert r["neutrophil_days"] == 4 and r["platelet_days"] == 4


def test_never_recovering_gives_nan():
    r = ep.recovery_times(_labs([3, 0.1, 0.1, 0.1, 0.1, 0.7, 0.7], [150, 20, 20, 20, 20, 20, 20])).iloc[0]
    assert r["start_day"] == 1 and np.isnan(r["platelet_days"])
    assert np.isnan(r["neutrophil_days"])           # only two recovered days at the end: no run of three


def test_a_gap_in_the_series_breaks_a_run():
    days = [0, 1, 2, 3, 4, 6, 7, 8, 9]                # day 5 missing
    anc = [0.1, 0.1, 0.1, 0.1, 0.6, 0.6, 0.6, 0.6, 0.6]
    plt = [20] * 9
    r = ep.recovery_times(_labs(anc, plt, days)).iloc[0]
    assert r["start_day"] == 0 and r["neutrophil_days"] == 6   # run restarts after the gap: days 6, 7, 8


def test_blips_do_not_count_as_recovery():
    anc = [0.1, 0.1, 0.1, 0.6, 0.6, 0.1, 0.6, 0.6, 0.6]
    r = ep.recovery_times(_labs(anc, [20] * 9)).iloc[0]
    assert r["neutrophil_days"] == 6


def test_nrm_by_the_papers_definition_counts_refractory_deaths():
    """'NRM included any death not due to relapse': a patient never in CR who dies of leukaemia is
    NRM under the paper's definition, and a third event type only in the printed counts' framework."""
    from mst_helpers.endpoints import competing_events_from_diagnosis

    patients = pd.DataFrame({
        "patient_id": ["R", "N", "L", "A"], "age_group": ["g"] * 4,
        "diagnosis_date": pd.to_datetime(["2000-01-01"] * 4),
        "relapse": [1, 0, 0, 0], "relapse_date": pd.to_datetime(["2000-06-01", None, None, None]),
        "death": [1, 1, 1, 0], "death_date": pd.to_datetime(["2000-09-01", "2000-03-01", "2000-02-01", None]),
        "death_cause": ["relapse", "infection", "relapse", None],
        "last_contact_date": pd.to_datetime(["2000-09-01", "2000-03-01", "2000-02-01", "2001-01-01"]),
    })
    implied = competing_events_from_diagnosis(patients)["event"].tolist()
    defined = competing_events_from_diagnosis(patients, paper_definition=True)["event"].tolist()
    assert implied == [1, 2, 3, 0] and defined == [1, 2, 2, 0]
