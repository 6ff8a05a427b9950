"""Cached reads for the pages: thin wrappers around :mod:`data_access.queries`.

* One engine per database URL (``st.cache_resource``); the URL is read with
  :func:`data_access.config.database_url` at call time, so tests can point
  ``DASHBOARD_DB_URL`` at a fixture database.
* Every query result is cached for 5 minutes (``st.cache_data``) keyed by the URL string
  and the hashable arguments (Scope, Filters, …) — never by the engine.
* Nothing runs at import time.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from data_access import queries
from data_access.config import database_url
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.periods import Period

TTL_SECONDS = 300


def url() -> str:
    """The database URL in effect now."""
    return database_url()


@st.cache_resource(show_spinner=False)
def engine_for(db_url: str) -> Engine:
    return make_engine(db_url)


def engine() -> Engine:
    """The (shared) engine of the current database URL."""
    return engine_for(url())


# --- cached query wrappers (first argument: the URL string, part of the cache key) -------

@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _get_meta(db_url: str) -> dict[str, str]:
    return queries.get_meta(engine_for(db_url))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _is_demo(db_url: str) -> bool:
    return queries.is_demo(engine_for(db_url))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _data_months(db_url: str) -> tuple[str, str] | None:
    return queries.data_months(engine_for(db_url))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _default_period(db_url: str) -> Period | None:
    return queries.default_period(engine_for(db_url))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _list_districts(db_url: str, scope: Scope) -> pd.DataFrame:
    return queries.list_districts(engine_for(db_url), scope)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _list_streets(db_url: str, scope: Scope, district_code: str | None) -> pd.DataFrame:
    return queries.list_streets(engine_for(db_url), scope, district_code)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _area_names(db_url: str, scope: Scope, lang: str) -> dict[str, str]:
    return queries.area_names(engine_for(db_url), scope, lang)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _milestones(db_url: str) -> pd.DataFrame:
    return queries.milestones(engine_for(db_url))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _kpis(db_url: str, scope: Scope, filters: Filters) -> queries.KpiResult:
    return queries.kpis(engine_for(db_url), scope, filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _kpi_series(db_url: str, scope: Scope, filters: Filters | None, grain: str,
                first_month: str | None, last_month: str | None) -> pd.DataFrame:
    return queries.kpi_series(engine_for(db_url), scope, filters, grain, first_month,
                              last_month)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _kpis_by_area(db_url: str, scope: Scope, filters: Filters) -> pd.DataFrame:
    return queries.kpis_by_area(engine_for(db_url), scope, filters)


# --- what pages and components call ------------------------------------------------------

def get_meta() -> dict[str, str]:
    return _get_meta(url())


def is_demo() -> bool:
    return _is_demo(url())


def data_months() -> tuple[str, str] | None:
    """(first, last) month with data, or None for an empty database."""
    return _data_months(url())


def default_period() -> Period | None:
    return _default_period(url())


def list_districts(scope: Scope) -> pd.DataFrame:
    return _list_districts(url(), scope)


def list_streets(scope: Scope, district_code: str | None = None) -> pd.DataFrame:
    return _list_streets(url(), scope, district_code or None)


def area_names(scope: Scope, lang: str) -> dict[str, str]:
    return _area_names(url(), scope, lang)


def milestones() -> pd.DataFrame:
    return _milestones(url())


def kpis(scope: Scope, filters: Filters) -> queries.KpiResult:
    return _kpis(url(), scope, filters)


def previous_kpis(scope: Scope, filters: Filters) -> queries.KpiResult:
    """The KPIs of the period just before the filters' period (same area)."""
    return kpis(scope, filters.with_period(filters.period_obj.previous()))


def kpi_series(scope: Scope, filters: Filters | None, grain: str = "month",
               first_month: str | None = None, last_month: str | None = None) -> pd.DataFrame:
    """Metrics per month/quarter/year for the filters' area (the period is not applied)."""
    if filters is not None:
        # Only the area matters for a series: key the cache on it, not on the period.
        filters = Filters(period="2000", district=filters.district, street=filters.street)
    return _kpi_series(url(), scope, filters, grain, first_month, last_month)


def kpis_by_area(scope: Scope, filters: Filters) -> pd.DataFrame:
    return _kpis_by_area(url(), scope, filters)


def clear_caches() -> None:
    """Forget every cached result (the engine too)."""
    st.cache_data.clear()
    st.cache_resource.clear()
