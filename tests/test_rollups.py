"""The district roll-ups (data_access.rollups) and the grades readers that use them, on each
backend:

* every roll-up table holds exactly the sums pandas computes from the summary table below
  it (fixture city and test-scale demo);
* every grades reader with a ``rollup=`` keyword gives the same frame from the roll-ups as
  from the estate-level tables, for whole-city and one-district scopes and filters, and
  really reads the roll-ups: with the estate-level rows deleted it still answers;
* ``rollups.serves`` / ``district_area_clause`` refuse streets;
* ``project_runs_at`` cuts out the same 不合格 runs as marking the whole history;
* one roll-up row worked out by hand from tests/fixture_city.py.

Fixture city (tests/fixture_city.py): districts D1 (streets S1, S2) and D2 (S3); the only
assessments are of 2024-Q1 — E1 (C1, 100 households; street 92 and owners 80 in every
dimension, assessor weights 0.25/0.25 → 86) and E3 (its company in Q1 is C2, 200
households; street 70 → 70). E4 (D2) is self-managed: D2 has no company at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select, text

from data_access import grades, rollups
from data_access.demo import build_demo
from data_access.engine import make_engine
from data_access.filters import Filters, Scope, district_area_clause
from data_access.schema import (
    COMPLAINT_STREET_SUM_COLUMNS,
    ROLLUP_TABLES,
    SUMMARY_SUM_COLUMNS,
    company_district_quarter,
    district,
    estate_month,
    project_quarter,
)
from tests.conftest import blank_database, database_copy
from tests.fixture_city import D1, D2, S1, build_fixture_city
from tests.pg_support import fresh_database, require_postgres

EVERYTHING = Scope.everything()
DEMO_END_MONTH = "2020-12"
#: Management modes that count as professionally managed (DOMAIN.md: a company or a street
#: bundle), written out here rather than taken from the code under test.
MANAGED = ("professional", "bundle")


@pytest.fixture(scope="module")
def demo_url(db_backend, tmp_path_factory) -> Iterator[str]:
    """The test-scale demo (2019-01..2020-12, several districts, many 不合格 runs), built
    once per backend and only read."""
    with blank_database(db_backend, tmp_path_factory.mktemp("rollups")) as url:
        engine = make_engine(url)
        build_demo(engine, scale="test", seed=7, end_month=DEMO_END_MONTH)
        engine.dispose()
        yield url


@pytest.fixture()
def demo_engine(demo_url) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=("fixture", "demo"))
def city(request, db_backend) -> Engine:
    """The fixture city or the test-scale demo (an engine on it), on each backend."""
    return request.getfixturevalue("fixture_engine" if request.param == "fixture"
                                   else "demo_engine")


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn)


def district_codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(district.c.code)).scalars())


def assert_same_rows(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Same rows (in key order), every column, floats to 1e-9 relative."""
    assert not expected.empty
    assert sorted(actual.columns) == sorted(expected.columns)
    columns = list(expected.columns)
    pd.testing.assert_frame_equal(
        actual[columns].sort_values(keys).reset_index(drop=True),
        expected[columns].sort_values(keys).reset_index(drop=True),
        check_dtype=False, check_exact=False, rtol=1e-9)


# --- 1. the roll-ups hold the sums of the tables below them ---------------------------------


def test_company_district_month_sums_estate_month(city):
    months = read_table(city, "estate_month")
    months = months[months["company_id"].notna()].copy()
    months["managed"] = months["management_mode"].isin(MANAGED).astype(int)
    months["managed_households"] = months["managed"] * months["households"]
    months["unmanaged"] = 1 - months["managed"]
    keys = ["company_id", "district_id", "month", "year"]
    expected = (months.groupby(keys)
                .agg(estates=("estate_id", "size"), households=("households", "sum"),
                     managed_estates=("managed", "sum"),
                     managed_households=("managed_households", "sum"),
                     unmanaged_estates=("unmanaged", "sum"),
                     committee_estates=("has_committee", "sum"),
                     **{name: (name, "sum") for name in SUMMARY_SUM_COLUMNS})
                .reset_index())
    expected["company_id"] = expected["company_id"].astype(int)
    assert_same_rows(read_table(city, "company_district_month"), expected, keys)


