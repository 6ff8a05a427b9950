"""Benchmark: demo build time, page server times and query times. Prints a table.

    .venv/bin/python -m benchmarks.run [--scale city] [--db URL] [--reuse] [--json OUT]

Without --db the demo is built into var/bench-<scale>.sqlite (rebuilt unless --reuse).
Page server time is one full script run of the page under Streamlit's AppTest (the same
code path as a browser session, without the network): *cold* is the first run with empty
caches, *warm* the median of the following runs. Query times call data_access directly
(no Streamlit cache), median and p95 over repeated runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _time(function, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_build(url: str, scale: str, seed: int) -> float:
    from data_access.demo import build_demo
    from data_access.engine import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    build_demo(engine, scale=scale, seed=seed)
    engine.dispose()
    return time.perf_counter() - started


def bench_queries(url: str, repeat: int) -> list[dict]:
    from data_access import queries
    from data_access.engine import make_engine
    from data_access.filters import Filters, Scope

    engine = make_engine(url, create=False)
    period = queries.default_period(engine)
    districts = queries.list_districts(engine, Scope.everything())
    district = districts["code"].iloc[0] if len(districts) else None
    scope = Scope.everything()
    cases = {
        "kpis (city, year)": lambda: queries.kpis(engine, scope, Filters(period.key)),
        "kpis (district, year)": lambda: queries.kpis(engine, scope, Filters(period.key, district)),
        "kpi_series (month)": lambda: queries.kpi_series(engine, scope, None, "month"),
        "kpi_series (district, quarter)": lambda: queries.kpi_series(
            engine, scope, Filters(period.key, district), "quarter"),
        "kpis_by_area (districts)": lambda: queries.kpis_by_area(engine, scope, Filters(period.key)),
        "kpis_by_area (streets)": lambda: queries.kpis_by_area(
            engine, scope, Filters(period.key, district)),
    }
    rows = []
    for name, function in cases.items():
        function()
        timings = _time(function, repeat)
        rows.append({"what": f"query: {name}", "unit": "ms",
                     "median": statistics.median(timings), "p95": _percentile(timings, 0.95)})
    engine.dispose()
    return rows


def bench_pages(url: str, repeat: int) -> list[dict]:
    """Cold and warm full script runs of every registered page, and for pages with the
    global filters a filter change (district chosen, then whole city again)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard.navigation import PAGES

    os.environ["DASHBOARD_DB_URL"] = url
    rows = []
    for index, spec in enumerate(PAGES):
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        if index:
            app.switch_page(f"../pages/{spec.script}")
        started = time.perf_counter()
        app.run()
        cold = (time.perf_counter() - started) * 1000
        if app.exception:
            raise RuntimeError(f"{spec.script} raised: {app.exception[0].value}")
        warm = _time(app.run, repeat)
        name = spec.url_path
        rows.append({"what": f"page: {name} (cold)", "unit": "ms", "median": cold, "p95": cold})
        rows.append({"what": f"page: {name} (warm)", "unit": "ms",
                     "median": statistics.median(warm), "p95": _percentile(warm, 0.95)})
        if spec.shows_filters:
            districts = [o for o in app.selectbox(key="district").options]
            changes = []
            for step in range(repeat):
                choice = districts[1 + step % (len(districts) - 1)] if step % 2 == 0 else districts[0]
                app.selectbox(key="district").select(choice)
                started = time.perf_counter()
                app.run()
                changes.append((time.perf_counter() - started) * 1000)
            rows.append({"what": f"page: {name} (filter change, warm)", "unit": "ms",
                         "median": statistics.median(changes), "p95": _percentile(changes, 0.95)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="city", choices=("test", "city", "province"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="SQLAlchemy URL to use instead of var/bench-<scale>.sqlite")
    parser.add_argument("--reuse", action="store_true", help="do not rebuild the demo")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    url = args.db or f"sqlite:///{ROOT / 'var' / f'bench-{args.scale}.sqlite'}"
    results: list[dict] = []
    if not args.reuse:
        seconds = bench_build(url, args.scale, args.seed)
        results.append({"what": f"demo build ({args.scale})", "unit": "s", "median": seconds,
                        "p95": seconds})
    results += bench_queries(url, args.repeat)
    results += bench_pages(url, max(5, args.repeat // 4))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append({"what": "peak memory of this process", "unit": "MB", "median": peak_mb,
                    "p95": peak_mb})

    width = max(len(row["what"]) for row in results) + 2
    print(f"{'measure':<{width}}{'unit':>6}{'median':>12}{'p95':>12}")
    for row in results:
        print(f"{row['what']:<{width}}{row['unit']:>6}{row['median']:>12.1f}{row['p95']:>12.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"scale": args.scale, "results": results}, indent=2))


if __name__ == "__main__":
    main()
