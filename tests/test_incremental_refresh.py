"""Incremental summary refresh: an import recomputes only the summary rows it reaches, and
leaves every summary table exactly as a full rebuild would (on SQLite and PostgreSQL).

Each test imports into a private copy of the test-scale demo (one year, 2019), then
compares every summary table with a full rebuild made in a transaction that is rolled
back. Sentinels — summary rows corrupted by hand before the import, in street-months the
import does not reach — prove that nothing else was recomputed: a rebuild would have
repaired them.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, text, update

from data_access import grades, rollups
from data_access.demo import build_demo
from data_access.engine import make_engine
from data_access.importing import export_table, import_files
from data_access.loading import bulk_insert, derive_complaint_fields
from data_access.schema import (
    SUMMARY_TABLES,
    company,
    company_district_month,
    complaint,
    complaint_month,
    complaint_repeat,
    complaint_street_month,
    estate,
    estate_month,
    import_log,
    month_calendar,
    project_dimension_quarter,
    project_quarter,
    street,
    street_month,
    street_quarter,
    trend_month,
)
from data_access.summary import (
    SummaryChanges,
    refresh_estate_years,
    refresh_project_years,
    refresh_summaries,
)
from tests.conftest import blank_database, database_copy
from tests.pg_support import as_sqlite_returns

MONTH, NEXT_MONTH, PREVIOUS_MONTH = "2019-05", "2019-06", "2019-04"
#: A category no demo complaint has, so repeats among the imported complaints are known.
CATEGORY = "h3 test category"
ALL_MONTHS = [f"2019-{month:02d}" for month in range(1, 13)]
COMPLAINT_HEADER = "complaint_id,estate_code,received_at,channel,category,responded_at\n"


@pytest.fixture(scope="module")
def demo_seed_url(db_backend, tmp_path_factory) -> Iterator[str]:
    """The test-scale demo, built once per backend; tests work on copies."""
    with blank_database(db_backend, tmp_path_factory.mktemp("incremental")) as url:
        engine = make_engine(url)
        build_demo(engine, scale="test", seed=11, end_month="2019-12")
        engine.dispose()
        yield url


@pytest.fixture()
def demo(demo_seed_url, tmp_path) -> Iterator[Engine]:
    with database_copy(demo_seed_url, tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


# --- helpers -------------------------------------------------------------------------------

def _normal(value):
    value = as_sqlite_returns(value)
    return round(value, 6) if isinstance(value, float) else value


def summary_rows(conn: Connection) -> dict[str, list[tuple]]:
    """Every row of every summary table, order-independent, floats rounded."""
    return {table.name: sorted((tuple(_normal(v) for v in row)
                                for row in conn.execute(select(table))), key=repr)
            for table in SUMMARY_TABLES}


def assert_equals_full_rebuild(engine: Engine) -> None:
    with engine.connect() as conn:
        incremental = summary_rows(conn)
    with engine.connect() as conn:
        assert refresh_summaries(conn).full
        rebuilt = summary_rows(conn)
        conn.rollback()
    for name, rows in rebuilt.items():
        assert incremental[name] == rows, f"{name} differs from a full rebuild"


def complaints_csv(*rows: tuple[str, str, str]) -> tuple[str, bytes]:
    """A complaints file: (complaint id, estate code, received at) per row, all of
    :data:`CATEGORY`, answered the next day."""
    lines = [f"{code},{estate_code},{received},hotline,{CATEGORY},"
             f"{pd.Timestamp(received) + pd.Timedelta(days=1):%Y-%m-%d %H:%M}\n"
             for code, estate_code, received in rows]
    return "complaints.csv", (COMPLAINT_HEADER + "".join(lines)).encode()


def imported(engine: Engine, *files: tuple[str, bytes]):
    report = import_files(engine, list(files))
    assert report.ok and report.committed, report.problems[:5]
    return report


def first_estate(conn: Connection, street_id: int | None = None) -> tuple[int, str, int]:
    """(id, code, street_id) of the first estate with a company and graded quarters (of
    ``street_id``, or of any street with more than one estate)."""
    crowded = select(estate.c.street_id).group_by(estate.c.street_id).having(
        func.count() > 1)
    condition = and_(
        estate.c.street_id == street_id if street_id is not None
        else estate.c.street_id.in_(crowded),
        estate.c.company_id.is_not(None),
        estate.c.id.in_(select(project_quarter.c.estate_id)))
    return tuple(conn.execute(select(estate.c.id, estate.c.code, estate.c.street_id)
                              .where(condition).order_by(estate.c.id).limit(1)).one())


def other_street(conn: Connection, street_id: int) -> int:
    """The first other street of the same district."""
    district = select(street.c.district_id).where(street.c.id == street_id).scalar_subquery()
    return conn.execute(select(street.c.id).where(street.c.district_id == district,
                                                  street.c.id != street_id)
                        .order_by(street.c.id).limit(1)).scalar_one()


class Sentinels:
    """Summary rows corrupted on purpose (a count set to -1, or a repeat flag removed)
    where an import must not reach; :meth:`restore` puts the true rows back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.planted: list[tuple] = []

    def plant(self, table, column: str, **where) -> None:
        condition = and_(*[table.c[name] == value for name, value in where.items()])
        with self.engine.begin() as conn:
            originals = [dict(r) for r in conn.execute(select(table).where(condition)).mappings()]
            assert originals, f"no {table.name} row for {where}"
            conn.execute(update(table).where(condition).values({column: -1}))
        self.planted.append((table, column, condition, originals))

    def drop_repeat(self, complaint_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(complaint_repeat).where(
                complaint_repeat.c.complaint_id == complaint_id))
        self.planted.append((complaint_repeat, None, complaint_repeat.c.complaint_id
                             == complaint_id, [{"complaint_id": complaint_id}]))

    def assert_intact(self) -> None:
        with self.engine.connect() as conn:
            for table, column, condition, originals in self.planted:
                found = conn.execute(select(table).where(condition)).mappings().all()
                if column is None:
                    assert found == [], f"{table.name} sentinel was recomputed"
                else:
                    assert [r[column] for r in found] == [-1] * len(originals), \
                        f"{table.name} sentinel was recomputed"

    def restore(self) -> None:
        with self.engine.begin() as conn:
            for table, _, condition, originals in self.planted:
                conn.execute(delete(table).where(condition))
                conn.execute(insert(table), originals)
            # The yearly and district roll-ups sum the tables above: a refresh in the test
            # rightly recomputed the planted rows' year or district and read the -1 of a
            # sentinel there.
            refresh_estate_years(conn)
            refresh_project_years(conn)
            rollups.refresh_summaries(conn)
            grades.refresh_company_quarters(conn)


