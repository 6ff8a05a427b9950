"""Benchmark: builds the demo at a scale on a database, then times it. Prints a table.

    .venv/bin/python -m benchmarks.run --scale {test,city,province}
        --db {sqlite,postgresql,URL} [--reuse] [--keep] [--json OUT]
        [--import-rows 1000000] [--load] [--no-browser] [--repeat 20]

Databases: ``sqlite`` is var/bench-<scale>.sqlite; ``postgresql`` is the database
``bench_<scale>`` on the tests' server (``DASHBOARD_TEST_PG_URL``, default the local
``dashboard_test`` role), created fresh and dropped at the end unless ``--keep``; a URL is
used as given. ``--reuse`` keeps the demo already there (its recorded build time is
reported). Measured, each marked against the issue's target for the scale (ok / MISS):

* **build**: the demo build (generation, bulk load, summary refresh); with
  ``--import-rows N`` also the import of N complaint rows
  (``data_access.importing.bench``, into a throwaway fixture-city database of the same kind).
* **pages**: every page as one full script run under Streamlit's AppTest (the code path
  of a browser session without the network): *cold* with empty caches, *warm* the
  median of the next runs, and on pages with the global filters a district change and a
  street change (the run right after the change: its new queries run).
* **queries**: every data-access query the pages called during those runs, with the same
  arguments, called directly (no cache), median and p95. *Filter-change* queries are the
  ones first called by a district or street change.
* **raw**: the main chart queries computed from the raw tables without summaries
  (``data_access.raw_queries``), timed the same way, and the speed-up of the summaries.
* **browser**: a real ``streamlit run`` and headless Chromium: navigation → every chart
  drawn (plotly SVG, the map's estate layer, two animation frames), for the overview and
  the coverage map, first visit (cold) and the median of later visits in new tabs (warm).
* **memory**: peak resident memory of the server's process tree during the browser part
  (and the load test).
* ``--load``: benchmarks.load against the same server (20 sessions, 2 minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    ROOT,
    BenchDatabase,
    TreeMemory,
    bench_database,
    dialect_of,
    pg_database,
    served_app,
    summarise,
    time_calls,
)
from benchmarks.recorder import QueryRecorder

#: The issue's targets by scale (milliseconds unless said otherwise).
TARGETS = {
    "test": {"page_warm": 300, "filter_query": 50},
    "city": {"page_warm": 300, "filter_query": 50},
    "province": {"page_warm": 800, "query": 200, "raw_speedup": 10},
}
IMPORT_TARGET_S = 60.0
PAGE_COUNT_TIMEOUT_S = 600


def _row(section: str, what: str, unit: str, figures: dict | float, target: float | None = None,
         higher_is_better: bool = False) -> dict:
    if not isinstance(figures, dict):
        figures = {"median": figures}
    row = {"section": section, "what": what, "unit": unit, **figures}
    if target is not None:
        value = figures["median"]
        met = value >= target if higher_is_better else value <= target
        row["target"] = f"{'≥' if higher_is_better else '≤'} {target:g}"
        row["status"] = "ok" if met else "MISS"
    return row


# --- build and import ----------------------------------------------------------------------

def bench_build(database: BenchDatabase, scale: str, seed: int) -> dict:
    from data_access.demo import build_demo
    from data_access.engine import make_engine

    engine = make_engine(database.url)
    started = time.perf_counter()
    summary = build_demo(engine, scale=scale, seed=seed)
    seconds = time.perf_counter() - started
    engine.dispose()
    record = {"scale": scale, "seed": seed, "seconds": seconds, "estates": summary.estates,
              "complaints": summary.complaints, "end_month": summary.end_month,
              "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    database.build_record.write_text(json.dumps(record, indent=1))
    return record


def bench_import(db: str, rows: int) -> dict:
    """H2's import benchmark (data_access.importing.bench) on a throwaway database of the
    same kind holding the fixture city; the seconds of the first import (new rows)."""
    command = [sys.executable, "-m", "data_access.importing.bench", "--rows", str(rows)]
    drop = None
    if db == "postgresql" or dialect_of(db) == "postgresql":
        from data_access.engine import make_engine
        from tests.fixture_city import build_fixture_city

        target = pg_database("import", fresh=True)
        engine = make_engine(target.url)
        build_fixture_city(engine)
        engine.dispose()
        command += ["--db", target.url]
        drop = target.drop
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
            done = subprocess.run([*command, "--dir", workdir], cwd=ROOT, capture_output=True,
                                  text=True, check=False)
    finally:
        if drop:
            drop()
    match = re.search(r"^import \(new rows\)\s+([\d,]+)\s+([\d.]+)", done.stdout, re.M)
    if done.returncode or not match:
        raise RuntimeError(f"import benchmark failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return {"rows": int(match.group(1).replace(",", "")), "seconds": float(match.group(2)),
            "output": done.stdout}


# --- pages (AppTest) and the queries they call ------------------------------------------------

def _run(app) -> float:
    started = time.perf_counter()
    app.run()
    elapsed = (time.perf_counter() - started) * 1000
    if app.exception:
        raise RuntimeError(f"page raised: {app.exception[0].value}")
    return elapsed


def _profile_params(url: str) -> dict[str, dict[str, str]]:
    """URL parameters of the profile pages: the first estate and the first company."""
    from data_access import estates, grades
    from data_access.engine import make_engine
    from data_access.filters import Scope

    engine = make_engine(url, create=False)
    params = {"estate": {"estate": estates.list_estates(engine, Scope.everything())["code"].iloc[0]},
              "company": {"company": grades.companies(engine)["code"].iloc[0]}}
    engine.dispose()
    return params


def bench_pages(url: str, repeat: int, recorder: QueryRecorder, targets: dict) -> list[dict]:
    """Cold, warm, district-change and street-change runs of every page (AppTest); the
    estate and company profiles show the first estate and company."""
    from dashboard.navigation import PAGES

    os.environ["DASHBOARD_DB_URL"] = url
    profile_params = _profile_params(url)
    rows = []
    with recorder.installed():
        for index, spec in enumerate(PAGES):
            rows += _bench_page(spec, index > 0, profile_params.get(spec.url_path, {}),
                                repeat, recorder, targets)
    return rows


def _bench_page(spec, switch: bool, params: dict[str, str], repeat: int,
                recorder: QueryRecorder, targets: dict) -> list[dict]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    name = spec.url_path
    st.cache_data.clear()
    st.cache_resource.clear()
    recorder.page, recorder.step = name, "page load"
    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"),
                            default_timeout=PAGE_COUNT_TIMEOUT_S)
    if switch:
        app.switch_page(f"../pages/{spec.script}")
    for key, value in params.items():
        app.query_params[key] = value
    cold = _run(app)
    warm = [_run(app) for _ in range(repeat)]
    rows = [_row("pages", f"{name} cold", "ms", cold),
            _row("pages", f"{name} warm", "ms", summarise(warm), targets["page_warm"])]
    if not spec.shows_filters:
        return rows
    recorder.step = "filter change"
    districts = list(app.selectbox(key="district").options)
    changes, street_changes = [], []
    for step in range(repeat):
        app.selectbox(key="district").select(districts[1 + step % (len(districts) - 1)])
        changes.append(_run(app))
        streets = list(app.selectbox(key="street").options)
        app.selectbox(key="street").select(streets[1 + step % (len(streets) - 1)])
        street_changes.append(_run(app))
        app.selectbox(key="district").select(districts[0])
        _run(app)
    rows.append(_row("pages", f"{name} district change", "ms", summarise(changes)))
    rows.append(_row("pages", f"{name} street change", "ms", summarise(street_changes)))
    return rows


def bench_queries(url: str, recorder: QueryRecorder, repeat: int, targets: dict) -> list[dict]:
    """Every recorded call, replayed uncached; filter-change queries marked against the
    filter-change target, every query against the general query target."""
    from data_access.engine import make_engine

    engine = make_engine(url, create=False)
    rows = []
    for call in recorder.calls.values():
        call.replay(engine)
        figures = summarise(time_calls(lambda call=call: call.replay(engine), repeat))
        filter_change = call.step == "filter change"
        target = targets.get("filter_query") if filter_change else None
        if "query" in targets:
            target = targets["query"] if target is None else min(target, targets["query"])
        what = f"{call.label} [{call.page}{', filter change' if filter_change else ''}]"
        rows.append(_row("queries", what, "ms", figures, target))
    engine.dispose()
    return rows


def raw_cases(engine) -> list[tuple[str, object, object]]:
    """(chart, summary-based call, raw-table call) for the main chart queries."""
    from data_access import complaints, queries, raw_queries
    from data_access.filters import Filters, Scope

    scope = Scope.everything()
    year = queries.default_period(engine).key
    district = queries.list_districts(engine, scope)["code"].iloc[0]
    city, in_district = Filters(year), Filters(year, district)
    return [
        ("KPIs (city, year)", lambda: queries.kpis(engine, scope, city),
         lambda: raw_queries.kpis(engine, scope, city)),
        ("KPIs (district, year)", lambda: queries.kpis(engine, scope, in_district),
         lambda: raw_queries.kpis(engine, scope, in_district)),
        ("monthly KPI series (city)", lambda: queries.kpi_series(engine, scope, None, "month"),
         lambda: raw_queries.kpi_series(engine, scope, None, "month")),
        ("monthly KPI series (district)",
         lambda: queries.kpi_series(engine, scope, in_district, "month"),
         lambda: raw_queries.kpi_series(engine, scope, in_district, "month")),
        ("by-area comparison (districts)", lambda: queries.kpis_by_area(engine, scope, city),
         lambda: raw_queries.kpis_by_area(engine, scope, city)),
        ("by-area comparison (streets)", lambda: queries.kpis_by_area(engine, scope, in_district),
         lambda: raw_queries.kpis_by_area(engine, scope, in_district)),
        ("complaints category × month (city)",
         lambda: complaints.category_month_matrix(engine, scope, city),
         lambda: raw_queries.category_month_matrix(engine, scope, city)),
        ("complaints category × month (district)",
         lambda: complaints.category_month_matrix(engine, scope, in_district),
         lambda: raw_queries.category_month_matrix(engine, scope, in_district)),
    ]


def bench_raw(url: str, repeat: int, targets: dict) -> list[dict]:
    from data_access.engine import make_engine

    engine = make_engine(url, create=False)
    rows = []
    for chart, summary_call, raw_call in raw_cases(engine):
        summary_call()
        raw_call()
        summary = summarise(time_calls(summary_call, repeat))
        raw = summarise(time_calls(raw_call, repeat))
        rows.append(_row("raw", f"{chart}: summaries", "ms", summary))
        rows.append(_row("raw", f"{chart}: raw tables", "ms", raw))
        rows.append(_row("raw", f"{chart}: speed-up", "×", raw["median"] / summary["median"],
                         targets.get("raw_speedup"), higher_is_better=True))
    engine.dispose()
    return rows


# --- browser and server memory -------------------------------------------------------------

#: Every chart of the page drawn: the script finished, no skeleton left, every plotly
#: chart has its SVG, every folium map its estate layer; at least one chart.
ALL_CHARTS_DRAWN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"], '
        + '[data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    if (!charts.every(c => c.querySelector('.main-svg'))) return false;
    const maps = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
    const drawn = f => f.contentWindow && f.contentWindow.map && f.contentDocument
        .querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas');
    if (!maps.every(drawn)) return false;
    return charts.length + maps.length >= %d;
}"""
TWO_FRAMES = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"""
BROWSER_VIEWS = (("overview", "/?lang=zh", 3), ("coverage map", "/coverage?lang=zh", 1))


def _visit(context, url: str, minimum_charts: int) -> float:
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(ALL_CHARTS_DRAWN % minimum_charts, polling="raf",
                               timeout=180_000)
        page.evaluate(TWO_FRAMES)
        return time.perf_counter() - started
    finally:
        page.close()


def bench_browser(base: str, runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        for name, path, minimum in BROWSER_VIEWS:
            cold = _visit(context, base + path, minimum)
            warm = [_visit(context, base + path, minimum) for _ in range(runs)]
            rows.append(_row("browser", f"{name}: navigation → charts drawn, cold", "s", cold))
            rows.append(_row("browser", f"{name}: navigation → charts drawn, warm", "s",
                             summarise(warm)))
        browser.close()
    return rows


# --- the table -----------------------------------------------------------------------------

def print_table(title: str, rows: list[dict]) -> None:
    width = max(len(row["what"]) for row in rows) + 2
    print(title)
    print(f"{'measure':<{width}}{'unit':>5}{'median':>10}{'p95':>10}{'target':>9}  status")
    section = None
    for row in rows:
        if row["section"] != section:
            section = row["section"]
            print(f"-- {section}")
        p95 = f"{row['p95']:>10.1f}" if "p95" in row else f"{'':>10}"
        print(f"{row['what']:<{width}}{row['unit']:>5}{row['median']:>10.1f}{p95}"
              f"{row.get('target', ''):>9}  {row.get('status', '')}")
    misses = [row["what"] for row in rows if row.get("status") == "MISS"]
    print(f"{len(misses)} figure(s) miss their target" + (": " + "; ".join(misses)
                                                          if misses else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="city", choices=tuple(TARGETS))
    parser.add_argument("--db", default="sqlite",
                        help="sqlite, postgresql or a SQLAlchemy URL (see above)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true", help="keep the demo already built")
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database bench_<scale> (for --reuse)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per query")
    parser.add_argument("--page-repeat", type=int, default=5, help="warm runs per page")
    parser.add_argument("--import-rows", type=int, default=0,
                        help="also time the import of this many complaint rows")
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the browser part (and the server memory)")
    parser.add_argument("--load", action="store_true",
                        help="also run the load test (benchmarks.load) on the same server")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    targets = TARGETS[args.scale]
    database = bench_database(args.db, args.scale, args.reuse)
    started = time.time()
    rows: list[dict] = []
    extra: dict = {}
    try:
        record = database.recorded_build() if args.reuse else bench_build(
            database, args.scale, args.seed)
        if record:
            # With --reuse this is the time recorded when the demo was built.
            rows.append(_row("build", "demo build", "s", record["seconds"]))
            extra["demo"] = {**record, "reused": args.reuse}
        if args.import_rows:
            imported = bench_import(args.db, args.import_rows)
            rows.append(_row("build", f"import {imported['rows']:,} complaint rows", "s",
                             imported["seconds"], IMPORT_TARGET_S))
        recorder = QueryRecorder()
        rows += bench_pages(database.url, args.page_repeat, recorder, targets)
        rows += bench_queries(database.url, recorder, args.repeat, targets)
        rows += bench_raw(database.url, max(3, args.repeat // 4), targets)
        if not args.no_browser or args.load:
            with served_app(database.url, f"bench-{args.scale}.log") as (base, pid), \
                    TreeMemory(pid) as memory:
                if not args.no_browser:
                    rows += bench_browser(base, 3)
                if args.load:
                    from benchmarks.load import print_result, run_load

                    extra["load"] = run_load(database.url, base=base, pid=pid)
            rows.append(_row("memory", "server process tree peak RSS", "MB", memory.peak_mb,
                             1024 if args.load else None))
    finally:
        if database.drop and not args.keep:
            database.drop()

    title = (f"benchmark: {args.scale} on {database.label}, "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
             f"{os.getloadavg()[0]:.1f}, {time.time() - started:.0f} s")
    print_table(title, rows)
    if "load" in extra:
        print_result(extra["load"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"title": title, "scale": args.scale,
                                         "database": database.label, "results": rows,
                                         **extra}, indent=1, default=str))
    misses = [row for row in rows if row.get("status") == "MISS"]
    load_ok = all(extra["load"]["targets"].values()) if "load" in extra else True
    return 0 if not misses and load_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
