"""Tests of mst_helpers.audit: GRIM arithmetic by hand, then the audit of the real registry."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from mst_helpers import audit

from .conftest import ROOT


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


def test_origin_search_lists_every_table_by_hand():
    """Printed 0.049 beside 12/20 vs 9/9 deaths: no test on those counts gives it; among all tables
    of 20/9, 21/9 and 20/10 patients, Fisher on 10/20 vs 9/10 does (p = 0.0485), and a table and
    its complement (the other outcome counted) appear once."""
    origins = audit.pvalue_origins(np.array([[12, 9], [8, 0]]), "0.049")
    assert origins.iloc[0]["table"] == "10/20 vs 9/10" and origins.iloc[0]["test"] == "Fisher exact"
    assert origins.iloc[0]["p_value"] == pytest.approx(0.04851, abs=1e-5)
    assert not origins["table"].isin(["10/20 vs 1/10"]).any()          # the complement of the first
    # 0.290 may be a two-place value padded with a zero: Fisher on the printed CR counts gives 0.2872.
    cr = audit.pvalue_origins(np.array([[18, 6], [2, 3]]), "0.290")
    assert (cr.iloc[0]["table"], cr.iloc[0]["distance"]) == ("18/20 vs 6/9", 0)
    assert "padded" in cr.iloc[0]["reading"]


def test_one_more_patient_by_hand():
    """25/30 and 7/10 are one more than 24/29 and 6/9; 11/30 cannot follow from 13/29."""
    rows = [
        {"id": "a.all.pct", "quantity": "x", "group": "all", "printed": "44.83", "kind": "percent", "denominator": 29},
        {"id": "b.all.pct", "quantity": "x", "group": "all", "printed": "36.7", "kind": "percent", "denominator": 29},
        {"id": "c.>70.pct", "quantity": "y", "group": ">70", "printed": "66.67", "kind": "percent", "denominator": 9},
        {"id": "d.>70.pct", "quantity": "y", "group": ">70", "printed": "70.0", "kind": "percent", "denominator": 9},
        {"id": "t2.header.all.n", "quantity": "n", "group": "all", "printed": "29", "kind": "count", "denominator": None},
        {"id": "t2.header.>70.n", "quantity": "n", "group": ">70", "printed": "9", "kind": "count", "denominator": None},
    ]
    claims = pd.DataFrame(rows).assign(value=lambda f: f["printed"].astype(float))
    table = audit.one_more_patient(claims, pairs=(("a.all.pct", "b.all.pct"), ("c.>70.pct", "d.>70.pct"))).set_index("claim_id")
    assert table.at["d.>70.pct", "one_more"] == "7/10" and table.at["d.>70.pct", "explained"]
    assert table.at["b.all.pct", "change"] == -2 and not table.at["b.all.pct", "explained"]
    assert "cannot explain" in audit.one_more_patient_verdict(table.reset_index())


# ----------------------------------------------------------------- the paper's registry
def test_percent_checks_find_the_known_problems(claims):
    checks = audit.percent_checks(claims)
    failed = set(checks.loc[~checks["consistent"], "claim_ids"])
    assert {"t2.induction.all.pct", "t2.death_cause.relapse.>70.pct", "abs.os.>70.pct", "disc.cr.>70.pct"} <= failed
    # Correct rows pass: 11/29 = 37.93%.
    row = checks[checks["claim_ids"] == "t1.patient_sex.male.all.pct"].iloc[0]
    assert row["consistent"] and row["recomputed"] == "37.9310"
    assert checks.set_index("claim_ids").at["t2.death_cause.relapse.>70.pct", "cause"] == "truncated, not rounded"


def test_sum_checks(claims):
    checks = audit.sum_checks(claims).set_index("check")
    assert not checks.at["Table 2 causes of death (all): add up to deaths", "consistent"]
    assert not checks.at["female donors (60-70): F→F + F→M = donor female", "consistent"]
    assert checks.at["female donors (>70): F→F + F→M = donor female", "consistent"]
    assert checks.at["group sizes add up to the cohort", "consistent"]
    assert not checks.at["Overall CR (Table 2): 60-70 + >70 = all", "consistent"]
    assert checks.at["Total death (Table 2): 60-70 + >70 = all", "consistent"]


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
    assert attribution["t2.cr.p"] == "Fisher exact, rounded to fewer places than printed"
    assert attribution["t2.death.p"] == "no test on the printed counts; reproduced on another table"
    assert attribution["t2.mnc.p"] == "needs patient-level data"


def _all_inconsistencies(claims):
    return audit.inconsistencies(audit.percent_checks(claims), audit.sum_checks(claims), audit.repeated_number_checks(claims),
                                 audit.median_checks(claims), audit.date_checks(claims), audit.donor_age_checks(claims),
                                 pvalue_attribution=audit.test_attribution(audit.pvalue_checks(claims)))


def test_every_inconsistency_carries_a_computed_numeric_explanation(claims):
    found = _all_inconsistencies(claims)
    assert len(found) >= 20
    assert (found["cause"].str.len() > 15).all()
    assert found["evidence"].str.contains(r"\d", regex=True).all()
    # No fallback text, and no pointer to a table that is not there.
    assert not found["cause"].str.contains("arithmetic does not hold|neighbouring tables", regex=True).any()
    by_id = found.set_index("claim_ids")
    assert "proportion of 10" in by_id.at["abs.os.>70.pct", "cause"]
    assert "10/20 vs 9/10" in by_id.at["t2.death.p", "cause"]
    # 36.7% cannot come from one more patient: 11 of 30 against 13 of 29.
    assert "cannot" in by_id.at["t2.os.3y.all.pct;disc.os3y.pct", "cause"]


def test_a_failed_check_without_a_cause_stops(claims):
    percent = audit.percent_checks(claims)
    broken = percent.assign(cause="")
    with pytest.raises(ValueError, match="without a computed cause"):
        audit.inconsistencies(broken)


def test_false_alarms_stay_removed(claims):
    """Four readings a review found wrong: the Discussion's 90% and 10-month median are consistent,
    0.3 is the CR test rounded, and a longest OS below the longest follow-up is no conflict."""
    found = _all_inconsistencies(claims)
    flagged = {cid for ids in found["claim_ids"] for cid in ids.split(";")}
    for claim in ("disc.cr.60-70.pct", "disc.os.>70.median", "disc.cr.p", "res.os.max"):
        assert claim not in flagged, claim
    medians = audit.median_checks(claims)
    assert medians["consistent"].all()
    assert not audit.date_checks(claims)["check"].str.contains("= longest follow-up").any()


def test_nrm_by_the_papers_definition(claims):
    """NRM is any death not due to relapse: at least deaths − relapses (12 − 9, 9 − 6), not 2."""
    sums = audit.sum_checks(claims).set_index("check")
    for group, minimum in (("60-70", 3), (">70", 3)):
        row = sums.loc[f"NRM ({group}) ≥ deaths − relapses: the paper defines NRM as any death not due to relapse"]
        assert not row["consistent"] and f"at least {minimum}" in row["cause"]


def test_month_conventions(claims):
    table = audit.month_convention_checks(claims)
    reach = table.groupby("convention")["reachable"]
    follow = table[table["claim_id"].str.startswith("res.followup")].groupby("convention")["reachable"].all()
    assert follow.to_dict() == {"30": False, "30.44": False, "365.25/12": False, "365/12": True}
    # 219.12 months under 365/12 is 6665 days.
    row = table[(table["claim_id"] == "res.followup.max") & (table["convention"] == "365/12")].iloc[0]
    assert row["days"] == "6665"
    assert reach.size().nunique() == 1


def test_definitions_must_meet_without_a_gap(claims):
    """CR needs < 5% marrow blasts, relapse > 5%: exactly 5% is in neither state."""
    row = audit.definition_checks(claims).iloc[0]
    assert not row["consistent"] and "exactly 5" in row["cause"]
    fixed = claims.copy()
    fixed.loc[fixed["id"] == "meth.relapse.blasts", "comparator"] = "≥"
    assert audit.definition_checks(fixed)["consistent"].all()


def test_crude_five_year_counts_need_five_years_of_follow_up(claims):
    rows = audit.landmark_follow_up_checks(claims)
    assert (~rows["consistent"]).all() and rows["evidence"].str.contains("52.96 < 60").all()
    longer = claims.copy()
    longer.loc[longer["id"] == "res.followup.min", "value"] = 61.0
    longer.loc[longer["id"] == "res.followup.min", "printed"] = "61.00"
    assert audit.landmark_follow_up_checks(longer)["consistent"].all()


def test_software_versions_against_their_releases(claims):
    releases = audit.load_releases(ROOT / "data" / "published" / "bioconductor_releases.csv")
    rows = audit.version_checks(claims, releases).set_index("claim_ids")
    deseq = rows.loc["meth.deseq2_version;meth.r_version"]
    assert not deseq["consistent"] and "Bioconductor 3.7" in deseq["cause"] and "R 3.5" in deseq["cause"]
    # The same packages printed with the R of their release are consistent.
    same_r = claims.copy()
    same_r.loc[same_r["id"] == "meth.r_version", "printed"] = "3.5.1"
    assert audit.version_checks(same_r, releases)["consistent"].all()


def test_statements_in_words_that_contradict_each_other():
    statements = audit.load_statements(ROOT / "data" / "published" / "statements.csv")
    rows = audit.statement_checks(statements).set_index("check")
    assert not rows.at["donor age and LFS: one finding throughout", "consistent"]
    assert rows.at["patient age and OS: one finding throughout", "consistent"]


@pytest.mark.parametrize("name, line, bad, column", [
    ("bioconductor_releases.csv", 2, "3.7,2018,three,1.20,3.8", "r_version"),
    ("statements.csv", 3, "x.y,results,donor age,LFS,maybe,Cox,\"a sentence long enough\"", "finding"),
])
def test_reference_tables_are_validated(tmp_path, name, line, bad, column):
    from mst_helpers.schema import DataValidationError

    lines = (ROOT / "data" / "published" / name).read_text().splitlines()
    lines[line - 1] = bad
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    load = audit.load_releases if name.startswith("bioc") else audit.load_statements
    with pytest.raises(DataValidationError, match=rf"{name}.*line {line}.*'{column}'"):
        load(path)


def test_patients_sequenced_and_analysed_are_counted_alike(claims):
    rows = audit.count_statement_checks(claims).set_index("check")
    sequenced = rows.loc["patients sequenced: one number in every place"]
    assert not sequenced["consistent"] and "says 10 where the other places say 4" in sequenced["cause"]
    analysed = rows.loc["patients analysed: one number in every place"]
    assert not analysed["consistent"] and "says 30" in analysed["cause"]
