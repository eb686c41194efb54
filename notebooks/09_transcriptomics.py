# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Transcriptomics: differential expression and pathways

# %% [markdown] tags=["paper"]
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# ```{admonition} Simulated data
# :class: warning
#
# The paper's RNA-seq reads are **not public**. With its default parameters this page runs on a
# **simulated count matrix with the paper's design** (patients 5, 6, 9 and 10 against two
# healthy controls), calibrated so the paper's pipeline finds its printed numbers of up- and
# down-regulated genes. Every count of genes below equals the paper's *by construction*; the
# genes, pathways and heatmaps show what the analysis does, not what the patients had. See
# {ref}`how the simulation is drawn <rnaseq-limits>`. To run it on real
# counts, change `counts_path` and `samples_path` in the downloaded notebook's parameters cell, which documents the file layout.
# ```
#
# The paper profiled peripheral blood of four surviving patients and two healthy people and
# reports {glue:text}`paper.res.rnaseq.up` up- and {glue:text}`paper.res.rnaseq.down`
# down-regulated genes (DESeq2, |log2 FC| ≥ {glue:text}`paper.meth.de.lfc`, adjusted p ≤
# {glue:text}`paper.meth.de.padj`), KEGG pathways "hematopoietic cell lineage, lysosome, Th1 and
# Th2 cell differentiation, cell adhesion molecules, and some immune-related pathways", and
# heatmaps in which patients 5 and 6 resemble each other, as do 9 and 10. This chapter runs that
# whole analysis. The statistical ideas: **negative-binomial models for counts, shrinkage of
# dispersions and fold changes, multiple testing, and two ways of asking "which pathways?"**.

# %% [markdown] tags=["own-data"]
# Which genes differ between your AML samples and your controls, and which pathways do they
# point to? This notebook runs DESeq2 (pydeseq2) with the paper's thresholds on your counts,
# then over-representation (clusterProfiler's reading) and pre-ranked GSEA on the offline
# KEGG 2011 and GO gene sets. What such a design can and cannot show is discussed in the book's
# chapter: survivor selection, controls of unknown age, whole-blood cell mix and donor
# microchimerism after MST, no baseline sample, batch.

# %% tags=["parameters", "remove-cell"]
# counts: genes (first column, unique ids) x samples, non-negative integer counts (.csv or .csv.gz);
# gene ids: HGNC symbols, Ensembl gene ids (with or without version) or Entrez ids
counts_path = "../data/transcriptomics/counts.csv.gz"
# "auto" detects the kind of gene id; "symbol", "ensembl" or "entrez" forces it (non-symbols are
# mapped offline with data/genesets/gene_ids.csv.gz)
gene_id_type = "auto"
# samples: columns sample, condition (AML or Control), subgroup; one row per count column
samples_path = "../data/transcriptomics/samples.csv"
# a folder with kegg_2011.gmt, go_selected.gmt and kegg_2011_names.csv (see data/genesets)
gene_sets = "../data/genesets"
# R DESeq2 results on the same counts, for the cross-check; "" to skip (e.g. with real counts)
r_reference = "../tests/fixtures/transcriptomics/deseq2_results.csv.gz"
claims_path = "../data/published/claims.csv"
results_dir = "../_build/results"
lfc_threshold = 1.0
padj_threshold = 0.05
# GSEA: "multilevel" (fgsea's, as clusterProfiler uses) or "permutation" (the Broad GSEA's; slower,
# p and FDR floored at 1/permutations); random gene sets per size that normalise the scores
gsea_method = "multilevel"
permutations = 1000
seed = 20260213
# set by the runner (python -m mst_helpers.build run 09_transcriptomics --counts ... --samples ...)
edition = "paper"
# over-representation: gene sets with this many genes of the background (clusterProfiler's defaults)
ora_min_size = 10
ora_max_size = 500

# %% tags=["hide-cell"]
import pandas as pd
from IPython.display import Markdown, display

from mst_helpers import bottom_line, gene_ids
from mst_helpers import transcriptomics as tx
from mst_helpers.claims import load_claims
from mst_helpers.formatting import format_magnitude
from mst_helpers.plotting import (enrichment_plot, expression_heatmap, rnaseq_qc_plot, shrinkage_plot, use_house_style,
                                  volcano_ma_plot)
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.editions import check_edition
from mst_helpers.tables import numbered_table, use_plain_tables

