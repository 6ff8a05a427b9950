"""Grades queries on a tiny hand-made city (2024) whose every figure is worked out here.

One district (环翠区), two streets, three companies, four estates, all managed all year:

====  ======  ===  ====  =======  ======================  ========================
code  street  hh   fee   company  quarterly score Q1..Q4  surveys (per quarter)
====  ======  ===  ====  =======  ======================  ========================
E1    S1      100  1.80  GC01     95 92 94 96             60 asked, 54 satisfied
E2    S2      300  1.20  GC01     91 90 93 90             100 / 90
E3    S1      200  1.70  GC02     80 70 72 78             40 / 30
E4    S2       50  0.80  GC03     85 74 80 82             10 / 8
====  ======  ===  ====  =======  ======================  ========================

One assessor (street) gives every dimension the same score, so a project's score is that
number. Fees each month: E1 90/100 paid, E2 240/300, E3 120/200, E4 50/50. Complaints:
E2 one answered on time (fees); E3 two answered on time (elevators) and one never
answered (cleaning).

Company scores (household-weighted): GC01 Q1 (100×95 + 300×91)/400 = 92.0 … all 优秀;
year (100×377 + 300×364)/1600 = 91.8125. GC02 = E3: 80, 70, 72, 78 → 不合格 in Q2 and
Q3 (key supervision in Q3, not in Q4), year 75.0 → 合格. GC03 = E4: one 不合格 quarter
(Q2), year 80.25.

Every database test runs on each backend (SQLite, PostgreSQL).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import delete

from data_access import grades, grading
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.loading import bulk_insert, derive_complaint_fields
from data_access.schema import (
    ASSESSMENT_DIMENSIONS,
    assessment,
    company,
    complaint,
    contract,
    district,
    estate,
    fee_month,
    meta,
    metadata,
    street,
    survey,
)
from data_access.summary import refresh_summaries
from tests.conftest import blank_database

D1 = "371002"
S1, S2 = "371002001", "371002002"
QUARTERS = ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")
SCORES = {1: (95, 92, 94, 96), 2: (91, 90, 93, 90), 3: (80, 70, 72, 78), 4: (85, 74, 80, 82)}
SQUARE = {"type": "Polygon", "coordinates": [[[122.0, 37.4], [122.2, 37.4], [122.2, 37.6],
                                              [122.0, 37.6], [122.0, 37.4]]]}
EVERYTHING = Scope.everything()


def build_grades_city(engine, *, demo_flag: bool = True) -> None:
    """Write the rows above (replacing everything) and refresh the summaries."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
        bulk_insert(conn, district, [{"id": 1, "code": D1, "name": "环翠区",
                                      "name_en": "Huancui",
                                      "geometry_geojson": json.dumps(SQUARE)}])
        bulk_insert(conn, street, [
            {"id": 1, "code": S1, "name": "海滨街道", "name_en": "Haibin", "district_id": 1,
             "synthetic": True},
            {"id": 2, "code": S2, "name": "青山街道", "name_en": "Qingshan", "district_id": 1,
             "synthetic": True}])
        bulk_insert(conn, company, [
            {"id": 1, "code": "GC01", "name": "甲级物业服务有限公司", "party_org": True},
            {"id": 2, "code": "GC02", "name": "乙方物业管理有限公司", "party_org": False},
            {"id": 3, "code": "GC03", "name": "丙<b>物业</b>", "party_org": False}])
        common = {"party_org": False, "smart_star": 0, "management_mode": "professional",
                  "owners_committee": False, "build_year": 2010}
        bulk_insert(conn, estate, [
            {**common, "id": 1, "code": "E1", "name": "海景花园", "households": 100,
             "fee_yuan_m2_month": 1.8, "company_id": 1, "street_id": 1,
             "longitude": 122.05, "latitude": 37.45},
            {**common, "id": 2, "code": "E2", "name": "幸福家园", "households": 300,
             "fee_yuan_m2_month": 1.2, "company_id": 1, "street_id": 2,
             "longitude": 122.15, "latitude": 37.55},
            {**common, "id": 3, "code": "E3", "name": "青年小区", "households": 200,
             "fee_yuan_m2_month": 1.7, "company_id": 2, "street_id": 1,
             "longitude": 122.10, "latitude": 37.50},
            {**common, "id": 4, "code": "E4", "name": "龙山新村", "households": 50,
             "fee_yuan_m2_month": 0.8, "company_id": 3, "street_id": 2,
             "longitude": 122.12, "latitude": 37.42}])
        bulk_insert(conn, contract, [
            {"estate_id": e, "company_id": c, "mode": "professional", "start_month": "2023-01",
             "end_month": None} for e, c in ((1, 1), (2, 1), (3, 2), (4, 3))])
        paid = {1: (100, 90), 2: (300, 240), 3: (200, 120), 4: (50, 50)}
        bulk_insert(conn, fee_month, [
            {"estate_id": e, "month": f"2024-{m:02d}", "households_billed": b,
             "households_paid": p} for e, (b, p) in paid.items() for m in range(1, 13)])
        asked = {1: (60, 54), 2: (100, 90), 3: (40, 30), 4: (10, 8)}
        bulk_insert(conn, survey, [
            {"estate_id": e, "period": q, "span": "quarter",
             "start_month": f"2024-{3 * i + 1:02d}", "end_month": f"2024-{3 * i + 3:02d}",
             "respondents": r, "satisfied": s}
            for e, (r, s) in asked.items() for i, q in enumerate(QUARTERS)])
        complaints = pd.DataFrame([
            ("G1", 2, 1, "2024-03-05 10:00", "2024-03-06 10:00", "fees"),
            ("G2", 3, 2, "2024-05-07 10:00", "2024-05-08 10:00", "elevators"),
            ("G3", 3, 2, "2024-06-04 10:00", "2024-06-05 10:00", "elevators"),
            ("G4", 3, 2, "2024-08-06 10:00", None, "cleaning"),
        ], columns=["code", "estate_id", "company_id", "received_at", "responded_at",
                    "category"])
        complaints["received_at"] = pd.to_datetime(complaints["received_at"])
        complaints["responded_at"] = pd.to_datetime(complaints["responded_at"])
        complaints["channel"] = "hotline"
        complaints["complainant_phone"] = "13900000000"
        bulk_insert(conn, complaint, derive_complaint_fields(complaints))
        bulk_insert(conn, assessment, [
            {"estate_id": e, "quarter": q, "assessor": "street", "company_id": c,
             **dict.fromkeys(ASSESSMENT_DIMENSIONS, float(SCORES[e][i]))}
            for e, c in ((1, 1), (2, 1), (3, 2), (4, 3)) for i, q in enumerate(QUARTERS)])
        rows = [{"key": "data_start", "value": "2024-01"}, {"key": "data_end", "value": "2024-12"}]
        if demo_flag:
            rows.append({"key": "source", "value": "demo"})
        bulk_insert(conn, meta, rows)
        refresh_summaries(conn)


