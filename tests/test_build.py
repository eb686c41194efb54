"""Unit tests of mst_helpers.build: chapter discovery, content hashes, errors."""

from __future__ import annotations

import os
import shutil
import textwrap

import pytest

from mst_helpers.build import BuildError, Chapter, chapter_hash, chapters, execute, notebook_parameters

from .conftest import CLAIMS, ROOT


def _tiny_project(tmp_path, notebook_source: str):
    """A one-chapter project: toc, a notebook, the registry, the helper package."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data" / "published").mkdir(parents=True)
    shutil.copy(CLAIMS, tmp_path / "data" / "published" / "claims.csv")
    shutil.copytree(ROOT / "mst_helpers", tmp_path / "mst_helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/executed/99_demo\n")
    (tmp_path / "notebooks" / "99_demo.py").write_text(textwrap.dedent(notebook_source))
    return tmp_path


DEMO = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
claims_path = "../data/published/claims.csv"
results_dir = "../_build/results"
seed = 0

# %%
x = 1 + 1

# %%
{failing_line}
"""


def test_chapters_follow_the_toc(root):
    stems = [c.stem for c in chapters(root)]
    assert stems and stems == sorted(stems)
    assert all(isinstance(c, Chapter) and c.source.suffix == ".py" for c in chapters(root))


def test_hash_changes_with_data_source_and_imported_helpers(tmp_path):
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2"))
    chapter = chapters(project)[0]
    first = chapter_hash(chapter, project)
    assert chapter_hash(chapter, project) == first  # deterministic
    claims = project / "data" / "published" / "claims.csv"
    claims.write_text(claims.read_text() + "\n")
    second = chapter_hash(chapter, project)
    assert second != first
    (project / "mst_helpers" / "extra.py").write_text("# change\n")
    assert chapter_hash(chapter, project) == second  # a helper the chapter never imports
    chapter.source.write_text(chapter.source.read_text().replace("x = 1 + 1", "from mst_helpers import extra"))
    third = chapter_hash(chapter, project)
    assert third != second
    (project / "mst_helpers" / "extra.py").write_text("# changed again\n")
    assert chapter_hash(chapter, project) != third  # ... and one it imports
    third = chapter_hash(chapter, project)
    chapter.source.write_text(chapter.source.read_text().replace("seed = 0", "seed = 1"))
    assert chapter_hash(chapter, project) != third
    assert notebook_parameters(chapter.source)["seed"] == 1


def test_hash_changes_with_the_installed_packages(tmp_path, monkeypatch):
    """A new version of a library can change a chapter's numbers: the environment is an input."""
    import mst_helpers.build as build

    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2"))
    chapter = chapters(project)[0]
    first = chapter_hash(chapter, project)
    assert b"pandas-" in build._environment_fingerprint()
    monkeypatch.setattr(build, "_environment_fingerprint", lambda: b"pandas-9.9.9.dist-info")
    assert chapter_hash(chapter, project) != first


def test_missing_input_is_reported(tmp_path):
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2").replace("claims.csv", "absent.csv"))
    with pytest.raises(BuildError, match="claims_path = '../data/published/absent.csv' does not exist"):
        chapter_hash(chapters(project)[0], project)


def test_notebook_error_names_notebook_and_cell(tmp_path):
    project = _tiny_project(tmp_path, DEMO.format(failing_line='raise ValueError("boom")'))
    with pytest.raises(BuildError) as err:
        execute(project, log=lambda line: None)
    message = str(err.value)
    assert "notebooks/99_demo.py failed in cell 2" in message and "ValueError: boom" in message
    assert "raise ValueError" in message
    # A failed chapter leaves no stamp: the next build tries again.
    assert not (project / "_build" / "stamps" / "99_demo.sha256").exists()
    assert not (project / "book" / "executed" / "99_demo.ipynb").exists()


def test_incremental_execution(tmp_path):
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2"))
    lines: list[str] = []
    assert execute(project, log=lines.append) == ["99_demo"]
    assert any("executed in" in line for line in lines)
    assert execute(project, log=lines.append) == []
    assert lines[-1].endswith("up to date")