use_house_style()

# %% tags=["hide-input"]
check_edition(edition, counts_path, "09_transcriptomics", shipped=tx.is_simulated(counts_path))
use_plain_tables(edition == "own")
out = ChapterResults("09_transcriptomics", results_dir, display=edition == "own")
counts, samples = tx.load_counts(counts_path, samples_path)
counts, id_mapping = gene_ids.to_symbols(counts, gene_id_type)
out.show("ids.sentence", id_mapping.sentence)
sets, catalogue = tx.read_gene_sets(gene_sets)
out.record("n_genes", len(counts))
out.record("n_samples", len(samples))
for condition in tx.CONDITION_ORDER:
    out.record(f"n_samples.{condition}", int((samples["condition"] == condition).sum()))
out.record("n_gene_sets.kegg", int((catalogue["source"] == "KEGG 2011").sum()))
out.record("n_gene_sets.go", int((catalogue["source"] != "KEGG 2011").sum()))
if edition == "own":
    display(Markdown(f"**Your counts** (`{counts_path}`): {id_mapping.sentence} {len(counts):,} genes, "
                     f"{len(samples)} samples."))
samples

# %% tags=["paper", "hide-input"]
claims = load_claims(claims_path)
glue_claims(claims)

# %% [markdown] tags=["paper"]
# {glue:text}`ids.sentence` The matrix has {glue:text}`n_genes:,` genes and {glue:text}`n_samples` samples
# ({glue:text}`n_samples.AML` patients, {glue:text}`n_samples.Control` controls). The
# validation above refuses negative, missing or fractional counts, repeated gene ids, a sample
# sheet that does not match the columns, and fewer than two samples in a condition — each with a
# message naming the gene or sample at fault.
#
# ## Quality control
#
# Before testing anything: are the libraries comparable, and do the samples group the way the
# design says? The PCA, the correlations and the heatmaps use DESeq2's *variance-stabilising
# transformation* (VST): on raw or log counts, the variance depends on the mean, and a few
# highly expressed genes would dominate every distance between samples. For the quality-control
# plots the VST is fitted *blind* to the conditions (R's `vst(dds, blind = TRUE)`), so the plot
# that checks whether samples group by condition has not been told the conditions; the heatmaps
# later use the design-aware fit.

# %% tags=["hide-input"]
de = tx.differential_expression(counts, samples, lfc=lfc_threshold, padj=padj_threshold)
# The gene-set permutations (the slowest step) run in the background while the figures are drawn.
gsea_running = tx.start_gsea_prerank(de.table, sets, permutations=permutations, seed=seed, method=gsea_method)
vst_expression = de.vst
# Quality control blind to the design (R: vst(dds, blind = TRUE)); the heatmaps below use the design-aware VST.
blind = tx.blind_vst(counts.loc[de.normalised.index, de.normalised.columns], de.size_factors)
fig = rnaseq_qc_plot(counts.loc[de.normalised.index], samples, blind)
out.figure("fig_rnaseq_qc", fig)
out.record("n_filtered", de.n_filtered)
out.record("n_tested_prefilter", len(de.table))
out.record("size_factor.min", float(de.size_factors.min()))
out.record("size_factor.max", float(de.size_factors.max()))

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_rnaseq_qc
# :name: fig-rnaseq-qc
# :alt: Three panels. A, bar chart of library sizes in millions of reads for the six samples. B, scatter plot of the first two principal components: the two controls lie apart from the four patients, and patients 5 and 6 lie apart from patients 9 and 10. C, a six by six matrix of correlations between samples.
#
# Quality control. A: reads per sample. B: principal components of the 500 most variable genes
# (orange: patients 5/6, green: patients 9/10, black: controls). C: correlation of
# variance-stabilised expression between samples. Simulated counts.
# ```
#
# DESeq2 corrects for library size with *size factors* (here {glue:text}`size_factor.min:.2f`
# to {glue:text}`size_factor.max:.2f`): the median ratio of each sample's counts to a
# pseudo-reference sample, over genes seen in every sample. Genes with fewer than 10 reads
# in all samples together ({glue:text}`n_filtered:,` genes) are dropped before testing: they
# cannot reach significance and only add to the multiple-testing burden.
#
# ## Differential expression
#
# For each gene DESeq2 fits a negative-binomial model, log mean = size factor + condition
# effect. With two controls, a gene's own variance estimate is nearly worthless, so DESeq2
# **shrinks each gene's dispersion towards a trend** fitted across all genes — borrowing
# strength is what makes four-versus-two designs analysable at all. The Wald test of the
# condition effect gives a p-value per gene; Benjamini–Hochberg turns these into adjusted
# p-values that control the false discovery rate. The paper then calls a gene differentially
# expressed when |log2 FC| ≥ {glue:text}`paper.meth.de.lfc` and adjusted p ≤
# {glue:text}`paper.meth.de.padj`.

