"""Tables for the book: DataFrames rendered as numbered, captioned MyST tables.

A code cell that displays :func:`numbered_table` produces Markdown that myst-nb parses as
MyST (``nb_render_markdown_format: myst``), so the table gets a number, a caption and a
label that prose can reference with ``{numref}``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .formatting import format_bool, format_number

__all__ = ["markdown_table", "numbered_table", "plain_table", "use_plain_tables"]


def _cell(value: object) -> str:
    """One table cell, formatted as the book formats every number (:mod:`.formatting`):
    booleans as ✓ / ✗, numbers without computer notation, missing values as a dash."""
    if isinstance(value, (bool, np.bool_)):
        text = format_bool(bool(value))
    elif isinstance(value, (float, np.floating)):
        text = format_number(float(value))
    else:
        text = "" if value is None else str(value)
    # Keep Markdown table syntax intact.
    return text.replace("|", "\\|").replace("\n", " ")


#: A text this long, repeated in this many cells, becomes a note under the table.
NOTE_MIN_CHARS, NOTE_MIN_REPEATS = 60, 3


def _notes(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Replace long texts repeated in several cells by "note a", "note b"…, returning the notes."""
    counts = pd.Series([v for v in frame.to_numpy().ravel() if isinstance(v, str) and len(v) >= NOTE_MIN_CHARS]).value_counts()
    repeated = [text for text, n in counts.items() if n >= NOTE_MIN_REPEATS]
    if not repeated:
        return frame, []
    letters = {text: "abcdefghijklmnopqrstuvwxyz"[i] for i, text in enumerate(repeated[:26])}
    shown = frame.apply(lambda column: column.map(lambda v: f"see note {letters[v]}" if isinstance(v, str) and v in letters else v))
    return shown, [f"{letter}. {text}" for text, letter in letters.items()]


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (index dropped)."""
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


#: Set by :func:`use_plain_tables`: a chapter run outside the book shows pipe tables, not MyST directives.
_PLAIN = {"on": False}


def use_plain_tables(on: bool = True) -> None:
    """Make :func:`numbered_table` return :func:`plain_table` output for the rest of the session
    (a chapter's own-data edition, read in plain Jupyter, where ``{table}`` directives show raw)."""
    _PLAIN["on"] = bool(on)


def numbered_table(frame: pd.DataFrame, caption: str, name: str):
    """Display ``frame`` as a numbered MyST table with ``caption`` and label ``name``.

    Returns an ``IPython.display.Markdown`` object (display it as a cell's last value).
    """
    from IPython.display import Markdown

    if not name.replace("-", "").isalnum():
        raise ValueError(f"a table label holds letters, digits and dashes, not {name!r}")
    if _PLAIN["on"]:
        return plain_table(frame, caption)
    frame, notes = _notes(frame)
    return Markdown(_with_notes(f"```{{table}} {caption}\n:name: {name}\n\n{markdown_table(frame)}\n```\n", notes))


def plain_table(frame: pd.DataFrame, caption: str):
    """``frame`` under a bold caption as a Markdown pipe table: what plain Jupyter renders, for a
    chapter run on a reader's cohort outside the book (no MyST ``{table}`` directive)."""
    from IPython.display import Markdown

    frame, notes = _notes(frame)
    return Markdown(_with_notes(f"**{caption}**\n\n{markdown_table(frame)}\n", notes))


def _with_notes(text: str, notes: list[str]) -> str:
    """A table's text followed by its notes, one bullet each."""
    return text + ("\n" + "\n".join(f"- Note {note}" for note in notes) + "\n" if notes else "")


# --------------------------------------------------------------------------- Tables 1 and 2
from dataclasses import dataclass  # noqa: E402

from scipy import stats  # noqa: E402

from .pvalues import fisher_exact_rxc, pearson_chi_square  # noqa: E402

GROUP_ORDER = ("all", "60-70", ">70")


@dataclass(frozen=True)
class RowSpec:
    """One block of a clinical table: a variable, its levels (claim stems) and its tests."""

    variable: str
    p_id: str | None
    levels: tuple[tuple[str, str], ...] = ()   # (level label, claim stem without .group.n)
    kind: str = "categorical"                  # categorical | mean_sd | median_q | median_range | median_minmax
    column: str | None = None                  # patient column for continuous rows
    test: str = "Fisher exact"                 # the authors' test (audit chapter)
    alternative: str = "Pearson chi-square"


TABLE1 = (
    RowSpec("Patient sex", "t1.patient_sex.p", (("Male", "t1.patient_sex.male"), ("Female", "t1.patient_sex.female"))),
    RowSpec("Donor sex", "t1.donor_sex.p", (("Male", "t1.donor_sex.male"), ("Female", "t1.donor_sex.female"))),
    RowSpec("Donor age (years), mean ± SD", "t1.donor_age.p", kind="mean_sd", column="donor_age",
            test="Student t", alternative="Welch t"),
    RowSpec("Year of diagnosis, median (range)", "t1.diagnosis_year.p", kind="median_minmax", column="diagnosis_year",
            test="Mann–Whitney", alternative="Student t"),
    RowSpec("Donor/patient sex", "t1.sex_match.p", (("Female to female", "t1.sex_match.f_to_f"), ("Female to male", "t1.sex_match.f_to_m"),
            ("Male to female", "t1.sex_match.m_to_f"), ("Male to male", "t1.sex_match.m_to_m")), test="Pearson chi-square", alternative="Fisher exact"),
    RowSpec("Relation to donor", "t1.relation.p", (("Unrelated", "t1.relation.unrelated"), ("Related", "t1.relation.related"))),
    RowSpec("HLA-mismatched loci", "t1.hla.p", (("5/10", "t1.hla.5of10"), ("6/10", "t1.hla.6of10"))),
    RowSpec("Courses of MST", "t1.courses.p", ((">3", "t1.courses.gt3"), ("1–3", "t1.courses.1to3"))),
)

TABLE2 = (
    RowSpec("MNC × 10⁸/kg, M (Q1, Q3)", "t2.mnc.p", kind="median_q", column="mnc_1e8_per_kg", test="Mann–Whitney", alternative="Student t"),
    RowSpec("CD34⁺ × 10⁶/kg, M (range)", "t2.cd34.p", kind="median_range", column="cd34_1e6_per_kg", test="Mann–Whitney", alternative="Student t"),
    RowSpec("CD3⁺ × 10⁸/kg, M (Q1, Q3)", "t2.cd3.p", kind="median_q", column="cd3_1e8_per_kg", test="Mann–Whitney", alternative="Student t"),
    RowSpec("Overall CR", "t2.cr.p", (("CR", "t2.cr"),)),
    RowSpec("Total deaths", "t2.death.p", (("Deaths", "t2.death"),)),
    RowSpec("Early deaths (≤ 4 weeks)", "t2.early_death.p", (("Early deaths", "t2.early_death"),)),
    RowSpec("Causes of death", "t2.death_cause.p", (("Relapse", "t2.death_cause.relapse"), ("Severe infection", "t2.death_cause.infection"),
            ("Organ failure", "t2.death_cause.organ_failure")), test="Pearson chi-square", alternative="Fisher exact"),
    RowSpec("Alive at 1, 3, 5 years (OS)", "t2.os.p", (("1-year OS", "t2.os.1y"), ("3-year OS", "t2.os.3y"), ("5-year OS", "t2.os.5y")),
            test="Pearson chi-square", alternative="Fisher exact"),
    RowSpec("Leukaemia-free at 1, 3, 5 years (LFS)", "t2.lfs.p", (("1-year LFS", "t2.lfs.1y"), ("3-year LFS", "t2.lfs.3y"), ("5-year LFS", "t2.lfs.5y")),
            test="Pearson chi-square", alternative="Fisher exact"),
)


def _continuous_test(name: str, a: np.ndarray, b: np.ndarray) -> float:
    if name == "Student t":
        return float(stats.ttest_ind(a, b, equal_var=True).pvalue)
    if name == "Welch t":
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    if name == "Mann–Whitney":
        # SPSS's asymptotic significance: normal approximation with tie correction, no continuity correction.
        return float(stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=False).pvalue)
    raise ValueError(f"unknown test {name!r}")