@pytest.fixture(scope="module")
def grades_engine(db_backend, tmp_path_factory):
    """The grades city on each backend, built once per module."""
    with blank_database(db_backend, tmp_path_factory.mktemp("grades")) as url:
        engine = make_engine(url)
        build_grades_city(engine)
        yield engine
        engine.dispose()


def by_code(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["code"]: row for row in frame.to_dict("records")}


# --- summary ----------------------------------------------------------------------------------


def test_dimension_summary_adds_up_to_the_project_score(grades_engine):
    with grades_engine.connect() as conn:
        rows = pd.read_sql("select * from project_dimension_quarter order by estate_id, quarter",
                           conn)
        scores = pd.read_sql("select * from project_quarter order by estate_id, quarter", conn)
    assert len(rows) == 16
    points = rows[[f"{d}_points" for d in ASSESSMENT_DIMENSIONS]].sum(axis=1)
    assert list(points.round(9)) == list(scores["score"].round(9))
    first = rows.iloc[0]                                   # E1 2024-Q1: 95 everywhere
    assert first["service_quality"] == 95.0
    assert first["service_quality_points"] == pytest.approx(0.25 * 95)
    assert first["disclosure_points"] == pytest.approx(0.10 * 95)


# --- quarterly grades, key supervision, lists -------------------------------------------------


