"""Streamlit blocks of the complaints page: cross-filter selection and chips, headline
numbers, charts by category / channel / month, the heatmap, the handling chain, the
open complaints past deadline and the estates ranked by complaint rate.

Table builders (``*_table``) are pure: they turn data frames into what the page shows,
with headers in the page language; the same frames are what the downloads hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import complaints_charts as charts
from dashboard import complaints_data as data
from dashboard import components
from dashboard.charts import PLOTLY_CONFIG
from dashboard.i18n import has_key, t
from dashboard.trends_downloads import download_buttons, safe_stem
from dashboard.trends_state import (
    init_number,
    new_selection,
    open_estate,
    param,
    write_param,
)
from data_access import complaints, metrics
from data_access.complaints import Selection
from data_access.filters import Filters, Scope
from data_access.periods import Period
from data_access.schema import CHANNELS, COMPLAINT_CATEGORIES, RESOLVED_LEVELS

#: Chart key stems of the charts whose selection filters the page.
CHART_KEYS = {"category": "complaints_by_category", "channel": "complaints_by_channel",
              "month": "complaints_by_month"}
KEY_MIN_HOUSEHOLDS = "complaints_min_households"
KEY_RANKING = "complaints_ranking"
KEY_OPEN = "complaints_open"
KEY_SMALL = "complaints_small"
RANKED_ROWS = 20
_NONCE = "_complaints_chart_nonce"


# --- labels -----------------------------------------------------------------------------------

def category_label(code: str, lang: str) -> str:
    key = f"complaints.category.{code}"
    return t(key, lang) if has_key(key) else str(code)


def channel_label(code: str, lang: str) -> str:
    key = f"complaints.channel.{code}"
    return t(key, lang) if has_key(key) else str(code)


def level_label(code: str | None, lang: str) -> str:
    key = f"complaints.level.{code}"
    return t(key, lang) if code and has_key(key) else t("complaints.level.unknown", lang)


def month_label(month: str, lang: str) -> str:
    return Period.parse(month).label(lang)


def selection_label(name: str, value: str, lang: str) -> str:
    """'类别：电梯' / 'Category: Elevators' for a chip."""
    shown = {"category": category_label, "channel": channel_label,
             "month": month_label}[name](value, lang)
    return t(f"complaints.chip.{name}", lang, value=shown)


def street_name(row: dict[str, Any], lang: str) -> str:
    return row.get("street_name") if lang == "zh" else (
        row.get("street_name_en") or row.get("street_name"))


def _fmt(metric, value, lang: str) -> str:
    return metrics.format_value(metric, None if value is None or pd.isna(value) else value,
                                lang)


# --- cross-filter selection --------------------------------------------------------------------

def _nonces() -> dict[str, int]:
    if _NONCE not in st.session_state:
        st.session_state[_NONCE] = {name: 0 for name in CHART_KEYS}
    return st.session_state[_NONCE]


def chart_key(name: str) -> str:
    """The current key of a selectable chart (it changes when its selection is cleared,
    which resets the chart's own selection state)."""
    return f"{CHART_KEYS[name]}_{_nonces()[name]}"


def _valid(name: str, value: str | None, filters: Filters) -> str | None:
    if not value:
        return None
    if name == "category":
        return value if value in COMPLAINT_CATEGORIES else None
    if name == "channel":
        return value if value in CHANNELS else None
    period = filters.period_obj
    try:
        month = Period.parse(value)
    except ValueError:
        return None
    if month.kind != "month" or not period.first_month <= month.key <= period.last_month:
        return None
    return month.key


def resolve_selection(filters: Filters) -> Selection:
    """The cross-filter of this run: from the URL, changed by a new selection on a chart;
    written back to the URL (``category``, ``channel``, ``month``)."""
    values = {name: _valid(name, param(name), filters) for name in CHART_KEYS}
    for name in CHART_KEYS:
        changed, picked = new_selection(chart_key(name))
        if changed:
            values[name] = _valid(name, picked[0], filters) if picked else None
    for name, value in values.items():
        write_param(name, value)
    return Selection(**values)


def _clear(name: str) -> None:
    write_param(name, None)
    _nonces()[name] += 1


def _clear_all() -> None:
    for name in CHART_KEYS:
        _clear(name)


def selection_chips(selection: Selection, lang: str) -> None:
    """One button per active selection ('类别：电梯 ✕') that clears it, and a hint."""
    if selection.is_empty:
        st.caption(t("complaints.select_hint", lang))
        return
    items = selection.items()
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.markdown(f"**{t('complaints.chips_title', lang)}**", width="content")
    for name, value in items:
        row.button(f"{selection_label(name, value, lang)} ✕", key=f"chip_{name}",
                   on_click=_clear, args=(name,), help=t("complaints.chip_help", lang))
    if len(items) > 1:
        row.button(t("complaints.clear_all", lang), key="chip_all", on_click=_clear_all,
                   type="tertiary")


def describe(filters: Filters, selection: Selection, lang: str, scope: Scope) -> str:
    """Period, area and selection in words, for captions, empty states and files."""
    text = components.describe(filters, lang, scope)
    if not selection.is_empty:
        text += " · " + " · ".join(selection_label(n, v, lang) for n, v in selection.items())
    return text


def description_lines(title: str, filters: Filters, selection: Selection, lang: str,
                      scope: Scope, extra: list[str] | None = None) -> list[str]:
    lines = [title, t("download.filters_line", lang,
                      description=describe(filters, selection, lang, scope))]
    return lines + list(extra or [])


def _stem(what: str, filters: Filters, selection: Selection) -> str:
    return safe_stem("complaints", what, filters.period, filters.district, filters.street,
                     selection.category, selection.channel, selection.month)


def _downloads(table: pd.DataFrame, title: str, what: str, filters: Filters,
               selection: Selection, lang: str, scope: Scope,
               extra: list[str] | None = None) -> None:
    download_buttons(table, description_lines(title, filters, selection, lang, scope, extra),
                     _stem(what, filters, selection), f"dl_complaints_{what}", lang)


# --- headline numbers --------------------------------------------------------------------------

HEADLINE = ("complaints", "complaints_per_1000", "on_time_response_rate", "resolution_rate",
            complaints.HANDLING_SATISFACTION.key, complaints.REPEAT_SHARE.key)


def _metric(key: str):
    for extra in complaints.EXTRA_METRICS:
        if extra.key == key:
            return extra
    return metrics.get(key)


def headline_table(summary: dict[str, Any], lang: str) -> pd.DataFrame:
    """The headline numbers: one row per figure (label, value)."""
    rows = [{t("complaints.col.figure", lang): t("complaints.col.complaints", lang),
             t("complaints.col.value", lang): f"{int(summary['complaints']):,}"}]
    for key in HEADLINE[1:]:
        metric = _metric(key)
        rows.append({t("complaints.col.figure", lang): metric.label(lang),
                     t("complaints.col.value", lang): _fmt(metric, summary.get(key), lang)})
    return pd.DataFrame(rows)


def headline(summary: dict[str, Any], lang: str) -> None:
    table = headline_table(summary, lang)
    helps = [t("complaints.help.count", lang)] + [_metric(k).formula(lang) for k in HEADLINE[1:]]
    per_row = 6 if lang == "zh" else 3
    records = list(zip(table.itertuples(index=False), helps))
    for start in range(0, len(records), per_row):
        for column, (row, help_text) in zip(st.columns(per_row), records[start:start + per_row]):
            column.metric(row[0], row[1], help=help_text, border=True)


# --- by category / channel / month -------------------------------------------------------------

def bar_rows(frame: pd.DataFrame, name: str, lang: str) -> pd.DataFrame:
    """Bar rows (code, label, value, text, hover) from a breakdown frame."""
    label_of = {"category": category_label, "channel": channel_label,
                "month": month_label}[name]
    per1000 = metrics.get("complaints_per_1000")
    rows = []
    for row in frame.to_dict("records"):
        code = row[name]
        count = int(row["complaints"])
        rate = _fmt(per1000, row.get("complaints_per_1000"), lang)
        label = label_of(code, lang)
        rows.append({"code": code, "label": label, "value": count,
                     "text": f"{count:,}", "per1000": rate,
                     "hover": t("complaints.hover", lang, label=label, count=f"{count:,}",
                                rate=rate)})
    bars = pd.DataFrame(rows, columns=["code", "label", "value", "text", "per1000", "hover"])
    if name != "month":
        bars = bars.sort_values(["value", "code"], ascending=[False, True], kind="stable")
    return bars.reset_index(drop=True)


def bars_table(bars: pd.DataFrame, name: str, lang: str) -> pd.DataFrame:
    """What a bar chart shows, as a table: label, complaints, per 1,000 households."""
    return pd.DataFrame({
        t(f"complaints.col.{name}", lang): bars["label"],
        t("complaints.col.complaints", lang): bars["value"].astype(int),
        metrics.get("complaints_per_1000").label(lang): bars["per1000"],
    })


def breakdown_chart(scope: Scope, filters: Filters, selection: Selection, name: str,
                    lang: str) -> pd.DataFrame:
    """A selectable bar chart of complaints by ``name`` (category, channel, month), its
    download, and the table shown; the chart ignores its own selection."""
    frame = data.breakdown(scope, filters, selection, name)
    if name != "month":
        frame = frame[frame["complaints"] > 0]
    bars = bar_rows(frame, name, lang)
    title = t(f"complaints.by_{name}", lang)
    fig = charts.bar_figure(bars, title, selected=getattr(selection, name),
                            horizontal=name != "month")
    if name == "month":
        fig.update_xaxes(tickangle=-45 if len(bars) > 6 else 0)
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=chart_key(name),
                    on_select="rerun", selection_mode="points")
    table = bars_table(bars, name, lang)
    if bars.empty:
        st.caption(t("complaints.empty_chart", lang,
                     description=describe(filters, selection.without(name), lang, scope)))
    _downloads(table, title, name, filters, selection.without(name), lang, scope)
    return table