def test_company_district_year_sums_company_district_month(city):
    months = read_table(city, "company_district_month")
    keys = ["year", "district_id", "company_id"]
    expected = (months.groupby(keys)
                .agg(household_months=("households", "sum"),
                     **{name: (name, "sum") for name in SUMMARY_SUM_COLUMNS})
                .reset_index())
    assert_same_rows(read_table(city, "company_district_year"), expected, keys)


def test_estate_year_sums_estate_month(city):
    months = read_table(city, "estate_month")
    keys = ["year", "street_id", "estate_id"]
    expected = (months.groupby(keys)
                .agg(household_months=("households", "sum"), complaints=("complaints", "sum"))
                .reset_index())
    assert_same_rows(read_table(city, "estate_year"), expected, keys)


def test_project_year_sums_project_quarter(city):
    projects = read_table(city, "project_quarter")
    projects = projects.assign(year=projects["quarter"].str[:4].astype(int),
                               score_weighted=projects["households"] * projects["score"])
    keys = ["year", "estate_id", "street_id"]
    expected = (projects.sort_values("quarter").groupby(keys)
                .agg(quarters=("quarter", "size"), score_weighted=("score_weighted", "sum"),
                     score_weight=("households", "sum"), last_quarter=("quarter", "last"),
                     # the last quarter's company, None too ("last" skips None)
                     last_company_id=("company_id", lambda company: company.iloc[-1]))
                .reset_index())
    assert_same_rows(read_table(city, "project_year"), expected, keys)


