"""Streamlit blocks of the trends page: the controls (metric, grain, breakdown), the trend
chart with its breakdown, the comparison of two periods and the small multiples.

URL parameters (besides lang/period/district/street): ``metric``, ``grain``, ``by``,
``vs`` (the period compared with the selected one), ``panels`` (district|street).
Table builders (``*_table``) are pure and are exactly what the downloads hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import components, data, state
from dashboard import trends_charts as charts
from dashboard import trends_data
from dashboard.charts import PLOTLY_CONFIG, milestone_legend
from dashboard.i18n import t
from dashboard.trends_downloads import download_buttons, safe_stem
from dashboard.trends_state import format_choice, init_widget, param, write_param
from data_access import metrics, trends
from data_access.filters import Filters, Scope
from data_access.periods import Period, PeriodError

GRAINS = ("month", "quarter", "year")
DEFAULT_GRAIN = "quarter"
DEFAULT_METRIC = "satisfaction_rate"
PANEL_LEVELS = ("district", "street")
KEY_METRIC = "trends_metric"
KEY_GRAIN = "trends_grain"
KEY_BREAKDOWN = "trends_by"
KEY_VS = "trends_vs"
KEY_PANELS = "trends_panels"


@dataclass(frozen=True)
class Controls:
    metric: str
    grain: str
    breakdown: str


def controls(lang: str) -> Controls:
    """Metric, grain and breakdown pickers (state from and to the URL)."""
    metric_key = init_widget("metric", KEY_METRIC, trends.TREND_METRICS, DEFAULT_METRIC)
    init_widget("grain", KEY_GRAIN, GRAINS, DEFAULT_GRAIN)
    init_widget("by", KEY_BREAKDOWN, trends.BREAKDOWNS, "total")
    left, middle, right = st.columns([2, 2, 3])
    metric_key = left.selectbox(t("trends.metric", lang), trends.TREND_METRICS, key=KEY_METRIC,
                                format_func=lambda k: metrics.get(k).label(lang))
    grain = middle.segmented_control(t("trends.grain", lang), GRAINS, key=KEY_GRAIN,
                                     required=True, format_func=format_choice("grain.", lang))
    breakdown = right.selectbox(t("trends.breakdown", lang), trends.BREAKDOWNS,
                                key=KEY_BREAKDOWN, format_func=format_choice("trends.by.", lang))
    grain = grain or DEFAULT_GRAIN
    write_param("metric", metric_key, DEFAULT_METRIC)
    write_param("grain", grain, DEFAULT_GRAIN)
    write_param("by", breakdown, "total")
    return Controls(metric_key, grain, breakdown)


# --- group labels -----------------------------------------------------------------------------

def group_labels(codes, breakdown: str, lang: str, scope: Scope) -> dict[str, str]:
    """Display names of group codes: areas, companies, modes, age groups."""
    codes = list(codes)
    if breakdown == "total":
        return {trends.ALL: t("trends.total", lang)}
    if breakdown in ("district", "street"):
        names = data.area_names(scope, lang)
        return {c: names.get(c, c) for c in codes}
    if breakdown == "company":
        names = trends_data.company_names(codes)
        special = {trends.OTHER: t("trends.other_companies", lang),
                   trends.NONE: t("trends.no_company", lang)}
        return {c: special.get(c) or names.get(c, c) for c in codes}
    if breakdown == "mode":
        return {c: t(f"trends.mode.{c}", lang) for c in codes}
    return {c: t(f"trends.age.{c}", lang) for c in codes}


def _ordered_groups(series: pd.DataFrame, breakdown: str, labels: dict[str, str]
                    ) -> list[tuple[str, str]]:
    codes = list(dict.fromkeys(series["group_code"]))
    if breakdown == "mode":
        order = ("professional", "bundle", "self", "unmanaged")
        codes.sort(key=lambda c: order.index(c) if c in order else 99)
    elif breakdown == "age":
        codes.sort(key=lambda c: trends.AGE_GROUPS.index(c) if c in trends.AGE_GROUPS else 99)
    elif breakdown == "company":
        tail = (trends.OTHER, trends.NONE)
        codes.sort(key=lambda c: (c in tail, tail.index(c) if c in tail else 0, labels.get(c, c)))
    else:
        codes.sort()
    return [(c, labels.get(c, c)) for c in codes]


def series_table(series: pd.DataFrame, groups: list[tuple[str, str]], metric_key: str,
                 lang: str, total: pd.DataFrame | None = None, total_label: str = ""
                 ) -> pd.DataFrame:
    """What a trend chart shows: one row per bucket, one column per line."""
    metric = metrics.get(metric_key)
    period_header = t("trends.col.period", lang)
    buckets = sorted(set(series["bucket"]) | (set(total["bucket"]) if total is not None
                                                else set()))
    table = pd.DataFrame({period_header: [Period.parse(b).label(lang) for b in buckets]})
    for code, label in groups:
        values = series[series["group_code"] == code].set_index("bucket")[metric_key]
        table[label] = [metrics.format_value(metric, values.get(b), lang)
                        if b in values.index else "—" for b in buckets]
    if total is not None:
        values = total.set_index("bucket")[metric_key]
        table[total_label] = [metrics.format_value(metric, values.get(b), lang)
                              if b in values.index else "—" for b in buckets]
    return table


def _describe(filters: Filters, lang: str, scope: Scope) -> str:
    """Area in words (trend charts cover the whole history, not only the period)."""
    return components.area_label(filters, lang, scope)


def _lines(title: str, filters: Filters, lang: str, scope: Scope, *extra: str) -> list[str]:
    return [title, t("download.filters_line", lang,
                     description=" · ".join([_describe(filters, lang, scope), *extra]))]


# --- the trend chart ----------------------------------------------------------------------------

def trend_section(scope: Scope, filters: Filters, lang: str, ctl: Controls) -> pd.DataFrame:
    """The metric over time, one line per group of the breakdown (and the area's total as a
    dashed line), target, milestones and the selected period shaded."""
    metric = metrics.get(ctl.metric)
    series = trends_data.series(scope, filters, ctl.breakdown, ctl.grain)
    area = _describe(filters, lang, scope)
    by_label = t(f"trends.by.{ctl.breakdown}", lang)
    title = t("trends.chart_title", lang, metric=metric.label(lang), area=area, by=by_label)
    if series.empty or series[ctl.metric].isna().all():
        st.info(t("trends.empty", lang, metric=metric.label(lang), area=area))
        return pd.DataFrame()
    labels = group_labels(series["group_code"].unique(), ctl.breakdown, lang, scope)
    groups = _ordered_groups(series, ctl.breakdown, labels)
    total = None
    total_label = t("trends.total_of", lang, area=area)
    if ctl.breakdown != "total":
        total = trends_data.series(scope, filters, "total", ctl.grain)
    period = filters.period_obj
    milestones = data.milestones()
    fig = charts.lines_figure(series, ctl.metric, groups, lang, milestones, total, total_label,
                              (period.first_month, period.last_month), title)
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key="trends_lines")
    notes = [t("trends.chart_caption", lang, period=period.label(lang))]
    legend = milestone_legend(series, milestones, lang)
    if legend:
        notes.append(legend)
    if ctl.breakdown == "company":
        notes.append(t("trends.company_note", lang, top=trends.TOP_COMPANIES))
    if ctl.breakdown == "age":
        notes.append(t("trends.age_note", lang, year=trends.OLD_BUILT_BEFORE))
    st.caption("  \n".join(notes))
    table = series_table(series, groups, ctl.metric, lang, total, total_label)
    download_buttons(table, _lines(title, filters, lang, scope,
                                   t(f"grain.{ctl.grain}", lang)) + notes,
                     safe_stem("trends", ctl.metric, ctl.breakdown, ctl.grain, filters.district,
                               filters.street), "dl_trends_lines", lang)
    return table


# --- two periods side by side -------------------------------------------------------------------

def comparison_periods(filters: Filters) -> tuple[Period, Period, list[str]]:
    """(A, B, options for B): A is the selected period, B the URL's ``vs`` (default: the
    period before A), options: periods of A's kind with data, A excluded."""
    period_a = filters.period_obj
    options = [p for p in state.period_options(period_a.kind) if p != period_a.key]
    default = period_a.previous().key
    if default not in options and options:
        default = options[0]
    return period_a, Period.parse(default), options


