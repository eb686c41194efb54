"""RNA-seq with the paper's design: a simulated count matrix, DESeq2-style testing and enrichment.

The paper's RNA-seq (peripheral blood of patients 5, 6, 9 and 10 against two healthy controls)
is not public. :func:`simulate_counts` draws a negative-binomial count matrix with that design —
two patient sub-groups (5/6 and 9/10), a mean–dispersion trend, library-size variation and
planted effects concentrated in the pathways the paper names — calibrated so that the paper's
own pipeline (:func:`differential_expression`: DESeq2 via pydeseq2, Benjamini–Hochberg,
|log2 FC| ≥ 1 and adjusted p ≤ 0.05) finds the printed 883 up- and 696 down-regulated genes.
The calibration (:func:`calibrate`) is run once; its result is the module's defaults, so
``python -m mst_helpers.transcriptomics`` regenerates the committed files bit-identically.

Every gene's counts are drawn by inverting the negative-binomial CDF at uniforms fixed by the
seed, so changing how many genes carry an effect changes those genes and no other — which is
what lets the calibration converge in a few fits.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .formatting import format_p
from .gene_sets import MIN_SET_OVERLAP, gene_set_overlap_problems, load_protein_coding_genes, read_gene_sets, read_gmt
from .schema import DataValidationError, read_csv, row_label

__all__ = [
    "is_simulated", "gene_set_overlap_problems", "MIN_SET_OVERLAP", "AML_MARKER_GENES", "CONDITION_ORDER", "PAPER_DESIGN", "SIMULATION", "CountDataError", "DEResult",
    "simulate_counts", "write_simulation", "read_gene_sets", "read_gmt", "validate_counts",
    "load_counts", "differential_expression", "call_degs", "read_reference", "compare_with_reference",
    "over_representation", "gsea_prerank", "start_gsea_prerank", "blind_vst", "vst_from_trend", "PAPER_PATHWAYS", "pathway_summary", "shrinkage_summary",
    "subgroups_separate", "subgroup_groups", "reference_summary",
    "calibrate", "benchmark",
]

#: The simulated count matrix the book ships (the paper's reads are not public).
SHIPPED_COUNTS = Path(__file__).resolve().parents[1] / "data" / "transcriptomics" / "counts.csv.gz"


def is_simulated(counts_path: str | Path) -> bool:
    """Whether ``counts_path`` is the book's simulated matrix (then every gene count equals the
    paper's because the simulation was calibrated to it); a reader's own counts are described as such."""
    return Path(counts_path).resolve() == SHIPPED_COUNTS


#: Reference level first: pydeseq2 ignores ``ref_level``; the first category is the reference.
CONDITION_ORDER = ("Control", "AML")
#: Sample sheet of the paper's design: four surviving patients, two healthy controls.
PAPER_DESIGN = pd.DataFrame({
    "sample": ["P5", "P6", "P9", "P10", "C1", "C2"],
    "condition": ["AML", "AML", "AML", "AML", "Control", "Control"],
    "subgroup": ["5/6 (shorter LFS and OS)"] * 2 + ["9/10 (longer LFS and OS)"] * 2 + ["healthy"] * 2,
    "patient": ["5", "6", "9", "10", "", ""],
})

#: Pathways whose genes the simulation favours for planted effects (the paper's Figure 4B),
#: with the share of each pathway's genes that carry an effect, by direction.
FAVOURED_SETS = {
    "hsa04640": ("up", 0.60),    # Hematopoietic cell lineage
    "hsa04142": ("up", 0.55),    # Lysosome
    "hsa04514": ("down", 0.60),  # Cell adhesion molecules (CAMs)
    "GO:0045063": ("down", 0.85),  # T-helper 1 cell differentiation (stands in for hsa04658)
    "GO:0045064": ("down", 0.85),  # T-helper 2 cell differentiation
    "hsa04650": ("down", 0.40),  # Natural killer cell mediated cytotoxicity
    "hsa04060": ("up", 0.25),    # Cytokine-cytokine receptor interaction
    "hsa04612": ("down", 0.40),  # Antigen processing and presentation
    "AML markers": ("up", 0.60),  # AML_MARKER_GENES (the paper's Figure 4D)
}

#: Leukaemia-associated genes for the Figure 4D heatmap (immunophenotype and AML driver or
#: prognostic genes). The paper's own list (its Supplementary Table 5) is not in the article.
AML_MARKER_GENES = (
    "ANPEP", "AZU1", "BAALC", "CD14", "CD33", "CD34", "CD38", "CD44", "CD47", "CD7", "CD96",
    "CD99", "CEBPA", "CLEC12A", "ELANE", "ERG", "FCGR1A", "FLT3", "FUT4", "GATA2", "HAVCR2",
    "HLA-DRA", "HOXA9", "IL3RA", "ITGAM", "KIT", "LYZ", "MEIS1", "MN1", "MPO", "NPM1", "PROM1",
    "PRTN3", "RUNX1", "SPINK2", "WT1",
)


@dataclass(frozen=True)
class Simulation:
    """The calibrated settings that reproduce the committed matrix."""

    seed: int = 20260213
    n_up: int = 892
    n_down: int = 759


SIMULATION = Simulation()


class CountDataError(DataValidationError):
    """A count matrix or sample sheet that cannot be analysed; the message says what is wrong."""


@dataclass(frozen=True)
class DEResult:
    """What :func:`differential_expression` returns.

    Attributes
    ----------
    table : DataFrame
        One row per tested gene: baseMean, log2FoldChange, lfcSE, stat, pvalue, padj, call
        ("up", "down" or "ns").
    shrunk : DataFrame
        The same genes with apeGLM-shrunken log2 fold changes (``log2FoldChange_shrunk``).
    normalised : DataFrame
        Size-factor normalised counts (genes × samples).
    vst : DataFrame or None
        Variance-stabilised counts (DESeq2's VST, log2-like scale) for PCA and heatmaps.
    size_factors : Series
        DESeq2 median-of-ratios size factors.
    n_filtered : int
        Genes removed by the low-count pre-filter before testing.
    fit_seconds : float
        Wall time of the pydeseq2 fit and Wald tests.
    """

    table: pd.DataFrame
    shrunk: pd.DataFrame
    normalised: pd.DataFrame
    vst: pd.DataFrame | None
    size_factors: pd.Series
    n_filtered: int
    fit_seconds: float


# --------------------------------------------------------------------------- simulation

def _gene_symbols(genes_path: str | Path) -> np.ndarray:
    return load_protein_coding_genes(genes_path)["symbol"].to_numpy()


def simulate_counts(seed: int = SIMULATION.seed, n_up: int = SIMULATION.n_up,
                    n_down: int = SIMULATION.n_down, *,
                    genes_path: str | Path = "data/genesets/protein_coding_genes.tsv",
                    gene_sets_dir: str | Path = "data/genesets") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a genes × samples count matrix with the paper's design.

    Parameters
    ----------
    seed : int
        Fixes every random draw.
    n_up, n_down : int
        How many genes carry a planted up / down effect in the patients. The defaults are the
        calibrated values (:data:`SIMULATION`) at which :func:`differential_expression` finds
        883 up and 696 down on the default seed.
    genes_path, gene_sets_dir : path
        The committed gene list and gene sets (planted effects favour the paper's pathways).

    Returns
    -------
    counts : DataFrame
        Integer counts, genes (symbols) × samples (``P5, P6, P9, P10, C1, C2``).
    samples : DataFrame
        The sample sheet (:data:`PAPER_DESIGN`).

    Examples
    --------
    >>> counts, samples = simulate_counts()          # doctest: +SKIP
    >>> counts.shape
    (20598, 6)
    """
    rng = np.random.default_rng(seed)
    symbols = _gene_symbols(genes_path)
    n_genes = len(symbols)
    samples = PAPER_DESIGN.copy()
    n_samples = len(samples)
    is_patient = (samples["condition"] == "AML").to_numpy()
    subgroup_sign = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0])  # 5/6 vs 9/10 deviation

    # Every draw is made for every gene, whatever the effect sizes, so the stream never shifts.
    # Baseline expression: about a fifth of protein-coding genes are silent in blood.
    silent = rng.random(n_genes) < 0.22
    log_mean = np.where(silent, rng.normal(np.log(0.5), 1.0, n_genes), rng.normal(np.log(80.0), 1.7, n_genes))
    dispersion = (0.04 + 2.0 / np.exp(log_mean)) * np.exp(rng.normal(0.0, 0.45, n_genes))
    size_factors = np.exp(rng.normal(0.0, 0.2, n_samples))
    effect_size = 1.6 + rng.gamma(2.0, 0.45, n_genes)               # |log2 FC| if planted
    subgroup_effect = rng.normal(0.0, 0.45, n_genes)                 # 5/6 vs 9/10, every gene
    background = rng.normal(0.0, 0.12, n_genes)                      # small effects, every gene
    uniforms = rng.random((n_genes, n_samples))
    priority = rng.random(n_genes)
    leaning_up = rng.random(n_genes) < 0.56   # direction of genes outside the favoured sets

    # Planted genes: expressed genes, favoured sets first (in a seeded order), then the rest.
    # Up and down candidates are two fixed queues, so n_up and n_down act independently.
    expressed = log_mean > np.log(40.0)
    sets, catalogue = read_gene_sets(gene_sets_dir)
    by_id = {set_id: sets[name] for set_id, name in zip(catalogue["set_id"], catalogue["name"])}
    by_id["AML markers"] = list(AML_MARKER_GENES)
    index_of = {symbol: i for i, symbol in enumerate(symbols)}
    favoured = np.zeros(n_genes, dtype=bool)
    sign = np.where(leaning_up, 1.0, -1.0)
    for set_id, (set_direction, share) in FAVOURED_SETS.items():
        members = np.array(sorted(index_of[g] for g in by_id[set_id] if g in index_of))
        chosen = members[(priority[members] < share) & ~favoured[members]]
        favoured[chosen] = True
        sign[chosen] = 1.0 if set_direction == "up" else -1.0
    order = np.lexsort((priority, ~favoured))  # favoured first, each part by priority
    order = order[expressed[order]]
    direction = np.zeros(n_genes)
    up_queue, down_queue = order[sign[order] > 0], order[sign[order] < 0]
    if n_up > len(up_queue) or n_down > len(down_queue):
        raise ValueError(f"at most {len(up_queue)} up and {len(down_queue)} down genes can be planted")
    direction[up_queue[:n_up]] = 1.0
    direction[down_queue[:n_down]] = -1.0

    log2_fc = background[:, None] * is_patient[None, :] \
        + (direction * effect_size)[:, None] * is_patient[None, :] \
        + (np.abs(direction) * subgroup_effect)[:, None] * subgroup_sign[None, :] \
        + (0.25 * subgroup_effect)[:, None] * subgroup_sign[None, :]
    mean = np.exp(log_mean)[:, None] * size_factors[None, :] * np.exp2(log2_fc)
    size = 1.0 / dispersion[:, None]
    counts = stats.nbinom.ppf(uniforms, size, size / (size + mean)).astype(np.int64)
    frame = pd.DataFrame(counts, index=pd.Index(symbols, name="gene"), columns=samples["sample"])
    return frame, samples


