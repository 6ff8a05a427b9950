"""Cached reads of the grades pages: thin wrappers around :mod:`data_access.grades`.

Same pattern as :mod:`dashboard.data`: cached by the database URL string and the hashable
Scope/Filters (never the engine); nothing runs at import time. The grading rules are
read from assets/grading.toml by the data-access layer.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import grades
from data_access.filters import Filters, Scope


def _area(filters: Filters) -> Filters:
    """The filters' area only (the period set to a constant), for caches keyed on area."""
    return Filters(period="2000", district=filters.district, street=filters.street)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _league(db_url: str, scope: Scope, filters: Filters) -> tuple[pd.DataFrame, dict]:
    result = grades.league(engine_for(db_url), scope, filters)
    table = grades.add_funnel_signals(result)
    info = {"first_quarter": result.first_quarter, "last_quarter": result.last_quarter,
            "last_month": result.last_month, "months": result.months, "city": result.city}
    return table, info


def league(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, dict]:
    """(league table with funnel signals, {first_quarter, last_quarter, last_month,
    months, city}) for the filters' period and area."""
    return _league(url(), scope, filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _key_supervision(db_url: str, scope: Scope, filters: Filters):
    return grades.key_supervision_lists(engine_for(db_url), scope, filters)


def key_supervision(scope: Scope, filters: Filters):
    """(quarter, companies, projects) on key supervision at the period's end."""
    return _key_supervision(url(), scope, filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _red_black(db_url: str, scope: Scope, year: int, area: Filters) -> pd.DataFrame:
    return grades.red_black_list(engine_for(db_url), scope, year, area)


def red_black(scope: Scope, year: int, filters: Filters) -> pd.DataFrame:
    return _red_black(url(), scope, year, _area(filters))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _list_years(db_url: str, scope: Scope) -> list[int]:
    return grades.list_years(engine_for(db_url), scope)


def list_years(scope: Scope) -> list[int]:
    return _list_years(url(), scope)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _mismatches(db_url: str, scope: Scope, filters: Filters) -> tuple[pd.DataFrame, int]:
    return grades.mismatches(engine_for(db_url), scope, filters)


def mismatches(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, int]:
    return _mismatches(url(), scope, filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _companies(db_url: str) -> pd.DataFrame:
    return grades.companies(engine_for(db_url))


def companies() -> pd.DataFrame:
    return _companies(url())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _company_estates(db_url: str, scope: Scope, company_id: int, period: str) -> pd.DataFrame:
    return grades.company_estates(engine_for(db_url), scope, company_id, Filters(period))


def company_estates(scope: Scope, company_id: int, filters: Filters) -> pd.DataFrame:
    return _company_estates(url(), scope, company_id, filters.period)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _dimension_history(db_url: str, scope: Scope, company_id: int) -> pd.DataFrame:
    return grades.company_dimension_history(engine_for(db_url), scope, company_id)


def dimension_history(scope: Scope, company_id: int) -> pd.DataFrame:
    return _dimension_history(url(), scope, company_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _categories(db_url: str, scope: Scope, company_id: int, first: str, last: str
                ) -> pd.DataFrame:
    return grades.company_categories(engine_for(db_url), scope, company_id, first, last)


def categories(scope: Scope, company_id: int, filters: Filters) -> pd.DataFrame:
    period = filters.period_obj
    return _categories(url(), scope, company_id, period.first_month, period.last_month)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _company_history(db_url: str, scope: Scope, company_id: int):
    return grades.company_history(engine_for(db_url), scope, company_id)


def company_history(scope: Scope, company_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _company_history(url(), scope, company_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _outlines(db_url: str, scope: Scope) -> pd.DataFrame:
    return grades.district_outlines(engine_for(db_url), scope)


def outlines(scope: Scope) -> pd.DataFrame:
    return _outlines(url(), scope)
