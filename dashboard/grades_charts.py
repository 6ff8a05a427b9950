"""Plotly builders of the grades pages: funnel plot, "why this grade" waterfall, score
history by dimension, the company's estates on the district outlines, complaints by
category. Pure functions of DataFrames/dicts; no Streamlit import here.

Every label comes from :mod:`dashboard.i18n` or the metric registry; rates are plotted in
% (the registry's display unit) and texts are formatted by ``metrics.format_value``.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import (
    FONT_FAMILY,
    GRID_COLOR,
    PRIMARY,
    TARGET_COLOR,
    TEXT_COLOR,
    _base_layout,
    _base_layout_dict,
    _date_tick_stops,
    bucket_midpoint,
    display_value,
)
from dashboard.i18n import t
from data_access import grading, metrics
from data_access.grades import funnel_limits
from data_access.periods import Period
from data_access.schema import ASSESSMENT_DIMENSIONS

GRADE_COLORS = {"excellent": "#2E7D32", "qualified": "#1F6FB2", "unqualified": PRIMARY,
                None: "#9AA0A6"}
SIGNAL_COLORS = {"high": PRIMARY, "elevated": "#E67E22", "normal": "#5F6B7A",
                 "low": "#2E7D32", None: "#9AA0A6"}
DIMENSION_COLORS = ("#1F6FB2", "#2E7D32", "#E67E22", "#8E44AD", "#B8860B", "#C8102E")
OUTLINE_COLOR = "#8A94A6"
LIMIT_DASHES = ("dash", "dot", "dashdot")
LOG_TICKS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000)


def dimension_label(dimension: str, lang: str) -> str:
    """服务质量 / Service quality (the dimension keys of the shared catalog)."""
    key = "dim." + dimension
    return t(key, lang)


def grade_label(grade: str | None, lang: str) -> str:
    if grade is None or (isinstance(grade, float) and math.isnan(grade)):
        return t("grades.grade.none", lang)
    return metrics.format_value("grade", grade, lang)


def level_label(level: float) -> str:
    """0.95 → '95%', 0.998 → '99.8%'."""
    return f"{level * 100:g}%"


# --- funnel plot ------------------------------------------------------------------------------


def funnel_curve(city_rate: float, months: int, households: np.ndarray, level: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Control limits (as rates) over ``households`` managed for a period of ``months``
    months: exposure E = households × months ÷ 12 household-years; see
    :func:`data_access.grades.funnel_limits`."""
    exposure = np.asarray(households, dtype=float) * months / 12.0
    return funnel_limits(city_rate, exposure, level)


def funnel_figure(table: pd.DataFrame, city_rate: float | None, months: int,
                  levels: tuple[float, ...], lang: str, *, height: int = 460) -> go.Figure:
    """Complaint rate (annualised, %) of each company against its households managed
    (period average, log axis), with the average rate and the control limits at
    ``levels`` around it. Dots are coloured by their signal (above/below the limits)."""
    metric = metrics.get("complaint_rate")
    # traces and layout given to the figure at once (each add_trace/update_* call
    # re-validates the figure; the league page draws this on every run)
    layout = _base_layout_dict(t("grades.funnel.title", lang), height)
    layout.update(
        showlegend=True, legend={"orientation": "h", "y": -0.18, "x": 0},
        margin={"l": 10, "r": 16, "t": 50, "b": 10},
        xaxis={"type": "log", "title": {"text": t("grades.funnel.x", lang)},
               "gridcolor": GRID_COLOR, "tickvals": LOG_TICKS,
               "ticktext": [f"{v:,}" for v in LOG_TICKS]},
        yaxis={"title": {"text": metric.label(lang)}, "ticksuffix": "%",
               "gridcolor": GRID_COLOR, "rangemode": "tozero", "zeroline": False})
    if table is None or table.empty or city_rate is None:
        return go.Figure(layout=layout)
    frame = table[(table["households_avg"] > 0) & table["complaint_rate"].notna()]
    if frame.empty:
        return go.Figure(layout=layout)
    low_x = max(float(frame["households_avg"].min()) * 0.8, 1.0)
    high_x = float(frame["households_avg"].max()) * 1.25
    grid = np.geomspace(low_x, high_x, 120)
    average = display_value(metric, city_rate)
    traces = [{
        "type": "scatter", "x": [grid[0], grid[-1]], "y": [average, average],
        "mode": "lines", "line": {"color": TARGET_COLOR, "width": 1.5},
        "name": t("grades.funnel.average", lang,
                  rate=metrics.format_value(metric, city_rate, lang)),
        "hoverinfo": "skip"}]
    for level, dash in zip(sorted(levels), LIMIT_DASHES):
        lower, upper = funnel_curve(city_rate, months, grid, level)
        name = t("grades.funnel.limit", lang, level=level_label(level))
        for values, show in ((upper, True), (lower, False)):
            traces.append({
                "type": "scatter", "x": grid, "y": [display_value(metric, v) for v in values],
                "mode": "lines", "line": {"color": TARGET_COLOR, "width": 1, "dash": dash},
                "name": name, "legendgroup": name, "showlegend": show, "hoverinfo": "skip"})
    signals = frame["funnel_signal"] if "funnel_signal" in frame else [None] * len(frame)
    custom = [[html.escape(str(row.name_)), html.escape(str(row.code)),
               metrics.format_value(metric, row.rate, lang),
               f"{row.households:,.0f}"]
              for row in pd.DataFrame({"name_": frame["name"], "code": frame["code"],
                                       "rate": frame["complaint_rate"],
                                       "households": frame["households_avg"]}
                                      ).itertuples(index=False)]
    traces.append({
        "type": "scatter", "x": list(frame["households_avg"]),
        "y": [display_value(metric, v) for v in frame["complaint_rate"]],
        "mode": "markers", "name": t("grades.ks.companies", lang),
        "marker": {"size": 8, "color": [SIGNAL_COLORS.get(s, SIGNAL_COLORS[None])
                                        for s in signals],
                   "line": {"width": 0.5, "color": "white"}},
        "customdata": custom,
        "hovertemplate": ("%{customdata[0]}<br>%{customdata[1]}<br><b>%{customdata[2]}</b>"
                          "<br>%{customdata[3]}<extra></extra>")})
    return go.Figure(data=traces, layout=layout)