def write_simulation(out_dir: str | Path = "data/transcriptomics", **kwargs) -> tuple[Path, Path]:
    """Write ``counts.csv.gz`` and ``samples.csv`` byte-for-byte reproducibly (gzip mtime 0)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts, samples = simulate_counts(**kwargs)
    counts_path, samples_path = out_dir / "counts.csv.gz", out_dir / "samples.csv"
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(counts.to_csv(lineterminator="\n").encode())
    counts_path.write_bytes(buffer.getvalue())
    samples.to_csv(samples_path, index=False, lineterminator="\n")
    return counts_path, samples_path


# --------------------------------------------------------------------------- validation

def validate_counts(counts: pd.DataFrame, samples: pd.DataFrame, *, counts_name: str = "counts",
                    samples_name: str = "samples") -> pd.DataFrame:
    """Check a count matrix against its sample sheet; return the sheet with a categorical condition.

    Raises :class:`CountDataError` naming the file, gene, sample or column at fault when a count
    is missing, negative or not an integer, a gene id repeats, the sheet and the matrix columns
    disagree, or a condition has fewer than two samples.
    """
    for column in ("sample", "condition"):
        if column not in samples.columns:
            raise CountDataError(f"{samples_name}: missing column '{column}'")
    if samples.empty:
        raise CountDataError(f"{samples_name}: the sheet has a header but no samples")
    if counts.empty or counts.shape[0] == 0:
        raise CountDataError(f"{counts_name}: the matrix has no gene rows")

    def at(position: int) -> str:
        return f"{samples_name}: {row_label(position)}, sample {samples['sample'].iloc[position]!r}"

    duplicated = np.flatnonzero(samples["sample"].duplicated().to_numpy())
    if len(duplicated):
        raise CountDataError(f"{at(int(duplicated[0]))}, column 'sample': listed twice")
    if "subgroup" in samples.columns:
        blank = np.flatnonzero(((samples["condition"] == "AML")
                                & samples["subgroup"].fillna("").astype(str).str.strip().eq("")).to_numpy())
        if len(blank):
            raise CountDataError(f"{at(int(blank[0]))}, column 'subgroup': empty "
                                 "(fill it, or drop the column to skip the sub-group analyses)")
    unknown = np.flatnonzero(~samples["condition"].isin(CONDITION_ORDER).to_numpy())
    if len(unknown):
        first = int(unknown[0])
        more = f" (and {len(unknown) - 1} more row(s))" if len(unknown) > 1 else ""
        raise CountDataError(f"{at(first)}, column 'condition': {samples['condition'].iloc[first]!r} is not one of "
                             f"{CONDITION_ORDER}{more}")
    in_sheet, in_matrix = list(samples["sample"]), [str(c) for c in counts.columns]
    if sorted(in_sheet) != sorted(in_matrix):
        missing = sorted(set(in_sheet) - set(in_matrix))
        extra = sorted(set(in_matrix) - set(in_sheet))
        raise CountDataError(f"{counts_name} columns do not match {samples_name}: "
                             f"missing from the matrix {missing}, not in the sheet {extra}")
    for condition in CONDITION_ORDER:
        n = int((samples["condition"] == condition).sum())
        if n < 2:
            raise CountDataError(f"{samples_name}: condition '{condition}' has {n} sample(s); "
                                 "DESeq2 needs at least two per condition")
    if counts.index.has_duplicates:
        position = int(np.flatnonzero(counts.index.duplicated())[0])
        raise CountDataError(f"{counts_name}: {row_label(position)}: gene id '{counts.index[position]}' "
                             "appears more than once")
    values = counts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    for bad, message in (
        (np.isnan(values), "is missing or not a number"),
        (values < 0, "is negative"),
        (~np.isnan(values) & (values != np.round(values)), "is not an integer"),
    ):
        if bad.any():
            position, column = (int(i) for i in np.argwhere(bad)[0])
            raise CountDataError(f"{counts_name}: {row_label(position)}, column '{counts.columns[column]}' "
                                 f"(gene '{counts.index[position]}'): count {message} "
                                 f"({counts.iat[position, column]})")
    sheet = samples.set_index("sample").loc[in_matrix].reset_index()
    sheet["condition"] = pd.Categorical(sheet["condition"], categories=list(CONDITION_ORDER))
    return sheet


def load_counts(counts_path: str | Path, samples_path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate a count matrix (genes in the first column) and its sample sheet."""
    counts = read_csv(counts_path, index_col=0)
    counts.index = counts.index.astype(str)
    samples = read_csv(samples_path, dtype=str, keep_default_na=False)
    sheet = validate_counts(counts, samples, counts_name=str(counts_path), samples_name=str(samples_path))
    return counts.astype(np.int64), sheet


