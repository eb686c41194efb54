"""The chapters' bottom lines: short, built from the numbers, and worded by what the numbers say."""

from pathlib import Path

import pytest

from mst_helpers import bottom_line as bl
from mst_helpers.cohort import is_reconstruction
from mst_helpers.formatting import SCIENTIFIC_NOTATION
from mst_helpers.transcriptomics import is_simulated

ROOT = Path(__file__).resolve().parents[1]
PRINTED = {"abs.os.p": "0.002", "abs.lfs.p": "0.015", "abs.os.median": "20.00", "abs.relapse.p": "0.048",
           "abs.nrm.p": "0.13", "abs.cr.all.pct": "86.2", "abs.cr.all.n": "25", "abs.cr.all.den": "29",
           "res.cr.60-70.n": "18", "res.cr.>70.n": "6"}

SURVIVAL = {"km_diff.os.1y": -46.7, "km_diff.os.1y.lower": -82.1, "km_diff.os.1y.upper": -11.2,
            "logrank.os.age_group.p": 3.7e-5, "logrank.lfs.age_group.p": 3.6e-6, "median_os": 19.63,
            "median_os_lower": 8.91, "median_os_upper": 51.9, "cox.os.courses_gt3.hr": 0.0327,
            "cox.os.courses_gt3.profile_lower": 0.0048, "cox.os.courses_gt3.profile_upper": 0.137}
IMMORTAL = {"naive.os.hr": 0.0327, "naive.os.p": 3.9e-9, "td.os.hr": 0.047, "td.os.lower": 0.0083, "td.os.upper": 0.27,
            "td.os.age.hr": 0.16, "td.os.age.lower": 0.023, "td.os.age.upper": 1.13}
COMPETING = {"cif.cr.relapse.>70.60": 100.0, "cif.cr.relapse.60-70.60": 44.4, "gray.cr.relapse.p": 4e-6,
             "gray.cr.NRM.p": 0.57, "km_relapse_end": 65.0, "aj_relapse_end": 62.5}
RESPONSE = {"n_patients": 29, "cr_total": 24, "cr_pct": 82.76, "cr_lower": 64.2, "cr_upper": 94.2, "n_table2_p": 9,
            "n_table2_p_reproduced": 3, "recovery_anc_median": 12.0, "recovery_plt_median": 14.0, "ae_n_significant": 1,
            "recomputed.res.ae.nausea.n": 19, "recomputed.res.ae.sepsis.n": 5}
CHIMERISM = {"n_patients": 29, "n_never_detected": 28, "never_pct": 96.552, "gvhd_n": 1, "gvhd_pct": 3.448,
             "gvhd_lower": 0.087, "gvhd_upper": 17.76, "rule_three": 10.34, "true_risk_pct": 3.0, "p_no_case_pct": 41.34}
TRANSCRIPTOMICS = {"n_samples.AML": 4, "n_samples.Control": 2, "n_up": 883, "n_down": 696, "ora.n_significant": 42,
                   "ora.top_term": "Lysosome (hsa04142)", "r.genes_compared": 16661, "r.calls_differing": 13}


def test_compose_keeps_two_to_four_sentences():
    assert bl.compose("first", "second one.") == "First. Second one."
    with pytest.raises(ValueError, match="two to four"):
        bl.compose("only one")
    with pytest.raises(ValueError, match="two to four"):
        bl.compose("a", "b", "c", "d", "e")


def test_difference_phrase_follows_the_p_value():
    assert bl.difference_phrase(0.002) == "evidence of a difference (p = 0.0020)"
    assert bl.difference_phrase(0.29) == "no evidence of a difference (p = 0.29)"
    assert bl.difference_phrase(0.05).startswith("no evidence")  # read at alpha = 0.05, as the paper does


