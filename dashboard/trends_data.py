"""Cached reads of the trends page: monthly sums per (scope, area, breakdown) for the
whole data range — grain, period and metric changes are folded from them in memory."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import trends
from data_access.filters import Filters, Scope


def _area_only(filters: Filters | None) -> Filters | None:
    """Only the area matters for monthly sums: key the cache on it, not on the period."""
    if filters is None:
        return None
    return Filters(period="2000", district=filters.district, street=filters.street)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _monthly(db_url: str, scope: Scope, filters: Filters | None, breakdown: str
             ) -> pd.DataFrame:
    return trends.monthly_sums(engine_for(db_url), scope, filters, breakdown)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _series(db_url: str, scope: Scope, filters: Filters | None, breakdown: str,
            grain: str) -> pd.DataFrame:
    return trends.series(_monthly(db_url, scope, filters, breakdown), grain)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _period_values(db_url: str, scope: Scope, filters: Filters | None, breakdown: str,
                   period: str) -> pd.DataFrame:
    return trends.period_values(_monthly(db_url, scope, filters, breakdown), period)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _compare(db_url: str, scope: Scope, filters: Filters | None, breakdown: str,
             period_a: str, period_b: str, metric_key: str) -> pd.DataFrame:
    return trends.compare_periods(_monthly(db_url, scope, filters, breakdown), period_a,
                                  period_b, metric_key)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _company_names(db_url: str, codes: tuple[str, ...]) -> dict[str, str]:
    return trends.company_names(engine_for(db_url), codes)


def monthly_sums(scope: Scope, filters: Filters | None, breakdown: str) -> pd.DataFrame:
    return _monthly(url(), scope, _area_only(filters), breakdown)


def series(scope: Scope, filters: Filters | None, breakdown: str, grain: str) -> pd.DataFrame:
    """Every metric per bucket and group over the whole data range."""
    return _series(url(), scope, _area_only(filters), breakdown, grain)


def period_values(scope: Scope, filters: Filters | None, breakdown: str,
                  period: str) -> pd.DataFrame:
    """Every metric per group over one period (trends.period_values)."""
    return _period_values(url(), scope, _area_only(filters), breakdown, period)


def compare_periods(scope: Scope, filters: Filters | None, breakdown: str, period_a: str,
                    period_b: str, metric_key: str) -> pd.DataFrame:
    """One metric per group in two periods (trends.compare_periods)."""
    return _compare(url(), scope, _area_only(filters), breakdown, period_a, period_b,
                    metric_key)


def company_names(codes) -> dict[str, str]:
    return _company_names(url(), tuple(sorted(set(codes))))