# --------------------------------------------------------------------------- analysis

def call_degs(table: pd.DataFrame, *, lfc: float = 1.0, padj: float = 0.05) -> pd.Series:
    """The paper's rule: "up"/"down" when |log2 FC| ≥ ``lfc`` and adjusted p ≤ ``padj``."""
    significant = (table["padj"] <= padj) & (table["log2FoldChange"].abs() >= lfc)
    call = np.where(significant & (table["log2FoldChange"] > 0), "up",
                    np.where(significant, "down", "ns"))
    return pd.Series(call, index=table.index, name="call")


def differential_expression(counts: pd.DataFrame, samples: pd.DataFrame, *, min_total: int = 10,
                            lfc: float = 1.0, padj: float = 0.05, shrink: bool = True,
                            with_vst: bool = True) -> DEResult:
    """DESeq2 (pydeseq2) of AML against Control with the paper's thresholds.

    Genes with fewer than ``min_total`` reads over all samples are dropped first (as the
    DESeq2 vignette suggests); the Wald test, Cook's outlier handling and independent
    filtering (at ``padj``) are pydeseq2's defaults. The fit runs on
    :class:`~mst_helpers.deseq_inference.FastInference` (pydeseq2's estimators without the
    per-gene call overhead; BLAS on one thread, which small matrices want) and is reused for the
    shrunken fold changes and the VST: the VST applies DESeq2's closed form to the dispersion
    trend of the fit, as R's ``varianceStabilizingTransformation(dds, blind = FALSE)`` does.

    R equivalent (``tests/fixtures/transcriptomics/deseq2_reference.R``)::

        dds <- DESeqDataSetFromMatrix(counts, samples, ~ condition)  # Control first
        dds <- DESeq(dds); results(dds, alpha = 0.05)
    """
    from threadpoolctl import threadpool_limits

    from .deseq_inference import FastDeseqDataSet, FastInference

    sheet = validate_counts(counts, samples)
    keep = counts.sum(axis=1) >= min_total
    matrix = counts.loc[keep, sheet["sample"]]
    with threadpool_limits(limits=1), _quiet():
        from pydeseq2.ds import DeseqStats

        started = time.perf_counter()
        inference = FastInference()
        metadata = sheet.set_index("sample")[["condition"]]
        dds = FastDeseqDataSet(counts=matrix.T, metadata=metadata, design="~condition",
                           inference=inference, quiet=True)
        dds.deseq2()
        stats_ = DeseqStats(dds, contrast=["condition", "AML", "Control"], alpha=padj,
                            inference=inference, quiet=True)
        stats_.summary()
        table = stats_.results_df.copy()
        fit_seconds = time.perf_counter() - started
        shrunk = table[[]].copy()
        if shrink:
            # lfc_shrink overwrites results_df in place: the unshrunk table was copied above.
            stats_.lfc_shrink(coeff="condition[T.AML]")
            shrunk["log2FoldChange_shrunk"] = stats_.results_df["log2FoldChange"]
    table["call"] = call_degs(table, lfc=lfc, padj=padj)
    normalised = pd.DataFrame(dds.layers["normed_counts"].T, index=matrix.index, columns=matrix.columns)
    vst_counts = vst_from_trend(normalised, *dds.uns["trend_coeffs"]) if with_vst else None
    size_factors = pd.Series(np.asarray(dds.obs["size_factors"]), index=matrix.columns, name="size_factor")
    return DEResult(table=table, shrunk=shrunk, normalised=normalised, vst=vst_counts, size_factors=size_factors,
                    n_filtered=int((~keep).sum()), fit_seconds=fit_seconds)


