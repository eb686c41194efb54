"""Tests of mst_helpers.audit: GRIM arithmetic by hand, then the audit of the real registry."""

from __future__ import annotations


import numpy as np
import pytest

from mst_helpers import audit


# ----------------------------------------------------------------- arithmetic by hand
def test_rounds_to_and_truncation():
    assert audit.rounds_to(100 * 5 / 9, "55.56")
    assert not audit.rounds_to(100 * 5 / 9, "55.55")
    assert audit.truncates_to(100 * 5 / 9, "55.55")
    assert audit.rounds_to(0.125, "0.13") and audit.rounds_to(0.125, "0.12")  # ties either way


def test_grim_by_hand():
    # 9 patients at one decimal: 0.0, 11.1, 22.2, 33.3, 44.4, 55.6, 66.7, 77.8, 88.9, 100.0.
    assert [audit.grim_consistent(p, 9) for p in ("11.1", "10.0", "66.7", "55.6", "55.5")] == [True, False, True, True, False]
    assert audit.grim_denominators("10.0", range(8, 12)) == [10]


def test_grimmer_by_hand():
    # 1, 2, 3: mean 2.00, SD 1.00 possible; SD 1.10 impossible for three integers with mean 2.
    assert audit.grimmer_consistent("2.00", "1.00", 3)
    assert not audit.grimmer_consistent("2.00", "1.10", 3)
    # Mean 2.50 of 3 integers is GRIM-impossible, hence GRIMMER-impossible too.
    assert not audit.grimmer_consistent("2.50", "1.00", 3)


def test_max_deviation_is_attained():
    # One outlier among equal values attains Samuelson's bound.
    values = np.array([0.0] * 9 + [10.0])
    sd = values.std(ddof=1)
    assert abs(values.max() - values.mean()) == pytest.approx(audit.max_deviation(len(values), sd))


def test_fits_with_fixed_by_hand():
    # n = 3, mean 2, SD 1.00 (SS = 2): {1} fits (1, 2.5, 2.5? SS = 1 + 2 * 0.25 = 1.5); {0} does not (4 + 2 * 1 = 6).
    assert audit.fits_with_fixed(3, 2.0, "1.00", [1])[0]
    assert not audit.fits_with_fixed(3, 2.0, "1.00", [0])[0]
    assert audit.fits_with_fixed(3, 2.0, "1.00", [0])[1] == pytest.approx(6.0)


def test_neighbouring_tables_count():
    # 3 x 3 count changes x 2 x 2 size changes, minus the table itself, all valid here.
    assert len(audit.neighbouring_tables(np.array([[5, 5], [5, 5]]))) == 35


# ----------------------------------------------------------------- the paper's registry
def test_percent_checks_find_the_known_problems(claims):
    checks = audit.percent_checks(claims)
    failed = set(checks.loc[~checks["consistent"], "claim_ids"])
    assert {"t2.induction.all.pct", "t2.death_cause.relapse.>70.pct", "abs.os.>70.pct", "disc.cr.>70.pct"} <= failed
    # Correct rows pass: 11/29 = 37.93%.
    row = checks[checks["claim_ids"] == "t1.patient_sex.male.all.pct"].iloc[0]
    assert row["consistent"] and row["recomputed"] == "37.9310"
    assert "truncated" in checks.set_index("claim_ids").at["t2.death_cause.relapse.>70.pct", "detail"]


def test_sum_checks(claims):
    checks = audit.sum_checks(claims).set_index("check")
    assert not checks.at["Table 2 causes of death (all): add up to deaths", "consistent"]
    assert not checks.at["female donors (60-70): F→F + F→M = donor female", "consistent"]
    assert checks.at["female donors (>70): F→F + F→M = donor female", "consistent"]
    assert checks.at["group sizes add up to the cohort", "consistent"]
    assert not checks.at["t2.cr: 60-70 + >70 = all", "consistent"]
    assert checks.at["t2.death: 60-70 + >70 = all", "consistent"]


def test_date_checks(claims):
    checks = audit.date_checks(claims).set_index("check")
    assert not checks.at["first year of diagnosis vs enrollment start", "consistent"]
    assert checks.at["longest follow-up: implied start vs enrollment start", "recomputed"] == "starts 2007-08-02"


def test_donor_ages_pass_grim_and_grimmer(claims):
    checks = audit.donor_age_checks(claims)
    real = checks[~checks["detail"].str.startswith("informative")]
    assert real[real["check"].str.startswith(("GRIM", "group"))]["consistent"].all()
    joint = checks[checks["check"].str.contains("together in the 60-70 group")].iloc[0]
    assert not joint["consistent"]
    by = checks.set_index("check")["consistent"]
    assert by["donor age 18 can belong to the 60-70 group"] and not by["donor age 18 can belong to the >70 group"]


def test_test_attribution_identifies_the_authors_tests(claims):
    attribution = audit.test_attribution(audit.pvalue_checks(claims)).set_index("p_id")["reproduced_by"]
    assert attribution["t1.patient_sex.p"] == "Fisher exact"
    assert attribution["t1.sex_match.p"] == "Pearson chi-square"
    assert attribution["t2.death_cause.p"] == "Pearson chi-square"
    assert attribution["t1.donor_age.p"] == "Student t"
    assert attribution["t2.early_death.p"] == "Fisher exact"
    assert attribution["t2.cr.p"] == "not reproduced by any candidate test"
    assert attribution["t2.mnc.p"] == "needs patient-level data"


def test_inconsistencies_have_explanations(claims):
    percent = audit.percent_checks(claims)
    sums = audit.sum_checks(claims)
    found = audit.inconsistencies(percent, sums, pvalue_attribution=audit.test_attribution(audit.pvalue_checks(claims)))
    assert len(found) >= 20
    assert (found["explanation"].str.len() > 20).all()
    assert found["claim_ids"].str.contains("t2.cr.p").any()
    assert "30-patient" in found.set_index("claim_ids").loc["abs.os.>70.pct", "explanation"]


def test_month_conventions(claims):
    table = audit.month_convention_checks(claims)
    reach = table.groupby("convention")["reachable"]
    follow = table[table["claim_id"].str.startswith("res.followup")].groupby("convention")["reachable"].all()
    assert follow.to_dict() == {"30": False, "30.44": False, "365.25/12": False, "365/12": True}
    # 219.12 months under 365/12 is 6665 days.
    row = table[(table["claim_id"] == "res.followup.max") & (table["convention"] == "365/12")].iloc[0]
    assert row["days"] == "6665"
    assert reach.size().nunique() == 1
