"""The teaching map: which chapter teaches what, and every exercise in the book, read from the
chapters' sources (so the list can never drift from the book)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["exercises", "CONCEPTS", "CONCEPT_PRACTICE", "DATASETS", "COURSE", "Session", "Block", "Question",
           "session_plan", "check_markdown", "concept_map"]

#: Concept -> chapters (notebook stems) that teach it.
CONCEPTS = {
    "Exact tests (Fisher, chi-square, Yates) and GRIM arithmetic": ["01_audit", "03_cohort"],
    "Reconstructing data from published aggregates": ["02_data", "10_uncertainty"],
    "Exact confidence intervals, rule of three": ["04_response", "05_chimerism"],
    "Kaplan–Meier estimator and censoring": ["06_survival", "14_lab_km"],
    "Log-rank test": ["06_survival", "14_lab_km"],
    "Cox models and proportional-hazards checks": ["06_survival", "14_lab_km"],
    "Immortal-time bias: landmarks, time-dependent Cox, Mantel–Byar": ["07_immortal", "15_lab_immortal"],
    "Competing risks: Aalen–Johansen, Gray's test, Fine–Gray": ["08_competing", "16_lab_competing"],
    "Differential expression (negative binomial, shrinkage, FDR) and pathway enrichment": ["09_transcriptomics"],
    "Judging a paper: scorecards and reconstruction uncertainty": ["10_uncertainty", "11_scorecard"],
}

_EXERCISE = re.compile(r"^#\s*```\{exercise\}\s*(?P<title>.+?)\s*$\n^#\s*:label:\s*(?P<label>\S+)", re.M)


def exercises(notebook_dir: str | Path) -> pd.DataFrame:
    """Every ``{exercise}`` directive in ``notebooks/*.py``: chapter, label, title."""
    rows = []
    for path in sorted(Path(notebook_dir).glob("*.py")):
        for match in _EXERCISE.finditer(path.read_text(encoding="utf-8")):
            rows.append({"chapter": path.stem, "label": match["label"], "title": match["title"]})
    return pd.DataFrame(rows, columns=["chapter", "label", "title"])


#: Concept -> the datasets a student meets it on (the book's own, or a lab's real public data).
DATASETS = {
    "reconstructed": "the reconstructed MST cohort (29 synthetic patients)",
    "leukemia": "Freireich's 6-MP trial (42 children; lifelines)",
    "stanford": "the Stanford heart-transplant programme (103 patients; lifelines)",
    "bmt": "Scrucca et al.'s transplant data (35 patients; scikit-survival)",
    "simulated": "a simulation with a seed parameter",
    "counts": "simulated RNA-seq counts with the paper's design",
    "published": "the paper's printed numbers",
}

#: Concept -> (exercise labels, dataset keys): which exercises practise it, on which data.
CONCEPT_PRACTICE = {
    "Exact tests (Fisher, chi-square, Yates) and GRIM arithmetic": (["ex-audit-grim", "ex-audit-fisher", "ex-cohort-test"], ["published", "reconstructed"]),
    "Reconstructing data from published aggregates": (["ex-data-relapse", "ex-data-checks"], ["published", "reconstructed"]),
    "Exact confidence intervals, rule of three": (["ex-response-three", "ex-chimerism-size"], ["reconstructed"]),
    "Kaplan–Meier estimator and censoring": (["ex-survival-km"], ["reconstructed", "leukemia"]),
    "Log-rank test": (["ex-survival-logrank", "ex-lab-expected"], ["reconstructed", "leukemia"]),
    "Cox models and proportional-hazards checks": (["ex-lab-cox"], ["reconstructed", "leukemia"]),
    "Immortal-time bias: landmarks, time-dependent Cox, Mantel–Byar": (
        ["ex-immortal-spot", "ex-immortal-landmark", "ex-immortal-naive", "ex-lab-stanford-immortal",
         "ex-lab-stanford-landmark", "ex-lab-stanford-simulation"], ["reconstructed", "stanford", "simulated"]),
    "Competing risks: Aalen–Johansen, Gray's test, Fine–Gray": (
        ["ex-competing-timelines", "ex-competing-leaflet", "ex-lab-bmt-by-hand", "ex-lab-bmt-gray-fine-gray", "ex-lab-bmt-which"],
        ["reconstructed", "bmt", "simulated"]),
    "Differential expression (negative binomial, shrinkage, FDR) and pathway enrichment": (
        ["ex-rnaseq-background", "ex-rnaseq-permutations"], ["counts"]),
    "Judging a paper: scorecards and reconstruction uncertainty": (["ex-immortal-trial", "ex-audit-overlap"], ["published", "reconstructed"]),
}


@dataclass(frozen=True)
class Block:
    """One block of a session: minutes, what happens, the chapters it uses, the exercises set."""

    minutes: int
    activity: str
    chapters: tuple[str, ...] = ()
    exercises: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A multiple-choice question of a session's check: the right option is ``options[answer]``."""

    text: str
    options: tuple[str, ...]
    answer: int
    why: str


@dataclass(frozen=True)
class Session:
    title: str
    objectives: tuple[str, ...]
    pre_reading: tuple[str, ...]
    blocks: tuple[Block, ...]
    check: tuple[Question, ...]
    #: Autograded assignments (``notebooks/assignments/<name>.py``) set after the session.
    assignments: tuple[str, ...] = ()


SETUP = ("Open any chapter's notebook with the Binder or Colab link at the top of its page (no installation), "
         "or install locally with `make install` (`make student` for the notebooks without solutions)")

COURSE = (
    Session(
        title="Session 1. Time to an event: Kaplan–Meier, log-rank and Cox",
        objectives=("Explain censoring and compute a Kaplan–Meier estimate by hand",
                    "Compute the log-rank test's observed and expected events and read its p-value",
                    "Fit and read a Cox model, and check proportional hazards"),
        pre_reading=("03_cohort", "06_survival"),
        blocks=(Block(10, "Set-up: " + SETUP),
                Block(10, "The clinical question and the data: what a reconstructed cohort can and cannot show", ("02_data", "03_cohort")),
                Block(20, "Kaplan–Meier and censoring by hand, then by code", ("06_survival",), ("ex-survival-km",)),
                Block(20, "The log-rank test by hand on the 6-MP trial, checked against R", ("14_lab_km",), ("ex-lab-expected",)),
                Block(20, "Cox models with and without log white-cell count; proportional hazards",
                      ("14_lab_km", "06_survival"), ("ex-lab-cox", "ex-survival-logrank")),
                Block(10, "Five-question check (below)")),
        check=(
            Question("A patient is lost to follow-up at 8 months. In the Kaplan–Meier estimate, they…",
                     ("count as a death at 8 months", "stay in the risk set until 8 months, then leave it without an event",
                      "are removed from the analysis", "count as alive until the end of the study"), 1,
                     "Censoring uses the time the patient was observed event-free and nothing after it."),
            Question("At one event time, 3 events occur among 20 patients at risk, 8 of them in group 1. "
                     "How many events does the log-rank test expect in group 1?",
                     (f"3 × 8 / 20 = {3 * 8 / 20:g}", f"3 / 2 = {3 / 2:g}", f"8 / 20 = {8 / 20:g}", f"3 × 8 = {3 * 8:g}"), 0,
                     "Expected = events × the group's share of the risk set; the test sums observed minus expected over all event times."),
            Question("The log-rank test compares two groups'…",
                     ("median survival", "survival at five years", "whole survival curves, through events observed and expected at every event time",
                      "mean follow-up"), 2, "It weighs every event time equally; medians and landmarks are other questions."),
            Question("A Cox model gives a hazard ratio of 0.5 for a treatment. This means…",
                     ("half the treated patients die", "at any moment, a treated patient's hazard is half a control's",
                      "treated patients live twice as long", "the median survival halves"), 1,
                     "A hazard ratio compares instantaneous risks; it translates into survival times only under further assumptions."),
            Question("Schoenfeld residuals are used to check…",
                     ("that censoring is independent of the outcome", "that hazards are proportional over time",
                      "that age acts linearly", "that the sample is large enough"), 1,
                     "A trend of the residuals with time means the hazard ratio changes over follow-up.")),
        assignments=("06_survival", "14_lab_km")),
    Session(
        title="Session 2. Immortal time: when the exposure comes during follow-up",
        objectives=("Recognise immortal time in a comparison of patients by treatment received later",
                    "Split follow-up into counting-process rows and fit a time-dependent Cox model",
                    "Compare a landmark analysis, the Mantel–Byar test and a time-dependent model, and say what each still leaves"),
        pre_reading=("07_immortal",),
        blocks=(Block(5, "Set-up: reopen the notebooks (Binder, Colab or local)"),
                Block(15, "Spot the immortal time in the \"more than three courses\" claim", ("07_immortal",), ("ex-immortal-spot", "ex-immortal-naive")),
                Block(15, "A treatment that does nothing looks protective: the null simulation", ("15_lab_immortal",), ("ex-lab-stanford-simulation",)),
                Block(20, "Counting-process rows and the time-dependent Cox model on the Stanford heart transplants", ("15_lab_immortal",),
                      ("ex-lab-stanford-immortal",)),
                Block(15, "Landmarks and Mantel–Byar: choosing the landmark day before looking", ("07_immortal", "15_lab_immortal"),
                      ("ex-immortal-landmark", "ex-lab-stanford-landmark")),
                Block(10, "Beyond immortal time: confounding and the target trial", ("07_immortal",), ("ex-immortal-trial",)),
                Block(10, "Five-question check (below)")),
        check=(
            Question("Immortal time is…",
                     ("the follow-up of patients who never have the event", "time during which, by the way groups are defined, the exposed patients cannot have the event",
                      "the time after the last event", "the time lost to censoring"), 1,
                     "To be counted as exposed, a patient had to survive until exposure: that time is credited to the exposure."),
            Question("Which analysis removes immortal time?",
                     ("comparing ever- with never-exposed patients from diagnosis", "a Cox model with exposure as a time-dependent covariate",
                      "excluding patients who die in the first week", "adjusting for age"), 1,
                     "Each patient counts as unexposed until the exposure and exposed afterwards."),
            Question("A patient transplanted on day 36 who dies on day 39 appears in counting-process form as…",
                     ("one row, transplanted, from 0 to 39 with the death", "two rows: waiting from 0 to 36 without an event, transplanted from 36 to 39 with the death",
                      "two rows, both with the death", "one row, waiting, from 0 to 36"), 1,
                     "The death belongs to the last interval only; the waiting time is unexposed time."),
            Question("In a landmark analysis at 6 months, the groups are formed from…",
                     ("all patients, by the exposure they ever receive", "patients alive and followed at 6 months, by the exposure received by then",
                      "patients exposed before 6 months only", "patients who survive to the end"), 1,
                     "Patients exposed after the landmark count as unexposed; deaths before it are dropped."),
            Question("In the Stanford data, the naive hazard ratio of transplant lies far below 1, while the time-dependent "
                     "one lies near 1 with an interval that includes 1. The best reading is…",
                     ("the transplant lowers the hazard as much as the naive ratio says", "the naive benefit was mostly immortal time; these data show no clear effect",
                      "the transplant is harmful", "the time-dependent model is biased towards 1"), 1,
                     "Once waiting time is counted as such, the interval includes 1.")),
        assignments=("07_immortal", "15_lab_immortal"),
    ),
    Session(
        title="Session 3. Competing risks, and judging a paper",
        objectives=("Explain why 1 − Kaplan–Meier overstates the probability of an event when a competing event can happen first",
                    "Compute an Aalen–Johansen cumulative incidence by hand and compare groups with Gray's test and a Fine–Gray model",
                    "Read a reproduction scorecard: what was checked, what was reproduced by construction, and what could not be"),
        pre_reading=("08_competing", "11_scorecard"),
        blocks=(Block(5, "Set-up: reopen the notebooks (Binder, Colab or local)"),
                Block(15, "1 − Kaplan–Meier against the cumulative incidence, on a simulation with heavy competing mortality",
                      ("16_lab_competing", "08_competing"), ("ex-lab-bmt-which", "ex-competing-leaflet")),
                Block(20, "Aalen–Johansen by hand on the transplant data", ("16_lab_competing",), ("ex-lab-bmt-by-hand",)),
                Block(20, "Gray's test and Fine–Gray regression, checked against R's cmprsk", ("16_lab_competing", "08_competing"),
                      ("ex-lab-bmt-gray-fine-gray", "ex-competing-timelines")),
                Block(20, "What holds up? The scorecard, the consistency audit and the attainable ranges", ("11_scorecard", "01_audit", "10_uncertainty"),
                      ("ex-audit-overlap",)),
                Block(10, "Five-question check (below)")),
        check=(
            Question("When transplant-related deaths can occur before a relapse, 1 − Kaplan–Meier of relapse (deaths censored)…",
                     ("equals the cumulative incidence of relapse", "overstates the probability of relapsing",
                      "understates the probability of relapsing", "ignores censoring"), 1,
                     "It estimates relapse in a world where nobody could die first, and only if the two events are independent."),
            Question("At an event time, the Aalen–Johansen estimate of the cumulative incidence of relapse increases by…",
                     ("relapses / at risk", "(event-free probability just before) × relapses / at risk",
                      "(1 − cumulative incidence of relapse) × relapses / at risk", "relapses / all patients"), 1,
                     "Only patients still free of every event can relapse now."),
            Question("Gray's test compares between groups…",
                     ("the cause-specific hazards", "the cumulative incidences of one cause", "overall survival", "the censoring distributions"), 1,
                     "It is the competing-risks analogue of the log-rank test, on the subdistribution hazard."),
            Question("A Fine–Gray subdistribution hazard ratio describes…",
                     ("the biological effect on the event's hazard alone", "the effect on the cumulative incidence, which mixes effects on both causes",
                      "the effect on overall survival", "the effect on censoring"), 1,
                     "A factor that speeds competing deaths lowers the incidence of relapse without touching relapse biology."),
            Question("The scorecard marks a claim \"reproduced by construction\" when…",
                     ("R and Python agree on it", "the reconstructed data were built to satisfy it, so agreement shows nothing",
                      "the authors shared their data", "its p-value is below 0.05"), 1,
                     "A reconstruction that meets the published aggregates reproduces them by design; only what it was not built to meet can test the paper.")),
        assignments=("08_competing", "16_lab_competing"),
    ),
)


def session_plan(session: Session, titles: dict[str, str]) -> pd.DataFrame:
    """A session's blocks as a table: minutes, activity, material ({doc} links) and exercises
    ({ref} links titled from ``titles``, label -> exercise title, as :func:`exercises` reads them)."""
    return pd.DataFrame([{"minutes": b.minutes, "activity": b.activity,
                          "material": ", ".join(f"{{doc}}`{c}`" for c in b.chapters) or "—",
                          "exercises": ", ".join(f"{{ref}}`{titles[label]} <{label}>`" for label in b.exercises) or "—"}
                         for b in session.blocks])


def concept_map(found: pd.DataFrame) -> pd.DataFrame:
    """Concept -> chapters ({doc}), exercises ({ref}) and datasets: the teaching map."""
    titles = dict(zip(found["label"], found["title"]))
    rows = []
    for concept, chapters in CONCEPTS.items():
        labels, datasets = CONCEPT_PRACTICE[concept]
        rows.append({"concept": concept, "chapters": ", ".join(f"{{doc}}`{c}`" for c in chapters),
                     "exercises": ", ".join(f"{{ref}}`{titles[label]} <{label}>`" for label in labels),
                     "datasets": "; ".join(DATASETS[d] for d in datasets)})
    return pd.DataFrame(rows)


def check_markdown(session: Session, number: int) -> str:
    """A session's five-question check as MyST: each question with lettered options and its answer
    in a collapsed box (plain HTML and CSS: works offline, in the book and in JupyterLab)."""
    parts = []
    for i, q in enumerate(session.check, start=1):
        # The right option moves from question to question (a fixed rotation, the same every build),
        # so that the key is not guessable from its position.
        shift = (q.answer - (number + i) % len(q.options)) % len(q.options)
        options = list(q.options[shift:] + q.options[:shift])
        answer = options.index(q.options[q.answer])
        listed = "\n".join(f"   - ({chr(97 + k)}) {option}" for k, option in enumerate(options))
        parts.append(f"{i}. {q.text}\n\n{listed}\n\n   ```{{admonition}} Answer\n   :class: dropdown tip\n\n"
                     f"   ({chr(97 + answer)}) {options[answer]}. {q.why}\n   ```\n")
    return "\n".join(parts)
