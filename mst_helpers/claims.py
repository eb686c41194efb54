"""The published-claims registry: one row per number the paper prints.

``data/published/claims.csv`` holds every printed number of Liu et al. (2026) — abstract,
introduction, methods, results text, each cell of Tables 1 and 2, discussion — with the
exact printed text, its numeric value, the count and denominator behind a percentage, the
unit, the kind of quantity and a short quote of its source sentence. Chapters never retype a
printed number: they look it up here by id.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .schema import read_validated_csv, row_label

__all__ = [
    "CLAIMS_COLUMNS",
    "KINDS",
    "ROLES",
    "SECTIONS",
    "claims_schema",
    "load_claims",
    "printed_decimals",
    "claim_value",
    "claim_printed",
    "printed_by_id",
    "claim_label",
    "section_name",
    "PAPER_CLAIM_IDS",
    "paper_claim_ids",
    "missing_paper_claims",
]

SECTIONS = ("abstract", "introduction", "methods", "results", "table1", "table2", "discussion")
#: Each section as a reader names it ("Table 2", not "table2").
SECTION_NAMES = {"abstract": "Abstract", "introduction": "Introduction", "methods": "Methods", "results": "Results",
                 "table1": "Table 1", "table2": "Table 2", "discussion": "Discussion"}
KINDS = (
    "count", "percent", "mean", "sd", "median", "quartile", "range_min", "range_max",
    "p_value", "time", "dose", "age", "threshold", "date", "version", "label",
)
GROUPS = ("all", "60-70", ">70", "60-70 vs >70", ">3 vs 1-3", "donor", "gvhd_patient", "rnaseq", "other_study")
COMPARATORS = ("=", "<", ">", "<=", ">=", "≤", "≥")
#: What the reconstruction does with each printed number: *target* (built to match), *relaxed*
#: (a target reading that contradicts other printed numbers; ``note`` says which reading was
#: chosen and why), *check* (a result the book tests, never built in: p-values, hazard ratios),
#: *context* (not a property of this cohort: protocol values, other studies, RNA-seq design).
ROLES = ("target", "relaxed", "check", "context")
#: Kinds whose printed text is not a single number (value left empty).
NON_NUMERIC_KINDS = ("date", "version")

CLAIMS_COLUMNS = (
    "id", "section", "quantity", "group", "printed", "value", "comparator",
    "numerator", "denominator", "unit", "kind", "quote", "role", "note",
)


def claims_schema() -> pa.DataFrameSchema:
    """The pandera schema of ``claims.csv`` (types, allowed values, unique ids)."""
    text = pa.Column(str, nullable=False)
    return pa.DataFrameSchema(
        {
            "id": pa.Column(str, checks=pa.Check.str_matches(r"^[a-z0-9_.<>-]+$"), unique=True),
            "section": pa.Column(str, checks=pa.Check.isin(SECTIONS)),
            "quantity": text,
            "group": pa.Column(str, checks=pa.Check.isin(GROUPS)),
            "printed": text,
            "value": pa.Column(float, nullable=True, coerce=True),
            "comparator": pa.Column(str, checks=pa.Check.isin(COMPARATORS)),
            "numerator": pa.Column("Int64", nullable=True, coerce=True, checks=pa.Check.ge(0)),
            "denominator": pa.Column("Int64", nullable=True, coerce=True, checks=pa.Check.gt(0)),
            "unit": pa.Column(str, nullable=True),
            "kind": pa.Column(str, checks=pa.Check.isin(KINDS)),
            "quote": text,
            "role": pa.Column(str, checks=pa.Check.isin(ROLES)),
            "note": pa.Column(str, nullable=True),
        },
        strict=True,
        ordered=False,
    )


#: The first number in a printed text ("<0.001", "1,579", "86.2").
_PRINTED_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _cross_checks(claims: pd.DataFrame) -> list[str]:
    """Rules that need two columns: numeric kinds need a value equal to the printed number (at its
    printed precision), percentages lie in [0, 100], counts are not negative, numerators need a
    denominator.

    A numerator larger than its denominator is *not* rejected: the paper prints one
    (Table 2, induction regimen 30 of 29) and the registry records what is printed; the
    audit chapter reports it.
    """
    problems = []
    for position, row in enumerate(claims.itertuples(index=False)):
        where = f"{row_label(position)}, id {row.id!r}"
        if row.kind not in NON_NUMERIC_KINDS and pd.isna(row.value):
            problems.append(f"{where}, column 'value': a {row.kind} needs a numeric value")
        if row.kind not in NON_NUMERIC_KINDS and not pd.isna(row.value):
            # The value is the printed number read as a number: a mistyped value (-11 for a
            # printed 11) would otherwise invent an inconsistency in the audit.
            shown = _PRINTED_NUMBER.search(row.printed)
            if shown is None:
                problems.append(f"{where}, column 'printed': no number in {row.printed!r}")
            else:
                number = shown.group().replace(",", "")
                decimals = len(number.split(".")[1]) if "." in number else 0
                if abs(float(number) - row.value) > 0.5 * 10 ** -decimals + 1e-9:
                    problems.append(f"{where}, column 'value': {row.value:g} is not the printed {row.printed!r}")
        if row.kind == "percent" and not pd.isna(row.value) and not 0 <= row.value <= 100:
            problems.append(f"{where}, column 'value': a percentage must lie in [0, 100] (found {row.value:g})")
        if row.kind == "count" and not pd.isna(row.value) and row.value < 0:
            problems.append(f"{where}, column 'value': a count cannot be negative (found {row.value:g})")
        if not pd.isna(row.numerator) and pd.isna(row.denominator):
            problems.append(f"{where}, column 'denominator': a numerator needs its denominator")
        if row.role == "relaxed" and pd.isna(row.note):
            problems.append(f"{where}, column 'note': a relaxed claim needs the reading chosen and why")
        if row.role == "target" and row.kind == "p_value":
            problems.append(f"{where}, column 'role': a p-value is a check, never a target")
    return problems


def load_claims(path: str | Path) -> pd.DataFrame:
    """Read and validate the registry.

    Parameters
    ----------
    path
        Path to ``claims.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per printed number, indexed 0..n-1, with typed columns.

    Raises
    ------
    mst_helpers.schema.DataValidationError
        A missing column, an unparsable number, a duplicate id, an unknown category…;
        the message names the file, the row and the column.
    """
    return read_validated_csv(path, claims_schema(), id_column="id", extra_checks=_cross_checks)


#: The ids every registry the book runs on must hold (written from the shipped registry).
PAPER_CLAIM_IDS = Path(__file__).with_name("paper_claim_ids.txt")


def paper_claim_ids() -> list[str]:
    """The ids in :data:`PAPER_CLAIM_IDS`, in the registry's order."""
    lines = PAPER_CLAIM_IDS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def missing_paper_claims(claims: pd.DataFrame, path: str | Path = "claims.csv") -> list[str]:
    """One message naming the paper's claims a valid registry lacks (empty when it has them all).

    Every chapter looks printed numbers up by id, and the scorecard lists each one: a registry
    with rows deleted would stop a chapter with a ``KeyError`` or quietly shorten the scorecard.
    Extra ids (a reader's additions) are fine.
    """
    have, required = set(claims["id"]), paper_claim_ids()
    missing = [claim_id for claim_id in required if claim_id not in have]
    if not missing:
        return []
    shown = ", ".join(repr(m) for m in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return [f"{path}: {len(missing)} of the paper's {len(required)} claims are missing ({shown}); "
            f"the chapters and the scorecard use every one — restore them with: git checkout -- {path}"]


def write_paper_claim_ids(claims: pd.DataFrame) -> Path:
    """Write :data:`PAPER_CLAIM_IDS` from a registry (after adding a claim to the shipped one)."""
    header = PAPER_CLAIM_IDS.read_text(encoding="utf-8").splitlines()
    comments = [line for line in header if line.startswith("#")]
    PAPER_CLAIM_IDS.write_text("\n".join(comments + list(claims["id"])) + "\n", encoding="utf-8")
    return PAPER_CLAIM_IDS


def printed_decimals(printed: str) -> int:
    """Number of decimals in a printed number (``"45.00"`` → 2, ``"<0.001"`` → 3, ``"1,579"`` → 0)."""
    cleaned = printed.strip().lstrip("<>=≤≥").replace(",", "")
    try:
        exponent = Decimal(cleaned).as_tuple().exponent
    except InvalidOperation:
        raise ValueError(f"not a printed number: {printed!r}") from None
    return max(0, -int(exponent))


def _row(claims: pd.DataFrame, claim_id: str) -> pd.Series:
    match = claims.loc[claims["id"] == claim_id]
    if match.empty:
        raise KeyError(f"no claim with id {claim_id!r} in the registry")
    return match.iloc[0]


def claim_value(claims: pd.DataFrame, claim_id: str) -> float:
    """The numeric value of one claim (raises ``KeyError`` naming an unknown id)."""
    return float(_row(claims, claim_id)["value"])


def claim_printed(claims: pd.DataFrame, claim_id: str) -> str:
    """The printed text of one claim, exactly as in the paper."""
    return str(_row(claims, claim_id)["printed"])


def printed_by_id(claims: pd.DataFrame) -> dict[str, str]:
    """Every claim's printed text by id: what a sentence quotes when it compares with the paper."""
    return dict(zip(claims["id"].astype(str), claims["printed"].astype(str)))


def claim_label(claims: pd.DataFrame, claim_id: str) -> str:
    """A claim as a reader names it: ``"cumulative incidence of relapse (>70)"`` — the quantity and
    group, never the registry id (which stays in the CSV files)."""
    row = _row(claims, claim_id)
    return f"{row['quantity']} ({row['group']})"


def section_name(section: str) -> str:
    """A registry section as a reader names it: ``"table2"`` -> ``"Table 2"``."""
    return SECTION_NAMES.get(str(section), str(section))


def main(argv: list[str] | None = None) -> int:
    """``python -m mst_helpers.claims --write-ids``: record the shipped registry's ids as the paper's."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mst_helpers.claims", description=main.__doc__)
    parser.add_argument("--write-ids", action="store_true", help=f"rewrite {PAPER_CLAIM_IDS.name} from the registry")
    parser.add_argument("--claims", default="data/published/claims.csv", help="the registry (default: %(default)s)")
    args = parser.parse_args(argv)
    claims = load_claims(args.claims)
    if args.write_ids:
        print(f"{write_paper_claim_ids(claims)}: {len(claims)} ids")
    else:
        print("\n".join(missing_paper_claims(claims, args.claims)) or f"{args.claims}: all {len(paper_claim_ids())} paper claims present")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
