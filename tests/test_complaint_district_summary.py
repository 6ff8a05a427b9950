"""The complaints reads that skip the per-estate tables give the frames of the reads that
do not, on the fixture city (tests/fixture_city.py, complaints K1–K6), on each backend:

* ``complaint_sums`` and ``category_month_matrix`` read ``complaint_district_month`` when
  scope ∩ area is whole districts — the same frames as ``complaint_street_month`` and
  ``complaint_month``;
* ``estate_ranking`` counts complaints from ``estate_month`` without a category or
  channel selection — the same frame as counting them from ``complaint_month``;
* ``open_complaints`` gives the same total with a short list as with the whole list.

K1–K6 in 2024 (S1, S2 in district D1; S3 in D2):

====  ======  ======  =============  ===========  ===========
code  estate  street  channel        category     month
====  ======  ======  =============  ===========  ===========
K1    E1      S1      tv             elevators    2024-09
K2    E1      S1      hotline        fees         2024-09
K3    E2      S1      app            parking      2024-03
K4    E4      S3      walk_in        water_leaks  2024-02
K5    E3      S2      street_office  noise        2024-05
K6    E3      S2      hotline        cleaning     2024-11
====  ======  ======  =============  ===========  ===========
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from sqlalchemy import event

from data_access import complaints
from data_access.complaints import Selection, category_month_matrix, complaint_sums
from data_access.filters import Filters, Scope
from tests.fixture_city import D1, D2, S1, S2, S3

EVERYTHING = Scope.everything()
BYS = ((), ("category",), ("channel",), ("resolved_level",), ("month",), ("category", "month"),
       ("category", "channel"), ("estate_id",))
SELECTIONS = (None, Selection(category="fees"), Selection(channel="hotline"),
              Selection(month="2024-09"), Selection(category="noise", month="2024-05"))
#: (scope, filters): whole districts (the roll-up serves them) and streets (it does not).
VIEWS = ((EVERYTHING, Filters("2024")), (EVERYTHING, Filters("2024", D1)),
         (EVERYTHING, Filters("2024-Q3", D2)), (Scope(district_codes=frozenset({D1})),
                                                 Filters("2024")),
         (EVERYTHING, Filters("2024", D1, S1)), (Scope(street_codes=frozenset({S1, S3})),
                                                  Filters("2024")))


@pytest.fixture()
def tables_read(fixture_engine):
    """The SQL statements the engine runs from now on (their text, lower case)."""
    statements: list[str] = []

    def remember(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement.lower())

    event.listen(fixture_engine, "before_cursor_execute", remember)
    yield statements
    event.remove(fixture_engine, "before_cursor_execute", remember)


def test_sums_equal_on_every_path(fixture_engine):
    for by, selection, (scope, filters) in itertools.product(BYS, SELECTIONS, VIEWS):
        what = f"{by} {selection} {scope} {filters}"
        chosen = complaint_sums(fixture_engine, scope, filters, selection, by)
        by_street = complaint_sums(fixture_engine, scope, filters, selection, by,
                                   use_district_rollup=False)
        by_estate = complaint_sums(fixture_engine, scope, filters, selection, by,
                                   use_street_summary=False)
        pd.testing.assert_frame_equal(chosen, by_estate, obj=what)
        pd.testing.assert_frame_equal(by_street, by_estate, obj=what)


def test_whole_districts_read_the_district_rollup(fixture_engine, tables_read):
    complaint_sums(fixture_engine, EVERYTHING, Filters("2024", D1), None, ("channel",))
    category_month_matrix(fixture_engine, EVERYTHING, Filters("2024"))
    assert tables_read and all("from complaint_district_month" in sql for sql in tables_read)
    tables_read.clear()
    complaint_sums(fixture_engine, EVERYTHING, Filters("2024", D1, S1), None, ("channel",))
    complaint_sums(fixture_engine, Scope(street_codes=frozenset({S1})), Filters("2024"))
    assert tables_read and all("from complaint_street_month" in sql for sql in tables_read)
    tables_read.clear()
    complaint_sums(fixture_engine, EVERYTHING, Filters("2024"), Selection(category="fees"),
                   ("channel",))
    assert tables_read and all("from complaint_month" in sql for sql in tables_read)


def test_district_rollup_figures(fixture_engine):
    """Hand-counted (the comparison above proves the paths agree; these the figures)."""
    channels = complaint_sums(fixture_engine, EVERYTHING, Filters("2024", D1), None,
                              ("channel",))
    # D1: K1 tv, K2 hotline, K3 app (S1); K5 street_office, K6 hotline (S2).
    assert dict(zip(channels["channel"], channels["complaints"])) == {
        "app": 1, "hotline": 2, "street_office": 1, "tv": 1}
    resolved = complaint_sums(fixture_engine, EVERYTHING, Filters("2024"))
    # K1, K3, K4, K6 resolved of six.
    assert resolved[["complaints", "complaints_resolved"]].values.tolist() == [[6, 4]]
    assert complaint_sums(fixture_engine, EVERYTHING, Filters("2024-01")).empty


def test_matrix_equals_the_pivot_of_complaint_month(fixture_engine):
    for selection, (scope, filters) in itertools.product(SELECTIONS, VIEWS):
        own = selection.without("month") if selection is not None else None
        sums = complaint_sums(fixture_engine, scope, filters, own, ("category", "month"),
                              use_street_summary=False)
        for paths in ({}, {"use_district_rollup": False}, {"use_street_summary": False}):
            matrix = category_month_matrix(fixture_engine, scope, filters, selection, **paths)
            if sums.empty:
                assert matrix.empty
                continue
            expected = sums.pivot_table(index="category", columns="month",
                                        values="complaints", aggfunc="sum", fill_value=0)
            pd.testing.assert_frame_equal(matrix, expected,
                                          obj=f"{selection} {scope} {filters} {paths}")


def test_matrix_figures(fixture_engine):
    matrix = category_month_matrix(fixture_engine, EVERYTHING, Filters("2024", D1))
    assert list(matrix.index) == ["cleaning", "elevators", "fees", "noise", "parking"]
    assert list(matrix.columns) == ["2024-03", "2024-05", "2024-09", "2024-11"]
    assert matrix.loc["fees"].tolist() == [0, 0, 1, 0]       # K2
    assert int(matrix.to_numpy().sum()) == 5                  # K1 K2 K3 K5 K6
    assert category_month_matrix(fixture_engine, EVERYTHING, Filters("2024-01")).empty


def test_ranking_equals_counting_complaint_month(fixture_engine):
    for selection, (scope, filters), threshold in itertools.product(
            SELECTIONS, VIEWS, (100, 250)):
        fast = complaints.estate_ranking(fixture_engine, scope, filters, selection, threshold)
        slow = complaints.estate_ranking(fixture_engine, scope, filters, selection, threshold,
                                         use_estate_month=False)
        pd.testing.assert_frame_equal(fast, slow, obj=f"{selection} {scope} {filters}")


def test_ranking_figures(fixture_engine, tables_read):
    ranking = complaints.estate_ranking(fixture_engine, EVERYTHING, Filters("2024", D1))
    assert tables_read and not any("complaint_month" in sql for sql in tables_read)
    assert any("estate_year" in sql for sql in tables_read)   # a whole year: its sums
    # D1 over 12 months: E1 2 complaints / 100 households (20 per 1,000 a year), E3 2 / 200,
    # E2 1 / 300.
    assert list(ranking["code"]) == ["E1", "E3", "E2"]
    assert ranking["complaints"].tolist() == [2.0, 2.0, 1.0]
    assert ranking["household_months"].tolist() == [1200.0, 2400.0, 3600.0]
    assert [round(v, 2) for v in ranking["complaints_per_1000"]] == [20.0, 10.0, 3.33]
    assert ranking["rank"].tolist() == [1.0, 2.0, 3.0]
    # Names looked up by street and company (E1, E3: C1; E2: C2).
    assert ranking[["street_code", "street_name_en"]].values.tolist() == [
        [S1, "Haibin"], [S2, "Qingshan"], [S1, "Haibin"]]
    assert ranking["company_name"].tolist() == ["威海安居物业服务有限公司",
                                                "威海安居物业服务有限公司",
                                                "威海海岸物业服务有限公司"]
    september = complaints.estate_ranking(fixture_engine, EVERYTHING, Filters("2024"),
                                          Selection(month="2024-09"), min_households=250)
    # E2 and E4 had none (tie: by code); E1 (K1, K2) and E3 are too small to rank at 250
    # households: listed after the ranked ones, by rate too.
    assert list(september["code"]) == ["E2", "E4", "E1", "E3"]
    assert september["complaints"].tolist() == [0.0, 0.0, 2.0, 0.0]
    assert september["rank"].tolist()[:2] == [1.0, 2.0]
    assert september["rank"].iloc[2:].isna().all()
    assert september.loc[1, "company_name"] is None  # E4, self-managed: no company


def test_open_total_does_not_depend_on_the_list_length(fixture_engine):
    # As of 2024-12-31 K2 (E1, S1) and K5 (E3, S2) are open past their deadline.
    for scope, filters in VIEWS:
        whole, total = complaints.open_complaints(fixture_engine, scope, filters, limit=None)
        first, same_total = complaints.open_complaints(fixture_engine, scope, filters, limit=1)
        assert total == same_total == len(whole)
        # (a column of one missing answer time gets a coarser datetime unit than a full one)
        pd.testing.assert_frame_equal(first, whole.head(1), check_dtype=False)
    rows, total = complaints.open_complaints(fixture_engine, EVERYTHING, Filters("2024", D1),
                                             limit=1)
    assert list(rows["code"]) == ["K5"] and total == 2
    with pytest.raises(ValueError):
        complaints.open_complaints(fixture_engine, EVERYTHING, Filters("2024"), limit=0)
