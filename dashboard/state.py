"""Language, viewer scope and filters: URL ⇄ widgets ⇄ session state.

The view lives in the URL: ``?lang=zh|en&period=2024&district=371002&street=371002001``,
so a copied link reopens the same view. Each run resolves the values in this order:

1. the URL, when it is not one this session recently wrote there (first load, a link
   followed inside the session, a test setting query parameters);
2. the widget's own value (the user just changed it);
3. the session's remembered value (kept under :data:`STATE_KEY`, so filters survive a
   page switch even on pages that do not render the filter widgets, and when Streamlit
   drops query parameters on navigation);
4. the default: Chinese, :func:`data_access.queries.default_period`, whole city.

Every value is validated: an unparseable period falls back to the default period, a
period without data is kept (the pages explain that it has no data), unknown district or
street codes are ignored, and a street given without its district brings its district.
The resolved values are written back to the URL on every run.

Widget keys (also usable with ``st.session_state`` and AppTest): :data:`KEY_LANG`,
:data:`KEY_PERIOD_KIND`, :data:`KEY_PERIOD`, :data:`KEY_DISTRICT`, :data:`KEY_STREET`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from dashboard import data
from dashboard.i18n import DEFAULT_LANG, LANGS, normalize_lang, t
from data_access.filters import Filters, Scope
from data_access.periods import Period, PeriodError, periods_between

KEY_LANG = "lang"
KEY_PERIOD_KIND = "period_kind"
KEY_PERIOD = "period"
KEY_DISTRICT = "district"
KEY_STREET = "street"

#: URL query parameters owned by this module.
URL_KEYS = ("lang", "period", "district", "street")
#: Session-state key of the remembered values (not a widget key).
STATE_KEY = "_dashboard_view"

PERIOD_KINDS = ("year", "quarter", "month")
ALL = ""  # option value of "whole city" / "all streets"
_URL_HISTORY = 3  # recent URLs written by the session that do not count as a new link


# --- scope --------------------------------------------------------------------------------

def viewer_scope() -> Scope:
    """What the viewer may see. The one place to plug in login and roles later."""
    return Scope.everything()


# --- remembered values and the URL ----------------------------------------------------------

def _memory() -> dict[str, Any]:
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = {}
    return st.session_state[STATE_KEY]


def _url_values() -> dict[str, str]:
    params = st.query_params
    return {key: params.get(key) for key in URL_KEYS if params.get(key)}


def _take_url_if_changed() -> None:
    """Adopt the URL's values when the URL is not the one this session last wrote.

    A URL emptied by a page switch is not a change: the remembered values stay.
    """
    memory = _memory()
    current = _url_values()
    written = memory.get("written")  # URLs this session wrote (or adopted), latest last
    # a URL this session wrote recently is not a change either: a rerun may carry the
    # browser's URL from just before the last write reached it
    if written is not None and (not current or current in written):
        return
    memory["url"] = current
    memory["written"] = [current]  # handled: do not adopt the same URL twice
    memory.pop("lang", None)
    memory.pop("period", None)
    memory.pop("district", None)
    memory.pop("street", None)
    for key in (KEY_LANG, KEY_PERIOD_KIND, KEY_PERIOD, KEY_DISTRICT, KEY_STREET):
        if key in st.session_state:
            del st.session_state[key]


def _requested(name: str, widget_key: str) -> Any:
    """The value asked for: widget value, then remembered value, then URL value."""
    if widget_key in st.session_state:
        return st.session_state[widget_key]
    memory = _memory()
    if name in memory:
        return memory[name]
    return memory.get("url", {}).get(name)


def _write_url(values: dict[str, str]) -> None:
    params = st.query_params
    for key in URL_KEYS:
        wanted = values.get(key)
        if wanted:
            if params.get(key) != wanted:
                params[key] = wanted
        elif key in params:
            del params[key]
    memory = _memory()
    latest = {k: v for k, v in values.items() if v}
    history = [url for url in memory.get("written", []) if url != latest]
    memory["written"] = [*history[-(_URL_HISTORY - 1):], latest]


# --- language -------------------------------------------------------------------------------

def current_lang() -> str:
    """The language of this run: 'zh' (default) or 'en'."""
    _take_url_if_changed()
    lang = normalize_lang(_requested("lang", KEY_LANG))
    _memory()["lang"] = lang
    return lang


def language_switch() -> str:
    """The 中文 / English switch (in the sidebar); returns the language."""
    lang = current_lang()
    st.session_state[KEY_LANG] = lang
    chosen = st.sidebar.segmented_control(
        t("lang.label", lang), LANGS, key=KEY_LANG, required=True,
        format_func=lambda code: t(f"lang.{code}", lang))
    lang = normalize_lang(chosen)
    _memory()["lang"] = lang
    return lang


# --- filters --------------------------------------------------------------------------------

def _parse_period(value: Any) -> Period | None:
    if not value:
        return None
    try:
        return Period.parse(str(value))
    except PeriodError:
        return None


def _fallback_period() -> Period:
    return data.default_period() or Period("year", dt.date.today().year)


def period_options(kind: str) -> list[str]:
    """Keys of the periods of ``kind`` that have data, latest first."""
    span = data.data_months()
    if span is None:
        return []
    return [p.key for p in reversed(periods_between(span[0], span[1], kind))]


def _period_for_kind(period: Period, kind: str) -> Period:
    """The period of ``kind`` closest to ``period``: the one holding its last month, or
    the latest with data before it."""
    if period.kind == kind:
        return period
    candidates = [Period.parse(k) for k in period_options(kind)]
    earlier = [p for p in candidates if p.first_month <= period.last_month]
    if earlier:
        return earlier[0]
    if candidates:
        return candidates[-1]
    return periods_between(period.last_month, period.last_month, kind)[0]


def _resolve_period() -> Period:
    period = _parse_period(_requested("period", KEY_PERIOD)) or _fallback_period()
    kind = st.session_state.get(KEY_PERIOD_KIND)
    if kind in PERIOD_KINDS and kind != period.kind:
        period = _period_for_kind(period, kind)
    return period


def _resolve_area(scope: Scope) -> tuple[str | None, str | None]:
    districts = data.list_districts(scope)
    district_codes = set(districts["code"])
    district = _requested("district", KEY_DISTRICT) or None
    street = _requested("street", KEY_STREET) or None
    # a district chosen in the widget (whole city included) decides; only a link may give
    # a street without its district
    district_chosen = KEY_DISTRICT in st.session_state
    if district not in district_codes:
        district = None
    if street:
        streets = data.list_streets(scope)
        match = streets[streets["code"] == street]
        if match.empty:
            street = None
        elif district is None:
            district = None if district_chosen else match.iloc[0]["district_code"]
            street = None if district_chosen else street
        elif match.iloc[0]["district_code"] != district:
            street = None
    return district, street


def _period_label(key: str, lang: str, with_data: set[str]) -> str:
    label = Period.parse(key).label(lang)
    return label if key in with_data else t("filter.period_no_data", lang, period=label)


def sidebar_filters(*, show: bool = True) -> Filters:
    """Resolve the filters, render their widgets in the sidebar (unless ``show`` is
    False) and write them, with the language, to the URL. Returns the Filters."""
    lang = current_lang()
    scope = viewer_scope()
    period = _resolve_period()
    district, street = _resolve_area(scope)

    if show:
        sidebar = st.sidebar
        sidebar.subheader(t("filter.header", lang))
        st.session_state[KEY_PERIOD_KIND] = period.kind
        kind = sidebar.segmented_control(
            t("filter.granularity", lang), PERIOD_KINDS, key=KEY_PERIOD_KIND,
            required=True, format_func=lambda k: t(f"grain.{k}", lang))
        if kind != period.kind:  # cannot happen with required=True; stay safe
            period = _period_for_kind(period, kind or period.kind)
        with_data = set(period_options(period.kind))
        options = sorted(with_data | {period.key}, key=Period.parse, reverse=True)
        st.session_state[KEY_PERIOD] = period.key
        chosen = sidebar.selectbox(
            t("filter.period", lang), options, key=KEY_PERIOD,
            format_func=lambda k: _period_label(k, lang, with_data))
        period = Period.parse(chosen)

        names = data.area_names(scope, lang)
        district_options = [ALL, *data.list_districts(scope)["code"]]
        st.session_state[KEY_DISTRICT] = district or ALL
        district = sidebar.selectbox(
            t("filter.district", lang), district_options, key=KEY_DISTRICT,
            format_func=lambda c: names.get(c, c) if c else t("filter.all_city", lang)
        ) or None
        if district:
            street_options = [ALL, *data.list_streets(scope, district)["code"]]
            if street not in street_options:
                street = None
            st.session_state[KEY_STREET] = street or ALL
            street = sidebar.selectbox(
                t("filter.street", lang), street_options, key=KEY_STREET,
                format_func=lambda c: names.get(c, c) if c else t("filter.all_streets", lang)
            ) or None
        else:
            street = None
            st.session_state[KEY_STREET] = ALL
            sidebar.selectbox(
                t("filter.street", lang), [ALL], key=KEY_STREET, disabled=True,
                format_func=lambda _c: t("filter.street_needs_district", lang))

    filters = Filters(period=period.key, district=district, street=street)
    memory = _memory()
    memory.update(period=filters.period, district=filters.district,
                  street=filters.street, filters=filters)
    _write_url({"lang": lang, **filters.to_query_params()})
    return filters


def current_filters() -> Filters:
    """The filters resolved in this run by :func:`sidebar_filters` (resolved now, without
    widgets, if the page runs outside the app shell)."""
    filters = _memory().get("filters")
    if isinstance(filters, Filters):
        return filters
    return sidebar_filters(show=False)


def reset_view() -> None:
    """Forget the remembered view (tests, a future "reset" button)."""
    st.session_state.pop(STATE_KEY, None)


__all__ = [
    "ALL", "DEFAULT_LANG", "KEY_DISTRICT", "KEY_LANG", "KEY_PERIOD", "KEY_PERIOD_KIND",
    "KEY_STREET", "PERIOD_KINDS", "STATE_KEY", "URL_KEYS", "current_filters", "current_lang",
    "language_switch", "period_options", "reset_view", "sidebar_filters", "viewer_scope",
]
