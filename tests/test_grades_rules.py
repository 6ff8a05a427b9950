"""The grading rules of issue 6 on hand-made frames: key supervision, red/black list,
dimension points and the waterfall, fee tiers and quality–price match, and the rules
read from the one configuration file."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from data_access import grades, grading
from data_access.schema import ASSESSMENT_DIMENSIONS

RULES = grading.load_rules()


def graded(rows: list[tuple[int, str, float]], rules=RULES) -> pd.DataFrame:
    """(company_id, quarter, score) → one row per company-quarter with 100 households."""
    frame = pd.DataFrame(rows, columns=["company_id", "quarter", "score"])
    frame["score_weight"] = 100.0
    frame["score_weighted"] = frame["score"] * 100.0
    frame["grade"] = frame["score"].map(rules.grade)
    return frame


# --- configuration ----------------------------------------------------------------------------


def test_rules_come_from_the_configuration_file():
    assert RULES.excellent_from == 90.0 and RULES.qualified_from == 75.0
    assert RULES.key_supervision_quarters == 2
    assert RULES.red_max_overdue_share == 0.05
    assert RULES.black_min_unqualified_quarters == 2
    assert RULES.fee_tier_bounds == (1.0, 1.6)
    assert dict(RULES.max_tier_by_grade) == {"excellent": 3, "qualified": 2, "unqualified": 1}
    assert RULES.min_surveyed_households == 100
    assert RULES.funnel_levels == (0.95, 0.998)


def test_a_different_file_changes_the_rules(tmp_path):
    text = (grading.ASSETS_DIR / "grading.toml").read_text(encoding="utf-8")
    text = text.replace("excellent = 90.0", "excellent = 85.0")
    text = text.replace("consecutive_unqualified = 2", "consecutive_unqualified = 3")
    text = text.replace("tier_bounds = [1.0, 1.6]", "tier_bounds = [0.5, 1.0, 2.0]")
    text = text.replace("excellent = 3 ", "excellent = 4 ")
    path = tmp_path / "grading.toml"
    path.write_text(text, encoding="utf-8")
    rules = grading.load_rules(path)
    assert rules.grade(86.0) == "excellent" and RULES.grade(86.0) == "qualified"
    assert rules.key_supervision_quarters == 3
    assert rules.tier_count == 4 and rules.fee_tier(1.2) == 3
    assert rules.supported_tier("excellent") == 4
    # three bad quarters are now needed for key supervision
    frame = graded([(1, "2024-Q1", 70), (1, "2024-Q2", 70)], rules)
    assert not grades.mark_key_supervision(frame, "company_id", rules)["key_supervision"].any()


def test_old_files_without_the_new_sections_still_load(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text("[dimension_weights]\nsafety = 1.0\n[assessor_weights]\nstreet = 1.0\n"
                    "[grade_thresholds]\nexcellent = 90.0\nqualified = 75.0\n", encoding="utf-8")
    rules = grading.load_rules(path)
    assert rules.key_supervision_quarters == 2 and rules.fee_tier_bounds == (1.0, 1.6)


# --- key supervision --------------------------------------------------------------------------


def test_two_consecutive_unqualified_quarters_make_key_supervision():
    frame = graded([
        (1, "2024-Q1", 80), (1, "2024-Q2", 70), (1, "2024-Q3", 72), (1, "2024-Q4", 78),
        (2, "2024-Q1", 80), (2, "2024-Q2", 70), (2, "2024-Q3", 80),   # one bad quarter
        (3, "2024-Q1", 70), (3, "2024-Q3", 70),                       # not consecutive
        (4, "2023-Q4", 60), (4, "2024-Q1", 74.9),                     # across the new year
    ])
    marked = grades.mark_key_supervision(frame, "company_id").set_index(
        ["company_id", "quarter"])
    assert marked.loc[(1, "2024-Q3"), "key_supervision"]
    assert marked.loc[(1, "2024-Q3"), "unqualified_run"] == 2
    assert not marked.loc[(1, "2024-Q2"), "key_supervision"]        # first bad quarter
    assert not marked.loc[(1, "2024-Q4"), "key_supervision"]        # back to 合格
    assert not marked.xs(2, level="company_id")["key_supervision"].any()
    assert not marked.xs(3, level="company_id")["key_supervision"].any()
    assert marked.loc[(4, "2024-Q1"), "key_supervision"]


def test_thresholds_change_key_supervision():
    frame = graded([(1, "2024-Q1", 78), (1, "2024-Q2", 79)])
    assert not grades.mark_key_supervision(frame, "company_id")["key_supervision"].any()
    stricter = replace(RULES, qualified_from=80.0)
    frame = graded([(1, "2024-Q1", 78), (1, "2024-Q2", 79)], stricter)
    assert list(grades.mark_key_supervision(frame, "company_id", stricter)["key_supervision"]) \
        == [False, True]


def test_weights_change_scores_and_grades():
    rows = pd.DataFrame([
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": "street",
         **dict.fromkeys(ASSESSMENT_DIMENSIONS, 70.0), "safety": 100.0}])
    # default: 0.15 × 100 + 0.85 × 70 = 74.5 → 不合格
    assert grading.project_scores(rows, RULES).loc[0, "score"] == pytest.approx(74.5)
    heavier = replace(RULES, dimension_weights=tuple(
        (d, 0.5 if d == "safety" else 0.1) for d, _ in RULES.dimension_weights))
    # 0.5 × 100 + 0.5 × 70 = 85 (weights normalised: 1.0 in total)
    score = grading.project_scores(rows, heavier).loc[0, "score"]
    assert score == pytest.approx(85.0) and heavier.grade(score) == "qualified"


# --- red and black list -----------------------------------------------------------------------


def overdue(rows: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["company_id", "year", "complaints", "complaints_on_time"])
    return grades.overdue_shares(frame)


def test_red_and_black_by_year():
    frame = graded([
        *[(1, q, 95) for q in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")],     # red
        *[(2, q, 95) for q in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")],     # too late
        *[(3, q, 95) for q in ("2024-Q1", "2024-Q2", "2024-Q3")], (3, "2024-Q4", 89),
        (4, "2024-Q1", 70), (4, "2024-Q2", 80), (4, "2024-Q3", 70), (4, "2024-Q4", 80),
        (5, "2024-Q1", 80), (5, "2024-Q2", 80), (5, "2024-Q3", 70), (5, "2024-Q4", 70),
        (6, "2024-Q1", 80), (6, "2024-Q2", 80), (6, "2024-Q3", 80), (6, "2024-Q4", 70),
        (7, "2024-Q2", 95), (7, "2024-Q3", 95), (7, "2024-Q4", 95),             # missed Q1
    ])
    late = overdue([(1, 2024, 20, 19), (2, 2024, 20, 18), (3, 2024, 0, 0)])
    years = grades.yearly_lists(frame, late).set_index("company_id")
    assert years.loc[1, "list"] == "red"              # 1 of 20 late = 5.0% ≤ 5%
    assert years.loc[2, "list"] is None               # 2 of 20 = 10% > 5%
    assert years.loc[2, "overdue_share"] == pytest.approx(0.10)
    assert years.loc[3, "list"] is None               # one quarter only 合格
    assert years.loc[4, "list"] == "black"            # two bad quarters, not consecutive
    assert not years.loc[4, "key_supervision_end"]
    assert years.loc[5, "list"] == "black" and years.loc[5, "key_supervision_end"]
    assert years.loc[6, "list"] is None               # one bad quarter
    assert years.loc[7, "list"] is None               # not graded in every assessed quarter
    assert years.loc[1, "quarters"] == 4 and years.loc[1, "grade"] == "excellent"
    assert years.loc[4, "unqualified_quarters"] == ["2024-Q1", "2024-Q3"]
    assert years.loc[4, "score"] == pytest.approx(75.0)


def test_key_supervision_at_year_end_alone_makes_black():
    # 2024-Q4 and 2025-Q1 bad: in 2025, one bad quarter but on key supervision in 2025-Q1,
    # the last assessed quarter of 2025
    frame = graded([(1, "2024-Q3", 80), (1, "2024-Q4", 70), (1, "2025-Q1", 70)])
    years = grades.yearly_lists(frame, overdue([])).set_index("year")
    assert years.loc[2025, "list"] == "black" and years.loc[2025, "key_supervision_end"]
    assert years.loc[2024, "list"] is None


# --- dimension points and the waterfall -------------------------------------------------------


def test_dimension_points_add_up_to_the_score():
    street = dict.fromkeys(ASSESSMENT_DIMENSIONS, 80.0) | {"service_quality": 100.0}
    owners = dict.fromkeys(ASSESSMENT_DIMENSIONS, 60.0)
    rows = pd.DataFrame([
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": "street", **street},
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": "owners", **owners}])
    points = grading.dimension_points(rows, RULES).iloc[0]
    # assessors 0.25/0.25 → ½ each; service quality ½×0.25×100 + ½×0.25×60 = 20.0
    assert points["service_quality_points"] == pytest.approx(20.0)
    assert points["owner_satisfaction_points"] == pytest.approx(17.5)
    assert points["complaint_handling_points"] == pytest.approx(10.5)
    assert points["disclosure_points"] == pytest.approx(7.0)
    assert points["service_quality"] == pytest.approx(80.0)
    total = sum(points[f"{d}_points"] for d in ASSESSMENT_DIMENSIONS)
    assert total == pytest.approx(72.5)
    assert total == pytest.approx(grading.project_scores(rows, RULES).loc[0, "score"])


def test_dimension_points_with_a_missing_dimension():
    street = dict.fromkeys(ASSESSMENT_DIMENSIONS, 80.0) | {"service_quality": 100.0,
                                                           "party_building": None}
    owners = dict.fromkeys(ASSESSMENT_DIMENSIONS, 60.0)
    rows = pd.DataFrame([
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": "street", **street},
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": "owners", **owners}])
    points = grading.dimension_points(rows, RULES).iloc[0]
    total = sum(points[f"{d}_points"] for d in ASSESSMENT_DIMENSIONS)
    assert total == pytest.approx(grading.project_scores(rows, RULES).loc[0, "score"])
    assert points["party_building"] == pytest.approx(60.0)           # owners only
    # street: (0.25×100 + 0.65×80) / 0.9 = 85.56; owners 60 → 72.78
    assert total == pytest.approx(((25 + 52) / 0.9 + 60) / 2)


def history(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """(quarter, score, households) with every dimension at the score (points = w × score)."""
    weights = dict(RULES.dimension_weights)
    frame = pd.DataFrame(rows, columns=["quarter", "score", "score_weight"])
    frame["score_weighted"] = frame["score"] * frame["score_weight"]
    for d in ASSESSMENT_DIMENSIONS:
        frame[d] = frame["score"]
        frame[f"{d}_points"] = frame["score"] * weights[d]
    return frame


def test_waterfall_parts_sum_to_the_score_and_name_the_gap():
    frame = history([("2024-Q1", 80.0, 100), ("2024-Q2", 72.0, 300), ("2024-Q3", 99.0, 50)])
    parts = grades.waterfall_parts(frame, "2024-Q1", "2024-Q2")
    # (80 × 100 + 72 × 300) / 400 = 74.0 → 不合格, 1.0 point short of 合格
    assert parts["score"] == pytest.approx(74.0) and parts["grade"] == "unqualified"
    assert sum(parts["points"].values()) == pytest.approx(74.0)
    assert parts["points"]["service_quality"] == pytest.approx(18.5)  # (20×100 + 18×300)/400
    assert parts["dimension_scores"]["service_quality"] == pytest.approx(74.0)
    assert parts["next_grade"] == "qualified" and parts["next_threshold"] == 75.0
    assert parts["points_needed"] == pytest.approx(1.0)
    assert parts["raise_needed"]["service_quality"] == pytest.approx(4.0)   # 1 ÷ 0.25
    assert parts["raise_needed"]["disclosure"] == pytest.approx(10.0)       # 1 ÷ 0.10
    assert parts["quarters"] == ["2024-Q1", "2024-Q2"]


def test_waterfall_when_one_dimension_cannot_close_the_gap():
    parts = grades.waterfall_parts(history([("2024-Q1", 50.0, 10)]), "2024-Q1", "2024-Q4")
    assert parts["points_needed"] == pytest.approx(25.0)
    assert parts["raise_needed"]["disclosure"] is None        # would need +250
    assert parts["raise_needed"]["service_quality"] is None   # +100 → 150 > 100
    top = grades.waterfall_parts(history([("2024-Q1", 95.0, 10)]), "2024-Q1", "2024-Q1")
    assert top["next_grade"] is None and top["points_needed"] is None
    assert grades.waterfall_parts(history([("2024-Q1", 95.0, 10)]), "2025-Q1", "2025-Q4") \
        is None


# --- fee tiers and quality–price match --------------------------------------------------------


def test_fee_tiers_and_supported_tiers():
    assert [RULES.fee_tier(f) for f in (0.3, 0.99, 1.0, 1.59, 1.6, 2.5)] == [1, 1, 2, 2, 3, 3]
    assert RULES.fee_tier(None) is None
    assert [RULES.supported_tier(g) for g in grading.GRADES] == [3, 2, 1]
    assert [RULES.grade_for_tier(tier) for tier in (1, 2, 3)] == [
        "unqualified", "qualified", "excellent"]
    assert RULES.tier_range(1) == (None, 1.0) and RULES.tier_range(3) == (1.6, None)
    assert RULES.next_grade(74.0) == ("qualified", 75.0)
    assert RULES.next_grade(80.0) == ("excellent", 90.0) and RULES.next_grade(95.0) is None


def test_quality_price_mismatches_found_and_only_those():
    estates = pd.DataFrame([
        ("A", 1.80, 92.0, "excellent"),     # tier 3, 优秀 supports 3: fine
        ("B", 1.80, 85.0, "qualified"),     # tier 3, 合格 supports 2: gap 1, 5 points short
        ("C", 1.20, 85.0, "qualified"),     # tier 2: fine
        ("D", 1.20, 60.0, "unqualified"),   # tier 2, 不合格 supports 1: gap 1, 15 short
        ("E", 2.00, 60.0, "unqualified"),   # tier 3: gap 2, 30 short of 优秀
        ("F", 0.50, 60.0, "unqualified"),   # tier 1: fine
        ("G", None, 60.0, "unqualified"),   # no fee: not judged
    ], columns=["code", "fee", "score", "grade"])
    judged = grades.quality_price(estates).set_index("code")
    mismatched = judged[judged["gap"] > 0]
    assert list(mismatched.index) == ["B", "D", "E"]
    assert list(mismatched["gap"]) == [1, 1, 2]
    assert list(mismatched["points_short"]) == [5.0, 15.0, 30.0]
    assert list(mismatched["required_grade"]) == ["excellent", "qualified", "excellent"]
    assert list(mismatched["fee_ceiling"]) == [1.6, 1.0, 1.0]
    assert pd.isna(judged.loc["G", "gap"])
