"""Helpers shared by the import tests (no tests here): database copies, checksums,
files written in a given encoding."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.engine import make_engine
from data_access.schema import RAW_TABLES, import_log, metadata


def snapshot(engine, exclude: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """{table: (row count, SHA-256 of every row in key order)} for every table."""
    result = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in exclude:
                continue
            count = conn.execute(select(func.count()).select_from(table)).scalar()
            ordering = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*ordering)):
                digest.update(repr(tuple(row)).encode("utf-8"))
            result[table.name] = (count, digest.hexdigest())
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
    """A private copy of the fixture city: (engine, url)."""
    source = Path(fixture_db_url.removeprefix("sqlite:///"))
    target = tmp_path / "city.sqlite"
    shutil.copy(source, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    yield engine, url
    engine.dispose()


@pytest.fixture()
def empty_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
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
