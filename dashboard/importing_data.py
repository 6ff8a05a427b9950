"""Cached reads of the import page: the import history (5 minutes, keyed by the database
URL; cleared with every other cached result after an import) and the blank templates."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, engine_for, url
from data_access import import_history as history
from data_access.importing import TABLE_ORDER, write_template

TEMPLATE_FORMATS = ("csv", "xlsx")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _import_history(db_url: str, limit: int) -> pd.DataFrame:
    return history.import_history(engine_for(db_url), limit)


def import_history(limit: int = 200) -> pd.DataFrame:
    """The newest ``limit`` imports, newest first (see data_access.import_history)."""
    return _import_history(url(), limit)


@st.cache_data(show_spinner=False)
def template(table: str, fmt: str) -> bytes:
    """The blank template of ``table`` as ``fmt`` ("csv" or "xlsx")."""
    return write_template(table, fmt)


def template_file_name(table: str, fmt: str) -> str:
    return f"{table}.{fmt}"


@st.cache_data(show_spinner=False)
def templates_zip() -> bytes:
    """Every table's CSV and XLSX template in one zip (companies.csv, companies.xlsx, …)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLE_ORDER:
            for fmt in TEMPLATE_FORMATS:
                archive.writestr(template_file_name(table, fmt), write_template(table, fmt))
    return buffer.getvalue()
