"""The whole computation: attainable ranges, witnesses written and checked, verdicts; and the
registry of sentences that call a printed test impossible."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..formatting import format_magnitude
from .orderings import Range, Space, logrank_from_blocks, logrank_range
from .search import search_range
from .spaces import PROTOCOL, RELAXED, STATISTICS, _cox_hr, base_slots, build_spaces, realise, statistic_function


def verdict(printed_matches: dict[str, bool], bound: Range | None, printed_value: float) -> str:
    """The verdict of one claim from its spaces (see the chapter for the wording).

    ``printed_matches``: space name -> whether a target-meeting witness there prints the paper's
    value. ``bound``: the exhaustive landmark range, if there is one.
    """
    if printed_matches.get("protocol"):
        return "attainable"
    if printed_matches.get("relaxed"):
        return "attainable only at the extreme"
    if bound is not None and bound.method == "exhaustive" and not (bound.minimum <= printed_value <= bound.maximum):
        return "unattainable"
    return "undetermined"


# ------------------------------------------------------------------------------ the whole computation
def _witness_value(kind: str, cohort) -> float:
    """The statistic recomputed from a written cohort, by the book's own chapter helpers."""
    from .. import competing, survival
    from ..endpoints import competing_events_from_cr

    p = cohort.patients
    if kind == "logrank_os":
        return survival.log_rank(survival.analysis_frame(p, "os"), "age_group").p_value
    if kind == "logrank_lfs":
        return survival.log_rank(survival.analysis_frame(p, "lfs"), "age_group").p_value
    if kind == "logrank_lfs_dx":
        frame = from_diagnosis_all_deaths(p)
        return survival.log_rank(frame.assign(event=(frame["event"] > 0).astype(int)), "age_group").p_value
    if kind == "cox_os":
        frame = survival.analysis_frame(p, "os")
        return _cox_hr(frame["time"].to_numpy(), frame["event"].to_numpy(), frame["age_over_70"].to_numpy())
    cause = 1 if "relapse" in kind else 2
    frame = competing_events_from_cr(p) if kind.endswith("_cr") else from_diagnosis_all_deaths(p)
    return competing.gray_test(frame["time"], frame["event"], frame["age_group"], cause).p_value


def framework_label(claim_id: str, framework: str) -> str:
    """How a page names the framework a range of ``claim_id`` was computed in. Relapse and NRM from
    diagnosis count every death without relapse as competing (:func:`from_diagnosis_all_deaths`),
    not chapter 8's framework that sets deaths without remission apart: the label says so."""
    if framework == "from_cr":
        return "from CR"
    if framework == "from_diagnosis" and any(part in claim_id for part in (".relapse.", ".nrm.")):
        return "from diagnosis, all deaths competing"
    return framework.replace("_", " ")


def from_diagnosis_all_deaths(patients: pd.DataFrame) -> pd.DataFrame:
    """All patients from diagnosis: 1 relapse, 2 death without relapse (any cause, CR or not)."""
    from ..endpoints import months_between

    relapsed = patients["relapse"] == 1
    died = patients["death"] == 1
    end = patients["relapse_date"].where(relapsed, patients["death_date"].where(died, patients["last_contact_date"]))
    event = np.select([relapsed, died], [1, 2], 0)
    return pd.DataFrame({"patient_id": patients["patient_id"], "age_group": patients["age_group"],
                         "time": months_between(patients["diagnosis_date"], end), "event": event})


