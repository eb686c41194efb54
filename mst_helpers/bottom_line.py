"""Each chapter's *Bottom line*: two to four sentences a clinician can read first, built from the
chapter's own computed numbers.

Every sentence is conditional on the data: the wording of a test follows its p-value, the wording
of an interval follows whether it excludes 1, a comparison with the paper's printed number appears
only when the chapter runs on the reconstructed cohort (with a reader's own data there is nothing
to compare), and a count agrees in number with its noun. Nothing here is typed for one dataset.

A chapter calls its builder at the end, when every number is computed, and glues the text::

    out.show("bottom_line", bottom_line.survival(out.values, printed, reconstructed=True))

and the page opens with ``{glue:text}`bottom_line``` inside a *Bottom line* box.

Examples
--------
>>> compose("Twelve of 29 patients died", "no test was significant.")
'Twelve of 29 patients died. No test was significant.'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .formatting import format_count, format_hr, format_months, format_percent, p_statement

__all__ = ["compose", "sentence_count", "difference_phrase", "of_total", "audit", "data", "cohort", "response",
           "chimerism", "survival", "immortal", "competing", "transcriptomics", "uncertainty", "scorecard",
           "teaching", "reproduce", "ALPHA"]

#: The significance level the paper uses; every "evidence of a difference" sentence is read at it.
ALPHA = 0.05

Values = Mapping[str, object]
Printed = Mapping[str, str]


def sentence_count(text: str) -> int:
    """How many sentences ``text`` holds (a sentence ends in ". ", "; " does not end one).

    >>> sentence_count("One. Two 0.5 and 3.1. Three.")
    3
    """
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip()) if s])


def compose(*sentences: str) -> str:
    """Join sentences (empty ones dropped), capitalise each and end it with a full stop.

    Raises ``ValueError`` unless the result holds two to four sentences: a bottom line is short.
    """
    kept = [s.strip() for s in sentences if s and s.strip()]
    kept = [s[0].upper() + s[1:] + ("" if s.endswith((".", "!", "?")) else ".") for s in kept]
    text = " ".join(kept)
    if not 2 <= sentence_count(text) <= 4:
        raise ValueError(f"a bottom line holds two to four sentences, not {sentence_count(text)}: {text!r}")
    return text


def difference_phrase(p: float, what: str = "a difference") -> str:
    """``"evidence of a difference (p = 0.002)"`` or ``"no evidence of a difference (p = 0.29)"``:
    the words follow the p-value, read at :data:`ALPHA`. "No evidence" never becomes "no
    difference"."""
    return f"{'' if p < ALPHA else 'no '}evidence of {what} ({p_statement(p)})"


def of_total(k: int, n: int) -> str:
    """``"all 6"``, ``"none of the 6"`` or ``"4 of 6"``."""
    k, n = int(k), int(n)
    if k == n:
        return f"all {n}" if n != 1 else "the one"
    if k == 0:
        return f"none of the {n}"
    return f"{k} of {n}"


def _f(values: Values, key: str) -> float:
    return float(values[key])


def _i(values: Values, key: str) -> int:
    return int(round(float(values[key])))


def _ci(values: Values, stem: str) -> str:
    """``"a hazard ratio of 0.16 (95% CI 0.023–1.13)"``."""
    return (f"a hazard ratio of {format_hr(_f(values, f'{stem}.hr'))} (95% CI {format_hr(_f(values, f'{stem}.lower'))}–"
            f"{format_hr(_f(values, f'{stem}.upper'))})")


def _excludes_one(values: Values, stem: str) -> bool:
    return _f(values, f"{stem}.upper") < 1 or _f(values, f"{stem}.lower") > 1


# --- one builder per chapter ------------------------------------------------------------------