# --- why this grade ---------------------------------------------------------------------------


def waterfall_figure(parts: dict, rules: grading.GradingRules, lang: str, *,
                     height: int = 420, title: str | None = None) -> go.Figure:
    """The six dimensions' weighted points stacked up to the company score (a plotly
    Waterfall: one relative bar per dimension, then the total), with dashed lines at the
    grade thresholds and the gap to the next grade marked."""
    fig = go.Figure()
    _base_layout(fig, t("grades.profile.waterfall", lang) if title is None else title, height)
    fig.update_layout(margin={"l": 10, "r": 90, "t": 50 if title != "" else 20, "b": 10})
    dims = [d for d in ASSESSMENT_DIMENSIONS]
    labels = [dimension_label(d, lang) for d in dims] + [t("grades.waterfall.total", lang)]
    labels = [label.replace(" ", "<br>") for label in labels]  # two lines in English
    values = [parts["points"][d] for d in dims] + [parts["score"]]
    fig.add_trace(go.Waterfall(
        x=labels, y=values, measure=["relative"] * len(dims) + ["total"],
        text=[f"{v:.1f}" for v in values], textposition="outside",
        connector={"line": {"color": GRID_COLOR}},
        increasing={"marker": {"color": "#1F6FB2"}},
        totals={"marker": {"color": GRADE_COLORS.get(parts["grade"], PRIMARY)}},
        hovertemplate="%{x}: %{y:.2f}<extra></extra>", name=""))
    for grade in ("qualified", "excellent"):
        threshold = rules.threshold(grade)
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=threshold,
                      y1=threshold, line={"color": TARGET_COLOR, "width": 1.2, "dash": "dash"},
                      name=f"threshold_{grade}")
        fig.add_annotation(xref="paper", x=1, xanchor="left", yref="y", y=threshold,
                           text=f"{grade_label(grade, lang)} {threshold:g}", showarrow=False,
                           font={"size": 11, "color": TARGET_COLOR}, name=f"threshold_{grade}")
    if parts.get("next_threshold") is not None:
        # what is missing to the next grade: a dashed box on top of the total bar
        fig.add_shape(type="rect", xref="x", x0=len(dims) - 0.4, x1=len(dims) + 0.4,
                      yref="y", y0=parts["score"], y1=parts["next_threshold"],
                      fillcolor="rgba(200,16,46,0.12)",
                      line={"color": PRIMARY, "width": 1.5, "dash": "dot"}, name="gap")
        fig.add_annotation(xref="x", x=len(dims), yref="y", y=parts["next_threshold"],
                           yanchor="bottom", showarrow=False, name="gap",
                           text=f"+{parts['points_needed']:.1f}",
                           font={"size": 12, "color": PRIMARY})
    fig.update_yaxes(range=[0, 108], gridcolor=GRID_COLOR, zeroline=False)
    fig.update_xaxes(tickangle=0)
    return fig


# --- score history by dimension ---------------------------------------------------------------


