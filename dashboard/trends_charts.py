"""Plotly builders of the trends page and the estate profile (no Streamlit import).

Series frames come from :func:`data_access.trends.series` (``bucket``, ``group_code`` and
one column per metric). Rates are plotted in % and every hover text is formatted by the
metric registry; each time chart has the target line of the registry and the numbered
milestone marks of :func:`dashboard.charts.milestones_in_range`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import (
    FONT_FAMILY,
    GRID_COLOR,
    MILESTONE_COLOR,
    PRIMARY,
    TARGET_COLOR,
    TEXT_COLOR,
    axis_suffix,
    bucket_bounds,
    bucket_midpoint,
    display_value,
    milestones_in_range,
)
from dashboard.i18n import t
from data_access import metrics
from data_access.periods import Period, add_months

TOTAL_COLOR = "#3C4450"
PALETTE = ("#C8102E", "#1F77B4", "#2CA02C", "#FF7F0E", "#9467BD", "#8C564B", "#E377C2",
           "#17BECF", "#BCBD22", "#7F7F7F", "#393B79", "#AD494A")


def _layout_dict(title: str, height: int, legend: bool) -> dict:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 12}, "height": height,
        "margin": {"l": 10, "r": 16, "t": 56, "b": 10}, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "showlegend": legend,
        "legend": {"orientation": "h", "y": -0.12, "x": 0, "yanchor": "top"},
        "hoverlabel": {"font": {"family": FONT_FAMILY}}, "hovermode": "closest",
    }


def _layout(fig: go.Figure, title: str, height: int, legend: bool) -> None:
    fig.update_layout(_layout_dict(title, height, legend))


def _tick_stops(lang: str) -> list[dict]:
    if lang == "zh":
        return [{"dtickrange": [None, "M1"], "value": "%Y年%-m月%-d日"},
                {"dtickrange": ["M1", "M12"], "value": "%Y年%-m月"},
                {"dtickrange": ["M12", None], "value": "%Y年"}]
    return [{"dtickrange": [None, "M1"], "value": "%-d %b %Y"},
            {"dtickrange": ["M1", "M12"], "value": "%b %Y"},
            {"dtickrange": ["M12", None], "value": "%Y"}]


def _tick_format(metric: metrics.Metric) -> str:
    return ".2f" if metric.format == "percent2" else ".0f"


def value_range(values: Sequence[float | None], metric: metrics.Metric) -> list[float] | None:
    """A y range holding ``values`` and the target, padded, never below zero."""
    shown = [v for v in values if v is not None and not math.isnan(v)]
    if metric.target is not None and metric.higher_is_better is not None:
        shown.append(display_value(metric, metric.target))
    if not shown:
        return None
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.12 or max(abs(high) * 0.1, 1.0)
    return [max(low - pad, 0.0), high + pad]


def _line_dict(frame: pd.DataFrame, metric: metrics.Metric, lang: str, name: str,
               color: str, width: float = 2.2, dash: str | None = None,
               showlegend: bool = True) -> dict:
    """A scatter trace as a plain dict (no plotly validation: cheap for many panels)."""
    frame = frame.sort_values("bucket")
    buckets = list(frame["bucket"])
    values = list(frame[metric.key])
    labels = _bucket_labels(tuple(buckets), lang)
    return {
        "type": "scatter",
        "x": [bucket_midpoint(b).isoformat() for b in buckets],
        "y": [display_value(metric, v) for v in values],
        "customdata": [[label, metrics.format_value(metric, v, lang), name]
                       for label, v in zip(labels, values)],
        "name": name, "mode": "lines+markers", "connectgaps": False,
        "showlegend": showlegend,
        "line": {"color": color, "width": width, **({"dash": dash} if dash else {})},
        "marker": {"size": 5, "color": color},
        "hovertemplate": "%{customdata[2]}<br>%{customdata[0]}: <b>%{customdata[1]}</b>"
                         "<extra></extra>",
    }


@functools.lru_cache(maxsize=256)
def _bucket_labels(buckets: tuple[str, ...], lang: str) -> list[str]:
    return [Period.parse(b).label(lang) for b in buckets]


def _decorations(metric: metrics.Metric, milestones, start, end, lang: str,
                 axis: int = 1) -> list[dict]:
    """Shapes of the target line and the milestone lines on subplot ``axis`` (1-based):
    built as plain dicts and set at once (add_hline/add_vline per subplot are slow)."""
    x = "x" if axis == 1 else f"x{axis}"
    y = "y" if axis == 1 else f"y{axis}"
    shapes = []
    if metric.target is not None and metric.higher_is_better is not None:
        target = display_value(metric, metric.target)
        shapes.append({"type": "line", "xref": f"{x} domain", "x0": 0, "x1": 1, "yref": y,
                       "y0": target, "y1": target, "name": "target",
                       "line": {"color": TARGET_COLOR, "width": 1.3, "dash": "dash"}})
    for on_date, _mark, _label in milestones_in_range(milestones, lang, start, end):
        shapes.append({"type": "line", "xref": x, "x0": on_date, "x1": on_date,
                       "yref": f"{y} domain", "y0": 0, "y1": 1, "name": "milestone",
                       "line": {"color": MILESTONE_COLOR, "width": 1.2, "dash": "dot"}})
    return shapes


def _annotations(metric: metrics.Metric, lang: str, milestones, start, end) -> list[dict]:
    """The target line's label and the numbered milestone marks of a single chart."""
    annotations = []
    if metric.target is not None and metric.higher_is_better is not None:
        annotations.append({
            "xref": "paper", "x": 1, "y": display_value(metric, metric.target), "yref": "y",
            "xanchor": "right", "yanchor": "bottom", "showarrow": False,
            "text": t("chart.target", lang, target=metrics.format_target(metric, lang)),
            "font": {"size": 11, "color": TARGET_COLOR}})
    for on_date, mark, label in milestones_in_range(milestones, lang, start, end):
        annotations.append({"x": on_date, "xref": "x", "y": 1, "yref": "paper",
                            "yanchor": "bottom", "text": mark, "hovertext": label,
                            "showarrow": False,
                            "font": {"size": 13, "color": MILESTONE_COLOR}})
    return annotations


