"""The raw-table chart queries (the benchmark's comparison) give the numbers of the
summary-based queries — and the hand-computed figures of the fixture city — so the
benchmark compares like with like."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from data_access import complaints, queries, raw_queries
from data_access.filters import Filters, Scope
from tests.fixture_city import D1, D2, EXPECTED, S1

EVERYONE = Scope.everything()
AREAS = [(None, None), (D1, None), (D1, S1), (D2, None)]
SCOPES = [EVERYONE, Scope(street_codes=frozenset({S1})), Scope(district_codes=frozenset({D2}))]


def _same(left, right) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, str) or isinstance(right, str):
        return left == right
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(("period", "district", "street"), list(EXPECTED))
def test_raw_kpis_match_the_hand_computed_figures(fixture_engine, period, district, street):
    values = raw_queries.kpis(fixture_engine, EVERYONE, Filters(period, district, street))
    for metric, expected in EXPECTED[(period, district, street)].items():
        assert _same(values[metric], expected), (metric, values[metric], expected)


@pytest.mark.parametrize("scope", SCOPES, ids=["everything", "street S1", "district D2"])
@pytest.mark.parametrize("period", ["2024", "2024-Q3"])
@pytest.mark.parametrize(("district", "street"), AREAS)
def test_raw_kpis_equal_summary_kpis(fixture_engine, scope, period, district, street):
    filters = Filters(period, district, street)
    summary = queries.kpis(fixture_engine, scope, filters)
    raw = raw_queries.kpis(fixture_engine, scope, filters)
    if not summary.has_data:
        assert raw == {}
        return
    assert summary.values.keys() == raw.keys()
    for metric, value in summary.values.items():
        assert _same(raw[metric], value), (metric, raw[metric], value)


def _assert_metric_frames_equal(summary: pd.DataFrame, raw: pd.DataFrame, keys: list[str]):
    assert len(summary) == len(raw) > 0
    summary = summary.sort_values(keys).reset_index(drop=True)
    raw = raw.sort_values(keys).reset_index(drop=True)
    for column in summary.columns:
        for left, right in zip(summary[column], raw[column]):
            both_missing = (left is None or (not isinstance(left, str) and pd.isna(left))) and (
                right is None or (not isinstance(right, str) and pd.isna(right)))
            assert both_missing or _same(left, right), (column, left, right)


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
@pytest.mark.parametrize(("district", "street"), AREAS)
def test_raw_series_equal_summary_series(fixture_engine, grain, district, street):
    filters = Filters("2024", district, street)
    summary = queries.kpi_series(fixture_engine, EVERYONE, filters, grain)
    raw = raw_queries.kpi_series(fixture_engine, EVERYONE, filters, grain)
    assert len(summary) == {"month": 12, "quarter": 4, "year": 1}[grain]
    _assert_metric_frames_equal(summary, raw[summary.columns], ["bucket"])


@pytest.mark.parametrize("period", ["2024", "2024-Q2"])
@pytest.mark.parametrize(("district", "street"), AREAS)
def test_raw_by_area_equals_summary_by_area(fixture_engine, period, district, street):
    filters = Filters(period, district, street)
    summary = queries.kpis_by_area(fixture_engine, EVERYONE, filters).drop(columns="level")
    raw = raw_queries.kpis_by_area(fixture_engine, EVERYONE, filters)
    _assert_metric_frames_equal(summary, raw[summary.columns], ["code"])


def test_raw_by_area_per_district_counts(fixture_engine):
    """Hand figures: D1 holds E1–E3 (600 households, 5 complaints), D2 only E4."""
    frame = raw_queries.kpis_by_area(fixture_engine, EVERYONE, Filters("2024")).set_index("code")
    assert frame.loc[D1, "complaints"] == 5
    assert frame.loc[D2, "complaints"] == 1
    assert frame.loc[D1, "households"] == 600
    assert frame.loc[D2, "unmanaged_estates"] == 1


@pytest.mark.parametrize("period", ["2024", "2024-05"])
@pytest.mark.parametrize(("district", "street"), AREAS)
def test_raw_category_matrix_equals_summary_matrix(fixture_engine, period, district, street):
    filters = Filters(period, district, street)
    summary = complaints.category_month_matrix(fixture_engine, EVERYONE, filters)
    raw = raw_queries.category_month_matrix(fixture_engine, EVERYONE, filters)
    pd.testing.assert_frame_equal(raw, summary, check_dtype=False, check_names=False)


def test_raw_category_matrix_counts_every_complaint(fixture_engine):
    """Six complaints K1–K6 in 2024; two in September (K1, K2)."""
    matrix = raw_queries.category_month_matrix(fixture_engine, EVERYONE, Filters("2024"))
    assert matrix.to_numpy().sum() == 6
    assert matrix["2024-09"].sum() == 2