def test_company_quarters_are_household_weighted(grades_engine):
    quarters = grades.company_quarters(grades_engine, EVERYTHING)
    gc01 = quarters[quarters["company_id"] == 1].set_index("quarter")
    assert gc01.loc["2024-Q1", "score"] == pytest.approx((100 * 95 + 300 * 91) / 400)  # 92.0
    assert gc01.loc["2024-Q2", "score"] == pytest.approx((100 * 92 + 300 * 90) / 400)  # 90.5
    assert set(gc01["grade"]) == {"excellent"}
    gc02 = quarters[quarters["company_id"] == 2]
    assert list(gc02["grade"]) == ["qualified", "unqualified", "unqualified", "qualified"]


def test_key_supervision_two_consecutive_quarters_only(grades_engine):
    quarter, companies, projects = grades.key_supervision_lists(
        grades_engine, EVERYTHING, Filters("2024-Q3"))
    assert quarter == "2024-Q3"
    assert list(companies["code"]) == ["GC02"]             # GC03 had one bad quarter only
    assert companies.iloc[0]["quarters"] == ["2024-Q2", "2024-Q3"]
    assert companies.iloc[0]["recent_scores"] == [70.0, 72.0]
    assert list(projects["estate_code"]) == ["E3"]
    assert projects.iloc[0]["quarters"] == ["2024-Q2", "2024-Q3"]
    assert projects.iloc[0]["recent_scores"] == [70.0, 72.0]
    assert projects.iloc[0]["company_code"] == "GC02"
    # Q4: GC02 is back to 合格, the run is broken
    quarter, companies, projects = grades.key_supervision_lists(
        grades_engine, EVERYTHING, Filters("2024"))
    assert quarter == "2024-Q4" and companies.empty and projects.empty
    # a street filter lists the companies serving estates there (GC02 serves S1 only)
    _, in_s2, _ = grades.key_supervision_lists(grades_engine, EVERYTHING,
                                               Filters("2024-Q3", D1, S2))
    assert in_s2.empty


def test_red_and_black_list(grades_engine):
    listed = grades.red_black_list(grades_engine, EVERYTHING, 2024)
    assert list(listed["list"]) == ["red", "black"]
    assert list(listed["code"]) == ["GC01", "GC02"]
    red, black = listed.to_dict("records")
    assert red["grade"] == "excellent" and red["score"] == pytest.approx(146900 / 1600)
    assert red["quarters"] == 4 and red["overdue_share"] == 0.0
    assert black["grade"] == "qualified" and black["score"] == pytest.approx(75.0)
    assert black["unqualified_quarters"] == ["2024-Q2", "2024-Q3"]
    assert not black["key_supervision_end"]
    # public fields only: nothing personal, no internal ids
    assert "company_id" not in listed.columns
    assert not any("phone" in column for column in listed.columns)
    # GC02's overdue share: 1 of its 3 complaints was never answered
    overdue = grades.overdue_by_company_year(grades_engine, EVERYTHING)
    gc02 = overdue[overdue["company_id"] == 2].iloc[0]
    assert gc02["overdue"] == 1 and gc02["overdue_share"] == pytest.approx(1 / 3)
    # a stricter red rule (no overdue complaints at all still passes GC01) and a looser
    # black rule (one bad quarter) changes the lists as configured
    looser = grading.GradingRules(**{**vars(grading.load_rules()),
                                     "black_min_unqualified_quarters": 1})
    listed = grades.red_black_list(grades_engine, EVERYTHING, 2024, rules=looser)
    assert list(listed["code"]) == ["GC01", "GC02", "GC03"]


# --- league table and funnel ------------------------------------------------------------------


