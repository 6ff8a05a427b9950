"""Page-owned URL parameters (trends, complaints, estate profile) and chart selections.

:mod:`dashboard.state` owns ``lang``, ``period``, ``district`` and ``street``; the pages of
this area keep their own extra parameters in ``st.query_params`` (``grain``, ``by``,
``metric``, ``vs``, ``panels``, ``category``, ``channel``, ``month``, ``min_households``,
``estate``) and leave the others alone. A widget is initialised from the URL the first
time it is drawn in a session (or after a page switch, when Streamlit forgets widget
state); afterwards the widget decides and the URL follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


def param(name: str) -> str | None:
    """The URL parameter ``name`` (None when absent or empty)."""
    value = st.query_params.get(name)
    return value or None


def write_param(name: str, value: Any, default: Any = None) -> None:
    """Put ``value`` in the URL under ``name``; remove it when it is None or the default."""
    params = st.query_params
    if value is None or value == "" or value == default:
        if name in params:
            del params[name]
        return
    text = str(value)
    if params.get(name) != text:
        params[name] = text


def init_widget(name: str, widget_key: str, options: Sequence[str], default: str) -> str:
    """Initialise the widget state of a choice from the URL (when it has none yet or holds
    an option that no longer exists); returns the value the widget will show."""
    current = st.session_state.get(widget_key)
    if current not in options:
        from_url = param(name)
        st.session_state[widget_key] = from_url if from_url in options else default
    return st.session_state[widget_key]


def init_number(name: str, widget_key: str, default: int, low: int, high: int) -> int:
    """Like :func:`init_widget` for an integer parameter kept within [low, high]."""
    if not isinstance(st.session_state.get(widget_key), int):
        try:
            value = int(param(name) or default)
        except ValueError:
            value = default
        st.session_state[widget_key] = min(max(value, low), high)
    return st.session_state[widget_key]


def selected_customdata(chart_key: str) -> tuple[str, ...]:
    """The first customdata value of each point selected on the plotly chart ``chart_key``
    (empty when nothing is selected or the chart has not been drawn)."""
    state = st.session_state.get(chart_key)
    if not state:
        return ()
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return ()
    values = []
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and data:
            data = data[0]
        if data is not None and str(data) not in values:
            values.append(str(data))
    return tuple(values)


def new_selection(chart_key: str) -> tuple[bool, tuple[str, ...]]:
    """(changed, values): whether the selection on ``chart_key`` changed since the last run
    that looked at it, and what is selected now."""
    seen_key = f"_seen_{chart_key}"
    current = selected_customdata(chart_key)
    previous = st.session_state.get(seen_key, ())
    if current == previous:
        return False, current
    st.session_state[seen_key] = current
    return True, current


def open_estate(code: str) -> None:
    """Go to the estate profile of ``code``; language, period and area travel along in the
    URL exactly as :mod:`dashboard.state` wrote them (so the view is kept)."""
    from dashboard.state import URL_KEYS

    carried = {key: st.query_params[key] for key in URL_KEYS if st.query_params.get(key)}
    st.switch_page(str(_estate_page()), query_params={**carried, "estate": code})


def _estate_page():
    from dashboard.navigation import PAGES

    spec = next(spec for spec in PAGES if spec.url_path == "estate")
    return spec.path


def format_choice(prefix: str, lang: str) -> Callable[[str], str]:
    """format_func for options whose labels are catalog keys ``prefix + option``."""
    from dashboard.i18n import t

    return lambda option: t(f"{prefix}{option}", lang)
