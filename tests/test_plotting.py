"""The house style of the figures: sizes, resolution, text legible at the book's column width,
risk tables that count what survminer / ggsurvfit count."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from mst_helpers.plotting import (DPI, GROUP_COLOURS, MAX_WIDTH_IN, MIN_TEXT_PT, TICK_PT, cif_figure,  # noqa: E402
                                  figure_png, figure_svg, forest_plot, km_figure, risk_table_counts,
                                  smallest_text_pt, swimmer_plot, tick_step, use_house_style)

from .conftest import ROOT  # noqa: E402

LABELS = {"60-70": "60–70 years", ">70": ">70 years"}


@pytest.fixture(scope="module")
def cohort():
    from mst_helpers.cohort import load_cohort

    use_house_style()
    return load_cohort(ROOT / "data" / "reconstructed")


def test_risk_table_counts_at_risk_and_censored_by_hand():
    # Five patients: events at 2 and 6, censored at 3, 6 and 9 months.
    time = pd.Series([2, 3, 6, 6, 9])
    event = pd.Series([1, 0, 1, 0, 0])
    # At 0: all 5 at risk, none censored. At 3: 4 at risk (time >= 3), 1 censored (at 3).
    # At 6: 3 at risk, 2 censored (3 and 6). At 9: 1 at risk, 3 censored.
    assert risk_table_counts(time, event, [0, 3, 6, 9]) == [(5, 0), (4, 1), (3, 2), (1, 3)]


@pytest.mark.parametrize("last, step", [(30, 6), (80, 12), (160, 24), (205, 36), (400, 60)])
def test_month_ticks_stay_between_four_and_eight(last, step):
    assert tick_step(last) == step
    assert len(range(0, int(last) + 1, step)) <= 8


def _png_info(png: bytes):
    image = Image.open(io.BytesIO(png))
    return image.size, image.info


def test_km_figure_meets_the_house_style(cohort):
    from mst_helpers import survival

    frames = {"A. Overall survival": survival.analysis_frame(cohort.patients, "os"),
              "B. Leukaemia-free survival": survival.analysis_frame(cohort.patients, "lfs")}
    fig = km_figure(frames, "age_group", LABELS, GROUP_COLOURS, {k: "log-rank p < 0.001" for k in frames},
                    {k: "Survival (%)" for k in frames})
    axes = fig.get_axes()
    curves, tables = axes[0::2], axes[1::2]
    # The axis ends at the last follow-up, not at a round number beyond it.
    for ax, frame in zip(curves, frames.values()):
        assert ax.get_xlim()[1] == pytest.approx(1.02 * frame["time"].max())
        assert ax.get_xticks().max() <= frame["time"].max()
        assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "25", "50", "75", "100"]
    # The risk table: one row per group, labelled on the first panel, "n (censored)" under each tick.
    labels = [t.get_text() for t in tables[0].get_yticklabels()]
    assert labels == ["60–70 years", ">70 years"]
    cells = [t.get_text() for t in tables[0].texts]
    assert cells[0] == "20 (0)" and ">70" not in "".join(cells)
    tick_pt, text_pt = smallest_text_pt(fig)
    assert tick_pt >= TICK_PT and text_pt >= MIN_TEXT_PT
    (width, _), info = _png_info(figure_png(fig))
    assert info["dpi"] == pytest.approx((DPI, DPI), abs=0.5)
    assert width <= (MAX_WIDTH_IN + 0.3) * DPI
    assert float(info["mst-tick-pt"]) == tick_pt
    plt.close(fig)


def _crossed(ax, artist) -> bool:
    from mst_helpers.plotting.survival_curves import _ink

    box = artist.get_window_extent(ax.figure.canvas.get_renderer())
    return any(path.intersects_bbox(box, filled=False) for path in _ink(ax))


def test_the_test_result_sits_where_no_curve_crosses_it(cohort):
    """The >70 group's survival falls to 0 within 15 months: the bottom-left corner, the usual place
    of the log-rank p, is crossed by its last drop, so the p moves to the next free corner."""
    from mst_helpers import survival
    from mst_helpers.plotting import place_clear_of_curves

    frames = {"A. Overall survival": survival.analysis_frame(cohort.patients, "os"),
              "B. Leukaemia-free survival": survival.analysis_frame(cohort.patients, "lfs")}
    fig = km_figure(frames, "age_group", LABELS, GROUP_COLOURS, {k: "log-rank p < 0.001" for k in frames},
                    {k: "Survival (%)" for k in frames})
    for ax in fig.get_axes()[0::2]:
        (label,) = [t for t in ax.texts if t.get_text() == "log-rank p < 0.001"]
        assert not _crossed(ax, label)
        assert label.get_position() == (0.97, 0.04) and label.get_ha() == "right"   # bottom right
        # The bottom-left corner is crossed indeed (what the placement avoided).
        probe = ax.text(0.03, 0.04, "log-rank p < 0.001", transform=ax.transAxes, ha="left", va="bottom",
                        bbox=dict(pad=1.5))
        assert _crossed(ax, probe)
        probe.remove()
    # A panel where no corner is free keeps the first choice.
    fig2, ax2 = plt.subplots(figsize=(3, 2))
    ax2.plot([0, 1], [0, 1]), ax2.plot([0, 1], [1, 0])
    ax2.plot([0, 1], [0.02, 0.02]), ax2.plot([0, 1], [0.98, 0.98])
    assert place_clear_of_curves(ax2, "p = 0.5").get_position() == (0.03, 0.04)
    plt.close(fig), plt.close(fig2)


def test_cif_figure_draws_every_curve_to_its_last_follow_up(cohort):
    from mst_helpers.endpoints import competing_events_from_diagnosis

    dx = competing_events_from_diagnosis(cohort.patients)
    panels = {"A. Relapse": dx, "B. NRM": dx}
    fig = cif_figure(panels, "age_group", {"A. Relapse": 1, "B. NRM": 2}, LABELS, GROUP_COLOURS,
                     {k: "Gray's test p = 0.12" for k in panels}, {k: "Cumulative incidence (%)" for k in panels})
    ax = fig.get_axes()[2]  # NRM panel
    ends = sorted(line.get_xdata()[-1] for line in ax.get_lines() if line.get_linewidth() == 2)
    expected = sorted(dx.groupby("age_group")["time"].max())
    assert ends == pytest.approx(expected)
    # Curves are drawn over the axis line, so a curve that stays at zero is still seen.
    assert all(not line.get_clip_on() and line.get_zorder() >= 3 for line in ax.get_lines() if line.get_linewidth() == 2)
    plt.close(fig)


def test_forest_plot_prints_formatted_p_values():
    table = pd.DataFrame({"label": ["age > 70", "donor age"], "hr": [4.84, 1.1], "lower": [1.35, 0.5],
                          "upper": [17.4, 2.4], "p": [0.00004, 0.76], "converged": [True, True]})
    fig = forest_plot({"Overall survival": table})
    texts = [t.get_text() for t in fig.get_axes()[0].texts]
    assert texts == ["4.84 (1.35–17.40), p < 0.001", "1.10 (0.50–2.40), p = 0.76"]
    assert fig.get_figwidth() <= MAX_WIDTH_IN
    plt.close(fig)


def test_swimmer_marks_gvhd_beside_the_id_and_consolidation_in_grey(cohort):
    fig = swimmer_plot(cohort.patients, cohort.courses)
    ax = fig.get_axes()[0]
    starred = [t.get_text() for t in ax.get_yticklabels() if "★" in t.get_text()]
    assert len(starred) == int(cohort.patients["gvhd"].sum())
    legend = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    drawn = {matplotlib.colors.to_hex(l.get_color()) for l in ax.get_lines() if l.get_marker() == "|"}
    assert matplotlib.colors.to_hex(legend["consolidation + infusion"].get_color()) in drawn
    plt.close(fig)


def test_svg_is_deterministic(cohort):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    assert figure_svg(fig) == figure_svg(fig)
    assert np.isfinite(smallest_text_pt(fig)[0])
    plt.close(fig)
