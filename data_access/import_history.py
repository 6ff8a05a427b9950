"""The import history: what was imported, when, by whom, from which file.

The import page shows it to the people who load the bureau's files. It is an
administrator's view of the whole database, so it takes no viewer Scope: once login
exists, only administrators will see the import page (and so this history) — the page,
not this query, will make that check.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from data_access.schema import import_log

#: Columns of :func:`import_history`, in order.
HISTORY_COLUMNS = ("imported_at", "imported_by", "file_name", "file_sha256", "table_name",
                   "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected",
                   "status")


def import_history(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The newest ``limit`` import_log rows, newest first (ties: the later logged first).

    One row per file and table of an import: ``imported_at`` (China time),
    ``imported_by`` (None until login exists), ``file_name``, ``file_sha256``,
    ``table_name``, the rows inserted / updated / unchanged / rejected and ``status``
    ("imported", "rejected" or "dry_run").
    """
    statement = (select(*(import_log.c[name] for name in HISTORY_COLUMNS))
                 .order_by(import_log.c.imported_at.desc(), import_log.c.id.desc())
                 .limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(HISTORY_COLUMNS))
    for name in ("rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected"):
        frame[name] = frame[name].astype("int64")
    frame["imported_at"] = pd.to_datetime(frame["imported_at"])
    return frame
