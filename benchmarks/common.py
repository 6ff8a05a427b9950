"""Pieces the benchmark scripts share: timing, the benchmark database, a served app and
the memory of its process tree."""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VAR = ROOT / "var"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": percentile(values, 0.95),
            "max": max(values), "n": len(values)}


def time_calls(function: Callable[[], object], repeat: int, budget_s: float = 10.0,
               minimum: int = 3) -> list[float]:
    """Milliseconds of up to ``repeat`` calls, stopping early (after ``minimum``) once
    ``budget_s`` seconds are spent, so slow raw queries at province scale stay bounded."""
    timings: list[float] = []
    spent_since = time.perf_counter()
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
        if len(timings) >= minimum and time.perf_counter() - spent_since > budget_s:
            break
    return timings


# --- the benchmark database -----------------------------------------------------------------

@dataclass
class BenchDatabase:
    """Where the demo lives: ``url``; ``build_record`` remembers the last build's time
    (so ``--reuse`` can still report it); ``drop`` removes a throwaway database."""

    url: str
    label: str
    build_record: Path
    drop: Callable[[], None] | None = None

    def recorded_build(self) -> dict | None:
        if self.build_record.exists():
            return json.loads(self.build_record.read_text())
        return None


def _pg_admin(base_url: str):
    from sqlalchemy import create_engine

    return create_engine(base_url, isolation_level="AUTOCOMMIT")


def pg_database(scale: str, fresh: bool) -> BenchDatabase:
    """The database ``bench_<scale>`` on the tests' PostgreSQL server (re)created when
    ``fresh``."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from tests.pg_support import pg_base_url

    base_url = pg_base_url()  # the PostgreSQL server of the tests
    name = f"bench_{scale}"
    admin = _pg_admin(base_url)

    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        # the tests' drop: it ends our sessions first and, unlike WITH (FORCE), does not
        # need to signal an autovacuum worker (which only a superuser may)
        from tests.pg_support import drop_database

        drop_database(url)

    if fresh:
        drop()
        with admin.connect() as conn:
            # Database names cannot be bound parameters; ``name`` is bench_ + a scale
            # from the fixed choices of --scale, so quoting it as an identifier is safe.
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    return BenchDatabase(url, f"postgresql ({name})", VAR / f"bench-{scale}-postgresql.build.json",
                         drop)


def bench_database(db: str, scale: str, reuse: bool) -> BenchDatabase:
    """``db`` is ``sqlite`` (var/bench-<scale>.sqlite), ``postgresql`` (database
    bench_<scale> on the tests' server) or a SQLAlchemy URL used as given."""
    VAR.mkdir(exist_ok=True)
    if db == "sqlite":
        path = VAR / f"bench-{scale}.sqlite"
        return BenchDatabase(f"sqlite:///{path}", "sqlite", Path(f"{path}.build.json"))
    if db == "postgresql":
        return pg_database(scale, fresh=not reuse)
    dialect = db.split(":", 1)[0].split("+", 1)[0]
    return BenchDatabase(db, dialect, VAR / f"bench-{scale}-{dialect}-url.build.json")


def dialect_of(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


# --- a served app and its memory -------------------------------------------------------------

class TreeMemory:
    """Samples the resident memory of a process and its children every ``interval_s`` in
    a background thread; ``peak_mb`` is the largest sum seen."""

    def __init__(self, pid: int, interval_s: float = 0.2):
        import psutil

        self._process = psutil.Process(pid)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.peak_mb = 0.0
        self.samples: list[tuple[float, float]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current_mb(self) -> float:
        import psutil

        total = 0
        for process in [self._process, *self._process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 1024 / 1024

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            megabytes = self.current_mb()
            self.peak_mb = max(self.peak_mb, megabytes)
            self.samples.append((time.monotonic() - started, megabytes))
            self._stop.wait(self._interval_s)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def served_app(db_url: str, log_name: str) -> Iterator[tuple[str, int]]:
    """A real ``streamlit run`` of the app against ``db_url`` (tests.browser_support's
    server); yields its base URL and the pid of the streamlit process.

    The server's file watcher is off (.streamlit/config.toml): a measured server does
    not reload modules when someone edits the source meanwhile.
    """
    import psutil

    from tests.browser_support import streamlit_server

    log = ROOT / "test-artifacts" / log_name
    with streamlit_server(db_url, log) as base:
        port = base.rsplit(":", 1)[1]
        children = [p for p in psutil.Process().children()
                    if "streamlit" in " ".join(p.cmdline()) and port in p.cmdline()]
        if len(children) != 1:
            raise RuntimeError(f"cannot tell the streamlit process among {children}")
        yield base, children[0].pid