def comparison_table(frame: pd.DataFrame, metric_key: str, lang: str, label_a: str,
                     label_b: str, group_header: str) -> pd.DataFrame:
    metric = metrics.get(metric_key)
    return pd.DataFrame({
        group_header: frame["label"],
        label_a: [metrics.format_value(metric, v, lang) for v in frame["value_a"]],
        label_b: [metrics.format_value(metric, v, lang) for v in frame["value_b"]],
        t("trends.col.change", lang): [
            metrics.format_delta(metric, a, b, lang) or "—"
            for a, b in zip(frame["value_a"], frame["value_b"])],
    })


def headline_comparison(total_values: pd.DataFrame, total_before: pd.DataFrame, lang: str,
                        label_b: str) -> None:
    """The three headline trend metrics of the area: A with the change from B."""
    keys = ("satisfaction_rate", "payment_rate", "complaint_rate")
    for column, key in zip(st.columns(len(keys)), keys):
        metric = metrics.get(key)
        value = total_values[key].iloc[0] if len(total_values) else None
        before = total_before[key].iloc[0] if len(total_before) else None
        value = None if value is None or pd.isna(value) else float(value)
        before = None if before is None or pd.isna(before) else float(before)
        delta = metrics.format_delta(metric, value, before, lang)
        column.metric(metric.label(lang), metrics.format_value(metric, value, lang),
                      delta=delta, border=True,
                      delta_color="normal" if metric.higher_is_better else "inverse",
                      delta_description=t("trends.vs", lang, period=label_b) if delta else None,
                      help=metric.formula(lang))


