"""Figures of the patients and their treatment: follow-up, swimmer lanes, blood counts, adverse
events, chimerism and the GVHD patient's course."""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import pandas as pd

from .style import GROUP_COLOURS, MAX_WIDTH_IN, OKABE_ITO

__all__ = ['follow_up_timeline', 'swimmer_plot', 'recovery_plot', 'adverse_event_plot', 'chimerism_plot', 'gvhd_timeline']


def follow_up_timeline(patients: pd.DataFrame, enrol_start: pd.Timestamp, enrol_end: pd.Timestamp,
                       cutoff: pd.Timestamp) -> plt.Figure:
    """Each patient's time on study: a line from diagnosis to last contact, by age group.

    A cross marks a death, an open circle a patient alive at the cut-off; the grey band is the
    enrollment window the paper states and the dashed line the follow-up cut-off.
    """
    data = patients.sort_values(["age_group", "diagnosis_date"], ascending=[True, False]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.28 * len(data) + 1.8))
    ax.axvspan(enrol_start, enrol_end, color="0.9", zorder=0, label="enrollment window (Methods)")
    ax.axvline(cutoff, color="black", ls="--", lw=1, label="follow-up cut-off")
    for y, row in data.iterrows():
        colour = GROUP_COLOURS[row["age_group"]]
        ax.plot([row["diagnosis_date"], row["last_contact_date"]], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
        if row["death"] == 1:
            ax.plot(row["last_contact_date"], y, marker="x", color=colour, ms=7, mew=2)
        else:
            ax.plot(row["last_contact_date"], y, marker="o", mfc="white", color=colour, ms=6, mew=1.5)
    ax.set_yticks(range(len(data)), data["patient_id"], fontsize=9)
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
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.3 * len(data) + 2.2))
    for y, row in data.iterrows():
        colour = GROUP_COLOURS[row["age_group"]]
        end = min(row["end"], horizon_months)
        ax.barh(y, end, left=0, height=0.55, color=colour, alpha=0.25, edgecolor="none")
        mine = courses[courses["patient_id"] == row["patient_id"]]
        when = _months(pd.Series([row["diagnosis_date"]] * len(mine), index=mine.index), mine["infusion_date"])
        for t, phase in zip(when, mine["phase"]):
            if t <= horizon_months:
                ax.plot(t, y, marker="|", ms=11, mew=2, color="black" if phase == "induction" else "0.55")
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
            ax.text(horizon_months + 3, y, f"{late} {row['end']:.0f} mo{' †' if row['death'] == 1 else ''}".strip(), va="center", fontsize=9)
    # GVHD is marked beside the patient's id, not on the time axis: its onset date is not known,
    # and a symbol after the lane's end would read as an event after death.
    ax.set_yticks(range(len(data)), [f"{pid} ({g}){' ★' if row.get('gvhd', 0) == 1 else ''}"
                                     for pid, g, (_, row) in zip(data["patient_id"], data["age_group"], data.iterrows())], fontsize=9)
    ax.set_xlim(0, horizon_months + 10)
    ax.set_xticks(range(0, int(horizon_months) + 1, 6))
    ax.set_xlabel("Months since diagnosis")
    ax.grid(axis="x", alpha=0.3)
    handles = [
        plt.Line2D([], [], color="black", marker="|", ls="none", ms=11, mew=2, label="induction + infusion"),
        plt.Line2D([], [], color="0.55", marker="|", ls="none", ms=11, mew=2, label="consolidation + infusion"),
        plt.Line2D([], [], color=OKABE_ITO["bluish_green"], marker="D", ls="none", mec="black", mew=0.5, label="complete remission"),
        plt.Line2D([], [], color=OKABE_ITO["orange"], marker="v", ls="none", ms=8, mec="black", mew=0.5, label="relapse"),
        plt.Line2D([], [], color="black", marker="X", ls="none", ms=8, label="death"),
        plt.Line2D([], [], color="black", marker="$★$", ls="none", ms=10, label="★ after the id: GVHD"),
        matplotlib.patches.Patch(color=GROUP_COLOURS["60-70"], alpha=0.35, label="aged 60–70"),
        matplotlib.patches.Patch(color=GROUP_COLOURS[">70"], alpha=0.35, label="aged >70"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, fontsize=9)
    fig.tight_layout()
    return fig


def recovery_plot(labs: pd.DataFrame, recovery: pd.DataFrame, patient_ids: list[str]) -> plt.Figure:
    """ANC and platelet series after the first induction for a few patients, with the start
    of aplasia (open circle) and the recovery days (filled) the paper's rule finds."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 4.0), sharex=True)
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
        ax.set_xlabel("Days after induction start")
    ax1.set_title("A. Neutrophils (recovery: 0.5, dashed)")
    ax2.set_title("B. Platelets (recovery: 30, dashed)")
    ax1.legend(title="patient", fontsize=9)
    fig.tight_layout()
    return fig


def adverse_event_plot(summary: pd.DataFrame) -> plt.Figure:
    """Percentage of patients with each adverse event by age group, with exact 95% CIs.

    ``summary`` has columns ``event``, ``group``, ``pct``, ``lower``, ``upper`` (percent).
    """
    events = list(dict.fromkeys(summary["event"]))
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.55 * len(events) + 1.4))
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
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 4.2))
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
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 3.4))
    for number, (_, c) in enumerate(mine.iterrows()):
        day = (pd.to_datetime(c["infusion_date"]) - start).days
        ax.axvline(day, color="0.6", lw=1)
        # Courses 1 and 2 are a month apart: stagger the labels so they never overlap.
        ax.text(day, 0.97 - 0.22 * (number % 2), f"course {c['course']}", transform=ax.get_xaxis_transform(),
                fontsize=9, ha="left", va="top")
    doses = mine.iloc[0]
    ax.set_title(f"Each course: MNC {doses['mnc_1e8_per_kg']:.2f} × 10⁸/kg, CD34⁺ {doses['cd34_1e6_per_kg']:.2f} × 10⁶/kg,\n"
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