def audit(values: Values) -> str:
    """Chapter 1: how far the paper's numbers agree with one another."""
    n, bad = _i(values, "n_claims"), _i(values, "n_inconsistencies")
    first = (f"all {n} numbers the paper prints agree with one another" if bad == 0 else
             f"of the {n} numbers the paper prints, {format_count(bad, 'check')} "
             f"{'finds' if bad == 1 else 'find'} some that disagree with others in the paper")
    grim = _i(values, "n_grim_fail")
    second = (f"among them, {format_count(grim, 'printed percentage')} cannot come from any whole number of "
              "patients in the group" if grim else "")
    k, m = _i(values, "n_pvalues_attributed"), _i(values, "n_pvalues_recomputable")
    unexplained = _i(values, "n_pvalues_unexplained")
    third = (f"{of_total(k, m)} p-values that printed counts allow to recompute are reproduced by a named test"
             + (f", and {unexplained} by none" if unexplained else ""))
    return compose(first, second, third, "none of this needs patient data: every check runs on the paper alone")


def data(values: Values) -> str:
    """Chapter 2: what the reconstructed cohort is, and what it is not."""
    n = _i(values, "n_patients")
    met, targets = _i(values, "n_targets_met"), _i(values, "n_targets")
    other_met, differing = _i(values, "other_seed_targets_met"), _i(values, "other_seed_donor_ages_differing")
    return compose(
        f"The analysis chapters run on {n} synthetic patients built to meet the paper's published aggregates; "
        "no row is a real patient",
        f"They meet {of_total(met, targets)} printed targets",
        f"another seed meets {of_total(other_met, targets)} too, yet {of_total(differing, n)} donor ages differ: "
        "what the aggregates leave free, the reconstruction invents, so a result that depends on it says "
        "nothing about the paper's patients")


def cohort(values: Values, reconstructed: bool = True) -> str:
    """Chapter 3: Table 1 and the MST protocol."""
    n, courses = _i(values, "n_patients"), _i(values, "n_courses_total")
    protocol = (f"the {n} patients received {format_count(courses, 'MST course')}, a median of "
                f"{_f(values, 'median_courses'):g} each")
    if not reconstructed:
        return compose(f"Table 1 is regenerated from your cohort of {format_count(n, 'patient')}", protocol)
    cells, differing = _i(values, "n_table1_cells"), _i(values, "n_table1_cells_differing")
    k, m = _i(values, "n_table1_p_reproduced"), _i(values, "n_table1_p")
    return compose(
        f"Regenerated from the reconstructed cohort, {of_total(cells - differing, cells)} cells of Table 1 equal "
        f"the printed values" + (f" (the table gives the reason for each of the {differing} others)" if differing else ""),
        f"{of_total(k, m)} printed p-values are reproduced",
        protocol)


def response(values: Values, printed: Printed, reconstructed: bool = True) -> str:
    """Chapter 4: remission, Table 2, recovery and adverse events."""
    n, cr = _i(values, "n_patients"), _i(values, "cr_total")
    first = (f"{cr} of {n} patients reached complete remission ({format_percent(_f(values, 'cr_pct'))}%, exact "
             f"95% CI {format_percent(_f(values, 'cr_lower'))}–{format_percent(_f(values, 'cr_upper'))}%)")
    if reconstructed:
        first += f"; the paper prints {printed['abs.cr.all.pct']}% ({printed['abs.cr.all.n']}/{printed['abs.cr.all.den']})"
        young, old = int(printed["res.cr.60-70.n"]), int(printed["res.cr.>70.n"])
        if young + old != int(printed["abs.cr.all.n"]):
            # The reason is computed here, from the printed counts, not assumed.
            first += f", though its age groups add up to {young} + {old} = {young + old}"
    tests = (f"{of_total(_i(values, 'n_table2_p_reproduced'), _i(values, 'n_table2_p'))} p-values of Table 2 "
             "are reproduced" if reconstructed else "")
    recovery = (f"after the first induction, neutrophils recovered in a median of "
                f"{_f(values, 'recovery_anc_median'):g} days and platelets in {_f(values, 'recovery_plt_median'):g} days")
    n_ae = len([k for k in values if re.fullmatch(r"recomputed\.res\.ae\.[^.]+\.n", k)])
    significant = _i(values, "ae_n_significant")
    events = (f"{format_count(significant, 'adverse event')} of {n_ae} "
              f"{'differs' if significant == 1 else 'differ'} between age groups at p < {ALPHA:g}, before any "
              f"correction for {n_ae} comparisons" if significant else
              f"no adverse event differs between age groups at p < {ALPHA:g}")
    return compose(first, tests, recovery, events if not reconstructed else "")


