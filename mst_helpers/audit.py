"""Internal-consistency audit of the paper's printed numbers, from the claims registry alone.

Four families of checks, each returning a tidy DataFrame with one row per check:

- :func:`percent_checks` — every n (%) against its denominator, and GRIM: can a percentage
  with this many decimals arise from a whole count out of n at all?
- :func:`sum_checks` — parts that must add up to a total (group sizes, rows of a table,
  causes of death against deaths, cross-tabulations against margins) and orderings that
  must hold (1-year ≥ 3-year survivors, LFS ≤ OS, events after CR ≤ patients in CR);
  and numbers the paper prints twice.
- :func:`date_checks` and :func:`donor_age_checks` — the enrollment window, follow-up
  cut-off and ranges; GRIM/GRIMMER for integer donor ages and whether the printed range
  ends can belong to each group.
- :func:`pvalue_checks` — every categorical p-value recomputed from its printed counts with
  Pearson, Yates and Fisher, and the donor-age p with Student's and Welch's t.

:func:`inconsistencies` gathers every failed check with the most plausible explanation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .claims import printed_decimals
from .endpoints import DAYS_PER_MONTH, MONTH_CONVENTIONS
from .pvalues import categorical_tests, matches_printed, t_test_from_summary

__all__ = [
    "DAYS_PER_MONTH",
    "rounds_to",
    "grim_consistent",
    "grim_denominators",
    "grimmer_consistent",
    "max_deviation",
    "fits_with_fixed",
    "percent_checks",
    "sum_checks",
    "repeated_number_checks",
    "date_checks",
    "month_convention_checks",
    "donor_age_checks",
    "PValueSpec",
    "PVALUE_SPECS",
    "pvalue_checks",
    "neighbouring_tables",
    "inconsistencies",
]

GROUPS = ("60-70", ">70")
_EPS = 1e-9


# --------------------------------------------------------------------------- arithmetic
def rounds_to(value: float, printed: str) -> bool:
    """Whether ``value`` rounds to the printed number at its printed precision.

    Ties (exactly half a unit) count as consistent whichever way they were rounded.

    Examples
    --------
    >>> rounds_to(5 / 9 * 100, "55.56"), rounds_to(5 / 9 * 100, "55.55")
    (True, False)
    """
    target = float(printed.replace(",", "").lstrip("<>=≤≥"))
    half = 0.5 * 10 ** (-printed_decimals(printed))
    return abs(value - target) <= half + _EPS


def truncates_to(value: float, printed: str) -> bool:
    """Whether ``value`` cut (not rounded) at the printed precision gives the printed number."""
    decimals = printed_decimals(printed)
    target = float(printed.replace(",", ""))
    return math.isclose(math.floor(value * 10**decimals + _EPS) / 10**decimals, target, abs_tol=_EPS)


def grim_consistent(printed_percent: str, n: int) -> bool:
    """GRIM for percentages: is there a whole count k in 0..n with 100 k / n rounding to it?

    Examples
    --------
    >>> grim_consistent("10.0", 9), grim_consistent("11.11", 9), grim_consistent("10.0", 10)
    (False, True, True)
    """
    return any(rounds_to(100 * k / n, printed_percent) for k in range(n + 1))


def grim_denominators(printed_percent: str, candidates: Iterable[int]) -> list[int]:
    """The candidate denominators under which a printed percentage passes GRIM."""
    return [n for n in candidates if grim_consistent(printed_percent, n)]


def grimmer_consistent(mean: str, sd: str, n: int) -> bool:
    """GRIMMER for whole-number data: can n integers have this printed mean and SD?

    The sum S must be a whole number rounding to the mean; the sum of squares Q must be a
    whole number with the same parity as S, and ``sqrt((Q - S**2/n) / (n - 1))`` must round
    to the printed SD (Anaya 2016).

    Examples
    --------
    >>> grimmer_consistent("35.75", "4.52", 20)
    True
    """
    mean_v = float(mean)
    sd_half = 0.5 * 10 ** (-printed_decimals(sd))
    sd_v = float(sd)
    for total in range(math.floor((mean_v - 0.01) * n), math.ceil((mean_v + 0.01) * n) + 1):
        if not rounds_to(total / n, mean):
            continue
        lo = (max(sd_v - sd_half, 0) ** 2) * (n - 1) + total**2 / n
        hi = ((sd_v + sd_half) ** 2) * (n - 1) + total**2 / n
        for q in range(math.ceil(lo - _EPS), math.floor(hi + _EPS) + 1):
            if (q - total) % 2 == 0 and rounds_to(math.sqrt(max(q - total**2 / n, 0) / (n - 1)), sd):
                return True
    return False


def max_deviation(n: int, sd: float) -> float:
    """The largest distance any one of n values can lie from their mean, given their SD.

    With sample SD s, one value can be at most ``s (n - 1) / sqrt(n)`` from the mean
    (Samuelson's inequality); a printed range end farther away cannot belong to the group.
    """
    return sd * (n - 1) / math.sqrt(n)


def fits_with_fixed(n: int, mean: float, sd: str, fixed: Sequence[float]) -> tuple[bool, float, float]:
    """Can ``n`` values with this mean and printed SD contain all of ``fixed``?

    The smallest possible sum of squared deviations puts every other value at their common
    mean; it must not exceed ``(n - 1) * sd_max**2``. Returns (possible, minimal SS, largest SS).
    """
    k = len(fixed)
    rest_mean = (n * mean - sum(fixed)) / (n - k)
    minimal = sum((f - mean) ** 2 for f in fixed) + (n - k) * (rest_mean - mean) ** 2
    largest = (n - 1) * (float(sd) + 0.5 * 10 ** (-printed_decimals(sd))) ** 2
    return minimal <= largest, minimal, largest


# --------------------------------------------------------------------------- helpers
def _index(claims: pd.DataFrame) -> pd.DataFrame:
    return claims.set_index("id", drop=False)


def _val(c: pd.DataFrame, claim_id: str) -> float:
    return float(c.at[claim_id, "value"])


def _printed(c: pd.DataFrame, claim_id: str) -> str:
    return str(c.at[claim_id, "printed"])


def _row(check: str, family: str, claim_ids: Sequence[str], printed: str, recomputed: str, ok: bool, detail: str = "") -> dict:
    return {
        "check": check,
        "family": family,
        "claim_ids": ";".join(claim_ids),
        "printed": printed,
        "recomputed": recomputed,
        "consistent": bool(ok),
        "detail": detail,
    }


# --------------------------------------------------------------------------- percentages
_GROUP_N_IDS = {"all": "t1.header.all.n", "60-70": "t1.header.60-70.n", ">70": "t1.header.>70.n"}


def percent_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """Every printed percentage of this cohort against its count and denominator (GRIM).

    A percentage with a printed count is recomputed as 100 k / n; one without a count is
    checked with GRIM against its group's size. When GRIM fails, the denominators from
    n - 3 to n + 3 that would pass are listed (a hint at which n the number came from).
    """
    rows = []
    pct = claims[(claims["kind"] == "percent") & claims["denominator"].notna()]
    for _, r in pct.iterrows():
        n = int(r["denominator"])
        printed = r["printed"]
        grim = grim_consistent(printed, n)
        alternatives = [m for m in grim_denominators(printed, range(max(1, n - 3), n + 4)) if m != n]
        hint = f"passes GRIM with n = {', '.join(map(str, alternatives))}" if alternatives and not grim else ""
        if pd.notna(r["numerator"]):
            k = int(r["numerator"])
            value = 100 * k / n
            ok = rounds_to(value, printed)
            detail = ""
            if not ok and truncates_to(value, printed):
                detail = f"{k}/{n} = {value:.4f}%: truncated, not rounded"
            elif not ok:
                detail = f"{k}/{n} = {value:.4f}%"
            if k > n:
                detail = f"count {k} exceeds the column's n = {n}"
            check = f"{r['quantity']} ({r['group']}): {k}/{n}"
            rows.append(_row(check, "percent", [r["id"]], printed, f"{value:.4f}", ok, "; ".join(x for x in (detail, hint) if x)))
        else:
            check = f"{r['quantity']} ({r['group']}): GRIM with n = {n}"
            rows.append(_row(check, "GRIM", [r["id"]], printed, "possible" if grim else "impossible", grim, hint))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- sums
@dataclass(frozen=True)
class SumRule:
    """``sum(parts) <relation> total``: relation is ``"="`` or ``"<="`` (or ``">="``)."""

    name: str
    parts: tuple[str, ...]
    total: str
    relation: str = "="
    family: str = "sum"
    minus: tuple[str, ...] = ()   # subtracted from the parts (e.g. deaths from the group size)


def _table_rules() -> list[SumRule]:
    rules = [SumRule("group sizes add up to the cohort", ("t1.header.60-70.n", "t1.header.>70.n"), "t1.header.all.n")]
    categories = {
        "t1": {
            "patient sex": ["patient_sex.male", "patient_sex.female"],
            "donor sex": ["donor_sex.male", "donor_sex.female"],
            "donor/patient sex": ["sex_match.f_to_f", "sex_match.f_to_m", "sex_match.m_to_f", "sex_match.m_to_m"],
            "donor relation": ["relation.unrelated", "relation.related"],
            "HLA mismatch": ["hla.5of10", "hla.6of10"],
            "courses of MST": ["courses.gt3", "courses.1to3"],
        },
    }
    for group in ("all",) + GROUPS:
        for label, cats in categories["t1"].items():
            rules.append(SumRule(f"Table 1 {label} ({group}): categories add up to n",
                                 tuple(f"t1.{cat}.{group}.n" for cat in cats), f"t1.header.{group}.n"))
        rules.append(SumRule(f"Table 2 causes of death ({group}): add up to deaths",
                             tuple(f"t2.death_cause.{k}.{group}.n" for k in ("relapse", "infection", "organ_failure")),
                             f"t2.death.{group}.n"))
        # Cross-tabulation against the marginal rows.
        rules += [
            SumRule(f"female donors ({group}): F→F + F→M = donor female",
                    (f"t1.sex_match.f_to_f.{group}.n", f"t1.sex_match.f_to_m.{group}.n"), f"t1.donor_sex.female.{group}.n", family="cross-tab"),
            SumRule(f"male donors ({group}): M→F + M→M = donor male",
                    (f"t1.sex_match.m_to_f.{group}.n", f"t1.sex_match.m_to_m.{group}.n"), f"t1.donor_sex.male.{group}.n", family="cross-tab"),
            SumRule(f"female patients ({group}): F→F + M→F = patient female",
                    (f"t1.sex_match.f_to_f.{group}.n", f"t1.sex_match.m_to_f.{group}.n"), f"t1.patient_sex.female.{group}.n", family="cross-tab"),
            SumRule(f"male patients ({group}): F→M + M→M = patient male",
                    (f"t1.sex_match.f_to_m.{group}.n", f"t1.sex_match.m_to_m.{group}.n"), f"t1.patient_sex.male.{group}.n", family="cross-tab"),
            SumRule(f"early deaths ≤ deaths ({group})", (f"t2.early_death.{group}.n",), f"t2.death.{group}.n", "<=", "order"),
            SumRule(f"3-year OS ≤ 1-year OS ({group})", (f"t2.os.3y.{group}.n",), f"t2.os.1y.{group}.n", "<=", "order"),
            SumRule(f"5-year OS ≤ 3-year OS ({group})", (f"t2.os.5y.{group}.n",), f"t2.os.3y.{group}.n", "<=", "order"),
            SumRule(f"3-year LFS ≤ 1-year LFS ({group})", (f"t2.lfs.3y.{group}.n",), f"t2.lfs.1y.{group}.n", "<=", "order"),
            SumRule(f"5-year LFS ≤ 3-year LFS ({group})", (f"t2.lfs.5y.{group}.n",), f"t2.lfs.3y.{group}.n", "<=", "order"),
            SumRule(f"1-year LFS ≤ 1-year OS ({group})", (f"t2.lfs.1y.{group}.n",), f"t2.os.1y.{group}.n", "<=", "order"),
            SumRule(f"1-year LFS ≤ CR ({group})", (f"t2.lfs.1y.{group}.n",), f"t2.cr.{group}.n", "<=", "order"),
            SumRule(f"survivors at the end ≤ 5-year survivors ({group})",
                    (f"t2.header.{group}.n",), f"t2.os.5y.{group}.n", "<=", "order", minus=(f"t2.death.{group}.n",)),
        ]
    # Every Table 1 and Table 2 count row: all = 60-70 + >70.
    return rules


def _row_total_rules(claims: pd.DataFrame) -> list[SumRule]:
    rules = []
    for claim_id in claims["id"]:
        for tag in ("t1.", "t2."):
            if claim_id.startswith(tag) and claim_id.endswith(".all.n") and ".header." not in claim_id:
                stem = claim_id[: -len(".all.n")]
                rules.append(SumRule(f"{stem}: 60-70 + >70 = all",
                                     (f"{stem}.60-70.n", f"{stem}.>70.n"), claim_id, family="row total"))
    return rules


_TEXT_RULES = [
    SumRule("CR: 60-70 + >70 = overall (results text)", ("res.cr.60-70.n", "res.cr.>70.n"), "res.cr.all.n"),
    SumRule("deaths: 60-70 + >70 = overall (results text)", ("res.death.60-70.n", "res.death.>70.n"), "res.death.all.n"),
    SumRule("causes of death add up to deaths (results text)",
            ("res.death_cause.relapse.n", "res.death_cause.infection.n", "res.death_cause.organ_failure.n"), "res.death.all.n"),
    SumRule("non-relapse deaths (NRM, 60-70) = infection + organ-failure deaths (Table 2)",
            ("t2.death_cause.infection.60-70.n", "t2.death_cause.organ_failure.60-70.n"), "res.nrm.60-70.n"),
    SumRule("non-relapse deaths (NRM, >70) = infection + organ-failure deaths (Table 2)",
            ("t2.death_cause.infection.>70.n", "t2.death_cause.organ_failure.>70.n"), "res.nrm.>70.n"),
    SumRule("relapses + NRM ≤ patients in CR (>70), when counted from the CR date",
            ("res.relapse.>70.n", "res.nrm.>70.n"), "t2.cr.>70.n", "<=", "order"),
    SumRule("relapses + NRM ≤ patients in CR (60-70), when counted from the CR date",
            ("res.relapse.60-70.n", "res.nrm.60-70.n"), "t2.cr.60-70.n", "<=", "order"),
    SumRule("'1,579 expressed genes detected' = up + down-regulated genes (so it counts DEGs)",
            ("res.rnaseq.up", "res.rnaseq.down"), "res.rnaseq.degs"),
    SumRule("relapses + NRM ≤ deaths + survivors who relapsed (>70: every patient died)",
            ("res.relapse.>70.n", "res.nrm.>70.n"), "t2.death.>70.n", "<=", "order"),
]


def _evaluate(rule: SumRule, c: pd.DataFrame) -> dict:
    parts = [_val(c, p) for p in rule.parts]
    minus = [_val(c, m) for m in rule.minus]
    total = _val(c, rule.total)
    lhs = sum(parts) - sum(minus)
    ok = {"=": math.isclose(lhs, total), "<=": lhs <= total + _EPS, ">=": lhs >= total - _EPS}[rule.relation]
    expression = " + ".join(f"{p:g}" for p in parts) + "".join(f" − {m:g}" for m in minus)
    return _row(rule.name, rule.family, list(rule.parts) + list(rule.minus) + [rule.total], f"{total:g}",
                f"{expression} = {lhs:g}" if len(parts) + len(minus) > 1 else f"{lhs:g}", ok,
                "" if ok else f"expected {lhs:g} {rule.relation} {total:g}")


def sum_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """Sums and orderings that must hold between printed counts (see module docstring)."""
    c = _index(claims)
    rules = _table_rules() + _row_total_rules(claims) + _TEXT_RULES
    return pd.DataFrame([_evaluate(rule, c) for rule in rules])


#: Numbers printed more than once (the first at full precision where there is one).
REPEATED = [
    ("abs.cr.all.pct", "res.cr.all.pct"), ("res.cr.all.pct", "t2.cr.all.pct"), ("res.cr.all.pct", "disc.cr.pct"),
    ("res.cr.60-70.pct", "abs.cr.60-70.pct"), ("res.cr.>70.pct", "abs.cr.>70.pct"), ("res.cr.>70.pct", "disc.cr.>70.pct"),
    ("res.cr.60-70.pct", "disc.cr.60-70.pct"), ("res.cr.p", "t2.cr.p"), ("res.cr.p", "abs.cr.p"), ("res.cr.p", "disc.cr.p"),
    ("t2.cr.all.n", "res.cr.all.n"), ("t2.cr.>70.n", "res.cr.>70.n"),
    ("res.followup.median", "abs.followup.median"), ("t2.os.1y.all.pct", "disc.os1y.pct"), ("t2.os.3y.all.pct", "disc.os3y.pct"),
    ("t2.os.1y.>70.pct", "disc.os1y.>70.pct"), ("t2.os.1y.>70.pct", "res.os1y.>70.pct"),
    ("t2.induction.all.n", "t2.header.all.n"), ("res.n_patients", "disc.cr.den"),
    ("t1.courses.gt3.60-70.pct", "res.courses.60-70.pct"), ("t1.courses.gt3.>70.pct", "res.courses.>70.pct"),
    ("t1.relation.related.all.pct", "res.related.pct"), ("t1.donor_age.all.mean", "res.donor_age.mean"),
    ("t1.donor_age.all.sd", "res.donor_age.sd"), ("t2.death.p", "res.death.p"),
    ("res.relapse.>70.pct", "abs.relapse.>70.pct"), ("res.relapse.60-70.pct", "abs.relapse.60-70.pct"),
    ("res.gvhd.n", "abs.gvhd.n"), ("res.recovery.anc.median", "disc.recovery.anc.median"),
    ("t2.os.5y.60-70.pct", "abs.os.60-70.pct"), ("t2.lfs.5y.60-70.pct", "abs.lfs.60-70.pct"),
    ("meth.hla.denominator", "t1.header.all.n"),
]


def repeated_number_checks(claims: pd.DataFrame, pairs: Sequence[tuple[str, str]] = tuple(REPEATED)) -> pd.DataFrame:
    """Numbers the paper prints twice must agree at the coarser printed precision.

    ``meth.hla.denominator`` (12 alleles) against Table 1's "/10" is special-cased: the
    Methods type six loci (12 alleles) while Table 1 reports mismatches out of 10.
    """
    c = _index(claims)
    rows = []
    for a, b in pairs:
        if a == "meth.hla.denominator":
            rows.append(_row("HLA mismatch denominator: Methods (x/12) vs Table 1 (x/10)", "repeated", [a, "t1.hla.5of10.all.n"],
                             "5/12–7/12", "5/10, 6/10", False, "Methods type 6 loci (12 alleles); Table 1 counts out of 10"))
            continue
        va, pb = _val(c, a), _printed(c, b)
        pa_ = _printed(c, a)
        ok = rounds_to(va, pb) or rounds_to(_val(c, b), pa_)
        rows.append(_row(f"{c.at[a, 'quantity']} ({c.at[a, 'group']}): {a} vs {b}", "repeated", [a, b], pb, pa_, ok))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- dates
def _months_before(date: pd.Timestamp, months: float) -> pd.Timestamp:
    return date - pd.to_timedelta(months * DAYS_PER_MONTH, unit="D")


def date_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """The enrollment window, the diagnosis years, the cut-off and the follow-up range together.

    Months are 365/12 days (:data:`DAYS_PER_MONTH`). Follow-up of a newly diagnosed
    patient runs from diagnosis (= enrollment) to the cut-off, so the follow-up range implies
    a window of diagnosis dates that should sit inside the enrollment window and the range
    of diagnosis years.
    """
    c = _index(claims)
    start = pd.to_datetime(_printed(c, "meth.enrol_start"), format="%B %Y")
    end = pd.to_datetime(_printed(c, "meth.enrol_end"), format="%B %Y") + pd.offsets.MonthEnd(0)
    cutoff = pd.to_datetime(_printed(c, "meth.followup_cutoff"), format="%d %B %Y")
    year_min, year_max = int(_val(c, "t1.diagnosis_year.all.min")), int(_val(c, "t1.diagnosis_year.all.max"))
    fu_max, fu_min = _val(c, "res.followup.max"), _val(c, "res.followup.min")
    earliest = _months_before(cutoff, fu_max)
    latest = _months_before(cutoff, fu_min)
    iso = "%Y-%m-%d"
    rows = [
        _row("first year of diagnosis vs enrollment start", "dates", ["t1.diagnosis_year.all.min", "meth.enrol_start"],
             f"{year_min}", f"enrollment from {start:%B %Y}", year_min >= start.year,
             "" if year_min >= start.year else f"diagnoses in {year_min} precede enrollment of newly diagnosed patients"),
        _row("last year of diagnosis vs enrollment end", "dates", ["t1.diagnosis_year.all.max", "meth.enrol_end"],
             f"{year_max}", f"enrollment to {end:%B %Y}", year_max <= end.year,
             "" if year_max <= end.year else "diagnosis after enrollment closed"),
        _row("longest follow-up: implied start vs enrollment start", "dates", ["res.followup.max", "meth.followup_cutoff", "meth.enrol_start"],
             f"{fu_max:g} months", f"starts {earliest:{iso}}", earliest >= start,
             "" if earliest >= start else f"{fu_max:g} months before {cutoff:{iso}} is {earliest:{iso}}, before enrollment opened"),
        _row("longest follow-up: implied start vs first year of diagnosis", "dates", ["res.followup.max", "t1.diagnosis_year.all.min"],
             f"{fu_max:g} months", f"starts {earliest:{iso}}", earliest.year >= year_min, ""),
        _row("shortest follow-up: implied start vs enrollment end", "dates", ["res.followup.min", "meth.enrol_end"],
             f"{fu_min:g} months", f"starts {latest:{iso}}", latest <= end, ""),
        _row("shortest follow-up: implied start vs last year of diagnosis", "dates", ["res.followup.min", "t1.diagnosis_year.all.max"],
             f"{fu_min:g} months", f"starts {latest:{iso}}", latest.year <= year_max,
             "" if latest.year <= year_max else f"a patient diagnosed by {year_max} has at least "
             f"{(cutoff - pd.Timestamp(year=year_max, month=12, day=31)).days / DAYS_PER_MONTH:.2f} months of potential follow-up"),
        _row("median follow-up inside its range", "dates", ["res.followup.median", "res.followup.min", "res.followup.max"],
             f"{_val(c, 'res.followup.median'):g}", f"{fu_min:g}–{fu_max:g}", fu_min <= _val(c, "res.followup.median") <= fu_max, ""),
        _row("longest OS ≤ longest follow-up", "dates", ["res.os.max", "res.followup.max"],
             f"{_val(c, 'res.os.max'):g}", f"{fu_max:g}", _val(c, "res.os.max") <= fu_max, ""),
        _row("longest OS = longest follow-up when the longest-followed patient is alive", "dates", ["res.os.max", "res.followup.max"],
             f"{_val(c, 'res.os.max'):g}", f"{fu_max:g}", math.isclose(_val(c, "res.os.max"), fu_max),
             "an alive patient's OS time equals follow-up; 205.00 < 219.12 implies follow-up is not observed OS time "
             "(e.g. potential follow-up to the cut-off)"),
        _row("NRM time point within follow-up", "dates", ["res.nrm.time", "res.followup.max"],
             f"{_val(c, 'res.nrm.time'):g}", f"{fu_max:g}", _val(c, "res.nrm.time") <= fu_max, ""),
    ]
    return pd.DataFrame(rows)


#: Printed durations in months whose day-count origin the audit examines.
MONTH_CLAIMS = ("res.followup.min", "res.followup.median", "res.followup.max", "res.os.min", "res.os.median", "res.os.max")


def whole_days_for(printed_months: str, days_per_month: float) -> list[int]:
    """The whole numbers of days that print as ``printed_months`` under a month convention."""
    target = float(printed_months)
    centre = int(target * days_per_month)
    return [d for d in range(centre - 3, centre + 4) if rounds_to(d / days_per_month, printed_months)
            and abs(d / days_per_month - target) < 0.5 * 10 ** (-printed_decimals(printed_months)) - 1e-12]


def month_convention_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """For each printed duration and month convention: can a whole number of days print so?

    A duration measured between two dates is a whole number of days; printed in months
    with two decimals, only some values are reachable under a given days-per-month
    convention. One row per (claim, convention) with the reachable day counts.
    """
    c = _index(claims)
    rows = []
    for claim_id in MONTH_CLAIMS:
        printed = _printed(c, claim_id)
        for name, dpm in MONTH_CONVENTIONS.items():
            days = whole_days_for(printed, dpm)
            rows.append({"claim_id": claim_id, "quantity": c.at[claim_id, "quantity"], "printed": printed,
                         "convention": name, "reachable": bool(days), "days": ", ".join(map(str, days))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- donor ages
def donor_age_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """Can whole-number donor ages with the printed means, SDs and range exist?"""
    c = _index(claims)
    rows = []
    stats_ = {}
    for group in ("all",) + GROUPS:
        m_id, s_id = f"t1.donor_age.{group}.mean", f"t1.donor_age.{group}.sd"
        n = int(_val(c, f"t1.header.{group}.n"))
        mean, sd = _printed(c, m_id), _printed(c, s_id)
        stats_[group] = (n, float(mean), float(sd))
        grim = any(rounds_to(k / n, mean) for k in range(int(float(mean) * n) - 2, int(float(mean) * n) + 3))
        rows.append(_row(f"GRIM: mean of {n} whole ages ({group})", "donor age", [m_id], mean,
                         "possible" if grim else "impossible", grim))
        ok = grimmer_consistent(mean, sd, n)
        rows.append(_row(f"GRIMMER: SD of {n} whole ages ({group})", "donor age", [m_id, s_id], sd,
                         "possible" if ok else "impossible", ok))
    (n1, m1, s1), (n2, m2, s2) = stats_["60-70"], stats_[">70"]
    pooled_mean = (n1 * m1 + n2 * m2) / (n1 + n2)
    rows.append(_row("group means combine to the overall mean", "donor age",
                     ["t1.donor_age.60-70.mean", "t1.donor_age.>70.mean", "t1.donor_age.all.mean"],
                     _printed(c, "t1.donor_age.all.mean"), f"{pooled_mean:.4f}", rounds_to(pooled_mean, _printed(c, "t1.donor_age.all.mean"))))
    # Total sum of squares from the group summaries (between + within) gives the overall SD.
    n = n1 + n2
    ss = (n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * (m1 - pooled_mean) ** 2 + n2 * (m2 - pooled_mean) ** 2
    overall_sd = math.sqrt(ss / (n - 1))
    rows.append(_row("group SDs combine to the overall SD", "donor age",
                     ["t1.donor_age.60-70.sd", "t1.donor_age.>70.sd", "t1.donor_age.all.sd"],
                     _printed(c, "t1.donor_age.all.sd"), f"{overall_sd:.4f}",
                     abs(overall_sd - float(_printed(c, "t1.donor_age.all.sd"))) <= 0.02,
                     "tolerance 0.02 allows for the rounding of the printed group means and SDs"))
    for end_id in ("res.donor_age.min", "res.donor_age.max"):
        value = _val(c, end_id)
        for group, (ng, mg, sg) in (("60-70", stats_["60-70"]), (">70", stats_[">70"])):
            reach = max_deviation(ng, sg + 0.005)
            ok = abs(value - mg) <= reach
            rows.append(_row(f"donor age {value:g} can belong to the {group} group", "donor age range",
                             [end_id, f"t1.donor_age.{group}.mean", f"t1.donor_age.{group}.sd"],
                             f"{value:g}", f"|{value:g} − {mg:g}| = {abs(value - mg):.2f} vs max {reach:.2f}", ok,
                             "informative, not an inconsistency: the value must then sit in the other group"))
    lo, hi = _val(c, "res.donor_age.min"), _val(c, "res.donor_age.max")
    # The only group the youngest donor fits must also hold the GVHD patient's donor (she is 62).
    gvhd_donor_age = _val(c, "res.gvhd.donor_age")
    n1_, m1_, s1_ = stats_["60-70"]
    ok, minimal, largest = fits_with_fixed(n1_, m1_, _printed(c, "t1.donor_age.60-70.sd"), [lo, gvhd_donor_age])
    rows.append(_row(f"donors aged {lo:g} and {gvhd_donor_age:g} (the GVHD patient's) together in the 60-70 group", "donor age range",
                     ["res.donor_age.min", "res.gvhd.donor_age", "t1.donor_age.60-70.sd"],
                     _printed(c, "t1.donor_age.60-70.sd"), f"minimal SS {minimal:.1f} vs at most {largest:.1f}", ok,
                     "" if ok else f"the {lo:g}-year-old donor fits no group once the {gvhd_donor_age:g}-year-old is in the 60-70 group: "
                     "'18 to 55' restates the eligibility range"))
    rows.append(_row("donor age range inside donor eligibility (18–55)", "donor age range",
                     ["res.donor_age.min", "res.donor_age.max", "meth.donor_age.min", "meth.donor_age.max"],
                     f"{lo:g}–{hi:g}", f"{_val(c, 'meth.donor_age.min'):g}–{_val(c, 'meth.donor_age.max'):g}",
                     _val(c, "meth.donor_age.min") <= lo and hi <= _val(c, "meth.donor_age.max")))
    gvhd_donor = _val(c, "res.gvhd.donor_age")
    rows.append(_row("GVHD patient's donor age inside the printed range", "donor age range",
                     ["res.gvhd.donor_age", "res.donor_age.min", "res.donor_age.max"], f"{gvhd_donor:g}",
                     f"{lo:g}–{hi:g}", lo <= gvhd_donor <= hi))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- p-values
@dataclass(frozen=True)
class PValueSpec:
    """How to rebuild the table behind one printed p-value from the registry.

    ``categories`` are claim-id stems ``t1.patient_sex.male`` whose ``.<group>.n`` counts
    form the rows; a single category means a yes/no outcome whose "no" row is the group
    size minus the count. ``kind`` is ``"categorical"``, ``"t"`` (donor age) or
    ``"needs data"`` (a test that needs patient-level data: rank tests, survival tests).
    """

    p_id: str
    label: str
    kind: str = "categorical"
    categories: tuple[str, ...] = ()
    group_ids: tuple[str, str] | None = None  # explicit (count id 60-70, count id >70)
    n_ids: tuple[str, str] = ("t1.header.60-70.n", "t1.header.>70.n")
    note: str = ""


def _t1(*cats: str) -> tuple[str, ...]:
    return tuple(f"t1.{x}" for x in cats)


def _t2(*cats: str) -> tuple[str, ...]:
    return tuple(f"t2.{x}" for x in cats)


PVALUE_SPECS: tuple[PValueSpec, ...] = (
    PValueSpec("t1.patient_sex.p", "Table 1: patient sex", categories=_t1("patient_sex.male", "patient_sex.female")),
    PValueSpec("t1.donor_sex.p", "Table 1: donor sex", categories=_t1("donor_sex.male", "donor_sex.female")),
    PValueSpec("t1.sex_match.p", "Table 1: donor/patient sex (4 x 2)",
               categories=_t1("sex_match.f_to_f", "sex_match.f_to_m", "sex_match.m_to_f", "sex_match.m_to_m")),
    PValueSpec("t1.relation.p", "Table 1: donor relation", categories=_t1("relation.unrelated", "relation.related")),
    PValueSpec("t1.hla.p", "Table 1: HLA mismatch", categories=_t1("hla.5of10", "hla.6of10")),
    PValueSpec("t1.courses.p", "Table 1: courses of MST", categories=_t1("courses.gt3", "courses.1to3")),
    PValueSpec("res.courses.p", "Results: >3 courses by age group", group_ids=("res.courses.60-70.n", "res.courses.>70.n")),
    PValueSpec("t1.donor_age.p", "Table 1: donor age", kind="t"),
    PValueSpec("t1.diagnosis_year.p", "Table 1: year of diagnosis", kind="needs data",
               note="a rank test on years of diagnosis needs patient-level data"),
    PValueSpec("t2.mnc.p", "Table 2: MNC dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.cd34.p", "Table 2: CD34+ dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.cd3.p", "Table 2: CD3+ dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.induction.p", "Table 2: induction regimen", categories=_t2("induction"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n"), note="every patient in one category: no association to test"),
    PValueSpec("t2.cr.p", "Table 2: overall CR", categories=_t2("cr"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.death.p", "Table 2: total deaths", categories=_t2("death"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.early_death.p", "Table 2: early deaths", categories=_t2("early_death"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.death_cause.p", "Table 2: causes of death (3 x 2)",
               categories=_t2("death_cause.relapse", "death_cause.infection", "death_cause.organ_failure"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.os.p", "Table 2: OS at 1, 3, 5 years (3 x 2)", categories=_t2("os.1y", "os.3y", "os.5y"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n"),
               note="the rows overlap (a 5-year survivor is also a 1- and 3-year survivor): not a valid test of independence"),
    PValueSpec("t2.lfs.p", "Table 2: LFS at 1, 3, 5 years (3 x 2)", categories=_t2("lfs.1y", "lfs.3y", "lfs.5y"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n"),
               note="the rows overlap (a 5-year survivor is also a 1- and 3-year survivor): not a valid test of independence"),
    PValueSpec("res.cr.p", "Results: CR by age group", group_ids=("res.cr.60-70.n", "res.cr.>70.n")),
    PValueSpec("res.death.p", "Results: mortality by age group", group_ids=("res.death.60-70.n", "res.death.>70.n")),
    PValueSpec("res.os1y.p", "Results: 1-year OS by age group", group_ids=("res.os1y.60-70.n", "res.os1y.>70.n")),
    PValueSpec("abs.cr.p", "Abstract: CR by age group", group_ids=("res.cr.60-70.n", "res.cr.>70.n")),
    PValueSpec("disc.cr.p", "Discussion: CR 90% vs 70.0%", group_ids=("res.cr.60-70.n", "res.cr.>70.n"),
               note="printed with the 6/9 of Table 2; the 70.0% beside it implies 7/10 (see neighbouring tables)"),
)

#: Survival and competing-risk p-values: checked by later chapters on patient-level data.
SURVIVAL_P_IDS = (
    "abs.os.p", "abs.lfs.p", "abs.courses.os.p", "abs.courses.lfs.p", "abs.relapse.p", "abs.nrm.p",
    "res.courses.os.p", "res.courses.lfs.p", "res.relapse.p", "res.nrm.p", "res.diagnosis_year.p",
)


def _table_for(spec: PValueSpec, c: pd.DataFrame) -> np.ndarray:
    n1, n2 = (int(_val(c, i)) for i in spec.n_ids)
    if spec.group_ids:
        k1, k2 = (int(_val(c, i)) for i in spec.group_ids)
        return np.array([[k1, k2], [n1 - k1, n2 - k2]])
    rows = [[int(_val(c, f"{cat}.{g}.n")) for g in GROUPS] for cat in spec.categories]
    if len(rows) == 1:
        rows.append([n1 - rows[0][0], n2 - rows[0][1]])
    return np.array(rows)


def neighbouring_tables(table: np.ndarray, max_change: int = 1) -> list[np.ndarray]:
    """Yes/no 2 x 2 tables near the printed one: each group's count changed by up to
    ``max_change`` and each group's size by 0 or +1 (one patient more: an earlier cohort)."""
    if table.shape != (2, 2):
        return []
    (k1, k2), (r1, r2) = table
    n1, n2 = k1 + r1, k2 + r2
    out = []
    for d1 in range(-max_change, max_change + 1):
        for d2 in range(-max_change, max_change + 1):
            for e1 in (0, 1):
                for e2 in (0, 1):
                    a, b, m1, m2 = k1 + d1, k2 + d2, n1 + e1, n2 + e2
                    if (d1, d2, e1, e2) == (0, 0, 0, 0) or not (0 <= a <= m1 and 0 <= b <= m2):
                        continue
                    out.append(np.array([[a, b], [m1 - a, m2 - b]]))
    return out


def _fmt_table(table: np.ndarray) -> str:
    return " / ".join(",".join(str(int(x)) for x in col) for col in table.T)


def pvalue_checks(claims: pd.DataFrame, specs: Sequence[PValueSpec] = PVALUE_SPECS) -> pd.DataFrame:
    """Recompute each printed p-value with every candidate test; say which ones reproduce it.

    Returns one row per (p-value, test) with columns ``p_id``, ``label``, ``printed``,
    ``table`` (counts per group, groups separated by "/"), ``test``, ``p_value``,
    ``matches``, ``note``; plus, for a 2 x 2 p-value no test reproduces, rows with
    ``test`` like ``"Fisher exact on 18,2 / 7,3"`` for each neighbouring table that does.
    """
    c = _index(claims)
    rows = []
    for spec in specs:
        printed = _printed(c, spec.p_id)
        base = {"p_id": spec.p_id, "label": spec.label, "printed": printed, "note": spec.note}
        if spec.kind == "needs data":
            rows.append({**base, "table": "", "test": "(patient-level data)", "p_value": float("nan"), "matches": False, "neighbour": False})
            continue
        if spec.kind == "t":
            args = []
            for g in GROUPS:
                args += [_val(c, f"t1.donor_age.{g}.mean"), _val(c, f"t1.donor_age.{g}.sd"), int(_val(c, f"t1.header.{g}.n"))]
            for welch in (False, True):
                res = t_test_from_summary(*args, welch=welch)
                rows.append({**base, "table": "mean, SD, n", "test": res.test, "p_value": res.p_value,
                             "matches": matches_printed(res.p_value, printed), "neighbour": False})
            continue
        table = _table_for(spec, c)
        results = categorical_tests(table)
        for res in results:
            rows.append({**base, "table": _fmt_table(table), "test": res.test, "p_value": res.p_value,
                         "matches": matches_printed(res.p_value, printed), "neighbour": False})
        if not any(matches_printed(r.p_value, printed) for r in results):
            for alt in neighbouring_tables(table):
                for res in categorical_tests(alt):
                    if matches_printed(res.p_value, printed):
                        rows.append({**base, "table": _fmt_table(alt), "test": res.test, "p_value": res.p_value,
                                     "matches": True, "neighbour": True})
    return pd.DataFrame(rows)


def test_attribution(pchecks: pd.DataFrame) -> pd.DataFrame:
    """One row per printed p-value: which test(s) reproduce it on the printed counts."""
    out = []
    for p_id, grp in pchecks.groupby("p_id", sort=False):
        direct = grp[(~grp["neighbour"]) & grp["matches"]]
        neighbours = grp[grp["neighbour"]]
        first = grp.iloc[0]
        if first["test"] == "(patient-level data)":
            verdict = "needs patient-level data"
        elif not direct.empty:
            verdict = " and ".join(direct["test"])
        elif not neighbours.empty:
            verdict = "no test on the printed counts; reproduced on a neighbouring table"
        else:
            verdict = "not reproduced by any candidate test"
        candidates = "; ".join(f"{t}: {p:.4f}" for t, p in zip(grp.loc[~grp["neighbour"], "test"], grp.loc[~grp["neighbour"], "p_value"]) if not math.isnan(p))
        near = "; ".join(f"{t} on {tab}: {p:.4f}" for t, tab, p in zip(neighbours["test"], neighbours["table"], neighbours["p_value"]))
        out.append({"p_id": p_id, "label": first["label"], "printed": first["printed"], "table": first["table"],
                    "recomputed": candidates, "reproduced_by": verdict, "neighbouring_tables": near, "note": first["note"]})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- summary
#: The most plausible explanation for each kind of failure, keyed by the first claim id
#: involved (or a prefix of it). Judgements, written once here and shown in the chapter.
EXPLANATIONS = {
    "disc.": "The Discussion's numbers fit an earlier 30-patient version of the cohort with 10 patients over 70 "
             "(25/30 = 83.3% CR, 7/10 = 70.0%, 4/10 = 40.0%, 20/30 = 66.7%, 11/30 = 36.7%), not the 29 analysed.",
    "abs.os.>70": "10.0% cannot be a proportion of 9 patients (GRIM); it is 1/10, again the 30-patient version.",
    "abs.lfs.>70": "10.0% cannot be a proportion of 9 patients (GRIM); it is 1/10, again the 30-patient version.",
    "t2.induction": "30 of 29: the 30-patient version's count left in the table.",
    "t2.death_cause": "The three causes add up to all 29 patients, not to the 21 deaths (and to 15 and 14, not 12 and 9, "
                      "by group): the counts are not a breakdown of deaths as printed; 5/9 is also truncated to 55.55.",
    "res.death_cause": "The three causes add up to all 29 patients, not to the 21 deaths.",
    "t2.cr.": "18 + 6 = 24, not 25: the overall 25 matches the 30-patient version (18 + 7).",
    "res.cr.": "18 + 6 = 24, not 25: the overall 25 matches the 30-patient version (18 + 7).",
    "t1.sex_match": "The 60-70 cross-tabulation gives 7 female donors where the donor-sex row has 9 (and 13 male, not 11): "
                    "two donors' sexes differ between the rows.",
    "res.nrm": "NRM counts (2 + 2) cannot be the non-relapse deaths of Table 2 (4 infection + 14 organ failure); "
               "in the >70 group 6 relapses + 2 NRM exceed the 6 patients in CR, so these fractions use all patients "
               "(from diagnosis), not the Methods' risk set from the CR date.",
    "res.relapse": "In the >70 group 6 relapses + 2 NRM exceed the 6 patients in CR: the fractions count all patients "
                   "from diagnosis, not the Methods' risk set from the CR date.",
    "t1.diagnosis_year": "Diagnoses in 2007 precede the April 2008 enrollment start of newly diagnosed patients: "
                         "either the window or the year range is misprinted.",
    "res.followup.max": "219.12 months before 31 Oct 2025 is mid-2007: follow-up of the longest patient began before "
                        "enrollment opened (consistent with the 2007 diagnosis year, not with April 2008).",
    "res.followup.min": "52.96 months before the cut-off is June 2021, the end of enrollment, but the last diagnosis year "
                        "is 2020: follow-up may start at enrollment/first MST rather than diagnosis.",
    "res.donor_age.min": "The 18-year-old donor cannot coexist with the GVHD patient's 28-year-old donor in the 60-70 group "
                         "(and cannot be in the >70 group at all): 'ranged from 18 to 55' restates the donor eligibility range.",
    "res.os.max": "Follow-up is likely potential follow-up (diagnosis to cut-off), not observed OS time.",
    "meth.hla": "Methods type six loci (12 alleles, 5/12–7/12 accepted) while Table 1 reports 5/10 and 6/10.",
    "t2.death.p": "No candidate test reproduces 0.049 from 12/20 vs 9/9 (Fisher 0.033); see the neighbouring tables.",
    "res.death.p": "No candidate test reproduces 0.049 from 12/20 vs 9/9 (Fisher 0.033); see the neighbouring tables.",
    "t2.os.p": "A chi-square over overlapping 1/3/5-year counts is not a valid test; the log-rank p (0.002) is the one that answers the question.",
    "t2.lfs.p": "A chi-square over overlapping 1/3/5-year counts is not a valid test; the log-rank p (0.015) is the one that answers the question.",
    "t2.induction.p": "No association can be tested when every patient is in one category; Fisher gives 1.",
}


def _explain(claim_ids: str, detail: str) -> str:
    first = claim_ids.split(";")[0]
    for key in sorted(EXPLANATIONS, key=len, reverse=True):
        if first.startswith(key):
            return EXPLANATIONS[key]
    return detail or "arithmetic does not hold as printed"


def inconsistencies(*check_tables: pd.DataFrame, pvalue_attribution: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every failed check, with the most plausible explanation, one row each.

    Parameters
    ----------
    *check_tables
        Outputs of :func:`percent_checks`, :func:`sum_checks`, :func:`repeated_number_checks`,
        :func:`date_checks`, :func:`donor_age_checks` (rows whose ``detail`` starts with
        "informative" are not inconsistencies).
    pvalue_attribution
        Output of :func:`test_attribution`; p-values no test reproduces are listed too.
    """
    rows = []
    for table in check_tables:
        failed = table[~table["consistent"] & ~table["detail"].str.startswith("informative")]
        for _, r in failed.iterrows():
            rows.append({"family": r["family"], "check": r["check"], "claim_ids": r["claim_ids"], "printed": r["printed"],
                         "recomputed": r["recomputed"], "explanation": _explain(r["claim_ids"], r["detail"])})
    if pvalue_attribution is not None:
        bad = pvalue_attribution[pvalue_attribution["reproduced_by"].str.startswith(("no test", "not reproduced"))]
        for _, r in bad.iterrows():
            rows.append({"family": "p-value", "check": f"{r['label']}: p = {r['printed']}", "claim_ids": r["p_id"],
                         "printed": r["printed"], "recomputed": r["recomputed"],
                         "explanation": _explain(r["p_id"], r["note"])})
        invalid = pvalue_attribution[pvalue_attribution["note"].str.contains("not a valid test|no association", regex=True)
                                     & ~pvalue_attribution["p_id"].isin([r["claim_ids"] for r in rows])]
        for _, r in invalid.iterrows():
            rows.append({"family": "p-value", "check": f"{r['label']}: p = {r['printed']} ({r['reproduced_by']})",
                         "claim_ids": r["p_id"], "printed": r["printed"], "recomputed": r["recomputed"],
                         "explanation": _explain(r["p_id"], r["note"])})
    return pd.DataFrame(rows, columns=["family", "check", "claim_ids", "printed", "recomputed", "explanation"])