def plant_everywhere_but(engine: Engine, street_id: int, estate_id: int) -> Sentinels:
    """Sentinels in the street-months around (street_id, MONTH) that an import of
    complaints of estate_id in MONTH must not reach: the same street a month before,
    another street in MONTH, another estate's complaints and repeats, and the grades."""
    with engine.connect() as conn:
        elsewhere = other_street(conn, street_id)
        other_estate = first_estate(conn, elsewhere)[0]
        repeat_elsewhere = conn.execute(
            select(complaint_repeat.c.complaint_id)
            .join(complaint, complaint.c.id == complaint_repeat.c.complaint_id)
            .where(complaint.c.estate_id != estate_id).order_by(complaint.c.id).limit(1)
        ).scalar_one()
        month_elsewhere = conn.execute(
            select(complaint_month.c.estate_id, complaint_month.c.street_id,
                   complaint_month.c.month)
            .where(complaint_month.c.street_id != street_id)
            .order_by(complaint_month.c.month.desc(), complaint_month.c.estate_id).limit(1)
        ).one()
    sentinels = Sentinels(engine)
    sentinels.plant(estate_month, "households", estate_id=estate_id, month=PREVIOUS_MONTH)
    sentinels.plant(estate_month, "households", estate_id=other_estate, month=MONTH)
    sentinels.plant(street_month, "estates", street_id=street_id, month=PREVIOUS_MONTH)
    sentinels.plant(street_month, "estates", street_id=elsewhere, month=MONTH)
    sentinels.plant(trend_month, "estates", street_id=elsewhere, month=MONTH)
    sentinels.plant(complaint_month, "complaints", estate_id=month_elsewhere.estate_id,
                    month=month_elsewhere.month)
    sentinels.plant(complaint_street_month, "complaints", street_id=month_elsewhere.street_id,
                    month=month_elsewhere.month)
    quarter = assessed_quarters(engine, estate_id)[-1]
    sentinels.plant(project_quarter, "households", estate_id=estate_id, quarter=quarter)
    sentinels.plant(project_dimension_quarter, "households", estate_id=estate_id,
                    quarter=quarter)
    sentinels.drop_repeat(repeat_elsewhere)
    with engine.connect() as conn:
        own_district = select(street.c.district_id).where(
            street.c.id == street_id).scalar_subquery()
        company_elsewhere = conn.execute(
            select(company_district_month.c.company_id, company_district_month.c.district_id)
            .where(company_district_month.c.district_id != own_district,
                   company_district_month.c.month == MONTH)
            .order_by(company_district_month.c.company_id).limit(1)).one()
        graded_elsewhere = conn.execute(
            select(street_quarter.c.street_id, street_quarter.c.district_id)
            .where(street_quarter.c.district_id != own_district,
                   street_quarter.c.quarter == quarter)
            .order_by(street_quarter.c.street_id).limit(1)).one()
    sentinels.plant(company_district_month, "households", month=MONTH,
                    company_id=company_elsewhere.company_id,
                    district_id=company_elsewhere.district_id)
    sentinels.plant(street_quarter, "projects", street_id=graded_elsewhere.street_id,
                    quarter=quarter)
    return sentinels


