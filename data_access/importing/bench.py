"""Benchmark: import a large complaints CSV into the fixture city.

    .venv/bin/python -m data_access.importing.bench --rows 1000000
    .venv/bin/python -m data_access.importing.bench --rows 1000000 --db postgresql

Generates ``--rows`` complaints (in chunks, so generation itself stays small) against a
database holding the hand-made fixture city — a new SQLite file by default; with
``--db postgresql`` a new database ``bench_import_…`` on the tests' PostgreSQL server
(``DASHBOARD_TEST_PG_URL``), dropped afterwards; or ``--db URL``, a database with estates
already in it — imports the file with :func:`data_access.importing.import_files`,
re-imports it (every row unchanged) and prints rows, seconds, rows/s, the time spent
checking, writing and refreshing summaries, and the peak resident memory of this
process (``resource.getrusage``; a PostgreSQL server's own memory is not included).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from data_access.engine import make_engine
from data_access.importing import import_files
from data_access.schema import complaint, estate

_CHANNELS = np.array(["hotline", "12345热线", "tv", "电视问政", "app", "walk_in", "街道"])
_CATEGORIES = np.array(["电梯", "parking", "cleaning", "物业费", "漏水", "noise", "充电桩"])
_SATISFIED = np.array(["是", "否", "", "yes", "1"])


def generate(path: Path, rows: int, estate_codes: list[str], *, seed: int = 7,
             chunk: int = 100_000, slash_dates: bool = False) -> None:
    """Write ``rows`` complaints about ``estate_codes`` to a UTF-8 CSV at ``path``."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00")
    span_seconds = 300 * 24 * 3600
    fmt = "%Y/%m/%d %H:%M:%S" if slash_dates else "%Y-%m-%d %H:%M:%S"
    codes = np.array(estate_codes)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("complaint_id,estate_code,received_at,channel,category,responded_at,"
                     "resolved_at,resolved_level,resident_satisfied,complainant_phone\n")
        for first in range(0, rows, chunk):
            n = min(chunk, rows - first)
            received = start + rng.integers(0, span_seconds, n).astype("timedelta64[s]")
            responded = received + rng.integers(600, 6 * 24 * 3600, n).astype("timedelta64[s]")
            resolved = responded + rng.integers(600, 10 * 24 * 3600, n).astype(
                "timedelta64[s]")
            answered = rng.random(n) < 0.9
            closed = answered & (rng.random(n) < 0.85)
            frame = pd.DataFrame({
                "complaint_id": [f"B{first + i:09d}" for i in range(n)],
                "estate_code": codes[rng.integers(0, len(codes), n)],
                "received_at": pd.Series(received).dt.strftime(fmt),
                "channel": _CHANNELS[rng.integers(0, len(_CHANNELS), n)],
                "category": _CATEGORIES[rng.integers(0, len(_CATEGORIES), n)],
                "responded_at": pd.Series(responded).dt.strftime(fmt).where(answered, ""),
                "resolved_at": pd.Series(resolved).dt.strftime(fmt).where(closed, ""),
                "resolved_level": np.where(closed, "小区", ""),
                "resident_satisfied": np.where(closed, _SATISFIED[rng.integers(0, 5, n)], ""),
                "complainant_phone": [f"13{rng.integers(0, 10)}{first + i:08d}"
                                      for i in range(n)],
            })
            frame.to_csv(handle, header=False, index=False)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024 if sys.platform != "darwin" else usage / 1024 / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.importing.bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", help="'postgresql' (a throwaway database holding the fixture "
                        "city) or the SQLAlchemy URL of a database with estates (default: "
                        "a new SQLite file holding the fixture city)")
    parser.add_argument("--dir", help="where to write the CSV (default: a temporary dir)")
    parser.add_argument("--slash-dates", action="store_true",
                        help="write dates as 2024/3/5 14:20:00 instead of ISO")
    args = parser.parse_args(argv)

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url, drop = args.db, None
    if url in (None, "postgresql"):
        from tests.fixture_city import build_fixture_city

        if url is None:
            url = f"sqlite:///{workdir / 'bench.sqlite'}"
        else:
            from tests.pg_support import create_database, drop_database

            url = create_database("bench_import")
            drop = partial(drop_database, url)
        engine = make_engine(url)
        build_fixture_city(engine)
    else:
        engine = make_engine(url)
    try:
        return _run(engine, url, args, workdir, parser)
    finally:
        engine.dispose()
        if drop is not None:
            drop()


def _run(engine, url: str, args: argparse.Namespace, workdir: Path,
         parser: argparse.ArgumentParser) -> int:
    """Generate the file, import it twice into ``engine`` and print the tables."""
    with engine.connect() as conn:
        codes = list(conn.execute(select(estate.c.code)).scalars())
    if not codes:
        parser.error("the database has no estates to file complaints against")

    csv_path = workdir / f"complaints_{args.rows}.csv"
    started = time.perf_counter()
    generate(csv_path, args.rows, codes, slash_dates=args.slash_dates)
    print(f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - started:.1f} s; peak RSS so far {peak_rss_mb():.0f} MB",
          flush=True)

    lines, phases = [], []
    for label in ("import (new rows)", "re-import (unchanged)"):
        marks: dict[str, float] = {}

        def progress(fraction: float, message: str, marks=marks) -> None:
            phase = ("check" if message.startswith(("reading", "checking")) else
                     "write" if message.startswith("writing") else
                     "summaries" if message.startswith("refreshing") else "end")
            marks.setdefault(phase, time.perf_counter())

        started = time.perf_counter()
        report = import_files(engine, [csv_path], progress=progress)
        seconds = time.perf_counter() - started
        ends = {"check": marks.get("write"), "write": marks.get("summaries") or marks["end"],
                "summaries": marks["end"] if "summaries" in marks else None}
        phases.append((label, *[(ends[p] - marks[p]) if ends[p] and p in marks else 0.0
                                for p in ("check", "write", "summaries")]))
        if not report.ok:
            for problem in report.problems[:20]:
                print(problem, file=sys.stderr)
            return 1
        totals = report.totals()["complaints"]
        lines.append((label, totals["rows"], seconds, totals["rows"] / seconds,
                      totals["inserted"], totals["updated"], totals["unchanged"],
                      peak_rss_mb()))
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(complaint)).scalar()

    print()
    print(f"{'run':<24}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'inserted':>10}"
          f"{'updated':>9}{'unchanged':>11}{'peak RSS MB':>13}")
    for label, rows, seconds, rate, inserted, updated, unchanged, rss in lines:
        print(f"{label:<24}{rows:>10,}{seconds:>10.1f}{rate:>10,.0f}{inserted:>10,}"
              f"{updated:>9,}{unchanged:>11,}{rss:>13.0f}")
    print()
    print(f"{'run':<24}{'check s':>10}{'write s':>10}{'summaries s':>13}")
    for label, check, write, summaries in phases:
        print(f"{label:<24}{check:>10.1f}{write:>10.1f}{summaries:>13.1f}")
    print(f"complaints stored: {stored:,}; database {make_url(url).render_as_string()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
