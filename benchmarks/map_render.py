"""Browser benchmark of the coverage map: navigation → map drawn. Prints a table.

    .venv/bin/python -m benchmarks.map_render \\
        --db city=sqlite:////tmp/city.sqlite --db province=sqlite:////tmp/province.sqlite \\
        [--runs 5] [--path "/coverage?lang=zh&period=2026"] [--json OUT]

For each database a real ``streamlit run`` serves the app on a free localhost port and
the system Chromium (headless) opens the coverage page. *Map drawn* is the moment the
map's component frame has Leaflet's map with the estate layer on its overlay pane (SVG
paths, or the canvas used above ``CANVAS_THRESHOLD`` estates) and two animation frames
have passed (so the browser painted it). Timed from just before navigation:

* ``cold``: the first visit (server caches and browser cache empty);
* ``warm``: the median (min–max) of the next ``--runs`` visits, each in a new tab of the
  same browser (server caches filled, static files in the browser cache) — a returning
  user.

No sleeps: every wait is on a condition. Needs /usr/bin/chromium and Playwright.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS, streamlit_server  # noqa: E402

DEFAULT_PATH = "/coverage?lang=zh&period=2026"
MAP_DRAWN = """() => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    if (!frame || !frame.contentWindow || !frame.contentWindow.map) return false;
    const doc = frame.contentDocument;
    return !!doc.querySelector(
        '.leaflet-overlay-pane path.cov-estate, .leaflet-overlay-pane canvas');
}"""
TWO_FRAMES = """() => new Promise(resolve => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const win = frame.contentWindow;
    win.requestAnimationFrame(() => win.requestAnimationFrame(() => resolve(true)));
})"""


def estate_count(db_url: str) -> int | None:
    parsed = urlparse(db_url)
    if not db_url.startswith("sqlite"):
        return None
    with sqlite3.connect(parsed.path) as conn:
        return conn.execute("SELECT COUNT(*) FROM estate").fetchone()[0]


def visit(context, url: str, timeout_ms: float = 180_000) -> float:
    """Seconds from navigation to the map drawn, in a new tab of ``context``."""
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(MAP_DRAWN, polling="raf", timeout=timeout_ms)
        page.evaluate(TWO_FRAMES)
        return time.perf_counter() - started
    finally:
        page.close()


def bench(name: str, db_url: str, path: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    log = ROOT / "test-artifacts" / f"bench-map-{name}.log"
    with streamlit_server(db_url, log) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        cold = visit(context, base + path)
        warm = [visit(context, base + path) for _ in range(runs)]
        browser.close()
    return {"dataset": name, "estates": estate_count(db_url), "cold_s": round(cold, 3),
            "warm_median_s": round(statistics.median(warm), 3),
            "warm_min_s": round(min(warm), 3), "warm_max_s": round(max(warm), 3),
            "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, metavar="NAME=URL",
                        help="a database to serve, e.g. city=sqlite:////tmp/city.sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = []
    for item in args.db:
        name, _, url = item.partition("=")
        rows.append(bench(name, url, args.path, args.runs))
    header = (f"{'dataset':<10} {'estates':>8} {'cold (s)':>9} {'warm median (s)':>16} "
              f"{'warm min–max (s)':>17}")
    print(f"coverage map: navigation → map drawn ({args.path})")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['dataset']:<10} {row['estates'] or '':>8} {row['cold_s']:>9.2f} "
              f"{row['warm_median_s']:>16.2f} "
              f"{row['warm_min_s']:>8.2f}–{row['warm_max_s']:<8.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