def _categorical_test(name: str, table: np.ndarray) -> float:
    if name == "Fisher exact":
        return fisher_exact_rxc(table).p_value
    if name == "Pearson chi-square":
        return pearson_chi_square(table).p_value
    raise ValueError(f"unknown test {name!r}")


def clinical_table(specs, recomputed: dict[str, float], patients: pd.DataFrame) -> pd.DataFrame:
    """A long table: one row per (variable, level) with each group's recomputed cell, its claim
    ids, and the p-value by the authors' test and by the alternative.

    Categorical counts come from ``recomputed`` (see :func:`mst_helpers.targets.recompute_claims`);
    a single-level variable is tested as yes/no against the group size.
    """
    p = patients.assign(diagnosis_year=pd.to_datetime(patients["diagnosis_date"]).dt.year)
    young, old = p[p["age_group"] == "60-70"], p[p["age_group"] == ">70"]
    rows = []
    for spec in specs:
        if spec.kind == "categorical":
            counts = np.array([[recomputed[f"{stem}.{g}.n"] for g in ("60-70", ">70")] for _, stem in spec.levels], dtype=int)
            if len(spec.levels) == 1:
                counts = np.vstack([counts, [len(young) - counts[0, 0], len(old) - counts[0, 1]]])
            p_main, p_alt = _categorical_test(spec.test, counts), _categorical_test(spec.alternative, counts)
            for i, (label, stem) in enumerate(spec.levels):
                cells = {g: f"{int(recomputed[f'{stem}.{g}.n'])} ({recomputed[f'{stem}.{g}.pct']:.2f})" for g in GROUP_ORDER}
                ids = {g: f"{stem}.{g}" for g in GROUP_ORDER}
                rows.append({"variable": spec.variable, "level": label, **cells, **{f"id_{g}": ids[g] for g in GROUP_ORDER},
                             "p": p_main if i == 0 else np.nan, "test": spec.test if i == 0 else "",
                             "p_alternative": p_alt if i == 0 else np.nan, "alternative": spec.alternative if i == 0 else "",
                             "p_id": spec.p_id if i == 0 else ""})
            continue
        a, b = young[spec.column].to_numpy(float), old[spec.column].to_numpy(float)
        cells, ids = {}, {}
        for g, values in (("all", p[spec.column].to_numpy(float)), ("60-70", a), (">70", b)):
            if spec.kind == "mean_sd":
                cells[g] = f"{values.mean():.2f} ± {values.std(ddof=1):.2f}"
            else:
                q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75], method="weibull")
                if spec.kind == "median_q":
                    cells[g] = f"{med:.2f} ({q1:.2f}, {q3:.2f})"
                elif spec.kind == "median_range":
                    cells[g] = f"{med:.2f} ({values.min():.2f}–{values.max():.2f})"
                else:
                    cells[g] = f"{med:.0f} ({values.min():.0f}–{values.max():.0f})"
            stem = spec.p_id.rsplit(".", 1)[0]
            ids[g] = f"{stem}.{g}"
        rows.append({"variable": spec.variable, "level": "", **cells, **{f"id_{g}": ids[g] for g in GROUP_ORDER},
                     "p": _continuous_test(spec.test, a, b), "test": spec.test,
                     "p_alternative": _continuous_test(spec.alternative, a, b), "alternative": spec.alternative, "p_id": spec.p_id})
    return pd.DataFrame(rows)


