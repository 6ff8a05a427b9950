"""Plotly figure builders. Pure functions of DataFrames: no Streamlit import here.

Every label comes from :mod:`dashboard.i18n` or the metric registry; values of rate
metrics are plotted in % (×100) and every hover/bar text is formatted by the registry's
:func:`~data_access.metrics.format_value`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import t
from data_access import metrics
from data_access.periods import Period, add_months

FONT_FAMILY = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", '
               '"PingFang SC", sans-serif')
PRIMARY = "#C8102E"        # Chinese red: the metric line, bars that meet the target
PRIMARY_LIGHT = "#E9A3AD"  # bars that miss the target
TARGET_COLOR = "#5F6B7A"
MILESTONE_COLOR = "#B8860B"
TEXT_COLOR = "#262730"
GRID_COLOR = "#E8EAED"

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

_PERCENT_FORMATS = ("percent1", "percent2")


# --- values ---------------------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        not isinstance(value, str) and pd.isna(value))


def display_value(metric: metrics.Metric | str, value: Any) -> float | None:
    """A metric value in the unit it is shown in: rates in % (0.74 → 74.0)."""
    metric = metrics.get(metric) if isinstance(metric, str) else metric
    if _is_missing(value) or isinstance(value, str):
        return None
    value = float(value)
    return value * 100 if metric.format in _PERCENT_FORMATS else value


def axis_suffix(metric: metrics.Metric) -> str:
    return "%" if metric.format in _PERCENT_FORMATS else ""


def _tick_format(metric: metrics.Metric) -> str:
    if metric.format == "percent2":
        return ".2f"
    if metric.format == "count":
        return ",d"
    return ".1f" if metric.format != "percent1" else ".0f"


# --- buckets on a time axis ----------------------------------------------------------------

def _month_start(month: str) -> dt.datetime:
    return dt.datetime(int(month[:4]), int(month[5:7]), 1)


def bucket_bounds(bucket: str) -> tuple[dt.datetime, dt.datetime]:
    """Start and (exclusive) end of a month/quarter/year bucket key."""
    period = Period.parse(bucket)
    return _month_start(period.first_month), _month_start(add_months(period.last_month, 1))


def bucket_midpoint(bucket: str) -> dt.datetime:
    start, end = bucket_bounds(bucket)
    return start + (end - start) / 2


def _base_layout_dict(title: str, height: int) -> dict:
    """The layout every chart starts from, as a plain dict."""
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 0.99, "yref": "container",
                  "yanchor": "top", "font": {"size": 15}},
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 12},
        "height": height,
        "margin": {"l": 10, "r": 16, "t": 62, "b": 10},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "showlegend": False,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }


def _base_layout(fig: go.Figure, title: str, height: int) -> None:
    fig.update_layout(_base_layout_dict(title, height))


def _date_tick_stops(lang: str) -> list[dict]:
    """Tick labels by zoom level; Chinese labels spelled out (plotly's own are English)."""
    if lang == "zh":
        return [
            {"dtickrange": [None, "M1"], "value": "%Y年%-m月%-d日"},
            {"dtickrange": ["M1", "M12"], "value": "%Y年%-m月"},
            {"dtickrange": ["M12", None], "value": "%Y年"},
        ]
    return [
        {"dtickrange": [None, "M1"], "value": "%-d %b %Y"},
        {"dtickrange": ["M1", "M12"], "value": "%b %Y"},
        {"dtickrange": ["M12", None], "value": "%Y"},
    ]


# --- trend ----------------------------------------------------------------------------------

def trend_figure(series: pd.DataFrame, metric_key: str, lang: str,
                 milestones: pd.DataFrame | None = None,
                 highlight: tuple[str, str] | None = None, *, height: int = 320) -> go.Figure:
    """One metric over time (a frame from ``queries.kpi_series``).

    Draws the metric line (points at the middle of each month/quarter/year), a dashed
    target line from the registry, a dotted vertical line with a label for each milestone
    inside the time range, and the months ``highlight`` = (first, last) shaded.

    The layout is assembled as one dict and given to the figure once: each update_*/add_*
    call re-validates and re-dispatches the layout, several times the cost of the data
    (the overview draws four of these on every run).
    """
    metric = metrics.get(metric_key)
    layout = _base_layout_dict(metric.label(lang), height)
    yaxis = {"ticksuffix": axis_suffix(metric), "tickformat": _tick_format(metric),
             "gridcolor": GRID_COLOR, "zeroline": False}
    if metric.format == "count":
        yaxis["rangemode"] = "tozero"
    xaxis = {"type": "date", "tickformatstops": _date_tick_stops(lang), "showgrid": False,
             "linecolor": GRID_COLOR}
    layout.update(xaxis=xaxis, yaxis=yaxis)
    if series is None or series.empty:
        return go.Figure(layout=layout)

    frame = series.sort_values("bucket")
    buckets = list(frame["bucket"])
    x = [bucket_midpoint(b) for b in buckets]
    y = [display_value(metric, v) for v in frame[metric_key]]
    custom = [[Period.parse(b).label(lang), metrics.format_value(metric, v, lang)]
              for b, v in zip(buckets, frame[metric_key])]
    trace = go.Scatter(
        x=x, y=y, customdata=custom, name=metric.label(lang), mode="lines+markers",
        line={"color": PRIMARY, "width": 2.5}, marker={"size": 6, "color": PRIMARY},
        connectgaps=False,
        hovertemplate="%{customdata[0]}<br><b>%{customdata[1]}</b><extra></extra>",
    )
    range_start = bucket_bounds(buckets[0])[0]
    range_end = bucket_bounds(buckets[-1])[1]
    xaxis["range"] = [range_start, range_end]
    shapes, annotations = [], []

    if metric.target is not None and metric.higher_is_better is not None:
        target = display_value(metric, metric.target)
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": target, "y1": target,
                       "line": {"color": TARGET_COLOR, "width": 1.5, "dash": "dash"},
                       "name": "target"})
        # the label goes on the side of the line away from the latest values
        latest = next((v for v in reversed(y) if v is not None), None)
        below = latest is not None and latest > target
        annotations.append({
            "xref": "paper", "x": 1, "yref": "y", "y": target, "xanchor": "right",
            "yanchor": "top" if below else "bottom",
            "text": t("chart.target", lang, target=metrics.format_target(metric, lang)),
            "showarrow": False, "font": {"size": 11, "color": TARGET_COLOR},
            "name": "target"})
        # keep the target inside the visible range
        values = [v for v in y if v is not None] + [target]
        low, high = min(values), max(values)
        pad = (high - low) * 0.12 or max(abs(high) * 0.1, 1.0)
        bottom = 0 if metric.format == "count" else max(low - pad, 0.0)  # never negative
        yaxis["range"] = [bottom, high + pad]

    if highlight is not None:
        first, last = highlight
        x0 = max(_month_start(first), range_start)
        x1 = min(_month_start(add_months(last, 1)), range_end)
        if x0 < x1:  # explained in the caption above the charts: no label here
            shapes.append({"type": "rect", "xref": "x", "x0": x0, "x1": x1, "yref": "paper",
                           "y0": 0, "y1": 1, "fillcolor": PRIMARY, "opacity": 0.08,
                           "line": {"width": 0}, "layer": "below", "name": "highlight"})

    for on_date, mark, label in milestones_in_range(milestones, lang, range_start, range_end):
        # a numbered mark just above the plot area (full label on hover and in the legend
        # under the charts: full labels collide on narrow charts with several milestones)
        shapes.append({"type": "line", "xref": "x", "x0": on_date, "x1": on_date,
                       "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": MILESTONE_COLOR, "width": 1.5, "dash": "dot"},
                       "name": "milestone"})
        annotations.append({
            "x": on_date, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
            "xanchor": "center", "text": mark, "hovertext": label, "showarrow": False,
            "font": {"size": 13, "color": MILESTONE_COLOR}, "name": "milestone"})
    layout.update(shapes=shapes, annotations=annotations)
    return go.Figure(data=[trace], layout=layout)


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def milestone_mark(number: int) -> str:
    """①, ②, … for 1..20, then (21), (22), …"""
    return _CIRCLED[number - 1] if 1 <= number <= len(_CIRCLED) else f"({number})"


