"""Time-to-event figures: Kaplan–Meier and cumulative-incidence curves with risk tables, forest
plots, Schoenfeld residuals and the immortal-time picture."""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..formatting import format_hr_ci, p_statement
from .style import MAX_WIDTH_IN, MIN_TEXT_PT, OKABE_ITO, percent_axis

__all__ = ['km_figure', 'cif_figure', 'place_clear_of_curves', 'tick_step', 'risk_table_counts', 'forest_plot', 'schoenfeld_plot', 'immortal_time_plot', 'km_vs_aj_plot']


def tick_step(last: float) -> int:
    """A month step giving four to eight ticks up to ``last`` (6, 12, 24, 36, 48 or 60)."""
    for step in (6, 12, 24, 36, 48, 60):
        if last / step <= 7:
            return step
    return 120


def risk_table_counts(time: pd.Series, event: pd.Series, at: list[float]) -> list[tuple[int, int]]:
    """Numbers at risk (time ≥ t) and patients censored up to t (time ≤ t, no event), as a
    survminer / ggsurvfit risk table shows them."""
    time, event = np.asarray(time, float), np.asarray(event)
    return [(int((time >= t).sum()), int(((time <= t) & (event == 0)).sum())) for t in at]


def _curve_grid(n_panels: int, n_groups: int, height: float = 3.2):
    """Figure with ``n_panels`` columns, each a curve axis over a risk-table axis (shared x)."""
    table_height = 0.26 * n_groups + 0.35
    width = MAX_WIDTH_IN if n_panels > 1 else 0.62 * MAX_WIDTH_IN
    fig = plt.figure(figsize=(width, height + table_height + 0.9))
    grid = fig.add_gridspec(2, n_panels, height_ratios=[height, table_height], hspace=0.42, wspace=0.3)
    pairs = []
    for col in range(n_panels):
        ax = fig.add_subplot(grid[0, col])
        table = fig.add_subplot(grid[1, col], sharex=ax)
        pairs.append((ax, table))
    return fig, pairs


def _draw_risk_table(table, groups: list, labels: dict, colours: dict, counts: dict, at: list[float],
                     show_labels: bool = True) -> None:
    """Rows "at risk (censored)" per group, aligned with the curve axis' ticks, group names in
    colour (on the first panel only: the rows are the same in every panel)."""
    for row, value in enumerate(groups):
        for t, (n, c) in zip(at, counts[value]):
            table.text(t, row, f"{n} ({c})", ha="center", va="center", fontsize=MIN_TEXT_PT, color=colours[value])
    table.set_ylim(len(groups) - 0.5, -0.5)
    table.set_yticks(range(len(groups)), [labels[v] for v in groups] if show_labels else [""] * len(groups))
    for tick, value in zip(table.get_yticklabels(), groups):
        tick.set_color(colours[value])
    table.tick_params(axis="y", length=0, pad=22)
    table.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("left", "bottom", "top", "right"):
        table.spines[side].set_visible(False)
    table.set_title("At risk (censored)", fontsize=MIN_TEXT_PT, loc="left", style="italic", pad=2)


def _ticks(last: float) -> list[int]:
    """Month ticks from 0 to the last follow-up (never beyond it)."""
    step = tick_step(last)
    return list(range(0, int(last) + 1, step))


def _finish_axis(ax, last: float, at: list[int], ylabel: str, xlabel: str, title: str) -> None:
    # The axis ends at the last follow-up: nothing is drawn where no patient is followed.
    ax.set_xlim(0, last * 1.02)
    ax.set_xticks(at)
    ax.set_ylim(0, 1.0)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    percent_axis(ax)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.25)


#: Where a panel's test result may go (axes fraction x, y, ha, va), by preference.
_CORNERS = {"bottom left": (0.03, 0.04, "left", "bottom"), "bottom right": (0.97, 0.04, "right", "bottom"),
            "top right": (0.97, 0.96, "right", "top"), "top left": (0.03, 0.96, "left", "top")}


def _ink(ax) -> list:
    """The curves and censoring marks of a panel as display-space paths (step lines as drawn)."""
    from matplotlib.path import Path as MplPath

    paths = []
    for line in ax.lines:
        xy = ax.transData.transform(line.get_xydata())
        if line.get_linestyle() in ("None", "", " ", "none"):
            paths += [MplPath([point, point]) for point in xy]      # markers only
        elif line.get_drawstyle() == "steps-post" and len(xy) > 1:
            steps = [xy[0]]
            for previous, point in zip(xy[:-1], xy[1:]):
                steps += [(point[0], previous[1]), point]
            paths.append(MplPath(steps))
        else:
            paths.append(MplPath(xy))
    return paths


