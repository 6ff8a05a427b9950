import pandas as pd
import pytest

from data_access import grading
from data_access.schema import ASSESSMENT_DIMENSIONS


def _rows(scores_by_assessor):
    return pd.DataFrame([
        {"estate_id": 1, "quarter": "2024-Q1", "assessor": assessor, "company_id": 7,
         **scores} for assessor, scores in scores_by_assessor.items()])


def test_weighted_score_by_hand():
    rules = grading.load_rules()
    street = dict.fromkeys(ASSESSMENT_DIMENSIONS, 80.0) | {"service_quality": 100.0}
    owners = dict.fromkeys(ASSESSMENT_DIMENSIONS, 60.0)
    scored = grading.project_scores(_rows({"street": street, "owners": owners}), rules)
    # street: 0.25×100 + 0.75×80 = 85; owners: 60; assessor weights 0.25 / 0.25 → 72.5
    assert scored.loc[0, "score"] == pytest.approx(72.5)
    assert scored.loc[0, "company_id"] == 7
    assert rules.grade(72.5) == "unqualified"


def test_thresholds_and_weights_change_results():
    default = grading.load_rules()
    assert default.grade(90.0) == "excellent"
    assert default.grade(89.99) == "qualified"
    assert default.grade(75.0) == "qualified"
    assert default.grade(74.9) == "unqualified"
    stricter = grading.GradingRules(default.dimension_weights, (("owners", 1.0),), 95.0, 80.0)
    street = dict.fromkeys(ASSESSMENT_DIMENSIONS, 100.0)
    owners = dict.fromkeys(ASSESSMENT_DIMENSIONS, 78.0)
    scored = grading.project_scores(_rows({"street": street, "owners": owners}), stricter)
    assert scored.loc[0, "score"] == pytest.approx(78.0)   # only owners count now
    assert stricter.grade(78.0) == "unqualified"


def test_missing_dimension_is_left_out_not_zero():
    rules = grading.load_rules()
    scores = dict.fromkeys(ASSESSMENT_DIMENSIONS, 90.0) | {"party_building": None}
    scored = grading.project_scores(_rows({"street": scores}), rules)
    assert scored.loc[0, "score"] == pytest.approx(90.0)
