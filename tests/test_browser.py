"""Browser tests: the real app under `streamlit run`, driven by the system Chromium.

Every page loads in Chinese and English with no exception box, the numbers on screen
are the registry's numbers for the same database, nothing is fetched from outside the
app's own host, and screenshots are saved (the overview's go to docs/ for the README).
"""

from __future__ import annotations


import pytest

from data_access import metrics, queries
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
DOCS = ROOT / "docs"
PERIOD = "2021"
PAGES = {
    "overview": {"zh": "红色物业监管驾驶舱", "en": "Red Property supervision cockpit"},
    "definitions": {"zh": "满意度", "en": "Satisfaction"},
}


@pytest.fixture(scope="module")
def app_url(city_demo_url):
    with streamlit_server(city_demo_url, ARTIFACTS / "streamlit-browser.log") as base:
        yield base


@pytest.fixture()
def page(browser):
    with recording_tab(browser, 1500, 1100) as tab:
        yield tab


def _metric_value(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return card.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _wait_for_charts(page, count: int) -> None:
    """Plotly charts and the KPI sparklines (Vega SVGs inside st.metric) are drawn."""
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=count, timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stMetricChart\"] svg.marks').length >= n",
        arg=len(metrics.HEADLINE_KEYS), timeout=30_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_path", list(PAGES))
def test_every_page_loads_offline_in_both_languages(page, app_url, city_demo_url, lang,
                                                    page_path):
    page.goto(f"{app_url}/{page_path}?lang={lang}&period={PERIOD}")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text(PAGES[page_path][lang]).first.wait_for()
    if page_path == "overview":
        _wait_for_charts(page, 4)
        engine = make_engine(city_demo_url, create=False)
        expected = queries.kpis(engine, Scope.everything(), Filters(PERIOD)).values
        engine.dispose()
        for key in metrics.HEADLINE_KEYS:
            metric = metrics.get(key)
            shown = _metric_value(page, metric.label(lang))
            assert shown == metrics.format_value(metric, expected[key], lang), key
        # a chart actually drew lines (not an empty frame)
        assert page.locator(".js-plotly-plot .scatterlayer .trace path").count() >= 3
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{page_path}-{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    if page_path == "overview":
        # the README's picture: a taller window so that trends and the district
        # comparison are in it too (Streamlit scrolls inside its own container)
        page.set_viewport_size({"width": 1500, "height": 2300})
        wait_for_app(page)
        _wait_for_charts(page, 4)
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"overview-{lang}.png"), full_page=True)
    assert external_requests(page.requested_urls) == []
    assert page.requested_urls, "the page made no request at all"