def printed_cell(claims: pd.DataFrame, id_stem: str, kind: str) -> str:
    """The paper's printed cell for a table row and group, rebuilt from the registry."""
    c = claims.set_index("id")["printed"]
    if kind == "categorical":
        return f"{c.get(id_stem + '.n', '?')} ({c.get(id_stem + '.pct', '?')})"
    if kind == "mean_sd":
        return f"{c[id_stem + '.mean']} ± {c[id_stem + '.sd']}"
    if kind == "median_minmax":
        return f"{c[id_stem + '.median']} ({c[id_stem + '.min']}–{c[id_stem + '.max']})"
    sep = "–" if kind == "median_range" else ", "
    return f"{c[id_stem + '.median']} ({c[id_stem + '.q1']}{sep}{c[id_stem + '.q3']})"


def side_by_side(table: pd.DataFrame, specs, claims: pd.DataFrame) -> pd.DataFrame:
    """Display form: each recomputed cell, followed by the printed one in brackets where they differ.

    A cell that differs from the paper is shown in bold with the printed value after it, so the
    differences stand out; a p-value column shows the recomputed p (authors' test), the printed
    p, and the alternative test's p.
    """
    kinds = {spec.variable: spec.kind for spec in specs}
    printed_p = claims.set_index("id")["printed"]
    out = []
    previous = None
    for _, row in table.iterrows():
        # A variable's name is shown once, on its first level.
        shown = {"variable": row["variable"] if row["variable"] != previous else "", "level": row["level"]}
        previous = row["variable"]
        for g in GROUP_ORDER:
            printed = printed_cell(claims, row[f"id_{g}"], kinds[row["variable"]])
            mine = row[g]
            same = _same_cell(mine, printed)
            shown[g] = mine if same else f"**{mine}** (paper: {printed})"
        if row["p_id"]:
            paper_p = printed_p.get(row["p_id"], "")
            shown["p (test)"] = f"{_fmt_p(row['p'])} ({row['test']})"
            shown["paper p"] = paper_p
            shown["p (alternative)"] = f"{_fmt_p(row['p_alternative'])} ({row['alternative']})"
        else:
            shown["p (test)"] = shown["paper p"] = shown["p (alternative)"] = ""
        out.append(shown)
    return pd.DataFrame(out)


