"""A reader's own cohort through the clinical chapters, checked against R.

The second cohort (``tests/fixtures/own_cohort/``, made by ``make_cohort.py``) looks nothing like the
reconstruction: 60 patients, three arms, only the required columns of the cohort contract (plus
``arm``), no courses, chimerism or lab files, censoring before five years and tied event times.
Each chapter runs as a reader runs it, ``python -m mst_helpers.build run CHAPTER --cohort FOLDER``
(papermill on the chapter's own-data edition); its results must equal R's
(``own_cohort_reference.R`` → ``reference.csv``) and its notebook must carry no error, no warning
and no word about the paper's reconstruction.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pandas as pd
import pytest

from .conftest import FIXTURES, ROOT, r_has, rscript

OWN = FIXTURES / "own_cohort"
REFERENCE = OWN / "reference.csv"
#: Words that belong to the paper edition only: on a reader's cohort they would be false.
OWN_DATA_CHAPTERS = ("03_cohort", "04_response", "06_survival", "07_immortal", "08_competing")
PAPER_WORDS = ("by construction", "reconstruct", "printed", "paper prints", "synthetic")


def _run(chapter: str, cohort, output, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mst_helpers.build", "run", chapter, "--cohort", str(cohort),
                           "--output", str(output), *options], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each chapter on the three arms, on the minimal columns alone (ages split at 65), and on a copy
    of the reconstruction with all its optional files."""
    base = tmp_path_factory.mktemp("own")
    minimal = base / "minimal"
    minimal.mkdir()
    patients = pd.read_csv(OWN / "patients.csv", dtype=str, keep_default_na=False)
    patients.drop(columns=["arm"]).to_csv(minimal / "patients.csv", index=False, lineterminator="\n")
    # The reconstruction as a reader's folder (a copy is not the shipped path): every optional input present.
    shutil.copytree(ROOT / "data" / "reconstructed", base / "a_full_cohort")
    cases = [(chapter, grouping, cohort, options) for chapter in OWN_DATA_CHAPTERS
             for grouping, cohort, options in (("arm", OWN, ("--group-column", "arm")), ("age65", minimal, ("--age-cut", "65")),
                                               ("full", base / "a_full_cohort", ()))]
    # Two at a time: each run is mostly a kernel start, and the machine has two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda case: _run(case[0], case[2], base / case[1], *case[3]), cases))
    done = {}
    for (chapter, grouping, _, _), proc in zip(cases, procs):
        assert proc.returncode == 0, proc.stdout + proc.stderr
        output = base / grouping
        done[(chapter, grouping)] = (output / f"{chapter}.ipynb",
                                     json.loads((output / "results" / f"{chapter}.json").read_text()))
    return done


def _reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, keep_default_na=False)


def _compare_with_r(values: dict, grouping: str, key_of) -> int:
    """Compare each reference row of ``grouping`` that ``key_of(row)`` maps to a results key (None:
    not this chapter's) with the chapter's value, within 1e-6; return how many were compared."""
    ref = _reference()
    checked = 0
    for r in ref[ref["grouping"] == grouping].itertuples():
        key = key_of(r)
        if key is None:
            continue
        assert values[key] == pytest.approx(float(r.value), rel=1e-6, abs=1e-9), (grouping, r)
        checked += 1
    return checked


@pytest.mark.parametrize("grouping", ["arm", "age65"])
def test_log_rank_and_cox_equal_r(runs, grouping):
    """R: survdiff(Surv(time, event) ~ group) and coxph(Surv(time, event) ~ group), within 1e-6."""
    _, values = runs[("06_survival", grouping)]
    column = "arm" if grouping == "arm" else "age_group"

    def key_of(r):
        if r.analysis == "logrank":
            return f"logrank.{r.endpoint}.{column}.{r.quantity}"
        if r.analysis == "cox":
            return f"cox_group.{r.endpoint}.{r.term + '.' if r.term else ''}{r.quantity}"
        return None

    # two endpoints × (3 log-rank + 3 per other group + 2 LR) values
    assert _compare_with_r(values, grouping, key_of) >= 16


@pytest.mark.parametrize("grouping", ["arm", "age65"])
def test_gray_and_fine_gray_equal_r(runs, grouping):
    """R: cuminc(time, event, group)$Tests and crr(time, event, group dummies), within 1e-6."""
    _, values = runs[("08_competing", grouping)]

    def key_of(r):
        if r.analysis == "gray":
            return f"gray.{r.endpoint}.{r.term}.{r.quantity}"
        if r.analysis == "fine_gray":
            cause, group = r.term.split(":")
            return f"fg.{cause}.{group}.coef"
        return None

    # 2 frameworks × 2 causes × 3 Gray values + a Fine–Gray coefficient per cause and group
    assert _compare_with_r(values, grouping, key_of) >= 13


