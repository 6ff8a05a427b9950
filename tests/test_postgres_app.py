"""The app and the command line run unchanged against PostgreSQL, given its URL.

Every registered page runs under Streamlit's AppTest on a PostgreSQL copy of the fixture
city, and the overview and ``python -m data_access kpis`` show the hand-computed figures
of tests/fixture_city.py. (The pages' own tests run on SQLite; the data-access tests
below them run on both backends.) Without a server this fails under CI=true and skips
locally.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from data_access import metrics
from data_access.config import DB_URL_ENV
from tests.apptest_support import APP, app_database, assert_ok
from tests.browser_support import ROOT
from tests.conftest import build_city
from tests.fixture_city import D1, EXPECTED
from tests.pg_support import fresh_database

# the overview's headline cards
OVERVIEW_CARDS = ("satisfaction_rate", "payment_rate", "complaint_rate", "coverage_rate",
                  "unmanaged_estates", "committee_rate")


@pytest.fixture(scope="module")
def pg_city_url():
    """The fixture city in a PostgreSQL database of this module's own: the app's cached
    engines stay connected, which the session's fixture city (a template for copies)
    must not be."""
    with fresh_database("test_app") as url:
        yield build_city(url)


@pytest.fixture()
def app_on_postgres(pg_city_url, monkeypatch):
    with app_database(pg_city_url, monkeypatch) as url:
        yield url


def open_app(**params: str) -> AppTest:
    """Run the app at "/" (its default page, the overview) with URL ``params``; assert it
    ran clean. Switch pages only after this first run: until then AppTest knows pages by
    file name, and a page registered under another url_path (data_import.py at /import)
    would silently fall back to the default page."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert_ok(at)
    return at


def expected_cards(period: str, district: str | None) -> dict[str, str]:
    """The overview's cards as the hand-computed values read, formatted in English."""
    values = EXPECTED[(period, district, None)]
    return {metrics.get(key).label("en"): metrics.format_value(key, values[key], "en")
            for key in OVERVIEW_CARDS if key in values}


def cards(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_every_page_runs_on_postgresql(app_on_postgres):
    """One session visits every page in menu order (one app start keeps this fast); the
    overview, first, shows the hand-computed figures of the city."""
    at = open_app(lang="en", period="2024", estate="E1", company="C1")
    expected = expected_cards("2024", None)
    assert {label: cards(at)[label] for label in expected} == expected
    assert len(expected) == len(OVERVIEW_CARDS)
    titles = {PAGES[0].script: at.title[0].value}
    for page in PAGES[1:]:
        at.switch_page(f"../pages/{page.script}").run()
        assert not at.exception, (page.script, [e.value for e in at.exception])
        assert not at.error, (page.script, [e.value for e in at.error])
        titles[page.script] = at.title[0].value
    # a page AppTest cannot find falls back to the default page: every title is its own
    assert len(set(titles.values())) == len(PAGES), titles
    assert titles["estate.py"] == "Estate profile: 海景花园"


def test_overview_of_a_district_shows_the_hand_computed_figures(app_on_postgres):
    at = open_app(lang="en", period="2024", district=D1)
    expected = expected_cards("2024", D1)
    assert {label: cards(at)[label] for label in expected} == expected
    assert len(expected) == 4  # payment, complaint and coverage rates, unmanaged estates


def test_cli_kpis_from_the_url_in_the_environment(pg_city_url):
    result = subprocess.run(
        [sys.executable, "-m", "data_access", "kpis", "--period", "2024", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, DB_URL_ENV: pg_city_url})
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["months"] == ["2024-01", "2024-12"]
    for key, value in EXPECTED[("2024", None, None)].items():
        if isinstance(value, str):
            assert payload["metrics"][key] == value, key
        else:
            assert payload["metrics"][key] == pytest.approx(value, abs=1e-6), key
