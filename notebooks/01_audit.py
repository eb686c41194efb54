# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The paper in numbers: an internal-consistency audit
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# Before reproducing anything, we ask a simpler question: **do the paper's printed numbers
# agree with each other?** A percentage must come from a whole count; rows of a table must
# add up to their column; a p-value must follow from its counts by *some* test. This chapter
# needs nothing but the paper {cite:p}`liu2026` — every number it checks comes from the
# claims registry, and every check is arithmetic you could do on paper.
#
# The statistical ideas taught here are **GRIM-style arithmetic** {cite:p}`brown2017grim,anaya2016grimmer`
# and the difference between **Pearson's chi-square, Yates' correction and Fisher's exact
# test** {cite:p}`fisher1922,yates1934` on small tables.
#
# ```{note}
# This chapter uses only numbers printed in the paper. No reconstructed or simulated data
# are involved.
# ```

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
releases_path = "../data/published/bioconductor_releases.csv"
statements_path = "../data/published/statements.csv"
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import audit, bottom_line
from mst_helpers.claims import load_claims
from mst_helpers.plotting import pvalue_attribution_plot, use_house_style
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table

use_house_style()
pd.set_option("display.max_colwidth", 120)

# %% [markdown]
# ## The claims registry
#
# Every number the paper prints — abstract, introduction, methods, results text, each cell
# of Tables 1 and 2, discussion — is one row of `data/published/claims.csv`, with its exact
# printed text, the count and denominator behind a percentage, its unit, its kind and a
# quote of the sentence it comes from. Loading the registry validates it against a schema: a
# missing column, a non-numeric value or a duplicate id stops the build with a message that
# names the file, the row and the column.

# %% tags=["hide-input"]
claims = load_claims(claims_path)
out = ChapterResults("01_audit", results_dir)
glue_claims(claims)
out.record("n_claims", len(claims))
by_section = claims.groupby("section", sort=False).size().rename("printed numbers").reset_index()
numbered_table(by_section, "Printed numbers in the registry, by section of the paper.", "tab-audit-registry")

# %% [markdown]
# The registry holds {glue:text}`n_claims` printed numbers ({numref}`tab-audit-registry`).
# The rest of this chapter runs four families of checks on them.
#
# ## Percentages: every n (%) against its denominator
#
# ```{admonition} Concept: the GRIM test
# :class: tip
# With n patients a proportion can only take the n + 1 values 0/n, 1/n, …, n/n. Printed
# to one decimal, 9 patients allow {glue:text}`grim_values_9` — and nothing in between. The
# **GRIM test** {cite:p}`brown2017grim` asks, for each printed percentage, whether *any*
# whole count out of n rounds to it. When the paper prints the count too, we simply divide.
# ```

# %% tags=["hide-input"]
percent = audit.percent_checks(claims)
out.record("n_percent_checked", len(percent))
out.record("n_percent_inconsistent", int((~percent["consistent"]).sum()))
failed_percent = percent.loc[~percent["consistent"], ["check", "printed", "recomputed", "cause", "evidence"]]
numbered_table(failed_percent, "Printed percentages that do not follow from their count and denominator, or that no whole count out of n can give (GRIM).", "tab-audit-percent")

# %% [markdown]
# Of the {glue:text}`n_percent_checked` percentages with a known denominator,
# {glue:text}`n_percent_inconsistent` fail ({numref}`tab-audit-percent`), each with the cause its
# own numbers support in the last columns. Table 2 prints the >70 group's relapse deaths as
# {glue:text}`paper.t2.death_cause.relapse.>70.pct`%, which is
# {glue:text}`paper.t2.death_cause.relapse.>70.n`/{glue:text}`paper.t2.header.>70.n` *truncated*
# rather than rounded; other percentages cannot come from their group's size at all (GRIM).

# %% tags=["hide-input"]
grim_fails = percent[(percent["family"] == "GRIM") & ~percent["consistent"]]
one_more = grim_fails.apply(lambda r: audit.grim_consistent(r["printed"], int(claims.set_index("id").at[r["claim_ids"], "denominator"]) + 1),
                            axis=1)
