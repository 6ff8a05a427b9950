"""Helpers shared by the import tests (no tests here): private database copies on each
backend, checksums, files written in a given encoding."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.engine import make_engine
from data_access.schema import RAW_TABLES, import_log, metadata
from tests.conftest import blank_database, database_copy
from tests.pg_support import as_sqlite_returns


def snapshot(engine, exclude: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """{table: (row count, SHA-256 of its rows)} for every table.

    Order-independent (the rows' texts are sorted before hashing) and type-normalised
    (values as SQLite returns them), so it compares within and across backends.
    """
    result = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in exclude:
                continue
            lines = sorted(repr(tuple(as_sqlite_returns(value) for value in row))
                           for row in conn.execute(select(table)))
            digest = hashlib.sha256()
            for line in lines:
                digest.update(line.encode("utf-8"))
            result[table.name] = (len(lines), digest.hexdigest())
    return result


def raw_snapshot(engine) -> dict[str, tuple[int, str]]:
    """Counts and checksums of the raw tables only."""
    names = {t.name for t in RAW_TABLES}
    return {k: v for k, v in snapshot(engine).items() if k in names}


def log_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(import_log)).scalar()


@pytest.fixture()
def city(tmp_path, fixture_db_url):
    """A private copy of the fixture city on each backend: (engine, url)."""
    with database_copy(fixture_db_url, tmp_path) as url:
        engine = make_engine(url)
        yield engine, url
        engine.dispose()


@pytest.fixture(scope="module")
def unchanged_city(tmp_path_factory, fixture_db_url):
    """One copy of the fixture city per module and backend: (engine, url), shared by
    tests whose imports must write nothing, each checking that its own did not (a
    PostgreSQL copy costs a database; these tests would need dozens)."""
    with database_copy(fixture_db_url, tmp_path_factory.mktemp("unchanged")) as url:
        engine = make_engine(url)
        yield engine, url
        engine.dispose()


@pytest.fixture(scope="module")
def empty_db(db_backend, tmp_path_factory):
    """An empty database (schema created) per module and backend: (engine, url), shared
    by tests whose imports leave the data tables empty."""
    with blank_database(db_backend, tmp_path_factory.mktemp("empty")) as url:
        engine = make_engine(url)
        yield engine, url
        engine.dispose()


def write_text(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` (lines joined as given) to ``directory/name`` in ``encoding``."""
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def errors(report_or_problems) -> list[tuple]:
    """(file, sheet, row, column, value, reason_en) of every error."""
    problems = getattr(report_or_problems, "problems", report_or_problems)
    return [(p.file, p.sheet, p.row, p.column, p.value, p.reason_en)
            for p in problems if p.severity == "error"]
