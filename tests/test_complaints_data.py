"""Complaints, trends, estates and milestones data access on a small hand-made city.

The city is tests/fixture_city.py (K1–K6) plus three complaints added here, so that
repeats and an overdue December complaint exist. Every figure is worked out by hand:

====  ======  ==========  =========  ========  ===========  ============================
code  estate  received    channel    category  answered     resolved (level, satisfied)
====  ======  ==========  =========  ========  ===========  ============================
K1    E1      Mon 09-30   tv         elevators 10-09 (on t.) 10-12 estate, yes
K2    E1      Mon 09-30   hotline    fees      10-11 (late)  open
K3    E2      Mon 03-04   app        parking   03-07 (on t.) 03-10 community, no
K4    E4      Thu 02-08   walk_in    water_l.  02-19 (on t.) 02-20 street, yes
K5    E3      Mon 05-20   street_off noise     never         open
K6    E3      Tue 11-05   hotline    cleaning  11-06 (on t.) 11-07 estate, yes
K7    E1      Sun 10-20   tv         elevators 10-21 (on t.) 10-25 community, no — repeat of
                                                             K1 (20 days)
K8    E1      Mon 12-02   hotline    elevators never         open (K7 43 days before: no
                                                             repeat); due Thu 12-05
K9    E4      Fri 03-01   app        water_l.  03-04 (on t.) 03-05 estate, not rated —
                                                             repeat of K4 (22 days)
====  ======  ==========  =========  ========  ===========  ============================

2024, whole city (1,000 households × 12 months): 9 complaints → 9.0 per 1,000; on time
K1 K3 K4 K6 K7 K9 = 6/9; resolved the same 6/9; rated 5 (K1 K3 K4 K6 K7), satisfied 3
→ 60.0%; repeats K7, K9 = 2/9 = 22.2%. Resolved at estate K1 K6 K9 (3 = 50.0%),
community K3 K7 (2 = 33.3%), street K4 (1 = 16.7%).
Open past deadline as of 2024-12-31: K5 (due 05-23: 222 days), K2 (due 10-10: 82 days),
K8 (due 12-05: 26 days).

Every database test runs on each backend (SQLite, PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from data_access import complaints, estates, milestones, trends
from data_access.complaints import Selection
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.loading import bulk_insert, derive_complaint_fields
from data_access.schema import complaint, complaint_month, complaint_repeat
from data_access.summary import refresh_summaries
from tests.conftest import blank_database
from tests.fixture_city import D1, D2, S1, build_fixture_city

EVERYTHING = Scope.everything()
YEAR = Filters("2024")

EXTRA_COMPLAINTS = [
    ("K7", 1, 1, "2024-10-20 10:00", "2024-10-21 09:00", "2024-10-25 10:00", "tv",
     "elevators", "community", False),
    ("K8", 1, 1, "2024-12-02 09:00", None, None, "hotline", "elevators", None, None),
    ("K9", 4, None, "2024-03-01 11:00", "2024-03-04 10:00", "2024-03-05 10:00", "app",
     "water_leaks", "estate", None),
]


def build_complaints_city(engine) -> None:
    """The fixture city with K7–K9 added (phones included, to prove they never show)."""
    build_fixture_city(engine, demo_flag=True)
    frame = pd.DataFrame(EXTRA_COMPLAINTS, columns=[
        "code", "estate_id", "company_id", "received_at", "responded_at", "resolved_at",
        "channel", "category", "resolved_level", "resident_satisfied"])
    frame["complainant_phone"] = ["13900000007", "13900000008", "13900000009"]
    for column in ("received_at", "responded_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column])
    frame["company_id"] = frame["company_id"].astype("Int64")
    frame["resident_satisfied"] = frame["resident_satisfied"].astype("boolean")
    with engine.begin() as conn:
        bulk_insert(conn, complaint, derive_complaint_fields(frame))
        refresh_summaries(conn)


@pytest.fixture(scope="module")
def city_url(db_backend, tmp_path_factory):
    """The complaints city on each backend, built once per module."""
    with blank_database(db_backend, tmp_path_factory.mktemp("complaints")) as url:
        engine = make_engine(url)
        build_complaints_city(engine)
        engine.dispose()
        yield url


@pytest.fixture()
def engine(city_url):
    engine = make_engine(city_url)
    yield engine
    engine.dispose()


# --- refresh ---------------------------------------------------------------------------------

def test_repeat_flags_rule():
    frame = pd.DataFrame({
        "estate_id": [1, 1, 1, 1, 2],
        "category": ["a", "a", "a", "b", "a"],
        "received_at": ["2024-01-01 23:00", "2024-01-31 01:00", "2024-03-02 00:00",
                        "2024-03-03", "2024-03-04"],
    })
    # 30 days between the days of receipt is still a repeat; 31 is not; other category
    # or estate never
    assert list(complaints.repeat_flags(frame)) == [False, True, False, False, False]
    assert complaints.repeat_flags(frame.iloc[0:0]).tolist() == []


def test_refresh_builds_complaint_month(engine):
    with engine.connect() as conn:
        repeats = sorted(conn.execute(
            select(complaint.c.code).join(complaint_repeat,
                                          complaint_repeat.c.complaint_id == complaint.c.id)
        ).scalars())
        rows = pd.DataFrame(conn.execute(select(complaint_month)).mappings().all())
    assert repeats == ["K7", "K9"]
    assert rows["complaints"].sum() == 9
    assert rows["complaints_on_time"].sum() == 6
    assert rows["complaints_resolved"].sum() == 6
    assert rows["complaints_rated"].sum() == 5
    assert rows["complaints_satisfied"].sum() == 3
    assert rows["complaints_repeat"].sum() == 2
    # an open complaint has no level even if one were typed in
    assert rows.loc[rows["complaints_resolved"] == 0, "resolved_level"].isna().all()


# --- complaints page reads ---------------------------------------------------------------------

def test_summary_of_the_year(engine):
    result = complaints.summary(engine, EVERYTHING, YEAR)
    assert result["complaints"] == 9
    assert result["household_months"] == 12_000
    assert result["complaints_per_1000"] == pytest.approx(9.0)
    assert result["on_time_response_rate"] == pytest.approx(6 / 9)
    assert result["resolution_rate"] == pytest.approx(6 / 9)
    assert result["handling_satisfaction_rate"] == pytest.approx(3 / 5)
    assert result["repeat_share"] == pytest.approx(2 / 9)


def test_selection_and_area_filter_everything(engine):
    elevators = complaints.summary(engine, EVERYTHING, YEAR, Selection(category="elevators"))
    assert elevators["complaints"] == 3                       # K1 K7 K8
    assert elevators["on_time_response_rate"] == pytest.approx(2 / 3)
    assert elevators["complaints_per_1000"] == pytest.approx(3.0)
    assert elevators["repeat_share"] == pytest.approx(1 / 3)
    wendeng = complaints.summary(engine, EVERYTHING, Filters("2024", D2))
    assert wendeng["complaints"] == 2                         # K4 K9 in E4 (400 hh)
    assert wendeng["complaints_per_1000"] == pytest.approx(2 / 4800 * 12 * 1000)
    march = complaints.summary(engine, EVERYTHING, YEAR, Selection(month="2024-03"))
    assert march["complaints"] == 2                           # K3 K9
    assert march["complaints_per_1000"] == pytest.approx(24.0)  # 2 / 1000 hh, one month


def test_breakdowns_ignore_their_own_selection(engine):
    by_category = complaints.breakdown(engine, EVERYTHING, YEAR,
                                       Selection(category="elevators"), "category")
    counts = dict(zip(by_category["category"], by_category["complaints"]))
    assert counts == {"cleaning": 1, "elevators": 3, "fees": 1, "noise": 1, "parking": 1,
                      "water_leaks": 2}
    by_channel = complaints.breakdown(engine, EVERYTHING, YEAR,
                                      Selection(category="elevators"), "channel")
    assert dict(zip(by_channel["channel"], by_channel["complaints"])) == {"hotline": 1,
                                                                          "tv": 2}
    by_month = complaints.breakdown(engine, EVERYTHING, YEAR, Selection(), "month")
    assert len(by_month) == 12                                # every month, zeros included
    assert dict(zip(by_month["month"], by_month["complaints"]))["2024-03"] == 2
    levels = complaints.breakdown(engine, EVERYTHING, YEAR, Selection(), "resolved_level")
    resolved = levels[levels["complaints_resolved"] > 0].set_index("resolved_level")
    assert resolved["complaints_resolved"].to_dict() == {"community": 2, "estate": 3,
                                                         "street": 1}
    assert resolved.loc["estate", "resolved_level_share"] == pytest.approx(0.5)


def test_matrix(engine):
    matrix = complaints.category_month_matrix(engine, EVERYTHING, YEAR)
    assert matrix.loc["elevators"].to_dict() == {"2024-09": 1, "2024-10": 1, "2024-12": 1,
                                                 **{m: 0 for m in matrix.columns
                                                    if m not in ("2024-09", "2024-10",
                                                                 "2024-12")}}


def test_ranking_and_threshold(engine):
    ranking = complaints.estate_ranking(engine, EVERYTHING, YEAR)
    ranked = ranking[ranking["ranked"]]
    assert list(ranked["code"]) == ["E1", "E3", "E4", "E2"]
    assert [round(v, 1) for v in ranked["complaints_per_1000"]] == [40.0, 10.0, 5.0, 3.3]
    assert list(ranked["rank"]) == [1, 2, 3, 4]
    strict = complaints.estate_ranking(engine, EVERYTHING, YEAR, min_households=250)
    assert list(strict.loc[strict["ranked"], "code"]) == ["E4", "E2"]
    assert list(strict.loc[~strict["ranked"], "code"]) == ["E1", "E3"]
    assert strict.loc[~strict["ranked"], "rank"].isna().all()


def test_open_complaints_past_deadline(engine):
    assert complaints.as_of(engine) == dt.date(2024, 12, 31)
    rows, total = complaints.open_complaints(engine, EVERYTHING, YEAR)
    assert total == 3
    assert list(rows["code"]) == ["K5", "K2", "K8"]
    assert list(rows["days_overdue"]) == [222, 82, 26]
    assert list(rows["due_date"]) == [dt.date(2024, 5, 23), dt.date(2024, 10, 10),
                                      dt.date(2024, 12, 5)]
    assert "complainant_phone" not in rows.columns
    only, _ = complaints.open_complaints(engine, EVERYTHING, YEAR,
                                         Selection(category="elevators"))
    assert list(only["code"]) == ["K8"]
    in_s1, _ = complaints.open_complaints(engine, EVERYTHING, Filters("2024", D1, S1))
    assert list(in_s1["code"]) == ["K2", "K8"]
    all_open, count = complaints.open_complaints(engine, EVERYTHING, estate_code="E1",
                                                 past_deadline_only=False)
    assert list(all_open["code"]) == ["K2", "K8"] and count == 2
    # every complaint still open at the end of 2024 is past its deadline
    rows, _ = complaints.open_complaints(engine, EVERYTHING, YEAR, past_deadline_only=False)
    assert set(rows["code"]) == {"K2", "K5", "K8"}


def test_scope_restricts(engine):
    s3_only = Scope(street_codes=frozenset({"371003001"}))
    assert complaints.summary(engine, s3_only, YEAR)["complaints"] == 2
    assert complaints.open_complaints(engine, s3_only, YEAR)[1] == 0
    assert estates.find_estate(engine, s3_only, "E1") is None


# --- trends ----------------------------------------------------------------------------------

def _values(monthly, metric, period="2024"):
    frame = trends.period_values(monthly, period)
    return {row.group_code: round(getattr(row, metric), 4)
            for row in frame.itertuples() if not pd.isna(getattr(row, metric))}


def test_trend_breakdowns(engine):
    age = trends.monthly_sums(engine, EVERYTHING, None, "age")
    assert _values(age, "satisfaction_rate") == {"old": 0.5, "new": 0.75}
    mode = trends.monthly_sums(engine, EVERYTHING, None, "mode")
    assert _values(mode, "satisfaction_rate") == {"professional": round(23 / 30, 4),
                                                  "unmanaged": 0.2, "self": 0.75}
    company = trends.monthly_sums(engine, EVERYTHING, None, "company")
    assert _values(company, "satisfaction_rate") == {"C1": 0.8, "C2": 0.75, "__none__": 0.64}
    assert _values(company, "payment_rate") == {"C1": 0.88, "C2": 0.6}
    total = trends.monthly_sums(engine, EVERYTHING, None, "total")
    assert _values(total, "satisfaction_rate") == {"__all__": round(55 / 80, 4)}
    streets = trends.monthly_sums(engine, EVERYTHING, Filters("2024", D1), "street")
    assert set(streets["group_code"]) == {S1, "371002002"}


def test_company_other_is_the_rest(engine):
    monthly = trends.monthly_sums(engine, EVERYTHING, None, "company")
    monthly_one = trends._company_sums(engine, EVERYTHING, None, "2024-01", "2024-12")
    assert set(monthly["group_code"]) == {"C1", "C2", "__none__"}
    lumped = trends._company_sums(engine, EVERYTHING, None, "2024-01", "2024-12", keep=1)
    # December: C1 serves E1 + E3 (300 hh), C2 serves E2 (300 hh): tie → C1 by code
    assert set(lumped["group_code"]) == {"C1", "__none__", "__other__"}
    assert _values(lumped, "payment_rate")["__other__"] == 0.6
    assert len(monthly_one) == len(monthly)


def test_series_and_comparison(engine):
    total = trends.monthly_sums(engine, EVERYTHING, None, "total")
    quarters = trends.series(total, "quarter")
    assert list(quarters["bucket"]) == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    compare = trends.compare_periods(total, "2024-Q1", "2024-Q2", "payment_rate")
    row = compare.iloc[0]
    assert row["value_a"] == pytest.approx(0.8) and row["value_b"] == pytest.approx(0.85)
    assert row["change"] == pytest.approx(-0.05)


# --- estates -----------------------------------------------------------------------------------

def test_estate_reads(engine):
    facts = estates.find_estate(engine, EVERYTHING, "E1")
    assert facts["name"] == "海景花园" and facts["households"] == 100 and facts["old"]
    assert facts["street_code"] == S1 and facts["company_name"].startswith("威海安居")
    history = estates.contract_history(engine, EVERYTHING, "E3")
    assert list(history["company_code"]) == ["C1", "C2"]
    grades = estates.grades(engine, EVERYTHING, "E1")
    assert list(grades["quarter"]) == ["2024-Q1"]
    assert grades["score"].iloc[0] == pytest.approx(86.0) and grades["grade"].iloc[0] == "qualified"
    series = trends.series(estates.monthly_sums(engine, EVERYTHING, "E1"), "year")
    assert series["payment_rate"].iloc[0] == pytest.approx(270 / 300)
    assert estates.find_estate(engine, EVERYTHING, "NOPE") is None


# --- milestones ---------------------------------------------------------------------------------

def test_milestones_functions_and_cli(blank_db_url, capsys):
    url = blank_db_url
    engine = make_engine(url)
    assert milestones.list_milestones(engine).empty
    assert milestones.seed_defaults(engine) == 4
    assert milestones.seed_defaults(engine) == 0
    new_id = milestones.add_milestone(engine, "2024-05-01", "条例修订", "Regulation revised")
    with pytest.raises(milestones.MilestoneError):
        milestones.add_milestone(engine, "2024-05-01", "条例修订")
    with pytest.raises(milestones.MilestoneError):
        milestones.add_milestone(engine, "2024-13-01", "x")
    assert len(milestones.list_milestones(engine)) == 5
    milestones.remove_milestone(engine, new_id)
    with pytest.raises(milestones.MilestoneError):
        milestones.remove_milestone(engine, new_id)

    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    milestones.register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--db", url, "milestones", "add", "2025-01-01", "新节点"])
    assert args.handler(args) == 0
    args = parser.parse_args(["--db", url, "milestones", "list"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "2025-01-01  新节点  |  新节点" in out and "红色物业工作启动" in out
    from data_access.cli import CliError

    args = parser.parse_args(["--db", url, "milestones", "remove", "999"])
    with pytest.raises(CliError):
        args.handler(args)
    engine.dispose()