def _needs(timing: dict, space: Space | None = None, blocks=()) -> str:
    """What a witness asks beyond the protocol's timing, and which of its events share a day, in words."""
    delays = [v["chemo_offset"] for v in timing.values() if "chemo_offset" in v]
    gaps = [v["consolidation_gap"] for v in timing.values() if "consolidation_gap" in v]
    parts = []
    if delays and max(delays) > PROTOCOL.max_chemo_delay:
        parts.append(f"chemotherapy starting up to {int(max(delays))} days after diagnosis "
                     f"(the protocol treats within {PROTOCOL.max_chemo_delay})")
    if gaps and min(gaps) < PROTOCOL.min_consolidation_gap:
        parts.append(f"consolidation courses {int(min(gaps))} days apart (the protocol: about three months)")
    text = "; ".join(parts) if parts else "no timing beyond the protocol"
    tied = [b for b in blocks if sum(b) > 1]
    if space is not None and tied:
        mixed = sum(len({c.group for c, k in zip(space.classes, b) if k}) > 1 for b in tied)
        text += (f", and {len(tied)} day(s) on which two or more of the compared events coincide"
                 + (f" ({mixed} of them across the two groups)" if mixed else " (each within one group)"))
    return text


def run(claims: pd.DataFrame, out_dir, seed_values: pd.DataFrame | None = None, restarts: int = 16,
        steps: int = 120) -> tuple[dict[str, float | str], pd.DataFrame]:
    """Attainable ranges, witnesses and verdicts for every statistic of :data:`STATISTICS`.

    Writes each witness cohort under ``out_dir/<claim_id>/<framework>/<end>/`` (``min``, ``max``
    and, when reached, ``printed``), reads it back through the cohort schema and stops with
    ``RuntimeError`` if it misses a reconstruction target. ``seed_values``: the reconstruction
    seeds' values (columns named as :data:`SEED_COLUMNS`); a seed beyond a searched end widens
    the range and is named as its witness.

    Returns the flat results (keys ``attainable.<claim>.<framework>.*``) and one summary row per
    statistic.
    """
    from pathlib import Path

    from ..cohort import load_cohort
    from ..pvalues import matches_printed
    from ..reconstruct import write_cohort
    from ..targets import unmet_targets

    slots = base_slots()
    printed = claims.set_index("id")["printed"]
    results: dict[str, float | str] = {}
    rows = []
    for key, (claim_id, framework, kind) in STATISTICS.items():
        spaces = build_spaces(kind, slots)
        target = float(str(printed[claim_id]).lstrip("<")) if claim_id in printed.index else None
        targets = [target] if target else []
        ranges = {}
        for name, space in spaces.items():
            if kind.startswith("logrank"):
                exact = logrank_range(space, targets)
                ranges[name] = _with_ties(space, exact, targets, restarts, steps, seed=len(rows))
                results[f"attainable.{claim_id}.{framework}.{name}.tie_free.min"] = exact.minimum
                results[f"attainable.{claim_id}.{framework}.{name}.tie_free.max"] = exact.maximum
            elif name != "landmark":
                f = statistic_function(kind, space, slots)
                # The Cox fit costs ~15 ms an ordering (Gray ~0.1 ms): a smaller search budget.
                budget = (restarts, steps) if kind != "cox_os" else (4, 25)
                ranges[name] = search_range(space, f, targets, restarts=budget[0], steps=budget[1], seed=len(rows))
        stem = f"attainable.{claim_id}.{framework}"
        matches: dict[str, bool] = {}
        witness_values: dict[str, float] = {}
        for name in ("relaxed", "protocol"):
            r = ranges[name]
            rules = RELAXED if name == "relaxed" else PROTOCOL
            ends = {"min": r.argmin, "max": r.argmax}
            if target and target in r.near:
                ends["printed"] = r.near[target][1]
            for end, blocks in ends.items():
                cohort, timing = realise(spaces[name], blocks, kind, slots, rules)
                folder = Path(out_dir) / claim_id / framework / name / end
                write_cohort(cohort, folder)
                reread = load_cohort(folder)
                missed = unmet_targets(claims, reread)
                if missed:
                    raise RuntimeError(f"witness {folder} misses target(s) {missed}")
                value = _witness_value(kind, reread)
                witness_values[f"{name}.{end}"] = value
                results[f"{stem}.{name}.witness.{end}"] = value
                if end == "printed":
                    matches[name] = bool(matches_printed(value, str(printed[claim_id])))
                    if matches[name]:
                        results[f"{stem}.{name}.needs"] = _needs(timing, spaces[name], blocks)
        lo, hi = ranges["relaxed"].minimum, ranges["relaxed"].maximum
        method = ranges["relaxed"].method
        # The spaces are nested: a cohort under the protocol's timing is one under the loosest timing
        # too, so an end the protocol's search reached beyond the relaxed search's is attainable.
        protocol = ranges["protocol"]
        if protocol.minimum < lo:
            lo, method = protocol.minimum, method + " + protocol search"
            results[f"{stem}.min.witness"] = "the protocol-timing witness"
        if protocol.maximum > hi:
            hi, method = protocol.maximum, method + " + protocol search"
            results[f"{stem}.max.witness"] = "the protocol-timing witness"
        column = SEED_COLUMNS.get(key)
        if seed_values is not None and column in seed_values:
            values = seed_values.dropna(subset=[column])
            if len(values):
                low, high = values.loc[values[column].idxmin()], values.loc[values[column].idxmax()]
                results[f"{stem}.seeds.min"], results[f"{stem}.seeds.max"] = float(low[column]), float(high[column])
                # A seed beyond a searched end is a target-meeting cohort too: it becomes that end's witness.
                if low[column] < lo:
                    lo, method = float(low[column]), method + " + seeds"
                    results[f"{stem}.min.witness"] = f"reconstruction seed {int(low['seed'])}"
                if high[column] > hi:
                    hi, method = float(high[column]), method + " + seeds"
                    results[f"{stem}.max.witness"] = f"reconstruction seed {int(high['seed'])}"
        results[f"{stem}.min"], results[f"{stem}.max"], results[f"{stem}.method"] = lo, hi, method
        for name, r in ranges.items():
            results[f"{stem}.{name}.min"], results[f"{stem}.{name}.max"] = r.minimum, r.maximum
            results[f"{stem}.{name}.method"] = r.method
            results[f"{stem}.{name}.orderings"] = r.orderings
        v = verdict(matches, ranges.get("landmark"), target) if target else "no printed value"
        if target and claim_id.startswith("abs."):
            results[f"attainable.{claim_id}.verdict"] = _combine(results.get(f"attainable.{claim_id}.verdict"), v)
        results[f"{stem}.verdict"] = v
        if target:
            results[f"{stem}.sentence"] = describe(results, claim_id, framework, str(printed[claim_id]))
        rows.append({"statistic": key, "claim": claim_id, "framework": framework, "printed": printed.get(claim_id, ""),
                     "min": lo, "max": hi, "method": method, "protocol_min": ranges["protocol"].minimum,
                     "protocol_max": ranges["protocol"].maximum, "verdict": v})
    if seed_values is not None:
        for claim_id, column in (("abs.courses.os.p", "logrank_os_courses"), ("abs.courses.lfs.p", "logrank_lfs_courses")):
            _seed_range(results, rows, claims, claim_id, column, seed_values, out_dir)
    return results, pd.DataFrame(rows)