def assessed_quarters(engine: Engine, estate_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(project_quarter.c.quarter).where(
            project_quarter.c.estate_id == estate_id).order_by(project_quarter.c.quarter))
            .scalars())


def category_month(engine: Engine, estate_id: int, month: str) -> tuple[int, int] | None:
    """(complaints, repeats) of CATEGORY for the estate and month in complaint_month."""
    with engine.connect() as conn:
        row = conn.execute(
            select(func.sum(complaint_month.c.complaints),
                   func.sum(complaint_month.c.complaints_repeat))
            .where(complaint_month.c.estate_id == estate_id, complaint_month.c.month == month,
                   complaint_month.c.category == CATEGORY)).one()
    return None if row[0] is None else (int(row[0]), int(row[1]))


# --- tests ---------------------------------------------------------------------------------

def test_complaints_of_one_estate_and_month_recompute_that_street_month_only(demo):
    with demo.connect() as conn:
        estate_id, code, street_id = first_estate(conn)
    sentinels = plant_everywhere_but(demo, street_id, estate_id)
    # Two complaints five days apart: the second is a repeat of the first.
    report = imported(demo, complaints_csv(("H3-1", code, f"{MONTH}-05 09:00"),
                                           ("H3-2", code, f"{MONTH}-10 09:00")))

    assert not report.summaries.full
    assert report.summaries.street_months == {(street_id, MONTH)}
    assert report.summaries.project_quarters == frozenset()
    assert category_month(demo, estate_id, MONTH) == (2, 1)
    with demo.connect() as conn:
        logged = conn.execute(select(import_log.c.summary_refresh, import_log.c.seconds)
                              .order_by(import_log.c.id.desc()).limit(1)).one()
    assert logged.summary_refresh == "1 street-month"
    assert logged.seconds > 0
    sentinels.assert_intact()
    sentinels.restore()
    assert_equals_full_rebuild(demo)


def test_a_complaint_that_makes_next_months_complaint_a_repeat(demo):
    with demo.connect() as conn:
        estate_id, code, street_id = first_estate(conn)
    first = imported(demo, complaints_csv(("H3-LATER", code, f"{NEXT_MONTH}-05 09:00")))
    assert first.summaries.street_months == {(street_id, NEXT_MONTH)}
    assert category_month(demo, estate_id, NEXT_MONTH) == (1, 0)

    # Received 8 days before it: the June complaint becomes a repeat.
    report = imported(demo, complaints_csv(("H3-EARLIER", code, f"{MONTH}-28 09:00")))

    assert report.summaries.street_months == {(street_id, MONTH), (street_id, NEXT_MONTH)}
    assert category_month(demo, estate_id, MONTH) == (1, 0)
    assert category_month(demo, estate_id, NEXT_MONTH) == (1, 1)
    assert_equals_full_rebuild(demo)


def test_a_complaint_moved_to_another_estate_and_month(demo):
    with demo.connect() as conn:
        estate_id, code, street_id = first_estate(conn)
        elsewhere = other_street(conn, street_id)
        other_id, other_code, _ = first_estate(conn, elsewhere)
    imported(demo, complaints_csv(("H3-A", code, f"{MONTH}-05 09:00"),
                                  ("H3-B", code, f"{MONTH}-20 09:00")))
    assert category_month(demo, estate_id, MONTH) == (2, 1)

    # A moves to another estate in July: B is no longer a repeat.
    report = imported(demo, complaints_csv(("H3-A", other_code, "2019-07-03 09:00"),
                                           ("H3-B", code, f"{MONTH}-20 09:00")))

    assert report.totals()["complaints"]["updated"] == 1
    assert report.summaries.street_months == {(street_id, MONTH), (elsewhere, "2019-07")}
    assert category_month(demo, estate_id, MONTH) == (1, 0)
    assert category_month(demo, other_id, "2019-07") == (1, 0)
    assert_equals_full_rebuild(demo)


