"""Schema migrations (data_access/migrations) on SQLite and PostgreSQL.

A database built at the first revision and filled with the fixture city is upgraded by
``python -m data_access migrate`` keeping every row; a database made before migrations
existed (tables, no ``alembic_version``) is recognised, stamped and upgraded; the head
revision's schema is exactly data_access/schema.py; downgrades work.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select

from data_access import cli, queries
from data_access.config import DB_URL_ENV, PROJECT_ROOT
from data_access.demo import build_demo
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.loading import bulk_insert
from data_access.migrations import (
    BASELINE_REVISION,
    BASELINE_TABLES,
    HEAD_REVISION,
    SchemaError,
    alembic_config,
    migrate,
    schema_revision,
)
from data_access.schema import import_log, metadata
from data_access.summary import refresh_summaries
from tests.fixture_city import EXPECTED, build_fixture_city

NEW_IMPORT_LOG_COLUMNS = {"seconds", "summary_refresh"}
#: Summary columns revisions after 0001 add to its tables (the summary refresh writes them).
NEW_SUMMARY_COLUMNS = {"project_quarter": ("unqualified_run",)}
#: Tables revisions after 0001 create.
NEW_TABLES = {"complaint_street_month", "estate_year", "project_year",
              "company_district_month", "company_district_year", "company_district_quarter",
              "company_quarter", "street_quarter", "complaint_district_month"}
# Tables the fixture city leaves empty: every other table holds rows, so comparing
# contents before and after a migration compares real data.
EMPTY_IN_FIXTURE_CITY = {"complaint_repeat"}


def run_migrate(url: str, *args: str) -> str:
    """``python -m data_access migrate`` on ``url`` (given as DASHBOARD_DB_URL): stdout."""
    result = subprocess.run([sys.executable, "-m", "data_access", "migrate", *args],
                            cwd=PROJECT_ROOT, env={**os.environ, DB_URL_ENV: url},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def columns_by_table(engine) -> dict[str, list[str]]:
    """The application's tables in the database and their columns, as reflected."""
    inspector = inspect(engine)
    return {name: [column["name"] for column in inspector.get_columns(name)]
            for name in inspector.get_table_names() if name != "alembic_version"}


