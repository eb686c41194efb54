"""Gene sets and the gene tables behind them: read, validated, and checked against a count matrix.

The book's enrichment runs offline on gene sets written once from Bioconductor's annotation
packages (``data/genesets/make_genesets.R``): KEGG as of 2011 (``kegg_2011.gmt``, the snapshot
in ``KEGG.db``, with hand-checked names in ``kegg_2011_names.csv``) and eleven GO terms
(``go_selected.gmt``). The simulation draws its genes from ``protein_coding_genes.tsv``, and a
reader's count matrix keyed by Ensembl or Entrez ids is mapped to symbols with
``gene_ids.csv.gz`` (:mod:`mst_helpers.gene_ids`). Each table has a schema here; the build
validates all of them before any chapter runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .schema import DataValidationError, read_text, read_validated_csv, row_label

__all__ = [
    "read_gmt", "MIN_SET_OVERLAP", "gene_set_overlap_problems", "read_gene_sets",
    "load_kegg_names", "load_protein_coding_genes", "load_gene_id_table",
]

_SYMBOL = r"^\S+$"


def load_kegg_names(path: str | Path) -> pd.DataFrame:
    """``kegg_2011_names.csv``: one display name per KEGG pathway id."""
    schema = pa.DataFrameSchema({
        "pathway_id": pa.Column(str, pa.Check.str_matches(r"^hsa\d{5}$"), unique=True),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
    }, strict=True)
    return read_validated_csv(path, schema, id_column="pathway_id")


def load_protein_coding_genes(path: str | Path) -> pd.DataFrame:
    """``protein_coding_genes.tsv``: the genes the simulated count matrix is drawn over."""
    schema = pa.DataFrameSchema({
        "entrez_id": pa.Column(str, pa.Check.str_matches(r"^\d+$"), unique=True),
        "symbol": pa.Column(str, pa.Check.str_matches(_SYMBOL), unique=True),
    }, strict=True)
    return read_validated_csv(path, schema, id_column="symbol", sep="\t")


def _an_id_per_row(table: pd.DataFrame) -> list[str]:
    blank = table["ensembl_id"].isna() & table["entrez_id"].isna()
    return [f"{row_label(int(i))}, symbol {table['symbol'].iloc[i]!r}, columns 'ensembl_id' and 'entrez_id': "
            "both empty (a row maps an Ensembl or an Entrez id to its symbol)" for i in blank.to_numpy().nonzero()[0]]


def load_gene_id_table(path: str | Path) -> pd.DataFrame:
    """``gene_ids.csv.gz``: Ensembl and Entrez gene ids with their symbols (either id may be empty)."""
    schema = pa.DataFrameSchema({
        "ensembl_id": pa.Column(str, pa.Check.str_matches(r"^ENSG\d{11}$"), nullable=True),
        "entrez_id": pa.Column(str, pa.Check.str_matches(r"^\d+$"), nullable=True),
        "symbol": pa.Column(str, pa.Check.str_matches(_SYMBOL)),
    }, strict=True, unique=["ensembl_id", "entrez_id", "symbol"])
    return read_validated_csv(path, schema, id_column="symbol", extra_checks=_an_id_per_row)


def read_gmt(path: str | Path) -> dict[str, tuple[str, list[str]]]:
    """Read a GMT file: ``{set id: (description, [gene symbols])}``."""
    sets: dict[str, tuple[str, list[str]]] = {}
    for line_number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue  # blank lines (a trailing newline too many) carry no set
        fields = line.split("\t")
        if len(fields) < 3:
            raise DataValidationError(f"{path}: line {line_number} has fewer than 3 tab-separated fields")
        genes = [gene for gene in fields[2:] if gene.strip()]
        if fields[0] in sets:
            raise DataValidationError(f"{path}: line {line_number}: set {fields[0]!r} is listed twice")
        if not genes:
            raise DataValidationError(f"{path}: line {line_number}: set {fields[0]!r} has no genes")
        sets[fields[0]] = (fields[1], genes)
    return sets


#: The share of a gene set's genes the count matrix must hold for the set to be tested at all; a
#: set below it (lower-cased symbols, another identifier type) would silently drop out of the
#: enrichment.
MIN_SET_OVERLAP = 0.25


def gene_set_overlap_problems(sets: dict[str, list[str]], genes, minimum: float = MIN_SET_OVERLAP,
                              matrix_name: str = "the count matrix") -> list[str]:
    """The gene sets of which the count matrix holds less than ``minimum`` of the genes, one line each."""
    present = set(map(str, genes))
    problems = []
    for name, members in sets.items():
        share = len(present.intersection(members)) / len(members)
        if share < minimum:
            problems.append(f"gene set {name!r}: {share:.0%} of its {len(members)} genes are in {matrix_name} "
                            f"(at least {minimum:.0%} needed; are the identifiers the same kind and case?)")
    return problems


def read_gene_sets(folder: str | Path) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """The book's offline gene sets, named for display.

    Returns ``(sets, catalogue)``: a ``{display name: genes}`` dict for gseapy, and a table
    with set id, source, display name and size. KEGG names come from the hand-checked
    ``kegg_2011_names.csv``; unnamed KEGG pathways keep their id.
    """
    folder = Path(folder)
    names = load_kegg_names(folder / "kegg_2011_names.csv").set_index("pathway_id")["name"]
    sets: dict[str, list[str]] = {}
    rows = []
    for source, file in (("KEGG 2011", "kegg_2011.gmt"), ("GO 2022-07-01", "go_selected.gmt")):
        for set_id, (description, genes) in read_gmt(folder / file).items():
            if source.startswith("KEGG"):
                display = f"{names[set_id]} ({set_id})" if set_id in names.index else set_id
            else:
                display = f"{description.removeprefix('GO ')} ({set_id})"
            sets[display] = genes
            rows.append({"set_id": set_id, "source": source, "name": display, "size": len(genes)})
    return sets, pd.DataFrame(rows)
