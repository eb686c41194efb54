"""Build the book: validate data, execute changed notebooks with papermill, build the HTML.

``python -m mst_helpers.build book`` is what ``make book`` runs:

1. **validate** every registered data file (a malformed file stops here, naming file,
   row and column);
2. **execute** each chapter listed in ``_toc.yml`` (``book/executed/<stem>``) from its
   jupytext source ``notebooks/<stem>.py`` with papermill, into ``book/executed/`` —
   only when a content hash of its source, the ``mst_helpers`` package, its data inputs
   (parameters ending in ``_path``) and its parameters changed;
3. **html**: ``jupyter-book build`` in nitpicky, warnings-as-errors mode — only when a
   notebook was executed or a book source changed.

Nothing is written into ``data/`` or ``notebooks/``. Other sub-commands: ``execute``,
``html``, ``validate``, ``pair`` (regenerate ``notebooks/*.ipynb`` from the ``.py``
sources), ``bench`` (clean and no-op timings), ``run`` (a chapter on a reader's own data) and
``student`` (the student edition, ``_build/student/``).
"""

from __future__ import annotations

import argparse
import ast
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml

from .kernels import KERNEL_NAME, kernel_environment, kernel_manager_config, kernel_name

__all__ = [
    "KERNEL_NAME",
    "Chapter",
    "chapters",
    "notebook_parameters",
    "chapter_hash",
    "execute",
    "build_html",
    "validate_data",
    "BuildError",
    "strip_run_metadata",
    "helper_modules",
    "build_book",
    "build_student",
    "snapshot",
    "restore",
]

EXECUTED_DIR = Path("book") / "executed"
NOTEBOOK_DIR = Path("notebooks")
BUILD_DIR = Path("_build")
STAMP_DIR = BUILD_DIR / "stamps"
#: Where the HTML is built before it replaces the served book in one rename.
STAGING_DIR = BUILD_DIR / ".staging"
#: The last complete build's outputs, kept while a new build runs (restored if it fails or is killed).
PREVIOUS_DIR = BUILD_DIR / ".previous"
#: What a build publishes together: executed notebooks, results, figures, scorecard, stamps.
PUBLISHED = (EXECUTED_DIR, BUILD_DIR / "results", BUILD_DIR / "figures", BUILD_DIR / "scorecard.csv", STAMP_DIR)
# Files whose change requires a new HTML build even when no notebook ran.
BOOK_SOURCE_GLOBS = ("_config.yml", "_toc.yml", "book/*.md", "book/*.bib", "book/_static/*")


class BuildError(RuntimeError):
    """The build failed; the message says where (notebook and cell, or file/row/column)."""


@dataclass(frozen=True)
class Chapter:
    """One executable chapter: its stem, its jupytext source and its executed copy."""

    stem: str
    source: Path
    executed: Path


def _toc_files(toc: dict) -> Iterable[str]:
    if "root" in toc:
        yield toc["root"]
    for key in ("chapters", "sections"):
        for entry in toc.get(key, []) or []:
            if "file" in entry:
                yield entry["file"]
            yield from _toc_files(entry)
    for part in toc.get("parts", []) or []:
        yield from _toc_files(part)