def place_clear_of_curves(ax, text: str, prefer_top: bool = False):
    """Write ``text`` (a test result) in the first corner of ``ax`` that no curve or censoring
    mark crosses: bottom left, bottom right, top right (KM curves fall from the top left), or
    top left first for cumulative incidence (which rises from the bottom left). Falls back to
    the first choice when every corner is crossed. Returns the text artist."""
    order = (["top left", "top right", "bottom right"] if prefer_top
             else ["bottom left", "bottom right", "top right"])
    renderer = ax.figure.canvas.get_renderer()
    ink = _ink(ax)
    style = dict(transform=ax.transAxes, bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5))
    for corner in order:
        x, y, ha, va = _CORNERS[corner]
        artist = ax.text(x, y, text, ha=ha, va=va, **style)
        box = artist.get_window_extent(renderer).padded(2)
        if not any(path.intersects_bbox(box, filled=False) for path in ink):
            return artist
        artist.remove()
    x, y, ha, va = _CORNERS[order[0]]
    return ax.text(x, y, text, ha=ha, va=va, **style)


def _curves_figure(panels: dict[str, pd.DataFrame], group: str, labels: dict, colours: dict, p_texts: dict[str, str],
                   ylabels: dict[str, str], xlabel: str, xlabels: dict[str, str] | None, draw, p_at_top: bool) -> plt.Figure:
    """The frame both curve figures share: a panel per title over its risk table, the test's p
    in the panel's empty corner, one legend above. ``draw(ax, title, frame, sub, value)`` draws
    one group's curve in one panel and returns its line (for the legend)."""
    values = sorted(set().union(*(f[group].unique() for f in panels.values())))
    fig, pairs = _curve_grid(len(panels), len(values))
    handles, results = [], []
    for (title, frame), (ax, table) in zip(panels.items(), pairs):
        last = float(frame["time"].max())
        at = _ticks(last)
        counts = {}
        for value in values:
            sub = frame[frame[group] == value]
            line = draw(ax, title, frame, sub, value)
            counts[value] = risk_table_counts(sub["time"], sub["event"], at)
            if len(handles) < len(values):
                handles.append(line)
        _finish_axis(ax, last, at, ylabels[title], (xlabels or {}).get(title, xlabel), title)
        results.append((ax, p_texts[title]))
        _draw_risk_table(table, values, labels, colours, counts, at, show_labels=ax is pairs[0][0])
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, 1.0), ncol=len(handles),
               handlelength=1.6, columnspacing=1.4)
    fig.subplots_adjust(top=0.84, left=0.27 if len(panels) == 1 else 0.17, right=0.98, bottom=0.04)
    for ax, text in results:   # once the layout is final: the corner test works in display space
        place_clear_of_curves(ax, text, prefer_top=p_at_top)
    return fig


def km_figure(frames: dict[str, pd.DataFrame], group: str, labels: dict, colours: dict,
              p_texts: dict[str, str], ylabels: dict[str, str], xlabel: str = "Months since diagnosis",
              xlabels: dict[str, str] | None = None) -> plt.Figure:
    """Kaplan–Meier curves for one comparison, one panel per endpoint (one or two), in the style of
    ggsurvfit: 95% bands, censoring ticks, a risk table aligned under each axis with group
    labels and censored counts, the test's p in empty space, one legend above the panels.

    Parameters
    ----------
    frames
        Panel title (e.g. ``"A. Overall survival"``) → frame with ``time`` (months), ``event``
        (1 = event) and the ``group`` column.
    group, labels, colours
        The grouping column, a label and a colour for each of its values.
    p_texts, ylabels
        Per panel title: the test result printed in the panel, the y-axis label (with "(%)").
    xlabel, xlabels
        The x-axis label (with unit), or one per panel.
    """
    from lifelines import KaplanMeierFitter

    def draw(ax, title, frame, sub, value):
        kmf = KaplanMeierFitter().fit(sub["time"], sub["event"])
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        # Drawn over the axis line, so a curve that reaches zero stays visible.
        line, = ax.step(sf.index, sf.to_numpy(), where="post", color=colours[value], lw=2, zorder=3, clip_on=False,
                        label=f"{labels[value]} (n = {len(sub)})")
        ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=colours[value], alpha=0.15, lw=0)
        censored = sub[sub["event"] == 0]["time"]
        ax.plot(censored, kmf.survival_function_at_times(censored).to_numpy(), "|", color=colours[value], ms=8,
                mew=1.5, zorder=4, clip_on=False)
        return line

    return _curves_figure(frames, group, labels, colours, p_texts, ylabels, xlabel, xlabels, draw, p_at_top=False)


