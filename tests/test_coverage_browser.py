"""The coverage map in a real browser: the city demo (one unmanaged estate renamed to an
HTML-like name), no tiles, no network beyond the app itself.

* the map draws every estate offline (Leaflet from /app/static, nothing else fetched);
* switching layers in the layer control removes / adds their markers;
* a click on an estate marker shows that estate's card beside the map;
* the HTML-like name shows as text in the card and the tooltip.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser_support import (
    ROOT,
    external_requests,
    streamlit_server,
    wait_for_app,
)
from tests.conftest import DEMO_END_MONTH, in_ci

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
HTML_NAME = "<b>x</b>"
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CARD = '[data-testid="coverage-card-name"]'
#: the map draws on a canvas (coverage_maps.CANVAS_THRESHOLD), so there are no SVG paths
#: to count: count Leaflet's vector layers that are on the map and drawn by its canvas
#: renderer, by class name ("street_outline": streets drawn without fill)
DRAWN = """() => {
    const counts = {estate: 0, unmanaged: 0, old: 0, street: 0, street_outline: 0,
                    svg: document.querySelectorAll('.leaflet-overlay-pane svg path').length};
    window.map.eachLayer(layer => {
        const name = layer.options && layer.options.className;
        if (!name || !(layer._renderer instanceof L.Canvas) || !layer._map) return;
        const key = name.replace('cov-', '');
        if (key in counts) counts[key] += 1;
        if (key === 'street' && layer.options.fill === false) counts.street_outline += 1;
    });
    return counts;
}"""
#: whether the overlay canvas has painted pixels (the drawing is not blank)
PAINTED = """() => {
    const canvas = document.querySelector('.leaflet-overlay-pane canvas');
    if (!canvas || !canvas.width) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4 * 7) if (data[i] > 0) painted += 1;
    return painted;
}"""
#: page coordinates of the first estates' marker centres (within the map's view)
MARKERS = """count => {
    const points = [], size = window.map.getSize();
    window.map.eachLayer(layer => {
        if (points.length >= count || !layer.options
                || layer.options.className !== 'cov-estate') return;
        const p = window.map.latLngToContainerPoint(layer.getLatLng());
        if (p.x > 10 && p.y > 10 && p.x < size.x - 10 && p.y < size.y - 10)
            points.push({x: p.x, y: p.y, r: layer.getRadius()});
    });
    return points;
}"""


@pytest.fixture(scope="module")
def coverage_db(city_demo_url, tmp_path_factory):
    """A copy of the city demo where one unmanaged estate is called <b>x</b>."""
    source = Path(urlparse(city_demo_url).path)
    target = tmp_path_factory.mktemp("coverage_browser") / "city.sqlite"
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        code, = conn.execute(
            "SELECT e.code FROM estate e JOIN estate_month m ON m.estate_id = e.id "
            "WHERE m.month = ? AND m.management_mode = 'unmanaged' ORDER BY e.code LIMIT 1",
            (DEMO_END_MONTH,)).fetchone()
        conn.execute("UPDATE estate SET name = ? WHERE code = ?", (HTML_NAME, code))
        estates, = conn.execute("SELECT COUNT(*) FROM estate WHERE longitude IS NOT NULL"
                                ).fetchone()
        unmanaged, old = conn.execute(
            "SELECT SUM(m.management_mode NOT IN ('professional', 'bundle')), "
            "SUM(e.build_year < 2006) FROM estate e JOIN estate_month m "
            "ON m.estate_id = e.id WHERE m.month = ?", (DEMO_END_MONTH,)).fetchone()
    return {"url": f"sqlite:///{target}", "code": code, "estates": estates,
            "unmanaged": unmanaged, "old": old}


@pytest.fixture(scope="module")
def app_url(coverage_db):
    from dashboard.coverage_assets import missing_assets

    missing = missing_assets()
    if missing:
        message = (f"map assets missing ({', '.join(missing)}): "
                   "run python -m dashboard.coverage_assets (make install does)")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with streamlit_server(coverage_db["url"], ARTIFACTS / "streamlit-coverage.log") as base:
        yield base


@pytest.fixture()
def page(browser):
    """A tab that may reach 127.0.0.1 only: anything else is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1500, "height": 1300},
                                  device_scale_factor=1)
    tab = context.new_page()
    tab.requested_urls = []
    tab.blocked_urls = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))

    def guard(route):
        if external_requests([route.request.url]):
            tab.blocked_urls.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    yield tab
    context.close()


def open_map(page, app_url: str, lang: str = "zh", extra: str = ""):
    page.goto(f"{app_url}/coverage?lang={lang}&period=2026{extra}")
    wait_for_app(page)
    frame = page.frame_locator(FRAME)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(state="attached",
                                                                 timeout=60_000)
    map_frame(page).wait_for_function(f"() => ({DRAWN})().estate > 0", timeout=60_000)
    return frame