def _project_sums(projects: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    projects = projects.assign(score_weighted=projects["households"] * projects["score"])
    return (projects.groupby(keys)
            .agg(projects=("estate_id", "size"), score_weighted=("score_weighted", "sum"),
                 score_weight=("households", "sum"))
            .reset_index())


def test_company_district_quarter_sums_project_quarter(city):
    projects = read_table(city, "project_quarter")
    projects = projects[projects["company_id"].notna()]
    expected = _project_sums(projects, ["company_id", "district_id", "quarter"])
    expected["company_id"] = expected["company_id"].astype(int)
    assert_same_rows(read_table(city, "company_district_quarter"), expected,
                     ["company_id", "district_id", "quarter"])


def test_company_quarter_sums_the_districts(city):
    districts = read_table(city, "company_district_quarter")
    keys = ["quarter", "company_id"]
    expected = districts.groupby(keys)[["projects", "score_weighted", "score_weight"]].sum()
    stored = read_table(city, "company_quarter")
    assert_same_rows(stored.drop(columns="unqualified_run"), expected.reset_index(), keys)


def test_stored_company_runs_match_marking_the_whole_history(demo_engine):
    marked = grades.mark_key_supervision(grades.company_quarters(demo_engine, EVERYTHING),
                                         "company_id")
    stored = read_table(demo_engine, "company_quarter")
    assert dict(zip(zip(stored["company_id"], stored["quarter"]), stored["unqualified_run"])) \
        == dict(zip(zip(marked["company_id"], marked["quarter"]), marked["unqualified_run"]))
    assert stored["unqualified_run"].max() >= 3


def test_a_company_leaving_a_quarter_moves_its_later_runs(demo_url, tmp_path):
    """An incremental refresh of one quarter in which a company is no longer assessed
    recomputes that company's later runs too, and equals a full refresh."""
    dq = company_district_quarter
    with database_copy(demo_url, tmp_path) as url:
        engine = make_engine(url)
        try:
            stored = read_table(engine, "company_quarter")
            at = stored[stored["unqualified_run"] >= 3].iloc[0]
            company_id, quarter = int(at["company_id"]), at["quarter"]
            before = grades.quarter_key(grades.quarter_index(quarter) - 1)
            with engine.begin() as conn:
                conn.execute(delete(dq).where((dq.c.company_id == company_id)
                                              & (dq.c.quarter == before)))
                grades.refresh_company_quarters(conn, lambda column: column == before)
            incremental = read_table(engine, "company_quarter")
            runs = incremental.set_index(["company_id", "quarter"])["unqualified_run"]
            assert (company_id, before) not in runs.index
            assert runs[(company_id, quarter)] == 1
            with engine.begin() as conn:
                grades.refresh_company_quarters(conn)
            assert_same_rows(read_table(engine, "company_quarter"), incremental,
                             ["quarter", "company_id"])
        finally:
            engine.dispose()


def test_the_whole_citys_key_supervision_list_equals_marking_every_district(demo_engine):
    """Scope.everything reads the stored company runs; the same city as a scope of every
    district marks them from the quarterly sums: the same lists."""
    codes = district_codes(demo_engine)
    every_district = Scope(district_codes=frozenset(codes))
    listed = 0
    quarters = sorted(read_table(demo_engine, "company_quarter")["quarter"].unique())
    for period in (*quarters, "2019", "2020"):
        for filters in (Filters(period), Filters(period, codes[0])):
            stored = grades.key_supervision_lists(demo_engine, EVERYTHING, filters)
            marked = grades.key_supervision_lists(demo_engine, every_district, filters)
            assert stored[0] == marked[0]
            for ours, theirs in zip(stored[1:], marked[1:]):
                pd.testing.assert_frame_equal(ours, theirs, obj=f"{filters}")
            listed += len(stored[1])
    assert listed > 0


def test_street_quarter_sums_every_project_quarter(city):
    projects = read_table(city, "project_quarter")
    expected = _project_sums(projects, ["street_id", "quarter", "district_id"])
    assert_same_rows(read_table(city, "street_quarter"), expected,
                     ["street_id", "quarter"])


def test_complaint_district_month_sums_complaint_street_month(city):
    streets = read_table(city, "complaint_street_month")
    keys = ["dimension", "district_id", "month", "group_code"]
    expected = (streets.groupby(keys)[list(COMPLAINT_STREET_SUM_COLUMNS)].sum()
                .reset_index())
    assert_same_rows(read_table(city, "complaint_district_month"), expected, keys)


# --- 2. the grades readers give the same frames from the roll-ups ---------------------------


def _views(codes: list[str], periods: tuple[str, ...]) -> list[tuple[Scope, Filters | None]]:
    """(scope, filters) pairs the roll-ups serve: the whole city and one district's scope,
    without filters and with each period, with and without a district filter (the same
    district, and another one: an empty intersection)."""
    first, last = codes[0], codes[-1]
    views: list[tuple[Scope, Filters | None]] = []
    for scope in (EVERYTHING, Scope(district_codes=frozenset({first}))):
        views.append((scope, None))
        for period in periods:
            views += [(scope, Filters(period)), (scope, Filters(period, first)),
                      (scope, Filters(period, last))]
    return views


def reader_frames(engine: Engine, scope: Scope, filters: Filters | None,
                  rollup: bool) -> dict[str, object]:
    """What each grades reader with a ``rollup=`` keyword returns for the view."""
    period = filters.period_obj if filters is not None else None
    quarters = grades.quarters_of(period) if period is not None else None
    year = int(period.first_month[:4]) if period is not None else None
    first_month, last_month = ((period.first_month, period.last_month) if period is not None
                               else ("0000-01", "9999-12"))
    results: dict[str, object] = {
        "company_quarters": grades.company_quarters(engine, scope, filters, rollup=rollup),
        "company_quarters_in_period": grades.company_quarters(
            engine, scope, filters, quarters=quarters, rollup=rollup),
        "company_quarters_of_company_1": grades.company_quarters(
            engine, scope, filters, company_ids=[1], rollup=rollup),
        "latest_assessed_quarters": grades.latest_assessed_quarters(
            engine, scope, filters, rollup=rollup),
        "latest_two_up_to_period": grades.latest_assessed_quarters(
            engine, scope, filters, last=quarters[1] if quarters else None, count=2,
            rollup=rollup),
        # No ORDER BY in its contract: compared in key order.
        "overdue_by_company_year": grades.overdue_by_company_year(
            engine, scope, year, rollup=rollup).sort_values(["company_id", "year"])
        .reset_index(drop=True),
        "companies_in_area": grades.companies_in_area(engine, scope, filters, first_month,
                                                      last_month, rollup=rollup),
    }
    if filters is not None:
        results["company_period_components"] = grades.company_period_components(
            engine, scope, filters, rollup=rollup)
    return results


def assert_same_results(from_rollups: dict[str, object], from_estates: dict[str, object],
                        view) -> None:
    assert from_rollups.keys() == from_estates.keys()
    for name, rolled in from_rollups.items():
        expected = from_estates[name]
        if name == "company_period_components":
            pd.testing.assert_frame_equal(rolled[0], expected[0], rtol=1e-9, obj=name)
            assert rolled[1:] == expected[1:], (name, view)
        elif isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(rolled, expected, rtol=1e-9, obj=f"{name} {view}")
        else:
            assert rolled == expected, (name, view)


def test_readers_give_the_same_frames_from_the_rollups(city):
    codes = district_codes(city)
    with city.connect() as conn:
        last_year = conn.execute(select(estate_month.c.year).order_by(
            estate_month.c.year.desc()).limit(1)).scalar()
    periods = (str(last_year), f"{last_year}-Q1", f"{last_year}-03")
    non_empty = 0
    for scope, filters in _views(codes, periods):
        rolled = reader_frames(city, scope, filters, rollup=True)
        assert_same_results(rolled, reader_frames(city, scope, filters, rollup=False),
                            (scope, filters))
        non_empty += not rolled["company_quarters"].empty
    assert non_empty >= 2 * (1 + len(periods) * 2)


def test_rollup_readers_read_the_rollups(fixture_db_url, tmp_path):
    """With project_quarter and estate_month emptied after the roll-ups were built, the
    roll-up reads still give the whole frames; the estate-level reads (rollup=False, or a
    street scope or filter, which the roll-ups cannot serve) give nothing."""
    views = [(EVERYTHING, Filters("2024")), (EVERYTHING, Filters("2024-Q1", D1)),
             (Scope(district_codes=frozenset({D1})), Filters("2024-03"))]
    engine = make_engine(fixture_db_url)
    before = {view: reader_frames(engine, *view, rollup=True) for view in views}
    engine.dispose()
    with database_copy(fixture_db_url, tmp_path) as url:
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(delete(project_quarter))
                conn.execute(delete(estate_month))
            for view in views:
                rolled = reader_frames(engine, *view, rollup=True)
                assert_same_results(rolled, before[view], view)
                assert not rolled["company_quarters"].empty
                assert rolled["companies_in_area"] == {1, 2}
                assert rolled["company_period_components"][2] > 0
                estates = reader_frames(engine, *view, rollup=False)
                assert estates["company_quarters"].empty
                assert estates["latest_assessed_quarters"] == []
                assert estates["companies_in_area"] == set()
                assert estates["company_period_components"][2] == 0
            streets = (Scope(street_codes=frozenset({S1})), None), \
                (EVERYTHING, Filters("2024", D1, S1))
            for scope, filters in streets:
                assert grades.company_quarters(engine, scope, filters).empty
                assert grades.companies_in_area(engine, scope, filters,
                                                "2024-01", "2024-12") == set()
                assert grades.latest_assessed_quarters(engine, scope, filters) == []
            assert grades.overdue_by_company_year(engine, Scope(street_codes=frozenset({S1})),
                                                  2024).empty
        finally:
            engine.dispose()


# --- 3. which reads the roll-ups serve ------------------------------------------------------


@pytest.mark.parametrize(("scope", "filters", "served"), [
    (EVERYTHING, None, True),
    (EVERYTHING, Filters("2024"), True),
    (EVERYTHING, Filters("2024", D1), True),
    (Scope(district_codes=frozenset({D1})), Filters("2024-Q1", D2), True),
    (Scope(district_codes=frozenset({D1})), None, True),
    (Scope(street_codes=frozenset({S1})), None, False),
    (Scope(street_codes=frozenset({S1})), Filters("2024"), False),
    (Scope(district_codes=frozenset({D1}), street_codes=frozenset({S1})), None, False),
    (EVERYTHING, Filters("2024", D1, S1), False),
    (Scope(district_codes=frozenset({D1})), Filters("2024-03", None, S1), False),
])
def test_serves_whole_districts_only(scope, filters, served):
    assert rollups.serves(scope, filters) is served
    if served:
        district_area_clause(district.c.id, scope, filters)
    else:
        with pytest.raises(ValueError):
            district_area_clause(district.c.id, scope, filters)
        with pytest.raises(ValueError):
            rollups.area_condition(district.c.id, scope, filters)


# --- 4. project_runs_at --------------------------------------------------------------------


def _runs_at(marked: pd.DataFrame, quarter: str) -> set[tuple[int, str, int, bool]]:
    at = marked[(marked["quarter"] == quarter) & (marked["unqualified_run"] > 0)]
    return {(int(e), q, int(r), bool(k)) for e, q, r, k in
            at[["estate_id", "quarter", "unqualified_run", "key_supervision"]].itertuples(
                index=False)}


def test_project_runs_at_matches_the_whole_history(demo_engine):
    codes = district_codes(demo_engine)
    listed_somewhere = 0
    for scope, filters in ((EVERYTHING, None), (EVERYTHING, Filters("2020", codes[0])),
                           (Scope(district_codes=frozenset({codes[-1]})), None)):
        history = grades.mark_key_supervision(
            grades.project_quarters(demo_engine, scope, filters), "estate_id")
        quarters = sorted(history["quarter"].unique())
        assert len(quarters) >= 6
        for quarter in quarters:
            runs = grades.mark_key_supervision(
                grades.project_runs_at(demo_engine, scope, filters, quarter), "estate_id")
            expected = _runs_at(history, quarter)
            assert _runs_at(runs, quarter) == expected, (scope, filters, quarter)
            # every row it returns belongs to a run ending at the quarter
            assert set(runs["estate_id"]) == {e for e, *_ in expected}
            listed_somewhere += sum(listed for *_, listed in expected)
    assert listed_somewhere > 0


def test_stored_runs_and_the_key_supervision_list_match_the_whole_history(demo_engine):
    """project_quarter.unqualified_run equals marking every project's graded history;
    ``latest`` keeps a run's last quarters only; the list gives the whole run's quarters
    and its latest scores."""
    history = grades.mark_key_supervision(
        grades.project_quarters(demo_engine, EVERYTHING), "estate_id")
    with demo_engine.connect() as conn:
        stored = dict(((e, q), r) for e, q, r in conn.execute(select(
            project_quarter.c.estate_id, project_quarter.c.quarter,
            project_quarter.c.unqualified_run)))
    assert stored == {(int(e), q): int(r) for e, q, r in history[
        ["estate_id", "quarter", "unqualified_run"]].itertuples(index=False)}
    assert max(stored.values()) > grades.RUN_SCORES_SHOWN

    quarter = history["quarter"].max()
    listed = history[(history["quarter"] == quarter) & history["key_supervision"]]
    latest = grades.project_runs_at(demo_engine, EVERYTHING, None, quarter, 2, latest=3)
    expected_rows = {(int(e), grades.quarter_key(grades.quarter_index(quarter) - back))
                     for e, run in zip(listed["estate_id"], listed["unqualified_run"])
                     for back in range(min(int(run), 3))}
    assert set(zip(latest["estate_id"], latest["quarter"])) == expected_rows

    _, _, projects = grades.key_supervision_lists(demo_engine, EVERYTHING,
                                                  Filters(quarter))
    by_estate = history.set_index(["estate_id", "quarter"])["score"]
    assert sorted(projects["estate_id"]) == sorted(int(e) for e in listed["estate_id"])
    for row in projects.itertuples(index=False):
        run = int(listed.set_index("estate_id").loc[row.estate_id, "unqualified_run"])
        first = grades.quarter_index(quarter) - run + 1
        assert row.quarters == [grades.quarter_key(first + i) for i in range(run)]
        assert row.recent_scores == pytest.approx(
            [by_estate[(row.estate_id, q)] for q in row.quarters[-grades.RUN_SCORES_SHOWN:]])


def test_project_runs_at_on_the_fixture_city(fixture_engine):
    # E3 scored 70 (< 75) in 2024-Q1, its only assessed quarter: a run of one, not listed.
    runs = grades.mark_key_supervision(
        grades.project_runs_at(fixture_engine, EVERYTHING, None, "2024-Q1"), "estate_id")
    assert _runs_at(runs, "2024-Q1") == {(3, "2024-Q1", 1, False)}
    assert len(runs) == 1
    assert grades.project_runs_at(fixture_engine, EVERYTHING, Filters("2024", D2),
                                  "2024-Q1").empty
    assert grades.project_runs_at(fixture_engine, EVERYTHING, None, "2024-Q2").empty


# --- estate_period_scores against project_quarters ------------------------------------------


def test_estate_period_scores_fold_the_period_quarters(demo_engine):
    codes = district_codes(demo_engine)
    for scope, filters in ((EVERYTHING, Filters("2020")),
                           (Scope(district_codes=frozenset({codes[0]})), Filters("2019-Q3")),
                           (EVERYTHING, Filters("2020-05", codes[-1]))):
        first, last = grades.quarters_of(filters.period_obj)
        projects = grades.project_quarters(demo_engine, scope, filters, quarters=(first, last))
        assert not projects.empty
        latest = projects.sort_values("quarter").groupby("estate_id").tail(1)
        folded = projects.groupby("estate_id").agg(
            quarters=("quarter", "size"), weighted=("score_weighted", "sum"),
            weight=("score_weight", "sum")).reset_index()
        expected = folded.merge(latest[["estate_id", "company_id"]], on="estate_id")
        scores = grades.estate_period_scores(demo_engine, scope, filters)
        assert list(scores["estate_id"]) == sorted(expected["estate_id"])
        expected = expected.set_index("estate_id").loc[scores["estate_id"]]
        assert list(scores["quarters"]) == list(expected["quarters"])
        assert (scores["company_id"].fillna(-1).tolist()
                == expected["company_id"].fillna(-1).tolist())
        pd.testing.assert_series_equal(
            scores["score"].reset_index(drop=True),
            (expected["weighted"] / expected["weight"]).reset_index(drop=True),
            check_names=False, rtol=1e-9)


# --- 5. one roll-up row by hand ------------------------------------------------------------


def test_a_year_on_two_streets_folds_into_one_estate():
    """An estate with project_year rows on two streets (it moved in the year) gets their
    sums and the company of its latest quarter; other estates pass unchanged."""
    columns = ["estate_id", "company_id", "quarters", "score_weighted", "score_weight"]
    rows = pd.DataFrame(
        [(7, 2, 2, 300 * 80.0 * 2, 600, "2024-Q4"),     # street B, Q3–Q4, company 2
         (5, 1, 4, 100 * 90.0 * 4, 400, "2024-Q4"),
         (7, 1, 2, 300 * 70.0 * 2, 600, "2024-Q2")],    # street A, Q1–Q2, company 1
        columns=[*columns, "last"])
    folded = grades._fold_streets(rows, columns).set_index("estate_id")
    assert sorted(folded.index) == [5, 7]
    assert folded.loc[7].tolist() == [2, 4, 300 * 80.0 * 2 + 300 * 70.0 * 2, 1200]
    assert folded.loc[5].tolist() == [1, 4, 100 * 90.0 * 4, 400]


def test_company_district_quarter_row_by_hand(fixture_engine):
    rows = read_table(fixture_engine, "company_district_quarter").set_index(
        ["company_id", "district_id", "quarter"])
    # C1 (id 1) in D1 (id 1), 2024-Q1: E1 only (E3 was served by C2 until March);
    # E1 = (0.25 × 92 + 0.25 × 80) / (0.25 + 0.25) = 86 → 100 × 86.
    c1 = rows.loc[(1, 1, "2024-Q1")]
    assert int(c1["projects"]) == 1
    assert c1["score_weighted"] == pytest.approx(100 * 86)
    assert int(c1["score_weight"]) == 100
    # C2 (id 2) in D1, 2024-Q1: E3, 200 households, street 70 → 200 × 70.
    c2 = rows.loc[(2, 1, "2024-Q1")]
    assert (int(c2["projects"]), int(c2["score_weight"])) == (1, 200)
    assert c2["score_weighted"] == pytest.approx(200 * 70)
    assert len(rows) == 2
    graded = grades.company_quarters(fixture_engine, EVERYTHING)
    assert graded.set_index("company_id")["score"].to_dict() == pytest.approx({1: 86.0,
                                                                               2: 70.0})
    assert graded.set_index("company_id")["grade"].to_dict() == {1: "qualified",
                                                                 2: "unqualified"}


# --- planner statistics after a rebuild (PostgreSQL) ---------------------------------------

def test_a_rebuild_leaves_planner_statistics_on_postgresql():
    """A full refresh ends with ANALYZE on PostgreSQL: the planner knows the tables' real
    sizes at once instead of guessing until autovacuum comes round (reltuples is -1
    for a table never analysed)."""
    require_postgres()
    with fresh_database("test_rollups_analyze") as url:
        engine = make_engine(url)
        build_fixture_city(engine)
        with engine.connect() as conn:
            counts = {table.name: conn.execute(select(func.count()).select_from(table))
                      .scalar() for table in ROLLUP_TABLES}
            estimated = dict(conn.execute(
                text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
                {"names": list(counts)}).all())
        engine.dispose()
    assert all(counts.values())
    assert estimated == {name: pytest.approx(count) for name, count in counts.items()}