def chimerism(values: Values) -> str:
    """Chapter 5: donor chimerism and GVHD, and what a small series can say about a rare harm."""
    n, never = _i(values, "n_patients"), _i(values, "n_never_detected")
    first = (f"Donor cells were never detected in {never} of {n} patients "
             f"({format_percent(_f(values, 'never_pct'))}%)")
    cases = _i(values, "gvhd_n")
    if cases == 0:
        second = (f"no patient developed GVHD; by the rule of three the risk could still be as high as "
                  f"{format_percent(_f(values, 'rule_three'))}%")
    else:
        second = (f"GVHD developed in {format_count(cases, 'patient')} ({format_percent(_f(values, 'gvhd_pct'))}%, "
                  f"exact 95% CI {format_percent(_f(values, 'gvhd_lower'))}–{format_percent(_f(values, 'gvhd_upper'))}%)")
    third = (f"even at a true risk of {_f(values, 'true_risk_pct'):g}%, a series of {n} would show no case "
             f"{format_percent(_f(values, 'p_no_case_pct'))}% of the time: a small series cannot show that a "
             "rare harm is rare")
    return compose(first, second, third)


def _tests_phrase(tests: list[tuple[str, float]]) -> str:
    """``"evidence of a difference in A (p < 0.001) and in B (p = 0.010)"``, split by what each p says."""
    found = [f"{label} ({p_statement(p)})" for label, p in tests if p < ALPHA]
    missing = [f"{label} ({p_statement(p)})" for label, p in tests if p >= ALPHA]
    parts = []
    if found:
        parts.append("evidence of a difference in " + " and in ".join(found))
    if missing:
        parts.append(("no evidence of one in " if found else "no evidence of a difference in ") + " or in ".join(missing))
    return ", but ".join(parts)


def survival(values: Values, printed: Printed, reconstructed: bool = True) -> str:
    """Chapter 6: Kaplan–Meier, log-rank and Cox."""
    gap = _f(values, "km_diff.os.1y")
    first = (f"one-year overall survival is {format_percent(abs(gap))} percentage points "
             f"{'lower' if gap < 0 else 'higher'} over 70 than at 60–70 "
             f"(95% CI {format_percent(abs(_f(values, 'km_diff.os.1y.upper' if gap < 0 else 'km_diff.os.1y.lower')))} to "
             f"{format_percent(abs(_f(values, 'km_diff.os.1y.lower' if gap < 0 else 'km_diff.os.1y.upper')))})")
    second = (("in this reconstructed cohort " if reconstructed else "")
              + "the log-rank test gives " + _tests_phrase([("overall survival", _f(values, "logrank.os.age_group.p")),
                                                           ("leukaemia-free survival", _f(values, "logrank.lfs.age_group.p"))]))
    if reconstructed:
        second += f"; the paper prints p = {printed['abs.os.p']} and {printed['abs.lfs.p']}"
    hr = _f(values, "cox.os.courses_gt3.hr")
    third = (f"median overall survival is {format_months(_f(values, 'median_os'))} months (95% CI "
             f"{format_months(_f(values, 'median_os_lower'))}–{format_months(_f(values, 'median_os_upper'))}"
             + (f"; the paper prints {printed['abs.os.median']}" if reconstructed else "") + ")")
    fourth = (f"patients given more than three MST courses seem to do {'better' if hr < 1 else 'worse'} (hazard ratio "
              f"{format_hr(hr)}, 95% profile-likelihood CI {format_hr(_f(values, 'cox.os.courses_gt3.profile_lower'))}–"
              f"{format_hr(_f(values, 'cox.os.courses_gt3.profile_upper'))}), "
              "but they had to survive long enough to receive them: chapter 7 removes that immortal time")
    return compose(first, second, third, fourth)


