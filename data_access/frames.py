"""Frames from query results, built fast: the readers of thousands of rows go through here.

A frame built from SQLAlchemy row mappings (or Row objects, which pandas probes attribute
by attribute) costs tens of microseconds a row — most of the time of a province read of
20,000 estates or 500,000 project-quarters.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pandas as pd
from sqlalchemy import Connection, Engine

T = TypeVar("T")


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (back on after, unless it was
    already off). A read allocates a tuple per row, all alive until the frame is built,
    which triggers full collections traversing every object of the process: in a server
    holding its caches, 40 % of a 20,000-row read. Rows hold no reference cycles, so
    nothing is freed late."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
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


#: Threads running independent reads of one request side by side (:func:`concurrently`).
READ_THREADS = 4


@functools.cache
def _read_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="data-access-read")


def concurrently(engine: Engine, *reads: Callable[[], T]) -> list[T]:
    """Call every function of ``reads`` (independent reads of ``engine``, each on its
    own connection); their results in order. An exception of a read is raised here.

    On PostgreSQL they run side by side in a small thread pool: the server works on
    them in parallel while the driver waits without the interpreter lock, so a request
    waits for its slowest read rather than the sum (league at province scale 156 →
    130 ms, key-supervision lists 210 → 165 ms). On SQLite they run one after the other:
    the query runs in this process, and side by side they measured no faster.
    """
    if engine.dialect.name != "postgresql" or len(reads) < 2:
        return [read() for read in reads]
    futures = [_read_pool().submit(read) for read in reads]
    return [future.result() for future in futures]