@pytest.mark.parametrize("chapter", OWN_DATA_CHAPTERS)
@pytest.mark.parametrize("grouping", ["arm", "age65", "full"])
def test_the_own_data_notebook_is_clean(runs, chapter, grouping):
    """No error, no warning, no stderr; nothing said about the paper's reconstruction."""
    path, _ = runs[(chapter, grouping)]
    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata
    text = []
    for cell in nb.cells:
        assert "paper" not in cell.metadata.get("tags", []), cell.source[:80]
        if cell.cell_type == "markdown":   # prose; code (e.g. the parameters cell's default path) is not read as prose
            text.append(cell.source)
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            text.extend(str(v) for v in output.get("data", {}).values() if isinstance(v, str))
    joined = "\n".join(text).lower()
    for word in PAPER_WORDS:
        assert word not in joined, word
    assert "your cohort" in joined


def test_baseline_and_outcome_tests_equal_r(runs):
    """R: kruskal.test(age ~ arm) (chapter 3); fisher.test(table(x, arm)) for sex (3), CR, relapse, death (4)."""
    ref = _reference()
    ref = ref[ref["analysis"] == "describe"].set_index("term")["value"].astype(float)
    _, baseline = runs[("03_cohort", "arm")]
    _, outcomes = runs[("04_response", "arm")]
    assert baseline["baseline.Age.p"] == pytest.approx(ref["age"], rel=1e-9)
    assert baseline["baseline.Sex.p"] == pytest.approx(ref["sex"], rel=1e-6)
    for column in ("cr", "relapse", "death"):
        assert outcomes[f"{column}.p"] == pytest.approx(ref[column], rel=1e-6), column


def test_the_multistate_model_equals_r(runs):
    """R: summary(survfit(Surv(tstart, tstop, state) ~ arm, id, istate), times = c(6, 12, 36))$pstate."""
    _, values = runs[("07_immortal", "arm")]
    ref = _reference()
    ref = ref[ref["analysis"] == "multistate"]
    assert len(ref) == 3 * 4 * 3
    for r in ref.itertuples():
        assert values[f"ms.{r.endpoint}.{r.term}.{r.quantity}"] / 100 == pytest.approx(float(r.value), abs=1e-9), r


def test_sections_run_when_their_inputs_exist(runs):
    """On the reconstruction's own files (all optional inputs present) the courses and donor sections
    run, and give the numbers the helpers give on the shipped cohort."""
    from mst_helpers import immortal, survival
    from mst_helpers.cohort import load_cohort

    shipped = load_cohort(ROOT / "data" / "reconstructed")
    _, survival_values = runs[("06_survival", "full")]
    frame = survival.analysis_frame(shipped.patients, "os")
    assert survival_values["logrank.os.age_group.p"] == pytest.approx(survival.log_rank(frame, "age_group").p_value, rel=1e-12)
    assert "logrank.os.donor_older.p" in survival_values and "logrank.os.courses_gt3.p" in survival_values
    _, immortal_values = runs[("07_immortal", "full")]
    td = immortal.time_dependent_cox(immortal.counting_process(shipped.patients, shipped.courses, "os"))
    assert immortal_values["td.os.hr"] == pytest.approx(td.hr, rel=1e-12)
    _, arm_values = runs[("07_immortal", "arm")]
    assert "td.os.hr" not in arm_values   # no courses.csv: the section is skipped, and said to be


def test_the_paper_edition_refuses_another_cohort_with_one_sentence(tmp_path):
    """Running the unprepared notebook on a reader's cohort stops at once and says what to run."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    import jupytext

    nb = jupytext.read(ROOT / "notebooks" / "06_survival.py")
    source = tmp_path / "in.ipynb"
    nbformat.write(nb, source)
    with pytest.raises(PapermillExecutionError) as err:
        papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), parameters={"cohort_path": str(OWN)},
                                   cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
    assert err.value.ename == "EditionError"
    assert "python -m mst_helpers.build run 06_survival --cohort" in err.value.evalue


def test_a_malformed_cohort_stops_before_any_notebook(tmp_path):
    cohort = tmp_path / "cohort"
    shutil.copytree(OWN, cohort)
    text = (cohort / "patients.csv").read_text().replace("2016-", "16-", 1)
    (cohort / "patients.csv").write_text(text)
    proc = _run("06_survival", cohort, tmp_path / "out", "--group-column", "arm")
    assert proc.returncode == 1
    assert re.search(r"patients.csv: row \d+ \(line \d+ of the file\), patient_id 'P\d+', column 'diagnosis_date': "
                     r"'16-\d\d-\d\d' is not a date in the form YYYY-MM-DD", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_the_fixture_is_what_its_script_makes(tmp_path):
    """make_cohort.py regenerates patients.csv byte for byte (deterministic)."""
    shutil.copy(OWN / "make_cohort.py", tmp_path / "make_cohort.py")
    subprocess.run([sys.executable, str(tmp_path / "make_cohort.py")], check=True, capture_output=True)
    assert (tmp_path / "patients.csv").read_bytes() == (OWN / "patients.csv").read_bytes()


@pytest.mark.r_oracle
@pytest.mark.skipif(rscript() is None or not r_has("cmprsk"), reason="Rscript with survival and cmprsk is not installed")
def test_r_reproduces_the_committed_reference(tmp_path):
    subprocess.run([rscript(), str(OWN / "own_cohort_reference.R"), str(OWN), str(tmp_path)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "reference.csv"), pd.read_csv(REFERENCE), rtol=1e-10)
