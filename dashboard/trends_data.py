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
def _company_names(db_url: str, codes: tuple[str, ...]) -> dict[str, str]:
    return trends.company_names(engine_for(db_url), codes)


def monthly_sums(scope: Scope, filters: Filters | None, breakdown: str) -> pd.DataFrame:
    return _monthly(url(), scope, _area_only(filters), breakdown)


def series(scope: Scope, filters: Filters | None, breakdown: str, grain: str) -> pd.DataFrame:
    """Every metric per bucket and group over the whole data range."""
    return _series(url(), scope, _area_only(filters), breakdown, grain)


def company_names(codes) -> dict[str, str]:
    return _company_names(url(), tuple(sorted(set(codes))))
