"""PostgreSQL for the tests: a server on localhost, one fresh database per fixture.

The server comes from ``DASHBOARD_TEST_PG_URL`` (a database the test role may connect to
and whose role has CREATEDB), by default the one `.ci/run` sets up:
``postgresql+psycopg://dashboard:dashboard@127.0.0.1:5432/dashboard_test``.
Without a reachable server the PostgreSQL variants skip locally and fail under CI=true.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

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
    """Drop the database of ``url`` (closing other connections to it first)."""
    name = make_url(url).database
    admin = _admin_engine(pg_base_url())
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