out.record("n_grim_fail", len(grim_fails))
out.record("n_grim_fail_pass_with_one_more", int(one_more.sum()))

# %% [markdown]
# Of the {glue:text}`n_grim_fail` percentages that fail GRIM, {glue:text}`n_grim_fail_pass_with_one_more`
# pass it with one patient more in the denominator — a hint that some numbers come from a slightly
# different cohort, tested number by number below ({numref}`tab-audit-one-more`).
#
# ## Sums that must add up
#
# Group sizes must add up to the cohort; the categories of each Table 1 row to the column n;
# causes of death to deaths; the donor→patient sex cross-tabulation to the donor-sex and
# patient-sex rows; and the counts by age group to the overall count. Some orderings must hold
# too: fewer 3-year than 1-year survivors, fewer leukaemia-free than living patients, no more
# patients with an event after remission than patients in remission. And a number printed
# twice must agree with itself.

# %% tags=["hide-input"]
sums = audit.sum_checks(claims)
repeated = audit.repeated_number_checks(claims)
medians = audit.median_checks(claims)
# A check-role number that the audit shows consistent (printed again identically, or a median
# its landmark counts allow) is recorded for the scorecard with the evidence.
roles = claims.set_index("id")["role"]
for r in pd.concat([repeated, medians]).itertuples():
    claim_id = r.claim_ids.split(";")[1] if r.family == "repeated" else r.claim_ids.split(";")[0]
    if r.consistent and roles.get(claim_id) == "check":
        out.record(f"consistent.{claim_id}", f"{r.check}: {r.recomputed}")
out.record("n_sum_checks", len(sums))
out.record("n_sum_inconsistent", int((~sums["consistent"]).sum()))
out.record("n_repeated_checks", len(repeated))
out.record("n_repeated_inconsistent", int((~repeated["consistent"]).sum()))
numbered_table(sums.loc[~sums["consistent"], ["check", "printed", "recomputed", "cause"]],
               "Sums and orderings that do not hold as printed.", "tab-audit-sums")

# %% [markdown]
# {glue:text}`n_sum_inconsistent` of {glue:text}`n_sum_checks` sums and orderings fail
# ({numref}`tab-audit-sums`); each row gives the reading its own numbers support.

# %% tags=["hide-input"]
numbered_table(repeated.loc[~repeated["consistent"], ["check", "printed", "recomputed", "cause"]],
               "Numbers printed twice that disagree (printed: second place; recomputed: first place).", "tab-audit-repeated")

# %% [markdown]
# {glue:text}`n_repeated_inconsistent` of {glue:text}`n_repeated_checks` repeated numbers
# disagree ({numref}`tab-audit-repeated`).
#
# ## Dates and ranges
#
# Follow-up runs from diagnosis to the cut-off of {glue:text}`paper.meth.followup_cutoff`, so the
# printed follow-up range fixes a window of diagnosis dates (a month is
# {glue:text}`days_per_month:.4f` days, 365/12, throughout this book — see below for why). That window should fall inside the enrollment period
# ({glue:text}`paper.meth.enrol_start` to {glue:text}`paper.meth.enrol_end`) and inside the
# range of diagnosis years in Table 1.

# %% tags=["hide-input"]
dates = audit.date_checks(claims)
out.record("days_per_month", audit.DAYS_PER_MONTH)
out.record("n_date_checks", len(dates))
out.record("n_date_inconsistent", int((~dates["consistent"]).sum()))
implied_start = dates.set_index("check")["recomputed"].str.removeprefix("starts ")
out.record("followup_longest_start", implied_start["longest follow-up: implied start vs enrollment start"])
out.record("followup_shortest_start", implied_start["shortest follow-up: implied start vs enrollment end"])
numbered_table(dates[["check", "printed", "recomputed", "consistent"]], "Dates and ranges checked against each other.", "tab-audit-dates")

# %% [markdown]
# {glue:text}`n_date_inconsistent` of {glue:text}`n_date_checks` date checks fail
# ({numref}`tab-audit-dates`): the longest follow-up began on {glue:text}`followup_longest_start`,
# before enrollment opened (but in the first diagnosis year the paper's Table 1 prints), and the
# shortest on {glue:text}`followup_shortest_start`, after the last diagnosis year.
#
# ### How long is a month?
#
# A follow-up time is a whole number of days between two dates. Printed in months with two
# decimals, only some values can arise under a given convention for the length of a month.
# We ask, for each printed duration, which conventions reach it.