def vst_from_trend(normalised: pd.DataFrame, a0: float, a1: float) -> pd.DataFrame:
    """DESeq2's variance-stabilising transformation for the parametric trend α(μ) = a₀ + a₁/μ.

    The closed form of DESeq2's ``getVarianceStabilizedData`` (``fitType = "parametric"``),
    applied to normalised counts (genes × samples); on a log2-like scale.
    """
    q = normalised.to_numpy(dtype=float)
    vst = np.log2((1 + a1 + 2 * a0 * q + 2 * np.sqrt(a0 * q * (1 + a1 + a0 * q))) / (4 * a0))
    return pd.DataFrame(vst, index=normalised.index, columns=normalised.columns)


def blind_vst(counts: pd.DataFrame, size_factors: pd.Series, nsub: int = 1000) -> pd.DataFrame:
    """DESeq2's variance-stabilising transformation fitted *blind* to the design, for quality control.

    As R's ``vst(dds, blind = TRUE, nsub = 1000)``: the dispersions are fitted with an
    intercept-only design on ``nsub`` genes with mean normalised count above 5, the parametric
    trend α(μ) = a₁/μ + a₀ is fitted to them, and the closed-form VST of that trend is applied to
    every gene. R draws the ``nsub`` genes at random; here they are spaced evenly along the mean,
    so reruns agree. A QC plot must not see the conditions it is meant to check.

    Parameters
    ----------
    counts
        Raw counts, genes × samples (the genes kept for testing).
    size_factors
        The median-of-ratios size factors of the full fit, one per sample (in column order).
    """
    from threadpoolctl import threadpool_limits

    from .deseq_inference import FastInference

    sf = size_factors.reindex(counts.columns).to_numpy(dtype=float)
    normed = counts / sf
    means = normed.mean(axis=1)
    eligible = means[means > 5].sort_values(kind="mergesort")
    if len(eligible) < 10:
        raise CountDataError(f"a blind VST needs at least 10 genes with a mean normalised count above 5, not {len(eligible)}")
    picks = eligible.index[np.unique(np.round(np.linspace(0, len(eligible) - 1, min(nsub, len(eligible)))).astype(int))]
    with threadpool_limits(limits=1), _quiet():
        from pydeseq2.dds import DeseqDataSet

        metadata = pd.DataFrame({"all": "all"}, index=counts.columns)
        sub = DeseqDataSet(counts=counts.loc[picks].T, metadata=metadata, design="~1", quiet=True,
                           inference=FastInference())
        sub.obs["size_factors"] = sf
        sub.layers["normed_counts"] = sub.X / sf[:, None]
        sub.var["_normed_means"] = sub.layers["normed_counts"].mean(axis=0)   # as fit_size_factors sets it
        sub.fit_genewise_dispersions(vst=True)
        # pydeseq2's parametric trend on the VST dispersions (what its vst_fit calls); stores (a0, a1).
        sub._fit_parametric_dispersion_trend(vst=True)
    return vst_from_trend(normed, *sub.uns["vst_trend_coeffs"])