def survival_own(values: Values, order: list[str], group_column: str, labels: Mapping[str, str]) -> str:
    """Chapter 6 on a reader's cohort: what the log-rank test and the group Cox model say."""
    n = int(values["n_os"])
    first = (f"your cohort's {n} patients fall into {len(order)} groups of {group_column} "
             f"({', '.join(labels[g] for g in order)})")
    tests = [(name, _f(values, f"logrank.{endpoint}.{group_column}.p")) for endpoint, name in
             (("os", "overall survival"), ("lfs", "leukaemia-free survival")) if f"logrank.{endpoint}.{group_column}.p" in values]
    second = "the log-rank test gives " + _tests_phrase(tests) if tests else "no group comparison could be tested"
    third = ""
    if len(order) == 2 and f"cox_group.os.{order[1]}.hr" in values:
        key = f"cox_group.os.{order[1]}"
        third = (f"the overall-survival hazard ratio of {labels[order[1]]} against {labels[order[0]]} is "
                 f"{format_hr(_f(values, key + '.hr'))} (95% CI {format_hr(_f(values, key + '.lower'))}–"
                 f"{format_hr(_f(values, key + '.upper'))}); an association, not an effect of group membership")
    elif "cox_group.os.lr_p" in values:
        third = (f"a Cox model of all groups at once gives {difference_phrase(_f(values, 'cox_group.os.lr_p'))} in "
                 "overall survival; the table gives each group's hazard ratio against the first")
    return compose(first, second, third)


def immortal(values: Values) -> str:
    """Chapter 7: the "> 3 courses" comparison with and without immortal time."""
    first = (f"treating \"more than three courses\" as known at diagnosis gives an overall-survival hazard ratio "
             f"of {format_hr(_f(values, 'naive.os.hr'))} ({p_statement(_f(values, 'naive.os.p'))}), "
             "but a patient had to survive to receive a fourth course")
    second = (f"counting each patient as unexposed until that course (time-dependent Cox) gives {_ci(values, 'td.os')}, "
              f"and adjusted for age group {_ci(values, 'td.os.age')}")
    if _excludes_one(values, "td.os.age"):
        third = ("the association survives the correction, though patients fit enough for more courses may have "
                 "lived longer anyway: these data cannot separate the courses from that fitness")
    else:
        third = ("once immortal time is removed and age is taken into account, the interval includes no effect: "
                 "these data do not show that more courses prolong life")
    return compose(first, second, third)


def immortal_own(values: Values) -> str:
    """Chapter 7 on a reader's cohort: the courses comparison with and without immortal time, when
    the cohort has courses; otherwise what the multi-state model shows."""
    sentences = []
    if "td.os.hr" in values:
        sentences.append(f"treating \"more than three courses\" as known at diagnosis gives an overall-survival hazard "
                         f"ratio of {format_hr(_f(values, 'naive.os.hr'))} ({p_statement(_f(values, 'naive.os.p'))})")
        sentences.append(f"counting each patient as unexposed until the fourth infusion gives {_ci(values, 'td.os')}; "
                         "what remains can still be fitness or reverse causation, not an effect of the courses")
    else:
        sentences.append("without courses.csv the immortal-time analyses cannot run: they need the date of each course")
    alive_cr = sorted(k for k in values if k.startswith("ms.") and k.endswith(".CR.12"))
    if alive_cr:
        parts = [f"{format_percent(_f(values, k))}% of {k[3:-len('.CR.12')]}" for k in alive_cr]
        sentences.append("a year after diagnosis the multi-state model puts " + ", ".join(parts) + " in complete remission")
    else:
        sentences.append("the multi-state model could not be fitted to these dates")
    return compose(*sentences)


