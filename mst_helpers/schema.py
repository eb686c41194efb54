"""Validate a data file against a pandera schema, naming file, row and column on failure.

Every data file the book reads goes through :func:`read_validated_csv`. A malformed file
stops the build with a :class:`DataValidationError` whose message says which file, which
row (1-based data row, and the line of the file) and which column is at fault.
"""

from __future__ import annotations

import copy
import gzip
import io
import zlib
from pathlib import Path
from typing import Callable

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

__all__ = ["DataValidationError", "read_text", "read_csv", "read_validated_csv", "validate_frame", "row_label", "listed_failures",
           "extra_columns_note"]

#: How many individual failures one error message lists before summarising.
MAX_LISTED_FAILURES = 10


class DataValidationError(ValueError):
    """A data file does not match its schema; the message names file, row and column."""


def read_text(path: str | Path) -> str:
    """The text of a data file (``.gz`` decompressed), or one line naming the file and what is wrong.

    Every way a file can be unreadable — missing, empty, not gzip, a truncated gzip, a byte that is
    not UTF-8 — becomes a :class:`DataValidationError` whose message names the file (and the line,
    for an encoding fault), instead of a traceback from deep inside pandas or gzip.
    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: file not found")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise DataValidationError(f"{path}: the gzip file is truncated (it ends before its last block)") from None
        except (gzip.BadGzipFile, zlib.error, OSError):
            raise DataValidationError(f"{path}: not a gzip file, or a corrupted one") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise DataValidationError(f"{path}: line {line}: byte {raw[err.start]:#04x} is not UTF-8 text "
                                  "(save the file as UTF-8)") from None
    if not text.strip():
        raise DataValidationError(f"{path}: the file is empty")
    return text


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` on :func:`read_text`: a malformed table is one line naming the file."""
    text = read_text(path)
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataValidationError(f"{path}: cannot be read as a table: {first}") from None


