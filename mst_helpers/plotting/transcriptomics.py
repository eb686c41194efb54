"""Figures of the transcriptomics chapter: QC, volcano/MA, heatmaps, enrichment, shrinkage."""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..formatting import format_magnitude
from .style import MAX_WIDTH_IN, OKABE_ITO

__all__ = ['SUBGROUP_COLOURS', 'CALL_COLOURS', 'rnaseq_qc_plot', 'volcano_ma_plot', 'expression_heatmap', 'enrichment_plot', 'shrinkage_plot']


#: One colour per RNA-seq sub-group: patients 5/6, patients 9/10, healthy controls.
SUBGROUP_COLOURS = {
    "5/6 (shorter LFS and OS)": OKABE_ITO["orange"],
    "9/10 (longer LFS and OS)": OKABE_ITO["bluish_green"],
    "healthy": OKABE_ITO["black"],
}


#: Direction colours for DE calls (vermillion up, blue down, grey not significant).
CALL_COLOURS = {"up": OKABE_ITO["vermillion"], "down": OKABE_ITO["blue"], "ns": "#BBBBBB"}


def _group_labels(samples: pd.DataFrame) -> list[str]:
    """Each sample's group: its sub-group when the sheet has them, else its condition."""
    column = "subgroup" if "subgroup" in samples.columns else "condition"
    return [value or "control" for value in samples[column].astype(object).fillna("").astype(str)]


def _sample_groups(samples: pd.DataFrame) -> dict[str, str]:
    """Each sample group's colour (:func:`_group_labels`): the paper's three sub-groups keep their
    colours, controls are black, other groups take the palette in order."""
    palette = [OKABE_ITO[k] for k in ("orange", "bluish_green", "sky_blue", "reddish_purple", "blue", "yellow")]
    colours: dict[str, str] = {}
    for value in dict.fromkeys(_group_labels(samples)):
        if value in SUBGROUP_COLOURS:
            colours[value] = SUBGROUP_COLOURS[value]
        elif value in ("Control", "healthy", "control"):
            colours[value] = OKABE_ITO["black"]
        else:
            colours[value] = palette[sum(c not in SUBGROUP_COLOURS for c in colours) % len(palette)]
    return colours


def _sample_colours(samples: pd.DataFrame) -> list[str]:
    colours = _sample_groups(samples)
    return [colours[label] for label in _group_labels(samples)]


def rnaseq_qc_plot(counts: pd.DataFrame, samples: pd.DataFrame, log_expression: pd.DataFrame) -> plt.Figure:
    """Library sizes (A), PCA of (variance-stabilised) log expression (B) and the sample correlations (C)."""
    # A and B side by side, C below at full width: every panel keeps readable labels.
    fig = plt.figure(figsize=(MAX_WIDTH_IN, 8.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15])
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])]
    colours = _sample_colours(samples)
    totals = counts[samples["sample"]].sum() / 1e6
    axes[0].bar(samples["sample"], totals, color=colours)
    axes[0].set(ylabel="reads assigned to genes (millions)", title="A. Library sizes")

    top = log_expression.loc[log_expression.var(axis=1).sort_values(ascending=False).index[:500]]
    centred = (top.T - top.T.mean()).to_numpy()
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    explained = s**2 / np.sum(s**2)
    scores = u * s
    for i, ((x, y), name, colour) in enumerate(zip(scores[:, :2], samples["sample"], colours)):
        axes[1].scatter(x, y, s=90, color=colour, edgecolor="white", zorder=3)
        # Alternate label sides so the members of a tight pair stay legible.
        axes[1].annotate(name, (x, y), textcoords="offset points", xytext=(7, 5) if i % 2 == 0 else (7, -14))
    axes[1].set(xlabel=f"PC1 ({100 * explained[0]:.0f}% of variance)",
                ylabel=f"PC2 ({100 * explained[1]:.0f}%)", title="B. PCA, 500 most variable genes")
    axes[1].margins(0.25)
    handles = [matplotlib.patches.Patch(color=c, label=k) for k, c in _sample_groups(samples).items()]
    axes[1].legend(handles=handles, loc="best", fontsize=9)

    corr = np.corrcoef(log_expression[samples["sample"]].T.to_numpy())
    image = axes[2].imshow(corr, cmap="viridis")
    axes[2].set_xticks(range(len(samples)), samples["sample"])
    axes[2].set_yticks(range(len(samples)), samples["sample"])
    for i in range(len(samples)):
        for j in range(len(samples)):
            axes[2].text(j, i, f"{corr[i, j]:.3f}", ha="center", va="center", fontsize=9,
                         color="black" if corr[i, j] > corr.mean() else "white")
    axes[2].set_title("C. Pearson correlation, VST expression")
    axes[2].spines[:].set_visible(False)
    fig.colorbar(image, ax=axes[2], fraction=0.046)
    fig.tight_layout()
    return fig


