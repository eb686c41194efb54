"""A simulated count matrix with the paper's RNA-seq design, calibrated to its printed DEG counts.

The paper's reads are not public. :func:`simulate_counts` draws a negative-binomial count matrix
with the paper's design — two patient sub-groups (5/6 and 9/10), a mean–dispersion trend,
library-size variation and planted effects concentrated in the pathways the paper names — calibrated
so that the paper's own pipeline (:func:`mst_helpers.transcriptomics.differential_expression`)
finds the printed 883 up- and 696 down-regulated genes. The calibration (:func:`calibrate`) is run
once; its result is the module's defaults (:data:`SIMULATION`), so ``python -m
mst_helpers.transcriptomics`` regenerates the committed files bit-identically.

Every gene's counts are drawn by inverting the negative-binomial CDF at uniforms fixed by the
seed, so changing how many genes carry an effect changes those genes and no other — which is
what lets the calibration converge in a few fits.
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .gene_sets import load_protein_coding_genes, read_gene_sets
from .transcriptomics import AML_MARKER_GENES, PAPER_DESIGN, differential_expression

__all__ = ["FAVOURED_SETS", "Simulation", "SIMULATION", "simulate_counts", "write_simulation", "calibrate", "main"]

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


@dataclass(frozen=True)
class Simulation:
    """The calibrated settings that reproduce the committed matrix."""

    seed: int = 20260213
    n_up: int = 892
    n_down: int = 759


SIMULATION = Simulation()


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


def main(argv: list[str] | None = None) -> None:
    """``python -m mst_helpers.transcriptomics [calibrate]``: write the committed files, or calibrate."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if argv == ["calibrate"]:
        for row in calibrate():
            print(row, flush=True)
    else:
        for path in write_simulation():
            print("wrote", path, f"({os.path.getsize(path):,} bytes)")


if __name__ == "__main__":
    main()