def read_reference(path: str | Path, *, lfc: float = 1.0, padj: float = 0.05) -> pd.DataFrame:
    """Read R DESeq2 results written by ``deseq2_reference.R`` and add the paper's ``call``."""
    reference = read_csv(path, index_col="gene")
    reference.index = reference.index.astype(str)
    reference["call"] = call_degs(reference, lfc=lfc, padj=padj)
    return reference


def compare_with_reference(table: pd.DataFrame, reference: pd.DataFrame) -> dict[str, float]:
    """Agreement of two DE results on the same genes: DEG counts, overlap and fold-change correlation.

    Returns up/down counts of each, the Jaccard index of the DEG sets (direction included),
    how many calls differ, and the Pearson correlation of log2 fold changes.
    """
    genes = table.index.intersection(reference.index)
    ours, theirs = table.loc[genes], reference.loc[genes]
    ours_deg = {(g, c) for g, c in ours["call"].items() if c != "ns"}
    theirs_deg = {(g, c) for g, c in theirs["call"].items() if c != "ns"}
    both = ours["log2FoldChange"].notna() & theirs["log2FoldChange"].notna()
    return {
        "genes_compared": float(len(genes)),
        "up": float((ours["call"] == "up").sum()), "down": float((ours["call"] == "down").sum()),
        "reference_up": float((theirs["call"] == "up").sum()),
        "reference_down": float((theirs["call"] == "down").sum()),
        "jaccard": len(ours_deg & theirs_deg) / max(len(ours_deg | theirs_deg), 1),
        "calls_differing": float((ours["call"] != theirs["call"]).sum()),
        "lfc_correlation": float(np.corrcoef(ours.loc[both, "log2FoldChange"], theirs.loc[both, "log2FoldChange"])[0, 1]),
        "lfc_max_abs_difference": float((ours.loc[both, "log2FoldChange"] - theirs.loc[both, "log2FoldChange"]).abs().max()),
    }