def lines_figure(series: pd.DataFrame, metric_key: str, groups: Sequence[tuple[str, str]],
                 lang: str, milestones: pd.DataFrame | None = None,
                 total: pd.DataFrame | None = None, total_label: str = "",
                 highlight: tuple[str, str] | None = None, title: str | None = None,
                 height: int = 420) -> go.Figure:
    """One line per group (``groups``: (code, label) in legend order) of ``metric_key``,
    an optional dark dashed line for the area's total, the registry's target line, the
    milestones and the months ``highlight`` shaded.

    Traces and layout are built as dicts and given to the figure at once: each
    update_*/add_* call re-validates the layout."""
    metric = metrics.get(metric_key)
    layout = _layout_dict(title or metric.label(lang), height,
                          legend=len(groups) > 1 or total is not None)
    xaxis = {"type": "date", "tickformatstops": _tick_stops(lang), "showgrid": False,
             "linecolor": GRID_COLOR}
    yaxis = {"ticksuffix": axis_suffix(metric), "tickformat": _tick_format(metric),
             "gridcolor": GRID_COLOR, "zeroline": False}
    layout.update(xaxis=xaxis, yaxis=yaxis)
    frames = [series] + ([total] if total is not None else [])
    buckets = sorted({b for f in frames if f is not None and not f.empty for b in f["bucket"]})
    if not buckets:
        return go.Figure(layout=layout)
    start, end = bucket_bounds(buckets[0])[0], bucket_bounds(buckets[-1])[1]
    values, traces = [], []
    for index, (code, label) in enumerate(groups):
        part = series[series["group_code"] == code]
        if part.empty:
            continue
        color = PRIMARY if len(groups) == 1 else PALETTE[index % len(PALETTE)]
        traces.append(_line_dict(part, metric, lang, label, color))
        values += [display_value(metric, v) for v in part[metric_key]]
    if total is not None and not total.empty:
        traces.append(_line_dict(total, metric, lang, total_label, TOTAL_COLOR, 2.6, "dash"))
        values += [display_value(metric, v) for v in total[metric_key]]
    xaxis["range"] = [start, end]
    span = value_range(values, metric)
    if span:
        yaxis["range"] = span
    shapes = []
    if highlight is not None:
        first, last = highlight
        x0 = max(pd.Timestamp(first + "-01").to_pydatetime(), start)
        x1 = min(pd.Timestamp(add_months(last, 1) + "-01").to_pydatetime(), end)
        if x0 < x1:
            shapes.append({"type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1,
                           "yref": "y domain", "fillcolor": PRIMARY, "opacity": 0.07,
                           "line": {"width": 0}, "layer": "below"})
    layout["shapes"] = [*shapes, *_decorations(metric, milestones, start, end, lang)]
    layout["annotations"] = _annotations(metric, lang, milestones, start, end)
    return go.Figure(data=traces, layout=layout)


