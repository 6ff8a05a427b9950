"""Frames from query results, built fast: the readers of thousands of rows go through here.

A frame built from SQLAlchemy row mappings (or Row objects, which pandas probes attribute
by attribute) costs tens of microseconds a row — most of the time of a province read of
20,000 estates or 500,000 project-quarters.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Connection


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
