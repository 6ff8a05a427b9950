"""Writing rows: bulk inserts and the fields derived when complaints are stored.

Both the demo generator and the importers write through these functions, so derived
columns (the complaint's month and response deadline) are computed in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, insert

from data_access.workdays import response_due_at

BULK_CHUNK_ROWS = 50_000


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
    dicts (a key missing from some dicts is stored as NULL there).
    Missing values (NaN, NaT, None) are stored as NULL. The caller owns the transaction.
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows
        columns = list(frame.columns)
        unknown = set(columns) - set(table.columns.keys())
        if unknown:
            raise ValueError(f"columns not in table {table.name}: {sorted(unknown)}")
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


def derive_complaint_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``received_month`` and ``response_due_at`` from ``received_at`` (a copy)."""
    result = frame.copy()
    received = pd.to_datetime(result["received_at"])
    result["received_month"] = received.dt.strftime("%Y-%m").to_numpy()
    result["response_due_at"] = response_due_at(received).to_numpy()
    return result