def comparison_section(scope: Scope, filters: Filters, lang: str, ctl: Controls
                       ) -> pd.DataFrame:
    st.subheader(t("trends.compare", lang))
    period_a, default_b, options = comparison_periods(filters)
    if not options:
        st.info(t("trends.compare_none", lang, period=period_a.label(lang)))
        return pd.DataFrame()
    vs = param("vs")
    if st.session_state.get(KEY_VS) not in options:
        st.session_state[KEY_VS] = vs if vs in options else default_b.key
    picker, _ = st.columns([1, 2])
    chosen = picker.selectbox(t("trends.compare_with", lang, period=period_a.label(lang)),
                              options, key=KEY_VS,
                              format_func=lambda k: Period.parse(k).label(lang))
    write_param("vs", chosen, default_b.key)
    period_b = Period.parse(chosen)
    label_a, label_b = period_a.label(lang), period_b.label(lang)

    headline_comparison(trends_data.period_values(scope, filters, "total", period_a.key),
                        trends_data.period_values(scope, filters, "total", period_b.key),
                        lang, label_b)

    frame = trends_data.compare_periods(scope, filters, ctl.breakdown, period_a.key,
                                        period_b.key, ctl.metric)
    labels = group_labels(frame["group_code"], ctl.breakdown, lang, scope)
    order = [code for code, _ in _ordered_groups(frame, ctl.breakdown, labels)]
    frame = frame.set_index("group_code").loc[order].reset_index()
    frame["label"] = [labels.get(c, c) for c in frame["group_code"]]
    metric = metrics.get(ctl.metric)
    title = t("trends.compare_title", lang, metric=metric.label(lang), a=label_a, b=label_b)
    group_header = t(f"trends.by.{ctl.breakdown}", lang)
    table = comparison_table(frame, ctl.metric, lang, label_a, label_b, group_header)
    if frame[["value_a", "value_b"]].isna().all().all():
        st.info(t("trends.compare_empty", lang, metric=metric.label(lang), a=label_a,
                  b=label_b, area=_describe(filters, lang, scope)))
        return table
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(charts.comparison_figure(frame, ctl.metric, lang, label_a, label_b,
                                                 title),
                        width="stretch", config=PLOTLY_CONFIG, key="trends_compare")
    with right:
        st.dataframe(table, hide_index=True, width="stretch", key="trends_compare_table")
    download_buttons(table, _lines(title, filters, lang, scope),
                     safe_stem("trends-compare", ctl.metric, ctl.breakdown, period_a.key,
                               period_b.key, filters.district, filters.street),
                     "dl_trends_compare", lang)
    return table


# --- small multiples ----------------------------------------------------------------------------

def small_multiples_section(scope: Scope, filters: Filters, lang: str, ctl: Controls
                            ) -> pd.DataFrame:
    st.subheader(t("trends.panels", lang))
    default = "street" if filters.district else "district"
    # one panel per street only within a district: sixty city-wide panels are unreadable
    # and too slow to draw on every filter change
    levels = PANEL_LEVELS if filters.district else ("district",)
    init_widget("panels", KEY_PANELS, levels, default)
    level = st.segmented_control(t("trends.panels_by", lang), levels, key=KEY_PANELS,
                                 required=True, format_func=format_choice("trends.by.", lang)
                                 ) or default
    write_param("panels", level, default)
    series = trends_data.series(scope, filters, level, ctl.grain)
    metric = metrics.get(ctl.metric)
    area = _describe(filters, lang, scope)
    if series.empty:
        st.info(t("trends.empty", lang, metric=metric.label(lang), area=area))
        return pd.DataFrame()
    labels = group_labels(series["group_code"].unique(), level, lang, scope)
    panels = _ordered_groups(series, level, labels)
    columns = 4 if len(panels) <= 16 else 6
    fig = charts.small_multiples_figure(series, ctl.metric, panels, lang, data.milestones(),
                                        columns=columns)
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key="trends_panels_chart")
    st.caption(t("trends.panels_caption", lang, count=len(panels), area=area))
    title = t("trends.panels_title", lang, metric=metric.label(lang),
              by=t(f"trends.by.{level}", lang))
    table = series_table(series, panels, ctl.metric, lang)
    download_buttons(table, _lines(title, filters, lang, scope, t(f"grain.{ctl.grain}", lang)),
                     safe_stem("trends-panels", ctl.metric, level, ctl.grain, filters.district,
                               filters.street), "dl_trends_panels", lang)
    return table


def valid_period(text: str | None) -> Period | None:
    try:
        return Period.parse(text) if text else None
    except PeriodError:
        return None
