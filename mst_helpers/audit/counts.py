"""Percentages against their counts (GRIM), sums and orderings, and numbers printed twice.

Each failing row says what it compared, its cause and the numbers behind that cause.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from .arithmetic import _EPS, grim_consistent, grim_denominators, rounds_to, truncates_to
from .records import GROUPS, _index, _printed, _row, _val, describe_fractions, fractions_for, group_size, where


# --------------------------------------------------------------------------- percentages
def percent_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """Every printed percentage of this cohort against its count and denominator (GRIM).

    A percentage with a printed count is recomputed as 100 k / n; one without a count is
    checked with GRIM against its group's size. When GRIM fails, the denominators from
    n - 3 to n + 3 that would pass are listed with the fractions that give the percentage.
    """
    rows = []
    pct = claims[(claims["kind"] == "percent") & claims["denominator"].notna()]
    for _, r in pct.iterrows():
        n = int(r["denominator"])
        printed = r["printed"]
        grim = grim_consistent(printed, n)
        alternatives = [m for m in grim_denominators(printed, range(max(1, n - 3), n + 4)) if m != n]
        if pd.notna(r["numerator"]):
            k = int(r["numerator"])
            value = 100 * k / n
            ok = rounds_to(value, printed)
            cause, evidence = "", f"{k}/{n} = {value:.4f}%"
            if k > n:
                cause, evidence = "the count is larger than its column's n", f"{k} > {n} (by {k - n})"
            elif not ok and truncates_to(value, printed):
                cause = "truncated, not rounded"
                evidence = f"{k}/{n} = {value:.4f}%, which rounds to {value:.{len(printed.split('.')[-1])}f} but is printed {printed}"
            elif not ok:
                cause = "the percentage does not match its own count and denominator"
            check = f"{r['quantity']} ({r['group']}): {k}/{n}"
            rows.append(_row(check, "percent", [r["id"]], printed, f"{value:.4f}", ok, cause=cause, evidence=evidence))
        else:
            check = f"{r['quantity']} ({r['group']}): GRIM with n = {n}"
            if alternatives:
                cause = f"no whole count of {n} patients gives {printed}%; it is a proportion of {' or '.join(map(str, alternatives))}"
                evidence = describe_fractions(printed, alternatives)
            else:
                cause = f"no whole count of {n} patients, nor of {max(1, n - 3)}–{n + 3}, gives {printed}%"
                evidence = describe_fractions(printed, [n])
            rows.append(_row(check, "GRIM", [r["id"]], printed, "possible" if grim else "impossible", grim,
                             cause=cause, evidence=evidence))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- sums
@dataclass(frozen=True)
class SumRule:
    """``sum(parts) − sum(minus) <relation> total``: relation is ``"="``, ``"<="`` or ``">="``."""

    name: str
    parts: tuple[str, ...]
    total: str
    relation: str = "="
    family: str = "sum"
    minus: tuple[str, ...] = ()   # subtracted from the parts (e.g. deaths from the group size)
    group: str | None = None      # the patient group the rule is about (for the group-size reading)
    #: What a failure means, as a template over ``lhs``, ``total``, ``diff`` (lhs − total) and ``n``
    #: (the group's size); empty: the evaluation reads the cause off the numbers.
    cause: str = ""


_CROSS_TAB = "the cross-tabulation counts {lhs:g} where the margin row prints {total:g}: {adiff:g} patient(s) are classified differently in the two rows"
_COUNTED_AMONG_ALL = ("{lhs:g} events exceed the {total:g} patients at risk; they fit among all {n:g} patients of the group, "
                      "so the events are counted from diagnosis, not from CR")


def _table_rules() -> list[SumRule]:
    rules = [SumRule("group sizes add up to the cohort", ("t1.header.60-70.n", "t1.header.>70.n"), "t1.header.all.n", group="all")]
    categories = {
        "patient sex": ["patient_sex.male", "patient_sex.female"],
        "donor sex": ["donor_sex.male", "donor_sex.female"],
        "donor/patient sex": ["sex_match.f_to_f", "sex_match.f_to_m", "sex_match.m_to_f", "sex_match.m_to_m"],
        "donor relation": ["relation.unrelated", "relation.related"],
        "HLA mismatch": ["hla.5of10", "hla.6of10"],
        "courses of MST": ["courses.gt3", "courses.1to3"],
    }
    for group in ("all",) + GROUPS:
        for label, cats in categories.items():
            rules.append(SumRule(f"Table 1 {label} ({group}): categories add up to n",
                                 tuple(f"t1.{cat}.{group}.n" for cat in cats), f"t1.header.{group}.n", group=group))
        rules.append(SumRule(f"Table 2 causes of death ({group}): add up to deaths",
                             tuple(f"t2.death_cause.{k}.{group}.n" for k in ("relapse", "infection", "organ_failure")),
                             f"t2.death.{group}.n", group=group))
        order = dict(relation="<=", family="order", group=group)
        # The donor → patient cross-tabulation against the four margin rows.
        for label, margin, cells in (("female donors", "donor_sex.female", ("f_to_f", "f_to_m")),
                                     ("male donors", "donor_sex.male", ("m_to_f", "m_to_m")),
                                     ("female patients", "patient_sex.female", ("f_to_f", "m_to_f")),
                                     ("male patients", "patient_sex.male", ("f_to_m", "m_to_m"))):
            arrows = " + ".join(c.replace("_to_", "→").upper() for c in cells)
            rules.append(SumRule(f"{label} ({group}): {arrows} = {margin.replace('_sex.', ' ')}",
                                 tuple(f"t1.sex_match.{c}.{group}.n" for c in cells), f"t1.{margin}.{group}.n",
                                 family="cross-tab", group=group, cause=_CROSS_TAB))
        rules += [
            SumRule(f"early deaths ≤ deaths ({group})", (f"t2.early_death.{group}.n",), f"t2.death.{group}.n", **order),
            SumRule(f"3-year OS ≤ 1-year OS ({group})", (f"t2.os.3y.{group}.n",), f"t2.os.1y.{group}.n", **order),
            SumRule(f"5-year OS ≤ 3-year OS ({group})", (f"t2.os.5y.{group}.n",), f"t2.os.3y.{group}.n", **order),
            SumRule(f"3-year LFS ≤ 1-year LFS ({group})", (f"t2.lfs.3y.{group}.n",), f"t2.lfs.1y.{group}.n", **order),
            SumRule(f"5-year LFS ≤ 3-year LFS ({group})", (f"t2.lfs.5y.{group}.n",), f"t2.lfs.3y.{group}.n", **order),
            SumRule(f"1-year LFS ≤ 1-year OS ({group})", (f"t2.lfs.1y.{group}.n",), f"t2.os.1y.{group}.n", **order),
            SumRule(f"1-year LFS ≤ CR ({group})", (f"t2.lfs.1y.{group}.n",), f"t2.cr.{group}.n", **order),
            SumRule(f"survivors at the end ≤ 5-year survivors ({group})",
                    (f"t2.header.{group}.n",), f"t2.os.5y.{group}.n", minus=(f"t2.death.{group}.n",), **order),
        ]
    return rules


def _row_total_rules(claims: pd.DataFrame) -> list[SumRule]:
    """Every Table 1 and Table 2 count row: all = 60-70 + >70."""
    rules = []
    for claim_id in claims["id"]:
        for tag in ("t1.", "t2."):
            if claim_id.startswith(tag) and claim_id.endswith(".all.n") and ".header." not in claim_id:
                stem = claim_id[: -len(".all.n")]
                quantity = claims.loc[claims["id"] == claim_id, "quantity"].iloc[0].removesuffix(": count")
                table = "Table 1" if tag == "t1." else "Table 2"
                rules.append(SumRule(f"{quantity} ({table}): 60-70 + >70 = all", (f"{stem}.60-70.n", f"{stem}.>70.n"), claim_id,
                                     family="row total", group="all"))
    return rules


_TEXT_RULES = [
    SumRule("CR: 60-70 + >70 = overall (results text)", ("res.cr.60-70.n", "res.cr.>70.n"), "res.cr.all.n", group="all"),
    SumRule("deaths: 60-70 + >70 = overall (results text)", ("res.death.60-70.n", "res.death.>70.n"), "res.death.all.n", group="all"),
    SumRule("causes of death add up to deaths (results text)",
            ("res.death_cause.relapse.n", "res.death_cause.infection.n", "res.death_cause.organ_failure.n"), "res.death.all.n",
            group="all"),
    SumRule("relapses + NRM ≤ patients in CR (>70), when counted from the CR date",
            ("res.relapse.>70.n", "res.nrm.>70.n"), "t2.cr.>70.n", "<=", "order", group=">70", cause=_COUNTED_AMONG_ALL),
    SumRule("relapses + NRM ≤ patients in CR (60-70), when counted from the CR date",
            ("res.relapse.60-70.n", "res.nrm.60-70.n"), "t2.cr.60-70.n", "<=", "order", group="60-70", cause=_COUNTED_AMONG_ALL),
    SumRule("'1,579 expressed genes detected' = up + down-regulated genes (so it counts DEGs)",
            ("res.rnaseq.up", "res.rnaseq.down"), "res.rnaseq.degs"),
] + [
    # The paper defines NRM as any death not due to relapse: at least deaths − relapses.
    SumRule(f"NRM ({group}) ≥ deaths − relapses: the paper defines NRM as any death not due to relapse",
            (f"t2.death.{group}.n",), f"res.nrm.{group}.n", "<=", "order", minus=(f"res.relapse.{group}.n",), group=group,
            cause="at least {lhs:g} deaths are not preceded by a relapse (deaths − relapses), so NRM as the paper defines "
                  "it is at least {lhs:g}, not {total:g}")
    for group in GROUPS
]


def _derived_cause(rule: SumRule, lhs: float, total: float, n: int | None) -> str:
    """What a failed rule without its own reading means, read off its numbers."""
    diff = lhs - total
    if rule.relation == "=" and math.isclose(-diff, 1):
        return f"the total is one more than its parts ({total:g} vs {lhs:g}): it fits a cohort with one more patient"
    if rule.relation == "=" and n is not None and lhs > n:
        return f"the parts add up to {lhs:g}, more than the group's {n} patients: they cannot count patients of this group"
    if rule.relation == "=" and n is not None and math.isclose(lhs, n) and not math.isclose(total, n):
        return f"the parts add up to the whole group ({n} patients), not to the total of {total:g}"
    if rule.relation == "=":
        return f"the parts add up to {lhs:g}, the total is printed {total:g} (difference {diff:+g})"
    return f"{lhs:g} {'>' if rule.relation == '<=' else '<'} {total:g}: the ordering cannot hold for one set of patients"


def _evaluate(rule: SumRule, c: pd.DataFrame) -> dict:
    parts = [_val(c, p) for p in rule.parts]
    minus = [_val(c, m) for m in rule.minus]
    total = _val(c, rule.total)
    lhs = sum(parts) - sum(minus)
    ok = {"=": math.isclose(lhs, total), "<=": lhs <= total + _EPS, ">=": lhs >= total - _EPS}[rule.relation]
    expression = " + ".join(f"{p:g}" for p in parts) + "".join(f" − {m:g}" for m in minus)
    n = group_size(c, rule.group) if rule.group else None
    cause = ""
    if not ok:
        fields = {"lhs": lhs, "total": total, "diff": lhs - total, "adiff": abs(lhs - total), "n": n if n is not None else math.nan}
        reading_fits = rule.cause and not (rule.cause is _COUNTED_AMONG_ALL and (n is None or lhs > n))
        cause = rule.cause.format(**fields) if reading_fits else _derived_cause(rule, lhs, total, n)
    evidence = f"{expression} = {lhs:g}; printed {total:g}" + (f"; the group has {n} patients" if n is not None else "")
    return _row(rule.name, rule.family, list(rule.parts) + list(rule.minus) + [rule.total], f"{total:g}",
                f"{expression} = {lhs:g}" if len(parts) + len(minus) > 1 else f"{lhs:g}", ok,
                cause=cause, evidence=evidence)


def sum_checks(claims: pd.DataFrame) -> pd.DataFrame:
    """Sums and orderings that must hold between printed counts (see the package docstring)."""
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


def _denominator(c: pd.DataFrame, claim_id: str) -> int | None:
    d = c.at[claim_id, "denominator"]
    if pd.notna(d):
        return int(d)
    return group_size(c, str(c.at[claim_id, "group"]))


def _repeated_reading(c: pd.DataFrame, a: str, b: str) -> tuple[str, str]:
    """Cause and evidence for a number printed twice that disagrees with itself."""
    pa_, pb = _printed(c, a), _printed(c, b)
    if c.at[a, "kind"] == "percent" and c.at[b, "kind"] == "percent":
        n = _denominator(c, a) or _denominator(c, b)
        if n is None:
            return "the two places print different percentages of one quantity", f"{pa_}% vs {pb}%"
        evidence = f"{pa_}%: {describe_fractions(pa_, [n, n + 1])}. {pb}%: {describe_fractions(pb, [n, n + 1])}"
        fits = {claim: {m for _, m in fractions_for(_printed(c, claim), [n, n + 1])} for claim in (a, b)}
        odd = [claim for claim in (a, b) if fits[claim] == {n + 1}]
        if odd:
            other = b if odd[0] == a else a
            k_more = [k for k, m in fractions_for(_printed(c, odd[0]), [n + 1])]
            k_here = [k for k, m in fractions_for(_printed(c, other), [n])]
            cause = f"{_printed(c, odd[0])}% is a proportion of {n + 1} patients, one more than the {n} analysed"
            if k_more and k_here and not 0 <= k_more[0] - k_here[0] <= 1:
                cause += (f", but {k_more[0]} of {n + 1} is not {k_here[0]} or {k_here[0] + 1}: one more patient "
                          f"cannot turn {k_here[0]} of {n} into it")
            return cause, evidence
        return f"the two places print different counts of the same {n} patients", evidence
    va, vb = _val(c, a), _val(c, b)
    return f"the two places print {pa_} and {pb}", f"difference {vb - va:+g}"


def repeated_number_checks(claims: pd.DataFrame, pairs: Sequence[tuple[str, str]] = tuple(REPEATED)) -> pd.DataFrame:
    """Numbers the paper prints twice must agree at the coarser printed precision.

    ``meth.hla.denominator`` against Table 1's mismatch counts is its own check: the Methods
    count allele mismatches out of the number of alleles typed, Table 1 out of 10.
    """
    c = _index(claims)
    rows = []
    for a, b in pairs:
        if a == "meth.hla.denominator":
            alleles = _val(c, a)
            tabled = [cid for cid in ("t1.hla.5of10.all.n", "t1.hla.6of10.all.n") if cid in c.index]
            rows.append(_row("HLA mismatch denominator: Methods vs Table 1", "repeated", [a, *tabled],
                             f"x/{alleles:g}", "5/10, 6/10", False,
                             cause=f"the Methods count mismatches out of {alleles:g} typed alleles, Table 1 out of 10",
                             evidence=f"Methods: x/{alleles:g}; Table 1: " + ", ".join(f"{_val(c, t):g} patients at "
                                                                                      f"{t.split('.')[2].replace('of', '/')}" for t in tabled)))
            continue
        va, pb = _val(c, a), _printed(c, b)
        pa_ = _printed(c, a)
        ok = rounds_to(va, pb) or rounds_to(_val(c, b), pa_)
        cause, evidence = _repeated_reading(c, a, b) if not ok else ("", "")
        rows.append(_row(f"{c.at[a, 'quantity']} ({c.at[a, 'group']}): {where(c, a)} vs {where(c, b)}", "repeated", [a, b], pb, pa_, ok,
                         cause=cause, evidence=evidence))
    return pd.DataFrame(rows)


#: Medians printed beside a landmark count: (median id, count alive at the landmark, group size id, landmark months).
MEDIAN_RULES = (("disc.os.>70.median", "t2.os.1y.>70.n", "t2.header.>70.n", 12.0),)


def median_checks(claims: pd.DataFrame, rules=MEDIAN_RULES) -> pd.DataFrame:
    """A median survival must lie below a landmark at which fewer than half are alive, and above
    one at which more than half are (no censoring before the landmark)."""
    c = _index(claims)
    rows = []
    for median_id, alive_id, n_id, months in rules:
        median, alive, n = _val(c, median_id), _val(c, alive_id), _val(c, n_id)
        share = alive / n
        ok = (median < months) if share < 0.5 else (median > months) if share > 0.5 else True
        side = "below" if share < 0.5 else "above"
        rows.append(_row(f"{c.at[median_id, 'quantity']} ({c.at[median_id, 'group']}) {side} {months:g} months, "
                         f"with {alive:g} of {n:g} alive then", "median", [median_id, alive_id, n_id], _printed(c, median_id),
                         f"{alive:g}/{n:g} = {100 * share:.1f}% alive at {months:g} months", ok,
                         cause=f"a median of {median:g} months is impossible when {alive:g} of {n:g} are alive at {months:g} months",
                         evidence=f"{alive:g}/{n:g} = {100 * share:.1f}% {'<' if share < 0.5 else '>'} 50%"))
    return pd.DataFrame(rows)


#: Pairs of definitions on one scale whose boundaries must meet (lower state, upper state).
DEFINITION_PAIRS = (("meth.cr.blasts", "meth.relapse.blasts"),)


def definition_checks(claims: pd.DataFrame, pairs=DEFINITION_PAIRS) -> pd.DataFrame:
    """Two states defined on one scale (remission below a threshold, relapse above one) must leave
    no value in neither state and none in both: e.g. "< 5%" with "≥ 5%", not "< 5%" with "> 5%"."""
    c = _index(claims)
    rows = []
    for low_id, high_id in pairs:
        lo, hi = _val(c, low_id), _val(c, high_id)
        lo_op, hi_op = str(c.at[low_id, "comparator"]), str(c.at[high_id, "comparator"])
        gap = lo < hi or (lo == hi and lo_op == "<" and hi_op == ">")
        overlap = lo > hi or (lo == hi and lo_op in ("≤", "<=") and hi_op in ("≥", ">="))
        rows.append(_row(f"{c.at[low_id, 'quantity']} and {c.at[high_id, 'quantity']} meet without gap or overlap", "definition",
                         [low_id, high_id], f"{lo_op} {lo:g} / {hi_op} {hi:g}", "gap" if gap else "overlap" if overlap else "meet",
                         not (gap or overlap),
                         cause=(f"a value of exactly {lo:g} is in neither state" if gap and lo == hi else
                                f"values between {lo:g} and {hi:g} are in neither state" if gap else
                                f"a value of {hi:g} to {lo:g} is in both states"),
                         evidence=f"{c.at[low_id, 'quantity']}: {lo_op} {lo:g}; {c.at[high_id, 'quantity']}: {hi_op} {hi:g}"))
    return pd.DataFrame(rows)


#: Crude counts at a landmark, with the landmark in months.
LANDMARK_COUNTS = (("t2.os.5y.all.n", 60.0), ("t2.lfs.5y.all.n", 60.0))


def landmark_follow_up_checks(claims: pd.DataFrame, counts=LANDMARK_COUNTS, minimum_id: str = "res.followup.min") -> pd.DataFrame:
    """A crude count of patients alive at a landmark needs every patient followed to the landmark
    (or dead before it); the shortest follow-up says whether that can hold."""
    c = _index(claims)
    shortest = _val(c, minimum_id)
    rows = []
    for count_id, months in counts:
        ok = shortest >= months
        rows.append(_row(f"{c.at[count_id, 'quantity']} needs every patient followed {months:g} months",
                         "landmark", [count_id, minimum_id], _printed(c, count_id), f"shortest follow-up {shortest:g} months", ok,
                         cause=f"a patient followed {shortest:g} months cannot be counted as alive or not at {months:g} months "
                               "unless they died before; the crude count treats them as known",
                         evidence=f"shortest follow-up {shortest:g} < {months:g} months"))
    return pd.DataFrame(rows)


#: Counts of the same patients stated in several places of the paper.
COUNT_STATEMENTS = (
    ("patients sequenced", ("abs.transcriptomics.n", "res.rnaseq.patients", "res.rnaseq.supp_table_2.n")),
    ("patients analysed", ("abs.n_patients", "res.n_patients", "t1.header.all.n", "disc.cr.den")),
)


def count_statement_checks(claims: pd.DataFrame, statements=COUNT_STATEMENTS) -> pd.DataFrame:
    """How many patients the paper says it sequenced or analysed, place by place: one number throughout."""
    c = _index(claims)
    rows = []
    for label, ids in statements:
        present = [i for i in ids if i in c.index]
        values = {i: _val(c, i) for i in present}
        most = pd.Series(values).mode().iloc[0]
        odd = [i for i, v in values.items() if v != most]
        rows.append(_row(f"{label}: one number in every place", "count statement", present,
                         ", ".join(f"{values[i]:g}" for i in present), f"{most:g} in most places", not odd,
                         cause="; ".join(f"{c.at[i, 'quantity']} ({where(c, i)}) says {values[i]:g} where the other "
                                         f"places say {most:g}" for i in odd),
                         evidence="; ".join(f"{c.at[i, 'quantity']} ({where(c, i)}) = {values[i]:g}" for i in present)))
    return pd.DataFrame(rows)
