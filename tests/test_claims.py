"""Tests of the claims registry and its schema (mst_helpers.claims, mst_helpers.schema)."""

from __future__ import annotations

import csv

import pytest

from mst_helpers.claims import CLAIMS_COLUMNS, claim_printed, claim_value, load_claims, printed_decimals
from mst_helpers.schema import DataValidationError

from .conftest import CLAIMS


def _rows() -> list[dict]:
    with open(CLAIMS, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path, rows, columns=CLAIMS_COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_registry_is_complete(claims):
    assert len(claims) > 300
    assert set(claims["section"]) == {"abstract", "introduction", "methods", "results", "table1", "table2", "discussion"}
    # Every cell of Tables 1 and 2 with a count has its percentage and vice versa.
    for table in ("t1.", "t2."):
        sub = claims[claims["id"].str.startswith(table)]
        counts = {i[: -len(".n")] for i in sub["id"] if i.endswith(".n") and ".header." not in i}
        pcts = {i[: -len(".pct")] for i in sub["id"] if i.endswith(".pct")}
        assert counts == pcts


def test_printed_values_are_quoted_exactly(claims):
    assert claim_printed(claims, "t2.death_cause.relapse.>70.pct") == "55.55"
    assert claim_printed(claims, "t1.courses.p") == "<0.001"
    assert claim_value(claims, "res.followup.median") == pytest.approx(148.47)
    assert claim_value(claims, "res.rnaseq.degs") == 1579
    with pytest.raises(KeyError, match="no claim with id 'nope'"):
        claim_value(claims, "nope")


def test_percent_rows_carry_their_count(claims):
    pct = claims[(claims["kind"] == "percent") & claims["id"].str.startswith(("t1.", "t2."))]
    assert pct["numerator"].notna().all() and pct["denominator"].notna().all()


@pytest.mark.parametrize("printed, decimals", [("45.00", 2), ("15.0", 1), ("<0.001", 3), ("1,579", 0), ("2013", 0), ("0.3", 1)])
def test_printed_decimals(printed, decimals):
    assert printed_decimals(printed) == decimals


def test_missing_column_names_file_and_column(tmp_path):
    path = _write(tmp_path / "claims.csv", _rows(), [c for c in CLAIMS_COLUMNS if c != "kind"])
    with pytest.raises(DataValidationError) as err:
        load_claims(path)
    assert str(path) in str(err.value) and "'kind'" in str(err.value) and "missing" in str(err.value)


def test_non_numeric_value_names_file_row_and_column(tmp_path):
    rows = _rows()
    rows[36]["value"] = "twelve"
    path = _write(tmp_path / "claims.csv", rows)
    with pytest.raises(DataValidationError) as err:
        load_claims(path)
    message = str(err.value)
    assert str(path) in message and "row 37" in message and "'value'" in message and "twelve" in message
    assert rows[36]["id"] in message


def test_duplicate_id_names_file_row_and_column(tmp_path):
    rows = _rows()
    rows[5]["id"] = rows[4]["id"]
    path = _write(tmp_path / "claims.csv", rows)
    with pytest.raises(DataValidationError) as err:
        load_claims(path)
    message = str(err.value)
    assert str(path) in message and "'id'" in message and "row 6" in message


def test_unknown_category_and_missing_value_are_refused(tmp_path):
    rows = _rows()
    rows[0]["section"] = "appendix"
    rows[1]["value"] = ""
    path = _write(tmp_path / "claims.csv", rows)
    with pytest.raises(DataValidationError) as err:
        load_claims(path)
    assert "'section'" in str(err.value) and "appendix" in str(err.value)
    rows[0]["section"] = "table1"
    _write(path, rows)
    with pytest.raises(DataValidationError, match=r"row 2 .*'value': a .* needs a numeric value"):
        load_claims(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        load_claims(tmp_path / "absent.csv")


def _first(rows, **match):
    return next(i for i, r in enumerate(rows) if all(r[k] == v for k, v in match.items()))


def test_a_value_that_is_not_the_printed_number_is_refused(tmp_path):
    rows = _rows()
    i = _first(rows, kind="count", printed="11")
    rows[i]["value"] = "-11"
    with pytest.raises(DataValidationError, match=rf"row {i + 1} .*column 'value': -11 is not the printed '11'"):
        load_claims(_write(tmp_path / "claims.csv", rows))


def test_percentages_lie_in_0_100_and_counts_are_not_negative(tmp_path):
    rows = _rows()
    i = _first(rows, kind="percent")
    rows[i]["printed"] = rows[i]["value"] = "150.0"
    j = _first(rows, kind="count", printed="11")
    rows[j]["printed"] = rows[j]["value"] = "-4"
    with pytest.raises(DataValidationError) as err:
        load_claims(_write(tmp_path / "claims.csv", rows))
    message = str(err.value)
    assert "a percentage must lie in [0, 100] (found 150)" in message
    assert "a count cannot be negative (found -4)" in message


# ------------------------------------------------------------------ the paper's claims are all there


def test_the_recorded_paper_ids_are_the_shipped_registrys(claims):
    from mst_helpers.claims import missing_paper_claims, paper_claim_ids

    assert paper_claim_ids() == list(claims["id"]), \
        "a claim was added or renamed: run `python -m mst_helpers.claims --write-ids` and commit the file"
    assert missing_paper_claims(claims) == []


def test_a_registry_with_rows_deleted_stops_before_any_chapter(tmp_path):
    """Rows deleted on purpose (manifest re-recorded) used to stop chapter 1 with a KeyError."""
    import shutil

    from mst_helpers.build import BuildError, validate_data
    from mst_helpers.manifest import write_manifest

    from .conftest import ROOT

    shutil.copytree(ROOT / "data", tmp_path / "data")
    rows = _rows()
    gone = [r["id"] for r in rows[99:106]]
    _write(tmp_path / "data" / "published" / "claims.csv", rows[:99] + rows[106:])
    write_manifest(tmp_path)
    with pytest.raises(BuildError) as err:
        validate_data(tmp_path)
    message = str(err.value)
    assert message.startswith(f"data/published/claims.csv: 7 of the paper's {len(rows)} claims are missing ("
                              + ", ".join(repr(g) for g in gone[:5]) + " and 2 more); "), message
    assert "git checkout -- data/published/claims.csv" in message
    # A reader's extra claim is not a fault.
    extra = dict(rows[0], id="my.extra.claim")
    _write(tmp_path / "data" / "published" / "claims.csv", rows + [extra])
    write_manifest(tmp_path)
    validate_data(tmp_path)
