"""Clinical endpoints derived from the cohort files, exactly per the paper's definitions.

One month is :data:`DAYS_PER_MONTH` = 365/12 days, everywhere in the book. It is the only
common convention under which the printed follow-up figures (52.96, 148.47 and 219.12
months) are durations of whole days (the audit chapter shows the search); the printed OS
figures (1.00, 20.00, 205.00) are whole months and are compared at that precision.
"""

from __future__ import annotations

#: Days in one month (365/12), used for every conversion in the book.
DAYS_PER_MONTH = 365 / 12
#: Conventions the audit compares when asking which one the paper used.
MONTH_CONVENTIONS = {"365/12": 365 / 12, "365.25/12": 365.25 / 12, "30": 30.0, "30.44": 30.44}
