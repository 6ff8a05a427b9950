"""Frames from query results, built fast: the readers of thousands of rows go through here.

A frame built from SQLAlchemy row mappings (or Row objects, which pandas probes attribute
by attribute) costs tens of microseconds a row — most of the time of a province read of
20,000 estates or 500,000 project-quarters.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pandas as pd
from sqlalchemy import Connection, Engine

T = TypeVar("T")


# Pauses nest and overlap across threads (Streamlit sessions, :func:`concurrently`): the
# collector goes off when the first pause starts and back on when the last one ends, if
# it was on before the first.
_pause_lock = threading.Lock()
_pauses = 0
_enable_after = False


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (back on after the last of
    the overlapping pauses ends, unless it was already off before the first). A read
    allocates a tuple per row, all alive until the frame is built, which triggers full
    collections traversing every object of the process: in a server holding its caches,
    40 % of a 20,000-row read. Rows hold no reference cycles, so nothing is freed late."""
    global _pauses, _enable_after
    with _pause_lock:
        if _pauses == 0:
            _enable_after = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _enable_after:
                gc.enable()


def read_frame(conn: Connection, statement, columns: list[str]) -> pd.DataFrame:
    """The rows of ``statement`` as a frame whose columns are named ``columns`` (in the
    statement's order; also the columns of an empty result).

    Rows come straight from the driver's cursor, in one ``fetchall``: only for reads
    returning numbers and text, which SQLAlchemy would pass through unchanged (not
    dates, which it converts on SQLite).
    """
    with collections_paused():
        rows = conn.execute(statement).cursor.fetchall()
        return pd.DataFrame.from_records(rows, columns=columns)


def result_frame(result) -> pd.DataFrame:
    """A SQLAlchemy result (any column types) as a frame named by its keys, built a
    column at a time: much faster than from its rows or their mappings."""
    names = list(result.keys())
    return pd.DataFrame(dict(zip(names, map(list, zip(*result.all())))), columns=names)


#: Threads running reads side by side for :func:`concurrently`, shared by every session
#: of the process (as many as the engine's connection pool holds at rest).
READ_THREADS = 10
_READ_THREAD_PREFIX = "data-access-read"


@functools.cache
def _read_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix=_READ_THREAD_PREFIX)


def concurrently(engine: Engine, *reads: Callable[[], T]) -> list[T]:
    """Call every function of ``reads`` (independent reads of ``engine``, each on its
    own connection); their results in order. An exception of a read is raised here.

    On PostgreSQL they run side by side: the first on the calling thread, the others in
    a thread pool. The server works on them in parallel while the driver waits without
    the interpreter lock, so a request waits for its slowest read rather than the sum
    (league at province scale 156 → 130 ms, key-supervision lists 210 → 165 ms). On
    SQLite they run one after the other: the query runs in this process, and side by
    side they measured no faster. Called from a read that is itself running in the pool,
    they run one after the other too (a pool waiting on itself could deadlock).
    """
    nested = threading.current_thread().name.startswith(_READ_THREAD_PREFIX)
    if engine.dialect.name != "postgresql" or len(reads) < 2 or nested:
        return [read() for read in reads]
    futures = [_read_pool().submit(read) for read in reads[1:]]
    first = reads[0]()
    return [first, *(future.result() for future in futures)]
