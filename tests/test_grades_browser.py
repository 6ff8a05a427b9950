"""Browser tests of the grades pages: the real app under `streamlit run` on the city demo,
driven by the system Chromium. Every grades page loads in both languages without an
exception and without leaving the machine; selecting a row of the league table opens
that company's profile."""

from __future__ import annotations

import re

import pytest

from data_access import grades
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from tests.browser_support import (
    recording_tab,
    ROOT,
    external_requests,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
PERIOD = "2025"
PAGES = {
    "companies": {"zh": "物业服务企业排行榜", "en": "Property company league table"},
    "company": {"zh": "企业档案", "en": "Company profile"},
    "redblack": {"zh": "物业服务企业红黑榜", "en": "Property company red and black list"},
    "mismatch": {"zh": "质价不符小区清单", "en": "Quality–price mismatch list"},
}


@pytest.fixture(scope="module")
def app_url(city_demo_url):
    with streamlit_server(city_demo_url, ARTIFACTS / "streamlit-grades.log") as base:
        yield base


@pytest.fixture()
def page(browser):
    with recording_tab(browser, 1500, 1400) as tab:
        yield tab


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_path", list(PAGES))
def test_grades_pages_load_offline(page, app_url, lang, page_path):
    page.goto(f"{app_url}/{page_path}?lang={lang}&period={PERIOD}")
    wait_for_app(page)
    page.get_by_text(PAGES[page_path][lang]).first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    if page_path == "companies":
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1",
            timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"grades-{page_path}-{lang}.png"), full_page=True)
    assert external_requests(page.requested_urls) == []


def test_league_row_opens_the_company_profile(page, app_url, city_demo_url):
    engine = make_engine(city_demo_url, create=False)
    table = grades.league(engine, Scope.everything(), Filters(PERIOD)).table
    engine.dispose()
    first = table.iloc[0]

    page.goto(f"{app_url}/companies?lang=zh&period={PERIOD}")
    wait_for_app(page)
    grid = page.locator(".st-key-grades_league [data-testid='stDataFrame']")
    grid.wait_for()
    box = grid.bounding_box()
    # the row-selection checkbox of the first data row: left edge, below the header row
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_url(re.compile(rf"/company\?.*company={first['code']}"), timeout=30_000)
    wait_for_app(page)
    heading = page.locator("h1").first
    heading.wait_for()
    assert heading.inner_text().strip() == first["name"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "lang=zh" in page.url and f"period={PERIOD}" in page.url
    # the profile draws its waterfall
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .waterfalllayer').length >= 1",
        timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "grades-drilldown-zh.png"), full_page=True)
    assert external_requests(page.requested_urls) == []
