"""Table builders: hand-made cohorts first, then the paper's Table 1 on the committed cohort."""

from __future__ import annotations

import pandas as pd
import pytest

from mst_helpers.cohort import load_cohort
from mst_helpers.tables import (
    TABLE1,
    TABLE2,
    RowSpec,
    adverse_event_summary,
    clinical_table,
    markdown_table,
    numbered_table,
    side_by_side,
)
from mst_helpers.targets import recompute_claims, spss_quantiles

from .conftest import ROOT


def _tiny():
    patients = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(6)],
        "age_group": ["60-70"] * 4 + [">70"] * 2,
        "donor_age": [30, 32, 34, 36, 50, 52],
        "diagnosis_date": pd.to_datetime(["2010-01-01"] * 6),
    })
    recomputed = {"x.yes.all.n": 3, "x.yes.all.pct": 50.0, "x.yes.60-70.n": 3, "x.yes.60-70.pct": 75.0,
                  "x.yes.>70.n": 0, "x.yes.>70.pct": 0.0}
    return patients, recomputed


def test_binary_row_is_tested_against_group_size():
    patients, recomputed = _tiny()
    spec = RowSpec("X", "x.p", (("yes", "x.yes"),))
    table = clinical_table([spec], recomputed, patients)
    row = table.iloc[0]
    assert row["60-70"] == "3 (75.00)" and row[">70"] == "0 (0.00)"
    # [[3, 0], [1, 2]]: Fisher p = 0.4 by hand (tables as or less likely: observed 0.2 and mirror 0.2).
    assert row["p"] == pytest.approx(0.4)


def test_mean_sd_row_and_student_t():
    patients, recomputed = _tiny()
    spec = RowSpec("Donor age", "d.p", kind="mean_sd", column="donor_age", test="Student t", alternative="Welch t")
    row = clinical_table([spec], recomputed, patients).iloc[0]
    assert row["60-70"] == "33.00 ± 2.58" and row[">70"] == "51.00 ± 1.41"
    # Pooled variance (3 * 20/3 + 1 * 2) / 4 = 5.5; t = -18 / sqrt(5.5 * (1/4 + 1/2)) = -8.863 on 4 df.
    assert row["p"] == pytest.approx(0.000895, rel=1e-3)
    # Welch: SE = sqrt(20/3/4 + 2/2) = 1.633, t = -11.02 on 3.69 df.
    assert row["p_alternative"] == pytest.approx(0.000587, rel=1e-2)


def test_spss_quantiles_by_hand():
    # n = 9: Q1 at position 2.5 -> (x2 + x3) / 2.
    assert spss_quantiles([1, 2, 3, 4, 5, 6, 7, 8, 9]) == [2.5, 5.0, 7.5]


def test_side_by_side_highlights_only_differences(claims):
    cohort = load_cohort(ROOT / "data" / "reconstructed")
    recomputed = recompute_claims(cohort.patients, cohort.courses, cohort.chimerism, cohort.labs)
    shown = side_by_side(clinical_table(TABLE1, recomputed, cohort.patients), TABLE1, claims)
    assert shown["variable"].tolist()[:3] == ["Patient sex", "", "Donor sex"]   # each name once
    shown = shown.set_index("level")
    assert shown.at["Male", "60-70"].iloc[0] == "9 (45.00)"                        # equal: plain
    assert shown.at["Female to female", "60-70"].startswith("**")                  # relaxed: bold
    assert "(paper: 3 (15.0))" in shown.at["Female to female", "60-70"]
    assert shown.at["Male", "paper p"].iloc[0] == "0.412"
    assert shown.at["Male", "p (test)"].iloc[0] == "0.412 (Fisher exact)"


def test_table2_counts_and_doses(claims):
    cohort = load_cohort(ROOT / "data" / "reconstructed")
    recomputed = recompute_claims(cohort.patients, cohort.courses, cohort.chimerism, cohort.labs)
    table = clinical_table(TABLE2, recomputed, cohort.patients).set_index("variable")
    assert table.at["MNC × 10⁸/kg, M (Q1, Q3)", "all"] == "3.57 (2.66, 4.23)"
    assert table.at["CD34⁺ × 10⁶/kg, M (range)", ">70"] == "1.54 (0.74–3.16)"


def test_adverse_event_summary():
    patients = pd.DataFrame({"age_group": ["60-70"] * 3 + [">70"] * 2})
    for column in ("ae_cardiac_failure", "ae_arrhythmia", "ae_liver_enzymes", "ae_nausea", "ae_vomiting", "ae_diarrhea", "ae_sepsis"):
        patients[column] = [1, 1, 0, 0, 0]
    summary = adverse_event_summary(patients)
    row = summary[(summary["column"] == "ae_sepsis") & (summary["group"] == "60-70")].iloc[0]
    assert (row["k"], row["n"]) == (2, 3) and row["pct"] == pytest.approx(200 / 3)
    assert row["p_fisher"] == pytest.approx(0.4)   # [[2, 0], [1, 2]]
    with pytest.raises(ValueError, match="ae_sepsis"):
        adverse_event_summary(patients.drop(columns="ae_sepsis"))


def test_markdown_and_numbered_table():
    frame = pd.DataFrame({"a": [1.23456, float("nan")], "b": ["x|y", "z"], "c": [True, False], "d": [3.6e-6, 103.4483]})
    text = markdown_table(frame)
    assert "| 1.23 | x\\|y | ✓ | 3.60 × 10⁻⁶ |" in text and "| — | z | ✗ | 103 |" in text
    assert numbered_table(frame, "Caption.", "tab-x").data.startswith("```{table} Caption.\n:name: tab-x")
    with pytest.raises(ValueError):
        numbered_table(frame, "c", "bad label!")


def test_regenerate_table_checks_printed_pvalues(claims):
    from mst_helpers.tables import regenerate_table

    cohort = load_cohort(ROOT / "data" / "reconstructed")
    recomputed, table, shown, tested = regenerate_table(TABLE1, cohort, claims)
    by_id = tested.set_index("p_id")
    assert by_id.at["t1.patient_sex.p", "paper"] == "0.412" and by_id.at["t1.patient_sex.p", "reproduced"]
    assert not by_id.at["t1.sex_match.p", "reproduced"]          # the relaxed cross-tabulation moves it
    assert len(shown) == len(table) and recomputed["t1.header.all.n"] == 29


def test_repeated_long_explanations_become_notes():
    why = "the paper prints this number in one place and a different one in another place of the text"
    frame = pd.DataFrame({"claim": list("abcd"), "why": [why, why, why, "short"]})
    text = numbered_table(frame, "Caption.", "tab-x").data
    assert text.count(why) == 1 and text.count("see note a") == 3 and f"- Note a. {why}" in text