def _numbers(text: str) -> list[float]:
    import re

    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]


def _same_cell(mine: str, printed: str) -> bool:
    a, b = _numbers(mine), _numbers(printed)
    if len(a) != len(b):
        return False
    for x, (y, text) in zip(a, zip(b, printed.replace("(", " ").replace(")", " ").replace(",", " ").replace("±", " ").replace("–", " ").split())):
        decimals = len(text.split(".")[1]) if "." in text else 0
        if abs(round(x, decimals) - y) > 0.5 * 10 ** (-decimals) + 1e-9:
            return False
    return True


def _fmt_p(p: float) -> str:
    if p != p:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


AE_LABELS = {"ae_cardiac_failure": "Cardiac failure", "ae_arrhythmia": "Arrhythmia", "ae_liver_enzymes": "Elevated liver enzymes",
             "ae_nausea": "Nausea", "ae_vomiting": "Vomiting", "ae_diarrhea": "Diarrhoea", "ae_sepsis": "Sepsis"}


def adverse_event_summary(patients: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Adverse events by group: count, n, percent with exact CI, and Fisher's p between groups.

    One row per (event, group) with groups ``all``, ``60-70`` and ``>70``; ``p_fisher`` is
    repeated on each row of an event.
    """
    from .proportions import clopper_pearson

    rows = []
    for column, label in AE_LABELS.items():
        if column not in patients.columns:
            raise ValueError(f"patients table lacks adverse-event column {column!r}")
        young = patients.loc[patients["age_group"] == "60-70", column]
        old = patients.loc[patients["age_group"] == ">70", column]
        table = np.array([[young.sum(), old.sum()], [len(young) - young.sum(), len(old) - old.sum()]], dtype=int)
        p = fisher_exact_rxc(table).p_value
        for group, values in (("all", patients[column]), ("60-70", young), (">70", old)):
            ci = clopper_pearson(int(values.sum()), len(values), level)
            rows.append({"event": label, "column": column, "group": group, "k": ci.k, "n": ci.n, "pct": 100 * ci.estimate,
                         "lower": 100 * ci.lower, "upper": 100 * ci.upper, "p_fisher": p})
    return pd.DataFrame(rows)


def regenerate_table(specs, cohort, claims: pd.DataFrame):
    """Recompute a paper table from a cohort and check its p-values against the printed ones.

    Returns ``(recomputed, table, shown, tested)``: every recomputed claim value, the long table
    of :func:`clinical_table`, its display form (:func:`side_by_side`), and one row per p-value
    with the printed value (``paper``) and whether the authors' test reproduces it (``reproduced``).
    """
    from .pvalues import matches_printed
    from .targets import recompute_claims

    recomputed = recompute_claims(cohort.patients, cohort.courses, cohort.chimerism, cohort.labs)
    table = clinical_table(specs, recomputed, cohort.patients)
    shown = side_by_side(table, specs, claims)
    tested = table[table["p_id"] != ""].copy()
    tested["paper"] = tested["p_id"].map(claims.set_index("id")["printed"])
    tested["reproduced"] = [matches_printed(p, printed) for p, printed in zip(tested["p"], tested["paper"])]
    # A rank test needs every value; the paper prints only medians, quartiles or ranges, so the
    # reconstruction had to invent the rest and its p-value is no check of the printed one.
    kinds = {spec.p_id: spec.kind for spec in specs if spec.p_id}
    tested["needs_values"] = tested["p_id"].map(kinds).isin(["median_q", "median_range", "median_minmax"])
    return recomputed, table, shown, tested