# %% tags=["hide-input"]
months = audit.month_convention_checks(claims)
reach = months.pivot(index="quantity", columns="convention", values="reachable")
follow_up = months[months["claim_id"].str.startswith("res.followup")]
os_times = months[months["claim_id"].str.startswith("res.os")]
conventions_all_followup = [c for c in reach.columns if follow_up.loc[follow_up["convention"] == c, "reachable"].all()]
out.record("month_convention_followup", " and ".join(conventions_all_followup))
out.record("month_convention_os", " and ".join(c for c in reach.columns if os_times.loc[os_times["convention"] == c, "reachable"].all()))
numbered_table(reach.reset_index(), "Can a whole number of days print as each duration? (True: yes, under that days-per-month convention.)", "tab-audit-months")

# %% [markdown]
# Only the {glue:text}`month_convention_followup` convention reaches all three follow-up figures
# ({numref}`tab-audit-months`); the OS figures ({glue:text}`paper.res.os.min`,
# {glue:text}`paper.res.os.median`, {glue:text}`paper.res.os.max`) are reachable only with
# {glue:text}`month_convention_os`-day months — they are whole months, recorded without days. This
# book therefore defines a month as 365/12 days everywhere, and compares OS times at whole-month
# precision.
#
# ### Donor ages: can these integers exist?
#
# Donor ages are whole years. GRIM checks that each mean is a whole-number sum divided by n;
# GRIMMER {cite:p}`anaya2016grimmer` checks that each SD is possible for whole numbers with
# that mean. The group summaries must also combine to the overall mean and SD, and the range
# ends ({glue:text}`paper.res.donor_age.min` and {glue:text}`paper.res.donor_age.max` years) must fit a group: no value can lie farther from its group's mean
# than SD × (n − 1)/√n {cite:p}`samuelson1968`.

# %% tags=["hide-input"]
donor = audit.donor_age_checks(claims)
out.record("n_donor_checks", len(donor))
out.record("n_donor_inconsistent", int((~donor["consistent"] & ~donor["detail"].str.startswith("informative")).sum()))
numbered_table(donor[["check", "printed", "recomputed", "consistent"]], "Donor-age summaries: GRIM, GRIMMER, pooling and range ends.", "tab-audit-donor")

# %% [markdown]
# The means and SDs pass GRIM and GRIMMER and combine correctly. The range ends are
# informative: the {glue:text}`paper.res.donor_age.min`-year-old donor could only belong to the
# 60–70 group and the {glue:text}`paper.res.donor_age.max`-year-old only to the older group. But
# the 60–70 group also holds the GVHD patient, whose donor was her
# {glue:text}`paper.res.gvhd.donor_age`-year-old daughter — and two donors that far below the
# group's mean of {glue:text}`paper.t1.donor_age.60-70.mean` leave too little spread for an SD of
# {glue:text}`paper.t1.donor_age.60-70.sd` ({glue:text}`n_donor_inconsistent` failure in
# {numref}`tab-audit-donor`). One of these printed numbers is wrong; the book takes the youngest
# donor's {glue:text}`paper.res.donor_age.min` years as the likeliest, because the sentence "ranged
# from 18 to 55" repeats the eligibility range of the Methods word for word.
#
# ## Which test did the authors use?
#
# The Methods say only "the chi-square test or Fisher's exact test". We rebuild the table
# behind each categorical p-value from its printed counts and recompute it with Pearson's
# chi-square, Yates' corrected chi-square (2 × 2 only) and Fisher's exact test, exact for
# any r × c table by enumerating every table with the same margins {cite:p}`mehta1983`;
# the donor-age p-value with Student's and Welch's t {cite:p}`welch1947`. A test reproduces a
# printed p when it rounds to it at the printed precision.