def _seed_range(results, rows, claims, claim_id, column, seed_values, out_dir) -> None:
    """A comparison the order model does not cover (groups cut across age): the range over the
    reconstruction seeds, whose extreme seeds are written and checked as witnesses."""
    from pathlib import Path

    from ..cohort import load_cohort
    from ..pvalues import matches_printed
    from ..reconstruct import reconstruct, write_cohort
    from ..targets import unmet_targets

    printed = str(claims.set_index("id").at[claim_id, "printed"])
    values = seed_values.set_index("seed")[column].dropna()
    stem = f"attainable.{claim_id}.from_diagnosis"
    for end, seed in (("min", int(values.idxmin())), ("max", int(values.idxmax()))):
        folder = Path(out_dir) / claim_id / "from_diagnosis" / "seeds" / end
        write_cohort(reconstruct(seed), folder)
        missed = unmet_targets(claims, load_cohort(folder))
        if missed:
            raise RuntimeError(f"witness {folder} misses target(s) {missed}")
        results[f"{stem}.seeds.witness.{end}"] = seed
    share = float(np.mean([matches_printed(v, printed) for v in values]))
    v = "attainable" if share > 0 else "undetermined"
    results[f"{stem}.min"], results[f"{stem}.max"] = float(values.min()), float(values.max())
    results[f"{stem}.method"] = "search"
    results[f"{stem}.verdict"] = results[f"attainable.{claim_id}.verdict"] = v
    rows.append({"statistic": claim_id, "claim": claim_id, "framework": "from_diagnosis", "printed": printed,
                 "min": float(values.min()), "max": float(values.max()), "method": "search (reconstruction seeds)",
                 "protocol_min": float(values.min()), "protocol_max": float(values.max()), "verdict": v})


