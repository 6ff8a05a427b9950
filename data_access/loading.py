"""Writing rows: bulk inserts and the fields derived when complaints are stored.

Both the demo generator and the importers write through these functions, so derived
columns (the complaint's month and response deadline) are computed in one place.

On PostgreSQL rows are sent with ``COPY … FROM STDIN`` (psycopg 3) as CSV that pyarrow
writes a column at a time; every other database gets SQLAlchemy executemany inserts.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from sqlalchemy import Connection, Integer, Table, func, insert, select

from data_access.workdays import response_due_at

BULK_CHUNK_ROWS = 50_000

# Strings are always quoted and missing values left empty and unquoted, which is what
# PostgreSQL's CSV COPY reads as '' and NULL respectively.
_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def _column_values(series: pd.Series) -> list:
    """Plain Python values of a column, with every missing value (NaN, NaT, NA) as None."""
    values = series.tolist()
    missing = series.isna().to_numpy()
    if missing.any():
        for position in np.flatnonzero(missing):
            values[position] = None
    return values


def bulk_insert(conn: Connection, table: Table, rows: pd.DataFrame | Iterable[dict]) -> int:
    """Insert ``rows`` into ``table`` in chunks on ``conn``; returns the row count.

    ``rows`` may be a DataFrame whose columns are a subset of the table's columns, or
    dicts (a key missing from some dicts is stored as NULL there). Columns left out
    entirely get the table's scalar column defaults. Missing values (NaN, NaT, NA,
    None) are stored as NULL. The caller owns the transaction.

    On PostgreSQL the rows go through COPY, and when they carry the table's
    autoincrement key (explicit ids) its sequence is moved past the largest id
    (:func:`sync_id_sequence`), so later inserts without an id do not collide.
    """
    if conn.dialect.name == "postgresql":
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
        _check_columns(table, list(frame.columns))
        count = copy_frame(conn, table, _with_defaults(table, frame))
        serial = table.autoincrement_column
        if count and serial is not None and serial.name in frame.columns:
            sync_id_sequence(conn, table)
        return count
    if isinstance(rows, pd.DataFrame):
        frame = rows
        columns = list(frame.columns)
        _check_columns(table, columns)
        total = 0
        statement = insert(table)
        for start in range(0, len(frame), BULK_CHUNK_ROWS):
            chunk = frame.iloc[start:start + BULK_CHUNK_ROWS]
            column_values = [_column_values(chunk[column]) for column in columns]
            records = [dict(zip(columns, values)) for values in zip(*column_values)]
            if records:
                conn.execute(statement, records)
                total += len(records)
        return total
    records = list(rows)
    keys = sorted({key for record in records for key in record})
    if records:
        conn.execute(insert(table), [{key: record.get(key) for key in keys} for record in records])
    return len(records)


def _check_columns(table: Table, columns: list[str]) -> None:
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"columns not in table {table.name}: {sorted(unknown)}")


def _with_defaults(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a column for every left-out table column with a scalar default
    (SQLAlchemy's insert applies these defaults itself; COPY would store NULL)."""
    defaults = {}
    for column in table.columns:
        if column.name in frame.columns or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} has a computed default; give it")
        defaults[column.name] = column.default.arg
    return frame.assign(**defaults) if defaults else frame


def _arrow_values(series: pd.Series, column_type) -> pa.Array:
    """One column as an Arrow array whose CSV text PostgreSQL reads back exactly.

    Missing values become nulls; a column of mixed Python objects is sent as their text.
    Nanoseconds are truncated to microseconds (PostgreSQL's resolution), as psycopg
    does with Python date-times; whole floats bound for an integer column become
    integers (a fraction raises).
    """
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        missing = series.isna().to_numpy()
        array = pa.array([None if gone else str(value)
                          for value, gone in zip(series.tolist(), missing)], pa.string())
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_timestamp(array.type) and array.type.unit == "ns":
        array = array.cast(pa.timestamp("us", array.type.tz), safe=False)
    if isinstance(column_type, Integer) and pa.types.is_floating(array.type):
        array = array.cast(pa.int64())
    return array


def copy_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Append the rows of ``frame`` (columns named after ``table``'s) to ``table`` with
    ``COPY … FROM STDIN`` on ``conn`` (PostgreSQL, psycopg 3); returns the row count.

    Values are written as CSV (UTF-8), so text with tabs, newlines, quotes and
    backslashes arrives unchanged; NaN, NaT, NA and None arrive as NULL. The copy runs in
    ``conn``'s transaction (begun here when none is); no defaults are filled in.
    """
    if frame.empty:
        return 0
    if not conn.in_transaction():
        conn.begin()
    columns = list(frame.columns)
    name = sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)
    # Table and column names cannot be bound parameters; sql.Identifier quotes them.
    statement = (sql.SQL("COPY ") + name + sql.SQL(" (")
                 + sql.SQL(", ").join(map(sql.Identifier, columns))
                 + sql.SQL(") FROM STDIN (FORMAT csv, ENCODING 'UTF8')"))
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(frame), BULK_CHUNK_ROWS):
            chunk = frame.iloc[start:start + BULK_CHUNK_ROWS]
            arrays = [_arrow_values(chunk[column], table.c[column].type) for column in columns]
            csv = pa.BufferOutputStream()
            pa_csv.write_csv(pa.Table.from_arrays(arrays, names=columns), csv, _CSV_OPTIONS)
            copy.write(memoryview(csv.getvalue()))
    return len(frame)


def sync_id_sequence(conn: Connection, table: Table) -> None:
    """Set the sequence behind ``table``'s autoincrement key to the largest key stored,
    so the next insert without a key gets a new one; an empty table restarts at 1.

    Call it after writing explicit keys. Only PostgreSQL needs it (its sequences do not
    follow explicit keys); elsewhere, and for a table without such a key, it does nothing.
    """
    serial = table.autoincrement_column
    if conn.dialect.name != "postgresql" or serial is None:
        return
    preparer = conn.dialect.identifier_preparer
    sequence = func.pg_get_serial_sequence(preparer.format_table(table), serial.name)
    largest = func.max(serial)
    conn.execute(select(func.setval(sequence, func.coalesce(largest, 1), largest.is_not(None)))
                 .select_from(table))


def derive_complaint_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``received_month`` and ``response_due_at`` from ``received_at`` (a copy)."""
    result = frame.copy()
    received = pd.to_datetime(result["received_at"])
    result["received_month"] = received.dt.strftime("%Y-%m").to_numpy()
    result["response_due_at"] = response_due_at(received).to_numpy()
    return result
