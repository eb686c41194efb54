"""The data manifest: a shipped file that changed stops the build, naming it and how to restore it."""

import csv
import gzip
import io

import pytest

from mst_helpers.build import BuildError, validate_data
from mst_helpers.manifest import check_manifest, manifest_entries, read_manifest, regenerate_command

from .conftest import ROOT, copy_project


def test_the_committed_manifest_describes_the_shipped_files():
    assert check_manifest(ROOT) == []
    assert read_manifest(ROOT) == manifest_entries(ROOT), "run `python -m mst_helpers.build manifest` and commit it"


def test_every_file_has_a_command_that_makes_it():
    assert regenerate_command("data/reconstructed/labs.csv") == "python -m mst_helpers.reconstruct --seed 0 --out data/reconstructed"
    assert regenerate_command("data/genesets/kegg_2011.gmt") == "Rscript data/genesets/make_genesets.R"
    assert regenerate_command("data/genesets/README.md") == "git checkout -- data/genesets/README.md"


def _rewrite_csv(path, edit):
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(edit(rows))


def _drop_last_100(path):
    _rewrite_csv(path, lambda rows: rows[:-100])


def _duplicate_last_row(path):
    _rewrite_csv(path, lambda rows: rows + [rows[-1]])


def _claim_minus_eleven(path):
    def edit(rows):
        header = rows[0]
        value, printed = header.index("value"), header.index("printed")
        for r in rows[1:]:
            if r[printed] == "11":
                r[value] = "-11"
                break
        return rows
    _rewrite_csv(path, edit)


def _cut_counts_in_half(path):
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    path.write_bytes(gzip.compress(("\n".join(lines[: len(lines) // 2]) + "\n").encode(), mtime=0))


def _lower_case_a_gene_set(path):
    lines = path.read_text().splitlines()
    fields = lines[0].split("\t")
    lines[0] = "\t".join(fields[:2] + [g.lower() for g in fields[2:]])
    path.write_text("\n".join(lines) + "\n")


def _duplicate_a_gene_set(path):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[0]]) + "\n")


# Each of these passed validation before the manifest, and gave a book with changed numbers.
SILENT = {
    "labs.csv missing its last 100 rows": ("data/reconstructed/labs.csv", _drop_last_100),
    "a duplicated chimerism row": ("data/reconstructed/chimerism.csv", _duplicate_last_row),
    "a claim's value typed -11 for printed 11": ("data/published/claims.csv", _claim_minus_eleven),
    "half the genes of the count matrix": ("data/transcriptomics/counts.csv.gz", _cut_counts_in_half),
    "lower-cased gene symbols in a KEGG set": ("data/genesets/kegg_2011.gmt", _lower_case_a_gene_set),
    "a duplicated KEGG set": ("data/genesets/kegg_2011.gmt", _duplicate_a_gene_set),
}


# What each one now says (the rest of the message names the file, and the row where there is one).
SILENT_MESSAGES = {
    "labs.csv missing its last 100 rows": "(730 data rows where the manifest has 830); regenerate it with: "
                                          "python -m mst_helpers.reconstruct --seed 0 --out data/reconstructed",
    "a duplicated chimerism row": "a second value for the same patient, course and date",
    "a claim's value typed -11 for printed 11": "column 'value': -11 is not the printed '11'",
    "half the genes of the count matrix": "genes are in ",
    "lower-cased gene symbols in a KEGG set": "0% of its",
    "a duplicated KEGG set": "is listed twice",
}


@pytest.mark.parametrize("case", list(SILENT))
def test_a_silent_corruption_stops_the_build(tmp_path, case):
    file, corrupt = SILENT[case]
    project = copy_project(tmp_path / "project")
    corrupt(project / file)
    with pytest.raises(BuildError) as err:
        validate_data(project)
    # Either the schema names the fault, or the manifest names the file and how to restore it.
    assert file.rsplit("/", 1)[-1] in str(err.value)
    assert SILENT_MESSAGES[case] in str(err.value), str(err.value)
    if "MANIFEST" in str(err.value):
        assert regenerate_command(file) in str(err.value)


def test_the_manifest_message_says_how_many_rows_changed(tmp_path):
    project = copy_project(tmp_path / "project")
    _drop_last_100(project / "data" / "reconstructed" / "labs.csv")
    problems = check_manifest(project)
    assert len(problems) == 1 and "data/reconstructed/labs.csv" in problems[0]
    assert "(730 data rows where the manifest has 830)" in problems[0]


def test_a_readers_own_file_in_data_is_not_checked(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "data" / "mine").mkdir()
    (project / "data" / "mine" / "patients.csv").write_text("patient_id\nX\n")
    assert check_manifest(project) == []


def test_the_manifest_rows_count_data_rows():
    entries = {e.path: e for e in read_manifest(ROOT)}
    labs = (ROOT / "data" / "reconstructed" / "labs.csv").read_text().splitlines()
    assert entries["data/reconstructed/labs.csv"].rows == str(len(labs) - 1)
    counts = gzip.decompress((ROOT / "data" / "transcriptomics" / "counts.csv.gz").read_bytes())
    assert entries["data/transcriptomics/counts.csv.gz"].rows == str(len(io.BytesIO(counts).readlines()) - 1)


def test_data_readmes_point_to_files_that_exist():
    import re

    for readme in (ROOT / "data").rglob("*.md"):
        for target in re.findall(r"`((?:notebooks|mst_helpers|tests|data)/[^`\s]+)`", readme.read_text()):
            assert (ROOT / target).exists(), f"{readme.relative_to(ROOT)} points to {target}, which does not exist"