def test_a_chapter_does_not_depend_on_downstream_results(tmp_path):
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2").replace(
        'claims_path = "../data/published/claims.csv"', 'claims_path = "../data/published/claims.csv"\nresults_path = "../_build/results"'))
    chapter = chapters(project)[0]
    (project / "_build" / "results").mkdir(parents=True)
    first = chapter_hash(chapter, project)
    (project / "_build" / "results" / "99_demo.json").write_text("{}")     # its own results
    assert chapter_hash(chapter, project) == first
    (project / "_build" / "results" / "01_upstream.json").write_text("{}")  # not in the toc: an upstream input
    assert chapter_hash(chapter, project) != first


def test_other_path_parameters_are_inputs_unless_they_are_outputs(tmp_path):
    """``gene_sets = "../data/genesets"`` is an input; ``scorecard_csv`` under _build/ is an output."""
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2").replace(
        'seed = 0', 'seed = 0\ngene_sets = "../data/genesets"\nscorecard_csv = "../_build/scorecard.csv"'))
    (project / "data" / "genesets").mkdir()
    (project / "data" / "genesets" / "sets.gmt").write_text("S\tdescription\tA\tB\n")
    chapter = chapters(project)[0]
    first = chapter_hash(chapter, project)
    (project / "_build").mkdir()
    (project / "_build" / "scorecard.csv").write_text("written by the chapter\n")
    assert chapter_hash(chapter, project) == first
    (project / "data" / "genesets" / "sets.gmt").write_text("S\tdescription\tA\tC\n")
    assert chapter_hash(chapter, project) != first


def test_outputs_of_chapters_no_longer_in_the_toc_are_removed(tmp_path):
    """A renamed chapter's old results must not feed the scorecard, nor its page linger."""
    project = _tiny_project(tmp_path, DEMO.format(failing_line="y = 2"))
    stale = [project / "book" / "executed" / "09_old.ipynb", project / "_build" / "results" / "09_old.json",
             project / "_build" / "stamps" / "09_old.sha256", project / "_build" / "html" / "book" / "executed" / "09_old.html",
             project / "_build" / "jupyter_execute" / "book" / "executed" / "09_old.glue.json"]
    kept = [project / "_build" / "stamps" / "html.sha256", project / "_build" / "jupyter_execute" / "book" / "executed" / "99_demo.glue.json",
            project / "data" / "published" / "claims.csv"]
    for path in stale + kept[:2]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    lines: list[str] = []
    execute(project, log=lines.append)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    assert any("removed _build/results/09_old.json" in line for line in lines)


def test_published_notebooks_carry_no_run_metadata():
    """papermill records paths and times; the downloadable notebook must not."""
    import nbformat

    from mst_helpers.build import strip_run_metadata

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": "/home/someone/x.ipynb", "start_time": "2026-12-03T07:00:00"}
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.metadata.update({"papermill": {"duration": 0.1}, "execution": {"iopub.status.idle": "2026-12-03"}, "tags": ["hide-input"]})
    nb.cells.append(cell)
    clean = strip_run_metadata(nb)
    assert "papermill" not in clean.metadata
    assert clean.cells[0].metadata == {"tags": ["hide-input"]}


def test_notebooks_read_from_scripts_get_the_same_cell_ids_every_time(tmp_path):
    """Without ids nbformat invents random ones on writing: two builds would publish different files."""
    import jupytext
    import nbformat

    from mst_helpers.build import stable_cell_ids

    source = ROOT / "notebooks" / "14_lab_km.py"
    written = []
    for name in ("a.ipynb", "b.ipynb"):
        nb = stable_cell_ids(jupytext.read(source))
        nbformat.write(nb, tmp_path / name)
        written.append((tmp_path / name).read_bytes())
    assert written[0] == written[1]
    ids = [cell["id"] for cell in nbformat.read(tmp_path / "a.ipynb", as_version=4).cells]
    assert len(set(ids)) == len(ids) and ids[0] == "cell-000"


