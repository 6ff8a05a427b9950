"""Building blocks the pages render: headers, KPI cards, trend and comparison sections,
tables and their CSV, the empty state, and the tables of the definitions page.

Functions that return data (``kpi_card_specs``, ``area_table``, ``table_csv``,
``*_table``) are pure and tested directly; the others render with Streamlit.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.i18n import has_key, t
from data_access import grading, metrics
from data_access.filters import Filters, Scope
from data_access.migrations import UPGRADE_COMMAND, SchemaError
from data_access.periods import Period
from data_access.queries import KpiResult

TREND_KEYS = ("satisfaction_rate", "payment_rate", "complaint_rate")
TREND_GRAINS = ("month", "quarter", "year")
DEFAULT_TREND_GRAIN = "quarter"
DEFAULT_COMPARE_METRIC = "satisfaction_rate"

KEY_TREND_GRAIN = "trend_grain"
KEY_COMPARE_METRIC = "compare_metric"
KEY_DOWNLOAD = "download_area_csv"


# --- shell ----------------------------------------------------------------------------------

def stop_unless_schema_ready(lang: str) -> None:
    """Stop the run with an explanation, not a traceback, when the database's schema is
    older than this version's (a shared PostgreSQL database is upgraded by its
    administrator, never by a page view). The engine is not cached while this fails, so
    the page works again as soon as the database is migrated."""
    try:
        data.engine()
    except SchemaError:
        st.error(t("app.schema_outdated", lang, command=UPGRADE_COMMAND))
        st.stop()


def demo_badge(lang: str, container=None) -> None:
    """The orange "演示数据 / Demo data" badge when the database holds demo data."""
    if data.is_demo():
        (container or st).badge(t("demo.badge", lang), color="orange", help=t("demo.help", lang))


def sidebar_header(lang: str) -> None:
    """App title, subtitle and demo badge at the top of the sidebar."""
    sidebar = st.sidebar
    sidebar.markdown(f"**{t('app.title', lang)}**")
    sidebar.caption(t("app.subtitle", lang))
    demo_badge(lang, sidebar)


def data_through_caption(lang: str) -> None:
    """'数据截至 2026年10月 / Data through Oct 2026' at the bottom of the sidebar."""
    span = data.data_months()
    if span is None:
        st.sidebar.caption(t("sidebar.no_data", lang))
        return
    st.sidebar.caption(t("sidebar.data_through", lang, month=Period.parse(span[1]).label(lang)))


def describe(filters: Filters, lang: str, scope: Scope) -> str:
    """'2024年 · 环翠区 · 海滨街道' style description with area names."""
    return filters.describe(lang, data.area_names(scope, lang))


def area_label(filters: Filters, lang: str, scope: Scope) -> str:
    """Name of the selected street, else district, else 全市 / Whole city."""
    names = data.area_names(scope, lang)
    code = filters.street or filters.district
    return names.get(code, code) if code else t("filter.all_city", lang)


def page_header(title: str, lang: str, filters: Filters | None = None,
                scope: Scope | None = None) -> None:
    """Page title, demo badge and (with filters) the description of the view."""
    st.title(title)
    demo_badge(lang)
    if filters is not None and scope is not None:
        st.caption(t("overview.scope", lang, description=describe(filters, lang, scope)))


# --- KPI cards ------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiCard:
    """Everything one st.metric card shows."""

    key: str
    label: str
    value: str
    delta: str | None
    delta_color: str
    delta_arrow: str
    delta_description: str | None
    help: str
    chart_data: tuple[float, ...]
    caption: str | None
    met: bool | None


_ZERO_DELTA = re.compile(r"^[+-]?0(\.0+)?\D*$")


def kpi_card_specs(current: KpiResult, previous: KpiResult | None, monthly: pd.DataFrame,
                   quarterly: pd.DataFrame, period: Period, lang: str,
                   keys: tuple[str, ...] = metrics.HEADLINE_KEYS) -> list[KpiCard]:
    """The headline cards: value, delta vs the previous period, target status, and a
    sparkline of the last 12 months (12 quarters for a quarter period, or when the
    monthly series has fewer than two values, as for quarterly surveys)."""
    cards = []
    for key in keys:
        metric = metrics.get(key)
        value = current.values.get(key)
        before = previous.values.get(key) if previous is not None and previous.has_data else None
        delta = metrics.format_delta(metric, value, before, lang)
        unchanged = delta is not None and bool(_ZERO_DELTA.match(delta))
        if delta is None or unchanged:
            color = "off"
        else:
            color = "normal" if metric.higher_is_better is not False else "inverse"
        if period.kind == "quarter":
            spark = charts.sparkline(quarterly, key, period.last_month)
        else:
            spark = charts.sparkline(monthly, key, period.last_month)
            if len(spark) < 2:
                spark = charts.sparkline(quarterly, key, period.last_month)
        target = metrics.format_target(metric, lang)
        met = metric.meets_target(value)
        if target is None:
            caption = None
        elif met is None:
            caption = t("kpi.target_unknown", lang, target=target)
        elif met:
            caption = t("kpi.target_met", lang, target=target)
        else:
            caption = t("kpi.target_not_met", lang, target=target)
        cards.append(KpiCard(
            key=key, label=metric.label(lang), value=metrics.format_value(metric, value, lang),
            delta=delta, delta_color=color, delta_arrow="off" if unchanged else "auto",
            delta_description=(t("kpi.vs_previous", lang, period=period.previous().label(lang))
                               if delta is not None else None),
            help=metric.formula(lang), chart_data=tuple(spark) if len(spark) >= 2 else (),
            caption=caption, met=met))
    return cards


def kpi_cards(scope: Scope, filters: Filters, lang: str, result: KpiResult | None = None,
              columns: int = 3) -> list[KpiCard]:
    """Render the headline KPI cards in a grid; returns what was shown."""
    period = filters.period_obj
    current = result or data.kpis(scope, filters)
    previous = data.previous_kpis(scope, filters)
    monthly = data.kpi_series(scope, filters, "month")
    quarterly = data.kpi_series(scope, filters, "quarter")
    cards = kpi_card_specs(current, previous, monthly, quarterly, period, lang)
    for start in range(0, len(cards), columns):
        row = st.columns(columns)
        for column, card in zip(row, cards[start:start + columns]):
            with column:
                st.metric(card.label, card.value, delta=card.delta,
                          delta_color=card.delta_color, delta_arrow=card.delta_arrow,
                          help=card.help,
                          chart_data=list(card.chart_data) or None, border=True,
                          delta_description=card.delta_description)
                if card.caption:
                    st.caption(card.caption)
    return cards


# --- notes and empty state ------------------------------------------------------------------

def empty_state(filters: Filters, lang: str, scope: Scope) -> None:
    """Explain in words why there is nothing to show."""
    span = data.data_months()
    if span is None:
        st.info(t("empty.no_data_db", lang))
        return
    st.info(t("empty.no_data", lang, period=filters.period_obj.label(lang),
              area=area_label(filters, lang, scope),
              first=Period.parse(span[0]).label(lang), last=Period.parse(span[1]).label(lang)))


def partial_period_note(result: KpiResult, filters: Filters, lang: str) -> None:
    """Caption when only part of the period has data (e.g. the current year)."""
    period = filters.period_obj
    if not result.has_data:
        return
    if result.first_month > period.first_month or result.last_month < period.last_month:
        st.caption(t("kpi.partial_period", lang, period=period.label(lang),
                     first=Period.parse(result.first_month).label(lang),
                     last=Period.parse(result.last_month).label(lang)))


def calendar_note(result: KpiResult, lang: str) -> None:
    """Caption when the on-time rule fell back to weekends only for some years."""
    if result.calendar_fallback_years:
        years = "、".join(str(y) for y in result.calendar_fallback_years) if lang == "zh" \
            else ", ".join(str(y) for y in result.calendar_fallback_years)
        st.caption(t("calendar.fallback", lang, years=years))


# --- trends ---------------------------------------------------------------------------------

def trend_section(scope: Scope, filters: Filters, lang: str) -> None:
    """The three headline trends for the selected area, whole history, with a grain toggle."""
    st.subheader(t("overview.trends", lang))
    if st.session_state.get(KEY_TREND_GRAIN) not in TREND_GRAINS:
        st.session_state[KEY_TREND_GRAIN] = DEFAULT_TREND_GRAIN
    grain = st.segmented_control(
        t("trend.grain", lang), TREND_GRAINS, key=KEY_TREND_GRAIN, required=True,
        format_func=lambda g: t(f"grain.{g}", lang)) or DEFAULT_TREND_GRAIN
    series = data.kpi_series(scope, filters, grain)
    if series.empty:
        st.info(t("empty.no_trend", lang))
        return
    st.caption(t("overview.trends_caption", lang, area=area_label(filters, lang, scope)))
    period = filters.period_obj
    milestones = data.milestones()
    for column, key in zip(st.columns(len(TREND_KEYS)), TREND_KEYS):
        figure = charts.trend_figure(series, key, lang, milestones,
                                     (period.first_month, period.last_month))
        with column:
            st.plotly_chart(figure, width="stretch", config=charts.PLOTLY_CONFIG,
                            key=f"trend_{key}")
    legend = charts.milestone_legend(series, milestones, lang)
    if legend:
        st.caption(legend)


# --- comparison of areas --------------------------------------------------------------------

def compare_metric_keys() -> list[str]:
    """Metrics that can be compared on a bar chart (all but the grade)."""
    return [m.key for m in metrics.METRICS if m.format != "grade"]


def area_table(by_area: pd.DataFrame, lang: str,
               keys: tuple[str, ...] = metrics.HEADLINE_KEYS) -> pd.DataFrame:
    """Headline metrics by area, formatted, with headers in ``lang``."""
    level = by_area["level"].iloc[0] if not by_area.empty else "district"
    area_header = t("table.street", lang) if level == "street" else t("table.district", lang)
    rows = []
    for row in by_area.to_dict("records"):
        name = row["name"] if lang == "zh" else (row.get("name_en") or row["name"])
        entry = {area_header: name}
        for key in keys:
            metric = metrics.get(key)
            value = row.get(key)
            entry[metric.label(lang)] = metrics.format_value(
                metric, None if value is None or pd.isna(value) else value, lang)
        rows.append(entry)
    columns = [area_header, *(metrics.get(k).label(lang) for k in keys)]
    return pd.DataFrame(rows, columns=columns)


def table_csv(table: pd.DataFrame, description: str) -> bytes:
    """CSV of ``table`` whose first line is ``description``; UTF-8 with BOM (Excel)."""
    buffer = io.StringIO()
    buffer.write(description + "\n")
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def csv_file_name(filters: Filters) -> str:
    parts = ["red-property-overview", filters.period]
    parts += [code for code in (filters.district, filters.street) if code]
    return "_".join(parts) + ".csv"


def area_section(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    """Bar chart of a chosen metric per district (per street within a district), the
    headline table by area and its CSV download. Returns the table."""
    by_area = data.kpis_by_area(scope, filters)
    by_street = bool(filters.district or filters.street)
    st.subheader(t("overview.compare_streets", lang) if by_street
                 else t("overview.compare_districts", lang))
    keys = compare_metric_keys()
    if st.session_state.get(KEY_COMPARE_METRIC) not in keys:
        st.session_state[KEY_COMPARE_METRIC] = DEFAULT_COMPARE_METRIC
    picker, _ = st.columns([1, 2])
    metric_key = picker.selectbox(
        t("compare.metric", lang), keys, key=KEY_COMPARE_METRIC,
        format_func=lambda k: metrics.get(k).label(lang))
    description = describe(filters, lang, scope)
    st.caption(t("overview.compare_caption", lang, description=description))
    st.plotly_chart(charts.area_comparison_figure(by_area, metric_key, lang), width="stretch",
                    config=charts.PLOTLY_CONFIG, key="area_comparison")

    st.markdown(f"**{t('overview.table_title', lang)}**")
    table = area_table(by_area, lang)
    # tall enough to show every area without scrolling (up to 25 rows)
    st.dataframe(table, hide_index=True, width="stretch", key="area_table",
                 height=38 + 35 * min(max(len(table), 1), 25))
    st.download_button(
        t("download.csv", lang),
        data=functools.partial(table_csv, table,
                               t("download.filters_line", lang, description=description)),
        file_name=csv_file_name(filters), mime="text/csv", key=KEY_DOWNLOAD,
        on_click="ignore")
    return table


# --- definitions page -----------------------------------------------------------------------

def metric_definitions_table(lang: str) -> pd.DataFrame:
    """Every metric of the registry: label, definition, target, direction, headline."""
    rows = []
    for metric in (*metrics.METRICS, *metrics.COMPLAINT_HANDLING_METRICS):
        if metric.higher_is_better is None:
            direction = t("defs.none", lang)
        else:
            direction = (t("direction.higher", lang) if metric.higher_is_better
                         else t("direction.lower", lang))
        rows.append({
            t("defs.col.metric", lang): metric.label(lang),
            t("defs.col.formula", lang): metric.formula(lang),
            t("defs.col.target", lang): metrics.format_target(metric, lang) or t("defs.none", lang),
            t("defs.col.direction", lang): direction,
            t("defs.col.headline", lang): t("defs.yes", lang) if metric.headline
            else t("defs.no", lang),
        })
    return pd.DataFrame(rows)


def _weights_table(weights: tuple[tuple[str, float], ...], prefix: str, name_header: str,
                   lang: str) -> pd.DataFrame:
    total = sum(w for _, w in weights) or 1.0
    return pd.DataFrame([{
        name_header: t(f"{prefix}.{name}", lang) if has_key(f"{prefix}.{name}") else name,
        t("defs.col.weight", lang): f"{weight:g}",
        t("defs.col.share", lang): f"{weight / total * 100:.1f}%",
    } for name, weight in weights])


def dimension_weights_table(lang: str, rules: grading.GradingRules | None = None) -> pd.DataFrame:
    rules = rules or grading.load_rules()
    return _weights_table(rules.dimension_weights, "dim", t("defs.col.dimension", lang),
                          lang)


def assessor_weights_table(lang: str, rules: grading.GradingRules | None = None) -> pd.DataFrame:
    rules = rules or grading.load_rules()
    return _weights_table(rules.assessor_weights, "assessor", t("defs.col.assessor", lang),
                          lang)


def thresholds_table(lang: str, rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """优秀 ≥ 90 · 合格 75–90 · 不合格 < 75 (from assets/grading.toml)."""
    rules = rules or grading.load_rules()
    high, low = f"{rules.excellent_from:g}", f"{rules.qualified_from:g}"
    ranges = {
        "excellent": t("defs.score_from", lang, score=high),
        "qualified": t("defs.score_between", lang, low=low, high=high),
        "unqualified": t("defs.score_below", lang, score=low),
    }
    return pd.DataFrame([{t("defs.col.grade", lang): grading.GRADE_LABELS[g][lang],
                          t("defs.col.score_range", lang): ranges[g]} for g in grading.GRADES])