def toc_entries(root: Path) -> list[str]:
    """Every file listed in ``_toc.yml`` (without suffix), in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return list(_toc_files(toc))


def chapters(root: Path) -> list[Chapter]:
    """The executable chapters, in toc order (entries under ``book/executed/``)."""
    prefix = EXECUTED_DIR.as_posix() + "/"
    out = []
    for entry in toc_entries(root):
        if entry.startswith(prefix):
            stem = entry[len(prefix):]
            out.append(Chapter(stem, root / NOTEBOOK_DIR / f"{stem}.py", root / EXECUTED_DIR / f"{stem}.ipynb"))
    return out


def notebook_parameters(source: Path) -> dict[str, object]:
    """The literal assignments of the notebook's papermill ``parameters`` cell."""
    # Keyed by content, not modification time: two edits within one clock tick share an mtime.
    return dict(_parameters(str(source), source.read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=64)
def _parameters(path: str, text: str) -> tuple[tuple[str, object], ...]:
    # A jupytext percent file is read directly (a no-op build reads every chapter's parameters
    # twice; jupytext's full parse took half of it); anything else goes through jupytext.
    source = Path(path)
    cells: list[tuple[str, str]] = []
    if source.suffix == ".py":
        header, body = None, []
        for line in text.splitlines():
            if line.startswith("# %%"):
                if header is not None:
                    cells.append((header, "\n".join(body)))
                header, body = line, []
            elif header is not None:
                body.append(line)
        if header is not None:
            cells.append((header, "\n".join(body)))
        cells = [(h, b) for h, b in cells if "[markdown]" not in h and re.search(r"tags=\[[^\]]*['\"]parameters['\"]", h)]
    if not cells:
        import jupytext

        cells = [("", cell.source) for cell in jupytext.read(source).cells
                 if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", [])]
    if not cells:
        raise BuildError(f"{source}: no cell tagged 'parameters' (papermill needs one)")
    params = {}
    for node in ast.parse(cells[0][1]).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            params[node.targets[0].id] = ast.literal_eval(node.value)
    return tuple(params.items())


def _hash_path(digest: "hashlib._Hash", path: Path, root: Path, exclude: frozenset[str] = frozenset()) -> None:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if "__pycache__" in file.parts or file.name in exclude:
            continue
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(file.read_bytes())


def chapter_inputs(chapter: Chapter, root: Path) -> list[Path]:
    """The data inputs of a chapter, relative to ``notebooks/``: parameters named ``*_path``
    (which must exist) and any other string parameter naming an existing file or folder
    outside ``_build/`` (where outputs go)."""
    params = notebook_parameters(chapter.source)
    inputs = []
    for name, value in params.items():
        if name.endswith("_path") and isinstance(value, str):
            path = (root / NOTEBOOK_DIR / value).resolve()
            if not path.exists() and path.parent.name == BUILD_DIR.name:
                path.mkdir(parents=True, exist_ok=True)   # an upstream chapter's results folder, not yet written
            if not path.exists():
                raise BuildError(f"{chapter.source}: parameter {name} = {value!r} does not exist")
            inputs.append(path)
        elif isinstance(value, str) and "/" in value:
            path = (root / NOTEBOOK_DIR / value).resolve()
            # e.g. gene_sets, r_reference; outputs (results_dir, scorecard_csv) live in _build/.
            if path.exists() and not path.is_relative_to((root / BUILD_DIR).resolve()):
                inputs.append(path)
    return inputs


def _module_file(name: str, root: Path) -> Path | None:
    """``mst_helpers.plotting.style`` -> its file under ``root`` (a module or a package's ``__init__``)."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST, package: str) -> set[str]:
    """Every ``mst_helpers`` name a parsed file imports (at top level or inside a function):
    ``import X`` gives ``X``; ``from X import y`` gives ``X.y`` (``y`` may be a submodule, a
    function, or a name a lazy package loads from one of its submodules; :func:`helper_modules`
    tells which); ``from X import *`` gives ``X``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.update(module if alias.name == "*" else f"{module}.{alias.name}" for alias in node.names)
    return {n for n in names if n == "mst_helpers" or n.startswith("mst_helpers.")}


@functools.lru_cache(maxsize=None)
def _file_imports(path: str, mtime_ns: int, package: str) -> frozenset[str]:
    """The helper modules one file imports (cached per file version within a build)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        # A notebook with magics or shell lines: read its code cells and drop those lines.
        import jupytext

        nb = jupytext.read(path)
        tree = ast.parse("\n".join(line for cell in nb.cells if cell.cell_type == "code"
                                   for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return frozenset(_imported_names(tree, package))


def helper_modules(source: Path, root: Path) -> list[Path]:
    """The ``mst_helpers`` files a chapter runs: those its code imports, followed transitively
    through every helper's own imports, with the ``__init__`` of each package on the way.
    A change to any other helper cannot change the chapter, so it does not re-run it.

    A lazy package (:mod:`mst_helpers.lazy_exports`) runs only the submodules whose names are
    imported from it (``from mst_helpers.plotting import km_figure`` runs ``survival_curves``);
    one imported whole (``import mst_helpers.plotting``, ``from … import *``) counts all of them.
    """
    from .lazy_exports import exported_names, lazy_submodules

    # A jupytext percent notebook is a Python file (markdown cells are comments).
    pending = set(_file_imports(str(source), source.stat().st_mtime_ns, ""))
    found: dict[str, Path] = {}
    whole_packages: set[str] = set()
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
            prefix = ".".join(parts[:depth])
            if prefix not in found:
                file = _module_file(prefix, root)
                if file is None:
                    # `from package import name`: in a lazy package, the submodule that defines it.
                    package, _, attribute = prefix.rpartition(".")
                    init = found.get(package)
                    if depth == len(parts) and init is not None and init.name == "__init__.py":
                        lazy = lazy_submodules(init)
                        owner = exported_names(init.parent, lazy).get(attribute) if lazy else None
                        if owner is not None:
                            pending.add(f"{package}.{owner}")
                    continue
                found[prefix] = file
                package = prefix if file.name == "__init__.py" else prefix.rpartition(".")[0]
                pending |= _file_imports(str(file), file.stat().st_mtime_ns, package) - found.keys()
            if depth == len(parts) and found[prefix].name == "__init__.py" and prefix not in whole_packages:
                whole_packages.add(prefix)
                pending |= {f"{prefix}.{sub}" for sub in lazy_submodules(found[prefix])} - found.keys()
    return sorted(set(found.values()))


@functools.lru_cache(maxsize=1)
def _environment_fingerprint() -> bytes:
    """The installed distributions and versions, from the names of their metadata folders in
    site-packages (``pandas-2.2.3.dist-info``): milliseconds, where reading every package's
    metadata would take seconds of a no-op build."""
    names = set()
    for folder in map(Path, sys.path):
        if folder.name in ("site-packages", "dist-packages") and folder.is_dir():
            names.update(entry.name for entry in folder.iterdir() if entry.suffix in (".dist-info", ".egg-info"))
    return "\n".join(sorted(names)).encode()


def chapter_hash(chapter: Chapter, root: Path) -> str:
    """Content hash of what a chapter's output depends on: its source and parameters, the helper
    modules it runs (:func:`helper_modules`), the data it reads and the installed packages (a
    new version of a library can change a number; the reproduce chapter lists them all)."""
    digest = hashlib.sha256()
    digest.update(_environment_fingerprint())
    _hash_path(digest, chapter.source, root)
    for module in helper_modules(chapter.source, root):
        _hash_path(digest, module, root)
    digest.update(json.dumps(notebook_parameters(chapter.source), sort_keys=True).encode())
    # A chapter that reads the results folder depends on its upstream chapters only: its own
    # results and those of later chapters (written after it runs) are not its inputs.
    stems = [c.stem for c in chapters(root)]
    downstream = stems[stems.index(chapter.stem):] if chapter.stem in stems else [chapter.stem]
    exclude = frozenset(f"{stem}.json" for stem in downstream)
    for path in chapter_inputs(chapter, root):
        _hash_path(digest, path, root, exclude=exclude)
    return digest.hexdigest()


def _stamp(root: Path, name: str) -> Path:
    return root / STAMP_DIR / f"{name}.sha256"


def _execute_one(chapter: Chapter, root: Path, kernel: str) -> None:
    import jupytext
    from papermill.exceptions import PapermillExecutionError

    from .editions import select_cells

    nb = select_cells(jupytext.read(chapter.source), "paper")
    work = root / BUILD_DIR / "papermill"
    output_nb = work / f"{chapter.stem}.ipynb"
    try:
        _run_papermill(nb, work / f"{chapter.stem}.input.ipynb", output_nb, kernel, root / NOTEBOOK_DIR)
    except PapermillExecutionError as err:
        cell = nb.cells[err.cell_index] if err.cell_index < len(nb.cells) else None
        first_line = cell.source.strip().splitlines()[0] if cell is not None and cell.source.strip() else ""
        raise BuildError(
            f"notebook {chapter.source.relative_to(root)} failed in cell {err.cell_index} "
            f"(execution count {err.exec_count}: {first_line!r}):\n{err.ename}: {err.evalue}"
        ) from None
    chapter.executed.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(output_nb, chapter.executed)


def _run_papermill(nb, prepared: Path, executed: Path, kernel: str, cwd: Path, parameters: dict | None = None) -> None:
    """Execute ``nb`` with papermill on ``kernel`` in ``cwd``, via ``prepared`` on disk, and write it
    to ``executed`` with the run metadata stripped (what the book publishes and ``run`` returns)."""
    import nbformat
    import papermill

    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python (mst-aml-book)", "language": "python"}
    stable_cell_ids(nb)
    prepared.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, prepared)
    # Saved once at the end, not after every cell: the per-cell saves of a notebook full of
    # figures cost seconds of CPU that the chapter's own work wants.
    papermill.execute_notebook(str(prepared), str(executed), parameters=parameters, kernel_name=kernel, cwd=str(cwd),
                               progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                               autosave_cell_every=0, config=kernel_manager_config())
    nbformat.write(strip_run_metadata(nbformat.read(executed, as_version=4)), executed)


def stable_cell_ids(nb):
    """Number the cells ``cell-000``, ``cell-001``, …: a notebook read from its percent script
    has no cell ids, and nbformat would invent random ones on writing, so every build would
    publish a different file (and rebuild every page that embeds it)."""
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
    return nb


def strip_run_metadata(nb):
    """Remove what says where, when and by whom a notebook ran: papermill's input and output paths,
    start and end times and durations, per-cell execution timestamps. The executed notebook is
    what readers download; it must be the same on every machine and every build."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def validate_data_once(root: Path, log: Callable[[str], None] = print) -> None:
    """:func:`validate_data`, skipped when ``data/`` is byte-identical to the last time it passed
    (its verdict is a function of those bytes and of the helpers, which are hashed too)."""
    digest = hashlib.sha256()
    for folder in ("data", "mst_helpers"):
        _hash_path(digest, root / folder, root)
    stamp = _stamp(root, "validated")
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return
    stamp.unlink(missing_ok=True)
    for note in validate_data(root):
        log(f"note: {note}")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest.hexdigest())


def validate_data(root: Path) -> list[str]:
    """Validate every data file the book reads before anything executes.

    Returns one note per file that carries columns the book does not use (they are kept, not
    refused); raises :class:`BuildError` naming file, row and column on anything invalid.
    """
    from .audit import load_releases, load_statements
    from .claims import load_claims, missing_paper_claims
    from .cohort import load_cohort
    from .schema import DataValidationError, extra_columns_note
    from .gene_sets import (gene_set_overlap_problems, load_gene_id_table, load_protein_coding_genes, read_gene_sets,
                            read_gmt)
    from .transcriptomics import load_counts

    published = root / "data" / "published"
    frames: list[tuple[Path, object]] = []
    try:
        claims = load_claims(published / "claims.csv")
        incomplete = missing_paper_claims(claims, (published / "claims.csv").relative_to(root).as_posix())
        if incomplete:
            raise DataValidationError("\n".join(incomplete))
        frames.append((published / "claims.csv", claims))
        # The audit's reference tables, when the project ships them (a reader's project may not).
        for name, load in (("bioconductor_releases.csv", load_releases), ("statements.csv", load_statements)):
            if (published / name).exists():
                frames.append((published / name, load(published / name)))
        cohort_dir = root / "data" / "reconstructed"
        if cohort_dir.is_dir():
            cohort = load_cohort(cohort_dir)
            frames += [(cohort_dir / f"{name}.csv", getattr(cohort, name))
                       for name in ("patients", "courses", "chimerism", "labs") if getattr(cohort, name) is not None]
        transcriptomics_dir = root / "data" / "transcriptomics"
        counts = None
        if transcriptomics_dir.is_dir():
            counts, _ = load_counts(transcriptomics_dir / "counts.csv.gz", transcriptomics_dir / "samples.csv")
        genesets_dir = root / "data" / "genesets"
        if genesets_dir.is_dir():
            read_gene_sets(genesets_dir)
            for name, load in (("gene_ids.csv.gz", load_gene_id_table), ("protein_coding_genes.tsv", load_protein_coding_genes)):
                if (genesets_dir / name).exists():
                    load(genesets_dir / name)
            for gmt in sorted(genesets_dir.glob("*.gmt")) if counts is not None else []:
                sets = {set_id: genes for set_id, (_, genes) in read_gmt(gmt).items()}
                problems = [f"{gmt}: {p}" for p in gene_set_overlap_problems(
                    sets, counts.index, matrix_name=str(transcriptomics_dir / "counts.csv.gz"))]
                if problems:
                    raise DataValidationError("\n".join(problems))
    except DataValidationError as err:
        raise BuildError(str(err)) from None
    # Valid but not what was shipped (a truncated table, a hand-edited gene set, a mistyped claim):
    # the book would show changed numbers under unchanged prose. The schema message above is the
    # more precise one, so it comes first.
    from .manifest import check_manifest

    changed = check_manifest(root)
    if changed:
        raise BuildError("shipped data files differ from data/MANIFEST.tsv:\n" + "\n".join(changed))
    return [note for path, frame in frames if (note := extra_columns_note(path.relative_to(root), frame))]


def execute(root: Path, force: bool = False, log: Callable[[str], None] = print) -> list[str]:
    """Execute the chapters whose inputs changed; return the stems executed."""
    root = root.resolve()
    validate_data_once(root, log)
    todo = chapters(root)
    if not todo:
        raise BuildError(f"{root / '_toc.yml'} lists no chapter under {EXECUTED_DIR}/")
    kernel_environment(root)
    _remove_stale_outputs(root, {c.stem for c in todo}, log)
    kernel = None
    ran = []
    for number, chapter in enumerate(todo, start=1):
        if not chapter.source.is_file():
            raise BuildError(f"_toc.yml lists {EXECUTED_DIR}/{chapter.stem} but {chapter.source} does not exist")
        digest = chapter_hash(chapter, root)
        stamp = _stamp(root, chapter.stem)
        label = f"[{number}/{len(todo)}] {chapter.stem}"
        if not force and chapter.executed.is_file() and stamp.is_file() and stamp.read_text() == digest:
            log(f"{label}: up to date")
            continue
        kernel = kernel or kernel_name()
        log(f"{label}: executing ...")
        started = time.perf_counter()
        stamp.unlink(missing_ok=True)
        _execute_one(chapter, root, kernel)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)
        log(f"{label}: executed in {time.perf_counter() - started:.1f} s")
        ran.append(chapter.stem)
    return ran