def test_league_table_numbers(grades_engine):
    result = grades.league(grades_engine, EVERYTHING, Filters("2024"))
    rows = by_code(result.table)
    assert list(result.table["code"]) == ["GC01", "GC02", "GC03"]
    gc01, gc02, gc03 = rows["GC01"], rows["GC02"], rows["GC03"]
    assert (gc01["estates"], gc01["households"]) == (2, 400)
    assert gc01["score"] == pytest.approx(91.8125) and gc01["grade"] == "excellent"
    assert gc01["satisfaction_rate"] == pytest.approx(576 / 640)     # 90.0%
    assert gc01["payment_rate"] == pytest.approx(330 / 400)          # 82.5%
    assert gc01["complaint_rate"] == pytest.approx(1 / 400)          # 0.25%
    assert gc01["on_time_response_rate"] == 1.0
    assert gc02["complaint_rate"] == pytest.approx(3 / 200)          # 1.50%
    assert gc02["on_time_response_rate"] == pytest.approx(2 / 3)
    assert gc02["payment_rate"] == pytest.approx(0.6)
    assert gc02["score"] == pytest.approx(75.0) and gc02["grade"] == "qualified"
    assert (gc01["rank"], gc02["rank"]) == (1, 2)
    # GC03: 4 × 10 surveyed households < 100 → insufficient data, no rank
    assert gc03["surveyed"] == 40 and not gc03["eligible"] and pd.isna(gc03["rank"])
    assert gc03["score"] == pytest.approx(80.25)
    assert gc03["trend_scores"] == [85.0, 74.0, 80.0, 82.0]
    assert gc03["trend_grades"] == ["qualified", "unqualified", "qualified", "qualified"]
    assert result.city["complaint_rate"] == pytest.approx(4 / 650)
    assert (result.first_quarter, result.last_quarter, result.last_month) == (
        "2024-Q1", "2024-Q4", "2024-12")


def test_league_in_a_quarter_and_a_street(grades_engine):
    result = grades.league(grades_engine, EVERYTHING, Filters("2024-Q3", D1, S1))
    rows = by_code(result.table)
    assert set(rows) == {"GC01", "GC02"}                  # GC03 serves S2 only
    assert rows["GC01"]["households"] == 100 and rows["GC01"]["score"] == 94.0  # E1 only
    assert rows["GC02"]["grade"] == "unqualified" and rows["GC02"]["key_supervision"]
    # GC01 has 60 surveyed households in S1 this quarter: below 100
    assert not rows["GC01"]["eligible"] and rows["GC02"]["surveyed"] == 40


def test_a_higher_minimum_changes_who_is_ranked(grades_engine):
    rules = grading.GradingRules(**{**vars(grading.load_rules()), "min_surveyed_households": 200})
    ranked = grades.league(grades_engine, EVERYTHING, Filters("2024"), rules).table
    assert list(ranked["rank"].fillna(0)) == [1, 0, 0]   # only GC01 (640 surveyed)


def test_funnel_limits_by_hand():
    # p0 = 0.006 complaints per household-year, E = 1000 household-years:
    # sd = √(0.006 / 1000) = 0.00244949; 95%: z = 1.959964 → 0.006 ± 0.00480093
    low, high = grades.funnel_limits(0.006, 1000.0, 0.95)
    assert float(high) == pytest.approx(0.0108009, abs=1e-7)
    assert float(low) == pytest.approx(0.0011991, abs=1e-7)
    # 99.8%: z = 3.090232 → 0.006 ± 0.00756946; the lower limit is cut at 0 for E = 100
    low, high = grades.funnel_limits(0.006, 1000.0, 0.998)
    assert float(high) == pytest.approx(0.0135695, abs=1e-7)
    low, high = grades.funnel_limits(0.006, 100.0, 0.998)
    assert float(low) == 0.0 and float(high) == pytest.approx(0.006 + 3.090232 * 0.0077460,
                                                              abs=1e-6)
    assert grades.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert grades.funnel_signal(0.012, 0.006, 1000.0, (0.95, 0.998)) == "elevated"
    assert grades.funnel_signal(0.014, 0.006, 1000.0, (0.95, 0.998)) == "high"
    assert grades.funnel_signal(0.001, 0.006, 1000.0, (0.95, 0.998)) == "low"
    assert grades.funnel_signal(0.008, 0.006, 1000.0, (0.95, 0.998)) == "normal"