def small_multiples_figure(series: pd.DataFrame, metric_key: str,
                           panels: Sequence[tuple[str, str]], lang: str,
                           milestones: pd.DataFrame | None = None, columns: int = 4,
                           panel_height: int = 170) -> go.Figure:
    """One small panel per group (district or street), every panel on the same x and y
    scales, each with the target line and the milestone lines.

    Built as a plain figure dict (axes, traces, shapes) and wrapped without validation:
    make_subplots and per-subplot updates take seconds with 60 street panels.
    """
    metric = metrics.get(metric_key)
    count = max(len(panels), 1)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    h_space, v_space = 0.03, min(0.32 / rows + 0.04, 0.12)
    width = (1 - (columns - 1) * h_space) / columns
    height = (1 - (rows - 1) * v_space) / rows
    layout: dict = {
        "title": {"text": metric.label(lang), "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 12},
        "height": 70 + rows * panel_height, "showlegend": False, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "margin": {"l": 10, "r": 16, "t": 64, "b": 10},
        "hoverlabel": {"font": {"family": FONT_FAMILY}}, "annotations": [], "shapes": [],
    }
    if series is None or series.empty or not panels:
        return go.Figure({"data": [], "layout": layout}, _validate=False)
    buckets = sorted(series["bucket"].unique())
    start, end = bucket_bounds(buckets[0])[0], bucket_bounds(buckets[-1])[1]
    span = value_range([display_value(metric, v) for v in series[metric_key]], metric)
    by_group = dict(tuple(series.groupby("group_code")))
    traces = []
    for index, (code, label) in enumerate(panels):
        row, col = index // columns, index % columns
        axis = index + 1
        suffix = "" if axis == 1 else str(axis)
        x0 = col * (width + h_space)
        top = 1 - row * (height + v_space)
        layout[f"xaxis{suffix}"] = {
            "domain": [x0, x0 + width], "anchor": f"y{suffix}", "type": "date",
            "range": [start, end], "showgrid": False, "linecolor": GRID_COLOR,
            "tickformatstops": _tick_stops(lang), "tickfont": {"size": 10},
            **({"matches": "x"} if axis > 1 else {})}
        layout[f"yaxis{suffix}"] = {
            "domain": [top - height, top], "anchor": f"x{suffix}", "range": span,
            "ticksuffix": axis_suffix(metric), "tickformat": _tick_format(metric),
            "gridcolor": GRID_COLOR, "tickfont": {"size": 10}, "showticklabels": col == 0,
            **({"matches": "y"} if axis > 1 else {})}
        layout["annotations"].append({
            "text": label, "x": x0 + width / 2, "y": top, "xref": "paper", "yref": "paper",
            "xanchor": "center", "yanchor": "bottom", "showarrow": False,
            "font": {"size": 12}})
        layout["shapes"] += _decorations(metric, milestones, start, end, lang, axis=axis)
        part = by_group.get(code)
        if part is not None and not part.empty:
            trace = _line_dict(part, metric, lang, label, PRIMARY, 1.8, showlegend=False)
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
            traces.append(trace)
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def comparison_figure(frame: pd.DataFrame, metric_key: str, lang: str, label_a: str,
                      label_b: str, title: str) -> go.Figure:
    """Two bars per group: the metric in period A and in period B (frame: label,
    value_a, value_b)."""
    metric = metrics.get(metric_key)
    fig = go.Figure()
    _layout(fig, title, 110 + 46 * max(len(frame), 1), legend=True)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.02, "x": 0,
                                               "yanchor": "bottom"},
                      margin={"l": 10, "r": 40, "t": 80, "b": 10})
    if frame.empty:
        return fig
    for column, name, color in (("value_b", label_b, "#E9A3AD"), ("value_a", label_a, PRIMARY)):
        values = list(frame[column])
        fig.add_trace(go.Bar(
            y=frame["label"], x=[display_value(metric, v) for v in values], orientation="h",
            name=name, marker={"color": color}, cliponaxis=False, textposition="outside",
            text=[metrics.format_value(metric, v, lang) for v in values],
            hovertemplate="%{y} · " + name + "<br><b>%{text}</b><extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(ticksuffix=axis_suffix(metric), gridcolor=GRID_COLOR, rangemode="tozero")
    shown = [display_value(metric, v) for c in ("value_a", "value_b") for v in frame[c]]
    shown = [v for v in shown if v is not None and not math.isnan(v)]
    if shown:
        fig.update_xaxes(range=[0, max(shown) * 1.25 or 1.0])
    return fig
