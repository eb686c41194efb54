"""Gene identifiers: detected, mapped offline to symbols, and reported in words."""

import pandas as pd
import pytest

from mst_helpers import gene_ids

from .conftest import rscript


def test_kinds_are_detected_from_the_ids():
    assert gene_ids.detect_kind(["ENSG00000141510.17", "ENSG00000012048", "ENSG00000146648.19"]) == "ensembl"
    assert gene_ids.detect_kind(["7157", "672", "1956"]) == "entrez"
    assert gene_ids.detect_kind(["TP53", "BRCA1", "EGFR"]) == "symbol"


def test_ensembl_ids_with_versions_map_to_symbols_and_duplicates_are_summed():
    # TP53, EGFR and BRCA1 in org.Hs.eg.db 3.16; one unknown id.
    counts = pd.DataFrame({"a": [1, 2, 3, 4], "b": [5, 6, 7, 8]},
                          index=["ENSG00000141510.17", "ENSG00000146648.19", "ENSG00000012048.23", "ENSG99999999999.1"])
    mapped, report = gene_ids.to_symbols(counts)
    assert report.kind == "ensembl" and (report.n_ids, report.n_mapped, report.n_symbols) == (4, 3, 3)
    assert mapped.loc["TP53", "a"] == 1 and mapped.loc["EGFR", "b"] == 6 and mapped.loc["BRCA1", "a"] == 3
    assert "3 of 4 (75.0%) map to a gene symbol" in report.sentence and "Fewer than" not in report.sentence
    both = pd.DataFrame({"a": [1, 2]}, index=["ENSG00000141510.1", "ENSG00000141510.2"])
    summed, _ = gene_ids.to_symbols(both, "ensembl")
    assert summed.loc["TP53", "a"] == 3


def test_entrez_ids_map_and_a_poor_mapping_is_reported_not_raised():
    counts = pd.DataFrame({"a": [1, 2, 3]}, index=["7157", "999999991", "999999992"])
    mapped, report = gene_ids.to_symbols(counts, "entrez")
    assert list(mapped.index) == ["TP53"]
    assert "Fewer than 50% of the ids map: check the parameter gene_id_type" in report.sentence


def test_symbols_pass_through_and_a_wrong_kind_is_named():
    counts = pd.DataFrame({"a": [1]}, index=["TP53"])
    assert gene_ids.to_symbols(counts)[0] is counts
    with pytest.raises(ValueError, match="gene_id_type must be"):
        gene_ids.to_symbols(counts, "refseq")


@pytest.mark.skipif(rscript() is None, reason="Rscript not installed")
def test_the_table_regenerates_byte_identically(tmp_path):
    """Live check: ``Rscript data/genesets/make_gene_ids.R`` gives the committed table (needs org.Hs.eg.db)."""
    import shutil
    import subprocess

    from .conftest import ROOT, r_has

    if not r_has("org.Hs.eg.db"):
        pytest.skip("org.Hs.eg.db not installed")
    (tmp_path / "data" / "genesets").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "genesets" / "make_gene_ids.R", tmp_path / "data" / "genesets")
    subprocess.run([rscript(), "data/genesets/make_gene_ids.R"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "data" / "genesets" / "gene_ids.csv.gz").read_bytes() == gene_ids.GENE_ID_TABLE.read_bytes()
