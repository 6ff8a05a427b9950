"""Browser test of the complaints page on the city demo: clicking a bar filters the other
charts and shows a chip; clicking a table row opens the estate profile; the trends page
and a profile load in both languages. One server for the module."""

from __future__ import annotations

import re

import pytest

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


@pytest.fixture(scope="module")
def app_url(city_demo_url):
    with streamlit_server(city_demo_url, ARTIFACTS / "streamlit-complaints.log") as base:
        yield base


@pytest.fixture()
def page(browser):
    with recording_tab(browser, 1500, 1100) as tab:
        yield tab


def _wait_for_charts(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=count, timeout=30_000)


def _chart(page, title: str):
    return page.locator('[data-testid="stPlotlyChart"]').filter(
        has=page.locator(".gtitle", has_text=title)).first


def _bar_texts(chart) -> list[str]:
    return chart.locator(".bartext").evaluate_all("els => els.map(e => e.textContent)")


def test_select_a_bar_filters_the_page_and_opens_an_estate(page, app_url):
    page.goto(f"{app_url}/complaints?lang=zh&period={PERIOD}")
    wait_for_app(page)
    _wait_for_charts(page, 3)
    assert page.locator('[data-testid="stException"]').count() == 0
    channels_before = _bar_texts(_chart(page, "按渠道"))
    total_before = page.locator('[data-testid="stMetricValue"]').first.inner_text()

    # click the top bar of the category chart (a plotly point selection)
    category = _chart(page, "按类别")
    category.scroll_into_view_if_needed()
    bar = category.locator(".bars .point path").first.bounding_box()
    # plotly's drag layer sits over the bars: click where the bar is drawn
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    chip = page.get_by_role("button", name=re.compile("^类别："))
    chip.first.wait_for(timeout=30_000)
    wait_for_app(page)
    assert chip.count() == 1 and chip.inner_text().endswith("✕")
    _wait_for_charts(page, 3)
    assert "category=" in page.url
    total_after = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert total_after != total_before
    page.wait_for_function(
        "([before]) => { const c = [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
        ".find(e => e.querySelector('.gtitle') && e.querySelector('.gtitle').textContent === '按渠道');"
        " return c && [...c.querySelectorAll('.bartext')].map(e => e.textContent).join('|') !== before.join('|'); }",
        arg=[channels_before], timeout=30_000)
    assert _bar_texts(_chart(page, "按渠道")) != channels_before
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "complaints-selected-zh.png"))

    # the chip clears the selection
    chip.click()
    page.wait_for_function("() => !location.search.includes('category=')", timeout=30_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == total_before

    # a row of the ranking table opens that estate's profile
    table = page.locator('[data-testid="stDataFrame"]').nth(1)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the row's selection cell
    page.wait_for_url(re.compile(r".*/estate\?.*estate=E"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text("小区档案：").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "period=2025" in page.url and "lang=zh" in page.url
    page.screenshot(path=str(ARTIFACTS / "estate-from-row-zh.png"))
    assert external_requests(page.requested_urls) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trends_and_profile_load(page, app_url, lang):
    title = {"zh": "趋势分析", "en": "Trends: where"}[lang]
    page.goto(f"{app_url}/trends?lang={lang}&period={PERIOD}&by=mode")
    wait_for_app(page)
    page.get_by_text(title).first.wait_for()
    _wait_for_charts(page, 3)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"trends-{lang}.png"), full_page=True)
    assert external_requests(page.requested_urls) == []