# %% tags=["hide-input"]
calls = de.table["call"].value_counts()
n_up, n_down = int(calls.get("up", 0)), int(calls.get("down", 0))
n_tested = int(de.table["padj"].notna().sum())
out.record("n_tested", n_tested)
out.record("n_up", n_up)
out.record("n_down", n_down)
out.record("n_degs", n_up + n_down)

# %% tags=["own-data", "hide-input"]
numbered_table(pd.DataFrame([{"up-regulated": n_up, "down-regulated": n_down, "genes tested": n_tested}]),
               f"Differentially expressed genes: |log2 FC| ≥ {lfc_threshold:g} and adjusted p ≤ {padj_threshold:g}.", "tab-rnaseq-degs")

# %% tags=["paper", "hide-input"]
out.record("recomputed.res.rnaseq.up", n_up)
out.record("recomputed.res.rnaseq.down", n_down)
out.record("recomputed.res.rnaseq.degs", n_up + n_down)
side = pd.DataFrame([
    {"quantity": "up-regulated genes", "paper": claims.set_index("id").loc["res.rnaseq.up", "printed"], "this page": f"{n_up:,}"},
    {"quantity": "down-regulated genes", "paper": claims.set_index("id").loc["res.rnaseq.down", "printed"], "this page": f"{n_down:,}"},
    {"quantity": "DEGs (up + down)", "paper": claims.set_index("id").loc["res.rnaseq.degs", "printed"], "this page": f"{n_up + n_down:,}"},
    {"quantity": "genes tested (after filtering)", "paper": "not reported", "this page": f"{n_tested:,}"},
])
numbered_table(side, "Differentially expressed genes: printed and recomputed (simulated counts, calibrated to the printed numbers).", "tab-rnaseq-degs")

# %% [markdown] tags=["paper"]
# The paper writes "In total, 1,579 expressed genes were detected". 1,579 is
# {glue:text}`paper.res.rnaseq.up` + {glue:text}`paper.res.rnaseq.down`: the number of
# *differentially* expressed genes, not of expressed genes — a whole-blood library expresses
# well over ten thousand genes ({glue:text}`n_tested:,` are tested here). The
# {doc}`audit <01_audit>` checks the sum; the wording, not the number, is wrong.

# %% tags=["hide-input"]
label_genes = de.table[de.table["call"] != "ns"].nsmallest(6, "padj").index.tolist()
fig = volcano_ma_plot(de.table, lfc=lfc_threshold, padj=padj_threshold, label_genes=label_genes)
out.figure("fig_rnaseq_volcano", fig)

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_rnaseq_volcano
# :name: fig-rnaseq-volcano
# :alt: Two scatter plots of all tested genes. A, volcano plot: log2 fold change on the horizontal axis, minus log10 adjusted p on the vertical; up-regulated genes in vermillion on the right, down-regulated in blue on the left, non-significant genes in grey, dashed lines at the thresholds. B, MA plot: log10 mean count against log2 fold change, with the same colours.
#
# Volcano (A) and MA (B) plots, AML patients against healthy controls. Dashed lines: the
# paper's thresholds. Simulated counts.
# ```
#
# The MA plot shows why a fold-change cut-off alone would mislead: at low counts, large fold
# changes arise by chance, and the Wald test (the vertical axis of the volcano) discounts them.
#
# ### Shrunken fold changes
#
# A gene with few reads can show a log2 FC of 5 from a handful of reads. *Shrinkage* (apeGLM, the
# prior DESeq2's `lfcShrink` uses by default) pulls imprecise fold changes towards zero and
# leaves well-measured ones alone, so fold changes can be ranked and plotted honestly. The
# paper's rule uses the unshrunken fold changes; below the figure: how many of its DEGs would
# keep |log2 FC| ≥ 1 after shrinkage.