def series_range(series: pd.DataFrame) -> tuple[dt.datetime, dt.datetime] | None:
    """Start of the first and (exclusive) end of the last bucket of a kpi_series frame."""
    if series is None or series.empty:
        return None
    buckets = sorted(series["bucket"])
    return bucket_bounds(buckets[0])[0], bucket_bounds(buckets[-1])[1]


def milestones_in_range(milestones: pd.DataFrame | None, lang: str, start: dt.datetime,
                        end: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    """(date, mark, label) of the milestones in [start, end), oldest first, numbered from ①;
    the label reads '红色物业工作启动（2019年4月）' / 'Red Property programme launched (Apr 2019)'."""
    if milestones is None or milestones.empty:
        return []
    column = "label_zh" if lang == "zh" else "label_en"
    found = []
    for row in milestones.sort_values("on_date").itertuples(index=False):
        on_date = pd.Timestamp(row.on_date).to_pydatetime()
        if start <= on_date < end:
            label = getattr(row, column) or row.label_zh
            month = Period("month", on_date.year, on_date.month).label(lang)
            found.append((on_date, milestone_mark(len(found) + 1),
                          t("chart.milestone", lang, label=label, month=month)))
    return found


def milestone_legend(series: pd.DataFrame, milestones: pd.DataFrame | None,
                     lang: str) -> str | None:
    """'重要节点：① 红色物业工作启动（2019年4月）　② …' for the marks of :func:`trend_figure`
    drawn over ``series``, or None when no milestone falls in its range."""
    bounds = series_range(series)
    if bounds is None:
        return None
    found = milestones_in_range(milestones, lang, *bounds)
    if not found:
        return None
    separator = "　" if lang == "zh" else " · "
    items = separator.join(f"{mark} {label}" for _, mark, label in found)
    return t("chart.milestone_legend", lang, items=items)


# --- comparison of areas --------------------------------------------------------------------

def area_comparison_figure(by_area: pd.DataFrame, metric_key: str, lang: str) -> go.Figure:
    """Horizontal bars of one metric per area (a frame from ``queries.kpis_by_area``).

    Best area on top (the metric's good direction), areas without a value at the bottom;
    a dashed line at the target; bars that miss the target lighter.
    """
    metric = metrics.get(metric_key)
    frame = area_bar_frame(by_area, metric_key, lang)
    height = 90 + 34 * max(len(frame), 1)
    # one dict given to the figure at once (each update_*/add_* re-validates the layout)
    layout = _base_layout_dict(metric.label(lang), height)
    layout["margin"] = {"l": 10, "r": 40, "t": 44, "b": 10}
    met_text = {True: t("status.met", lang), False: t("status.not_met", lang),
                None: t("status.no_data", lang)}
    bar = go.Bar(
        x=frame["display"], y=frame["area"], orientation="h",
        text=frame["text"], textposition="outside", cliponaxis=False,
        marker={"color": [PRIMARY if met is not False else PRIMARY_LIGHT
                          for met in frame["met"]]},
        customdata=[[text, met_text[met]] for text, met in zip(frame["text"], frame["met"])],
        hovertemplate=("%{y}<br><b>%{customdata[0]}</b> · %{customdata[1]}<extra></extra>"),
        name=metric.label(lang),
    )
    layout["yaxis"] = {"autorange": "reversed", "categoryorder": "array",
                       "categoryarray": list(frame["area"]), "ticks": "outside",
                       "ticklen": 4, "tickcolor": "white"}
    xaxis = {"ticksuffix": axis_suffix(metric), "tickformat": _tick_format(metric),
             "gridcolor": GRID_COLOR, "zeroline": True, "zerolinecolor": GRID_COLOR,
             "rangemode": "tozero"}
    layout["xaxis"] = xaxis
    values = [v for v in frame["display"] if v is not None and not pd.isna(v)]
    if metric.target is not None and metric.higher_is_better is not None:
        target = display_value(metric, metric.target)
        layout["shapes"] = [{"type": "line", "xref": "x", "x0": target, "x1": target,
                             "yref": "paper", "y0": 0, "y1": 1,
                             "line": {"color": TARGET_COLOR, "width": 1.5, "dash": "dash"},
                             "name": "target"}]
        layout["annotations"] = [{
            "x": target, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
            "xanchor": "left",
            "text": t("chart.target", lang, target=metrics.format_target(metric, lang)),
            "showarrow": False, "font": {"size": 11, "color": TARGET_COLOR},
            "name": "target"}]
        values.append(target)
    if values:
        xaxis["range"] = [min(0.0, min(values)), max(values) * 1.18 or 1.0]
    return go.Figure(data=[bar], layout=layout)


def area_bar_frame(by_area: pd.DataFrame, metric_key: str, lang: str) -> pd.DataFrame:
    """The bars of :func:`area_comparison_figure`, top to bottom: area, value, display
    value, text, met (True/False/None)."""
    metric = metrics.get(metric_key)
    columns = ["code", "area", "value", "display", "text", "met"]
    if by_area is None or by_area.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for row in by_area.to_dict("records"):
        value = row.get(metric_key)
        value = None if _is_missing(value) else value
        name = row.get("name") if lang == "zh" else (row.get("name_en") or row.get("name"))
        rows.append({"code": row["code"], "area": name, "value": value,
                     "display": display_value(metric, value),
                     "text": metrics.format_value(metric, value, lang),
                     "met": metric.meets_target(value)})
    frame = pd.DataFrame(rows, columns=columns)
    descending = metric.higher_is_better is not False
    has_value = frame["display"].notna()
    ordered = frame[has_value].sort_values(["display", "code"],
                                           ascending=[not descending, True], kind="stable")
    return pd.concat([ordered, frame[~has_value]]).reset_index(drop=True)


# --- sparklines -----------------------------------------------------------------------------

def sparkline(series: pd.DataFrame, metric_key: str, last_month: str | None = None,
              points: int = 12) -> list[float]:
    """The last ``points`` values (display units, gaps dropped) of ``metric_key`` in a
    ``kpi_series`` frame, over buckets ending by ``last_month`` — for st.metric(chart_data)."""
    if series is None or series.empty:
        return []
    frame = series.sort_values("bucket")
    if last_month:
        starts = [bucket_bounds(b)[0] for b in frame["bucket"]]
        frame = frame[[start <= _month_start(last_month) for start in starts]]
    frame = frame.tail(points)
    values = [display_value(metric_key, v) for v in frame[metric_key]]
    return [round(v, 4) for v in values if v is not None]
