"""Gene identifiers of a count matrix: which kind they are, and the symbols the analyses need.

Most real count matrices are keyed by Ensembl gene ids (``ENSG00000141510.17``), some by Entrez
ids; the book's gene sets and marker lists use HGNC symbols. :func:`to_symbols` detects the kind
and maps it offline with ``data/genesets/gene_ids.csv.gz``, a table extracted from Debian's
``org.Hs.eg.db`` by ``data/genesets/make_gene_ids.R``. Ids that share a symbol have their counts
summed; ids without a symbol are dropped and counted, and the report says how many.

Examples
--------
>>> detect_kind(["ENSG00000141510.17", "ENSG00000012048"])
'ensembl'
>>> detect_kind(["7157", "672"]), detect_kind(["TP53", "BRCA1"])
('entrez', 'symbol')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .gene_sets import load_gene_id_table

__all__ = ["GENE_ID_TABLE", "MIN_MAPPED_SHARE", "KINDS", "SymbolMapping", "detect_kind", "to_symbols"]

#: The offline identifier table (Ensembl and Entrez ids with their symbols).
GENE_ID_TABLE = Path(__file__).resolve().parents[1] / "data" / "genesets" / "gene_ids.csv.gz"
#: Below this share of mapped ids, the report warns that the identifier type may be wrong.
MIN_MAPPED_SHARE = 0.5
KINDS = ("symbol", "ensembl", "entrez")

_ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?$")
_ENTREZ = re.compile(r"^\d+$")


def detect_kind(ids) -> str:
    """``"ensembl"`` or ``"entrez"`` when at least 90% of the ids look like one; else ``"symbol"``."""
    ids = [str(i) for i in ids]
    if not ids:
        return "symbol"
    for kind, pattern in (("ensembl", _ENSEMBL), ("entrez", _ENTREZ)):
        if sum(bool(pattern.match(i)) for i in ids) >= 0.9 * len(ids):
            return kind
    return "symbol"


@dataclass(frozen=True)
class SymbolMapping:
    """What :func:`to_symbols` did: the kind of ids, how many there were, mapped and kept."""

    kind: str
    n_ids: int
    n_mapped: int
    n_symbols: int

    @property
    def share(self) -> float:
        return self.n_mapped / self.n_ids if self.n_ids else 0.0

    @property
    def sentence(self) -> str:
        """One or two sentences for the chapter, conditional on what happened."""
        if self.kind == "symbol":
            return f"The count matrix is keyed by gene symbols ({self.n_ids:,} {_plural(self.n_ids, 'gene')}), as the gene sets are."
        names = {"ensembl": "Ensembl gene ids (version suffixes removed)", "entrez": "Entrez gene ids"}
        text = (f"The count matrix is keyed by {names[self.kind]}: {self.n_mapped:,} of {self.n_ids:,} "
                f"({100 * self.share:.1f}%) map to a gene symbol through org.Hs.eg.db and are analysed as "
                f"{self.n_symbols:,} {_plural(self.n_symbols, 'symbol')} (counts of ids sharing a symbol are summed).")
        if self.share < MIN_MAPPED_SHARE:
            text += (f" Fewer than {100 * MIN_MAPPED_SHARE:.0f}% of the ids map: check the parameter gene_id_type; "
                     "the analyses below see only the mapped genes.")
        return text


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"


def _table(path: Path, kind: str) -> pd.Series:
    table = load_gene_id_table(path)
    column = "ensembl_id" if kind == "ensembl" else "entrez_id"
    table = table[table[column].notna()].sort_values([column, "symbol"])
    # One symbol per id (an Ensembl id rarely has two): the first in sorted order, so reruns agree.
    return table.drop_duplicates(column).set_index(column)["symbol"]


def to_symbols(counts: pd.DataFrame, kind: str = "auto", table_path: str | Path = GENE_ID_TABLE
               ) -> tuple[pd.DataFrame, SymbolMapping]:
    """The count matrix keyed by gene symbols, and a report of the mapping.

    ``kind`` is ``"auto"`` (detected by :func:`detect_kind`) or one of :data:`KINDS`.
    """
    if kind == "auto":
        kind = detect_kind(counts.index)
    if kind not in KINDS:
        raise ValueError(f"gene_id_type must be 'auto' or one of {KINDS}, not {kind!r}")
    if kind == "symbol":
        return counts, SymbolMapping("symbol", len(counts), len(counts), len(counts))
    ids = pd.Index(counts.index.astype(str))
    if kind == "ensembl":
        ids = ids.str.replace(r"\.\d+$", "", regex=True)
    symbols = ids.map(_table(Path(table_path), kind))
    mapped = counts[symbols.notna()]
    mapped = mapped.groupby(symbols[symbols.notna()].to_numpy(), sort=True).sum()
    mapped.index.name = counts.index.name
    return mapped, SymbolMapping(kind, len(counts), int(symbols.notna().sum()), len(mapped))