# %% tags=["hide-input"]
for key, value in tx.shrinkage_summary(de.table, de.shrunk, lfc=lfc_threshold).items():
    out.record(f"shrinkage.{key}", value)
fig = shrinkage_plot(de.table, de.shrunk)
out.figure("fig_rnaseq_shrinkage", fig)

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_rnaseq_shrinkage
# :name: fig-rnaseq-shrinkage
# :alt: Scatter plot of shrunken against unshrunken log2 fold changes for all tested genes; most points lie on the diagonal, and points with large unshrunken fold changes from few reads are pulled towards zero.
#
# Fold-change shrinkage: each dot is a gene. Points below the dashed diagonal (right) and
# above it (left) had imprecise fold changes pulled towards zero. Simulated counts.
# ```
#
# Among the fifth of genes with the fewest reads, the median |log2 FC| falls from
# {glue:text}`shrinkage.low_count_median_abs_lfc:.2f` to
# {glue:text}`shrinkage.low_count_median_abs_lfc_shrunk:.2f` after shrinkage;
# {glue:text}`shrinkage.n_degs_kept:,` of the {glue:text}`n_degs:,` DEGs keep
# |log2 FC| ≥ 1.
#
# ## Heatmaps: the paper's Figure 4A, C and D
#
# Each row is a gene's VST expression, scaled to mean 0 and standard deviation 1 across the six samples, so the
# colours compare samples within a gene. Rows and columns are clustered (average linkage on
# correlation); the coloured bar marks the sub-groups.

# %% tags=["hide-input"]
deg_genes = de.table[de.table["call"] != "ns"].sort_values("padj").index.tolist()
immune = set(sets["immune response (GO:0006955)"])
immune_degs = [g for g in deg_genes if g in immune][:40]
marker_degs = [g for g in deg_genes if g in tx.AML_MARKER_GENES]
out.record("n_immune_degs", sum(g in immune for g in deg_genes))
out.record("n_marker_genes", len(tx.AML_MARKER_GENES))
out.record("n_marker_degs", len(marker_degs))
for key, genes, title, show, size in (
    ("fig_rnaseq_heatmap_degs", deg_genes, "A. All DEGs", False, (5.5, 7)),
    ("fig_rnaseq_heatmap_immune", immune_degs, "C. Immune-related DEGs (GO immune response)", True, (6, 9)),
    ("fig_rnaseq_heatmap_markers", marker_degs, "D. AML marker genes among the DEGs", True, (5.5, 5.5)),
):
    out.figure(key, expression_heatmap(vst_expression, samples, genes, title, show_genes=show, figsize=size))

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_rnaseq_heatmap_degs
# :alt: Heatmap of all differentially expressed genes in six samples, clustered. The two controls form one branch; patients 5 and 6 and patients 9 and 10 form two further branches.
# :name: fig-rnaseq-heatmap-degs
#
# Figure 4A regenerated: the {glue:text}`n_degs:,` DEGs (rows, z-scored log expression).
# Simulated counts.
# ```
#
# ```{glue:figure} fig_rnaseq_heatmap_immune
# :alt: Heatmap of up to forty immune-related differentially expressed genes, named on the right, in six clustered samples.
# :name: fig-rnaseq-heatmap-immune
#
# Figure 4C regenerated: the 40 most significant of the {glue:text}`n_immune_degs` DEGs
# annotated to GO *immune response*. Simulated counts.
# ```
#
# ```{glue:figure} fig_rnaseq_heatmap_markers
# :alt: Heatmap of the leukaemia marker genes that are differentially expressed, named on the right, in six clustered samples.
# :name: fig-rnaseq-heatmap-markers
#
# Figure 4D regenerated: the {glue:text}`n_marker_degs` of {glue:text}`n_marker_genes`
# leukaemia marker genes that are DEGs. Simulated counts.
# ```
#
# The paper's gene lists for Figures 4C and 4D (its Supplementary Tables 4 and 5) are not in the
# article. This chapter uses GO *immune response* for 4C and a list of AML immunophenotype and
# driver genes (`mst_helpers.transcriptomics.AML_MARKER_GENES`) for 4D.
#
# The paper reads its heatmaps as "patients 5 and 6 are similar …, and patients 9 and 10 … are
# similar". Two caveats a reader should hold on to: with two patients per sub-group, "similar"
# cannot be tested; and the paper links the pairs to shorter and longer survival, a comparison
# of two against two that no test could support.