def competing(values: Values, printed: Printed, reconstructed: bool = True, horizon: int = 60) -> str:
    """Chapter 8: relapse and non-relapse mortality as competing risks."""
    old, young = _f(values, f"cif.cr.relapse.>70.{horizon}"), _f(values, f"cif.cr.relapse.60-70.{horizon}")
    first = (f"counted from remission{' in this reconstructed cohort' if reconstructed else ''}, the cumulative "
             f"incidence of relapse at {horizon // 12} years is {format_percent(old)}% over 70 and "
             f"{format_percent(young)}% at 60–70, "
             f"with Gray's test giving {difference_phrase(_f(values, 'gray.cr.relapse.p'))}")
    second = f"for non-relapse mortality there is {difference_phrase(_f(values, 'gray.cr.NRM.p'))}"
    if reconstructed:
        first += f"; the paper prints p = {printed['abs.relapse.p']}"
        second += f"; the paper prints p = {printed['abs.nrm.p']}"
    km, aj = _f(values, "km_relapse_end"), _f(values, "aj_relapse_end")
    third = (f"over the whole follow-up, 1 − Kaplan–Meier would put relapse at {format_percent(km)}% where the Aalen–Johansen estimate, which "
             f"lets death prevent relapse, gives {format_percent(aj)}%" if km - aj >= 0.05 else
             "1 − Kaplan–Meier and the Aalen–Johansen estimate agree here, because almost no patient dies "
             "before relapsing")
    return compose(first, second, third)


def competing_own(values: Values, order: list[str], group_column: str, labels: Mapping[str, str],
                  horizon: int = 60) -> str:
    """Chapter 8 on a reader's cohort: relapse and NRM by group, and 1 − KM against Aalen–Johansen."""
    incidence = [f"{format_percent(_f(values, key))}% for {labels[g]}" for g in order
                 if (key := f"cif.cr.relapse.{g}.{horizon}") in values]
    first = (f"counted from remission, the cumulative incidence of relapse at {horizon // 12} years is " + ", ".join(incidence)
             if incidence else f"your cohort has {format_count(_i(values, 'n.from CR'), 'patient')} in complete remission")
    tests = [(name, _f(values, f"gray.cr.{label}.p")) for label, name in (("relapse", "relapse"), ("NRM", "non-relapse mortality"))
             if f"gray.cr.{label}.p" in values]
    second = "Gray's test gives " + _tests_phrase(tests) if tests else ""
    km, aj = _f(values, "km_relapse_end"), _f(values, "aj_relapse_end")
    third = (f"over the whole follow-up, 1 − Kaplan–Meier would put relapse at {format_percent(km)}% where the Aalen–Johansen "
             f"estimate, which lets death prevent relapse, gives {format_percent(aj)}%" if km - aj >= 0.05 else
             "1 − Kaplan–Meier and the Aalen–Johansen estimate agree, because almost no patient dies before relapsing")
    return compose(first, second, third)


def lab_km(values: Values) -> str:
    """The methods lab on the 6-MP trial: Kaplan–Meier, log-rank and Cox on real data."""
    first = (f"in Freireich's trial, children on 6-MP stayed in remission a median of "
             f"{format_months(_f(values, 'median.6-MP'))} weeks against {format_months(_f(values, 'median.placebo'))} on placebo, "
             f"and the log-rank test gives {difference_phrase(_f(values, 'logrank.p'))}")
    second = (f"placebo multiplies the hazard of relapse by {format_hr(_f(values, 'cox.alone.placebo.hr'))}, and by "
              f"{format_hr(_f(values, 'cox.adjusted.placebo.hr'))} once the white-cell count is taken into account")
    third = "every value equals R's, so this page is a check of the methods the MST chapters apply to reconstructed data"
    return compose(first, second, third)


