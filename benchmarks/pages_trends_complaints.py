"""Benchmark: server time of a filter change on the trends and complaints pages (and the
estate profile) on the city demo. Prints a table.

    .venv/bin/python -m benchmarks.pages_trends_complaints [--db URL] [--repeat 5]

Without --db the city demo is built into var/bench-city.sqlite (reused when present).
Each step is one full script run of the page under Streamlit's AppTest (the same code
path as a browser session, without the network), after a warm-up run of the page:

* *new filter*: the first run after a widget change — its queries run (caches warm for
  everything else: engine, reference lists, the other views);
* *back (cached)*: the same change made again later — served from st.cache_data.

Figures are medians over ``--repeat`` rounds (each round clears the data cache, warms the
page, then makes the changes), with the maximum.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
TARGET_MS = 300.0


def _url(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    path = ROOT / "var" / "bench-city.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        from data_access.demo import build_demo
        from data_access.engine import make_engine

        engine = make_engine(url)
        build_demo(engine, scale="city", seed=42, end_month="2026-10")
        engine.dispose()
    return url


def _timed(at, action) -> float:
    action(at)
    started = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return elapsed


def _open(page: str, **params: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return at


def _set(key: str, value):
    def action(at):
        for kind in ("selectbox", "segmented_control", "number_input"):
            try:
                getattr(at, kind)(key=key).set_value(value)
                return
            except (KeyError, AttributeError, IndexError):
                continue
        raise KeyError(key)
    return action


def _param(name: str, value: str | None):
    def action(at):
        if value is None:
            at.query_params.pop(name, None)
        else:
            at.query_params[name] = value
    return action


def scenarios(district: str, street: str) -> dict[str, tuple[str, dict, list]]:
    """page label → (page, URL params, [(step label, action)])."""
    return {
        "trends": ("../pages/trends.py", {"period": "2025"}, [
            ("district", _set("district", district)),
            ("street", _set("street", street)),
            ("breakdown: company", _set("trends_by", "company")),
            ("breakdown: mode", _set("trends_by", "mode")),
            ("breakdown: age", _set("trends_by", "age")),
            ("grain: month", _set("trends_grain", "month")),
            ("metric: complaint rate", _set("trends_metric", "complaint_rate")),
            ("compare with 2023", _set("trends_vs", "2023")),
            ("panels: street", _set("trends_panels", "street")),
            ("whole city", _set("district", "")),
        ]),
        "complaints": ("../pages/complaints.py", {"period": "2025"}, [
            ("district", _set("district", district)),
            ("street", _set("street", street)),
            ("select category (URL)", _param("category", "parking")),
            ("select channel (URL)", _param("channel", "tv")),
            ("period 2024-Q3", _set("period_kind", "quarter")),
            ("rank threshold 300", _set("complaints_min_households", 300)),
            ("whole city", _set("district", "")),
        ]),
        "estate": ("../pages/estate.py", {"period": "2025", "estate": "__first__"}, [
            ("grain: month", _set("estate_grain", "month")),
            ("grain: year", _set("estate_grain", "year")),
        ]),
    }


def run(url: str, repeat: int) -> list[dict]:
    os.environ["DASHBOARD_DB_URL"] = url
    import streamlit as st

    from data_access.engine import make_engine
    from data_access.filters import Scope
    from data_access import estates, queries

    engine = make_engine(url, create=False)
    streets = queries.list_streets(engine, Scope.everything())
    first_street = streets.iloc[0]
    first_estate = estates.list_estates(engine, Scope.everything())["code"].iloc[0]
    engine.dispose()
    plan = scenarios(first_street["district_code"], first_street["code"])
    results: dict[tuple[str, str], dict[str, list[float]]] = {}
    for _ in range(repeat):
        for label, (page, params, steps) in plan.items():
            params = {k: (first_estate if v == "__first__" else v) for k, v in params.items()}
            st.cache_data.clear()
            at = _open(page, **params)              # cold
            _timed(at, lambda _at: None)            # warm-up rerun
            for step, action in steps:
                entry = results.setdefault((label, step), {"new": [], "cached": []})
                entry["new"].append(_timed(at, action))
            # the same changes again: every view is cached now
            at = _open(page, **params)
            for step, action in steps:
                results[(label, step)]["cached"].append(_timed(at, action))
    rows = []
    for (label, step), timings in results.items():
        rows.append({"page": label, "change": step,
                     "new_median": statistics.median(timings["new"]),
                     "new_max": max(timings["new"]),
                     "cached_median": statistics.median(timings["cached"])})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: build var/bench-city.sqlite)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = run(_url(args), args.repeat)
    header = f"{'page':<11} {'filter change':<24} {'new ms':>8} {'max':>8} {'cached ms':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        flag = "" if row["new_median"] <= TARGET_MS else "  > 300 ms"
        print(f"{row['page']:<11} {row['change']:<24} {row['new_median']:>8.0f} "
              f"{row['new_max']:>8.0f} {row['cached_median']:>10.0f}{flag}")
    for page in sorted({row["page"] for row in rows}):
        mine = [row for row in rows if row["page"] == page]
        print(f"{page}: median of new-filter runs "
              f"{statistics.median(r['new_median'] for r in mine):.0f} ms, "
              f"cached {statistics.median(r['cached_median'] for r in mine):.0f} ms")


if __name__ == "__main__":
    main()