# %% tags=["hide-input"]
groups = tx.subgroup_groups(samples)
if groups:
    separate = tx.subgroups_separate(vst_expression[samples["sample"]], deg_genes, groups)
    out.record("heatmap.subgroups_separate", "yes" if separate else "no")
else:
    out.record("heatmap.subgroups_separate", "not tested (the samples sheet names no two sub-groups of patients)")

# %% [markdown] tags=["paper"]
# Cutting the sample dendrogram of Figure 4A into one cluster per sub-group of the samples sheet
# plus one for the controls, do the sub-groups (here patients 5/6 and 9/10) fall into separate
# clusters? **{glue:text}`heatmap.subgroups_separate`** — with the committed simulation, which
# planted this structure, it must.
#
# ## Pathways: over-representation and GSEA
#
# The paper used clusterProfiler's KEGG over-representation analysis: is a pathway's share of
# DEGs larger than chance? Three choices decide the answer. The **background** must be genes
# that could have been called DEGs and that the annotation knows: clusterProfiler restricts the
# universe to the tested genes annotated in the source, here {glue:text}`ora.universe.KEGG 2011:,`
# of the {glue:text}`n_tested:,` tested genes for KEGG and {glue:text}`ora.universe.GO 2022-07-01:,`
# for GO — not the whole genome, which inflates every pathway that blood expresses. **KEGG and
# GO are corrected separately** (Benjamini–Hochberg within each), as separate `enrichKEGG` and
# `enrichGO` calls would be, and sets are tested when they hold {glue:text}`ora.min_size` to
# {glue:text}`ora.max_size` background genes. And the **gene sets** must be available offline: this book uses the last freely redistributable KEGG release
# (2011, {glue:text}`n_gene_sets.kegg` pathways, from Bioconductor) and
# {glue:text}`n_gene_sets.go` Gene Ontology terms. KEGG's *Th1 and Th2 cell differentiation*
# (hsa04658) was added after 2011, so the GO terms *T-helper 1/2 cell differentiation* stand in
# for it (provenance in `data/genesets/README.md`).
#
# Gene-set enrichment analysis (GSEA, pre-ranked) asks a threshold-free question instead: do a
# set's genes sit towards the top or the bottom of all tested genes ranked by the Wald
# statistic? It keeps the direction (up or down), which over-representation of up and down
# DEGs together loses.

# %% tags=["hide-input"]
source_of = catalogue.set_index("name")["source"].to_dict()
ora = tx.over_representation(de.table, sets, universe="annotated", min_size=ora_min_size, max_size=ora_max_size,
                             sources=source_of)
gsea = gsea_running.result()
fig = enrichment_plot(ora, gsea, permutations=permutations)
out.figure("fig_rnaseq_enrichment", fig)
out.record("ora.min_size", ora_min_size)
out.record("ora.max_size", ora_max_size)
tested_genes = de.table.dropna(subset=["padj"]).index
for source in catalogue["source"].unique():
    annotated = set().union(*(set(genes) for name, genes in sets.items() if source_of[name] == source))
    out.record(f"ora.universe.{source}", len(annotated & set(tested_genes)))
out.record("ora.n_significant", int((ora["padj"] <= 0.05).sum()))
out.record("gsea.n_significant", int((gsea["FDR"] <= 0.05).sum()))
out.show("gsea.min_fdr", format_magnitude(gsea["FDR"].min()) if len(gsea) and gsea["FDR"].min() > 0
         else f"< {1 / permutations:g}" if len(gsea) else "none: no gene set could be tested")
