"""Shared fixtures: the hand-made fixture city on every database backend, empty and
private databases per backend, the city demo, the browser.

``db_backend`` is the one parametrised fixture over the backends ("sqlite",
"postgresql"): every test that uses it, directly or through ``fixture_db_url``,
``fixture_engine`` or ``blank_db_url``, runs once on each. The PostgreSQL variants need
the server of tests/pg_support.py: locally they skip without it, under CI=true they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from data_access.engine import make_engine
from tests.fixture_city import build_fixture_city
from tests.pg_support import (
    BACKENDS,
    create_database,
    database_name,
    drop_database,
    drop_database_soon,
    require_postgres,
    wait_for_drops,
)


@pytest.fixture(scope="session", params=BACKENDS, ids=BACKENDS)
def db_backend(request) -> str:
    """The backend of this test variant: "sqlite" or "postgresql"."""
    if request.param == "postgresql":
        require_postgres()
    return request.param


def build_city(url: str) -> str:
    """Build the fixture city (demo flag set) in the database at ``url``; return ``url``."""
    engine = make_engine(url)
    build_fixture_city(engine, demo_flag=True)
    engine.dispose()
    return url


@contextlib.contextmanager
def blank_database(backend: str, directory: Path) -> Iterator[str]:
    """URL of a new, empty database on ``backend`` for the block: a SQLite file in
    ``directory``, or a fresh PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'blank.sqlite'}"
        return
    url = create_database("test_blank")
    try:
        yield url
    finally:
        drop_database_soon(url)


@contextlib.contextmanager
def database_copy(url: str, directory: Path) -> Iterator[str]:
    """URL of a private copy of the database at ``url`` for the block.

    SQLite copies the file into ``directory``; PostgreSQL creates a database from
    ``url``'s database as TEMPLATE, which PostgreSQL refuses while anything is connected
    to it: whoever opened an engine on ``url`` must have disposed of it.
    """
    if make_url(url).get_backend_name() == "sqlite":
        target = directory / "copy.sqlite"
        shutil.copy(make_url(url).database, target)
        yield f"sqlite:///{target}"
        return
    copy = create_database("test_copy", template=database_name(url))
    try:
        yield copy
    finally:
        drop_database_soon(copy)


def pytest_sessionfinish(session) -> None:
    """The test databases dropped in the background are gone before the run ends."""
    wait_for_drops()


@pytest.fixture(scope="session")
def fixture_sqlite_url(tmp_path_factory) -> str:
    """URL of a SQLite file holding the fixture city (built once per session), for the
    tests that need one backend only (AppTest and browser pages)."""
    return build_city(f"sqlite:///{tmp_path_factory.mktemp('fixture') / 'fixture.sqlite'}")


@pytest.fixture(scope="session")
def fixture_db_url(db_backend, fixture_sqlite_url) -> Iterator[str]:
    """URL of the fixture city on each backend, built once per session. Read-only: a
    test that writes takes a copy (tests/test_import_support.py ``city``). No engine on
    it may stay open after a test, or PostgreSQL cannot copy it."""
    if db_backend == "sqlite":
        yield fixture_sqlite_url
        return
    url = create_database("test_fixture_city")
    try:
        yield build_city(url)
    finally:
        drop_database(url)


@pytest.fixture()
def fixture_engine(fixture_db_url):
    engine = make_engine(fixture_db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def blank_db_url(db_backend, tmp_path) -> Iterator[str]:
    """URL of an empty database on each backend (schema not yet created)."""
    with blank_database(db_backend, tmp_path) as url:
        yield url


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_system(executable: str, why: str) -> str:
    """Path of a system program the test needs: skip locally, FAIL under CI=true."""
    path = shutil.which(executable) or (executable if os.path.exists(executable) else None)
    if path is None:
        message = f"{executable} is missing ({why}); .ci/run installs it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


DEMO_END_MONTH = "2026-10"


@pytest.fixture(scope="session")
def city_demo(tmp_path_factory):
    """The city-scale demo (seed 42) in a SQLite file, built once per session:
    (url, DemoSummary) — the summary carries the build time."""
    from data_access.demo import build_demo

    path = tmp_path_factory.mktemp("city") / "city.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    summary = build_demo(engine, scale="city", seed=42, end_month=DEMO_END_MONTH)
    engine.dispose()
    return url, summary


@pytest.fixture(scope="session")
def city_demo_url(city_demo) -> str:
    """URL of the session's city-scale demo database."""
    return city_demo[0]


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless, driven by Playwright; one per test session.

    Skips locally and fails under CI=true when Chromium or Playwright is missing.
    """
    from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS

    executable = require_system(CHROMIUM, "browser tests drive the system Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci():
            pytest.fail("playwright is missing: make test installs requirements-dev.txt")
        pytest.skip("playwright is missing: make test installs requirements-dev.txt")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