def dimension_history_figure(history: pd.DataFrame, rules: grading.GradingRules, lang: str,
                             *, height: int = 400, title: str | None = None) -> go.Figure:
    """Each dimension's score (0–100) per quarter, the company score as a thick line, and
    dashed lines at the grade thresholds."""
    fig = go.Figure()
    _base_layout(fig, t("grades.profile.history", lang) if title is None else title, height)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.12, "x": 0},
                      margin={"l": 10, "r": 16, "t": 50 if title != "" else 20, "b": 10})
    fig.update_yaxes(gridcolor=GRID_COLOR, zeroline=False)
    fig.update_xaxes(type="date", showgrid=False, tickformatstops=_date_tick_stops(lang))
    if history is None or history.empty:
        return fig
    x = [bucket_midpoint(q) for q in history["quarter"]]
    names = [Period.parse(q).label(lang) for q in history["quarter"]]
    for dim, color in zip(ASSESSMENT_DIMENSIONS, DIMENSION_COLORS):
        fig.add_trace(go.Scatter(
            x=x, y=list(history[dim].astype(float)), mode="lines", customdata=names,
            line={"color": color, "width": 1.3}, name=dimension_label(dim, lang),
            hovertemplate="%{customdata}: %{y:.1f}<extra>" + dimension_label(dim, lang)
            + "</extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=list(history["score"].astype(float)), mode="lines+markers", customdata=names,
        line={"color": TEXT_COLOR, "width": 3}, marker={"size": 5},
        name=t("grades.waterfall.total", lang),
        hovertemplate="%{customdata}: %{y:.1f}<extra></extra>"))
    for grade in ("qualified", "excellent"):
        threshold = rules.threshold(grade)
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=threshold,
                      y1=threshold, line={"color": TARGET_COLOR, "width": 1, "dash": "dash"},
                      name=f"threshold_{grade}")
    values = history[[*ASSESSMENT_DIMENSIONS, "score"]].astype(float).to_numpy()
    low = np.nanmin(values) if np.isfinite(values).any() else 60.0
    fig.update_yaxes(range=[min(low - 3, rules.qualified_from - 5), 101])
    return fig


# --- map of the company's estates -------------------------------------------------------------


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def estates_map_figure(outlines: pd.DataFrame, estates: pd.DataFrame, lang: str, *,
                       height: int = 420, title: str | None = None) -> go.Figure:
    """The company's estates as dots coloured by grade on the district outlines — a
    plain x/y plot of longitude/latitude (no map tiles: works offline), with the
    latitude axis scaled by 1/cos(latitude) so shapes are not stretched."""
    fig = go.Figure()
    _base_layout(fig, t("grades.profile.map", lang) if title is None else title, height)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02, "x": 0},
                      margin={"l": 10, "r": 10, "t": 44 if title != "" else 16, "b": 10})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    latitudes = []
    for row in (outlines if outlines is not None else pd.DataFrame()).itertuples(index=False):
        if not row.geometry_geojson:
            continue
        geometry = json.loads(row.geometry_geojson)
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in _rings(geometry):
            xs += [point[0] for point in ring] + [None]
            ys += [point[1] for point in ring] + [None]
        latitudes += [y for y in ys if y is not None]
        name = html.escape(row.name if lang == "zh" else (row.name_en or row.name))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself",
                                 fillcolor="rgba(138,148,166,0.06)",
                                 line={"color": OUTLINE_COLOR, "width": 1}, name=name,
                                 showlegend=False, hoverinfo="text", text=name))
    if estates is not None and not estates.empty:
        located = estates[estates["longitude"].notna() & estates["latitude"].notna()]
        for grade in ("excellent", "qualified", "unqualified", None):
            rows = located[located["grade"].isna()] if grade is None else \
                located[located["grade"] == grade]
            if rows.empty:
                continue
            custom = [[html.escape(str(r.estate_name)), html.escape(str(r.estate_code)),
                       f"{int(r.households):,}",
                       "—" if pd.isna(r.score) else metrics.format_value(
                           "assessment_score", float(r.score), lang)]
                      for r in rows.itertuples(index=False)]
            fig.add_trace(go.Scatter(
                x=list(rows["longitude"]), y=list(rows["latitude"]), mode="markers",
                marker={"size": 10, "color": GRADE_COLORS[grade],
                        "line": {"width": 1, "color": "white"}},
                name=grade_label(grade, lang), customdata=custom,
                hovertemplate=("%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}"
                               " · %{customdata[3]}<extra></extra>")))
        latitudes += list(located["latitude"])
    middle = float(np.mean(latitudes)) if latitudes else 37.0
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(middle)))
    return fig


# --- complaints by category -------------------------------------------------------------------


def categories_figure(categories: pd.DataFrame, labels: dict[str, str], lang: str, *,
                      height: int | None = None, title: str | None = None) -> go.Figure:
    """Horizontal bars of complaints per category, most first; ``labels`` names the
    categories in ``lang``."""
    frame = categories if categories is not None else pd.DataFrame(
        columns=["category", "complaints"])
    fig = go.Figure()
    _base_layout(fig, t("grades.profile.categories", lang) if title is None else title,
                 height or 80 + 30 * max(len(frame), 1))
    fig.update_layout(margin={"l": 10, "r": 40, "t": 44 if title != "" else 16, "b": 10})
    names = [labels.get(c, c) for c in frame["category"]]
    fig.add_trace(go.Bar(x=list(frame["complaints"].astype(int)), y=names, orientation="h",
                         text=[f"{int(v):,}" for v in frame["complaints"]],
                         textposition="outside", cliponaxis=False,
                         marker={"color": PRIMARY}, hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    largest = int(frame["complaints"].max()) if len(frame) else 1
    fig.update_xaxes(gridcolor=GRID_COLOR, rangemode="tozero", tickformat=",d",
                     dtick=max(1, math.ceil(largest / 5)))
    return fig


__all__ = ["FONT_FAMILY", "categories_figure", "dimension_history_figure",
           "estates_map_figure", "funnel_curve", "funnel_figure", "grade_label",
           "waterfall_figure"]