def test_survival_wording_flips_with_the_log_rank_p():
    significant = bl.survival(SURVIVAL, PRINTED)
    assert "evidence of a difference in overall survival (p < 0.001) and in leukaemia-free survival" in significant
    assert "the paper prints p = 0.002 and 0.015" in significant
    assert "lower over 70" in significant and "(95% CI 11.2 to 82.1)" in significant
    null = bl.survival({**SURVIVAL, "logrank.lfs.age_group.p": 0.31}, PRINTED)
    assert "no evidence of one in leukaemia-free survival (p = 0.31)" in null
    both_null = bl.survival({**SURVIVAL, "logrank.os.age_group.p": 0.4, "logrank.lfs.age_group.p": 0.31}, PRINTED)
    assert "gives no evidence of a difference in overall survival (p = 0.40) or in leukaemia-free" in both_null


def test_own_data_never_compares_with_the_paper():
    for text in (bl.survival(SURVIVAL, PRINTED, reconstructed=False),
                 bl.competing(COMPETING, PRINTED, reconstructed=False),
                 bl.response(RESPONSE, PRINTED, reconstructed=False)):
        assert "paper" not in text
    assert "simulated" not in bl.transcriptomics(TRANSCRIPTOMICS, simulated=False)
    assert bl.transcriptomics(TRANSCRIPTOMICS, simulated=False).startswith("On your counts")


def test_immortal_verdict_follows_the_adjusted_interval():
    includes_one = bl.immortal(IMMORTAL)
    assert "the interval includes no effect" in includes_one
    assert "a hazard ratio of 0.16 (95% CI 0.023–1.13)" in includes_one
    excludes_one = bl.immortal({**IMMORTAL, "td.os.age.upper": 0.8})
    assert "The association survives the correction" in excludes_one and "includes no effect" not in excludes_one


def test_response_explains_the_cr_total_only_when_the_printed_counts_disagree():
    assert "add up to 18 + 6 = 24" in bl.response(RESPONSE, PRINTED)
    agreeing = {**PRINTED, "abs.cr.all.n": "24"}
    assert "add up" not in bl.response(RESPONSE, agreeing)


def test_chimerism_with_no_case_uses_the_rule_of_three():
    assert "GVHD developed in 1 patient (3.4%, exact 95% CI 0.1–17.8%)" in bl.chimerism(CHIMERISM)
    none = bl.chimerism({**CHIMERISM, "gvhd_n": 0})
    assert "No patient developed GVHD" in none and "10.3%" in none


def test_competing_says_when_one_minus_km_and_aalen_johansen_agree():
    assert "1 − Kaplan–Meier would put relapse at 65.0%" in bl.competing(COMPETING, PRINTED)
    assert "agree here" in bl.competing({**COMPETING, "km_relapse_end": 62.5}, PRINTED)
    assert "with Gray's test giving evidence of a difference (p < 0.001); the paper prints p = 0.048" in \
        bl.competing(COMPETING, PRINTED)


def test_uncertainty_words_each_verdict_from_its_value():
    values = {"attainable.abs.os.p.verdict": "attainable", "attainable.abs.lfs.p.verdict": "unattainable",
              "attainable.abs.nrm.p.verdict": "undetermined"}
    text = bl.uncertainty(values)
    assert "prints the paper's p for overall survival by age" in text
    assert "For leukaemia-free survival by age the printed p lies outside the exhaustive range" in text
    assert "non-relapse mortality by age no such cohort was found" in text


def test_no_bottom_line_uses_computer_notation():
    texts = [bl.survival(SURVIVAL, PRINTED), bl.immortal(IMMORTAL), bl.competing(COMPETING, PRINTED),
             bl.response(RESPONSE, PRINTED), bl.chimerism(CHIMERISM), bl.transcriptomics(TRANSCRIPTOMICS)]
    for text in texts:
        assert not SCIENTIFIC_NOTATION.search(text), text
        assert 2 <= bl.sentence_count(text) <= 4


def test_shipped_data_are_recognised_and_a_readers_are_not(tmp_path):
    assert is_reconstruction(ROOT / "data" / "reconstructed")
    assert not is_reconstruction(tmp_path)
    assert is_simulated(ROOT / "data" / "transcriptomics" / "counts.csv.gz")
    assert not is_simulated(tmp_path / "counts.csv.gz")
