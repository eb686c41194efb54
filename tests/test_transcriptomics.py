"""mst_helpers.transcriptomics and rnaseq_simulation: simulation, count validation, DE calls, enrichment, R DESeq2 oracle."""

from __future__ import annotations

import filecmp
import gzip
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mst_helpers import rnaseq_simulation as sim
from mst_helpers import transcriptomics as tx
from mst_helpers.build import BuildError, validate_data
from mst_helpers.schema import DataValidationError

from .conftest import FIXTURES, ROOT, copy_project, r_has, rscript

DATA = ROOT / "data" / "transcriptomics"
GENESETS = ROOT / "data" / "genesets"
REFERENCE = FIXTURES / "transcriptomics" / "deseq2_results.csv.gz"


def _simulate(**kwargs):
    return sim.simulate_counts(genes_path=GENESETS / "protein_coding_genes.tsv", gene_sets_dir=GENESETS, **kwargs)


def _small(n_genes: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    samples = tx.PAPER_DESIGN.copy()
    counts = pd.DataFrame(np.arange(n_genes * 6).reshape(n_genes, 6), index=[f"G{i}" for i in range(n_genes)],
                          columns=samples["sample"])
    return counts, samples


# ------------------------------------------------------------------ simulation


def test_committed_simulation_regenerates_bit_identically(tmp_path):
    for path in sim.write_simulation(tmp_path, genes_path=GENESETS / "protein_coding_genes.tsv", gene_sets_dir=GENESETS):
        assert filecmp.cmp(path, DATA / path.name, shallow=False), f"{path.name} differs from the committed file"


def test_simulation_has_the_papers_design():
    counts, samples = _simulate()
    assert list(counts.columns) == ["P5", "P6", "P9", "P10", "C1", "C2"]
    assert samples.groupby("condition").size().to_dict() == {"AML": 4, "Control": 2}
    assert counts.index.is_unique and (counts.to_numpy() >= 0).all()
    assert counts.dtypes.eq(np.int64).all()


def test_planting_one_more_gene_changes_one_gene_only():
    """The calibration relies on this: draws are per gene, so n_up moves exactly one row."""
    base, _ = _simulate()
    more, _ = _simulate(n_up=sim.SIMULATION.n_up + 1)
    changed = (base != more).any(axis=1)
    assert changed.sum() == 1


def test_patient_subgroups_are_closer_to_each_other_than_across():
    counts, _ = _simulate()
    log = np.log2(counts[counts.sum(axis=1) > 100] + 1)
    corr = log.corr()
    assert corr.loc["P5", "P6"] > corr.loc["P5", "P9"] and corr.loc["P9", "P10"] > corr.loc["P10", "P6"]


def test_too_many_planted_genes_is_an_error():
    with pytest.raises(ValueError, match="can be planted"):
        _simulate(n_up=50_000)


# ------------------------------------------------------------------ validation


def test_committed_counts_validate():
    counts, sheet = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    assert counts.shape == (20598, 6)
    assert list(sheet["condition"].cat.categories) == ["Control", "AML"]  # reference level first


@pytest.mark.parametrize("mutate, message", [
    (lambda c, s: c.iloc.__setitem__((1, 2), -3), r"row 2 \(line 3 of the file\), column 'P9' \(gene 'G1'\): count is negative"),
    (lambda c, s: c.iloc.__setitem__((0, 0), 1.5), r"gene 'G0'\): count is not an integer"),
    (lambda c, s: c.iloc.__setitem__((3, 5), np.nan), r"column 'C2' \(gene 'G3'\): count is missing"),
])
def test_bad_counts_name_gene_and_sample(mutate, message):
    counts, samples = _small()
    counts = counts.astype(float)
    mutate(counts, samples)
    with pytest.raises(tx.CountDataError, match=message):
        tx.validate_counts(counts, samples)


def test_duplicated_gene_id_is_named():
    counts, samples = _small()
    counts.index = ["G0", "G1", "G0", "G3"]
    with pytest.raises(tx.CountDataError, match=r"row 3 \(line 4 of the file\): gene id 'G0' appears more than once"):
        tx.validate_counts(counts, samples)


def test_sheet_and_matrix_must_match():
    counts, samples = _small()
    counts = counts.rename(columns={"C2": "C3"})
    with pytest.raises(tx.CountDataError, match=r"missing from the matrix \['C2'\], not in the sheet \['C3'\]"):
        tx.validate_counts(counts, samples)


def test_two_samples_per_condition_are_required():
    counts, samples = _small()
    samples.loc[samples["sample"] == "C2", "condition"] = "AML"
    with pytest.raises(tx.CountDataError, match="'Control' has 1 sample"):
        tx.validate_counts(counts, samples)


def test_unknown_condition_and_missing_column():
    counts, samples = _small()
    samples.loc[0, "condition"] = "Patient"
    with pytest.raises(tx.CountDataError, match=r"row 1 \(line 2 of the file\), sample 'P5', column 'condition': 'Patient'"):
        tx.validate_counts(counts, samples)
    with pytest.raises(tx.CountDataError, match="missing column 'condition'"):
        tx.validate_counts(counts, samples.drop(columns="condition"))


def test_a_corrupt_count_file_stops_the_build(tmp_path):
    project = copy_project(tmp_path / "project")
    path = project / "data" / "transcriptomics" / "counts.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    fields = lines[5].split(",")
    fields[3] = "-7"
    lines[5] = ",".join(fields)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(BuildError, match=r"counts\.csv\.gz: row 5 \(line 6 of the file\), column 'P9'.*negative"):
        validate_data(project)


# ------------------------------------------------------------------ calls, gene sets, enrichment


def test_call_degs_uses_both_thresholds_inclusively():
    table = pd.DataFrame({"log2FoldChange": [1.0, -1.0, 0.99, 3.0, 2.0, np.nan],
                          "padj": [0.05, 0.01, 0.001, 0.0501, np.nan, 0.01]})
    assert tx.call_degs(table).tolist() == ["up", "down", "ns", "ns", "ns", "ns"]


def test_committed_gene_sets_have_the_papers_pathways():
    sets, catalogue = tx.read_gene_sets(GENESETS)
    assert (catalogue["source"] == "KEGG 2011").sum() == 229 and (catalogue["source"] != "KEGG 2011").sum() == 11
    for name in ("Hematopoietic cell lineage (hsa04640)", "Lysosome (hsa04142)", "Cell adhesion molecules (CAMs) (hsa04514)",
                 "T-helper 1 cell differentiation (GO:0045063)", "T-helper 2 cell differentiation (GO:0045064)"):
        assert len(sets[name]) >= 10, name
    assert "CD34" in sets["Hematopoietic cell lineage (hsa04640)"]
    assert not any(name.startswith("hsa04658") for name in sets)  # Th1/Th2 KEGG map postdates the snapshot


def test_malformed_gmt_line_is_named(tmp_path):
    path = tmp_path / "bad.gmt"
    path.write_text("SET1\tdescription\tA\tB\nSET2 only\n")
    with pytest.raises(DataValidationError, match="line 2 has fewer than 3"):
        tx.read_gmt(path)


def test_over_representation_is_the_hypergeometric_tail_on_the_tested_background():
    genes = [f"G{i}" for i in range(100)]
    table = pd.DataFrame({"padj": [0.01] * 90 + [np.nan] * 10, "log2FoldChange": 0.0}, index=genes)
    table["call"] = "ns"
    table.iloc[:12, table.columns.get_loc("call")] = "up"         # 12 DEGs among 90 tested genes
    sets = {"S": genes[:8] + genes[20:32] + genes[95:], "T": genes[40:60]}
    result = tx.over_representation(table, sets).set_index("Term")
    # S has 20 tested genes (its 5 untested ones do not count), 8 of them DEGs.
    assert result.loc["S", "count"] == 8 and result.loc["S", "set_size"] == 20
    expected = stats.hypergeom.sf(8 - 1, 90, 12, 20)
    assert result.loc["S", "pvalue"] == pytest.approx(expected, rel=1e-9)
    assert result.loc["T", "count"] == 0 and result.loc["T", "pvalue"] == pytest.approx(1.0)


def test_over_representation_with_the_annotated_universe_bounds_and_one_correction_per_source():
    """clusterProfiler's reading: background = tested genes annotated in the source, set sizes within
    [min_size, max_size], Benjamini–Hochberg within each source (R: enrichKEGG / enrichGO, universe)."""
    from statsmodels.stats.multitest import multipletests

    genes = [f"G{i}" for i in range(100)]
    table = pd.DataFrame({"padj": [0.01] * 100, "log2FoldChange": 0.0}, index=genes)
    table["call"] = "ns"
    table.iloc[:12, table.columns.get_loc("call")] = "up"
    kegg = {"K1": genes[:8] + genes[20:32], "K2": genes[5:20], "K_big": genes[:60]}
    go = {"G1": genes[:3] + genes[80:90]}
    sets = {**kegg, **go}
    sources = {**{k: "KEGG" for k in kegg}, **{k: "GO" for k in go}}
    result = tx.over_representation(table, sets, universe="annotated", max_size=50, sources=sources).set_index("Term")
    assert "K_big" not in result.index                      # 60 annotated genes > max_size
    # KEGG background: the 60 genes annotated in KEGG (K_big counts for the universe), 12 DEGs among them.
    expected_k1 = stats.hypergeom.sf(8 - 1, 60, 12, 20)
    expected_k2 = stats.hypergeom.sf(7 - 1, 60, 12, 15)
    assert result.loc["K1", "pvalue"] == pytest.approx(expected_k1, rel=1e-9)
    assert result.loc["K2", "pvalue"] == pytest.approx(expected_k2, rel=1e-9)
    bh = multipletests([expected_k1, expected_k2], method="fdr_bh")[1]
    assert result.loc[["K1", "K2"], "padj"].to_numpy() == pytest.approx(bh, rel=1e-9)
    # GO background: its own 13 annotated genes, 3 of them DEGs; corrected alone.
    assert result.loc["G1", "pvalue"] == pytest.approx(stats.hypergeom.sf(3 - 1, 13, 3, 13), rel=1e-9)
    assert result.loc["G1", "source"] == "GO" and result.loc["G1", "padj"] == pytest.approx(result.loc["G1", "pvalue"])


def test_compare_with_reference_counts_disagreements():
    ours = pd.DataFrame({"log2FoldChange": [2.0, -2.0, 0.1, 1.5], "call": ["up", "down", "ns", "up"]}, index=list("ABCD"))
    theirs = pd.DataFrame({"log2FoldChange": [2.1, -1.9, 0.1, 1.4], "call": ["up", "down", "ns", "ns"]}, index=list("ABCD"))
    result = tx.compare_with_reference(ours, theirs)
    assert result["calls_differing"] == 1 and result["jaccard"] == pytest.approx(2 / 3)
    assert result["up"] == 2 and result["reference_up"] == 1
    assert result["lfc_max_abs_difference"] == pytest.approx(0.1)


def test_pathway_summary_reports_bounds_and_missing_sets():
    ora = pd.DataFrame({"Term": ["A"], "count": [5], "set_size": [20], "padj": [0.0123]})
    gsea = pd.DataFrame({"Term": ["A", "B"], "NES": [2.345, -1.5], "FDR": [0.0, 0.02]})
    table = tx.pathway_summary(ora, gsea, {"a": "A", "b": "B", "c": "C"}, permutations=1000).set_index("set")
    assert table.loc["A", "DEGs / tested in set"] == "5 / 20" and table.loc["A", "over-representation adj. p"] == "0.012"
    assert table.loc["A", "GSEA FDR"] == "< 0.001" and table.loc["B", "GSEA FDR"] == "0.020"
    assert table.loc["B", "DEGs / tested in set"] == "—" and (table.loc["C"].iloc[1:] == "—").all()


def test_shrinkage_summary_counts_degs_that_keep_the_threshold():
    table = pd.DataFrame({"baseMean": [5.0, 500, 800, 1000, 2000], "log2FoldChange": [4.0, 2.0, -1.2, 0.1, 1.1],
                          "call": ["up", "up", "down", "ns", "up"]}, index=list("ABCDE"))
    shrunk = pd.DataFrame({"log2FoldChange_shrunk": [0.5, 1.9, -1.0, 0.05, 0.9]}, index=list("ABCDE"))
    summary = tx.shrinkage_summary(table, shrunk, low_quantile=0.2)
    assert summary["n_degs_kept"] == 2                      # B (1.9) and C (|-1.0|)
    assert summary["low_count_median_abs_lfc"] == 4.0 and summary["low_count_median_abs_lfc_shrunk"] == 0.5


def test_subgroups_separate_on_planted_and_shuffled_structure():
    rng = np.random.default_rng(1)
    genes = [f"G{i}" for i in range(200)]
    pattern = rng.normal(size=(200, 1))
    base = rng.normal(size=(200, 1)) * 3
    columns = {"P5": base + pattern, "P6": base + pattern, "P9": base - pattern, "P10": base - pattern,
               "C1": -base, "C2": -base}
    expression = pd.DataFrame({k: (v + rng.normal(scale=0.1, size=(200, 1)))[:, 0] for k, v in columns.items()}, index=genes)
    groups = tx.subgroup_groups(tx.PAPER_DESIGN)
    assert groups == (("P5", "P6"), ("P9", "P10"))
    assert tx.subgroups_separate(expression, genes, groups)
    crossed = expression.rename(columns={"P6": "P9", "P9": "P6"})
    assert not tx.subgroups_separate(crossed, genes, groups)
    assert not tx.subgroups_separate(expression.drop(columns="P10"), genes, groups)
    # Other names, read from the sheet: nothing about P5 ... P10 is written in the helper.
    renamed = expression.rename(columns={"P5": "a1", "P6": "a2", "P9": "b1", "P10": "b2"})
    sheet = pd.DataFrame({"sample": ["a1", "a2", "b1", "b2", "C1", "C2"], "condition": ["AML"] * 4 + ["Control"] * 2,
                          "subgroup": ["a", "a", "b", "b", "", ""]})
    assert tx.subgroups_separate(renamed, genes, tx.subgroup_groups(sheet))


def test_without_a_subgroup_column_there_is_nothing_to_separate():
    sheet = pd.DataFrame(tx.PAPER_DESIGN).drop(columns="subgroup")
    assert tx.subgroup_groups(sheet) == ()
    assert not tx.subgroups_separate(pd.DataFrame(), [], ())


@pytest.mark.parametrize("sample, column, value, message", [
    ("P9", "subgroup", "", "column 'subgroup': empty"),
    ("C2", "condition", "A", r"column 'condition': 'A' is not one of \('Control', 'AML'\)$"),
])
def test_a_sheet_fault_names_its_row_sample_and_column(sample, column, value, message):
    counts, samples = _small()
    samples = samples.assign(**{column: samples[column].where(samples["sample"] != sample, value)})
    row = int(np.flatnonzero(samples["sample"] == sample)[0])
    with pytest.raises(tx.CountDataError, match=rf"^samples: row {row + 1} \(line {row + 2} of the file\), "
                                                rf"sample '{sample}', {message}"):
        tx.validate_counts(counts, samples)


def test_a_repeated_sample_or_an_empty_sheet_or_matrix_is_named():
    counts, samples = _small()
    twice = pd.concat([samples, samples.tail(1)], ignore_index=True)
    with pytest.raises(tx.CountDataError, match=rf"row {len(samples) + 1} .*column 'sample': listed twice"):
        tx.validate_counts(counts, twice)
    with pytest.raises(tx.CountDataError, match="samples: the sheet has a header but no samples"):
        tx.validate_counts(counts, samples.head(0))
    with pytest.raises(tx.CountDataError, match="counts: the matrix has no gene rows"):
        tx.validate_counts(counts.head(0), samples)


def test_the_r_cross_check_summary_says_when_there_is_none():
    assert "no cross-check" in tx.reference_summary(None)
    text = tx.reference_summary({"reference_up": 883, "reference_down": 699, "calls_differing": 13, "jaccard": 0.9918,
                                 "lfc_correlation": 0.99999})
    assert text.startswith("R calls 883 up and 699 down; 13 genes change call")


# ------------------------------------------------------------------ the DE fit (about 30 s)


@pytest.fixture(scope="module")
def committed_de():
    counts, samples = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    return tx.differential_expression(counts, samples, shrink=False)


def test_committed_simulation_gives_the_printed_deg_counts(committed_de):
    calls = committed_de.table["call"].value_counts()
    assert (calls["up"], calls["down"]) == (883, 696)


def test_pydeseq2_agrees_with_r_deseq2_fixture(committed_de):
    """R: ``DESeq(DESeqDataSetFromMatrix(counts, samples, ~ condition)); results(dds, alpha = 0.05)``."""
    agreement = tx.compare_with_reference(committed_de.table, tx.read_reference(REFERENCE))
    assert agreement["genes_compared"] == len(committed_de.table)
    assert abs(agreement["reference_up"] - 883) <= 5 and abs(agreement["reference_down"] - 696) <= 5
    assert agreement["jaccard"] >= 0.99
    assert agreement["lfc_correlation"] >= 0.99999


@pytest.mark.r_oracle
@pytest.mark.skipif(not r_has("DESeq2"), reason="R package DESeq2 not installed")
def test_r_deseq2_live_reproduces_the_fixture(tmp_path):
    out = tmp_path / "deseq2.csv.gz"
    subprocess.run([rscript(), str(FIXTURES / "transcriptomics" / "deseq2_reference.R"), str(DATA / "counts.csv.gz"),
                    str(DATA / "samples.csv"), str(out)], check=True, capture_output=True)
    live, committed = tx.read_reference(out), tx.read_reference(REFERENCE)
    pd.testing.assert_frame_equal(live, committed, rtol=1e-6)


@pytest.mark.r_oracle
@pytest.mark.skipif(not (r_has("org.Hs.eg.db") and r_has("GO.db")), reason="Bioconductor annotation packages not installed")
def test_gene_set_script_regenerates_the_committed_files(tmp_path):
    folder = tmp_path / "data" / "genesets"
    folder.mkdir(parents=True)
    for name in ("make_genesets.R", "kegg_2011_names.csv"):
        shutil.copy(GENESETS / name, folder / name)
    subprocess.run([rscript(), "data/genesets/make_genesets.R"], cwd=tmp_path, check=True, capture_output=True)
    for name in ("protein_coding_genes.tsv", "kegg_2011.gmt", "go_selected.gmt"):
        assert filecmp.cmp(folder / name, GENESETS / name, shallow=False), name


def test_vst_is_a_log2_like_scale_of_the_normalised_counts(committed_de):
    """R: ``assay(varianceStabilizingTransformation(dds, blind = FALSE))``, the dispersion trend of the
    fit reused — near log2(normalised) for well-expressed genes."""
    vst, normalised = committed_de.vst, committed_de.normalised
    assert vst.shape == normalised.shape and np.isfinite(vst.to_numpy()).all()
    expressed = normalised.mean(axis=1) > 500
    difference = vst[expressed] - np.log2(normalised[expressed])
    assert difference.abs().median().max() < 0.1


@pytest.mark.book
def test_the_chapter_runs_on_a_readers_own_counts(tmp_path):
    """A reader's matrix — versioned Ensembl ids, other sample names and order, no `subgroup`
    column, no R reference — through `python -m mst_helpers.build run 09_transcriptomics`: the
    own-data edition runs with no error or warning and says nothing about the simulation."""
    import json
    import subprocess
    import sys

    import nbformat

    counts, samples = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    ids = pd.read_csv(ROOT / "data" / "genesets" / "gene_ids.csv.gz", dtype=str).dropna(subset=["ensembl_id"])
    ensembl = ids.drop_duplicates("symbol").set_index("symbol")["ensembl_id"]
    mine = counts.iloc[::8]
    mine = mine[mine.index.isin(ensembl.index)]
    mine.index = [f"{ensembl[g]}.{i % 7 + 1}" for i, g in enumerate(mine.index)]   # ENSG…\.N, as GENCODE writes them
    mine = mine.rename(columns={"P5": "AML_a", "P6": "AML_b", "P9": "AML_c", "P10": "AML_d",
                                "C1": "healthy_1", "C2": "healthy_2"})
    mine = mine[["healthy_1", "AML_a", "AML_b", "healthy_2", "AML_c", "AML_d"]]
    sheet = samples.assign(sample=["AML_a", "AML_b", "AML_c", "AML_d", "healthy_1", "healthy_2"]).drop(columns=["subgroup"])
    mine.to_csv(tmp_path / "counts.csv")
    sheet.to_csv(tmp_path / "samples.csv", index=False)
    proc = subprocess.run([sys.executable, "-m", "mst_helpers.build", "run", "09_transcriptomics", "--counts",
                           str(tmp_path / "counts.csv"), "--samples", str(tmp_path / "samples.csv"), "--output",
                           str(tmp_path / "out"), "--param", "permutations=100"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "out" / "results" / "09_transcriptomics.json").read_text())
    assert results["n_genes"] == len(mine) and results["n_samples.AML"] == 4
    assert results["n_up"] + results["n_down"] == results["n_degs"] > 0
    assert results["ora.n_sets"] > 0                       # the Ensembl ids were mapped: gene sets could be tested
    assert not any(key.startswith(("r.", "recomputed.")) for key in results)
    nb = nbformat.read(tmp_path / "out" / "09_transcriptomics.ipynb", as_version=4)
    prose = []
    for cell in nb.cells:
        assert "paper" not in cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            prose.append(cell.source)
        for output in cell.get("outputs", []):
            assert output.output_type != "error" and not (output.output_type == "stream" and output.name == "stderr"), output
            prose.extend(v for v in output.get("data", {}).values() if isinstance(v, str))
    text = "\n".join(prose).lower()
    for word in ("simulat", "by construction", "printed", "planted"):
        assert word not in text, word
    assert "your counts" in text and "ensembl" in text


def test_enrichment_with_no_overlapping_gene_set_is_an_empty_table_not_a_crash():
    """Ensembl ids in the matrix, symbols in the sets: nothing overlaps."""
    genes = [f"ENSG{i:011d}" for i in range(300)]
    table = pd.DataFrame({"padj": np.linspace(0.001, 0.9, 300), "call": ["up"] * 40 + ["ns"] * 260,
                          "stat": np.linspace(5, -5, 300)}, index=genes)
    sets = {"Lysosome": [f"G{i}" for i in range(30)]}
    ora = tx.over_representation(table, sets)
    assert ora.empty and list(ora.columns) == ["Term", "source", "count", "set_size", "gene_ratio", "pvalue", "padj", "genes"]
    assert tx.gsea_prerank(table, sets, permutations=10).empty


def test_the_qc_vst_is_blind_to_the_conditions():
    """R: vst(dds, blind = TRUE): the transformation does not depend on the sample labels, and for
    well-expressed genes it is close to log2 of the normalised counts."""
    counts, samples = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    matrix = counts.iloc[::10]
    matrix = matrix[matrix.sum(axis=1) >= 10]
    size_factors = pd.Series([1.0, 1.2, 0.8, 1.1, 0.9, 1.05], index=matrix.columns)
    blind = tx.blind_vst(matrix, size_factors, nsub=300)
    shuffled = tx.blind_vst(matrix[matrix.columns[::-1]], size_factors, nsub=300)
    pd.testing.assert_frame_equal(blind, shuffled[blind.columns], rtol=1e-10)
    normalised = matrix / size_factors
    expressed = normalised.min(axis=1) > 1000
    assert (blind[expressed] - np.log2(normalised[expressed])).abs().median().max() < 0.1


def _gsea_example():
    rng = np.random.default_rng(7)
    genes = [f"G{i}" for i in range(2000)]
    table = pd.DataFrame({"stat": rng.normal(size=2000)}, index=genes)
    table.iloc[:60, 0] += 3                                   # set "A" sits at the top
    table.iloc[1000:1030, 0] -= 0.6                           # set "B" leans a little to the bottom
    sets = {"A": genes[:40] + genes[500:510], "B": genes[1000:1060], "C": genes[::37]}
    return table, sets


@pytest.mark.parametrize("method", ["multilevel", "permutation"])
def test_gsea_results_do_not_depend_on_the_thread_count(method):
    """gseapy on one thread and on two gives the same NES, p and FDR (the chapter lifts gseapy's
    one-core-fewer cap on that basis)."""
    table, sets = _gsea_example()
    one = tx.gsea_prerank(table, sets, permutations=200, threads=1, method=method)
    two = tx.gsea_prerank(table, sets, permutations=200, threads=2, method=method)
    pd.testing.assert_frame_equal(one, two)
    assert one.iloc[0]["Term"] == "A" and one.iloc[0]["FDR"] < 0.05


def test_multilevel_gsea_agrees_with_the_permutation_method_and_has_no_floor():
    """fgsea's multilevel method estimates the same tail probability as plain gene-set permutation
    where permutations can resolve it, and goes below 1/permutations where they cannot."""
    table, sets = _gsea_example()
    multilevel = tx.gsea_prerank(table, sets, permutations=2000).set_index("Term")
    permutation = tx.gsea_prerank(table, sets, permutations=2000, method="permutation").set_index("Term")
    assert np.allclose(multilevel["NES"], permutation.loc[multilevel.index, "NES"], atol=0.05)
    # B and C: p-values that 2,000 permutations resolve; agreement within Monte Carlo error.
    for term in ("B", "C"):
        p_perm, p_multi = permutation.loc[term, "pvalue"], multilevel.loc[term, "pvalue"]
        assert abs(p_multi - p_perm) < 4 * np.sqrt(p_perm * (1 - p_perm) / 2000) + 0.005, (term, p_multi, p_perm)
    assert permutation.loc["A", "pvalue"] == 0 and 0 < multilevel.loc["A", "pvalue"] < 1 / 2000
    # multilevel FDR is Benjamini-Hochberg on its p-values
    from statsmodels.stats.multitest import multipletests
    assert np.allclose(multilevel["FDR"], multipletests(multilevel["pvalue"], method="fdr_bh")[1])
    with pytest.raises(ValueError, match="method must be"):
        tx.gsea_prerank(table, sets, method="fast")