# --- heatmap --------------------------------------------------------------------------------------

def heatmap_table(matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    if matrix.empty:
        return pd.DataFrame()
    table = matrix.copy()
    table.index = [category_label(c, lang) for c in table.index]
    table.columns = [month_label(m, lang) for m in table.columns]
    table.index.name = t("complaints.col.category", lang)
    return table.reset_index()


def heatmap(scope: Scope, filters: Filters, selection: Selection, lang: str) -> pd.DataFrame:
    matrix = data.category_month_matrix(scope, filters, selection)
    title = t("complaints.heatmap", lang)
    table = heatmap_table(matrix, lang)
    if matrix.empty:
        st.markdown(f"**{title}**")
        st.info(t("complaints.empty", lang,
                  description=describe(filters, selection.without("month"), lang, scope)))
        return table
    fig = charts.heatmap_figure(matrix, list(table.iloc[:, 0]), list(table.columns[1:]),
                                title, lang)
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key="complaints_heatmap")
    _downloads(table, title, "heatmap", filters, selection.without("month"), lang, scope)
    return table


# --- handling chain ------------------------------------------------------------------------------

def chain_steps(summary: dict[str, Any], lang: str) -> pd.DataFrame:
    """received → answered on time → resolved: label, value, rate text."""
    received = int(summary["complaints"])
    on_time = int(summary["complaints_on_time"])
    resolved = int(summary["complaints_resolved"])
    on_time_rate = _fmt(metrics.get("on_time_response_rate"),
                        summary.get("on_time_response_rate"), lang)
    resolved_rate = _fmt(metrics.get("resolution_rate"), summary.get("resolution_rate"), lang)
    return pd.DataFrame([
        {"label": t("complaints.step.received", lang), "value": received,
         "text": f"{received:,}", "rate": ""},
        {"label": t("complaints.step.on_time", lang), "value": on_time,
         "text": f"{on_time:,} · {on_time_rate}", "rate": on_time_rate},
        {"label": t("complaints.step.resolved", lang), "value": resolved,
         "text": f"{resolved:,} · {resolved_rate}", "rate": resolved_rate},
    ])