def over_representation(table: pd.DataFrame, gene_sets: dict[str, list[str]], *, min_size: int = 10,
                        max_size: int | None = None, universe: str = "tested",
                        sources: dict[str, str] | None = None) -> pd.DataFrame:
    """Hypergeometric over-representation of the DEGs (up and down together, as the paper's
    clusterProfiler ``enrichKEGG`` did).

    Parameters
    ----------
    universe
        ``"tested"``: every tested gene is the background (the book's first reading).
        ``"annotated"``: the tested genes annotated to at least one set of the same source, as
        clusterProfiler restricts ``universe`` to the genes its annotation knows; DEGs outside it
        are not counted either.
    min_size, max_size
        Sets are tested when they hold ``min_size`` to ``max_size`` background genes
        (clusterProfiler: ``minGSSize = 10, maxGSSize = 500``).
    sources
        Set name → source (e.g. ``"KEGG 2011"``, ``"GO 2022-07-01"``): each source gets its own
        background and its own Benjamini–Hochberg correction, as separate ``enrichKEGG`` and
        ``enrichGO`` calls would. None: one source.

    Returns one row per set tested: Term, source, count (DEGs in the set), set_size (background
    genes in the set), gene_ratio (count / DEGs annotated to any set of the source), pvalue, padj
    (BH over the sets of the source holding at least one DEG, as clusterProfiler does; sets
    without a DEG are listed with p = 1), genes.
    """
    if universe not in ("tested", "annotated"):
        raise ValueError(f"universe is 'tested' or 'annotated', not {universe!r}")
    tested = table.dropna(subset=["padj"])
    columns = ["Term", "source", "count", "set_size", "gene_ratio", "pvalue", "padj", "genes"]
    sources = sources or {name: "all" for name in gene_sets}
    parts = []
    for source in dict.fromkeys(sources[name] for name in gene_sets):
        group = {name: genes for name, genes in gene_sets.items() if sources[name] == source}
        parts.append(_over_representation_one_source(tested, group, source, min_size, max_size, universe))
    parts = [part for part in parts if len(part)]
    if not parts:
        # Nothing to test (no set shares enough genes with the matrix — other identifiers? — or
        # no DEG): an empty table, which the chapter reports, instead of gseapy's empty list.
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns].sort_values(["padj", "pvalue", "Term"]).reset_index(drop=True)


def _over_representation_one_source(tested: pd.DataFrame, gene_sets: dict[str, list[str]], source: str, min_size: int,
                                    max_size: int | None, universe: str) -> pd.DataFrame:
    import gseapy

    background = set(tested.index)
    if universe == "annotated":
        background &= set().union(*map(set, gene_sets.values())) if gene_sets else set()
    sets = {name: [g for g in genes if g in background] for name, genes in gene_sets.items()}
    sets = {name: genes for name, genes in sets.items()
            if len(genes) >= min_size and (max_size is None or len(genes) <= max_size)}
    degs = [g for g in tested.index[tested["call"] != "ns"] if g in background]
    if not sets or not degs:
        return pd.DataFrame()
    with _quiet():
        result = gseapy.enrich(gene_list=degs, gene_sets=sets, background=sorted(background),
                               outdir=None, no_plot=True, cutoff=1.0).results
    if not isinstance(result, pd.DataFrame) or result.empty:
        result = pd.DataFrame(columns=["Term", "Overlap", "P-value", "Adjusted P-value", "Genes"])
    annotated = len(set(degs) & set().union(*sets.values()))
    overlap = result["Overlap"].str.split("/", expand=True).astype(int) if len(result) else pd.DataFrame({0: [], 1: []})
    out = pd.DataFrame({
        "Term": result["Term"], "source": source, "count": overlap[0], "set_size": overlap[1],
        "gene_ratio": overlap[0] / annotated, "pvalue": result["P-value"],
        "padj": result["Adjusted P-value"], "genes": result["Genes"],
    })
    # gseapy (like clusterProfiler) tests only sets holding at least one DEG; list the rest too.
    absent = [name for name in sets if name not in set(out["Term"])]
    return pd.concat([out, pd.DataFrame({"Term": absent, "source": source, "count": 0,
                                         "set_size": [len(sets[n]) for n in absent], "gene_ratio": 0.0,
                                         "pvalue": 1.0, "padj": 1.0, "genes": ""})], ignore_index=True)


def start_gsea_prerank(table: pd.DataFrame, gene_sets: dict[str, list[str]], *, permutations: int = 1000,
                       seed: int = 20260213, min_size: int = 15, max_size: int = 2000,
                       threads: int | None = None, method: str = "multilevel") -> Future:
    """Start :func:`gsea_prerank` on a background thread and return its future.

    gseapy's computations run in compiled code that releases the interpreter lock, so a chapter
    can draw its figures while they run and collect the table with ``.result()`` when it needs
    it. The table is the one :func:`gsea_prerank` returns (which is this, waited for).
    """
    if method not in ("multilevel", "permutation"):
        raise ValueError(f"method must be 'multilevel' (fgsea's, the default) or 'permutation', not {method!r}")
    from gseapy import Prerank

    ranking = table["stat"].dropna()
    # Ties would be ordered arbitrarily; break them by gene name so reruns agree (gseapy's own
    # warning about tied statistics is therefore silenced below).
    order = np.lexsort((ranking.index.to_numpy(dtype=str), -ranking.to_numpy()))
    ranking = ranking.iloc[order]
    ranked = set(ranking.index)
    if not any(min_size <= len(ranked.intersection(genes)) <= max_size for genes in gene_sets.values()):
        empty: Future = Future()
        empty.set_result(pd.DataFrame(columns=["Term", "NES", "pvalue", "FDR", "lead_genes"]))
        return empty
    with _quiet():
        run = Prerank(rnk=ranking, gene_sets=gene_sets, outdir=None, no_plot=True, permutation_num=permutations,
                      seed=seed, threads=1, min_size=min_size, max_size=max_size, method=method)
    # gseapy caps its threads at one core fewer than the machine has (one on two cores); the
    # results do not depend on the thread count (tests/test_transcriptomics.py), so the cap is lifted.
    # (Its warning about tied statistics is about the order of ties, which is fixed above.)
    run._threads = max(1, threads or os.cpu_count() or 1)
    run._logger.setLevel(logging.ERROR)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gsea")
    future = executor.submit(_finish_gsea, run)
    executor.shutdown(wait=False)
    return future