def _remove_stale_outputs(root: Path, stems: set[str], log: Callable[[str], None]) -> None:
    """Delete build outputs of chapters no longer in the toc (renamed or removed).

    Otherwise an old chapter's results file would still feed the scorecard, and its executed
    notebook and HTML page would linger. Only ``book/executed/`` and the per-chapter files
    under ``_build/`` (results, stamps, HTML pages, sources, doctrees, glue) are touched.
    """
    patterns = ((EXECUTED_DIR, "*.ipynb"), (BUILD_DIR / "results", "*.json"), (STAMP_DIR, "*.sha256"),
                (BUILD_DIR / "html" / EXECUTED_DIR, "*.html"), (BUILD_DIR / "html" / "_sources" / EXECUTED_DIR, "*"),
                (BUILD_DIR / "jupyter_execute" / EXECUTED_DIR, "*"), (BUILD_DIR / ".doctrees" / EXECUTED_DIR, "*"))
    for folder, pattern in patterns:
        for path in sorted((root / folder).glob(pattern)):
            name = path.name.split(".", 1)[0]   # 10_uncertainty.glue.json -> 10_uncertainty
            if path.is_file() and name not in stems and name not in ("html", "validated"):
                path.unlink()
                log(f"removed {path.relative_to(root)} (not in _toc.yml)")


