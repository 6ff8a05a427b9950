"""Running app pages under Streamlit's AppTest against a chosen database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.testing.v1 import AppTest

from data_access.config import DB_URL_ENV
from tests.browser_support import ROOT

APP = ROOT / "dashboard" / "app.py"


@contextmanager
def app_database(url: str, monkeypatch) -> Iterator[str]:
    """Point the app at ``url`` with empty Streamlit caches (before and after)."""
    monkeypatch.setenv(DB_URL_ENV, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def assert_ok(at: AppTest) -> None:
    """The run raised nothing and showed no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def open_page(page: str, **params: str) -> AppTest:
    """Run ``page`` (e.g. "../pages/trends.py") with URL ``params``; assert it ran clean."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert_ok(at)
    return at
