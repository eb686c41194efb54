"""The book's one figure style: a colour-blind-safe palette, readable fonts, labelled axes.

Every chapter calls :func:`use_house_style` once and draws with one helper per figure kind.
Colours come from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and each group keeps its colour across the whole book (:data:`GROUP_COLOURS`).
"""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["OKABE_ITO", "GROUP_COLOURS", "TEST_COLOURS", "use_house_style", "pvalue_attribution_plot", "follow_up_timeline",
           "swimmer_plot", "recovery_plot", "adverse_event_plot", "chimerism_plot", "gvhd_timeline",
           "km_panel", "forest_plot", "schoenfeld_plot", "immortal_time_plot", "cif_panel", "km_vs_aj_plot",
           "uncertainty_plot", "SUBGROUP_COLOURS", "CALL_COLOURS", "rnaseq_qc_plot", "volcano_ma_plot",
           "expression_heatmap", "enrichment_plot", "shrinkage_plot"]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
#: One colour per patient group, used by every chapter.
GROUP_COLOURS = {"60-70": OKABE_ITO["blue"], ">70": OKABE_ITO["vermillion"], "all": OKABE_ITO["black"]}
#: One colour (and marker) per recomputed test.
TEST_COLOURS = {
    "Pearson chi-square": (OKABE_ITO["sky_blue"], "o"),
    "Yates chi-square": (OKABE_ITO["orange"], "s"),
    "Fisher exact": (OKABE_ITO["bluish_green"], "^"),
    "Student t": (OKABE_ITO["reddish_purple"], "D"),
    "Welch t": (OKABE_ITO["yellow"], "v"),
}


def use_house_style() -> None:
    """Set matplotlib defaults: sizes for slides, no top/right spines, Okabe–Ito cycle."""
    matplotlib.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:] + ["#000000"]),
        "legend.frameon": False,
        "svg.hashsalt": "mst-aml-book",  # deterministic SVG ids
    })


