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
# # Lab: competing risks after a stem-cell transplant
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# {doc}`08_competing` separates relapse from death without relapse in the reconstructed MST
# cohort. This lab runs the same methods on **real patients**: 35 adults with acute leukaemia
# followed after a haematopoietic stem-cell transplant until relapse or transplant-related death
# (TRM), the data of Scrucca, Santucci and Aversa's guide to competing risks for clinicians
# {cite:p}`scrucca2007`. Each patient has at most one first event: a relapse, a TRM, or neither
# by the last contact. The data ship with scikit-survival (`sksurv.datasets.load_bmt`): nothing
# is downloaded, and R's `cmprsk` and `survival` give every reference value beside the book's
# (`tests/fixtures/lab/bmt_reference.R`).

# %% tags=["parameters", "remove-cell"]
results_dir = "../_build/results"
# R's values on the same data (written by tests/fixtures/lab/bmt_reference.R)
r_reference = "../tests/fixtures/lab/bmt_reference.csv"
# months at which the cumulative incidences are tabulated
horizons = [6, 12, 24, 36]
# the heavy-competing-mortality toy: its seed and size
seed = 0
toy_n = 500
# its constant hazards per month: the event of interest and the competing death
toy_event_rate = 0.02
toy_competing_rate = 0.08

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import bottom_line, competing
from mst_helpers.formatting import format_coef, format_hr, format_hr_ci, format_p, format_percent, p_statement
from mst_helpers.lab_data import BMT_CAUSES, bmt, read_r_reference
from mst_helpers.plotting import OKABE_ITO, cif_figure, km_vs_aj_plot, use_house_style
from mst_helpers.results import ChapterResults
from mst_helpers.tables import numbered_table

use_house_style()

# %% tags=["hide-input"]
out = ChapterResults("16_lab_competing", results_dir)
patients = bmt()
r_value = read_r_reference(r_reference)
CAUSE_KEYS = {1: "trm", 2: "relapse"}
out.record("n", len(patients))
for disease in ("ALL", "AML"):
    out.record(f"n.{disease}", int((patients["disease"] == disease).sum()))
for code, key in CAUSE_KEYS.items():
    out.record(f"events.{key}", int((patients["event"] == code).sum()))
out.record("censored", int((patients["event"] == 0).sum()))

tests = {code: competing.gray_test(patients["months"], patients["event"], patients["disease"], code) for code in CAUSE_KEYS}
for code, key in CAUSE_KEYS.items():
    out.record(f"gray.{key}.statistic", tests[code].statistic)
    out.record(f"gray.{key}.p", tests[code].p_value)
titles = {2: "A. Relapse", 1: "B. Transplant-related death"}
frame = patients.rename(columns={"months": "time"})
fig = cif_figure({titles[2]: frame, titles[1]: frame}, "disease", {titles[2]: 2, titles[1]: 1},
                 {"ALL": "ALL", "AML": "AML"}, {"ALL": OKABE_ITO["blue"], "AML": OKABE_ITO["vermillion"]},
                 {titles[code]: "Gray's test " + p_statement(tests[code].p_value) for code in titles},
                 {titles[2]: "Cumulative incidence of relapse (%)", titles[1]: "Cumulative incidence of TRM (%)"},
                 xlabel="Months since transplant")
out.figure("fig_lab_bmt_cif", fig)

rows = []
for code, key in CAUSE_KEYS.items():
    cif = competing.cumulative_incidence(patients["months"], patients["event"], patients["disease"], code)
    at = competing.cif_at(cif, horizons)
    for r in at.itertuples():
        out.record(f"cif.{key}.{r.group}.{r.time:g}", 100 * r.estimate)
        rows.append({"event": BMT_CAUSES[code], "disease": r.group, "months": int(r.time),
                     "CIF %": format_percent(100 * r.estimate)})
table = pd.DataFrame(rows).pivot_table(index=["event", "disease"], columns="months", values="CIF %", aggfunc="first")
table.columns = [f"{c} months" for c in table.columns]
numbered_table(table.reset_index(), "Cumulative incidence (Aalen–Johansen, %) by disease; R's cuminc gives the same numbers (tested).",
               "tab-lab-bmt-cif")