def volcano_ma_plot(table: pd.DataFrame, lfc: float = 1.0, padj: float = 0.05,
                    label_genes: list[str] | None = None) -> plt.Figure:
    """Volcano plot (A) and MA plot (B) of a DESeq2 results table with a ``call`` column."""
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 4.4))
    tested = table.dropna(subset=["padj"])
    for call in ("ns", "down", "up"):
        part = tested[tested["call"] == call]
        label = {"ns": "not significant", "up": f"up ({len(part):,})", "down": f"down ({len(part):,})"}[call]
        axes[0].scatter(part["log2FoldChange"], -np.log10(part["padj"]), s=5, alpha=0.6,
                        color=CALL_COLOURS[call], label=label, rasterized=True)
        axes[1].scatter(np.log10(part["baseMean"]), part["log2FoldChange"], s=5, alpha=0.6,
                        color=CALL_COLOURS[call], label=label, rasterized=True)
    for x in (-lfc, lfc):
        axes[0].axvline(x, color="#555555", lw=0.8, ls="--")
    axes[0].axhline(-np.log10(padj), color="#555555", lw=0.8, ls="--")
    for gene in label_genes or []:
        if gene in tested.index:
            row = tested.loc[gene]
            axes[0].annotate(gene, (row["log2FoldChange"], -np.log10(row["padj"])), fontsize=9,
                             xytext=(3, 3), textcoords="offset points")
    axes[0].set(xlabel="log2 fold change (AML / healthy)", ylabel="−log10 adjusted p",
                title=f"A. Volcano: |log2 FC| ≥ {lfc:g} and adjusted p ≤ {padj:g}")
    axes[1].axhline(0, color="#555555", lw=0.8)
    axes[1].set(xlabel="log10 mean normalised count", ylabel="log2 fold change (AML / healthy)",
                title="B. MA plot")
    axes[0].legend(loc="upper left", markerscale=3, fontsize=9)
    fig.tight_layout()
    return fig


def expression_heatmap(log_expression: pd.DataFrame, samples: pd.DataFrame, genes: list[str],
                       title: str, show_genes: bool = True, figsize: tuple[float, float] = (6, 8)):
    """Row-scaled heatmap of ``genes`` with samples and genes clustered (a seaborn clustermap)."""
    import seaborn as sns

    data = log_expression.loc[genes, samples["sample"]]
    data = data[data.std(axis=1) > 0]
    if len(data) < 2:
        # Clustering needs two rows; a reader's own data may leave fewer in a gene list.
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{title}: fewer than two genes to show", ha="center", va="center")
        return fig
    grid = sns.clustermap(data, z_score=0, cmap="RdBu_r", center=0, vmin=-2.5, vmax=2.5,
                          method="average", metric="correlation", figsize=figsize,
                          col_colors=pd.Series(_sample_colours(samples), index=samples["sample"].to_list()),
                          yticklabels=show_genes, xticklabels=True, dendrogram_ratio=(0.12, 0.12),
                          # The colour bar lies flat in the empty corner above the row dendrogram,
                          # clear of both dendrograms.
                          cbar_pos=(0.015, 0.905, 0.095, 0.016), cbar_kws={"orientation": "horizontal", "ticks": [-2, 0, 2]},
                          rasterized=True)
    grid.ax_cbar.set_title("row z-score", fontsize=9, loc="left", pad=3)
    grid.ax_cbar.tick_params(labelsize=9)
    grid.ax_heatmap.set_xlabel("")
    grid.ax_heatmap.set_ylabel(f"{len(data):,} genes" if not show_genes else "")
    if show_genes:
        grid.ax_heatmap.tick_params(axis="y", labelsize=8)
    grid.figure.suptitle(title, y=1.01)
    return grid.figure