def _book_sources_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for pattern in BOOK_SOURCE_GLOBS:
        for path in sorted(root.glob(pattern)):
            _hash_path(digest, path, root)
    for chapter in chapters(root):
        if chapter.executed.is_file():
            _hash_path(digest, chapter.executed, root)
    return digest.hexdigest()


#: The ``jupyter-book`` command, run as ``python -c`` so that it skips building jsonschema's IRI parser.
_JUPYTER_BOOK = ("import sys; sys.modules.setdefault('rfc3987_syntax', None); sys.argv[0] = 'jupyter-book'; "
                 "from jupyter_book.cli.main import main; sys.exit(main())")


def build_html(root: Path, force: bool = False, log: Callable[[str], None] = print) -> bool:
    """Run ``jupyter-book build`` (-n -W --keep-going) if any book source changed.

    Returns whether a build ran. Raises :class:`BuildError` listing the warnings when
    Sphinx reports any.
    """
    root = root.resolve()
    digest = _book_sources_hash(root)
    stamp = _stamp(root, "html")
    index = root / BUILD_DIR / "html" / "index.html"
    if not force and index.is_file() and stamp.is_file() and stamp.read_text() == digest:
        log("html: up to date")
        return False
    stamp.unlink(missing_ok=True)
    log("html: jupyter-book build -n -W --keep-going ...")
    started = time.perf_counter()
    staging = root / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    # Built beside the served book, which a reader keeps seeing until the new one is complete.
    # `jupyter-book build …` through this interpreter, without the IRI parser (see main()).
    command = [sys.executable, "-c", _JUPYTER_BOOK, "build", str(root), "--path-output", str(staging),
               "--all", "-n", "-W", "--keep-going"]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    warnings = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
    (root / BUILD_DIR).mkdir(exist_ok=True)
    (root / BUILD_DIR / "jupyter-book.log").write_text(output, encoding="utf-8")
    if proc.returncode != 0 or warnings:
        shown = "\n".join(warnings) or output[-3000:]
        raise BuildError(f"jupyter-book build failed (exit {proc.returncode}); full log in _build/jupyter-book.log:\n{shown}")
    built = staging / BUILD_DIR / "html"
    _write_root_favicon(built / "favicon.ico")
    _swap_in(built, root / BUILD_DIR / "html")
    shutil.rmtree(staging, ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    log(f"html: built in {time.perf_counter() - started:.1f} s -> {index.relative_to(root)}")
    return True


def _swap_in(new: Path, served: Path) -> None:
    """Replace the folder ``served`` by ``new`` with two renames, so a reader never sees a mix."""
    old = served.with_name(served.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if served.exists():
        os.replace(served, old)
    os.replace(new, served)
    shutil.rmtree(old, ignore_errors=True)


def snapshot(root: Path) -> None:
    """Keep a copy of the last complete build's published outputs (:data:`PUBLISHED`) in
    ``_build/.previous``; a ``complete`` file, written last, lists what was there."""
    previous = root / PREVIOUS_DIR
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir(parents=True)
    present = []
    for relative in PUBLISHED:
        source, copy = root / relative, previous / relative
        if source.is_dir():
            shutil.copytree(source, copy)
        elif source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
        else:
            continue
        present.append(relative.as_posix())
    (previous / "complete").write_text("\n".join(present) + "\n")


def restore(root: Path) -> bool:
    """Put the snapshot back (after a failed or interrupted build). Safe to re-run if itself
    interrupted: each output is moved back at most once. Returns whether there was one."""
    previous = root / PREVIOUS_DIR
    marker = previous / "complete"
    if not marker.is_file():
        shutil.rmtree(previous, ignore_errors=True)   # a snapshot cut short: the outputs were never touched
        return False
    saved = set(marker.read_text().split())
    for relative in PUBLISHED:
        target, copy = root / relative, previous / relative
        if relative.as_posix() in saved and not copy.exists():
            continue  # moved back by an earlier, interrupted restore
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if copy.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(copy, target)
    shutil.rmtree(previous)
    return True


def build_book(root: Path, force: bool = False, log: Callable[[str], None] = print) -> None:
    """Execute and build as one transaction: the executed notebooks, results, figures, scorecard
    and HTML change together when everything succeeded, and not at all otherwise (a failure,
    Ctrl-C, or a killed process, recovered at the next run)."""
    root = root.resolve()
    if restore(root):
        log("restored the last complete build (the previous run did not finish)")
    snapshot(root)
    try:
        execute(root, force=force, log=log)
        # The HTML depends on the executed notebooks by content: a chapter that reran to the same bytes
        # (cell ids are stable) needs no new pages.
        build_html(root, force=force, log=log)
    except BaseException:
        restore(root)
        raise
    shutil.rmtree(root / PREVIOUS_DIR, ignore_errors=True)


def _write_root_favicon(path: Path) -> None:
    """Browsers ask for /favicon.ico on pages without an icon link (the root redirect page);
    serve the book's icon there too instead of a 404."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 31, 31), radius=6, fill=(0, 114, 178, 255))
    draw.polygon([(6, 24), (6, 9), (11, 9), (11, 20), (18, 9), (23, 9), (15, 21), (23, 21), (23, 24)], fill=(255, 255, 255, 255))
    image.save(path, format="ICO", sizes=[(32, 32)])


def pair(root: Path, log: Callable[[str], None] = print) -> None:
    """Regenerate each ``notebooks/*.ipynb`` from its ``.py`` source, outputs stripped."""
    import jupytext

    for source in sorted((root / NOTEBOOK_DIR).glob("*.py")):
        nb = jupytext.read(source)
        for number, cell in enumerate(nb.cells):
            # Stable cell ids: re-pairing an unchanged chapter leaves its .ipynb byte-identical.
            cell.id = hashlib.sha256(f"{source.stem}:{number}".encode()).hexdigest()[:8]
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        jupytext.write(nb, source.with_suffix(".ipynb"))
        log(f"paired {source.with_suffix('.ipynb').relative_to(root)}")


def attainability_benchmark(root: Path) -> dict[str, float]:
    """Time the attainable ranges alone (witnesses included) on 20 reconstruction seeds."""
    import tempfile

    from .attainability import run
    from .claims import load_claims
    from .uncertainty import run as run_seeds

    claims = load_claims(root / "data" / "published" / "claims.csv")
    seeds = run_seeds(range(1, 21), progress=False)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        run(claims, folder, seeds)
    return {"attainability_s": time.perf_counter() - started}


def bench(root: Path, log: Callable[[str], None] = print) -> dict[str, float]:
    """Time a clean build (environment installed) and a no-op build, per notebook."""
    root = root.resolve()
    for path in (root / BUILD_DIR, root / EXECUTED_DIR):
        shutil.rmtree(path, ignore_errors=True)
    times: dict[str, float] = {}
    timed_log = []
    started = time.perf_counter()
    execute(root, log=lambda line: (timed_log.append(line), log(line)))
    times["execute_clean_s"] = time.perf_counter() - started
    t_html = time.perf_counter()
    build_html(root, log=log)
    times["html_clean_s"] = time.perf_counter() - t_html
    times["book_clean_s"] = time.perf_counter() - started
    for line in timed_log:
        if "executed in" in line:
            stem = line.split("]")[1].split(":")[0].strip()
            times[f"notebook_{stem}_s"] = float(line.rsplit("in", 1)[1].split()[0])
    noop = subprocess.run([sys.executable, "-m", "mst_helpers.build", "book"], cwd=root, capture_output=True, text=True)
    started = time.perf_counter()
    noop = subprocess.run([sys.executable, "-m", "mst_helpers.build", "book"], cwd=root, capture_output=True, text=True)
    times["book_noop_s"] = time.perf_counter() - started
    if noop.returncode != 0:
        raise BuildError(noop.stdout + noop.stderr)
    from .competing import benchmark as competing_benchmark
    from .reconstruct import benchmark as reconstruction_benchmark

    times.update(reconstruction_benchmark())
    times.update(attainability_benchmark(root))
    from .transcriptomics import benchmark as de_benchmark

    times.update(de_benchmark(root / "data" / "transcriptomics" / "counts.csv.gz",
                              root / "data" / "transcriptomics" / "samples.csv",
                              root / "tests" / "fixtures" / "transcriptomics" / "deseq2_reference.R"))
    r_max_n = int(os.environ.get("BENCH_R_MAX_N", "20000"))
    for _, row in competing_benchmark(r_max_n=r_max_n).iterrows():
        for key in ("gray_test_s", "fine_gray_s", "R_cuminc_s", "R_crr_s"):
            if row[key] == row[key]:
                times[f"competing_n{int(row['n'])}_{key}"] = float(row[key])
    return times


def run_chapter(root: Path, chapter: str, output: Path, parameters: dict, edition: str, kernel: str | None = None) -> Path:
    """Execute one edition of ``notebooks/<chapter>.py`` with papermill and ``parameters``.

    Writes ``<output>/<chapter>.ipynb`` (run metadata stripped) and the chapter's results file in
    ``<output>/results/``; returns the notebook's path. Raises ``papermill`` errors unchanged.
    """
    import jupytext

    from .editions import EditionError, select_cells

    root, output = Path(root).resolve(), Path(output).resolve()
    source = root / NOTEBOOK_DIR / f"{chapter}.py"
    if not source.is_file():
        raise EditionError(f"{source}: no such chapter")
    prepared = output / f".{chapter}.input.ipynb"
    executed = output / f"{chapter}.ipynb"
    try:
        _run_papermill(select_cells(jupytext.read(source), edition), prepared, executed, kernel or kernel_name(),
                       root / NOTEBOOK_DIR, {"results_dir": str(output / "results"), "edition": edition, **parameters})
    finally:
        prepared.unlink(missing_ok=True)
    return executed


def run_own(root: Path, args: argparse.Namespace) -> Path:
    """``run CHAPTER --cohort FOLDER`` (or, for chapter 9, ``--counts FILE --samples FILE``):
    validate the data, then execute the chapter's edition for them (own data: ``own``)."""
    from papermill.exceptions import PapermillExecutionError

    from .cohort import is_reconstruction, load_cohort
    from .editions import COUNTS_CHAPTER, EditionError
    from .schema import DataValidationError

    if not args.chapter:
        raise BuildError("run needs a chapter, e.g. python -m mst_helpers.build run 06_survival --cohort my_cohort/")
    try:
        if args.chapter == COUNTS_CHAPTER:
            from . import transcriptomics as tx

            if args.counts is None or args.samples is None:
                raise BuildError("run 09_transcriptomics needs --counts and --samples (see data/transcriptomics/README.md)")
            counts, _ = tx.load_counts(args.counts, args.samples)
            shipped = tx.is_simulated(args.counts)
            parameters = {"counts_path": str(Path(args.counts).resolve()), "samples_path": str(Path(args.samples).resolve())}
            if not shipped:
                parameters["r_reference"] = ""   # the committed R results belong to the simulated counts
            described = f"{counts.shape[0]:,} genes × {counts.shape[1]} samples from {args.counts}"
        else:
            if args.cohort is None:
                raise BuildError(f"run {args.chapter} needs --cohort, e.g. python -m mst_helpers.build run "
                                 f"{args.chapter} --cohort my_cohort/")
            cohort = load_cohort(args.cohort, cutoff_date=args.cutoff_date)
            shipped = is_reconstruction(args.cohort)
            parameters = {"cohort_path": str(Path(args.cohort).resolve())}
            parameters.update({key: value for key, value in (("group_column", args.group_column), ("age_cut", args.age_cut),
                                                             ("cutoff_date", args.cutoff_date)) if value is not None})
            described = f"{len(cohort.patients)} patients from {args.cohort}"
    except DataValidationError as err:
        raise BuildError(str(err)) from None
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise BuildError(f"--param {item!r}: expected NAME=VALUE")
        try:
            parameters[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parameters[name] = value   # plain text
    print(f"{args.chapter}: {described}; executing ...")
    kernel_environment(root)
    try:
        executed = run_chapter(root, args.chapter, args.output or Path("my-results"), parameters, "paper" if shipped else "own")
    except (EditionError, PapermillExecutionError) as err:
        message = f"{err.ename}: {err.evalue}" if isinstance(err, PapermillExecutionError) else str(err)
        raise BuildError(f"{args.chapter}: {message}") from None
    print(f"wrote {executed} and {executed.parent / 'results' / (args.chapter + '.json')}")
    return executed


def build_student(root: Path, log: Callable[[str], None] = print) -> list[Path]:
    """``make student``: execute what is stale, then write the student edition of every chapter
    (solutions removed, glued values written in; :mod:`mst_helpers.student`) to ``_build/student/``.
    The book's own notebooks and downloads are not touched."""
    from .student import write_student_edition

    execute(root, log=log)
    written = write_student_edition(root / EXECUTED_DIR, root / BUILD_DIR / "figures", root / BUILD_DIR / "student")
    log(f"student: {len(written)} notebooks and README.md -> {(BUILD_DIR / 'student').as_posix()}/")
    assignments = build_course(root, log=log)
    from .assignments import write_student_assignments

    notebooks = write_student_assignments(assignments, root / BUILD_DIR / "student" / "assignments")
    log(f"student: {len(notebooks)} autograded assignments -> {(BUILD_DIR / 'student' / 'assignments').as_posix()}/")
    return written + notebooks


def build_course(root: Path, log: Callable[[str], None] = print) -> list:
    """``make course``: Otter Assign on every master in ``notebooks/assignments/`` — autograders,
    solution and student notebooks in ``_build/course/`` (:mod:`mst_helpers.assignments`)."""
    from .assignments import COURSE_DIR, build_assignments

    validate_data_once(root, log=log)   # the assignments read the reconstructed cohort's files
    assignments = build_assignments(root)
    questions = sum(len(a.points) for a in assignments)
    log(f"course: {len(assignments)} assignments, {questions} autograded questions -> {COURSE_DIR.as_posix()}/")
    return assignments


def grade(root: Path, submissions: Path, output: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """``make grade DIR=…``: grade every notebook in ``submissions`` with its assignment's autograder
    (public and hidden tests, otter's non-containerised runner) and write one CSV, by default
    ``<submissions>/grades.csv``."""
    from .assignments import grade_submissions

    submissions = Path(submissions)
    if not submissions.is_dir():
        raise BuildError(f"grade: {submissions} is not a folder of submitted notebooks")
    if not any(submissions.glob("*.ipynb")):
        raise BuildError(f"grade: {submissions} holds no .ipynb files")
    assignments = build_course(root, log=log)
    grades = grade_submissions(submissions, assignments)
    output = Path(output) if output is not None else submissions / "grades.csv"
    output.parent.mkdir(parents=True, exist_ok=True)
    grades.to_csv(output, index=False)
    for row in grades.itertuples(index=False):
        score = f"{row.total:g}/{row.possible:g}" if row.total == row.total else str(row.note)   # NaN: not graded
        log(f"grade: {row.submission} ({row.assignment}): {score}")
    log(f"grade: {len(grades)} submissions -> {output}")
    return output


def main(argv: list[str] | None = None) -> int:
    # jsonschema (under nbformat and papermill) builds an Earley parser for IRIs from rfc3987_syntax
    # when that is installed (jupyter-events pulls it in): 2-4 s in every process. Nothing here
    # validates IRIs, and jsonschema treats the module as optional (see assignments.skip_iri_parser).
    sys.modules.setdefault("rfc3987_syntax", None)
    parser = argparse.ArgumentParser(prog="python -m mst_helpers.build", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["book", "execute", "html", "validate", "pair", "bench", "manifest", "run",
                                                 "student", "course", "grade"])
    parser.add_argument("chapter", nargs="?", help="run: the chapter to execute on your cohort (e.g. 06_survival); "
                                                   "grade: the folder of submitted notebooks")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: current folder)")
    parser.add_argument("--force", action="store_true", help="execute and build even when up to date")
    own = parser.add_argument_group("run: a chapter on your own cohort (see 'The cohort contract' in data/README.md)")
    own.add_argument("--cohort", type=Path, help="folder with patients.csv (and optional courses/chimerism/labs.csv)")
    own.add_argument("--output", type=Path, help="where the executed notebook and results go (default my-results/); "
                                                 "grade: the CSV (default <folder>/grades.csv)")
    own.add_argument("--group-column", help="patients.csv column to compare (default age_group, or age split at --age-cut)")
    own.add_argument("--age-cut", type=float, help="age groups when the group column is absent: <= cut vs > cut (default 70)")
    own.add_argument("--cutoff-date", help="end of follow-up (YYYY-MM-DD): later events are censored there")
    own.add_argument("--counts", type=Path, help="chapter 9: a count matrix (genes x samples, .csv or .csv.gz)")
    own.add_argument("--samples", type=Path, help="chapter 9: its sample sheet (sample, condition[, subgroup])")
    own.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="any other parameter of the chapter's parameters cell (repeatable), e.g. --param permutations=100")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    started = time.perf_counter()
    try:
        if args.command == "validate":
            for note in validate_data(root):
                print(f"note: {note}")
            print("data: valid")
        elif args.command == "execute":
            execute(root, force=args.force)
        elif args.command == "html":
            build_html(root, force=args.force)
        elif args.command == "book":
            build_book(root, force=args.force)
        elif args.command == "pair":
            pair(root)
        elif args.command == "manifest":
            from .manifest import write_manifest

            print(f"wrote {write_manifest(root).relative_to(root)}")
        elif args.command == "run":
            run_own(root, args)
        elif args.command == "student":
            build_student(root)
        elif args.command == "course":
            build_course(root)
        elif args.command == "grade":
            if not args.chapter:
                raise BuildError("grade: name the folder of submitted notebooks (make grade DIR=submissions/)")
            grade(root, Path(args.chapter), args.output)
        elif args.command == "bench":
            times = bench(root)
            width = max(map(len, times))
            for key, value in times.items():
                print(f"{key:<{width}}  {value:8.2f}")
    except BuildError as err:
        print(f"BUILD FAILED: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # One line, not a traceback; 130 is the shell's code for a process stopped by Ctrl-C.
        kept = "the previous book is unchanged; " if args.command == "book" else ""
        print(f"\ninterrupted after {time.perf_counter() - started:.1f} s: {kept}run the same command again to finish",
              file=sys.stderr)
        return 130
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
