"""Every shipped data file, corrupted in each of the ways a reliability run found, stops validation
with a message naming the file — never a traceback, never a book with changed numbers.

Validation-only: the cases copy ``data/`` and call :func:`mst_helpers.build.validate_data`, which is
what ``make book`` runs before any chapter, so the whole suite takes seconds.
"""

from __future__ import annotations

import gzip
import shutil

import pytest

from mst_helpers.build import BuildError, validate_data
from mst_helpers.manifest import read_manifest

from .conftest import ROOT

TABLES = [e.path for e in read_manifest(ROOT) if e.rows]


def _bytes(path):
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def _write(path, raw: bytes, compress: bool = True):
    path.write_bytes(gzip.compress(raw, mtime=0) if path.suffix == ".gz" and compress else raw)


CORRUPTIONS = {
    "empty": lambda p: p.write_bytes(b""),
    "header only": lambda p: _write(p, _bytes(p).splitlines(keepends=True)[0]),
    "cut mid-row": lambda p: _write(p, _bytes(p)[: len(_bytes(p)) // 2]),
    "a byte that is not UTF-8": lambda p: _write(p, _bytes(p).replace(b"\n", b"\n\xff", 1)),
    "last row duplicated": lambda p: _write(p, _bytes(p) + _bytes(p).rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n"),
    "not gzip / binary garbage": lambda p: p.write_bytes(b"\x00\x01\x02 not a table \xfe" * 10),
    "truncated file (bytes cut)": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
}


@pytest.fixture()
def data_copy(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


@pytest.mark.parametrize("how", list(CORRUPTIONS))
@pytest.mark.parametrize("file", TABLES)
def test_every_corruption_of_every_file_stops_with_its_name(data_copy, file, how):
    CORRUPTIONS[how](data_copy / file)
    with pytest.raises(BuildError) as err:
        validate_data(data_copy)
    message = str(err.value)
    assert file.rsplit("/", 1)[-1] in message, message
    assert "np.int64" not in message and "Traceback" not in message
    expected = _EXPECTED.get((how, file.endswith(".gz"), file.endswith(".gmt")))
    if expected is not None:
        assert f"{file}: " in message.splitlines()[0] and any(e in message for e in expected), message


# What the first line says, for the corruptions whose message does not depend on the table:
# (corruption, gzip?, GMT?) -> accepted phrases. A GMT file cut to its first line is a valid,
# smaller set file: the manifest names it.
_EXPECTED = {
    ("empty", False, False): ("the file is empty",),
    ("empty", True, False): ("the file is empty",),
    ("empty", False, True): ("the file is empty",),
    ("header only", False, False): ("the file has a header but no data rows", "no samples"),
    ("header only", True, False): ("the file has a header but no data rows", "the matrix has no gene rows"),
    ("a byte that is not UTF-8", False, False): ("line 2: byte 0xff is not UTF-8",),
    ("a byte that is not UTF-8", True, False): ("line 2: byte 0xff is not UTF-8",),
    ("a byte that is not UTF-8", False, True): ("line 2: byte 0xff is not UTF-8",),
    ("not gzip / binary garbage", True, False): ("not a gzip file",),
    ("truncated file (bytes cut)", True, False): ("the gzip file is truncated",),
}


def test_the_clean_copy_validates(data_copy):
    validate_data(data_copy)


def test_extra_columns_are_accepted_and_named_once(data_copy):
    """Benign input: a column the book does not use is kept, and the build names it in one line."""
    from mst_helpers.manifest import write_manifest

    for file in ("data/published/claims.csv", "data/reconstructed/patients.csv", "data/reconstructed/labs.csv"):
        path = data_copy / file
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0] + ",site"] + [line + ",A" for line in lines[1:]]) + "\n")
    write_manifest(data_copy)   # changed on purpose: recorded, as the manifest message advises
    notes = validate_data(data_copy)
    assert notes == [f"{file}: column 'site' not used by the book (kept, not validated)"
                     for file in ("data/published/claims.csv", "data/reconstructed/patients.csv", "data/reconstructed/labs.csv")]


def test_a_repeated_key_of_several_columns_is_one_line_per_row(data_copy):
    """labs.csv is keyed by patient, course and day together: a repeated row names the key once,
    not once per column of it under pandera's check name."""
    path = data_copy / "data" / "reconstructed" / "labs.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[-1]]) + "\n")
    with pytest.raises(BuildError) as err:
        validate_data(data_copy)
    message = str(err.value)
    n = len(lines) - 1   # data rows before the copy
    patient, course, day = lines[-1].split(",")[:3]
    for row in (n, n + 1):
        assert (f"labs.csv: row {row} (line {row + 1} of the file), patient_id '{patient}': another row has the same "
                f"patient_id, course and day ({patient}, {course}, {day}); they must be unique together") in message
    assert "multiple_fields_uniqueness" not in message and message.count("unique together") == 2


@pytest.mark.parametrize("file, edit, expected", [
    ("data/genesets/kegg_2011_names.csv", lambda lines: ["id,name"] + lines[1:],
     "data/genesets/kegg_2011_names.csv: column 'pathway_id' is missing"),
    ("data/genesets/kegg_2011_names.csv", lambda lines: lines + [lines[1]],
     "data/genesets/kegg_2011_names.csv: row 84 (line 85 of the file), pathway_id 'hsa00010', column 'pathway_id': "
     "duplicate value"),
    ("data/genesets/protein_coding_genes.tsv", lambda lines: lines[:1] + ["12x\tA1BG"] + lines[2:],
     "data/genesets/protein_coding_genes.tsv: row 1 (line 2 of the file), symbol 'A1BG', column 'entrez_id': "
     "does not match the pattern"),
])
def test_the_gene_tables_have_schemas_too(data_copy, file, edit, expected):
    """Changed on purpose (manifest re-recorded), a gene table is still validated: no KeyError in a chapter."""
    from mst_helpers.manifest import write_manifest

    path = data_copy / file
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    write_manifest(data_copy)
    with pytest.raises(BuildError) as err:
        validate_data(data_copy)
    assert expected in str(err.value), str(err.value)


def test_a_gene_id_row_needs_an_id(data_copy):
    from mst_helpers.manifest import write_manifest

    path = data_copy / "data" / "genesets" / "gene_ids.csv.gz"
    lines = _bytes(path).decode().splitlines()
    _write(path, ("\n".join(lines[:1] + [",,LONELY"] + lines[1:]) + "\n").encode())
    write_manifest(data_copy)
    with pytest.raises(BuildError) as err:
        validate_data(data_copy)
    assert ("data/genesets/gene_ids.csv.gz: row 1 (line 2 of the file), symbol 'LONELY', columns 'ensembl_id' and "
            "'entrez_id': both empty") in str(err.value), str(err.value)