def chain_table(steps: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("complaints.col.step", lang): steps["label"],
                         t("complaints.col.complaints", lang): steps["value"],
                         t("complaints.col.rate", lang): steps["rate"]})


def level_rows(levels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Resolved complaints per level (estate → district): code, label, value, share, text."""
    resolved = levels[levels["complaints_resolved"] > 0].copy()
    resolved["code"] = resolved["resolved_level"].where(resolved["resolved_level"].notna(),
                                                        "unknown")
    order = {code: i for i, code in enumerate((*RESOLVED_LEVELS, "unknown"))}
    resolved = resolved.sort_values("code", key=lambda s: s.map(order).fillna(99))
    share_metric = complaints.LEVEL_SHARE
    return pd.DataFrame({
        "code": resolved["code"],
        "label": [level_label(c if c != "unknown" else None, lang) for c in resolved["code"]],
        "value": resolved["complaints_resolved"].astype(int),
        "share": resolved[share_metric.key].astype(float),
        "text": [_fmt(share_metric, v, lang) for v in resolved[share_metric.key]],
    }).reset_index(drop=True)


def levels_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("complaints.col.level", lang): rows["label"],
                         t("complaints.col.resolved", lang): rows["value"],
                         complaints.LEVEL_SHARE.label(lang): rows["text"]})


def handling_section(scope: Scope, filters: Filters, selection: Selection,
                     summary: dict[str, Any], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    st.subheader(t("complaints.handling", lang))
    st.caption(t("complaints.handling_caption", lang))
    left, right = st.columns(2)
    steps = chain_steps(summary, lang)
    chain = chain_table(steps, lang)
    with left:
        title = t("complaints.chain", lang)
        st.plotly_chart(charts.chain_figure(steps, title), width="stretch",
                        config=PLOTLY_CONFIG, key="complaints_chain")
        _downloads(chain, title, "chain", filters, selection, lang, scope)
    with right:
        rows = level_rows(data.breakdown(scope, filters, selection, "resolved_level"), lang)
        title = t("complaints.levels", lang)
        levels = levels_table(rows, lang)
        if rows.empty:
            st.markdown(f"**{title}**")
            st.info(t("complaints.no_resolved", lang,
                      description=describe(filters, selection, lang, scope)))
        else:
            st.plotly_chart(charts.levels_figure(rows, title), width="stretch",
                            config=PLOTLY_CONFIG, key="complaints_levels")
            in_estate = rows.loc[rows["code"] == "estate", "text"]
            st.caption(t("complaints.small_matters", lang,
                         share=in_estate.iloc[0] if len(in_estate) else "0.0%"))
            _downloads(levels, title, "levels", filters, selection, lang, scope)
    return chain, levels


# --- open complaints past deadline -----------------------------------------------------------------

def _date_text(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    value = pd.Timestamp(value)
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.strftime(
        "%Y-%m-%d")


def open_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The open complaints as shown (no phone numbers: they are never read)."""
    return pd.DataFrame({
        t("complaints.col.code", lang): rows["code"],
        t("complaints.col.received", lang): [_date_text(v, lang) for v in rows["received_at"]],
        t("complaints.col.due", lang): [_date_text(v, lang) for v in rows["due_date"]],
        t("complaints.col.days_overdue", lang): rows["days_overdue"].astype(int),
        t("complaints.col.answered", lang): [
            _date_text(v, lang) if v is not None and not pd.isna(v)
            else t("complaints.not_answered", lang) for v in rows["responded_at"]],
        t("complaints.col.category", lang): [category_label(c, lang) for c in rows["category"]],
        t("complaints.col.channel", lang): [channel_label(c, lang) for c in rows["channel"]],
        t("complaints.col.estate", lang): rows["estate_name"],
        t("complaints.col.company", lang): rows["company_name"].fillna(
            t("complaints.no_company", lang)),
        t("complaints.col.street", lang): [street_name(r, lang) for r in
                                           rows.to_dict("records")],
    })


def _selected_row(key: str) -> int | None:
    state = st.session_state.get(key)
    try:
        rows = state["selection"]["rows"]
    except (KeyError, TypeError):
        return None
    return rows[0] if rows else None


def open_estate_on_select(key: str, codes: list[str]) -> None:
    """When a row of the table ``key`` is selected, open that estate's profile."""
    row = _selected_row(key)
    if row is not None and 0 <= row < len(codes):
        open_estate(codes[row])


def open_section(scope: Scope, filters: Filters, selection: Selection, lang: str
                 ) -> pd.DataFrame:
    st.subheader(t("complaints.open", lang))
    day = data.as_of()
    as_of_text = _date_text(day, lang) if day else "—"
    st.caption(t("complaints.open_definition", lang, as_of=as_of_text))
    rows, total = data.open_complaints(scope, filters, selection)
    table = open_table(rows, lang)
    if rows.empty:
        st.info(t("complaints.open_empty", lang,
                  description=describe(filters, selection, lang, scope), as_of=as_of_text))
        return table
    if total > len(rows):
        st.caption(t("complaints.open_limited", lang, shown=len(rows), total=total))
    else:
        st.caption(t("complaints.open_count", lang, total=total))
    st.dataframe(table, hide_index=True, width="stretch", key=KEY_OPEN, on_select="rerun",
                 selection_mode="single-row", height=38 + 35 * min(len(table), 10))
    open_estate_on_select(KEY_OPEN, list(rows["estate_code"]))
    _downloads(table, t("complaints.open", lang), "open", filters, selection, lang, scope,
               [t("complaints.open_definition", lang, as_of=as_of_text)])
    return table


# --- estates ranked by complaint rate ---------------------------------------------------------------

def ranking_table(frame: pd.DataFrame, lang: str, ranked: bool = True) -> pd.DataFrame:
    per1000 = metrics.get("complaints_per_1000")
    columns = {}
    if ranked:
        columns[t("complaints.col.rank", lang)] = frame["rank"].astype(int)
    columns.update({
        t("complaints.col.estate", lang): frame["name"],
        t("complaints.col.street", lang): [street_name(r, lang) for r in frame.to_dict("records")],
        t("complaints.col.company", lang): frame["company_name"].fillna(
            t("complaints.no_company", lang)),
        t("complaints.col.households", lang): frame["households"].astype(int),
        t("complaints.col.complaints", lang): frame["complaints"].astype(int),
        per1000.label(lang): [_fmt(per1000, v, lang) for v in frame["complaints_per_1000"]],
    })
    return pd.DataFrame(columns)


def ranking_section(scope: Scope, filters: Filters, selection: Selection, lang: str
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    st.subheader(t("complaints.ranking", lang))
    default = complaints.RANK_MIN_HOUSEHOLDS
    init_number("min_households", KEY_MIN_HOUSEHOLDS, default, 1, 100_000)
    picker, _ = st.columns([1, 3])
    threshold = int(picker.number_input(t("complaints.min_households", lang), min_value=1,
                                        max_value=100_000, step=10, key=KEY_MIN_HOUSEHOLDS,
                                        help=t("complaints.min_households_help", lang)))
    write_param("min_households", threshold, default)
    frame = data.estate_ranking(scope, filters, selection, threshold)
    ranked = frame[frame["ranked"]].head(RANKED_ROWS)
    small = frame[(~frame["ranked"]) & (frame["complaints"] > 0)]
    small_total = int((~frame["ranked"]).sum())
    st.caption(t("complaints.ranking_caption", lang, threshold=threshold,
                 ranked=int(frame["ranked"].sum()), shown=len(ranked),
                 description=describe(filters, selection, lang, scope)))
    table = ranking_table(ranked, lang)
    title = t("complaints.ranking", lang)
    if ranked.empty:
        st.info(t("complaints.ranking_empty", lang, threshold=threshold,
                  description=describe(filters, selection, lang, scope)))
    else:
        st.dataframe(table, hide_index=True, width="stretch", key=KEY_RANKING,
                     on_select="rerun", selection_mode="single-row",
                     height=38 + 35 * min(len(table), 12))
        open_estate_on_select(KEY_RANKING, list(ranked["code"]))
        _downloads(table, title, "ranking", filters, selection, lang, scope,
                   [t("complaints.ranking_rule", lang, threshold=threshold)])
    small_table = ranking_table(small, lang, ranked=False)
    with st.expander(t("complaints.too_small", lang, count=small_total,
                       threshold=threshold, with_complaints=len(small))):
        if small.empty:
            st.caption(t("complaints.too_small_none", lang))
        else:
            st.dataframe(small_table, hide_index=True, width="stretch", key=KEY_SMALL,
                         on_select="rerun", selection_mode="single-row")
            open_estate_on_select(KEY_SMALL, list(small["code"]))
            _downloads(small_table, t("complaints.too_small_title", lang), "too_small",
                       filters, selection, lang, scope,
                       [t("complaints.ranking_rule", lang, threshold=threshold)])
    return table, small_table


# --- the empty page -------------------------------------------------------------------------------

def empty_state(filters: Filters, selection: Selection, lang: str, scope: Scope) -> None:
    st.info(t("complaints.empty", lang, description=describe(filters, selection, lang, scope)))


def as_of_label(day: dt.date | None, lang: str) -> str:
    return _date_text(day, lang) if day else "—"