def lab_immortal(values: Values) -> str:
    """The methods lab on the Stanford heart-transplant programme: immortal time on real data."""
    first = (f"grouping Stanford's heart-transplant candidates by whether they ever received a heart gives "
             f"{_ci(values, 'naive')}, {p_statement(_f(values, 'naive.p'))}, but a patient had to survive "
             "the wait to be transplanted")
    second = (f"counting each patient as waiting until the transplant (time-dependent Cox) gives {_ci(values, 'td')}, "
              f"and the Mantel–Byar test {p_statement(_f(values, 'mantel_byar.p_value'))}")
    if _excludes_one(values, "td"):
        third = "the benefit survives the correction, though smaller than the naive comparison suggests"
    else:
        third = ("once the waiting time is counted as such, the 95% CI includes 1: the naive "
                 "benefit was mostly immortal time")
        if "sim.naive.upper" in values and _f(values, "sim.naive.upper") < 1 and not _excludes_one(values, "sim.td"):
            third += (f", as a simulated exposure with no effect shows too (naive hazard ratio "
                      f"{format_hr(_f(values, 'sim.naive.hr'))}, time-dependent {format_hr(_f(values, 'sim.td.hr'))})")
    return compose(first, second, third)


def lab_competing(values: Values) -> str:
    """The methods lab on Scrucca et al.'s transplant data: competing risks on real data."""
    last = _i(values, "horizon.last")
    first = (f"after a stem-cell transplant, Gray's test finds {difference_phrase(_f(values, 'gray.relapse.p'), 'a difference in relapse')} "
             f"between AML and ALL and {difference_phrase(_f(values, 'gray.trm.p'), 'a difference in transplant-related death')}")
    second = (f"for relapse, AML against ALL has a subdistribution hazard ratio of "
              f"{format_hr(_f(values, 'fine_gray.relapse.hr'))} (95% CI {format_hr(_f(values, 'fine_gray.relapse.lower'))}–"
              f"{format_hr(_f(values, 'fine_gray.relapse.upper'))})")
    km, aj = _f(values, "overall.relapse.km.last"), _f(values, "overall.relapse.aj.last")
    third = (f"at {last} months 1 − Kaplan–Meier puts relapse at {format_percent(km)}% where the estimated "
             f"cumulative incidence is {format_percent(aj)}%, because it treats transplant-related deaths as "
             "patients who could still relapse" if km > aj else
             f"at {last} months 1 − Kaplan–Meier and the cumulative incidence of relapse agree "
             f"({format_percent(km)}% and {format_percent(aj)}%)")
    return compose(first, second, third)


def transcriptomics(values: Values, simulated: bool = True) -> str:
    """Chapter 9: differential expression and pathways."""
    n_aml, n_ctrl = _i(values, "n_samples.AML"), _i(values, "n_samples.Control")
    degs = (f"DESeq2 finds {_i(values, 'n_up')} up- and {_i(values, 'n_down')} down-regulated genes in "
            f"{format_count(n_aml, 'patient')} against {format_count(n_ctrl, 'control')}")
    first = (f"the paper's RNA-seq is not public: on simulated counts with its design, {degs}, "
             "the numbers the simulation was calibrated to give" if simulated else f"on your counts, {degs}")
    second = ""
    if "r.genes_compared" in values:
        second = (f"R's DESeq2 on the same counts makes the same call for all but {_i(values, 'r.calls_differing')} "
                  f"of {_i(values, 'r.genes_compared')} genes")
    third = (f"over-representation finds {format_count(_i(values, 'ora.n_significant'), 'significant gene set')}"
             f" (first: {values['ora.top_term']})" if _i(values, "ora.n_significant") else
             "over-representation finds no significant gene set")
    if simulated:
        third += ": on simulated counts these show what the analysis does, not what the patients had"
    return compose(first, second, third)