def table_rows(engine, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of each table (only the given columns), in a stable order."""
    reflected = MetaData()
    reflected.reflect(engine, only=list(columns))
    rows = {}
    with engine.connect() as conn:
        for name, names in columns.items():
            selected = [reflected.tables[name].c[column] for column in names]
            rows[name] = conn.execute(select(*selected).order_by(*selected)).all()
    return rows


def build_city_at_any_revision(engine, *, demo_flag: bool = False) -> None:
    """The fixture city, built by the current code in a database at any revision. Its
    summary refresh also writes the tables and summary columns of later revisions:
    missing ones exist only while it runs."""
    present = columns_by_table(engine)
    missing = [metadata.tables[name] for name in sorted(NEW_TABLES - set(present))]
    missing_columns = [(table, column) for table, columns in NEW_SUMMARY_COLUMNS.items()
                       for column in columns if column not in present[table]]
    for table in missing:
        table.create(engine)
    with engine.begin() as conn:
        operations = Operations(MigrationContext.configure(conn))
        for table, column in missing_columns:
            operations.add_column(table, Column(column, Integer, nullable=False,
                                                server_default="0"))
    build_fixture_city(engine, demo_flag=demo_flag)
    with engine.begin() as conn:
        operations = Operations(MigrationContext.configure(conn))
        for table, column in missing_columns:
            with operations.batch_alter_table(table) as batch:
                batch.drop_column(column)
    for table in missing:
        table.drop(engine)


def fill_at_first_revision(engine) -> None:
    """The fixture city plus two import log entries, written by the current code into a
    database at revision 0001 (bulk_insert only names the columns it is given)."""
    build_city_at_any_revision(engine)
    with engine.begin() as conn:
        bulk_insert(conn, import_log, [
            {"imported_at": dt.datetime(2024, 12, 1, 9, 30), "imported_by": "clerk",
             "file_name": "fees.xlsx", "file_sha256": "a" * 64, "table_name": "fees",
             "rows_inserted": 6, "rows_updated": 1, "rows_unchanged": 2, "rows_rejected": 0,
             "status": "imported"},
            {"imported_at": dt.datetime(2024, 12, 2, 10, 0), "imported_by": None,
             "file_name": "bad.csv", "file_sha256": "b" * 64, "table_name": "complaints",
             "rows_inserted": 0, "rows_updated": 0, "rows_unchanged": 0, "rows_rejected": 3,
             "status": "rejected"},
        ])


def assert_expected_kpis(engine) -> None:
    """The hand-computed figures of tests/fixture_city.EXPECTED."""
    for (period, district, street), expected in EXPECTED.items():
        values = queries.kpis(engine, Scope.everything(), Filters(period, district, street)).values
        for key, value in expected.items():
            if value is None or isinstance(value, str):
                assert values[key] == value, (period, district, street, key)
            else:
                assert values[key] == pytest.approx(value, abs=1e-12), (period, key)


def test_head_revision_constant_is_the_head_of_the_versions():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == HEAD_REVISION
    assert [rev.revision for rev in script.walk_revisions()][-1] == BASELINE_REVISION


def test_database_at_first_revision_upgrades_with_its_data(blank_db_url):
    engine = make_engine(blank_db_url, create=False)
    migrate(engine, BASELINE_REVISION)
    old_columns = columns_by_table(engine)
    assert set(old_columns) == BASELINE_TABLES
    assert not NEW_IMPORT_LOG_COLUMNS & set(old_columns["import_log"])
    fill_at_first_revision(engine)
    before = table_rows(engine, old_columns)
    assert {name for name, rows in before.items() if not rows} == EMPTY_IN_FIXTURE_CITY
    assert len(before["import_log"]) == 2
    engine.dispose()

    assert f"schema revision 0001 -> {HEAD_REVISION}" in run_migrate(blank_db_url)

    engine = make_engine(blank_db_url)
    with engine.connect() as conn:
        assert schema_revision(conn) == HEAD_REVISION
    assert table_rows(engine, old_columns) == before
    new_values = table_rows(engine, {"import_log": sorted(NEW_IMPORT_LOG_COLUMNS)})
    assert new_values["import_log"] == [(None, None), (None, None)]
    assert_expected_kpis(engine)
    # The upgrade filled the new summaries as a refresh does (the fixture city has one
    # 不合格 project-quarter: E3 in 2024-Q1).
    new_tables = {name: columns_by_table(engine)[name] for name in NEW_TABLES}
    new_tables["project_quarter"] = ["estate_id", "quarter", *NEW_SUMMARY_COLUMNS[
        "project_quarter"]]
    migrated = table_rows(engine, new_tables)
    assert all(migrated[name] for name in NEW_TABLES)
    assert [row for row in migrated["project_quarter"] if row[2]] == [(3, "2024-Q1", 1)]
    with engine.begin() as conn:
        refresh_summaries(conn)
    assert table_rows(engine, new_tables) == migrated
    engine.dispose()


def test_database_made_before_migrations_is_stamped_and_upgraded(blank_db_url, capsys):
    engine = make_engine(blank_db_url, create=False)
    migrate(engine, BASELINE_REVISION)
    with engine.begin() as conn:
        Table("alembic_version", MetaData(), autoload_with=conn).drop(conn)
    fill_at_first_revision(engine)
    old_columns = columns_by_table(engine)
    before = table_rows(engine, old_columns)
    engine.dispose()

    # The command in-process (the subprocess run is the test above): same code, less time.
    assert cli.main(["--db", blank_db_url, "migrate"]) == 0
    assert (f"unversioned (made before migrations, matches 0001) -> {HEAD_REVISION}"
            in capsys.readouterr().out)

    engine = make_engine(blank_db_url)
    assert table_rows(engine, old_columns) == before
    assert set(columns_by_table(engine)["import_log"]) >= NEW_IMPORT_LOG_COLUMNS
    assert_expected_kpis(engine)
    engine.dispose()
    assert cli.main(["--db", blank_db_url, "migrate"]) == 0
    assert f"schema already at revision {HEAD_REVISION}" in capsys.readouterr().out


def test_make_engine_upgrades_sqlite_itself_and_asks_postgresql_admins(blank_db_url):
    engine = make_engine(blank_db_url, create=False)
    migrate(engine, BASELINE_REVISION)
    engine.dispose()
    if blank_db_url.startswith("sqlite"):
        upgraded = make_engine(blank_db_url)
        assert NEW_IMPORT_LOG_COLUMNS <= set(columns_by_table(upgraded)["import_log"])
        upgraded.dispose()
        return
    with pytest.raises(SchemaError, match="python -m data_access migrate"):
        make_engine(blank_db_url)
    with engine.connect() as conn:
        assert schema_revision(conn) == BASELINE_REVISION
    engine.dispose()


def test_partial_schema_is_refused(blank_db_url):
    engine = make_engine(blank_db_url, create=False)
    metadata.tables["district"].create(engine)
    with pytest.raises(SchemaError, match="not these: assessment, community"):
        migrate(engine)
    assert set(columns_by_table(engine)) == {"district"}
    engine.dispose()


def test_migrations_at_head_match_schema_py(blank_db_url):
    engine = make_engine(blank_db_url)
    changed = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["import_log"].append_column(Column("unmigrated", Integer))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        # The comparison sees a column schema.py would add without a migration.
        differences = compare_metadata(context, changed)
    assert [(d[0], d[2], d[3].name) for d in differences] == [
        ("add_column", "import_log", "unmigrated")]
    engine.dispose()


def test_downgrade_to_first_revision_and_back(blank_db_url):
    engine = make_engine(blank_db_url)
    fill_at_first_revision(engine)
    with engine.begin() as conn:
        conn.execute(import_log.update().values(seconds=1.5, summary_refresh="full"))
    kept = {name: columns for name, columns in columns_by_table(engine).items()
            if name not in NEW_TABLES}
    kept["import_log"] = [c for c in kept["import_log"] if c not in NEW_IMPORT_LOG_COLUMNS]
    for table, columns in NEW_SUMMARY_COLUMNS.items():
        kept[table] = [c for c in kept[table] if c not in columns]
    before = table_rows(engine, kept)

    result = migrate(engine, BASELINE_REVISION)
    assert (result.before, result.after) == (HEAD_REVISION, BASELINE_REVISION)
    assert not NEW_IMPORT_LOG_COLUMNS & set(columns_by_table(engine)["import_log"])
    assert not NEW_TABLES & set(columns_by_table(engine))
    assert table_rows(engine, kept) == before

    migrate(engine)
    assert table_rows(engine, {"import_log": sorted(NEW_IMPORT_LOG_COLUMNS)})[
        "import_log"] == [(None, None), (None, None)]
    assert table_rows(engine, kept) == before
    engine.dispose()


def test_app_explains_an_out_of_date_shared_database(monkeypatch):
    """On a PostgreSQL database at an older revision the app shows the upgrade command,
    not a traceback, and works once the database is migrated."""
    from tests.apptest_support import APP, app_database
    from tests.pg_support import fresh_database
    from streamlit.testing.v1 import AppTest

    with fresh_database("stale") as url:
        engine = make_engine(url, create=False)
        migrate(engine, BASELINE_REVISION)
        build_city_at_any_revision(engine, demo_flag=True)
        engine.dispose()
        with app_database(url, monkeypatch):
            stale = AppTest.from_file(str(APP), default_timeout=60)
            stale.query_params["lang"] = "en"
            stale.run()
            assert not stale.exception
            assert [e.value for e in stale.error] == [
                "The database's schema is older than this version needs. An administrator "
                "should back up the database, then run `python -m data_access migrate` to "
                "upgrade it (the data is kept)."]
            assert not stale.metric  # the page itself did not run
            run_migrate(url)
            migrated = AppTest.from_file(str(APP), default_timeout=60)
            migrated.query_params["lang"] = "en"
            migrated.run()
            assert not migrated.exception and not migrated.error
            assert len(migrated.metric) >= 3


#: What revision 0006 adds and fills, by table (the columns compared).
REVISION_0006_FILLS = {
    "project_quarter": ["estate_id", "quarter", "unqualified_run"],
    "company_quarter": ["quarter", "company_id", "projects", "score_weighted", "score_weight",
                        "unqualified_run"],
    "company_district_year": ["year", "district_id", "company_id", "household_months",
                              "complaints", "households_billed", "respondents_year"],
    "estate_year": ["year", "street_id", "estate_id", "household_months", "complaints"],
    "project_year": ["year", "estate_id", "street_id", "quarters", "score_weighted",
                     "score_weight", "last_quarter", "last_company_id"],
}


def test_revision_0006_fills_what_a_refresh_writes(blank_db_url):
    """On the test-scale demo (long runs of 不合格 quarters, projects and companies),
    going back to 0005 and up again gives the very rows the refresh wrote."""
    engine = make_engine(blank_db_url)
    build_demo(engine, scale="test", seed=7, end_month="2020-12")
    refreshed = table_rows(engine, REVISION_0006_FILLS)
    runs = [row[-1] for row in refreshed["project_quarter"]]
    company_runs = [row[-1] for row in refreshed["company_quarter"]]
    assert max(runs) >= 5 and max(company_runs) >= 3
    assert all(refreshed[name] for name in REVISION_0006_FILLS)

    assert migrate(engine, "0005").after == "0005"
    assert "unqualified_run" not in columns_by_table(engine)["project_quarter"]
    migrate(engine)
    assert table_rows(engine, REVISION_0006_FILLS) == refreshed
    engine.dispose()