def test_estate_attributes_reach_all_its_months_on_both_streets(demo):
    with demo.connect() as conn:
        estate_id, code, street_id = first_estate(conn)
        elsewhere = other_street(conn, street_id)
        new_street_name = conn.execute(select(street.c.name).where(
            street.c.id == elsewhere)).scalar_one()
        assessed = set(map(tuple, conn.execute(
            select(project_quarter.c.estate_id, project_quarter.c.quarter)
            .where(project_quarter.c.estate_id == estate_id)).all()))
    estates = pd.read_csv(io.BytesIO(export_table(demo, "estates", "csv")), dtype=str,
                          keep_default_na=False, encoding="utf-8-sig")
    row = estates["estate_code"] == code
    households = int(estates.loc[row, "households"].iloc[0]) + 37
    estates.loc[row, "households"] = str(households)
    estates.loc[row, "street"] = new_street_name

    report = imported(demo, ("estates.csv", estates.to_csv(index=False).encode()))

    assert report.totals()["estates"]["updated"] == 1
    assert report.summaries.street_months == {(s, m) for s in (street_id, elsewhere)
                                              for m in ALL_MONTHS}
    assert report.summaries.project_quarters == assessed and assessed
    with demo.connect() as conn:
        moved = conn.execute(select(estate_month.c.street_id, estate_month.c.households)
                             .where(estate_month.c.estate_id == estate_id).distinct()).all()
    assert moved == [(elsewhere, households)]
    assert_equals_full_rebuild(demo)


def test_fee_and_survey_rows(demo):
    with demo.connect() as conn:
        estate_id, code, street_id = first_estate(conn)
    fees = ("fees.csv", (f"estate_code,month,households_billed,households_paid\n"
                         f"{code},2019-03,200,150\n").encode())
    surveys = ("surveys.csv", (f"estate_code,period,respondents,satisfied\n"
                               f"{code},2019-Q2,30,25\n").encode())

    report = imported(demo, fees, surveys)

    assert report.summaries.street_months == {(street_id, "2019-03"), (street_id, "2019-06")}
    em = estate_month
    with demo.connect() as conn:
        billed, paid = conn.execute(select(em.c.households_billed, em.c.households_paid).where(
            em.c.estate_id == estate_id, em.c.month == "2019-03")).one()
        respondents, satisfied = conn.execute(
            select(em.c.respondents_quarter, em.c.satisfied_quarter).where(
                em.c.estate_id == estate_id, em.c.month == "2019-06")).one()
    assert (billed, paid, respondents, satisfied) == (200, 150, 30, 25)
    assert_equals_full_rebuild(demo)


def test_assessment_rows_recompute_that_project_quarter(demo):
    with demo.connect() as conn:
        estate_id, code, _ = first_estate(conn)
        company_code = conn.execute(select(company.c.code).join(
            estate, estate.c.company_id == company.c.id).where(
            estate.c.id == estate_id)).scalar_one()
    untouched, quarter = assessed_quarters(demo, estate_id)[-2:]
    sentinels = Sentinels(demo)
    sentinels.plant(project_quarter, "households", estate_id=estate_id, quarter=untouched)
    scores = "service_quality,owner_satisfaction,complaint_handling,disclosure,safety," \
             "party_building"
    assessments = ("assessments.csv", (
        f"estate_code,company_code,quarter,assessor,{scores}\n"
        f"{code},{company_code},{quarter},street,10,10,10,10,10,10\n").encode())

    report = imported(demo, assessments)

    assert report.summaries.street_months == frozenset()
    assert report.summaries.project_quarters == {(estate_id, quarter)}
    sentinels.assert_intact()
    sentinels.restore()
    assert_equals_full_rebuild(demo)


def unqualified_runs(engine: Engine, estate_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(project_quarter.c.quarter,
                                        project_quarter.c.unqualified_run)
                                 .where(project_quarter.c.estate_id == estate_id)).all())