# %% tags=["hide-input"]
pchecks = audit.pvalue_checks(claims)
attribution = audit.test_attribution(pchecks)
recomputable = attribution[attribution["reproduced_by"] != "needs patient-level data"]
rounded = recomputable["reproduced_by"].str.contains("rounded to fewer places")
attributed = recomputable[~recomputable["reproduced_by"].str.startswith(("no test", "not reproduced")) & ~rounded]
out.record("n_pvalues_recomputable", len(recomputable))
out.record("n_pvalues_attributed", len(attributed))
out.record("n_pvalues_rounded", int(rounded.sum()))
out.record("n_pvalues_unexplained", len(recomputable) - len(attributed) - int(rounded.sum()))
out.record("n_pvalues_needing_data", int((attribution["reproduced_by"] == "needs patient-level data").sum()))
out.record("test_pattern", audit.test_pattern(attribution))
for _, row in attribution.iterrows():
    out.record(f"pvalue.{row['p_id']}.reproduced_by", row["reproduced_by"])
    if row["cause"]:
        out.record(f"pvalue.{row['p_id']}.cause", row["cause"])
for _, row in pchecks[pchecks["matches"] & ~pchecks["origin"]].drop_duplicates("p_id").iterrows():
    out.record(f"recomputed.{row['p_id']}", row["p_value"])
fig = pvalue_attribution_plot(pchecks)
out.figure("fig_audit_pvalues", fig)

# %% [markdown]
# ```{glue:figure} fig_audit_pvalues
# :name: fig-audit-pvalues
# :alt: Dot plot with one row per printed p-value of the paper. A grey bar marks the printed value and its rounding interval on a logarithmic axis; coloured markers show the p-value recomputed with Pearson's chi-square, Yates' chi-square, Fisher's exact test, or Student's and Welch's t-tests. Markers inside the grey bar reproduce the printed value.
#
# Each printed p-value (grey bar: the interval that rounds to it) beside the p-values of every
# candidate test recomputed from the printed counts. A marker inside the bar reproduces the
# paper.
# ```

# %% tags=["hide-input"]
numbered_table(attribution[["label", "printed", "recomputed", "reproduced_by"]],
               "Which test reproduces each printed p-value.", "tab-audit-attribution")

# %% [markdown]
# Of the {glue:text}`n_pvalues_recomputable` p-values that can be recomputed from printed counts,
# {glue:text}`n_pvalues_attributed` are reproduced at the printed precision by a candidate test,
# {glue:text}`n_pvalues_rounded` only at one place fewer than printed, and
# {glue:text}`n_pvalues_unexplained` by no test on the printed counts
# ({numref}`fig-audit-pvalues`, {numref}`tab-audit-attribution`). Another
# {glue:text}`n_pvalues_needing_data` need patient-level data (rank tests on doses and years) and
# are left to later chapters. By test: {glue:text}`test_pattern`.
#
# Where no test on the printed counts gives the printed value, the audit searches *every* table
# with the printed group sizes, or one patient more in either group, under every candidate test,
# at the printed precision and one place fewer ({numref}`tab-audit-origins`).

# %% tags=["hide-input"]
origins = attribution[attribution["origins"] != ""]
# Yes/no tables of the printed group sizes and of one more patient in either group.
n_young, n_old = (int(claims.set_index("id").at[f"t2.header.{g}.n", "value"]) for g in ("60-70", ">70"))
out.record("origin.n_tables", sum((m1 + 1) * (m2 + 1) for m1, m2 in ((n_young, n_old), (n_young + 1, n_old), (n_young, n_old + 1))))
for r in origins.itertuples():
    out.record(f"origin.{r.p_id}", r.origins)
    best = pchecks[(pchecks["p_id"] == r.p_id) & pchecks["origin"]].sort_values("distance").head(1)
    if len(best):
        out.record(f"origin.{r.p_id}.table", best["table"].iloc[0])
        out.record(f"origin.{r.p_id}.test", best["test"].iloc[0])
        out.record(f"origin.{r.p_id}.p", float(best["p_value"].iloc[0]))
numbered_table(origins[["label", "printed", "cause", "origins"]].rename(columns={"origins": "tables that give the printed value"}),
               "Printed p-values that no test reproduces on their printed counts, and every table that does.",
               "tab-audit-origins")

