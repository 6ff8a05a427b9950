"""Every metric against values computed by hand (tests/fixture_city.py)."""

import math

import pandas as pd
import pytest

from data_access import metrics, queries
from data_access.filters import Filters, Scope
from tests.fixture_city import EXPECTED

CASES = [(key, metric, value) for key, expected in EXPECTED.items()
         for metric, value in expected.items()]


@pytest.mark.parametrize("area, metric_key, expected", CASES,
                         ids=[f"{a[0]}-{a[1] or 'city'}-{a[2] or ''}-{m}" for a, m, _ in CASES])
def test_metric_matches_hand_computed_value(fixture_engine, area, metric_key, expected):
    period, district, street = area
    result = queries.kpis(fixture_engine, Scope.everything(), Filters(period, district, street))
    value = result.values[metric_key]
    if expected is None:
        assert value is None
    elif isinstance(expected, str):
        assert value == expected
    else:
        assert value == pytest.approx(expected, abs=1e-12)


def test_every_domain_metric_is_registered_once():
    domain_keys = {"satisfaction_rate", "payment_rate", "complaint_rate", "complaints_per_1000",
                   "coverage_rate", "unmanaged_estates", "committee_rate",
                   "on_time_response_rate", "resolution_rate", "grade"}
    keys = [m.key for m in metrics.METRICS]
    assert len(keys) == len(set(keys))
    assert domain_keys <= set(keys)
    for metric in metrics.METRICS:
        assert metric.label_zh and metric.label_en and metric.formula_zh and metric.formula_en
        assert metric.format in ("percent1", "percent2", "per1000", "count", "score", "grade")


def test_every_metric_covered_by_a_hand_computed_case():
    covered = {metric for _, metric, _ in CASES}
    assert covered == {m.key for m in metrics.METRICS}


def test_rate_is_ratio_of_sums_not_mean_of_rates():
    # two estates: 90/100 and 1/10 → 91/110, not (0.9 + 0.1) / 2
    frame = pd.DataFrame({"satisfied": [90, 1], "respondents": [100, 10]})
    per_estate = metrics.evaluate(frame)["satisfaction_rate"]
    assert list(per_estate) == [0.9, 0.1]
    total = metrics.evaluate({"satisfied": 91, "respondents": 110})["satisfaction_rate"]
    assert total == pytest.approx(91 / 110)


def test_complaint_rate_is_annualised():
    # 30 complaints in one quarter over 1,000 households → 30/1000 × 12/3 = 12 %
    values = metrics.evaluate({"complaints": 30, "household_months": 3000})
    assert values["complaint_rate"] == pytest.approx(0.12)
    assert values["complaints_per_1000"] == pytest.approx(120)


def test_undefined_metrics_are_none_not_zero():
    values = metrics.evaluate({})
    assert values["satisfaction_rate"] is None
    assert values["grade"] is None
    frame = metrics.evaluate(pd.DataFrame({"respondents": [0]}))
    assert math.isnan(frame.loc[0, "satisfaction_rate"])


@pytest.mark.parametrize("key, value, zh, en", [
    ("satisfaction_rate", 0.905, "90.5%", "90.5%"),
    ("complaint_rate", 0.004, "0.40%", "0.40%"),
    ("unmanaged_estates", 1234.0, "1,234", "1,234"),
    ("grade", "unqualified", "不合格", "Unqualified"),
    ("payment_rate", None, "—", "—"),
])
def test_format_value(key, value, zh, en):
    assert metrics.format_value(key, value, "zh") == zh
    assert metrics.format_value(key, value, "en") == en


def test_delta_and_target_text():
    assert metrics.format_delta("satisfaction_rate", 0.905, 0.57, "en") == "+33.5 pp"
    assert metrics.format_delta("satisfaction_rate", 0.905, 0.57, "zh") == "+33.5个百分点"
    assert metrics.format_delta("unmanaged_estates", 10, 14, "en") == "-4"
    assert metrics.format_delta("grade", "qualified", "excellent") is None
    assert metrics.format_target("complaint_rate") == "≤ 0.50%"
    assert metrics.get("complaint_rate").meets_target(0.004) is True
    assert metrics.get("satisfaction_rate").meets_target(0.85) is False


def test_unknown_metric_names_the_known_ones():
    with pytest.raises(KeyError, match="satisfaction_rate"):
        metrics.get("happiness")


def test_delta_that_rounds_to_zero_has_no_sign():
    assert metrics.format_delta("satisfaction_rate", 0.90001, 0.9, "en") == "0.0 pp"
    assert metrics.format_delta("unmanaged_estates", 5, 5, "en") == "0"
    assert metrics.format_delta("unmanaged_estates", 1500, 10, "en") == "+1,490"