def map_frame(page):
    return page.frame(url=lambda u: "st_folium" in u)


def drawn(page) -> dict:
    return map_frame(page).evaluate(DRAWN)


def wait_drawn(page, condition: str) -> None:
    """Wait until ``condition`` (a JS expression of ``c``, the counts) holds."""
    map_frame(page).wait_for_function(f"() => {{ const c = ({DRAWN})(); return {condition}; }}",
                                      timeout=30_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_renders_offline_without_tiles(page, app_url, coverage_db, lang):
    frame = open_map(page, app_url, lang)
    assert page.locator('[data-testid="stException"]').count() == 0
    counts = drawn(page)
    assert counts["estate"] == coverage_db["estates"]
    assert counts["unmanaged"] == coverage_db["unmanaged"]
    assert counts["old"] == 0                                          # off at first
    assert counts["street"] > 0
    assert counts["svg"] == 0                                          # all on the canvas
    assert map_frame(page).evaluate(PAINTED) > 1000                    # and painted
    assert frame.locator(".leaflet-tile").count() == 0                 # no tile layer
    legend = frame.locator(".cov-legend").inner_text()
    assert ("管理方式" if lang == "zh" else "Management") in legend
    control = frame.locator(".leaflet-control-layers").inner_text()
    assert ("老旧小区（2006年前建成）" if lang == "zh" else "Old estates (built before 2006)") \
        in control
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"coverage-{lang}.png"), full_page=True)
    assert page.blocked_urls == []
    assert external_requests(page.requested_urls) == []
    assert any(url.endswith("/app/static/vendor/leaflet/leaflet.js")
               for url in page.requested_urls)


def test_layers_toggle(page, app_url, coverage_db):
    frame = open_map(page, app_url)
    control = frame.locator(".leaflet-control-layers")
    assert drawn(page)["unmanaged"] == coverage_db["unmanaged"] > 0
    control.locator("label", has_text="脱管小区").locator("input").click()
    wait_drawn(page, "c.unmanaged === 0")
    assert drawn(page)["unmanaged"] == 0
    control.locator("label", has_text="老旧小区").locator("input").click()
    wait_drawn(page, "c.old > 0")
    assert drawn(page)["old"] == coverage_db["old"]
    # the street colouring is a radio: coloured streets give way to plain outlines
    streets = drawn(page)["street"]
    assert drawn(page)["street_outline"] == 0
    control.locator("label", has_text="仅街道边界").locator("input").click()
    wait_drawn(page, "c.street_outline > 0")
    counts = drawn(page)
    assert counts["street_outline"] == counts["street"] == streets > 0
    assert counts["estate"] == coverage_db["estates"]


def test_click_on_an_estate_shows_its_card(page, app_url):
    frame = open_map(page, app_url)
    assert page.locator(CARD).count() == 0
    origin = frame.locator(".leaflet-container").bounding_box()
    markers = map_frame(page).evaluate(MARKERS, 200)
    for marker in markers[::7]:   # the first marker whose centre shows its own tooltip
        if marker["r"] < 3:
            continue
        x, y = origin["x"] + marker["x"], origin["y"] + marker["y"]
        page.mouse.move(x, y)
        tip = frame.locator(".leaflet-tooltip.cov-tip")
        try:
            tip.wait_for(timeout=2_000)
        except Exception:  # noqa: BLE001 (covered by a control or another marker)
            continue
        name = tip.locator("td").first.inner_text().strip()
        page.mouse.click(x, y)
        page.locator(CARD).wait_for(timeout=30_000)
        wait_for_app(page)
        assert page.locator(CARD).inner_text().strip() == name
        assert "estate=" in page.url
        return
    pytest.fail("no estate marker could be hovered")


def test_html_like_name_is_text(page, app_url, coverage_db):
    code = coverage_db["code"]
    frame = open_map(page, app_url, extra=f"&estate={code}")
    card = page.locator(CARD)
    assert card.inner_text().strip() == HTML_NAME
    assert card.locator("b").count() == 0
    # the tooltip on the map, opened as a hover would
    opened = page.frame(url=lambda u: "st_folium" in u).evaluate(
        """code => {
            for (const id in window.map._layers) {
                const layer = window.map._layers[id];
                if (layer.feature && layer.feature.id === code
                        && layer.options.className === 'cov-estate') {
                    layer.fire('mouseover', {latlng: layer.getLatLng()}, true);
                    return true;
                }
            }
            return false;
        }""", code)
    assert opened
    tip = frame.locator(".leaflet-tooltip.cov-tip")
    tip.wait_for()
    assert HTML_NAME in tip.inner_text()
    assert tip.locator("b").count() == 0