# %% [markdown]
# ## Cumulative incidence by disease, and Gray's test
#
# Of {glue:text}`n` patients ({glue:text}`n.ALL` with acute lymphoblastic leukaemia, ALL;
# {glue:text}`n.AML` with acute myeloid leukaemia, AML), {glue:text}`events.relapse` relapsed,
# {glue:text}`events.trm` died of the transplant, and {glue:text}`censored` were alive without
# either at their last contact. The Aalen–Johansen estimator gives the cumulative incidence of
# each event: the probability of having had *that* event by a given time, while patients who
# had the other are no longer at risk of it ({numref}`fig-lab-bmt-cif`, {numref}`tab-lab-bmt-cif`).
#
# ```{glue:figure} fig_lab_bmt_cif
# :name: fig-lab-bmt-cif
# :alt: Two panels of cumulative incidence curves rising from zero over months since transplant. A, relapse: the ALL curve in blue climbs well above the AML curve in vermillion. B, transplant-related death: the AML curve lies above the ALL curve. Each panel gives Gray's test and, below, the patients still event-free.
#
# Cumulative incidence of relapse (A) and of transplant-related death (B) by disease, with
# pointwise 95% bands, Gray's test, and the patients still free of either event (censored so far).
# ```
#
# Gray's test compares the cumulative incidences of one cause between groups. For relapse it
# gives {glue:text}`gray.relapse.statistic:.2f` on one degree of freedom
# ({glue:text}`gray.relapse.p.text`); for transplant-related death
# {glue:text}`gray.trm.statistic:.2f` ({glue:text}`gray.trm.p.text`). Both equal R's
# `cuminc(ftime, status, dis)` within 10⁻⁹ (tested).
#
# ## Fine–Gray regression

# %% tags=["hide-input"]
rows = []
for code, key in CAUSE_KEYS.items():
    fg = competing.fine_gray(patients, "months", "event", ["aml"], cause=code).set_index("covariate").loc["aml"]
    for name in ("coef", "se", "hr", "lower", "upper", "p"):
        out.record(f"fine_gray.{key}.{name}", float(fg[name]))
    out.show(f"fine_gray.{key}.ci", f"{format_hr(fg['hr'])} (95% CI {format_hr(fg['lower'])}–{format_hr(fg['upper'])})")
    rows.append({"event": BMT_CAUSES[code], "AML vs ALL: subdistribution HR (95% CI)": format_hr_ci(fg["hr"], fg["lower"], fg["upper"]),
                 "p": format_p(fg["p"]), "coefficient": format_coef(fg["coef"]),
                 "R crr coefficient": format_coef(r_value[(f"crr{code}", "dis.coef")]),
                 "SE (robust)": f"{fg['se']:.4f}", "R crr SE": f"{r_value[(f'crr{code}', 'dis.se_crr')]:.4f}"})
numbered_table(pd.DataFrame(rows), "Fine–Gray models of AML against ALL, one per event (R: crr(ftime, status, dis, failcode)).",
               "tab-lab-bmt-fine-gray")

# %% [markdown]
# The Fine–Gray model puts a hazard ratio on the cumulative incidence: for relapse, AML against
# ALL has a subdistribution hazard ratio of {glue:text}`fine_gray.relapse.ci`
# ({glue:text}`fine_gray.relapse.p.text`); for transplant-related death
# {glue:text}`fine_gray.trm.ci` ({glue:text}`fine_gray.trm.p.text`). The coefficients equal `crr`'s within 10⁻⁶; the standard
# error here is the robust (sandwich) one, which differs from `crr`'s by a fraction of a percent
# ({numref}`tab-lab-bmt-fine-gray`). A subdistribution hazard ratio describes incidence, not
# biology: it mixes the effect on the event itself with the effect on the competing event,
# which removes patients before they can have it.
#
# ## 1 − Kaplan–Meier is not the cumulative incidence

