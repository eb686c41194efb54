"""Unreadable files stop with one line naming the file, never with a traceback from pandas or gzip."""

import gzip

import pandera.pandas as pa
import pytest

from mst_helpers.schema import DataValidationError, read_csv, read_text, read_validated_csv
from mst_helpers.gene_sets import read_gmt

SCHEMA = pa.DataFrameSchema({"patient_id": pa.Column(str), "n": pa.Column(int, pa.Check.ge(0), coerce=True)})


def _one_line(err: pytest.ExceptionInfo, path) -> str:
    message = str(err.value)
    assert str(path) in message and "\n" not in message, message
    return message


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
])
def test_an_empty_file_is_named(tmp_path, content, expected):
    path = tmp_path / "patients.csv"
    path.write_bytes(content)
    with pytest.raises(DataValidationError) as err:
        read_validated_csv(path, SCHEMA)
    assert expected in _one_line(err, path)


def test_a_byte_that_is_not_utf8_is_named_with_its_line(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes(b"patient_id,n\nMST-01,1\nMST-\xe902,2\n")
    with pytest.raises(DataValidationError) as err:
        read_validated_csv(path, SCHEMA)
    assert "line 3: byte 0xe9 is not UTF-8" in _one_line(err, path)


def test_a_file_that_is_not_gzip_and_a_truncated_gzip(tmp_path):
    fake = tmp_path / "counts.csv.gz"
    fake.write_text("gene,a\nX,1\n")
    with pytest.raises(DataValidationError) as err:
        read_text(fake)
    assert "not a gzip file" in _one_line(err, fake)
    whole = gzip.compress(("gene,a\n" + "".join(f"G{i},{i}\n" for i in range(5000))).encode())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataValidationError) as err:
        read_csv(cut, index_col=0)
    assert "truncated" in _one_line(err, cut)


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes("patient_id,n\nMST-01,1\n".encode("utf-8-sig"))
    assert list(read_validated_csv(path, SCHEMA).columns) == ["patient_id", "n"]


def test_a_ragged_table_is_one_line(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("patient_id,n\nMST-01,1\nMST-02,2,3,4\n")
    with pytest.raises(DataValidationError) as err:
        read_validated_csv(path, SCHEMA)
    assert "cannot be read as a table" in _one_line(err, path) and "line 3" in str(err.value)


def test_messages_print_plain_numbers(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("patient_id,n\nMST-01,-4\n")
    with pytest.raises(DataValidationError) as err:
        read_validated_csv(path, SCHEMA)
    assert "(found -4)" in str(err.value) and "np." not in str(err.value)


def test_a_gmt_file_tolerates_blank_lines(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("hsa1\tone\tA\tB\n\nhsa2\ttwo\tC\n\n\n")
    assert read_gmt(path) == {"hsa1": ("one", ["A", "B"]), "hsa2": ("two", ["C"])}


def test_a_gmt_file_refuses_a_duplicated_or_empty_set(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("hsa1\tone\tA\nhsa1\tagain\tB\n")
    with pytest.raises(DataValidationError, match=r"line 2: set 'hsa1' is listed twice"):
        read_gmt(path)
    path.write_text("hsa1\tone\tA\nhsa2\ttwo\t\t\n")
    with pytest.raises(DataValidationError, match=r"line 2: set 'hsa2' has no genes"):
        read_gmt(path)


def test_gene_sets_must_overlap_the_count_matrix():
    from mst_helpers.gene_sets import gene_set_overlap_problems

    sets = {"upper": ["CD3E", "CD4", "CD8A", "MPO"], "lower": ["cd3e", "cd4", "cd8a", "mpo"]}
    problems = gene_set_overlap_problems(sets, ["CD3E", "CD4", "CD8A", "MPO", "GATA1"])
    assert problems == ["gene set 'lower': 0% of its 4 genes are in the count matrix (at least 25% needed; "
                        "are the identifiers the same kind and case?)"]