_ATTAINABILITY_CLAIMS = (("overall survival by age", "abs.os.p"), ("leukaemia-free survival by age", "abs.lfs.p"),
                         ("relapse by age", "abs.relapse.p"), ("non-relapse mortality by age", "abs.nrm.p"),
                         ("overall survival by courses", "abs.courses.os.p"),
                         ("leukaemia-free survival by courses", "abs.courses.lfs.p"))


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def uncertainty(values: Values) -> str:
    """Chapter 10: the printed tests against the cohorts the published aggregates allow."""
    by_verdict: dict[str, list[str]] = {}
    for name, claim in _ATTAINABILITY_CLAIMS:
        if f"attainable.{claim}.verdict" in values:
            by_verdict.setdefault(str(values[f"attainable.{claim}.verdict"]), []).append(name)
    said = {
        "attainable": "a cohort meeting every published count prints the paper's p for {}: those values are possible",
        "attainable only at the extreme": "only a cohort with the loosest course timing prints the paper's p for {}",
        "undetermined": "for {} no such cohort was found, yet no exhaustive range rules the printed value out: "
                        "undetermined, not disproved",
        "unattainable": "for {} the printed p lies outside the exhaustive range: no cohort the published counts "
                        "allow gives it",
    }
    sentences = [said[v].format(_listing(names)) for v, names in by_verdict.items() if v in said]
    return compose("the published counts leave free the order in which events happened, so each printed test has a "
                   "range of attainable p-values, each end shown by a witness cohort", *sentences[:3])


def scorecard(values: Values) -> str:
    """Chapter 11: the verdict on every printed number."""
    n = _i(values, "n_claims")
    s = lambda status: _i(values, f"status.{status}") if f"status.{status}" in values else 0  # noqa: E731
    doubtful = _i(values, "n_doubtful")
    return compose(
        f"of the {n} numbers the paper prints, {s('reproduced from printed numbers')} are reproduced from its own "
        f"counts, {s('consistent')} lie inside what its printed aggregates allow (some cohort that meets them gives "
        f"the printed value), and {s('met by the reconstruction')} are met by the reconstruction, which was built "
        "to meet them",
        f"{doubtful} contradict other numbers of the paper or cannot be confirmed, and "
        f"{s('not reproducible')} cannot be recomputed at all",
        "the verdict board below gives, for each headline claim, what the book finds and why")


def teaching(values: Values) -> str:
    """Chapter 12: the course built on the book."""
    return compose(
        f"the book teaches survival analysis on one real clinical question, with "
        f"{format_count(_i(values, 'n_exercises'), 'exercise')} in "
        f"{format_count(_i(values, 'n_chapters_with_exercises'), 'chapter')}, each with a hidden solution",
        f"a map links {_i(values, 'n_concepts')} concepts to chapters, exercises and datasets, and a three-session "
        f"course on survival analysis ({_i(values, 'course.1.minutes')}, {_i(values, 'course.2.minutes')} and "
        f"{_i(values, 'course.3.minutes')} minutes) gives each session objectives, pre-reading, exercises and a "
        "five-question check",
        f"{format_count(_i(values, 'n_assignments'), 'autograded assignment')} with "
        f"{format_count(_i(values, 'n_assignment_questions'), 'coding question')} (public tests for students, hidden "
        "tests for the teacher) are graded by one command")


def reproduce(values: Values) -> str:
    """Chapter 13: how to rebuild the book and get the same numbers."""
    return compose(
        "one command rebuilds the whole book from the files in data/, with fixed seeds and nothing downloaded",
        f"this build ran on Python {values['python_version']} with "
        f"{format_count(_i(values, 'n_packages'), 'installed package')}, listed below so a reader can recreate it")
