"""Cached reads of the complaints page and the estate profile (5 minutes, keyed by the
database URL, the frozen Scope/Filters/Selection and the other arguments)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import complaints
from data_access.complaints import Selection
from data_access.filters import Filters, Scope


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _summary(db_url: str, scope: Scope, filters: Filters, selection: Selection | None,
             estate_code: str | None) -> dict[str, Any]:
    return complaints.summary(engine_for(db_url), scope, filters, selection, estate_code)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _breakdown(db_url: str, scope: Scope, filters: Filters, selection: Selection | None,
               by: str, estate_code: str | None) -> pd.DataFrame:
    return complaints.breakdown(engine_for(db_url), scope, filters, selection, by, estate_code)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _matrix(db_url: str, scope: Scope, filters: Filters, selection: Selection | None
            ) -> pd.DataFrame:
    return complaints.category_month_matrix(engine_for(db_url), scope, filters, selection)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _ranking(db_url: str, scope: Scope, filters: Filters, selection: Selection | None,
             min_households: int) -> pd.DataFrame:
    return complaints.estate_ranking(engine_for(db_url), scope, filters, selection,
                                     min_households)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _open(db_url: str, scope: Scope, filters: Filters | None, selection: Selection | None,
          estate_code: str | None, past_deadline_only: bool) -> tuple[pd.DataFrame, int]:
    return complaints.open_complaints(engine_for(db_url), scope, filters, selection,
                                      estate_code=estate_code,
                                      past_deadline_only=past_deadline_only)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _as_of(db_url: str) -> dt.date | None:
    return complaints.as_of(engine_for(db_url))


def summary(scope: Scope, filters: Filters, selection: Selection | None = None,
            estate_code: str | None = None) -> dict[str, Any]:
    return _summary(url(), scope, filters, selection, estate_code)


def breakdown(scope: Scope, filters: Filters, selection: Selection | None, by: str,
              estate_code: str | None = None) -> pd.DataFrame:
    return _breakdown(url(), scope, filters, selection, by, estate_code)


def category_month_matrix(scope: Scope, filters: Filters,
                          selection: Selection | None = None) -> pd.DataFrame:
    return _matrix(url(), scope, filters, selection)


def estate_ranking(scope: Scope, filters: Filters, selection: Selection | None,
                   min_households: int) -> pd.DataFrame:
    return _ranking(url(), scope, filters, selection, int(min_households))


def open_complaints(scope: Scope, filters: Filters | None = None,
                    selection: Selection | None = None, *, estate_code: str | None = None,
                    past_deadline_only: bool = True) -> tuple[pd.DataFrame, int]:
    return _open(url(), scope, filters, selection, estate_code, past_deadline_only)


def as_of() -> dt.date | None:
    return _as_of(url())