def test_an_earlier_quarters_grade_moves_the_runs_after_it(demo):
    """project_quarter.unqualified_run of later quarters follows a changed quarter."""
    with demo.connect() as conn:
        estate_id, code, _ = first_estate(conn)
        company_code = conn.execute(select(company.c.code).join(
            estate, estate.c.company_id == company.c.id).where(
            estate.c.id == estate_id)).scalar_one()
    before, first, second = assessed_quarters(demo, estate_id)[-3:]
    assert grades.quarter_index(second) == grades.quarter_index(first) + 1
    scores = "service_quality,owner_satisfaction,complaint_handling,disclosure,safety," \
             "party_building"

    def assessments(*quarter_points: tuple[str, int]) -> tuple[str, bytes]:
        rows = [f"{code},{company_code},{quarter},{assessor},{','.join([str(points)] * 6)}"
                for quarter, points in quarter_points
                for assessor in ("community", "street", "district", "owners", "experts")]
        text = f"estate_code,company_code,quarter,assessor,{scores}\n" + "\n".join(rows)
        return "assessments.csv", (text + "\n").encode()

    imported(demo, assessments((first, 10), (second, 10)))   # scores 10: 不合格
    runs = unqualified_runs(demo, estate_id)
    assert runs[first] == runs[before] + 1 and runs[second] == runs[before] + 2
    assert_equals_full_rebuild(demo)

    imported(demo, assessments((first, 100)))                # 优秀 breaks the run
    runs = unqualified_runs(demo, estate_id)
    assert (runs[first], runs[second]) == (0, 1)
    assert_equals_full_rebuild(demo)


def test_importing_the_same_file_again_recomputes_nothing(demo):
    with demo.connect() as conn:
        _, code, _ = first_estate(conn)
    file = complaints_csv(("H3-1", code, f"{MONTH}-05 09:00"))
    imported(demo, file)
    with demo.connect() as conn:
        before = summary_rows(conn)

    report = imported(demo, file)

    assert report.totals()["complaints"]["unchanged"] == 1
    assert report.summaries is None
    with demo.connect() as conn:
        assert summary_rows(conn) == before
        logged = conn.execute(select(import_log.c.summary_refresh)
                              .order_by(import_log.c.id.desc()).limit(1)).scalar_one()
    assert logged == "nothing"


def test_a_month_outside_the_calendar_rebuilds_everything(demo):
    with demo.connect() as conn:
        _, code, _ = first_estate(conn)

    report = imported(demo, complaints_csv(("H3-NEW", code, "2020-01-06 09:00")))

    assert report.summaries.full
    with demo.connect() as conn:
        assert conn.execute(select(func.max(month_calendar.c.month))).scalar_one() == "2020-01"
    assert_equals_full_rebuild(demo)


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def advisory_lock_waiters(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )).scalar_one()


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_refreshes_of_concurrent_imports_run_one_after_the_other(demo):
    """Two imports reaching one street-month at once (SQLite admits one writer at a time,
    PostgreSQL needs the refresh lock): the second refresh waits for the first import to
    commit, then recomputes the street-month with both."""
    with demo.connect() as conn:
        estate_id, _, street_id = first_estate(conn)
        sibling_id, sibling_code = conn.execute(
            select(estate.c.id, estate.c.code).where(estate.c.street_id == street_id,
                                                     estate.c.id != estate_id)
            .order_by(estate.c.id).limit(1)).one()
    first = demo.connect()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:  # the first import, written and refreshed, commits once the second waits
            transaction = first.begin()
            bulk_insert(first, complaint, derive_complaint_fields(pd.DataFrame({
                "code": ["H3-FIRST"], "estate_id": [estate_id], "channel": ["hotline"],
                "category": [CATEGORY], "received_at": [pd.Timestamp(f"{MONTH}-05 09:00")]})))
            refresh_summaries(first, SummaryChanges(
                complaint_months=frozenset({(estate_id, MONTH)})))
            second = pool.submit(import_files, demo, [
                complaints_csv(("H3-SECOND", sibling_code, f"{MONTH}-07 09:00"))])
            wait_until(lambda: advisory_lock_waiters(demo) == 1)
            transaction.commit()
        finally:
            first.close()  # rolls back if not committed, so the second import never hangs
        report = second.result()

    assert report.committed and report.summaries.street_months == {(street_id, MONTH)}
    assert category_month(demo, estate_id, MONTH) == (1, 0)
    assert category_month(demo, sibling_id, MONTH) == (1, 0)
    with demo.connect() as conn:
        complaints = conn.execute(select(street_month.c.complaints).where(
            street_month.c.street_id == street_id, street_month.c.month == MONTH)).scalar_one()
        by_estate = conn.execute(select(func.sum(estate_month.c.complaints)).where(
            estate_month.c.street_id == street_id, estate_month.c.month == MONTH)).scalar_one()
    assert complaints == by_estate
    assert_equals_full_rebuild(demo)