def _finish_gsea(run) -> pd.DataFrame:
    run.run()
    result = run.res2d
    out = pd.DataFrame({
        "Term": result["Term"], "NES": result["NES"].astype(float),
        "pvalue": result["NOM p-val"].astype(float), "FDR": result["FDR q-val"].astype(float),
        "lead_genes": result["Lead_genes"],
    })
    return out.sort_values(["FDR", "pvalue", "Term"]).reset_index(drop=True)


def gsea_prerank(table: pd.DataFrame, gene_sets: dict[str, list[str]], *, permutations: int = 1000,
                 seed: int = 20260213, min_size: int = 15, max_size: int = 2000,
                 threads: int | None = None, method: str = "multilevel") -> pd.DataFrame:
    """Pre-ranked GSEA (gseapy) on every tested gene ranked by the Wald statistic.

    Unlike over-representation it needs no threshold: a set scores when its genes sit towards
    either end of the ranking. Both methods compare a set's enrichment score with those of
    random gene sets of the same size (gene permutation):

    - ``"multilevel"`` (default): fgsea's adaptive multilevel method (Korotkevich et al. 2021),
      which R's ``fgsea`` and clusterProfiler's ``gseKEGG``/``gseGO`` use. ``permutations``
      random sets per size normalise the scores (NES, fgsea's ``nPermSimple``); p-values are
      estimated to any depth (not floored at 1/``permutations``) and FDR is Benjamini–Hochberg.
    - ``"permutation"``: the Broad GSEA's ``permutations`` random gene sets; p-values and GSEA's
      own FDR have a floor of 1/``permutations`` (reported as 0). Four to five times slower here.

    Returns Term, NES, pvalue, FDR, lead_genes, sorted by FDR. The work runs on ``threads``
    threads (default: every core) and does not depend on their number; see
    :func:`start_gsea_prerank`.
    """
    return start_gsea_prerank(table, gene_sets, permutations=permutations, seed=seed, min_size=min_size,
                              max_size=max_size, threads=threads, method=method).result()