out.record("ora.n_sets", len(ora))
out.record("ora.top_term", ora.iloc[0]["Term"] if len(ora) else "none: no gene set could be tested")
# The first reading, kept as a labelled comparison: every tested gene as background, one correction
# over KEGG and GO pooled, no upper size bound.
ora_tested = tx.over_representation(de.table, sets, min_size=ora_min_size)
comparison = []
for label, frame in (("clusterProfiler's: annotated universe, BH per source, 10–500 genes", ora),
                     ("first reading: tested genes as universe, KEGG and GO pooled, ≥ 10 genes", ora_tested)):
    row = {"over-representation": label, "sets tested": len(frame)}
    for source in catalogue["source"].unique():
        names = {n for n, s_ in source_of.items() if s_ == source}
        row[f"significant, {source}"] = int(((frame["padj"] <= 0.05) & frame["Term"].isin(names)).sum())
    comparison.append(row)
out.record("ora_tested.n_significant", int((ora_tested["padj"] <= 0.05).sum()))
display(numbered_table(pd.DataFrame(comparison), "Over-representation two ways: sets significant at adjusted p ≤ 0.05.",
                       "tab-rnaseq-ora-readings"))
numbered_table(tx.pathway_summary(ora, gsea, permutations=permutations), "The pathways the paper names: over-representation of DEGs (annotated genes as background) and pre-ranked GSEA.", "tab-rnaseq-pathways")

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_rnaseq_enrichment
# :name: fig-rnaseq-enrichment
# :alt: Two panels. A, dot plot of the twelve gene sets most over-represented among the DEGs; horizontal axis gene ratio, dot size number of genes, colour minus log10 adjusted p. B, horizontal bars of normalised enrichment scores of the twelve gene sets with the largest absolute scores, vermillion for sets shifted up in patients and blue for sets shifted down, each labelled with its false discovery rate.
#
# Figure 4B regenerated (A) and a GSEA beside it (B). KEGG 2011 and GO gene sets; background:
# the tested genes annotated in each source.
# ```
#
# Of {glue:text}`ora.n_sets` gene sets with {glue:text}`ora.min_size` to {glue:text}`ora.max_size`
# annotated genes, {glue:text}`ora.n_significant` are over-represented among the DEGs at adjusted
# p ≤ 0.05 (the strongest: {glue:text}`ora.top_term`); with every tested gene as background and
# one correction for KEGG and GO together, {glue:text}`ora_tested.n_significant` would be
# ({numref}`tab-rnaseq-ora-readings`): a wider universe makes small pathways look enriched. In GSEA
# {glue:text}`gsea.n_significant` sets reach FDR ≤ 0.05 (the smallest FDR:
# {glue:text}`gsea.min_fdr`) — but read that FDR with its caveat. With four patients and two
# controls, permuting *samples* allows only 15 labellings, so the GSEA here compares each set with
# random sets of *genes* of the same size, as pre-ranked GSEA does (fgsea's multilevel method,
# which clusterProfiler's `gseKEGG` uses, estimates how rare the observed score is to any depth).
# Gene permutation treats genes as independent, which co-expressed pathway genes are not, and its
# FDR is anti-conservative on real data. An FDR that small ranks the sets; it is not a
# probability that a sample-level test with six samples could ever give (that floor is 1/15, see
# below). In a simulation whose planted effects favoured exactly these pathways, finding them is
# a check that the pipeline works — not evidence about AML.

# %% [markdown] tags=["paper"]
# ## Cross-check with R DESeq2
#
# pydeseq2 re-implements DESeq2 in Python. The same counts through R's DESeq2 (Debian
# `r-bioc-deseq2`; script and results in `tests/fixtures/transcriptomics/`) show how closely the
# two agree: they share the model, but differ in numerical details (dispersion-trend fitting,
# optimisers), which moves genes that sit on a threshold.

# %% tags=["hide-input"]
agreement = None
if r_reference:
    reference = tx.read_reference(r_reference, lfc=lfc_threshold, padj=padj_threshold)
    agreement = tx.compare_with_reference(de.table, reference)
    for key, value in agreement.items():
        out.record(f"r.{key}", value)
    table = pd.DataFrame([
        {"": "up-regulated", "pydeseq2": f"{agreement['up']:.0f}", "R DESeq2": f"{agreement['reference_up']:.0f}"},
        {"": "down-regulated", "pydeseq2": f"{agreement['down']:.0f}", "R DESeq2": f"{agreement['reference_down']:.0f}"},
        {"": "genes called differently", "pydeseq2": f"{agreement['calls_differing']:.0f}", "R DESeq2": ""},
        {"": "Jaccard index of DEG sets", "pydeseq2": f"{agreement['jaccard']:.3f}", "R DESeq2": ""},
        {"": "correlation of log2 FC", "pydeseq2": f"{agreement['lfc_correlation']:.6f}", "R DESeq2": ""},
    ])
    numbered_table(table, "pydeseq2 against R DESeq2 1.38 on the same counts (same filter, reference level and thresholds).", "tab-rnaseq-r")
