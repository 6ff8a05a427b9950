"""Engine creation. The schema is created (and on SQLite upgraded) on first use, so a
fresh SQLite file works."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from data_access.config import database_url
from data_access.migrations import ensure_schema

# Connections one server process may hold on PostgreSQL: Streamlit runs each session's
# script in its own thread, so 20 concurrent sessions can each hold a connection.
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 20


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """Create an engine for ``url`` (default: :func:`database_url`).

    For SQLite the parent directory is created, and foreign keys and WAL are switched on.
    With ``create`` the schema is brought to the head migration
    (:func:`data_access.migrations.ensure_schema`): an empty database is created on any
    backend; an existing older one is upgraded, keeping its data, on SQLite only — on
    PostgreSQL that raises :class:`data_access.migrations.SchemaError` asking for
    ``python -m data_access migrate``. An up-to-date database costs one query.
    """
    url = url or database_url()
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE,
                               max_overflow=POSTGRES_MAX_OVERFLOW)
    if create:
        ensure_schema(engine, upgrade_existing=sqlite)
    return engine
