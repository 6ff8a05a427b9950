"""Shared fixtures: the hand-made fixture city on a real SQLite file."""

from __future__ import annotations

import os
import shutil

import pytest

from data_access.engine import make_engine
from tests.fixture_city import build_fixture_city


@pytest.fixture(scope="session")
def fixture_db_url(tmp_path_factory) -> str:
    """URL of a SQLite file holding the fixture city (built once per test session)."""
    path = tmp_path_factory.mktemp("fixture") / "fixture.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    build_fixture_city(engine, demo_flag=True)
    engine.dispose()
    return url


@pytest.fixture()
def fixture_engine(fixture_db_url):
    engine = make_engine(fixture_db_url)
    yield engine
    engine.dispose()


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
