"""Plotly builders of the coverage page (no Streamlit import).

:func:`coverage_trend_figure` draws one coverage metric over time for the selected area
(bold red) and each district (or street) in it, from
:func:`data_access.coverage.coverage_trend`; values are formatted by the registry.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import (
    FONT_FAMILY,
    GRID_COLOR,
    PRIMARY,
    TARGET_COLOR,
    TEXT_COLOR,
    _tick_format,
    axis_suffix,
    bucket_midpoint,
    display_value,
)
from dashboard.i18n import t
from data_access import metrics
from data_access.periods import Period

#: colours of the district/street lines (the total is PRIMARY red)
AREA_COLORS = ("#1565C0", "#2E7D32", "#EF6C00", "#6A1B9A", "#00838F", "#5D4037",
               "#AD1457", "#558B2F", "#283593", "#9E9D24")


def coverage_trend_figure(trend: pd.DataFrame, metric_key: str, lang: str,
                          names: Mapping[str, str], total_label: str,
                          height: int = 340) -> go.Figure:
    """Lines of ``metric_key`` per bucket: the total and each area (names by code)."""
    metric = metrics.get(metric_key)
    fig = go.Figure()
    fig.update_layout(
        title={"text": metric.label(lang), "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 12}, height=height,
        margin={"l": 10, "r": 16, "t": 50, "b": 10}, plot_bgcolor="white",
        paper_bgcolor="white", hoverlabel={"font": {"family": FONT_FAMILY}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    )
    fig.update_yaxes(ticksuffix=axis_suffix(metric), tickformat=_tick_format(metric),
                     gridcolor=GRID_COLOR, zeroline=False,
                     rangemode="tozero" if metric.format == "count" else None)
    fig.update_xaxes(type="date", showgrid=False, linecolor=GRID_COLOR)
    if trend is None or trend.empty:
        return fig
    areas = [code for code in trend["area_code"].drop_duplicates() if code]
    many = len(areas) > len(AREA_COLORS)
    for index, code in enumerate(["", *areas]):
        part = trend[trend["area_code"] == code].sort_values("bucket")
        if part.empty:
            continue
        label = total_label if code == "" else names.get(code, code)
        custom = [[Period.parse(b).label(lang), label, metrics.format_value(metric, v, lang)]
                  for b, v in zip(part["bucket"], part[metric_key])]
        line = ({"color": PRIMARY, "width": 3} if code == "" else
                {"color": AREA_COLORS[(index - 1) % len(AREA_COLORS)],
                 "width": 1 if many else 1.6})
        fig.add_trace(go.Scatter(
            x=[bucket_midpoint(b) for b in part["bucket"]],
            y=[display_value(metric, v) for v in part[metric_key]],
            customdata=custom, name=label, mode="lines", line=line,
            opacity=1.0 if code == "" else 0.85, showlegend=not many or code == "",
            hovertemplate="%{customdata[0]} · %{customdata[1]}<br>"
                          "<b>%{customdata[2]}</b><extra></extra>"))
    if metric.target is not None and metric.higher_is_better is not None \
            and metric.format != "count":
        target = display_value(metric, metric.target)
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=target, y1=target,
                      line={"color": TARGET_COLOR, "width": 1.5, "dash": "dash"}, name="target")
        fig.add_annotation(xref="paper", x=1, yref="y", y=target, xanchor="right",
                           yanchor="bottom", showarrow=False,
                           text=t("chart.target", lang,
                                  target=metrics.format_target(metric, lang)),
                           font={"size": 11, "color": TARGET_COLOR})
    return fig
