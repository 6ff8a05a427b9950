"""Bulk loads on each backend: ``bulk_insert`` stores awkward values exactly, explicit ids
leave the id sequence past them, and the importer on PostgreSQL writes through COPY with
exact inserted / updated / unchanged counts (and nothing at all when it fails)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import psycopg
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    func,
    insert,
    select,
)

from data_access.engine import make_engine
from data_access.importing import import_files, writing
from data_access.importing.bench import generate
from data_access.loading import bulk_insert, sync_id_sequence
from data_access.schema import complaint, district, estate, street
from tests.test_import_support import city  # noqa: F401

probe = Table(
    "bulk_probe", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("body", Text),
    Column("label", String(64)),
    Column("amount", Float),
    Column("count", Integer),
    Column("day", Date),
    Column("at", DateTime),
    Column("flag", Boolean),
    Column("checked", Boolean, nullable=False, default=False),
)

TEXTS = ["", "中文\t制表符", "第一行\n第二行\r\n第三行\r", "反斜杠 \\ \\N \\t \\\\",
         'quote " and \'apostrophe\'', "\\.", "逗号,分号;|竖线", "  spaces  ", "NULL", None]
FLOATS = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 123456.789, math.inf, 0.0, -1.0,
          2.0 ** 53, None]
INTS = [0, -1, 2 ** 31 - 1, -(2 ** 31), 42, None, 7, 1, 2, 3]
DAYS = [dt.date(1900, 1, 1), dt.date(2024, 2, 29), None, dt.date(2026, 12, 31)] + [
    dt.date(2024, 5, day) for day in range(1, 7)]
TIMES = [dt.datetime(2024, 3, 5, 14, 20, 0, 123456), dt.datetime(1999, 12, 31, 23, 59, 59, 999999),
         dt.datetime(2024, 1, 1), None] + [dt.datetime(2024, 6, 1, 8, 0, 0, n) for n in range(6)]
FLAGS = [True, False, None, True, False, None, True, True, False, False]
EXPECTED = [(i + 1, TEXTS[i], TEXTS[i], FLOATS[i], INTS[i], DAYS[i], TIMES[i], FLAGS[i], False)
            for i in range(10)]


@pytest.fixture()
def blank_engine(blank_db_url):
    """An empty database on each backend with the schema and the probe table."""
    engine = make_engine(blank_db_url)
    probe.create(engine)
    yield engine
    engine.dispose()


def stored_probe(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(probe).order_by(probe.c.id))]


def test_bulk_insert_stores_a_frame_of_awkward_values_exactly(blank_engine):
    frame = pd.DataFrame({
        "id": np.arange(1, 11, dtype=np.int64),
        "body": pd.Series(TEXTS, dtype="category"),
        "label": pd.Series(TEXTS),  # pandas' own string dtype, missing as NaN
        "amount": pd.Series([np.nan if v is None else v for v in FLOATS], dtype="float64"),
        "count": pd.array(INTS, dtype="Int64"),
        "day": pd.Series(DAYS, dtype=object),
        "at": pd.to_datetime(pd.Series(TIMES)),
        "flag": pd.array(FLAGS, dtype="boolean"),
    })
    with blank_engine.begin() as conn:
        assert bulk_insert(conn, probe, frame) == 10
    assert stored_probe(blank_engine) == EXPECTED


def test_bulk_insert_stores_dicts_with_gaps_exactly(blank_engine):
    rows = []
    for i in range(10):
        row = {"id": i + 1, "body": TEXTS[i], "label": TEXTS[i],
               "amount": math.nan if FLOATS[i] is None else FLOATS[i],
               "count": INTS[i], "day": DAYS[i], "at": TIMES[i]}
        if FLAGS[i] is not None:  # a key missing from some dicts is NULL there
            row["flag"] = FLAGS[i]
        rows.append(row)
    with blank_engine.begin() as conn:
        assert bulk_insert(conn, probe, rows) == 10
    assert stored_probe(blank_engine) == EXPECTED


def test_bulk_insert_stores_a_column_of_mixed_objects_as_their_text(blank_engine):
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "label": pd.Series([7, "七", None, 2.5],
                                                                 dtype=object)})
    with blank_engine.begin() as conn:
        bulk_insert(conn, probe, frame)
    with blank_engine.connect() as conn:
        labels = conn.execute(select(probe.c.label).order_by(probe.c.id)).scalars().all()
    assert labels == ["7", "七", None, "2.5"]


def test_explicit_ids_leave_the_next_generated_id_past_them(blank_engine):
    with blank_engine.begin() as conn:
        bulk_insert(conn, district, [{"id": 1, "code": "D1", "name": "环翠区"},
                                     {"id": 7, "code": "D7", "name": "文登区"}])
        bulk_insert(conn, street, pd.DataFrame({"id": [3, 40], "code": ["S3", "S40"],
                                                "name": ["海滨街道", "青山街道"],
                                                "district_id": [1, 7]}))
    with blank_engine.begin() as conn:
        new_district = conn.execute(insert(district).values(code="D8", name="新区")
                                    ).inserted_primary_key[0]
        new_street = conn.execute(insert(street).values(code="S41", name="新街道",
                                                        district_id=new_district)
                                  ).inserted_primary_key[0]
        synthetic = conn.execute(select(street.c.synthetic).order_by(street.c.id)).scalars()
        assert list(synthetic) == [False, False, False]  # the column default, not NULL
    assert (new_district, new_street) == (8, 41)

    with blank_engine.begin() as conn:
        conn.execute(delete(street))
        sync_id_sequence(conn, street)
        restarted = conn.execute(insert(street).values(code="S1", name="一街道",
                                                       district_id=1)).inserted_primary_key[0]
    assert restarted == 1


def _recorded(engine, monkeypatch) -> tuple[list[str], list[tuple[str, bool]]]:
    """COPY statements psycopg is given, and (statement, executemany) of every statement
    SQLAlchemy executes on ``engine``, from now on."""
    copies: list[str] = []
    statements: list[tuple[str, bool]] = []
    real_copy = psycopg.Cursor.copy

    def recording_copy(self, statement, *args, **kwargs):
        copies.append(statement.as_string(self))
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", recording_copy)
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, parameters, context, executemany:
                 statements.append((statement, executemany)))
    return copies, statements


def _complaint_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(complaint)).scalar()


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_importer_on_postgresql_copies_chunks_and_counts_exactly(city, tmp_path, monkeypatch):
    engine, _ = city
    with engine.connect() as conn:
        codes = sorted(conn.execute(select(estate.c.code)).scalars())
    stored_before = _complaint_count(engine)
    path = tmp_path / "complaints.csv"
    generate(path, 3000, codes, seed=11)
    copies, statements = _recorded(engine, monkeypatch)

    first = import_files(engine, [path], chunk_rows=1000)
    assert first.ok, first.problems[:3]
    assert first.totals()["complaints"]["inserted"] == 3000
    assert _complaint_count(engine) == stored_before + 3000
    staged = [c for c in copies if c.startswith('COPY "import_staging_complaint"')]
    assert len(staged) == 3 and all("FROM STDIN" in c for c in staged)  # one per chunk
    assert not [s for s, many in statements if many and "complaint" in s]  # no executemany
    writes = [s for s, _ in statements if s.startswith("INSERT INTO complaint ")]
    assert writes and all("SELECT" in s and " VALUES " not in s for s in writes)

    # 10 rows change category, 5 are new, the other 2,990 are as stored
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    recategorised = rows.index[rows["category"] != "noise"][:10]
    rows.loc[recategorised, "category"] = "noise"
    extra = rows.iloc[:5].assign(complaint_id=[f"Z{i}" for i in range(5)])
    changed_path = tmp_path / "complaints_changed.csv"
    pd.concat([rows, extra]).to_csv(changed_path, index=False)
    second = import_files(engine, [changed_path], chunk_rows=1000)
    counts = second.totals()["complaints"]
    assert (counts["inserted"], counts["updated"], counts["unchanged"]) == (5, 10, 2990)
    with engine.connect() as conn:
        now_noise = conn.execute(select(func.count()).select_from(complaint).where(
            complaint.c.code.in_(rows.loc[recategorised, "complaint_id"].tolist()),
            complaint.c.category == "noise")).scalar()
    assert now_noise == 10
    assert _complaint_count(engine) == stored_before + 3005

    again = import_files(engine, [changed_path], chunk_rows=1000)
    counts = again.totals()["complaints"]
    assert (counts["inserted"], counts["updated"], counts["unchanged"]) == (0, 0, 3005)


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_importer_on_postgresql_writes_nothing_when_a_later_chunk_fails(city, tmp_path,
                                                                        monkeypatch):
    engine, _ = city
    with engine.connect() as conn:
        codes = sorted(conn.execute(select(estate.c.code)).scalars())
    stored_before = _complaint_count(engine)
    path = tmp_path / "complaints.csv"
    generate(path, 2000, codes, seed=12)
    real_copy_frame = writing.copy_frame
    calls = []

    def failing_second_copy(conn, table, frame):
        calls.append(len(frame))
        if len(calls) == 2:
            raise RuntimeError("connection lost in the second chunk")
        return real_copy_frame(conn, table, frame)

    monkeypatch.setattr(writing, "copy_frame", failing_second_copy)
    with pytest.raises(RuntimeError, match="second chunk"):
        import_files(engine, [path], chunk_rows=1000)
    assert calls == [1000, 1000]
    assert _complaint_count(engine) == stored_before