# %% tags=["hide-input"]
aj = competing.cumulative_incidence(patients["months"], patients["event"], None, 2)
km = competing.one_minus_km(patients["months"], patients["event"], 2)
aj_at = competing.cif_at(aj, horizons).set_index("time")["estimate"]
rows = []
for h in horizons:
    km_h = float(km.loc[km["time"] <= h, "estimate"].iloc[-1])
    out.record(f"overall.relapse.aj.{h}", 100 * float(aj_at[h]))
    out.record(f"overall.relapse.km.{h}", 100 * km_h)
    rows.append({"months": h, "1 − KM, TRM censored (%)": format_percent(100 * km_h),
                 "R: 1 − survfit (%)": format_percent(100 * r_value[("one_minus_km2", f"t{h}")]),
                 "Aalen–Johansen (%)": format_percent(100 * float(aj_at[h])),
                 "R: cuminc (%)": format_percent(100 * r_value[("cif2.all", f"t{h}")])})
out.record("horizon.last", horizons[-1])
out.record("overall.relapse.km.last", out.values[f"overall.relapse.km.{horizons[-1]}"])
out.record("overall.relapse.aj.last", out.values[f"overall.relapse.aj.{horizons[-1]}"])
out.figure("fig_lab_bmt_km_aj", km_vs_aj_plot(aj, km, xmax=float(patients["months"].max()),
                                             xlabel="months since transplant", competing="transplant-related deaths"))
numbered_table(pd.DataFrame(rows), "Relapse, all 35 patients: 1 − Kaplan–Meier against the cumulative incidence.", "tab-lab-bmt-km-aj")

# %% [markdown]
# ```{glue:figure} fig_lab_bmt_km_aj
# :name: fig-lab-bmt-km-aj
# :alt: Two step curves of the probability of relapse against months since transplant. The dashed vermillion 1 − Kaplan–Meier curve rises above the solid blue Aalen–Johansen curve, and the gap widens over time.
#
# Relapse in all 35 patients: 1 − Kaplan–Meier with transplant-related deaths censored (dashed)
# against the Aalen–Johansen cumulative incidence (solid).
# ```
#
# Treating the transplant-related deaths as censored answers a different question: how many
# would relapse *if nobody could die of the transplant* — and even that only if relapse and
# transplant-related death are independent, which these data cannot show. At
# {glue:text}`horizon.last` months 1 − Kaplan–Meier gives {glue:text}`overall.relapse.km.last:.1f`%;
# the estimated share who relapsed by then (the cumulative incidence) is
# {glue:text}`overall.relapse.aj.last:.1f`%. The gap grows with the competing event's frequency.
#
# ## A demonstration: heavy competing mortality

# %% tags=["hide-input"]
toy = competing.simulate_competing(n=toy_n, seed=seed, event_rate=toy_event_rate, competing_rate=toy_competing_rate)
out.record("toy.ratio", toy_competing_rate / toy_event_rate)
toy_aj = competing.cumulative_incidence(toy["time"], toy["event"], None, 1)
toy_km = competing.one_minus_km(toy["time"], toy["event"], 1)
out.record("toy.n", toy_n)
out.record("toy.seed", seed)
out.record("toy.events", int((toy["event"] == 1).sum()))
out.record("toy.deaths", int((toy["event"] == 2).sum()))
out.record("toy.aj_end", 100 * float(toy_aj["estimate"].iloc[-1]))
out.record("toy.km_end", 100 * float(toy_km["estimate"].iloc[-1]))
out.figure("fig_lab_toy_km_aj", km_vs_aj_plot(toy_aj, toy_km, xmax=float(toy["time"].max()), xlabel="months",
                                             ylabel="probability of the event", competing="competing deaths"))

