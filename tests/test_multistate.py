"""Multi-state model (induction → CR → relapse → death): hand-worked cases, then R.

R reference: ``tests/fixtures/multistate/multistate_reference.R``:
``survfit(Surv(tstart, tstop, state) ~ age_group, data = ms, id = patient_id, istate = from)``,
read with ``summary(fit, times = ..., extend = TRUE)``.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from mst_helpers import competing, multistate, survival
from mst_helpers.cohort import load_cohort

from .conftest import FIXTURES, ROOT, assert_r_fixtures_regenerate, r_has

MULTISTATE = FIXTURES / "multistate"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(ROOT / "data" / "reconstructed")


def _patient(pid, cr=None, relapse=None, death=None, last="2001-01-01"):
    """One patient diagnosed on 2000-01-01; dates as strings or None."""
    return {"patient_id": pid, "age_group": "g", "diagnosis_date": pd.Timestamp("2000-01-01"),
            "cr": int(cr is not None), "cr_date": pd.Timestamp(cr) if cr else pd.NaT,
            "relapse": int(relapse is not None), "relapse_date": pd.Timestamp(relapse) if relapse else pd.NaT,
            "death": int(death is not None), "death_date": pd.Timestamp(death) if death else pd.NaT,
            "last_contact_date": pd.Timestamp(death or last)}


def test_four_patients_by_hand():
    """A: CR then relapse then death; B: CR, alive; C: dies in induction; D: CR then death.

    Transitions by day: 31 A,B,D reach CR (3 of 4 in induction) → P(CR) = 3/4 with C still in
    induction; day 60 C dies (1 of 1 in induction) → P(death) = 1/4, P(induction) = 0; day 91
    A relapses (1 of 3 in CR) → P(CR) = 1/2, P(relapse) = 1/4; day 121 D dies in CR (1 of 2)
    → P(CR) = 1/4, P(death) = 1/2; day 152 A dies (1 of 1 relapsed) → P(relapse) = 0, P(death) = 3/4.
    """
    patients = pd.DataFrame([
        _patient("A", cr="2000-02-01", relapse="2000-04-01", death="2000-06-01"),
        _patient("B", cr="2000-02-01"),
        _patient("C", death="2000-03-01"),
        _patient("D", cr="2000-02-01", death="2000-05-01"),
    ])
    stays = multistate.transitions(patients)
    assert len(stays) == 3 + 2 + 1 + 2
    aj = multistate.aalen_johansen(stays).pivot_table(index="time", columns="state", values="probability")
    expected = {"induction": [1, 0.25, 0, 0, 0, 0], "CR": [0, 0.75, 0.75, 0.5, 0.25, 0.25],
                "relapse": [0, 0, 0, 0.25, 0.25, 0], "death": [0, 0, 0.25, 0.25, 0.5, 0.75]}
    for state, values in expected.items():
        np.testing.assert_allclose(aj[state].to_numpy(), values, atol=1e-12)
    counts = multistate.transition_counts(stays).set_index("transition")["n"]
    assert counts.to_dict() == {"induction->CR": 3, "induction->death": 1, "CR->relapse": 1, "CR->death": 1,
                                "relapse->death": 1}


def test_same_day_transitions_are_refused():
    patients = pd.DataFrame([_patient("X", cr="2000-02-01", relapse="2000-02-01", death="2000-03-01")])
    with pytest.raises(ValueError, match="patient X.*'CR'.*no length"):
        multistate.transitions(patients)


def test_death_state_is_one_minus_kaplan_meier(cohort):
    """Equal until a patient is censored in a transient state (MST-26 in relapse at 93.9 months):
    from then on Aalen–Johansen keeps that probability in the state, KM spreads it (R agrees)."""
    stays = multistate.transitions(cohort.patients, group=None)
    aj = multistate.occupation_at(multistate.aalen_johansen(stays), [6, 12, 36, 60, 120])
    km = survival.kaplan_meier(survival.analysis_frame(cohort.patients, "os"))
    for t in (6, 12, 36, 60, 120):
        death = aj[(aj["time"] == t) & (aj["state"] == "death")]["probability"].iloc[0]
        assert death == pytest.approx(1 - survival.survival_at(km, t)["survival"].iloc[0], abs=1e-12)


def test_competing_risks_are_a_special_case(cohort):
    """One initial state and two absorbing ones: Aalen–Johansen gives the cumulative incidences
    of cmprsk::cuminc (relapse and NRM from CR)."""
    from mst_helpers.endpoints import competing_events_from_cr

    frame = competing_events_from_cr(cohort.patients)
    stays = pd.DataFrame({"patient_id": frame["patient_id"], "group": "all", "from_state": "CR",
                          "to_state": frame["event"].map({0: None, 1: "relapse", 2: "death"}),
                          "tstart": 0.0, "tstop": frame["time"]})
    aj = multistate.occupation_at(multistate.aalen_johansen(stays, states=("CR", "relapse", "death")), [12, 36, 60])
    for cause, state in ((1, "relapse"), (2, "death")):
        cif = competing.cif_at(competing.cumulative_incidence(frame["time"], frame["event"], cause=cause), [12, 36, 60])
        ours = aj[aj["state"] == state]["probability"].to_numpy()
        np.testing.assert_allclose(ours, cif["estimate"].to_numpy(), atol=1e-12)


def test_state_occupation_against_r(cohort):
    """R: summary(survfit(Surv(tstart, tstop, state) ~ age_group, id = patient_id, istate = from), times, extend = TRUE)$pstate."""
    ref = pd.read_csv(MULTISTATE / "pstate.csv")
    ours = pd.concat([
        multistate.occupation_at(multistate.aalen_johansen(multistate.transitions(cohort.patients)), sorted(ref["time"].unique())),
        multistate.occupation_at(multistate.aalen_johansen(multistate.transitions(cohort.patients, group=None)),
                                 sorted(ref["time"].unique())),
    ])
    merged = ref.merge(ours, on=["group", "time", "state"], how="left", validate="one_to_one")
    assert merged["probability"].notna().all()
    np.testing.assert_allclose(merged["probability"], merged["pstate"], atol=1e-10)


def test_transition_hazards_against_r(cohort):
    """R: summary(fit, times, extend = TRUE)$cumhaz (Nelson–Aalen per transition)."""
    ref = pd.read_csv(MULTISTATE / "cumhaz.csv")
    ours = pd.concat([multistate.transition_hazards(multistate.transitions(cohort.patients), sorted(ref["time"].unique())),
                      multistate.transition_hazards(multistate.transitions(cohort.patients, group=None),
                                                    sorted(ref["time"].unique()))])
    merged = ref.merge(ours, on=["group", "time", "transition"], how="inner", suffixes=("_r", ""))
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["cumhaz"], merged["cumhaz_r"], atol=1e-10)


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("survival"), reason="R package survival not installed")
def test_r_multistate_fixtures_regenerate(tmp_path):
    assert_r_fixtures_regenerate(MULTISTATE / "multistate_reference.R", ("pstate.csv", "cumhaz.csv", "counts.csv"), tmp_path)
