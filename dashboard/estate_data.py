"""Cached reads of the estate profile."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import estates, trends
from data_access.filters import Filters, Scope


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _find(db_url: str, scope: Scope, code: str | None) -> dict[str, Any] | None:
    return estates.find_estate(engine_for(db_url), scope, code)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _list(db_url: str, scope: Scope) -> pd.DataFrame:
    return estates.list_estates(engine_for(db_url), scope)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _contracts(db_url: str, scope: Scope, code: str) -> pd.DataFrame:
    return estates.contract_history(engine_for(db_url), scope, code)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _series(db_url: str, scope: Scope, code: str, grain: str) -> pd.DataFrame:
    return trends.series(estates.monthly_sums(engine_for(db_url), scope, code), grain)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _grades(db_url: str, scope: Scope, code: str) -> pd.DataFrame:
    return estates.grades(engine_for(db_url), scope, code)


def find_estate(scope: Scope, code: str | None) -> dict[str, Any] | None:
    return _find(url(), scope, code)


def list_estates(scope: Scope) -> pd.DataFrame:
    return _list(url(), scope)


def contract_history(scope: Scope, code: str) -> pd.DataFrame:
    return _contracts(url(), scope, code)


def estate_series(scope: Scope, code: str, grain: str) -> pd.DataFrame:
    return _series(url(), scope, code, grain)


def grades(scope: Scope, code: str) -> pd.DataFrame:
    return _grades(url(), scope, code)


def street_filters(facts: dict[str, Any]) -> Filters:
    return estates.area_series_filters(facts)