out.show("r.summary", tx.reference_summary(agreement))

# %% [markdown] tags=["paper"]
# {glue:text}`r.summary`
#
# (rnaseq-limits)=
# ## What this chapter can and cannot reproduce
#
# **Can:** the pipeline — filtering, size factors, dispersion shrinkage, Wald tests,
# Benjamini–Hochberg, the paper's thresholds, over-representation with the right background,
# GSEA, heatmaps — run end to end on a matrix with the paper's design; and, on real counts, the
# paper's numbers.
#
# **Cannot:** anything about these patients' biology. The simulation (`data/transcriptomics/`)
# draws negative-binomial counts for 20,598 protein-coding genes with a mean–dispersion trend,
# library-size variation, small background effects, a 5/6-versus-9/10 deviation, and planted
# effects on as many expressed genes as it takes for pydeseq2 to find exactly 883 up and 696
# down — drawn preferentially from the pathways the paper names and from leukaemia marker genes.
# So the DEG counts match *by construction*, and the pathways and the 5/6 versus 9/10 structure
# appear because they were planted. The scorecard lists the three DEG counts as reproduced by
# construction and the rest of the RNA-seq claims as not reproducible.
#
# With four patients and two controls there are only 15 ways to split the six samples into
# four and two; a sample-permutation test of any gene or pathway could never reach p < 1/15 ≈ 0.07.
# Every DESeq2 p-value in this chapter leans on the negative-binomial model being right, and the
# GSEA FDRs on genes being independent.
#
# (rnaseq-design)=
# ## What this design can and cannot show
#
# These limits belong to the paper's comparison itself, and hold on real counts too:
#
# - **Survivor selection.** The patients sampled are those alive and in remission long enough
#   to be sampled after MST; any difference from controls may describe who survived, not what
#   MST did.
# - **Controls of unknown age.** Healthy donors' ages are not given; expression changes with
#   age (immune ageing, clonal haematopoiesis), and the patients are over 60.
# - **Whole blood after MST.** Blood is a mixture of cell types whose proportions shift after
#   chemotherapy and transplant-like infusions; a "DEG" can be a change of cell mix, not of gene
#   regulation within cells. After HLA-mismatched infusions, donor cells (microchimerism) may
#   contribute reads of their own.
# - **No baseline sample.** Without a sample from the same patient before MST, the design
#   compares people, not times: it cannot attribute a difference to treatment.
# - **Batch.** Whether patients and controls were collected, extracted and sequenced together is
#   not reported; a batch confounded with the condition is indistinguishable from biology.
#
# ## Exercises
#
# ```{exercise} The background matters
# :label: ex-rnaseq-background
#
# Rerun the over-representation with the whole genome (all 20,598 genes) as the background
# instead of the tested genes. Do more or fewer pathways become significant, and why is the
# tested-gene background the right one?
# ```
#
# ```{solution} ex-rnaseq-background
# :class: dropdown
#
# More. Genes that are not expressed in blood can never be DEGs; counting them in the background
# makes every pathway of blood-expressed genes look enriched. The background must be the genes
# that had a chance to be called: those tested.
# ```
#
# ```{exercise} Four against two
# :label: ex-rnaseq-permutations
#
# How many distinct ways are there to label four of six samples "AML"? What is the smallest
# p-value a label-permutation test could give, and what does that say about this design?
# ```
#
# ```{solution} ex-rnaseq-permutations
# :class: dropdown
#
# C(6, 4) = 15 labellings, so the smallest permutation p-value is 1/15 ≈ 0.067: no gene could
# be significant at 0.05 without a parametric model. The DESeq2 p-values rest on the
# negative-binomial assumption and on dispersions borrowed from other genes.
# ```

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.transcriptomics(out.values, simulated=tx.is_simulated(counts_path)))
if edition == "own":
    display(Markdown("**Bottom line.** " + bottom_line.transcriptomics(out.values, simulated=False)))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