def cif_figure(panels: dict[str, pd.DataFrame], group: str, causes: dict[str, int], labels: dict, colours: dict,
               p_texts: dict[str, str], ylabels: dict[str, str], xlabel: str = "Months since diagnosis",
               xlabels: dict[str, str] | None = None) -> plt.Figure:
    """Aalen–Johansen cumulative incidence, one panel per event type (one or two), in the style of
    tidycmprsk: pointwise 95% bands, curves drawn to each group's last follow-up and above the
    axis line (a flat zero curve stays visible), a risk table of patients still event-free
    (any cause) and censored, the test's p in empty space, one legend above the panels.

    ``panels`` maps a title to a frame with ``time``, ``event`` (0 censored, 1, 2, … causes) and
    ``group``; ``causes`` gives each panel's cause code.
    """
    from ..competing import cumulative_incidence

    cifs = {title: cumulative_incidence(frame["time"], frame["event"], frame[group], cause=causes[title])
            for title, frame in panels.items()}

    def draw(ax, title, frame, sub, value):
        curve = cifs[title][cifs[title]["group"] == value].sort_values("time")
        # Each curve runs on, flat, to its group's last follow-up.
        times = np.append(curve["time"].to_numpy(), float(sub["time"].max()))
        extended = {name: np.append(values.to_numpy(), values.iloc[-1]) for name, values in
                    (("estimate", curve["estimate"]), ("lower", curve["lower"].fillna(curve["estimate"])),
                     ("upper", curve["upper"].fillna(curve["estimate"])))}
        line, = ax.step(times, extended["estimate"], where="post", color=colours[value], lw=2, zorder=3, clip_on=False,
                        label=f"{labels[value]} (n = {len(sub)})")
        ax.fill_between(times, extended["lower"], extended["upper"], step="post", color=colours[value], alpha=0.15, lw=0)
        return line

    return _curves_figure(panels, group, labels, colours, p_texts, ylabels, xlabel, xlabels, draw, p_at_top=True)


def forest_plot(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Hazard ratios with 95% CIs on a log axis, one panel per endpoint (Supplementary Figure 1)."""
    # One panel per endpoint, stacked: the estimate column needs the width.
    fig, axes = plt.subplots(len(tables), 1, figsize=(MAX_WIDTH_IN, sum(0.42 * len(t) + 1.1 for t in tables.values()) + 0.4),
                             gridspec_kw={"height_ratios": [len(t) + 1.5 for t in tables.values()]})
    axes = np.atleast_1d(axes)
    for ax, (title, table) in zip(axes, tables.items()):
        table = table.reset_index(drop=True)
        for y, row in table.iterrows():
            if not row.get("converged", True) or not np.isfinite(row["hr"]):
                ax.text(1, y, "not estimable (no events in one level)", ha="center", va="center", fontsize=MIN_TEXT_PT, color="0.4")
                continue
            colour = OKABE_ITO["vermillion"] if row["p"] < 0.05 else OKABE_ITO["blue"]
            ax.plot([row["lower"], row["upper"]], [y, y], color=colour, lw=2)
            ax.plot(row["hr"], y, "s", color=colour, ms=7)
            ax.text(1.02, y, f"{format_hr_ci(row['hr'], row['lower'], row['upper'])}, {p_statement(row['p'])}",
                    transform=ax.get_yaxis_transform(), va="center", fontsize=MIN_TEXT_PT)
        ax.axvline(1, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(0.01, 100)
        ax.set_yticks(range(len(table)), table["label"])
        ax.invert_yaxis()
        ax.set_xlabel("Hazard ratio (95% CI, log scale)")
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
    fig, axes = plt.subplots(1, residuals.shape[1], figsize=(min(MAX_WIDTH_IN, 4.0 * residuals.shape[1]), 3.4))
    axes = np.atleast_1d(axes)
    for ax, column in zip(axes, residuals.columns):
        ax.plot(times, residuals[column], "o", color=OKABE_ITO["blue"], ms=5, alpha=0.8)
        smooth = lowess(residuals[column], times, frac=0.8)
        ax.plot(smooth[:, 0], smooth[:, 1], color=OKABE_ITO["vermillion"], lw=2)
        ax.axhline(fitter.params_[column], color="black", ls="--", lw=1)
        ax.set_xlabel("Months since diagnosis")
        ax.set_ylabel("Scaled Schoenfeld residual")
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
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.42 * (len(ids) + len(short)) + 1.8))
    y = 0
    for pid in short:
        t = os_.at[pid, "time"]
        ax.barh(y, t, color=OKABE_ITO["orange"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=MIN_TEXT_PT)
        y += 1
    for pid in ids:
        t, s = os_.at[pid, "time"], switch[pid]
        ax.barh(y, s, color="white", edgecolor=OKABE_ITO["blue"], hatch="///", height=0.6)
        ax.barh(y, t - s, left=s, color=OKABE_ITO["blue"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=MIN_TEXT_PT)
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


def km_vs_aj_plot(aj: pd.DataFrame, one_minus_km: pd.DataFrame, xmax: float = 210,
                  xlabel: str = "months from complete remission", ylabel: str = "probability of relapse",
                  competing: str = "competing deaths") -> plt.Figure:
    """Aalen–Johansen cumulative incidence against 1 − Kaplan–Meier (competing events censored)."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.step(one_minus_km["time"], one_minus_km["estimate"], where="post", color=OKABE_ITO["vermillion"], lw=2,
            ls="--", label=f"1 − Kaplan–Meier ({competing} censored)")
    aj = aj.sort_values("time")
    # Both curves run to the last follow-up (1 − KM's frame ends there; the CIF is flat after its last event).
    last = max(float(one_minus_km["time"].max()), float(aj["time"].max()))
    ax.step(np.append(aj["time"].to_numpy(), last), np.append(aj["estimate"].to_numpy(), aj["estimate"].iloc[-1]),
            where="post", color=OKABE_ITO["blue"], lw=2, label="Aalen–Johansen cumulative incidence")
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
