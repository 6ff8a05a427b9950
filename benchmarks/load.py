"""Load test: concurrent sessions against a running ``streamlit run`` server. Prints a
table.

    .venv/bin/python -m benchmarks.load [--db sqlite|postgresql|URL] [--sessions 20]
        [--seconds 120] [--think 5.0] [--ramp 5.0] [--json OUT]

``--db`` as in benchmarks.run (default: the city demo in var/bench-city.sqlite, which
must exist: build it with ``python -m benchmarks.run --scale city`` first). The server
is started here (tests.browser_support's ``streamlit run`` on a free port).

Each session is a lightweight client speaking Streamlit's own protocol over the
websocket ``/_stcore/stream``, like a browser tab without the drawing: it sends a
``rerun_script`` BackMsg (page name and URL query string — the filters live in the URL)
and waits for the ``script_finished`` ForwardMsg. *Page time* is request → script
finished, i.e. the server's full script run plus the transfer of its output. A session
cycles through every page and changes period, district and street on the way, with a
random think time of 0.5–1.5 × ``--think`` seconds between requests. The default, 5 s,
stands for a person: a real browser needs 3–6 s after a page's script run to draw its
charts (benchmarks.run's browser part) before anyone can read the page and click on;
``--think 0`` hammers the server. Sessions arrive one after another at random moments of
the first ``--ramp`` seconds (default: the think time), as people open the dashboard,
rather than all in the same millisecond; every request from then on counts.

Every answer is checked: an exception element in the deltas, a script that did not
finish successfully, a run of another page than requested, an answer without the page's
content, a timeout or a dropped connection each count as an error. The resident memory
of the server's process tree is sampled throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import TreeMemory, bench_database, served_app, summarise

TARGET_P95_MS = 1500.0
TARGET_MEMORY_MB = 1024.0
ANSWER_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Step:
    page: str          # url path of the page (PageSpec.url_path)
    query: str         # URL query string
    change: str        # what the step changes, for the table
    default: bool = False   # the app's default page


@dataclass
class Tally:
    times_ms: dict[str, list[float]] = field(default_factory=dict)
    page_times_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    script_runs: int = 0
    charts: int = 0

    def add(self, page: str, change: str, milliseconds: float) -> None:
        self.times_ms.setdefault(change, []).append(milliseconds)
        self.page_times_ms.setdefault(page, []).append(milliseconds)


def steps_for(db_url: str, seed: int) -> list[Step]:
    """A session's round: every page, with filter changes on the pages that have them."""
    from data_access import estates, grades, queries
    from data_access.engine import make_engine
    from data_access.filters import Scope
    from dashboard.navigation import PAGES

    engine = make_engine(db_url, create=False)
    scope = Scope.everything()
    rng = random.Random(seed)
    period = queries.default_period(engine)
    district = rng.choice(list(queries.list_districts(engine, scope)["code"]))
    street = rng.choice(list(queries.list_streets(engine, scope, district)["code"]))
    estate = rng.choice(list(estates.list_estates(engine, scope)["code"]))
    company = rng.choice(list(grades.companies(engine)["code"]))
    engine.dispose()
    base = f"lang=zh&period={period.key}"
    extra = {"estate": f"&estate={estate}", "company": f"&company={company}"}
    steps = []
    for spec in PAGES:
        query = base + extra.get(spec.url_path, "")
        steps.append(Step(spec.url_path, query, "open page", spec == PAGES[0]))
        if spec.shows_filters:
            steps.append(Step(spec.url_path, f"{query}&district={district}", "district"))
            steps.append(Step(spec.url_path, f"{query}&district={district}&street={street}",
                              "street"))
            steps.append(Step(spec.url_path, f"lang=zh&period={period.key}-Q1"
                              + extra.get(spec.url_path, ""), "period"))
    return steps


async def _answer(ws, step: Step, tally: Tally) -> None:
    """Read ForwardMsgs up to ``script_finished``; record what is wrong with the answer."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page_hashes: dict[str, str] = {}
    ran_page = None
    elements = charts = 0
    while True:
        message = ForwardMsg()
        message.ParseFromString(await ws.recv())
        kind = message.WhichOneof("type")
        if kind == "navigation":
            page_hashes = {p.page_script_hash: p.url_pathname
                           for p in message.navigation.app_pages}
            ran_page = page_hashes.get(message.navigation.page_script_hash)
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element.WhichOneof("type")
            elements += 1
            charts += element in ("plotly_chart", "deck_gl_json_chart", "iframe", "vega_lite_chart")
            if element == "exception":
                tally.errors.append(f"{step.page}?{step.query}: exception "
                                    f"{message.delta.new_element.exception.type}")
        elif kind == "script_finished":
            tally.script_runs += 1
            if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                tally.errors.append(f"{step.page}?{step.query}: script finished with "
                                    f"status {message.script_finished}")
            break
    # The default page may be served at "/" (an empty url path).
    if ran_page not in (step.page, "" if step.default else step.page):
        tally.errors.append(f"{step.page}?{step.query}: the server ran {ran_page!r}")
    if elements < 5:
        tally.errors.append(f"{step.page}?{step.query}: only {elements} elements")
    tally.charts += charts


async def session(base: str, steps: list[Step], deadline: float, think_s: float,
                  rng: random.Random, tally: Tally, ramp_s: float = 0.0) -> None:
    """One user: arrive at a random moment of the first ``ramp_s`` seconds, connect, then
    request step after step until ``deadline``; reconnect after a dropped connection
    (counted as an error)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    index = rng.randrange(len(steps))
    await asyncio.sleep(rng.uniform(0.0, ramp_s))
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
                while time.monotonic() < deadline:
                    step = steps[index % len(steps)]
                    index += 1
                    request = BackMsg()
                    request.rerun_script.page_name = step.page
                    request.rerun_script.query_string = step.query
                    started = time.perf_counter()
                    await ws.send(request.SerializeToString())
                    await asyncio.wait_for(_answer(ws, step, tally), ANSWER_TIMEOUT_S)
                    tally.add(step.page, step.change, (time.perf_counter() - started) * 1000)
                    if think_s:
                        await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as error:
            tally.errors.append(f"connection: {type(error).__name__}: {error}")