# %% [markdown]
# Among the {glue:text}`origin.n_tables` tables searched, the deaths p-value
# ({glue:text}`paper.t2.death.p`) is matched nearest the printed counts by
# {glue:text}`origin.t2.death.p.test` on {glue:text}`origin.t2.death.p.table` (p =
# {glue:text}`origin.t2.death.p.p:.4f`), and the CR p-value ({glue:text}`paper.t2.cr.p`) by
# {glue:text}`origin.t2.cr.p.test` on {glue:text}`origin.t2.cr.p.table` (p =
# {glue:text}`origin.t2.cr.p.p:.4f`). A match found by searching is a candidate, not a proof: the
# last column of {numref}`tab-audit-origins` lists every match and which other printed numbers each
# table would also explain.
# Table 2's OS and LFS p-values ({glue:text}`paper.t2.os.p` and {glue:text}`paper.t2.lfs.p`) *are*
# reproduced — by a Pearson chi-square over the 1-, 3- and 5-year counts as if they were separate
# categories, which is no test (every 5-year survivor is also a 3- and a 1-year survivor).

# %% tags=["hide-input"]
def fisher_p(p_id: str) -> float:
    rows = pchecks[(pchecks["p_id"] == p_id) & (pchecks["test"] == "Fisher exact") & ~pchecks["origin"]]
    return float(rows["p_value"].iloc[0])


out.record("recomputed_cr_fisher", fisher_p("t2.cr.p"))
out.record("recomputed_death_fisher", fisher_p("t2.death.p"))

# %% [markdown]
# ## Definitions, landmarks, software and words
#
# Five more kinds of check. The paper must say how many patients it sequenced and analysed with one
# number in every place. Two states defined on one scale (remission and relapse by marrow
# blasts) must meet without a gap. A crude count of patients alive at five years needs every
# patient followed five years. The software versions of the Methods must belong together
# (a Bioconductor package version belongs to one release, built for one R version; the release
# table is `data/published/bioconductor_releases.csv`). And what the paper says in words about an
# association must not contradict itself (`data/published/statements.csv` records each such
# sentence).

# %% tags=["hide-input"]
definitions = audit.definition_checks(claims)
landmarks = audit.landmark_follow_up_checks(claims)
versions = audit.version_checks(claims, audit.load_releases(releases_path))
statements = audit.statement_checks(audit.load_statements(statements_path))
counted = audit.count_statement_checks(claims)
more = pd.concat([definitions, landmarks, versions, statements, counted], ignore_index=True)
out.record("n_more_checks", len(more))
out.record("n_more_inconsistent", int((~more["consistent"]).sum()))
numbered_table(more[["family", "check", "printed", "recomputed", "consistent", "cause"]].assign(
    consistent=more["consistent"].map({True: "yes", False: "no"})),
    "Definitions, landmark counts, software versions and statements in words.", "tab-audit-more")

# %% [markdown]
# {glue:text}`n_more_inconsistent` of these {glue:text}`n_more_checks` checks fail
# ({numref}`tab-audit-more`); each says why in its last column.
#
# ## Every inconsistency, with the cause its check computed

# %% tags=["hide-input"]
found = audit.inconsistencies(percent, sums, repeated, medians, dates, donor, more, pvalue_attribution=attribution)
out.record("n_inconsistencies", len(found))
for number, row in enumerate(found.itertuples(index=False), start=1):
    out.record(f"inconsistency.{number:02d}", f"{row.check} | {row.claim_ids} | {row.cause} | {row.evidence}")
numbered_table(found[["family", "check", "printed", "recomputed", "cause", "evidence"]],
               "Every inconsistency the audit found, with the cause and the evidence its own check computed.",
               "tab-audit-inconsistencies")

# %% [markdown]
# The audit finds {glue:text}`n_inconsistencies` inconsistencies
# ({numref}`tab-audit-inconsistencies`). Each row carries the reading that its own numbers
# support: a check that fails writes what it compared and why, and a failed check without a
# computed cause stops the build.
#
# ### One more patient?
#
# Several numbers are proportions of one patient more than the cohort analysed (30 rather than
# 29, 10 rather than 9). An earlier version of the cohort with one more patient would explain
# them — but only if each count in it is the analysed count or one more. The test, number by
# number ({numref}`tab-audit-one-more`): {glue:text}`one_more.verdict`.