def test_funnel_signals_of_the_league(grades_engine):
    table = grades.add_funnel_signals(grades.league(grades_engine, EVERYTHING, Filters("2024")))
    rows = by_code(table)
    # GC02: 3 complaints over 200 household-years; city 4/650; 95% upper limit
    # 4/650 + 1.96 × √(4/650/200) = 0.01703 > 0.015 → within the limits
    assert rows["GC02"]["exposure"] == 200 and rows["GC02"]["funnel_signal"] == "normal"
    assert rows["GC01"]["households_avg"] == 400


# --- quality–price match ----------------------------------------------------------------------


def test_mismatches_found_and_only_those(grades_engine):
    found, graded = grades.mismatches(grades_engine, EVERYTHING, Filters("2024"))
    assert graded == 4
    assert list(found["estate_code"]) == ["E3"]           # tier 3 fee, 合格 supports tier 2
    row = found.iloc[0]
    assert (row["fee_tier"], row["supported_tier"], row["gap"]) == (3, 2, 1)
    assert row["grade"] == "qualified" and row["score"] == pytest.approx(75.0)
    assert row["required_grade"] == "excellent" and row["points_short"] == pytest.approx(15.0)
    assert row["company_code"] == "GC02" and row["fee_ceiling"] == 1.6
    # Q2: E3 scored 70 (不合格 supports tier 1 → gap 2); E4 74 不合格 but tier 1 → fine
    found, _ = grades.mismatches(grades_engine, EVERYTHING, Filters("2024-Q2"))
    assert list(found["estate_code"]) == ["E3"] and found.iloc[0]["gap"] == 2
    # other fee bands: E3's 1.70 falls into tier 2 when tier 3 starts at 2.00 → no mismatch
    wider = grading.GradingRules(**{**vars(grading.load_rules()),
                                    "fee_tier_bounds": (1.0, 2.0)})
    found, _ = grades.mismatches(grades_engine, EVERYTHING, Filters("2024"), wider)
    assert found.empty


# --- company profile --------------------------------------------------------------------------


def test_company_profile_pieces(grades_engine):
    estates = grades.company_estates(grades_engine, EVERYTHING, 1, Filters("2024"))
    assert list(estates["estate_code"]) == ["E1", "E2"]
    assert list(estates["score"]) == [94.25, 91.0]
    assert list(estates["fee_tier"]) == [3, 2] and list(estates["gap"]) == [0, -1]

    history = grades.company_dimension_history(grades_engine, EVERYTHING, 2)
    assert list(history["quarter"]) == list(QUARTERS)
    assert list(history["score"]) == [80.0, 70.0, 72.0, 78.0]
    assert history.iloc[1]["safety_points"] == pytest.approx(0.15 * 70)
    parts = grades.waterfall_parts(history, "2024-Q1", "2024-Q4")
    assert parts["score"] == pytest.approx(75.0) and parts["grade"] == "qualified"
    assert sum(parts["points"].values()) == pytest.approx(parts["score"])
    assert parts["next_grade"] == "excellent" and parts["points_needed"] == pytest.approx(15.0)
    # the needed 15 points through one dimension: ÷ its weight, if 100 allows it
    assert parts["raise_needed"]["service_quality"] is None      # 75 + 60 > 100
    assert parts["raise_needed"]["disclosure"] is None

    categories = grades.company_categories(grades_engine, EVERYTHING, 2, "2024-01", "2024-12")
    assert categories.to_dict("records") == [{"category": "elevators", "complaints": 2},
                                             {"category": "cleaning", "complaints": 1}]

    quarters, years = grades.company_history(grades_engine, EVERYTHING, 2)
    assert list(quarters["key_supervision"]) == [False, True, False, False]  # newest first
    assert list(years["list"]) == ["black"]


def test_scope_limits_what_is_seen(grades_engine):
    only_s2 = Scope(street_codes=frozenset({S2}))
    result = grades.league(grades_engine, only_s2, Filters("2024"))
    assert set(result.table["code"]) == {"GC01", "GC03"}
    assert by_code(result.table)["GC01"]["households"] == 300
    assert grades.red_black_list(grades_engine, only_s2, 2024)["code"].tolist() == ["GC01"]


def test_no_personal_data_in_grades_queries():
    import inspect

    source = inspect.getsource(grades)
    assert "complainant_phone" not in source
    assert "complaint.c" not in source                   # raw complaints are never scanned