def _plain(value: object) -> object:
    """NumPy scalars as plain numbers in messages (``-4``, not ``np.int64(-4)``)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def listed_failures(problems: list[str]) -> list[str]:
    """The first :data:`MAX_LISTED_FAILURES` problems, and one line counting the rest."""
    listed = problems[:MAX_LISTED_FAILURES]
    more = len(problems) - len(listed)
    return listed + ([f"... and {more} more failure(s)"] if more > 0 else [])


def row_label(position: int) -> str:
    """How every message names a data row: 1-based row number and the line of the CSV file."""
    return f"row {position + 1} (line {position + 2} of the file)"


def _row_label(index: object, frame: pd.DataFrame, id_column: str | None) -> str:
    if index is None or (isinstance(index, float) and pd.isna(index)):
        return "all rows"
    try:
        position = int(index)
    except (TypeError, ValueError):
        return f"row {index}"
    label = row_label(position)
    if id_column and id_column in frame.columns and position < len(frame):
        label += f", {id_column} {frame[id_column].iloc[position]!r}"
    return label


def _readable_check(check: str) -> str:
    """A short phrase for a pandera check name."""
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        wanted = check.split("'")[1] if "'" in check else check
        return f"expected type {wanted}" + (" (a number)" if wanted.startswith(("float", "int", "Int")) else "")
    if check == "field_uniqueness":
        return "duplicate value (must be unique)"
    if check == "not_nullable":
        return "empty (a value is required)"
    if check.startswith("isin"):
        return f"not an allowed value {check[len('isin'):]}"
    if check.startswith("str_matches"):
        return f"does not match the pattern {check[len('str_matches'):]}"
    return f"fails {check}"


def _describe_failures(err: SchemaErrors, frame: pd.DataFrame, path: str, id_column: str | None) -> str:
    cases = err.failure_cases.copy()
    # A value that cannot be coerced also fails the dtype check: report it once.
    cases["_dtype"] = cases["check"].astype(str).str.startswith(("coerce_dtype", "dtype"))
    cases = cases.drop_duplicates(subset=["column", "index", "_dtype", "failure_case"])
    # A row that repeats a combination that must be unique fails once per column of it: one line,
    # naming the columns together.
    together = cases["check"].astype(str).eq("multiple_fields_uniqueness")
    combined = {index: list(dict.fromkeys(group["column"].astype(str)))
                for index, group in cases[together].groupby("index", sort=False)}
    cases = pd.concat([cases[~together], cases[together].drop_duplicates(subset=["index"])]).sort_index(kind="stable")
    lines = []
    for _, case in cases.head(MAX_LISTED_FAILURES).iterrows():
        column, check, found = case.get("column"), str(case.get("check")), case.get("failure_case")
        if check == "column_in_dataframe":
            lines.append(f"{path}: column {found!r} is missing (required by the schema)")
            continue
        if check == "column_in_schema":
            lines.append(f"{path}: column {found!r} is not part of the schema")
            continue
        column_text = "the table" if column is None or (isinstance(column, float) and pd.isna(column)) else f"column {column!r}"
        row = _row_label(case.get("index"), frame, id_column)
        if check == "multiple_fields_uniqueness":
            columns = combined.get(case.get("index"), [str(column)])
            position = int(case.get("index"))
            names = " and ".join([", ".join(columns[:-1]), columns[-1]] if len(columns) > 1 else columns)
            values = ", ".join(str(_plain(frame[c].iloc[position])) for c in columns if c in frame.columns)
            lines.append(f"{path}: {row}: another row has the same {names} ({values}); they must be unique together")
            continue
        lines.append(f"{path}: {row}, {column_text}: {_readable_check(check)} (found {_plain(found)!r})")
    extra = len(cases) - MAX_LISTED_FAILURES
    if extra > 0:
        lines.append(f"... and {extra} more failure(s)")
    return "\n".join(lines)


def validate_frame(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    path: str | Path,
    id_column: str | None = None,
    extra_checks: Callable[[pd.DataFrame], list[str]] | None = None,
) -> pd.DataFrame:
    """Validate ``frame`` against ``schema``; raise :class:`DataValidationError` on failure.

    Parameters
    ----------
    frame
        The data as read (strings are coerced by the schema).
    schema
        A pandera schema; ``coerce=True`` columns turn unparsable values into failures.
    path
        The file the frame came from; it opens every line of the error message.
    id_column
        A column whose value is quoted beside the row number to help find the row.
    extra_checks
        Cross-column rules pandera cannot express simply; returns a list of messages
        (already naming row and column), empty when the frame is valid.

    Returns
    -------
    pandas.DataFrame
        The validated, type-coerced frame.
    """
    path = str(path)
    # Columns the schema does not know are kept as they are (a reader's own data may carry more than
    # the book needs) and named once in ``attrs["extra_columns"]`` for the build to report.
    extra = [c for c in frame.columns if c not in schema.columns]
    if getattr(schema, "strict", False) is True and extra:
        schema = _lenient(schema)
    bad_dates = _unparsable_dates(frame, schema, path, id_column)
    if bad_dates:
        raise DataValidationError(f"{path} does not match its schema:\n" + "\n".join(bad_dates))
    try:
        valid = schema.validate(frame, lazy=True)
    except SchemaErrors as err:
        raise DataValidationError(
            f"{path} does not match its schema:\n" + _describe_failures(err, frame, path, id_column)
        ) from None
    except SchemaError as err:  # raised for table-level problems even in lazy mode
        raise DataValidationError(f"{path} does not match its schema: {err}") from None
    if extra_checks is not None:
        problems = extra_checks(valid)
        if problems:
            raise DataValidationError(
                f"{path} does not match its schema:\n" + "\n".join(f"{path}: {p}" for p in listed_failures(problems))
            )
    valid.attrs["extra_columns"] = extra
    return valid


#: The one date form the data files use (ISO 8601); anything else is named row by row.
DATE_FORMAT = "%Y-%m-%d"


def _unparsable_dates(frame: pd.DataFrame, schema: pa.DataFrameSchema, path: str, id_column: str | None) -> list[str]:
    """Each cell of a date column that is not a ``YYYY-MM-DD`` date, by row (pandera would
    reject the whole column at once, "all rows", when one value has another form)."""
    problems = []
    for name, column in schema.columns.items():
        if name not in frame.columns or "datetime" not in str(column.dtype):
            continue
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.where(values.notna(), None)
        parsed = pd.to_datetime(text, format=DATE_FORMAT, errors="coerce")
        for position in (i for i, (raw, ok) in enumerate(zip(text, parsed)) if raw is not None and pd.isna(ok)):
            if len(problems) == MAX_LISTED_FAILURES:
                problems.append("... and more dates in other forms")
                return problems
            problems.append(f"{path}: {_row_label(position, frame, id_column)}, column {name!r}: "
                            f"{text.iloc[position]!r} is not a date in the form YYYY-MM-DD")
    return problems


def _lenient(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The same schema, accepting columns it does not name."""
    lenient = copy.deepcopy(schema)
    lenient.strict = False
    return lenient


def extra_columns_note(path: str | Path, frame: pd.DataFrame) -> str | None:
    """One line naming the columns of ``frame`` its schema does not use, or None."""
    extra = frame.attrs.get("extra_columns") or []
    if not extra:
        return None
    names = ", ".join(repr(c) for c in extra)
    return f"{path}: column{'s' if len(extra) > 1 else ''} {names} not used by the book (kept, not validated)"


def read_validated_csv(
    path: str | Path,
    schema: pa.DataFrameSchema,
    id_column: str | None = None,
    extra_checks: Callable[[pd.DataFrame], list[str]] | None = None,
    sep: str = ",",
) -> pd.DataFrame:
    """Read a CSV (or, with ``sep="\\t"``, a TSV) as text and validate it (see :func:`validate_frame`).

    Examples
    --------
    >>> import pandera.pandas as pa, io, tempfile, os
    >>> schema = pa.DataFrameSchema({"n": pa.Column(int, coerce=True)})
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("n\\n3\\n")
    >>> int(read_validated_csv(f.name, schema)["n"].iloc[0])
    3
    >>> os.unlink(f.name)
    """
    path = Path(path)
    # Read every cell as text so that the schema, not pandas' guessing, decides the types.
    frame = read_csv(path, dtype=str, keep_default_na=False, sep=sep)
    if frame.empty:   # else a cross-file rule would blame the files that refer to this one
        raise DataValidationError(f"{path}: the file has a header but no data rows")
    frame = frame.replace({"": None})
    return validate_frame(frame, schema, path, id_column=id_column, extra_checks=extra_checks)