async def _drive(base: str, rounds: list[list[Step]], seconds: float, think_s: float,
                 seed: int, ramp_s: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*[
        session(base, steps, deadline, think_s, random.Random(seed + number), tally, ramp_s)
        for number, steps in enumerate(rounds)])
    return tally


def run_load(db_url: str, sessions: int = 20, seconds: float = 120.0, think_s: float = 5.0,
             seed: int = 42, base: str | None = None, pid: int | None = None,
             ramp_s: float | None = None) -> dict:
    """Drive ``sessions`` sessions for ``seconds`` against the server at ``base`` (pid
    ``pid``), or against a server started here; sessions arrive over the first
    ``ramp_s`` seconds (default ``think_s``). Returns the figures."""
    ramp_s = think_s if ramp_s is None else ramp_s
    if base is None:
        with served_app(db_url, "bench-load.log") as (base, pid):
            return run_load(db_url, sessions, seconds, think_s, seed, base, pid, ramp_s)
    # Each session looks at its own district, street, estate and company.
    rounds = [steps_for(db_url, seed + number) for number in range(sessions)]
    with TreeMemory(pid) as memory:
        started_mb = memory.current_mb()
        tally = asyncio.run(_drive(base, rounds, seconds, think_s, seed, ramp_s))
    every = [ms for values in tally.times_ms.values() for ms in values]
    result = {
        "sessions": sessions, "seconds": seconds, "think_s": think_s, "ramp_s": ramp_s,
        "requests": len(every), "script_runs": tally.script_runs, "charts": tally.charts,
        "errors": len(tally.errors), "error_samples": tally.errors[:20],
        "page_ms": summarise(every) if every else None,
        "page_ms_by_change": {change: summarise(values)
                              for change, values in sorted(tally.times_ms.items())},
        "page_ms_by_page": {page: summarise(values)
                            for page, values in sorted(tally.page_times_ms.items())},
        "server_mb_at_start": round(started_mb, 1), "server_peak_mb": round(memory.peak_mb, 1),
    }
    result["targets"] = {
        "no errors": result["errors"] == 0,
        f"p95 page time <= {TARGET_P95_MS:.0f} ms": bool(
            every and result["page_ms"]["p95"] <= TARGET_P95_MS),
        f"server memory <= {TARGET_MEMORY_MB:.0f} MB": memory.peak_mb <= TARGET_MEMORY_MB,
    }
    return result


def print_result(result: dict) -> None:
    print(f"load: {result['sessions']} sessions × {result['seconds']:.0f} s, think "
          f"{result['think_s']} s, arriving over {result.get('ramp_s', 0)} s: "
          f"{result['requests']} page requests, "
          f"{result['script_runs']} script runs, {result['charts']} charts, "
          f"{result['errors']} errors")
    print(f"{'request':<12}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    rows = [("all", result["page_ms"]), *result["page_ms_by_change"].items(),
            *result.get("page_ms_by_page", {}).items()]
    for name, figures in rows:
        if figures:
            print(f"{name:<12}{figures['n']:>6}{figures['median']:>10.0f}"
                  f"{figures['p95']:>10.0f}{figures['max']:>10.0f}")
    print(f"server memory: {result['server_mb_at_start']:.0f} MB at start, peak "
          f"{result['server_peak_mb']:.0f} MB")
    for target, met in result["targets"].items():
        print(f"  {'ok  ' if met else 'MISS'} {target}")
    for sample in result["error_samples"]:
        print(f"  error: {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite",
                        help="sqlite, postgresql (database bench_<scale>) or a URL")
    parser.add_argument("--scale", default="city", choices=("test", "city", "province"))
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean think time between a session's requests, seconds")
    parser.add_argument("--ramp", type=float, default=None,
                        help="sessions arrive over this many first seconds (default: --think)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    database = bench_database(args.db, args.scale, reuse=True)
    result = run_load(database.url, args.sessions, args.seconds, args.think,
                      ramp_s=args.ramp)
    result["database"] = database.label
    print_result(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
