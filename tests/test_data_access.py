"""Data access on each backend (SQLite file, PostgreSQL): creation, configuration, scope,
summaries, privacy."""

import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select

from data_access import config, queries
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.schema import complaint, estate_month, personal_columns, street_month
from data_access.summary import refresh_summaries
from tests.fixture_city import D1, D2, S1, S3, build_fixture_city

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_file_created_with_its_directories(tmp_path):
    path = tmp_path / "nested" / "dir" / "new.sqlite"
    make_engine(f"sqlite:///{path}").dispose()
    assert path.exists()


def test_schema_created_on_first_run(blank_db_url):
    engine = make_engine(blank_db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"estate", "complaint", "estate_month", "street_month", "meta"} <= tables
    assert queries.data_months(engine) is None
    assert queries.default_period(engine) is None
    engine.dispose()


def test_database_url_precedence(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv(config.DB_URL_ENV, raising=False)
    assert config.database_url() == f"sqlite:///{config.DEFAULT_SQLITE_PATH}"
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[database]\nurl = "sqlite:////from/secrets.sqlite"\n')
    assert config.database_url() == "sqlite:////from/secrets.sqlite"
    monkeypatch.setenv(config.DB_URL_ENV, "postgresql+psycopg://u@h/db")
    assert config.database_url() == "postgresql+psycopg://u@h/db"


def test_street_scope_only_sees_its_street(fixture_engine):
    scope = Scope(street_codes=frozenset({S1}))
    result = queries.kpis(fixture_engine, scope, Filters("2024"))
    assert result.values["payment_rate"] == pytest.approx(420 / 600)
    assert result.values["complaint_rate"] == pytest.approx(3 / 400)
    assert list(queries.list_districts(fixture_engine, scope)["code"]) == [D1]
    assert list(queries.list_streets(fixture_engine, scope)["code"]) == [S1]
    by_area = queries.kpis_by_area(fixture_engine, scope, Filters("2024"))
    assert list(by_area["code"]) == [D1]
    assert by_area.loc[0, "payment_rate"] == pytest.approx(420 / 600)


def test_filters_cannot_widen_the_scope(fixture_engine):
    scope = Scope(street_codes=frozenset({S3}))
    outside = queries.kpis(fixture_engine, scope, Filters("2024", district=D1))
    assert not outside.has_data
    assert all(value is None for value in outside.values.values())
    inside = queries.kpis(fixture_engine, Scope(district_codes=frozenset({D2})), Filters("2024"))
    assert inside.values["satisfaction_rate"] == pytest.approx(30 / 40)
    assert inside.values["unmanaged_estates"] == 1


def test_breakdown_by_street_within_a_district(fixture_engine):
    frame = queries.kpis_by_area(fixture_engine, Scope.everything(), Filters("2024", D1))
    assert list(frame["level"].unique()) == ["street"]
    rates = dict(zip(frame["code"], frame["complaint_rate"]))
    assert rates[S1] == pytest.approx(3 / 400)
    assert rates["371002002"] == pytest.approx(2 / 200)


def test_series_by_quarter_and_year(fixture_engine):
    quarters = queries.kpi_series(fixture_engine, Scope.everything(), None, "quarter")
    assert list(quarters["bucket"]) == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert list(quarters["complaints"]) == [2, 1, 2, 1]
    assert quarters.loc[0, "payment_rate"] == pytest.approx(320 / 400)
    years = queries.kpi_series(fixture_engine, Scope.everything(), None, "year")
    assert years.loc[0, "satisfaction_rate"] == pytest.approx(55 / 80)


def test_summaries_match_raw_tables(fixture_engine):
    with fixture_engine.connect() as conn:
        raw = conn.execute(select(func.count()).select_from(complaint)).scalar()
        summed = conn.execute(select(func.sum(street_month.c.complaints))).scalar()
        estate_rows = conn.execute(select(func.count()).select_from(estate_month)).scalar()
    assert raw == summed == 6
    assert estate_rows == 4 * 12


def test_refresh_is_repeatable(blank_db_url):
    engine = make_engine(blank_db_url)
    build_fixture_city(engine)
    first = queries.kpis(engine, Scope.everything(), Filters("2024")).values
    with engine.begin() as conn:
        refresh_summaries(conn)
        refresh_summaries(conn)
    assert queries.kpis(engine, Scope.everything(), Filters("2024")).values == first
    engine.dispose()


def test_phone_numbers_are_marked_personal_and_never_read(fixture_engine):
    assert [f"{c.table.name}.{c.name}" for c in personal_columns()] == [
        "complaint.complainant_phone"]
    statements: list[str] = []
    event.listen(fixture_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    scope, filters = Scope.everything(), Filters("2024", D1)
    queries.kpis(fixture_engine, scope, filters)
    queries.kpi_series(fixture_engine, scope, filters, "month")
    queries.kpis_by_area(fixture_engine, scope, filters)
    queries.area_names(fixture_engine, scope, "zh")
    queries.milestones(fixture_engine)
    queries.get_meta(fixture_engine)
    assert statements
    assert not [s for s in statements if "complainant_phone" in s or "FROM complaint" in s]


def test_no_sql_built_from_strings():
    pattern = re.compile(r"""(text|exec_driver_sql|execute)\(\s*f["']|\.format\(|%\s*\(""")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "data_access").glob("*.py")
                 if pattern.search(path.read_text())]
    assert offenders == []


def test_pages_hold_no_sql():
    for path in (ROOT / "pages").glob("*.py"):
        source = path.read_text()
        assert "sqlalchemy" not in source and "select(" not in source, path
        assert ".groupby(" not in source, path


def test_estate_without_contract_history_keeps_its_current_mode(blank_db_url):
    from sqlalchemy import insert

    from data_access.schema import estate

    engine = make_engine(blank_db_url)
    build_fixture_city(engine)
    with engine.begin() as conn:
        conn.execute(insert(estate).values(
            id=5, code="E5", name="新建小区", households=500, management_mode="professional",
            company_id=2, owners_committee=False, party_org=False, smart_star=0, street_id=3))
        refresh_summaries(conn)
    values = queries.kpis(engine, Scope.everything(), Filters("2024-Q1")).values
    # March: E1, E3 and the new E5 managed of five estates
    assert values["coverage_rate"] == pytest.approx(3 / 5)
    with engine.connect() as conn:
        companies = set(conn.execute(select(estate_month.c.company_id).where(
            estate_month.c.estate_id == 5)).scalars())
    assert companies == {2}
    engine.dispose()