_ORDER = ["attainable", "attainable only at the extreme", "undetermined", "unattainable"]


def _combine(previous: str | None, new: str) -> str:
    """A claim's verdict over its frameworks: the most favourable one (the paper names one framework)."""
    if previous is None:
        return new
    return min(previous, new, key=_ORDER.index)


#: Statistic key -> column of the reconstruction-uncertainty table holding the seeds' values.
SEED_COLUMNS = {
    "abs.os.p": "logrank_os_age", "abs.lfs.p": "logrank_lfs_age",
    "abs.relapse.p@from_cr": "gray_relapse_cr", "abs.relapse.p@from_diagnosis": "gray_relapse_dx_all",
    "abs.nrm.p@from_cr": "gray_nrm_cr", "abs.nrm.p@from_diagnosis": "gray_nrm_dx_all", "cox.os.age.hr": "cox_os_age_hr",
}


#: Phrases that claim a printed test result cannot be produced.
_IMPOSSIBLE = r"(cannot (give|produce|reach|come)|no (such )?cohort|whatever the (individual )?times|impossible|in every cohort|not consistent with)"
#: Words that tie such a sentence to a printed test (claim id by keyword).
_TESTS = {"abs.os.p": r"\b(OS|overall survival)\b", "abs.lfs.p": r"\bLFS\b", "abs.relapse.p": r"\brelapse\b",
          "abs.nrm.p": r"\bNRM\b"}


