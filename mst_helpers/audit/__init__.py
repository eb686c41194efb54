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

from ..endpoints import DAYS_PER_MONTH
from .arithmetic import (fits_with_fixed, grim_consistent, grim_denominators, grimmer_consistent, max_deviation,
                         rounds_to, truncates_to)
from .counts import (REPEATED, SumRule, count_statement_checks, definition_checks, landmark_follow_up_checks, median_checks, percent_checks,
                     repeated_number_checks, sum_checks)
from .dates import MONTH_CLAIMS, date_checks, donor_age_checks, month_convention_checks, whole_days_for
from .pvalues import (PVALUE_SPECS, SURVIVAL_P_IDS, PValueSpec, describe_origins, pvalue_checks, pvalue_origins,
                      table_for, test_attribution, test_pattern)
from .earlier_version import one_more_patient, one_more_patient_verdict
from .statements import load_statements, statement_checks
from .summary import inconsistencies
from .versions import load_releases, version_checks

__all__ = [
    "DAYS_PER_MONTH",
    "rounds_to",
    "truncates_to",
    "grim_consistent",
    "grim_denominators",
    "grimmer_consistent",
    "max_deviation",
    "fits_with_fixed",
    "percent_checks",
    "sum_checks",
    "SumRule",
    "REPEATED",
    "repeated_number_checks",
    "median_checks",
    "definition_checks",
    "count_statement_checks",
    "landmark_follow_up_checks",
    "date_checks",
    "month_convention_checks",
    "MONTH_CLAIMS",
    "whole_days_for",
    "donor_age_checks",
    "PValueSpec",
    "PVALUE_SPECS",
    "SURVIVAL_P_IDS",
    "pvalue_checks",
    "test_attribution",
    "pvalue_origins",
    "describe_origins",
    "table_for",
    "test_pattern",
    "inconsistencies",
    "one_more_patient",
    "load_releases",
    "load_statements",
    "statement_checks",
    "version_checks",
    "one_more_patient_verdict",
]
