"""The data manifest: what every shipped data file is, and how to make it again.

``data/MANIFEST.tsv`` lists each file under ``data/`` with its SHA-256, its number of data rows
and the command that regenerates it. The build checks the manifest before anything runs: a shipped
file that differs from it (a truncated ``labs.csv``, a gene set edited by hand, a claim typed
wrong) stops the build with a message naming the file and the command that restores it, instead
of a book whose numbers quietly moved while its prose still says "by construction".

A reader who wants the book on their own data points a chapter's parameters at files *outside*
``data/``; after regenerating a shipped file on purpose, ``python -m mst_helpers.build manifest``
rewrites the manifest (and ``git diff data/MANIFEST.tsv`` shows what changed).

Examples
--------
>>> from pathlib import Path
>>> root = Path(__file__).resolve().parents[1]
>>> check_manifest(root)
[]
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MANIFEST", "Entry", "manifest_entries", "write_manifest", "read_manifest", "check_manifest",
           "regenerate_command"]

#: The manifest, relative to the project root.
MANIFEST = Path("data") / "MANIFEST.tsv"
_HEADER = ("path", "sha256", "rows", "regenerate")

#: How each shipped file is made, by folder (or file); the first match wins.
_COMMANDS = (
    (".md", "git checkout -- {path}"),
    ("data/reconstructed/", "python -m mst_helpers.reconstruct --seed 0 --out data/reconstructed"),
    ("data/transcriptomics/counts.csv.gz", "python -m mst_helpers.transcriptomics"),
    ("data/transcriptomics/samples.csv", "python -m mst_helpers.transcriptomics"),
    ("data/genesets/make_genesets.R", "git checkout -- data/genesets/make_genesets.R (the script itself)"),
    ("data/genesets/make_gene_ids.R", "git checkout -- data/genesets/make_gene_ids.R (the script itself)"),
    ("data/genesets/gene_ids.csv.gz", "Rscript data/genesets/make_gene_ids.R"),
    ("data/genesets/", "Rscript data/genesets/make_genesets.R"),
    ("data/published/", "curated by hand (see data/README.md): git checkout -- {path}"),
    ("data/", "git checkout -- {path}"),
)


@dataclass(frozen=True)
class Entry:
    """One shipped file: where it is, its SHA-256, its data rows ("" when not a table) and how to make it."""

    path: str
    sha256: str
    rows: str
    regenerate: str


def regenerate_command(path: str) -> str:
    """The command that writes ``path`` (relative to the root, POSIX) again."""
    for prefix, command in _COMMANDS:
        if path == prefix or path.startswith(prefix) or (prefix.startswith(".") and path.endswith(prefix)):
            return command.format(path=path)
    return f"git checkout -- {path}"


def _rows(file: Path) -> str:
    """Data rows of a table (lines after the header; non-blank lines of a GMT), "" otherwise."""
    suffixes = "".join(file.suffixes[-2:])
    if suffixes.endswith((".csv", ".csv.gz", ".tsv")):
        try:
            raw = gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()
        except (OSError, EOFError, zlib.error):
            return "unreadable"
        lines = [line for line in raw.splitlines() if line.strip()]
        return str(max(len(lines) - 1, 0))
    if file.suffix == ".gmt":
        return str(sum(1 for line in file.read_bytes().splitlines() if line.strip()))
    return ""


def _entry(root: Path, relative: str) -> Entry:
    file = root / relative
    return Entry(relative, hashlib.sha256(file.read_bytes()).hexdigest(), _rows(file), regenerate_command(relative))


def manifest_entries(root: Path) -> list[Entry]:
    """The entries the files under ``root/data`` have now (the manifest itself excluded)."""
    root = Path(root)
    return [_entry(root, file.relative_to(root).as_posix()) for file in sorted((root / "data").rglob("*"))
            if file.is_file() and file.relative_to(root) != MANIFEST and "__pycache__" not in file.parts]


def write_manifest(root: Path) -> Path:
    """Write ``data/MANIFEST.tsv`` for the files as they are (after a deliberate regeneration)."""
    lines = ["\t".join(_HEADER)] + ["\t".join((e.path, e.sha256, e.rows, e.regenerate)) for e in manifest_entries(root)]
    path = Path(root) / MANIFEST
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_manifest(root: Path) -> list[Entry]:
    """The committed manifest's entries."""
    text = (Path(root) / MANIFEST).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip()]
    if not rows or tuple(rows[0]) != _HEADER or any(len(r) != len(_HEADER) for r in rows[1:]):
        raise ValueError(f"{MANIFEST}: not a manifest (expected the columns {', '.join(_HEADER)})")
    return [Entry(*r) for r in rows[1:]]


def check_manifest(root: Path) -> list[str]:
    """What differs between the shipped data files and the manifest, one line per file, each with
    the command that restores it (empty when every file is as shipped). Files under ``data/`` that
    the manifest does not list are a reader's own and are not checked."""
    root = Path(root)
    if not (root / MANIFEST).is_file():
        return []  # a reader's project without a manifest: nothing shipped to compare with
    problems = []
    for shipped in read_manifest(root):
        # Only the shipped files are read, and a table's rows are counted only when it changed.
        file = root / shipped.path
        if not file.is_file():
            problems.append(f"{shipped.path}: missing; regenerate it with: {shipped.regenerate}")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != shipped.sha256:
            now_rows = _rows(file)
            if now_rows == shipped.rows:
                rows = " (same number of rows, different content)"
            elif now_rows == "unreadable":
                rows = " (it can no longer be read as a table)"
            else:
                rows = (f" ({now_rows} data {'row' if now_rows == '1' else 'rows'} where the manifest "
                        f"has {shipped.rows})")
            problems.append(f"{shipped.path}: differs from the shipped file{rows}; regenerate it with: "
                            f"{shipped.regenerate} — or, if you changed it on purpose, run "
                            "`python -m mst_helpers.build manifest` to record the new version")
    return problems