def impossibility_sentences(html: str) -> list[tuple[str, str | None]]:
    """Sentences of a page (HTML or text) that say a printed *test* result is impossible, each with
    the claim id it concerns (None when no test is named). Arithmetic impossibilities (GRIM,
    sums) are not test results and are not matched: the sentence must mention a p-value or test."""
    import re

    # Scripts and styles are no reader text (an interactive table's rows arrive as JSON in a script
    # and are rendered cell by cell); block elements end a sentence: a table row is not one.
    html = re.sub(r"<(script|style)\b[^>]*>.*?</\1\s*>", "\n", html, flags=re.I | re.S)
    text = re.sub(r"</?(p|td|th|tr|li|div|h[1-6]|caption|dd|dt)\b[^>]*>", "\n", html, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        if not re.search(_IMPOSSIBLE, sentence, re.I):
            continue
        if not re.search(r"(p-value|\bp\s*[=<]|log-rank|Gray)", sentence):
            continue
        claim = next((c for c, pattern in _TESTS.items() if re.search(pattern, sentence)), None)
        out.append((sentence.strip(), claim))
    return out


def _with_ties(space: Space, exact: Range, targets, restarts: int, steps: int, seed: int) -> Range:
    """The exhaustive tie-free range widened by a seeded search over orderings *with* ties.

    Enumerating ties exhaustively costs minutes on the cohort (every sub-multiset of the events
    left is a possible block); the search starts from the exact ends and merges or splits ties.
    An end the search moves is a search bound, and the method says so.
    """
    starts = [exact.argmin, exact.argmax, *(blocks for _, blocks in exact.near.values())]
    tied = search_range(space, lambda blocks: logrank_from_blocks(space, blocks), targets, seeds=starts,
                        restarts=restarts, steps=steps, seed=seed)
    lo = (tied.minimum, tied.argmin) if tied.minimum < exact.minimum else (exact.minimum, exact.argmin)
    hi = (tied.maximum, tied.argmax) if tied.maximum > exact.maximum else (exact.maximum, exact.argmax)
    near = {}
    for t in targets:
        options = [r.near[t] for r in (exact, tied) if t in r.near]
        near[t] = min(options, key=lambda o: abs(math.log(max(o[0], 1e-300)) - math.log(t)))
    widened = tied.minimum < exact.minimum or tied.maximum > exact.maximum
    method = "exhaustive without ties + search with ties" if widened else exact.method
    return Range(space.name, lo[0], hi[0], method, lo[1], hi[1], exact.orderings, near)


def format_range(low: float, high: float, floor: float = 1e-12, sep: str = " – ") -> str:
    """A p-value range for a table: two significant digits, ends below ``floor`` shown as ``< floor``
    (Gray's variance degenerates at extreme orderings, where p underflows towards 0)."""
    def end(x: float) -> str:
        return f"< {format_magnitude(floor)}" if x < floor else format_magnitude(x)
    return f"{end(low)}{sep}{end(high)}"


def _span(results: dict, stem: str) -> str:
    return format_range(results[stem + ".min"], results[stem + ".max"], sep="–")


def _tie_free(results: dict, stem: str) -> str:
    if f"{stem}.protocol.tie_free.max" not in results:
        return ""
    return (f"; without tied days the exact range under the protocol's timing is "
            f"{_span(results, stem + '.protocol.tie_free')}")


def describe(results: dict, claim_id: str, framework: str, printed: str) -> str:
    """One sentence per claim and framework saying what the computed ranges and witnesses show.

    Written from the results only, so it follows whatever verdict the computation reaches.
    """
    stem = f"attainable.{claim_id}.{framework}"
    v = results[f"{stem}.verdict"]
    method = results[f"{stem}.method"]
    if v == "attainable":
        return (f"a cohort under the protocol's timing gives p = {results[f'{stem}.protocol.witness.printed']:.4f}, "
                f"which prints as {printed}; it needs {results[f'{stem}.protocol.needs']}. Over every cohort "
                f"searched the p ranges over {_span(results, stem)} ({method})" + _tie_free(results, stem))
    if v == "attainable only at the extreme":
        return (f"only a cohort with the loosest timing prints {printed} "
                f"(p = {results[f'{stem}.relaxed.witness.printed']:.4f}); it needs {results[f'{stem}.relaxed.needs']}. "
                f"Under the protocol's timing the p stays within {_span(results, stem + '.protocol')} "
                f"({results[f'{stem}.protocol.method']})" + _tie_free(results, stem))
    if v == "unattainable":
        return (f"p = {printed} lies outside {_span(results, stem + '.landmark')}, the exact range over every "
                f"ordering the printed counts allow: no cohort that meets them gives it")
    landmark = f"{stem}.landmark.min" in results
    text = (f"none of the cohorts searched prints {printed}: realisable cohorts reach {_span(results, stem)} ({method})")
    if landmark:
        text += (f", but the landmark space, which frees what the data model fixes, reaches "
                 f"{_span(results, stem + '.landmark')} ({results[f'{stem}.landmark.method']}), so the printed "
                 f"value is neither reached nor excluded")
        bound = results.get(f"{stem}.landmark.tie_free.max")
        value = float(printed.lstrip("<"))
        if bound is not None and bound < value:
            text += (f". Without tied days it is excluded: the exact maximum over every tie-free ordering of the "
                     f"landmark space is {bound:.2g}, so only ties — beyond any the search found — could give it")
    else:
        text += "; a search range neither reaches nor excludes the printed value"
    return text