def test_ctrl_c_prints_one_line_and_exits_130(monkeypatch, capsys, tmp_path):
    from mst_helpers import build

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "validate_data", interrupted)
    assert build.main(["validate", "--root", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("leaf, reruns", [("teaching.py", {"12_teach"}), ("transcriptomics.py", {"09_transcriptomics"}),
                                          ("plotting/transcriptomics.py", {"09_transcriptomics"}),
                                          ("plotting/audit.py", {"01_audit", "10_uncertainty"})])
def test_a_comment_in_a_leaf_helper_reruns_only_the_chapters_that_import_it(tmp_path, leaf, reruns):
    """Chapter hashes follow the import graph (notebook -> helpers -> their helpers), not the
    whole package: a comment in a helper one chapter imports re-runs that chapter only."""
    from mst_helpers.build import chapter_hash, chapters

    from .conftest import copy_project

    project = copy_project(tmp_path / "project")
    before = {c.stem: chapter_hash(c, project) for c in chapters(project)}
    with (project / "mst_helpers" / leaf).open("a") as handle:
        handle.write("\n# a comment changes nothing a reader sees\n")
    after = {c.stem: chapter_hash(c, project) for c in chapters(project)}
    assert {stem for stem in before if before[stem] != after[stem]} == reruns


_PLOTTING_SUBMODULES = ("style", "cohort", "survival_curves", "audit", "transcriptomics")


@pytest.mark.parametrize("line, expected", [
    ("from mst_helpers.plotting import km_figure", {"__init__", "style", "survival_curves"}),
    ("from mst_helpers.plotting import use_house_style, volcano_ma_plot", {"__init__", "style", "transcriptomics"}),
    ("import mst_helpers.plotting", {"__init__", *_PLOTTING_SUBMODULES}),
    ("from mst_helpers import plotting", {"__init__", *_PLOTTING_SUBMODULES}),
    ("from mst_helpers.plotting import *", {"__init__", *_PLOTTING_SUBMODULES}),
])
def test_the_build_counts_the_figure_modules_an_import_runs(tmp_path, line, expected):
    """The lazy plotting package: what the build counts for an import line is what Python loads."""
    import subprocess
    import sys

    from mst_helpers.build import helper_modules

    from .conftest import ROOT

    source = tmp_path / "chapter.py"
    source.write_text(line + "\n")
    counted = {p.stem for p in helper_modules(source, ROOT) if p.parent.name == "plotting"}
    loaded = subprocess.run([sys.executable, "-c", f"{line}\nimport sys\n"
                             "print(' '.join(m.rsplit('.', 1)[-1] for m in sys.modules if m.startswith('mst_helpers.plotting.')))"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert counted == expected
    # A package imported whole loads its figure modules when an attribute is first used: the
    # build counts them all already. Names imported from it load exactly what the build counts.
    whole = line.endswith("plotting")
    assert set(loaded) | {"__init__"} <= expected if whole else set(loaded) | {"__init__"} == expected


def test_the_lazy_plotting_package_offers_every_public_name_once():
    import importlib

    from mst_helpers import plotting

    for submodule in _PLOTTING_SUBMODULES:
        module = importlib.import_module(f"mst_helpers.plotting.{submodule}")
        for name in module.__all__:
            assert getattr(plotting, name) is getattr(module, name)
    assert sorted(plotting.__all__) == sorted(n for s in _PLOTTING_SUBMODULES
                                              for n in importlib.import_module(f"mst_helpers.plotting.{s}").__all__)
    assert plotting.style is importlib.import_module("mst_helpers.plotting.style")
    with pytest.raises(AttributeError, match="no attribute 'not_a_figure'"):
        plotting.not_a_figure


def test_a_helper_used_everywhere_reruns_every_chapter(tmp_path):
    from mst_helpers.build import chapter_hash, chapters

    from .conftest import copy_project

    project = copy_project(tmp_path / "project")
    before = {c.stem: chapter_hash(c, project) for c in chapters(project)}
    with (project / "mst_helpers" / "formatting.py").open("a") as handle:
        handle.write("\n# formatting is imported by every chapter\n")
    assert all(chapter_hash(c, project) != before[c.stem] for c in chapters(project))


def _published_tree(root):
    """A project's published outputs, as {relative path: bytes}."""
    from mst_helpers.build import PUBLISHED

    files = {}
    for relative in PUBLISHED:
        path = root / relative
        for file in ([path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []):
            if file.is_file():
                files[file.relative_to(root).as_posix()] = file.read_bytes()
    return files


def _fake_build(root):
    (root / "book" / "executed").mkdir(parents=True)
    (root / "book" / "executed" / "01_a.ipynb").write_text("old notebook")
    (root / "_build" / "results").mkdir(parents=True)
    (root / "_build" / "results" / "01_a.json").write_text('{"n": 1}')
    (root / "_build" / "scorecard.csv").write_text("claim_id,status\n")
    (root / "_build" / "html").mkdir()
    (root / "_build" / "html" / "index.html").write_text("old book")
    return _published_tree(root)


def test_a_failed_book_build_leaves_the_previous_book_exactly(tmp_path, monkeypatch):
    from mst_helpers import build

    before = _fake_build(tmp_path)

    def half_done(root, force=False, log=print):
        (root / "_build" / "results" / "01_a.json").write_text('{"n": 2}')
        (root / "_build" / "results" / "02_b.json").write_text("{}")
        (root / "book" / "executed" / "01_a.ipynb").unlink()
        raise build.BuildError("chapter 2 failed")

    monkeypatch.setattr(build, "execute", half_done)
    with pytest.raises(build.BuildError):
        build.build_book(tmp_path)
    assert _published_tree(tmp_path) == before
    assert (tmp_path / "_build" / "html" / "index.html").read_text() == "old book"
    assert not (tmp_path / build.PREVIOUS_DIR).exists()


def test_a_killed_build_is_rolled_back_at_the_next_run(tmp_path, monkeypatch):
    from mst_helpers import build

    before = _fake_build(tmp_path)
    build.snapshot(tmp_path)           # the killed run had taken its snapshot ...
    (tmp_path / "_build" / "results" / "01_a.json").write_text("half written")   # ... and was writing
    seen = {}
    monkeypatch.setattr(build, "execute", lambda root, force=False, log=print: seen.setdefault("tree", _published_tree(root)) and [])
    monkeypatch.setattr(build, "build_html", lambda root, force=False, log=print: False)
    build.build_book(tmp_path, log=lambda line: seen.setdefault("log", line))
    assert seen["tree"] == before and "restored" in seen["log"]


def test_an_interrupted_restore_can_be_run_again(tmp_path):
    from mst_helpers import build

    before = _fake_build(tmp_path)
    build.snapshot(tmp_path)
    (tmp_path / "_build" / "results" / "01_a.json").write_text("new")
    (tmp_path / "_build" / "scorecard.csv").unlink()
    # The first restore moved the executed notebooks back, then was killed:
    shutil.rmtree(tmp_path / "book" / "executed")
    os.replace(tmp_path / build.PREVIOUS_DIR / "book" / "executed", tmp_path / "book" / "executed")
    assert build.restore(tmp_path)
    assert _published_tree(tmp_path) == before


def test_validation_is_skipped_only_while_the_data_are_unchanged(tmp_path, monkeypatch):
    """A no-op build does not re-read every file; any byte changed under data/ re-validates."""
    from mst_helpers import build

    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "mst_helpers", tmp_path / "mst_helpers", ignore=shutil.ignore_patterns("__pycache__"))
    calls = []
    monkeypatch.setattr(build, "validate_data", lambda root: calls.append(root) or [])
    build.validate_data_once(tmp_path)
    build.validate_data_once(tmp_path)
    assert len(calls) == 1
    labs = tmp_path / "data" / "reconstructed" / "labs.csv"
    labs.write_text(labs.read_text() + "\n")
    build.validate_data_once(tmp_path)
    assert len(calls) == 2
