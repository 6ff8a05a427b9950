"""Cached reads of the coverage page: thin st.cache_data wrappers around
:mod:`data_access.coverage` and :mod:`data_access.bundles`, keyed by the database URL
string and the hashable Scope/Filters/settings (never by the engine).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import bundles, coverage
from data_access.filters import Filters, Scope


def _area(filters: Filters, month: str, keep_street: bool = True) -> Filters:
    """Filters reduced to what a month-based read needs (period = the month)."""
    return Filters(period=month, district=filters.district,
                   street=filters.street if keep_street else None)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _as_of_month(db_url: str, filters: Filters) -> str | None:
    return coverage.as_of_month(engine_for(db_url), filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _estates(db_url: str, scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    return coverage.estates(engine_for(db_url), scope, filters, month)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _shapes(db_url: str, scope: Scope, filters: Filters, month: str
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    engine = engine_for(db_url)
    streets, districts = coverage.area_shapes(engine, scope, filters)
    figures = coverage.street_coverage(engine, scope, filters, month)
    return streets.merge(figures, on="code", how="left"), districts


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _unmanaged_since(db_url: str, scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    return coverage.unmanaged_since(engine_for(db_url), scope, filters, month)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _company_grades(db_url: str, scope: Scope, month: str) -> pd.DataFrame:
    return coverage.company_grades(engine_for(db_url), scope, month)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _trend(db_url: str, scope: Scope, filters: Filters, grain: str) -> pd.DataFrame:
    return coverage.coverage_trend(engine_for(db_url), scope, filters, grain)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _nearest(db_url: str, scope: Scope, filters: Filters, month: str, k: int) -> pd.DataFrame:
    shown = _estates(db_url, scope, _area(filters, month), month)
    context = _estates(db_url, scope, _area(filters, month, keep_street=False), month)
    return bundles.nearest_managed(shown[~shown["managed"]], context[context["managed"]], k)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _plan(db_url: str, scope: Scope, filters: Filters, month: str,
          settings: bundles.BundleSettings):
    shown = _estates(db_url, scope, _area(filters, month), month)
    context = _estates(db_url, scope, _area(filters, month, keep_street=False), month)
    unmanaged = shown[~shown["managed"]]
    managed = context[context["managed"]]
    plan, members = bundles.make_bundles(unmanaged, settings)
    grades = _company_grades(db_url, scope, month)
    candidates = bundles.candidate_companies(members, unmanaged, managed, grades, settings)
    shapes = bundles.bundle_shapes(members, unmanaged, settings)
    return plan, members, candidates, shapes


# --- what the components call --------------------------------------------------------------

def as_of_month(filters: Filters) -> str | None:
    return _as_of_month(url(), filters)


def estates(scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    """Estates of the filters' area in ``month`` (see data_access.coverage.estates)."""
    return _estates(url(), scope, _area(filters, month), month)


def shapes(scope: Scope, filters: Filters, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(streets with coverage figures, districts) of the filters' area."""
    return _shapes(url(), scope, _area(filters, month), month)


def unmanaged_since(scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    return _unmanaged_since(url(), scope, _area(filters, month), month)


def company_grades(scope: Scope, month: str) -> pd.DataFrame:
    return _company_grades(url(), scope, month)


def trend(scope: Scope, filters: Filters, grain: str) -> pd.DataFrame:
    """Coverage trend of the filters' area (the period is not applied)."""
    return _trend(url(), scope, Filters(period="2000", district=filters.district,
                                        street=filters.street), grain)


def nearest(scope: Scope, filters: Filters, month: str, k: int = 3) -> pd.DataFrame:
    """The k nearest managed estates (anywhere in the district) of each unmanaged estate
    of the filters' area."""
    return _nearest(url(), scope, _area(filters, month), month, k)


def plan(scope: Scope, filters: Filters, month: str, settings: bundles.BundleSettings):
    """(bundles, members, candidates, shapes) of the unmanaged estates of the area."""
    return _plan(url(), scope, _area(filters, month), month, settings)
