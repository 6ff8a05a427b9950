"""Plotly builders of the complaints page and the estate profile (no Streamlit import).

Every bar carries its code (category, channel, month) as ``customdata[0]`` so that a
selection on the chart tells the page what was picked. The selected bar is drawn in the
primary colour, the others lighter.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import FONT_FAMILY, GRID_COLOR, PRIMARY, PRIMARY_LIGHT, TEXT_COLOR
from dashboard.i18n import t

HEAT_SCALE = [[0.0, "#FFF5F5"], [0.5, "#F08A96"], [1.0, PRIMARY]]
LEVEL_COLORS = {"estate": PRIMARY, "community": "#E3667A", "street": "#F0A5B0",
                "district": "#F7D2D8", "unknown": "#D0D4DA"}


def layout_dict(title: str, height: int, *, margin_left: int = 10) -> dict:
    """The layout of the complaints charts, as a plain dict."""
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 12},
        "height": height, "margin": {"l": margin_left, "r": 24, "t": 48, "b": 10},
        "plot_bgcolor": "white", "paper_bgcolor": "white", "showlegend": False,
        "hoverlabel": {"font": {"family": FONT_FAMILY}}, "dragmode": False,
        "clickmode": "event+select",
    }


def layout(fig: go.Figure, title: str, height: int, *, margin_left: int = 10) -> go.Figure:
    fig.update_layout(layout_dict(title, height, margin_left=margin_left))
    return fig


def bar_figure(frame: pd.DataFrame, title: str, *, selected: str | None = None,
               horizontal: bool = True, hover_title: str = "") -> go.Figure:
    """Bars from a frame with code, label, value, text, hover columns (in display order).

    Layout and trace are built as dicts and given to the figure at once (each update_*
    call re-validates the layout; the complaints page draws several of these a run)."""
    height = (90 + 28 * max(len(frame), 1)) if horizontal else 320
    figure_layout = layout_dict(title, height)
    if frame.empty:
        return go.Figure(layout=figure_layout)
    colors = [PRIMARY if selected is None or code == selected else PRIMARY_LIGHT
              for code in frame["code"]]
    bar = dict(
        text=frame["text"], textposition="outside", cliponaxis=False,
        marker={"color": colors},
        customdata=[[code, hover] for code, hover in zip(frame["code"], frame["hover"])],
        hovertemplate="%{customdata[1]}<extra></extra>", name=hover_title,
    )
    if horizontal:
        trace = go.Bar(x=frame["value"], y=frame["label"], orientation="h", **bar)
        figure_layout["yaxis"] = {"autorange": "reversed", "type": "category",
                                  "ticks": "outside", "ticklen": 4, "tickcolor": "white"}
        figure_layout["xaxis"] = {"gridcolor": GRID_COLOR, "rangemode": "tozero",
                                  "tickformat": ",d",
                                  "range": [0, max(frame["value"].max(), 1) * 1.2]}
        if frame["value"].max() <= 5:
            figure_layout["xaxis"]["dtick"] = 1
    else:
        trace = go.Bar(x=frame["label"], y=frame["value"], **bar)
        figure_layout["xaxis"] = {"type": "category"}
        figure_layout["yaxis"] = {"gridcolor": GRID_COLOR, "rangemode": "tozero",
                                  "range": [0, max(frame["value"].max(), 1) * 1.18]}
    return go.Figure(data=[trace], layout=figure_layout)


def heatmap_figure(matrix: pd.DataFrame, row_labels: list[str], column_labels: list[str],
                   title: str, lang: str) -> go.Figure:
    """Complaints per category (rows) × month (columns)."""
    fig = go.Figure()
    layout(fig, title, max(220, 110 + 26 * len(matrix)))
    if matrix.empty:
        return fig
    fig.add_trace(go.Heatmap(
        z=matrix.to_numpy(), x=column_labels, y=row_labels, colorscale=HEAT_SCALE,
        xgap=2, ygap=2, showscale=True,
        colorbar={"title": {"text": t("complaints.col.complaints", lang)}, "thickness": 12},
        hovertemplate="%{y} · %{x}<br><b>%{z}</b><extra></extra>",
        text=matrix.to_numpy(), texttemplate="%{text}", textfont={"size": 10},
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    fig.update_layout(margin={"l": 10, "r": 10, "t": 78, "b": 10})
    return fig


def chain_figure(steps: pd.DataFrame, title: str) -> go.Figure:
    """The handling chain as horizontal bars: label, value, text (received → on time →
    resolved)."""
    fig = go.Figure()
    layout(fig, title, 200)
    if steps.empty:
        return fig
    fig.add_trace(go.Bar(
        x=steps["value"], y=steps["label"], orientation="h", text=steps["text"],
        textposition="outside", cliponaxis=False,
        marker={"color": [PRIMARY, "#E3667A", "#F0A5B0"][:len(steps)]},
        hovertemplate="%{y}<br><b>%{text}</b><extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(gridcolor=GRID_COLOR, rangemode="tozero",
                     range=[0, max(steps["value"].max(), 1) * 1.45])
    return fig


def levels_figure(levels: pd.DataFrame, title: str) -> go.Figure:
    """Where resolved complaints were resolved: one stacked bar of shares (code, label,
    value = count, share, text)."""
    fig = go.Figure()
    layout(fig, title, 200)
    fig.update_layout(showlegend=True, barmode="stack",
                      legend={"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom",
                              "traceorder": "normal"},
                      margin={"l": 10, "r": 24, "t": 80, "b": 10})
    if levels.empty:
        return fig
    for row in levels.itertuples(index=False):
        fig.add_trace(go.Bar(
            x=[row.share * 100], y=[""], orientation="h", name=row.label,
            text=[row.text], textposition="inside", insidetextanchor="middle",
            marker={"color": LEVEL_COLORS.get(row.code, LEVEL_COLORS["unknown"])},
            hovertemplate=f"{row.label}<br><b>{row.text}</b><extra></extra>"))
    fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor=GRID_COLOR)
    return fig
