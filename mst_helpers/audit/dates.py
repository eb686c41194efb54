"""Dates, follow-up windows, month conventions and donor ages."""

from __future__ import annotations

import math

import pandas as pd

from ..claims import printed_decimals
from ..endpoints import DAYS_PER_MONTH, MONTH_CONVENTIONS
from .arithmetic import fits_with_fixed, grimmer_consistent, max_deviation, rounds_to
from .records import GROUPS, _index, _printed, _row, _val


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
    median = _val(c, "res.followup.median")
    before_enrolment = (start - earliest).days
    after_last_year = (latest - pd.Timestamp(year=year_max, month=12, day=31)).days
    rows = [
        _row("first year of diagnosis vs enrollment start", "dates", ["t1.diagnosis_year.all.min", "meth.enrol_start"],
             f"{year_min}", f"enrollment from {start:%B %Y}", year_min >= start.year,
             cause="patients diagnosed before enrollment opened cannot be newly diagnosed enrolled patients: the year "
                   "range or the enrollment window is misprinted",
             evidence=f"first diagnosis year {year_min} < {start.year}, the year enrollment opened ({start:%B %Y})"),
        _row("last year of diagnosis vs enrollment end", "dates", ["t1.diagnosis_year.all.max", "meth.enrol_end"],
             f"{year_max}", f"enrollment to {end:%B %Y}", year_max <= end.year,
             cause="a diagnosis after enrollment closed", evidence=f"last diagnosis year {year_max} > {end.year}"),
        _row("longest follow-up: implied start vs enrollment start", "dates", ["res.followup.max", "meth.followup_cutoff", "meth.enrol_start"],
             f"{fu_max:g} months", f"starts {earliest:{iso}}", earliest >= start,
             cause="the longest follow-up began before enrollment opened (it fits the first diagnosis year, "
                   f"{year_min}, not the enrollment window)",
             evidence=f"{fu_max:g} months × {DAYS_PER_MONTH:.4f} days before {cutoff:{iso}} is {earliest:{iso}}, "
                      f"{before_enrolment} days before {start:{iso}}"),
        _row("longest follow-up: implied start vs first year of diagnosis", "dates", ["res.followup.max", "t1.diagnosis_year.all.min"],
             f"{fu_max:g} months", f"starts {earliest:{iso}}", earliest.year >= year_min,
             cause="the longest follow-up began before the first diagnosis year",
             evidence=f"implied start {earliest:{iso}} < {year_min}"),
        _row("shortest follow-up: implied start vs enrollment end", "dates", ["res.followup.min", "meth.enrol_end"],
             f"{fu_min:g} months", f"starts {latest:{iso}}", latest <= end,
             cause="the shortest follow-up began after enrollment closed", evidence=f"implied start {latest:{iso}} > {end:{iso}}"),
        _row("shortest follow-up: implied start vs last year of diagnosis", "dates", ["res.followup.min", "t1.diagnosis_year.all.max"],
             f"{fu_min:g} months", f"starts {latest:{iso}}", latest.year <= year_max,
             cause="the shortest follow-up began after the last diagnosis year: follow-up may start at enrollment or "
                   "the first MST course rather than at diagnosis",
             evidence=f"{fu_min:g} months before {cutoff:{iso}} is {latest:{iso}}, {after_last_year} days after the end of "
                      f"{year_max}; a patient diagnosed by then has at least "
                      f"{(cutoff - pd.Timestamp(year=year_max, month=12, day=31)).days / DAYS_PER_MONTH:.2f} months of potential follow-up"),
        _row("median follow-up inside its range", "dates", ["res.followup.median", "res.followup.min", "res.followup.max"],
             f"{median:g}", f"{fu_min:g}–{fu_max:g}", fu_min <= median <= fu_max,
             cause="the median lies outside its own range", evidence=f"{median:g} not in {fu_min:g}–{fu_max:g}"),
        # Only "≤": the longest-followed patient may have died, so OS max can be below follow-up max.
        _row("longest OS ≤ longest follow-up", "dates", ["res.os.max", "res.followup.max"],
             f"{_val(c, 'res.os.max'):g}", f"{fu_max:g}", _val(c, "res.os.max") <= fu_max,
             cause="an OS time longer than any follow-up", evidence=f"{_val(c, 'res.os.max'):g} > {fu_max:g}"),
        _row("NRM time point within follow-up", "dates", ["res.nrm.time", "res.followup.max"],
             f"{_val(c, 'res.nrm.time'):g}", f"{fu_max:g}", _val(c, "res.nrm.time") <= fu_max,
             cause="a time point after the end of follow-up", evidence=f"{_val(c, 'res.nrm.time'):g} > {fu_max:g}"),
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
                         "possible" if grim else "impossible", grim, cause=f"no sum of {n} whole ages gives the mean {mean}",
                         evidence=f"mean {mean} × {n} = {float(mean) * n:.2f}, and no whole sum near it rounds back to {mean}"))
        ok = grimmer_consistent(mean, sd, n)
        rows.append(_row(f"GRIMMER: SD of {n} whole ages ({group})", "donor age", [m_id, s_id], sd,
                         "possible" if ok else "impossible", ok, cause=f"no {n} whole ages with mean {mean} have SD {sd}",
                         evidence=f"GRIMMER over every whole sum and sum of squares consistent with mean {mean}, n = {n}"))
    (n1, m1, s1), (n2, m2, s2) = stats_["60-70"], stats_[">70"]
    pooled_mean = (n1 * m1 + n2 * m2) / (n1 + n2)
    rows.append(_row("group means combine to the overall mean", "donor age",
                     ["t1.donor_age.60-70.mean", "t1.donor_age.>70.mean", "t1.donor_age.all.mean"],
                     _printed(c, "t1.donor_age.all.mean"), f"{pooled_mean:.4f}", rounds_to(pooled_mean, _printed(c, "t1.donor_age.all.mean")),
                     cause="the group means do not combine to the overall mean",
                     evidence=f"({n1} × {m1:g} + {n2} × {m2:g}) / {n1 + n2} = {pooled_mean:.4f}"))
    # Total sum of squares from the group summaries (between + within) gives the overall SD.
    n = n1 + n2
    ss = (n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * (m1 - pooled_mean) ** 2 + n2 * (m2 - pooled_mean) ** 2
    overall_sd = math.sqrt(ss / (n - 1))
    rows.append(_row("group SDs combine to the overall SD", "donor age",
                     ["t1.donor_age.60-70.sd", "t1.donor_age.>70.sd", "t1.donor_age.all.sd"],
                     _printed(c, "t1.donor_age.all.sd"), f"{overall_sd:.4f}",
                     abs(overall_sd - float(_printed(c, "t1.donor_age.all.sd"))) <= 0.02,
                     "tolerance 0.02 allows for the rounding of the printed group means and SDs",
                     cause="the group SDs do not combine to the overall SD",
                     evidence=f"within + between sums of squares give SD {overall_sd:.4f} (tolerance 0.02)"))
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
                     cause=f"the {lo:g}-year-old donor fits no group once the {gvhd_donor_age:g}-year-old is in the 60-70 group: "
                           f"'{lo:g} to {hi:g}' most likely restates the donor eligibility range "
                           f"({_val(c, 'meth.donor_age.min'):g}–{_val(c, 'meth.donor_age.max'):g})",
                     evidence=f"with both ages among {n1_} donors of mean {m1_:g}, the squared deviations sum to at least "
                              f"{minimal:.1f}; an SD of {_printed(c, 't1.donor_age.60-70.sd')} allows at most {largest:.1f}"))
    rows.append(_row("donor age range inside donor eligibility", "donor age range",
                     ["res.donor_age.min", "res.donor_age.max", "meth.donor_age.min", "meth.donor_age.max"],
                     f"{lo:g}–{hi:g}", f"{_val(c, 'meth.donor_age.min'):g}–{_val(c, 'meth.donor_age.max'):g}",
                     _val(c, "meth.donor_age.min") <= lo and hi <= _val(c, "meth.donor_age.max"),
                     cause="donors outside the eligibility range",
                     evidence=f"{lo:g}–{hi:g} vs {_val(c, 'meth.donor_age.min'):g}–{_val(c, 'meth.donor_age.max'):g}"))
    gvhd_donor = _val(c, "res.gvhd.donor_age")
    rows.append(_row("GVHD patient's donor age inside the printed range", "donor age range",
                     ["res.gvhd.donor_age", "res.donor_age.min", "res.donor_age.max"], f"{gvhd_donor:g}",
                     f"{lo:g}–{hi:g}", lo <= gvhd_donor <= hi, cause="a donor age outside the printed range",
                     evidence=f"{gvhd_donor:g} not in {lo:g}–{hi:g}"))
    return pd.DataFrame(rows)
