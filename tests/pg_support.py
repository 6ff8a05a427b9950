"""PostgreSQL for the tests: a server on localhost, one fresh database per fixture.

The server comes from ``DASHBOARD_TEST_PG_URL`` (a database the test role may connect to
and whose role has CREATEDB), by default the one `.ci/run` sets up:
``postgresql+psycopg://dashboard:dashboard@127.0.0.1:5432/dashboard_test``.
Without a reachable server the PostgreSQL variants skip locally and fail under CI=true.
:func:`as_sqlite_returns` puts values read on either backend in one form, so that one
expected value or fingerprint serves both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+psycopg://dashboard:dashboard@127.0.0.1:5432/dashboard_test"
BACKENDS = ("sqlite", "postgresql")

_reachable: dict[str, str | None] = {}


def pg_base_url() -> str:
    """The test server's URL (``DASHBOARD_TEST_PG_URL`` or the CI default)."""
    return os.environ.get("DASHBOARD_TEST_PG_URL", DEFAULT_PG_URL)


def _problem(url: str) -> str | None:
    """None when ``url`` answers, else why not (remembered for the session)."""
    if url not in _reachable:
        try:
            engine = create_engine(url, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _reachable[url] = None
        except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
            _reachable[url] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return _reachable[url]


def require_postgres() -> str:
    """The base URL; skip locally and FAIL under CI=true when the server is unreachable."""
    from tests.conftest import in_ci

    url = pg_base_url()
    problem = _problem(url)
    if problem is not None:
        message = (f"PostgreSQL is not reachable at {make_url(url).render_as_string()} "
                   f"({problem}); .ci/run installs and starts it")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return url


def _admin_engine(base_url: str):
    return create_engine(base_url, isolation_level="AUTOCOMMIT")


def create_database(prefix: str = "t", template: str | None = None) -> str:
    """Create a new, uniquely named database (a copy of ``template`` when given) and
    return its URL."""
    base_url = require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(base_url)
    with admin.connect() as conn:
        # Database names cannot be bound parameters; ``name`` and ``template`` are made
        # here from [a-z0-9_] only, so quoting them as identifiers is safe.
        statement = f'CREATE DATABASE "{name}"'
        if template:
            statement += f' TEMPLATE "{template}"'
        conn.execute(text(statement))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url``, ending the test role's other sessions on it first.

    Not ``WITH (FORCE)``: that also tries to end an autovacuum worker busy on the new
    database, which only a superuser may; a plain DROP DATABASE stops the worker itself
    and waits (up to 5 s) for the ended sessions to go.
    """
    name = make_url(url).database
    admin = _admin_engine(pg_base_url())
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND usename = current_user AND pid <> pg_backend_pid()"),
            {"name": name})
        # a name create_database made (see there), quoted as an identifier
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


_dropper: ThreadPoolExecutor | None = None
_pending_drops: list[Future] = []


def drop_database_soon(url: str) -> None:
    """Drop the database of ``url`` in the background; :func:`wait_for_drops` waits.

    A DROP DATABASE waits for a checkpoint, which takes seconds while another job writes
    to the server; a test that only discards its private copy need not wait for that.
    """
    global _dropper
    if _dropper is None:
        _dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop_database")
    _pending_drops.append(_dropper.submit(drop_database, url))


def wait_for_drops() -> None:
    """Wait for every background drop to finish; raise the first failure."""
    while _pending_drops:
        _pending_drops.pop(0).result()


@contextlib.contextmanager
def fresh_database(prefix: str = "t", template: str | None = None) -> Iterator[str]:
    """A new database for the duration of the block; dropped afterwards."""
    url = create_database(prefix, template)
    try:
        yield url
    finally:
        drop_database(url)


def database_name(url: str) -> str:
    return make_url(url).database


def as_sqlite_returns(value):
    """``value`` in the form SQLite's driver returns it for raw SQL, so that one expected
    value (and one fingerprint) serves both backends: datetimes as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text (SQLAlchemy's SQLite storage format), dates as ISO
    text, booleans as 0/1, decimals as floats; anything else unchanged."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def frame_as_sqlite_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` (from ``pandas.read_sql``) with every value as
    :func:`as_sqlite_returns` gives it; missing timestamps become None."""
    result = frame.copy()
    for column in result.columns:
        series = result[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            text_values = series.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            result[column] = text_values.astype(object).where(series.notna(), None)
        elif series.dtype == object or pd.api.types.is_bool_dtype(series):
            result[column] = series.map(as_sqlite_returns, na_action="ignore")
    return result