def pvalue_attribution_plot(checks: pd.DataFrame) -> plt.Figure:
    """Printed p-values against every recomputed candidate, on a log scale.

    Parameters
    ----------
    checks
        Output of :func:`mst_helpers.audit.pvalue_checks`; rows needing patient-level data
        and origin-search rows are left out.

    Returns
    -------
    matplotlib.figure.Figure
        One row per printed p-value: a black bar at the printed value (its rounding
        interval) and one marker per test.
    """
    from ..claims import printed_decimals

    data = checks[(~checks["origin"]) & checks["p_value"].notna() & (checks["test"] != "(patient-level data)")]
    labels = list(dict.fromkeys(data["label"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(labels) + 1.4))
    for y, label in enumerate(labels):
        rows = data[data["label"] == label]
        printed = rows["printed"].iloc[0]
        value = float(printed.lstrip("<>"))
        if printed.startswith("<"):
            lo, hi = 1e-5, value
        else:
            half = 0.5 * 10 ** (-printed_decimals(printed))
            lo, hi = max(value - half, 1e-5), value + half
        ax.plot([lo, hi], [y, y], color="black", lw=6, alpha=0.25, solid_capstyle="butt")
        ax.plot([value], [y], marker="|", color="black", ms=14, mew=2)
        for _, row in rows.iterrows():
            colour, marker = TEST_COLOURS[row["test"]]
            ax.plot(max(row["p_value"], 1e-5), y, marker=marker, color=colour, ms=7, ls="none",
                    mec="black", mew=0.5 if row["matches"] else 0)
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1.5)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("p-value (log scale)")
    handles = [plt.Line2D([], [], color="black", lw=6, alpha=0.25, label="printed p (rounding interval)")]
    handles += [plt.Line2D([], [], color=c, marker=m, ls="none", ms=7, label=name) for name, (c, m) in TEST_COLOURS.items()]
    # The region below p = 0.01 is empty for most rows: the legend sits there.
    ax.legend(handles=handles, loc="lower left", fontsize=9)
    ax.grid(axis="x", which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def follow_up_timeline(patients: pd.DataFrame, enrol_start: pd.Timestamp, enrol_end: pd.Timestamp,
                       cutoff: pd.Timestamp) -> plt.Figure:
    """Each patient's time on study: a line from diagnosis to last contact, by age group.

    A cross marks a death, an open circle a patient alive at the cut-off; the grey band is the
    enrollment window the paper states and the dashed line the follow-up cut-off.
    """
    data = patients.sort_values(["age_group", "diagnosis_date"], ascending=[True, False]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(data) + 1.6))
    ax.axvspan(enrol_start, enrol_end, color="0.9", zorder=0, label="enrollment window (Methods)")
    ax.axvline(cutoff, color="black", ls="--", lw=1, label="follow-up cut-off")
    for y, row in data.iterrows():
        colour = GROUP_COLOURS[row["age_group"]]
        ax.plot([row["diagnosis_date"], row["last_contact_date"]], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
        if row["death"] == 1:
            ax.plot(row["last_contact_date"], y, marker="x", color=colour, ms=7, mew=2)
        else:
            ax.plot(row["last_contact_date"], y, marker="o", mfc="white", color=colour, ms=6, mew=1.5)
    ax.set_yticks(range(len(data)), data["patient_id"], fontsize=8)
    ax.set_xlabel("calendar date")
    handles = [plt.Line2D([], [], color=GROUP_COLOURS[g], lw=2.2, label=f"aged {g}") for g in ("60-70", ">70")]
    handles += [plt.Line2D([], [], color="0.3", marker="x", ls="none", mew=2, label="death"),
                plt.Line2D([], [], color="0.3", marker="o", mfc="white", ls="none", label="alive at cut-off"),
                matplotlib.patches.Patch(color="0.9", label="enrollment window (Methods)"),
                plt.Line2D([], [], color="black", ls="--", lw=1, label="follow-up cut-off")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=9)
    fig.tight_layout()
    return fig


def _months(start: pd.Series, end: pd.Series) -> pd.Series:
    from ..endpoints import months_between

    return months_between(start, end)


def swimmer_plot(patients: pd.DataFrame, courses: pd.DataFrame, horizon_months: float = 60.0) -> plt.Figure:
    """The MST protocol as lived by each patient: courses, CR, relapse, death, last contact.

    One lane per patient, months from diagnosis on the x-axis, cut at ``horizon_months``
    (lanes that go on end in an arrow labelled with the total follow-up). Induction and
    consolidation infusions are ticks; the GVHD patient is starred.
    """

    data = patients.copy()
    data["end"] = _months(data["diagnosis_date"], data["last_contact_date"])
    data = data.sort_values(["age_group", "end"], ascending=[True, True]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, 0.3 * len(data) + 1.8))
    for y, row in data.iterrows():
        colour = GROUP_COLOURS[row["age_group"]]
        end = min(row["end"], horizon_months)
        ax.barh(y, end, left=0, height=0.55, color=colour, alpha=0.25, edgecolor="none")
        mine = courses[courses["patient_id"] == row["patient_id"]]
        when = _months(pd.Series([row["diagnosis_date"]] * len(mine), index=mine.index), mine["infusion_date"])
        for t, phase in zip(when, mine["phase"]):
            if t <= horizon_months:
                ax.plot(t, y, marker="|", ms=11, mew=2, color="black" if phase == "induction" else colour)
        if row["cr"] == 1:
            t = _months(pd.Series([row["diagnosis_date"]]), pd.Series([row["cr_date"]])).iloc[0]
            ax.plot(t, y, marker="D", ms=5, color=OKABE_ITO["bluish_green"], mec="black", mew=0.5)
        if row["relapse"] == 1:
            t = _months(pd.Series([row["diagnosis_date"]]), pd.Series([row["relapse_date"]])).iloc[0]
            if t <= horizon_months:
                ax.plot(t, y, marker="v", ms=8, color=OKABE_ITO["orange"], mec="black", mew=0.5)
        if row["death"] == 1 and row["end"] <= horizon_months:
            ax.plot(row["end"], y, marker="X", ms=8, color="black")
        elif row["end"] > horizon_months:
            ax.annotate("", xy=(horizon_months + 2.5, y), xytext=(horizon_months, y),
                        arrowprops=dict(arrowstyle="->", color=colour, lw=1.5))
            late = " relapse," if row["relapse"] == 1 and _months(pd.Series([row["diagnosis_date"]]), pd.Series([row["relapse_date"]])).iloc[0] > horizon_months else ""
            ax.text(horizon_months + 3, y, f"{late} {row['end']:.0f} mo{' †' if row['death'] == 1 else ''}".strip(), va="center", fontsize=8)
        if row.get("gvhd", 0) == 1:
            ax.plot(row["end"] + 1.2, y, marker="*", ms=12, color=OKABE_ITO["reddish_purple"], mec="black", mew=0.5)
    ax.set_yticks(range(len(data)), [f"{pid} ({g})" for pid, g in zip(data["patient_id"], data["age_group"])], fontsize=8)
    ax.set_xlim(0, horizon_months + 10)
    ax.set_xticks(range(0, int(horizon_months) + 1, 6))
    ax.set_xlabel("months from diagnosis")
    ax.grid(axis="x", alpha=0.3)
    handles = [
        plt.Line2D([], [], color="black", marker="|", ls="none", ms=11, mew=2, label="induction + infusion"),
        plt.Line2D([], [], color="0.4", marker="|", ls="none", ms=11, mew=2, label="consolidation + infusion"),
        plt.Line2D([], [], color=OKABE_ITO["bluish_green"], marker="D", ls="none", mec="black", mew=0.5, label="complete remission"),
        plt.Line2D([], [], color=OKABE_ITO["orange"], marker="v", ls="none", ms=8, mec="black", mew=0.5, label="relapse"),
        plt.Line2D([], [], color="black", marker="X", ls="none", ms=8, label="death"),
        plt.Line2D([], [], color=OKABE_ITO["reddish_purple"], marker="*", ls="none", ms=12, mec="black", mew=0.5, label="GVHD"),
        matplotlib.patches.Patch(color=GROUP_COLOURS["60-70"], alpha=0.35, label="aged 60–70"),
        matplotlib.patches.Patch(color=GROUP_COLOURS[">70"], alpha=0.35, label="aged >70"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, fontsize=9)
    fig.tight_layout()
    return fig


def recovery_plot(labs: pd.DataFrame, recovery: pd.DataFrame, patient_ids: list[str]) -> plt.Figure:
    """ANC and platelet series after the first induction for a few patients, with the start
    of aplasia (open circle) and the recovery days (filled) the paper's rule finds."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    colours = [OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "reddish_purple")]
    for colour, pid in zip(colours, patient_ids):
        series = labs[(labs["patient_id"] == pid) & (labs["course"] == 1)].sort_values("day")
        rec = recovery[(recovery["patient_id"] == pid) & (recovery["course"] == 1)].iloc[0]
        for ax, column, key in ((ax1, "anc_1e9_per_l", "neutrophil_days"), (ax2, "platelets_1e9_per_l", "platelet_days")):
            ax.plot(series["day"], series[column], color=colour, lw=1.6, label=pid)
            start = rec["start_day"]
            if start == start:
                ax.plot(start, series.set_index("day").at[int(start), column], "o", mfc="white", color=colour, ms=7)
                if rec[key] == rec[key]:
                    end = int(start + rec[key])
                    ax.plot(end, series.set_index("day").at[end, column], "o", color=colour, ms=7)
    ax1.axhline(0.5, color="black", ls="--", lw=1)
    ax1.axhline(2.0, color="0.5", ls=":", lw=1)
    ax2.axhline(30, color="black", ls="--", lw=1)
    ax2.axhline(100, color="0.5", ls=":", lw=1)
    ax1.set_yscale("log")
    ax2.set_yscale("log")
    ax1.set_ylabel("absolute neutrophil count (× 10⁹/L)")
    ax2.set_ylabel("platelets (× 10⁹/L)")
    for ax in (ax1, ax2):
        ax.set_xlabel("days after the start of induction chemotherapy")
    ax1.set_title("Neutrophils: recovery threshold 0.5 (dashed)")
    ax2.set_title("Platelets: recovery threshold 30 (dashed)")
    ax1.legend(title="patient", fontsize=9)
    fig.tight_layout()
    return fig


def adverse_event_plot(summary: pd.DataFrame) -> plt.Figure:
    """Percentage of patients with each adverse event by age group, with exact 95% CIs.

    ``summary`` has columns ``event``, ``group``, ``pct``, ``lower``, ``upper`` (percent).
    """
    events = list(dict.fromkeys(summary["event"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.55 * len(events) + 1.4))
    offsets = {"60-70": -0.18, ">70": 0.18}
    for group, offset in offsets.items():
        sub = summary[summary["group"] == group].set_index("event").loc[events]
        y = [i + offset for i in range(len(events))]
        ax.barh(y, sub["pct"], height=0.34, color=GROUP_COLOURS[group], alpha=0.8, label=f"aged {group}")
        ax.errorbar(sub["pct"], y, xerr=[sub["pct"] - sub["lower"], sub["upper"] - sub["pct"]], fmt="none", ecolor="black", lw=1, capsize=2)
    ax.set_yticks(range(len(events)), events)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("patients with the event (%), exact 95% CI")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def chimerism_plot(chimerism: pd.DataFrame, courses: pd.DataFrame, alert_pct: float = 1.0) -> plt.Figure:
    """Donor chimerism of every measurement by course; below-detection results drawn at the
    detection limit as open downward triangles ("< limit"), never as zero."""
    fig, ax = plt.subplots(figsize=(9, 4.2))
    first = courses[courses["course"] == 1].set_index("patient_id")["infusion_date"]
    data = chimerism.copy()
    data["days"] = (pd.to_datetime(data["date"]) - pd.to_datetime(data["patient_id"].map(first))).dt.days
    below = data[data["below_detection"] == 1]
    detected = data[data["below_detection"] == 0].sort_values("date")
    ax.plot(below["days"], below["detection_limit_pct"], "v", mfc="white", color="0.45", ms=6, ls="none",
            label=f"below detection (< {below['detection_limit_pct'].max():g}%)")
    for pid, rows in detected.groupby("patient_id"):
        ax.plot(rows["days"], rows["donor_chimerism_pct"], "o-", color=OKABE_ITO["reddish_purple"], ms=8, lw=2,
                label=f"{pid}: detected")
        for _, r in rows.iterrows():
            ax.annotate(f"{r['donor_chimerism_pct']:.3f}%", (r["days"], r["donor_chimerism_pct"]), textcoords="offset points",
                        xytext=(-60, 4), fontsize=9)
    ax.axhline(alert_pct, color=OKABE_ITO["vermillion"], ls="--", lw=1.2, label=f"{alert_pct:g}% alert level (Discussion)")
    ax.set_yscale("log")
    ax.set_ylim(0.001, 100)
    ax.set_xlabel("days after the first infusion")
    ax.set_ylabel("donor chimerism (%)")
    ax.legend(fontsize=9, loc="center right")
    fig.tight_layout()
    return fig


def gvhd_timeline(patient: pd.Series, courses: pd.DataFrame, chimerism: pd.DataFrame) -> plt.Figure:
    """One patient's course: infusions with their doses, chimerism results, death."""
    start = pd.to_datetime(patient["diagnosis_date"])
    mine = courses[courses["patient_id"] == patient["patient_id"]]
    chim = chimerism[chimerism["patient_id"] == patient["patient_id"]].sort_values("date")
    fig, ax = plt.subplots(figsize=(10, 3.2))
    for number, (_, c) in enumerate(mine.iterrows()):
        day = (pd.to_datetime(c["infusion_date"]) - start).days
        ax.axvline(day, color="0.6", lw=1)
        # Courses 1 and 2 are a month apart: stagger the labels so they never overlap.
        ax.text(day, 0.97 - 0.22 * (number % 2), f"course {c['course']}", transform=ax.get_xaxis_transform(),
                fontsize=9, ha="left", va="top")
    doses = mine.iloc[0]
    ax.set_title(f"Each course: MNC {doses['mnc_1e8_per_kg']:.2f} × 10⁸/kg, CD34⁺ {doses['cd34_1e6_per_kg']:.2f} × 10⁶/kg, "
                 f"CD3⁺ {doses['cd3_1e8_per_kg']:.2f} × 10⁸/kg", fontsize=10)
    detected_seen = 0
    for _, r in chim.iterrows():
        day = (pd.to_datetime(r["date"]) - start).days
        if r["below_detection"] == 1:
            ax.plot(day, 0.3, "v", mfc="white", color="0.45", ms=8)
        else:
            ax.plot(day, 0.3, "o", color=OKABE_ITO["reddish_purple"], ms=9)
            ax.text(day + (-2 if detected_seen == 0 else 2), 0.42, f"{r['donor_chimerism_pct']:.3f}%",
                    ha="right" if detected_seen == 0 else "left", fontsize=9)
            detected_seen += 1
    death = (pd.to_datetime(patient["death_date"]) - start).days
    ax.plot(death, 0.3, "X", color="black", ms=11)
    ax.text(death, 0.15, "death\n(multi-organ failure)", ha="center", fontsize=9, va="top")
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("days from diagnosis")
    handles = [plt.Line2D([], [], color="0.45", marker="v", mfc="white", ls="none", label="chimerism below detection"),
               plt.Line2D([], [], color=OKABE_ITO["reddish_purple"], marker="o", ls="none", label="donor chimerism detected"),
               plt.Line2D([], [], color="0.6", lw=1, label="MST infusion (doses per kg)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.25), ncol=3, fontsize=9)
    fig.tight_layout()
    return fig


def km_panel(ax, frame: pd.DataFrame, group: str, labels: dict, colours: dict, title: str, p_text: str,
             at_risk_times=(0, 12, 36, 60, 120, 180), xmax: float = 210) -> None:
    """One Kaplan–Meier panel: step curves with 95% bands and censoring ticks, a number-at-risk
    table under the axis, and the log-rank p in the corner."""
    from lifelines import KaplanMeierFitter

    rows = []
    for value in sorted(frame[group].unique()):
        sub = frame[frame[group] == value]
        kmf = KaplanMeierFitter().fit(sub["time"], sub["event"])
        colour = colours[value]
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        ax.step(sf.index, sf.to_numpy(), where="post", color=colour, lw=2, label=f"{labels[value]} (n={len(sub)})")
        ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=colour, alpha=0.15, lw=0)
        censored = sub[sub["event"] == 0]["time"]
        ax.plot(censored, kmf.survival_function_at_times(censored).to_numpy(), "|", color=colour, ms=9, mew=1.5)
        rows.append((labels[value], colour, [int((sub["time"] >= t).sum()) for t in at_risk_times]))
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(at_risk_times)
    ax.set_xlabel("months")
    ax.set_ylabel("probability")
    ax.set_title(title, fontsize=11)
    ax.text(0.97, 0.95, p_text, transform=ax.transAxes, ha="right", va="top", fontsize=10)
    ax.legend(loc="lower left", fontsize=8.5, bbox_to_anchor=(0.0, 0.0))
    # Number at risk, under the x-axis label.
    ax.text(0.0, -0.21, "number at risk", transform=ax.transAxes, ha="left", fontsize=8, style="italic")
    for i, (label, colour, counts) in enumerate(rows):
        for t, count in zip(at_risk_times, counts):
            ax.text(t, -0.28 - 0.07 * i, str(count), transform=ax.get_xaxis_transform(), ha="center", fontsize=8.5, color=colour)


def forest_plot(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Hazard ratios with 95% CIs on a log axis, one panel per endpoint (Supplementary Figure 1)."""
    fig, axes = plt.subplots(1, len(tables), figsize=(5.2 * len(tables), 0.5 * max(len(t) for t in tables.values()) + 1.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (title, table) in zip(axes, tables.items()):
        table = table.reset_index(drop=True)
        for y, row in table.iterrows():
            if not row.get("converged", True) or not np.isfinite(row["hr"]):
                ax.text(1, y, "not estimable (no events in one level)", ha="center", va="center", fontsize=8, color="0.4")
                continue
            colour = OKABE_ITO["vermillion"] if row["p"] < 0.05 else OKABE_ITO["blue"]
            ax.plot([row["lower"], row["upper"]], [y, y], color=colour, lw=2)
            ax.plot(row["hr"], y, "s", color=colour, ms=7)
            ax.text(1.02, y, f"{row['hr']:.2f} ({row['lower']:.2f}–{row['upper']:.2f}), p={row['p']:.3f}",
                    transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        ax.axvline(1, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(0.01, 100)
        ax.set_yticks(range(len(table)), table["label"])
        ax.invert_yaxis()
        ax.set_xlabel("hazard ratio (95% CI, log scale)")
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def schoenfeld_plot(fitter, frame: pd.DataFrame) -> plt.Figure:
    """Scaled Schoenfeld residuals against time, one panel per covariate, with a lowess line.

    A flat line is consistent with proportional hazards; a trend is not.
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    residuals = fitter.compute_residuals(frame, "scaled_schoenfeld")
    times = frame.loc[residuals.index, "time"]
    fig, axes = plt.subplots(1, residuals.shape[1], figsize=(4.6 * residuals.shape[1], 3.4))
    axes = np.atleast_1d(axes)
    for ax, column in zip(axes, residuals.columns):
        ax.plot(times, residuals[column], "o", color=OKABE_ITO["blue"], ms=5, alpha=0.8)
        smooth = lowess(residuals[column], times, frac=0.8)
        ax.plot(smooth[:, 0], smooth[:, 1], color=OKABE_ITO["vermillion"], lw=2)
        ax.axhline(fitter.params_[column], color="black", ls="--", lw=1)
        ax.set_xlabel("months")
        ax.set_ylabel("scaled Schoenfeld residual")
        ax.set_title(column, fontsize=10)
    fig.tight_layout()
    return fig


def immortal_time_plot(patients: pd.DataFrame, switch: pd.Series, n: int = 10) -> plt.Figure:
    """Timelines of patients in the ">3 courses" group: the time before their fourth infusion,
    during which they could not have died and still be in that group, is hatched."""
    from ..endpoints import overall_survival

    os_ = overall_survival(patients).set_index("patient_id")
    ids = [pid for pid in os_.sort_values("time").index if pid in switch.dropna().index][:n]
    short = [pid for pid in os_.sort_values("time").index if pid not in switch.dropna().index][: max(3, n // 3)]
    fig, ax = plt.subplots(figsize=(9, 0.42 * (len(ids) + len(short)) + 1.4))
    y = 0
    for pid in short:
        t = os_.at[pid, "time"]
        ax.barh(y, t, color=OKABE_ITO["orange"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=8)
        y += 1
    for pid in ids:
        t, s = os_.at[pid, "time"], switch[pid]
        ax.barh(y, s, color="white", edgecolor=OKABE_ITO["blue"], hatch="///", height=0.6)
        ax.barh(y, t - s, left=s, color=OKABE_ITO["blue"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=8)
        y += 1
    ax.set_yticks([])
    ax.set_xlim(left=0)
    ax.set_xlabel("months from diagnosis")
    handles = [matplotlib.patches.Patch(color=OKABE_ITO["orange"], alpha=0.6, label="1–3 courses: all time counted in that group"),
               matplotlib.patches.Patch(facecolor="white", edgecolor=OKABE_ITO["blue"], hatch="///", label="before the 4th infusion: 'immortal' time"),
               matplotlib.patches.Patch(color=OKABE_ITO["blue"], alpha=0.6, label="after the 4th infusion"),
               plt.Line2D([], [], color="black", marker="X", ls="none", label="death")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    fig.tight_layout()
    return fig


def cif_panel(ax, curves: dict, colours: dict, title: str, p_text: str, xmax: float = 210) -> None:
    """Cumulative incidence step curves (one per group) with pointwise 95% bands."""
    for label, cif in curves.items():
        cif = cif.sort_values("time")
        colour = colours[label]
        ax.step(cif["time"], cif["estimate"], where="post", color=colour, lw=2, label=label)
        ax.fill_between(cif["time"], cif["lower"].fillna(cif["estimate"]), cif["upper"].fillna(cif["estimate"]),
                        step="post", color=colour, alpha=0.15, lw=0)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months")
    ax.set_ylabel("cumulative incidence")
    ax.set_title(title, fontsize=11)
    ax.text(0.03, 0.95, p_text, transform=ax.transAxes, ha="left", va="top", fontsize=10)
    ax.legend(loc="lower right", fontsize=9)


def km_vs_aj_plot(aj: pd.DataFrame, one_minus_km: pd.DataFrame, xmax: float = 210) -> plt.Figure:
    """Aalen–Johansen cumulative incidence against 1 − Kaplan–Meier (competing events censored)."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.step(one_minus_km["time"], one_minus_km["estimate"], where="post", color=OKABE_ITO["vermillion"], lw=2,
            ls="--", label="1 − Kaplan–Meier (competing deaths censored)")
    aj = aj.sort_values("time")
    ax.step(aj["time"], aj["estimate"], where="post", color=OKABE_ITO["blue"], lw=2, label="Aalen–Johansen cumulative incidence")
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months from complete remission")
    ax.set_ylabel("probability of relapse")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def uncertainty_plot(table: pd.DataFrame, summary: pd.DataFrame, labels: dict[str, str]) -> plt.Figure:
    """Each check's distribution over the reconstructed cohorts (dots), with the printed value
    (vermillion bar) and, for p-values, the 0.05 line. Log scales throughout."""
    p_checks = [c for c in summary["check"] if summary.set_index("check").at[c, "kind"] == "p"]
    hr_checks = [c for c in summary["check"] if summary.set_index("check").at[c, "kind"] == "hr"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.45 * len(p_checks) + 1.8),
                                   gridspec_kw={"width_ratios": [1.6, 1]})
    rng = np.random.default_rng(0)  # vertical jitter only, fixed for identical figures
    info = summary.set_index("check")
    for ax, checks in ((ax1, p_checks), (ax2, hr_checks)):
        for y, check in enumerate(checks):
            values = table[check].dropna().to_numpy(float)
            ax.plot(np.clip(values, 1e-12, None), y + rng.uniform(-0.22, 0.22, len(values)), "o", ms=2.5,
                    color=OKABE_ITO["blue"], alpha=0.35)
            printed = info.at[check, "printed"]
            if printed:
                value = float(str(printed).lstrip("<>"))
                ax.plot([value, value], [y - 0.35, y + 0.35], color=OKABE_ITO["vermillion"], lw=3)
        ax.set_xscale("log")
        ax.set_yticks(range(len(checks)), [labels.get(c, c) for c in checks])
        ax.invert_yaxis()
    ax1.axvline(0.05, color="black", ls="--", lw=1)
    ax1.set_xlabel("p-value across reconstructed cohorts (log scale)")
    ax2.axvline(1, color="black", lw=1)
    ax2.set_xlabel("hazard ratio across reconstructed cohorts (log scale)")
    handles = [plt.Line2D([], [], color=OKABE_ITO["blue"], marker="o", ls="none", alpha=0.6, label="one reconstructed cohort"),
               plt.Line2D([], [], color=OKABE_ITO["vermillion"], lw=3, label="printed in the paper"),
               plt.Line2D([], [], color="black", ls="--", lw=1, label="p = 0.05")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def attainability_plot(summary: pd.DataFrame, seeds: pd.DataFrame, seed_columns: dict[str, str],
                       labels: dict[str, str]) -> plt.Figure:
    """Per printed test: the attainable interval (relaxed timing, grey; protocol timing, blue),
    the reconstruction seeds inside it (dots) and the printed value (vermillion). Log scale."""
    rows = summary[summary["printed"].astype(str) != ""].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.6))
    rng = np.random.default_rng(0)  # vertical jitter only, fixed for identical figures
    for y, row in rows.iterrows():
        lo, hi = max(row["min"], 1e-12), max(row["max"], 1e-12)
        ax.plot([lo, hi], [y, y], color="#BBBBBB", lw=9, solid_capstyle="butt")
        ax.plot([max(row["protocol_min"], 1e-12), max(row["protocol_max"], 1e-12)], [y, y], color=OKABE_ITO["blue"], lw=3)
        column = seed_columns.get(row["statistic"])
        if column in seeds:
            values = np.clip(seeds[column].dropna().to_numpy(float), 1e-12, None)
            ax.plot(values, y + rng.uniform(-0.3, -0.18, len(values)), "o", ms=2, color=OKABE_ITO["black"], alpha=0.35)
        value = float(str(row["printed"]).lstrip("<>"))
        ax.plot([value, value], [y - 0.32, y + 0.32], color=OKABE_ITO["vermillion"], lw=3)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [labels.get(s, s) for s in rows["statistic"]])
    ax.invert_yaxis()
    ax.set_xlabel("p-value (log scale)")
    handles = [plt.Line2D([], [], color="#BBBBBB", lw=9, label="attainable, loosest timing"),
               plt.Line2D([], [], color=OKABE_ITO["blue"], lw=3, label="attainable, protocol timing"),
               plt.Line2D([], [], color=OKABE_ITO["black"], marker="o", ls="none", ms=3, label="one reconstruction seed"),
               plt.Line2D([], [], color=OKABE_ITO["vermillion"], lw=3, label="printed in the paper")]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


# --------------------------------------------------------------------------- transcriptomics

#: One colour per RNA-seq sub-group: patients 5/6, patients 9/10, healthy controls.
SUBGROUP_COLOURS = {
    "5/6 (shorter LFS and OS)": OKABE_ITO["orange"],
    "9/10 (longer LFS and OS)": OKABE_ITO["bluish_green"],
    "healthy": OKABE_ITO["black"],
}
#: Direction colours for DE calls (vermillion up, blue down, grey not significant).
CALL_COLOURS = {"up": OKABE_ITO["vermillion"], "down": OKABE_ITO["blue"], "ns": "#BBBBBB"}


def _sample_colours(samples: pd.DataFrame) -> list[str]:
    return [SUBGROUP_COLOURS.get(s, "#777777") for s in samples["subgroup"]]


def rnaseq_qc_plot(counts: pd.DataFrame, samples: pd.DataFrame, log_expression: pd.DataFrame) -> plt.Figure:
    """Library sizes (A), PCA of (variance-stabilised) log expression (B) and the sample correlations (C)."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), gridspec_kw={"width_ratios": [1, 1.1, 1.1]})
    colours = _sample_colours(samples)
    totals = counts[samples["sample"]].sum() / 1e6
    axes[0].bar(samples["sample"], totals, color=colours)
    axes[0].set(ylabel="reads assigned to genes (millions)", title="A. Library sizes")

    top = log_expression.loc[log_expression.var(axis=1).sort_values(ascending=False).index[:500]]
    centred = (top.T - top.T.mean()).to_numpy()
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    explained = s**2 / np.sum(s**2)
    scores = u * s
    for i, ((x, y), name, colour) in enumerate(zip(scores[:, :2], samples["sample"], colours)):
        axes[1].scatter(x, y, s=90, color=colour, edgecolor="white", zorder=3)
        # Alternate label sides so the members of a tight pair stay legible.
        axes[1].annotate(name, (x, y), textcoords="offset points", xytext=(7, 5) if i % 2 == 0 else (7, -14))
    axes[1].set(xlabel=f"PC1 ({100 * explained[0]:.0f}% of variance)",
                ylabel=f"PC2 ({100 * explained[1]:.0f}%)", title="B. PCA, 500 most variable genes")
    axes[1].margins(0.25)
    handles = [matplotlib.patches.Patch(color=c, label=k) for k, c in SUBGROUP_COLOURS.items()]
    axes[1].legend(handles=handles, loc="best", fontsize=9)

    corr = np.corrcoef(log_expression[samples["sample"]].T.to_numpy())
    image = axes[2].imshow(corr, cmap="viridis")
    axes[2].set_xticks(range(len(samples)), samples["sample"])
    axes[2].set_yticks(range(len(samples)), samples["sample"])
    for i in range(len(samples)):
        for j in range(len(samples)):
            axes[2].text(j, i, f"{corr[i, j]:.3f}", ha="center", va="center", fontsize=8,
                         color="black" if corr[i, j] > corr.mean() else "white")
    axes[2].set_title("C. Pearson correlation, VST expression")
    axes[2].spines[:].set_visible(False)
    fig.colorbar(image, ax=axes[2], fraction=0.046)
    fig.tight_layout()
    return fig


def volcano_ma_plot(table: pd.DataFrame, lfc: float = 1.0, padj: float = 0.05,
                    label_genes: list[str] | None = None) -> plt.Figure:
    """Volcano plot (A) and MA plot (B) of a DESeq2 results table with a ``call`` column."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    tested = table.dropna(subset=["padj"])
    for call in ("ns", "down", "up"):
        part = tested[tested["call"] == call]
        label = {"ns": "not significant", "up": f"up ({len(part):,})", "down": f"down ({len(part):,})"}[call]
        axes[0].scatter(part["log2FoldChange"], -np.log10(part["padj"]), s=5, alpha=0.6,
                        color=CALL_COLOURS[call], label=label, rasterized=True)
        axes[1].scatter(np.log10(part["baseMean"]), part["log2FoldChange"], s=5, alpha=0.6,
                        color=CALL_COLOURS[call], label=label, rasterized=True)
    for x in (-lfc, lfc):
        axes[0].axvline(x, color="#555555", lw=0.8, ls="--")
    axes[0].axhline(-np.log10(padj), color="#555555", lw=0.8, ls="--")
    for gene in label_genes or []:
        if gene in tested.index:
            row = tested.loc[gene]
            axes[0].annotate(gene, (row["log2FoldChange"], -np.log10(row["padj"])), fontsize=8,
                             xytext=(3, 3), textcoords="offset points")
    axes[0].set(xlabel="log2 fold change (AML / healthy)", ylabel="−log10 adjusted p",
                title=f"A. Volcano: |log2 FC| ≥ {lfc:g} and adjusted p ≤ {padj:g}")
    axes[1].axhline(0, color="#555555", lw=0.8)
    axes[1].set(xlabel="log10 mean normalised count", ylabel="log2 fold change (AML / healthy)",
                title="B. MA plot")
    axes[0].legend(loc="upper left", markerscale=3, fontsize=9)
    fig.tight_layout()
    return fig


def expression_heatmap(log_expression: pd.DataFrame, samples: pd.DataFrame, genes: list[str],
                       title: str, show_genes: bool = True, figsize: tuple[float, float] = (6, 8)):
    """Row-scaled heatmap of ``genes`` with samples and genes clustered (a seaborn clustermap)."""
    import seaborn as sns

    data = log_expression.loc[genes, samples["sample"]]
    data = data[data.std(axis=1) > 0]
    if len(data) < 2:
        # Clustering needs two rows; a reader's own data may leave fewer in a gene list.
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{title}: fewer than two genes to show", ha="center", va="center")
        return fig
    grid = sns.clustermap(data, z_score=0, cmap="RdBu_r", center=0, vmin=-2.5, vmax=2.5,
                          method="average", metric="correlation", figsize=figsize,
                          col_colors=pd.Series(_sample_colours(samples), index=samples["sample"].to_list()),
                          yticklabels=show_genes, xticklabels=True, dendrogram_ratio=(0.12, 0.12),
                          cbar_pos=(0.02, 0.83, 0.03, 0.12), rasterized=True)
    grid.ax_cbar.set_title("row\nz-score", fontsize=9, loc="left")
    grid.ax_heatmap.set_xlabel("")
    grid.ax_heatmap.set_ylabel(f"{len(data):,} genes" if not show_genes else "")
    if show_genes:
        grid.ax_heatmap.tick_params(axis="y", labelsize=7)
    grid.figure.suptitle(title, y=1.01)
    return grid.figure


def enrichment_plot(ora: pd.DataFrame, gsea: pd.DataFrame, n: int = 12, permutations: int = 1000) -> plt.Figure:
    """Over-representation dot plot (A, like the paper's Figure 4B) beside a GSEA bar chart (B).

    ``ora`` needs Term, gene_ratio, count, padj; ``gsea`` needs Term, NES, FDR.
    """
    fig, axes = plt.subplots(1, 2, figsize=(15, 0.42 * n + 1.8))
    top = ora.nsmallest(n, "padj").iloc[::-1]
    points = axes[0].scatter(top["gene_ratio"], range(len(top)), s=20 + 4 * top["count"],
                             c=-np.log10(top["padj"]), cmap="viridis", edgecolor="black", lw=0.4)
    axes[0].set_yticks(range(len(top)), top["Term"])
    axes[0].set(xlabel="gene ratio (DEGs in set / DEGs annotated)", title="A. Over-representation of DEGs")
    fig.colorbar(points, ax=axes[0], label="−log10 adjusted p", fraction=0.05)
    for size in (10, 30, 60):
        axes[0].scatter([], [], s=20 + 4 * size, color="#DDDDDD", edgecolor="black", lw=0.4, label=f"{size} genes")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 0.3), fontsize=8, labelspacing=1.2)
    axes[0].margins(x=0.15)

    top_gsea = gsea.reindex(gsea["NES"].abs().sort_values(ascending=False).index).head(n).iloc[::-1]
    colours = [CALL_COLOURS["up"] if v > 0 else CALL_COLOURS["down"] for v in top_gsea["NES"]]
    axes[1].barh(range(len(top_gsea)), top_gsea["NES"], color=colours)
    # An FDR of 0 means no permutation beat the observed score: report it as a bound.
    floor = 1 / permutations
    axes[1].set_yticks(range(len(top_gsea)), [f"{t}  (FDR {q:.2g})" if q > 0 else f"{t}  (FDR < {floor:g})"
                                              for t, q in zip(top_gsea["Term"], top_gsea["FDR"])])
    axes[1].axvline(0, color="#555555", lw=0.8)
    axes[1].set(xlabel="normalised enrichment score (AML vs healthy)", title="B. GSEA, genes ranked by Wald statistic")
    fig.tight_layout()
    return fig


def shrinkage_plot(table: pd.DataFrame, shrunk: pd.DataFrame) -> plt.Figure:
    """Shrunken against maximum-likelihood log2 fold changes, one dot per gene."""
    joined = table.join(shrunk)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(joined["log2FoldChange"], joined["log2FoldChange_shrunk"], s=4, alpha=0.4, color="#555555",
               rasterized=True)
    ax.axline((0, 0), slope=1, color=OKABE_ITO["vermillion"], lw=1, ls="--", label="no shrinkage")
    ax.set(xlabel="log2 fold change (maximum likelihood)", ylabel="log2 fold change (apeGLM shrunk)")
    ax.legend()
    fig.tight_layout()
    return fig