# %% tags=["hide-input"]
one_more_table = audit.one_more_patient(claims)
out.record("one_more.n", len(one_more_table))
out.record("one_more.explained", int(one_more_table["explained"].sum()))
out.record("one_more.verdict", audit.one_more_patient_verdict(one_more_table))
numbered_table(one_more_table.assign(explained=one_more_table["explained"].map({True: "yes", False: "no"}))[
    ["quantity", "group", "printed", "analysed", "one_more", "change", "explained"]].rename(
    columns={"analysed": "count among those analysed", "one_more": "count with one more patient",
             "change": "change", "explained": "explained by one more patient"}),
    "Numbers that fit a cohort with one more patient: the count they imply against the analysed count.",
    "tab-audit-one-more")

# %% [markdown]
# ## Exercises
#
# ```{exercise} GRIM by hand
# :label: ex-audit-grim
#
# The abstract gives OS of {glue:text}`paper.abs.os.>70.pct`% for the >70 group of
# {glue:text}`paper.t1.header.>70.n` patients. List every percentage, to one decimal, that 9
# patients can produce. Is the printed value among them? Which group size would produce it?
# ```
#
# ```{solution} ex-audit-grim
# :class: dropdown
#
# The possible values are {glue:text}`grim_values_9`. The printed value is not among them, so it
# cannot be a proportion of 9 patients; it is 1 of {glue:text}`grim_alternative_n` patients.
# ```
#
# ```{exercise} Why Fisher here?
# :label: ex-audit-fisher
#
# For the CR table ({glue:text}`paper.t2.cr.60-70.n`/{glue:text}`paper.t2.header.60-70.n` vs
# {glue:text}`paper.t2.cr.>70.n`/{glue:text}`paper.t2.header.>70.n`), compute the expected count of
# each cell under independence. Why is Pearson's chi-square approximation unreliable here, and
# what does Fisher's exact test condition on instead?
# ```
#
# ```{solution} ex-audit-fisher
# :class: dropdown
#
# The smallest expected count is {glue:text}`cr_min_expected:.2f`, and
# {glue:text}`cr_cells_below_5` of the 4 cells are below 5 — the usual rule of thumb for the
# chi-square approximation. Fisher's test conditions on both margins and sums the exact
# hypergeometric probabilities of all tables at most as likely as the observed one.
# ```
#
# ```{exercise} A test that answers the wrong question
# :label: ex-audit-overlap
#
# Table 2 gives one p-value for the OS rows at 1, 3 and 5 years. Which test reproduces it, and
# why is that test invalid for these rows? Which test answers "does survival differ between
# age groups"?
# ```
#
# ```{solution} ex-audit-overlap
# :class: dropdown
#
# A Pearson chi-square over the 3 × 2 table of counts reproduces it. The rows are not
# disjoint categories — every 5-year survivor is also counted at 1 and 3 years — so the
# observations are not independent. The log-rank test on the full survival curves (survival
# chapter) answers the question.
# ```

# %% tags=["hide-cell"]
from scipy.stats.contingency import expected_freq

grim_values = [f"{100 * k / 9:.1f}" for k in range(10)]
out.record("grim_values_9", ", ".join(grim_values))
out.record("grim_alternative_n", next(n for n in range(9, 40) if audit.grim_consistent(claims.set_index("id").at["abs.os.>70.pct", "printed"], n)))
cr_table = audit.table_for(next(s for s in audit.PVALUE_SPECS if s.p_id == "t2.cr.p"), claims.set_index("id", drop=False))
expected = expected_freq(cr_table)
out.record("cr_min_expected", float(expected.min()))
out.record("cr_cells_below_5", int((expected < 5).sum()))

# %% [markdown]
# ## Results file
#
# Everything this chapter computed is written to `_build/results/01_audit.json`, which later
# chapters and the reproduction scorecard read.

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.audit(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