@contextlib.contextmanager
def _quiet():
    """Silence pydeseq2's and gseapy's progress prints and warnings inside a block."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


#: The pathways the paper names for Figure 4B, and the gene set that answers for each here.
PAPER_PATHWAYS = {
    "hematopoietic cell lineage": "Hematopoietic cell lineage (hsa04640)",
    "lysosome": "Lysosome (hsa04142)",
    "Th1 differentiation (GO stand-in)": "T-helper 1 cell differentiation (GO:0045063)",
    "Th2 differentiation (GO stand-in)": "T-helper 2 cell differentiation (GO:0045064)",
    "cell adhesion molecules": "Cell adhesion molecules (CAMs) (hsa04514)",
}


def pathway_summary(ora: pd.DataFrame, gsea: pd.DataFrame, pathways: dict[str, str] = PAPER_PATHWAYS,
                    permutations: int = 1000) -> pd.DataFrame:
    """One row per named pathway: DEGs / tested genes in the set, over-representation adjusted
    p, GSEA NES and FDR (an FDR of 0, which only the permutation method gives, is shown as
    ``< 1/permutations``; a set not tested, "—")."""
    ora_by, gsea_by = ora.set_index("Term"), gsea.set_index("Term")
    rows = []
    for label, term in pathways.items():
        row = {"pathway the paper names": label, "set": term, "DEGs / tested in set": "—",
               "over-representation adj. p": "—", "GSEA NES": "—", "GSEA FDR": "—"}
        if term in ora_by.index:
            o = ora_by.loc[term]
            row["DEGs / tested in set"] = f"{o['count']:.0f} / {o['set_size']:.0f}"
            row["over-representation adj. p"] = format_p(o["padj"])
        if term in gsea_by.index:
            g = gsea_by.loc[term]
            row["GSEA NES"] = f"{g['NES']:.2f}"
            row["GSEA FDR"] = format_p(g["FDR"]) if g["FDR"] > 0 else f"< {1 / permutations:g}"
        rows.append(row)
    return pd.DataFrame(rows)


def shrinkage_summary(table: pd.DataFrame, shrunk: pd.DataFrame, lfc: float = 1.0,
                      low_quantile: float = 0.2) -> dict[str, float]:
    """What apeGLM shrinkage does: how many DEGs keep |log2 FC| ≥ ``lfc``, and the median
    |log2 FC| before and after among the ``low_quantile`` of genes with the fewest reads."""
    joined = table.join(shrunk)
    degs = joined[joined["call"] != "ns"]
    low = joined[joined["baseMean"] < joined["baseMean"].quantile(low_quantile)]
    return {
        "n_degs_kept": int((degs["log2FoldChange_shrunk"].abs() >= lfc).sum()),
        "low_count_median_abs_lfc": float(low["log2FoldChange"].abs().median()),
        "low_count_median_abs_lfc_shrunk": float(low["log2FoldChange_shrunk"].abs().median()),
    }


def subgroup_groups(samples: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """The patient sub-groups a heatmap can test: AML samples sharing a ``subgroup`` value, in
    groups of two or more. Empty when the sheet has no ``subgroup`` column or fewer than two
    such groups (then there is nothing to separate)."""
    if "subgroup" not in samples.columns:
        return ()
    aml = samples[samples["condition"].astype(str) == "AML"]
    groups = tuple(tuple(map(str, g["sample"])) for _, g in aml.groupby("subgroup", sort=True) if len(g) >= 2)
    return groups if len(groups) >= 2 else ()


def subgroups_separate(expression: pd.DataFrame, genes: list[str], groups: tuple[tuple[str, ...], ...],
                       n_clusters: int | None = None) -> bool:
    """Cut the heatmap's sample dendrogram (average linkage, correlation of row z-scores) into
    ``n_clusters`` (default: one per group plus one for the controls): does each group share a
    cluster, and do the groups sit in different ones? ``groups`` come from the samples sheet
    (:func:`subgroup_groups`), never from sample names written here."""
    from scipy.cluster.hierarchy import fcluster, linkage

    needed = {sample for group in groups for sample in group}
    if not groups or not needed <= set(expression.columns):
        return False
    z = expression.loc[genes]
    z = z.sub(z.mean(axis=1), axis=0).div(z.std(axis=1), axis=0).dropna()
    labels = fcluster(linkage(z.T.to_numpy(), method="average", metric="correlation"),
                      t=n_clusters or len(groups) + 1, criterion="maxclust")
    cluster = dict(zip(expression.columns, labels))
    together = all(len({cluster[s] for s in group}) == 1 for group in groups)
    return together and len({cluster[group[0]] for group in groups}) == len(groups)


def reference_summary(agreement: dict[str, float] | None) -> str:
    """What the R cross-check found, in words; or why there is none (no reference given)."""
    if agreement is None:
        return ("No R DESeq2 results were given (parameter r_reference), so this run has no cross-check: "
                "the counts below are pydeseq2's alone.")
    return (f"R calls {agreement['reference_up']:.0f} up and {agreement['reference_down']:.0f} down; "
            f"{agreement['calls_differing']:.0f} genes change call between the two implementations (Jaccard index "
            f"{agreement['jaccard']:.3f}), and the fold changes agree to a correlation of "
            f"{agreement['lfc_correlation']:.6f}. The exact DEG count is therefore a property of the software as much as "
            "of the data: a reproduction that gets within a handful of genes of a printed count has reproduced it.")


# --------------------------------------------------------------------------- benchmark

def benchmark(counts_path: str | Path = "data/transcriptomics/counts.csv.gz",
              samples_path: str | Path = "data/transcriptomics/samples.csv",
              r_script: str | Path = "tests/fixtures/transcriptomics/deseq2_reference.R") -> dict[str, float]:
    """Time the DE step: pydeseq2 (fit + Wald tests, BLAS on one thread) and, when ``Rscript``
    and DESeq2 exist, R DESeq2's ``DESeq`` + ``results`` on the same counts in the same run."""
    import shutil
    import subprocess
    import tempfile

    counts, samples = load_counts(counts_path, samples_path)
    result = differential_expression(counts, samples, shrink=False, with_vst=False)
    times = {"deseq2_pydeseq2_fit_s": result.fit_seconds}
    rscript = shutil.which("Rscript")
    if rscript:
        with tempfile.TemporaryDirectory() as tmp:
            run = subprocess.run([rscript, str(r_script), str(counts_path), str(samples_path), f"{tmp}/r.csv.gz"],
                                 capture_output=True, text=True)
            if run.returncode == 0:
                times["deseq2_R_fit_s"] = float(run.stdout.split()[-1])
    return times


# --------------------------------------------------------------------------- calibration

def calibrate(target_up: int = 883, target_down: int = 696, seed: int = SIMULATION.seed,
              n_up: int = SIMULATION.n_up, n_down: int = SIMULATION.n_down,
              max_fits: int = 8) -> list[dict]:
    """Adjust the planted counts until :func:`differential_expression` finds the targets.

    Each step moves ``n_up``/``n_down`` by the shortfall and refits (≈30 s a fit). Returns
    the history; the last row's ``n_up``/``n_down`` become :data:`SIMULATION`.
    """
    history = []
    for _ in range(max_fits):
        counts, samples = simulate_counts(seed, n_up, n_down)
        calls = differential_expression(counts, samples, shrink=False, with_vst=False).table["call"].value_counts()
        found_up, found_down = int(calls.get("up", 0)), int(calls.get("down", 0))
        history.append({"seed": seed, "n_up": n_up, "n_down": n_down, "found_up": found_up,
                        "found_down": found_down})
        if (found_up, found_down) == (target_up, target_down):
            break
        n_up += target_up - found_up
        n_down += target_down - found_down
    return history


if __name__ == "__main__":  # python -m mst_helpers.transcriptomics [calibrate]
    import sys

    if sys.argv[1:] == ["calibrate"]:
        for row in calibrate():
            print(row, flush=True)
    else:
        for path in write_simulation():
            print("wrote", path, f"({os.path.getsize(path):,} bytes)")