def enrichment_plot(ora: pd.DataFrame, gsea: pd.DataFrame, n: int = 12, permutations: int = 1000) -> plt.Figure:
    """Over-representation dot plot (A, like the paper's Figure 4B) beside a GSEA bar chart (B).

    ``ora`` needs Term, gene_ratio, count, padj; ``gsea`` needs Term, NES, FDR.
    """
    # Stacked: long gene-set names need the full width.
    fig, axes = plt.subplots(2, 1, figsize=(MAX_WIDTH_IN, 2 * (0.36 * n + 1.2)))
    top = ora.nsmallest(n, "padj").iloc[::-1]
    points = axes[0].scatter(top["gene_ratio"], range(len(top)), s=20 + 4 * top["count"],
                             c=-np.log10(top["padj"]), cmap="viridis", edgecolor="black", lw=0.4)
    axes[0].set_yticks(range(len(top)), top["Term"])
    axes[0].set(xlabel="gene ratio (DEGs in set / DEGs annotated)", title="A. Over-representation of DEGs")
    fig.colorbar(points, ax=axes[0], label="−log10 adjusted p", fraction=0.05)
    for size in (10, 30, 60):
        axes[0].scatter([], [], s=20 + 4 * size, color="#DDDDDD", edgecolor="black", lw=0.4, label=f"{size} genes")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 0.3), fontsize=9, labelspacing=1.2)
    axes[0].margins(x=0.15)

    top_gsea = gsea.reindex(gsea["NES"].abs().sort_values(ascending=False).index).head(n).iloc[::-1]
    colours = [CALL_COLOURS["up"] if v > 0 else CALL_COLOURS["down"] for v in top_gsea["NES"]]
    axes[1].barh(range(len(top_gsea)), top_gsea["NES"], color=colours)
    # An FDR of 0 (permutation method) means no permutation beat the observed score: report it
    # as a bound. Multilevel FDRs can be tiny: written as powers of ten, not 1e-18.
    floor = 1 / permutations
    axes[1].set_yticks(range(len(top_gsea)), [f"{t}  (FDR {format_magnitude(q)})" if q > 0 else f"{t}  (FDR < {floor:g})"
                                              for t, q in zip(top_gsea["Term"], top_gsea["FDR"])])
    axes[1].axvline(0, color="#555555", lw=0.8)
    axes[1].set(xlabel="normalised enrichment score (AML vs healthy)", title="B. GSEA, genes ranked by Wald statistic")
    fig.tight_layout()
    return fig


def shrinkage_plot(table: pd.DataFrame, shrunk: pd.DataFrame) -> plt.Figure:
    """Shrunken against maximum-likelihood log2 fold changes, one dot per gene."""
    joined = table.join(shrunk)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(joined["log2FoldChange"], joined["log2FoldChange_shrunk"], s=4, alpha=0.4, color="#555555",
               rasterized=True)
    ax.axline((0, 0), slope=1, color=OKABE_ITO["vermillion"], lw=1, ls="--", label="no shrinkage")
    ax.set(xlabel="log2 fold change (maximum likelihood)", ylabel="log2 fold change (apeGLM shrunk)")
    ax.legend()
    fig.tight_layout()
    return fig