# %% [markdown]
# ```{glue:figure} fig_lab_toy_km_aj
# :name: fig-lab-toy-km-aj
# :alt: Two step curves against months. The solid blue cumulative incidence levels off low, while the dashed vermillion 1 − Kaplan–Meier curve keeps climbing far above it.
#
# A simulated cohort in which the competing death is {glue:text}`toy.ratio:.3g` times as frequent as the event:
# 1 − Kaplan–Meier (dashed) against the cumulative incidence (solid).
# ```
#
# In the simulation ({glue:text}`toy.n` patients, seed {glue:text}`toy.seed`; change `seed` in
# the notebook), a competing death is {glue:text}`toy.ratio:.3g` times as likely as the event at every moment:
# {glue:text}`toy.deaths` die of it and {glue:text}`toy.events` have the event. The cumulative
# incidence ends at {glue:text}`toy.aj_end:.1f`%, while 1 − Kaplan–Meier climbs to
# {glue:text}`toy.km_end:.1f`%: it counts every death as a patient who might still have had the
# event, and lets the few survivors stand for all of them.
#
# ## Exercises
#
# ```{exercise} Aalen–Johansen by hand
# :label: ex-lab-bmt-by-hand
#
# Relapse in all 35 patients. At month 0, {glue:text}`step0.events` patients had an event
# ({glue:text}`step0.events_cause` a relapse) among {glue:text}`step0.at_risk`; at month 1,
# {glue:text}`step1.events` ({glue:text}`step1.events_cause` a relapse) among
# {glue:text}`step1.at_risk`. What is the cumulative incidence of relapse after month 1?
# ```
#
# ```{solution} ex-lab-bmt-by-hand
# :class: dropdown
#
# Each step adds (probability of being event-free just before) × (relapses / at risk). Month 0:
# 1 × {glue:text}`step0.events_cause`/{glue:text}`step0.at_risk` = {glue:text}`step0.increment:.4f`;
# the event-free probability then falls to {glue:text}`step1.surv_before:.4f`. Month 1:
# {glue:text}`step1.surv_before:.4f` × {glue:text}`step1.events_cause`/{glue:text}`step1.at_risk`
# = {glue:text}`step1.increment:.4f`. Cumulative incidence: {glue:text}`step1.cif:.4f`, as `cuminc`
# gives.
# ```
#
# ```{exercise} Gray or Fine–Gray?
# :label: ex-lab-bmt-gray-fine-gray
#
# Gray's test for relapse by disease gives {glue:text}`gray.relapse.p.text` and the Fine–Gray
# model {glue:text}`fine_gray.relapse.p.text`. What does each test, and why do they differ only a little?
# ```
#
# ```{solution} ex-lab-bmt-gray-fine-gray
# :class: dropdown
#
# Both ask whether the cumulative incidence of relapse differs between ALL and AML. Gray's test
# compares the two curves' subdistribution hazards over time without a model (a log-rank test for
# cumulative incidence); Fine–Gray estimates one ratio of subdistribution hazards, assumed
# constant (the p above is its Wald test). With one binary covariate, the model's score test is
# close to Gray's test; the two part where the ratio changes over time.
# ```
#
# ```{exercise} Which estimate for the clinic?
# :label: ex-lab-bmt-which
#
# A patient asks about their chance of relapse within {glue:text}`horizon.last` months of the transplant.
# Should the answer come from 1 − Kaplan–Meier or from the cumulative incidence, and why?
# ```
#
# ```{solution} ex-lab-bmt-which
# :class: dropdown
#
# From the cumulative incidence: it is the probability of actually relapsing by then, with the
# risk of dying of the transplant first taken into account. 1 − Kaplan–Meier answers a
# hypothetical world without transplant-related deaths (and only if the two events are
# independent) and overstates the chance
# ({glue:text}`overall.relapse.km.last:.1f`% against {glue:text}`overall.relapse.aj.last:.1f`% for
# all patients at {glue:text}`horizon.last` months).
# ```

# %% tags=["hide-cell"]
steps = competing.aalen_johansen_steps(patients["months"], patients["event"], 2)
for i in (0, 1):
    for name in ("at_risk", "events", "events_cause"):
        out.record(f"step{i}.{name}", int(steps.iloc[i][name]))
    for name in ("surv_before", "increment", "cif"):
        out.record(f"step{i}.{name}", float(steps.iloc[i][name]))

# %% tags=["remove-cell"]
for key in ("gray.relapse.p", "gray.trm.p", "fine_gray.relapse.p", "fine_gray.trm.p"):
    out.show(f"{key}.text", p_statement(out.values[key]))
out.show("bottom_line", bottom_line.lab_competing(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
