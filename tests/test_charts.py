"""Figures built from the fixture city's real query results show the registry's numbers."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard import charts
from data_access import metrics, queries
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from tests.fixture_city import D1, EXPECTED, build_fixture_city

ROOT = Path(__file__).resolve().parent.parent
EVERYTHING = Scope.everything()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "fixture.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    build_fixture_city(engine, demo_flag=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def quarterly(engine):
    return queries.kpi_series(engine, EVERYTHING, Filters("2024"), "quarter")


@pytest.fixture(scope="module")
def milestones(engine):
    return queries.milestones(engine)


def _line(fig):
    return next(trace for trace in fig.data if trace.type == "scatter")


def _shapes(fig, name):
    return [shape for shape in fig.layout.shapes if shape.name == name]


def _annotations(fig, name):
    return [a for a in fig.layout.annotations if a.name == name]


# --- trend ------------------------------------------------------------------------------------

def test_trend_values_are_the_registry_values_in_percent(quarterly):
    fig = charts.trend_figure(quarterly, "satisfaction_rate", "zh")
    line = _line(fig)
    by_bucket = dict(zip(quarterly["bucket"], line.y))
    # 2024-Q1 satisfaction: E1 8/10 (month) + E3 15/20 (quarter) = 23/30
    assert by_bucket["2024-Q1"] == pytest.approx(23 / 30 * 100)
    assert round(by_bucket["2024-Q1"], 1) == 76.7
    assert by_bucket["2024-Q3"] is None  # no survey lies in Q3: a gap, not a zero
    hover = dict(zip(quarterly["bucket"], line.customdata))
    assert list(hover["2024-Q1"]) == ["2024年第一季度", "76.7%"]
    assert list(hover["2024-Q3"]) == ["2024年第三季度", "—"]
    assert fig.layout.yaxis.ticksuffix == "%"
    assert fig.layout.title.text == "满意度"


def test_trend_quarterly_values_match_expected(quarterly):
    for key, expected in EXPECTED[("2024-Q1", None, None)].items():
        fig = charts.trend_figure(quarterly, key, "en")
        y = dict(zip(quarterly["bucket"], _line(fig).y))["2024-Q1"]
        assert y == pytest.approx(charts.display_value(key, expected)), key
    fig = charts.trend_figure(quarterly, "complaint_rate", "en")
    assert dict(zip(quarterly["bucket"], _line(fig).customdata))["2024-Q1"][1] == "0.80%"


def test_trend_points_sit_in_the_middle_of_their_bucket(engine):
    monthly = queries.kpi_series(engine, EVERYTHING, None, "month")
    fig = charts.trend_figure(monthly, "payment_rate", "en")
    line = _line(fig)
    assert len(line.x) == 12
    assert line.x[0] == dt.datetime(2024, 1, 16, 12)
    assert line.y[0] == pytest.approx(230 / 300 * 100)  # EXPECTED 2024-01 payment rate
    assert list(line.customdata[0]) == ["Jan 2024", "76.7%"]


def test_target_line_at_registry_target(quarterly):
    for key, value, text_zh, text_en in (
            ("satisfaction_rate", 90.0, "目标 ≥ 90.0%", "Target ≥ 90.0%"),
            ("payment_rate", 85.0, "目标 ≥ 85.0%", "Target ≥ 85.0%"),
            ("complaint_rate", 0.5, "目标 ≤ 0.50%", "Target ≤ 0.50%")):
        assert charts.display_value(key, metrics.get(key).target) == pytest.approx(value)
        for lang, text in (("zh", text_zh), ("en", text_en)):
            fig = charts.trend_figure(quarterly, key, lang)
            (shape,) = _shapes(fig, "target")
            assert shape.y0 == pytest.approx(value) and shape.y1 == pytest.approx(value)
            assert shape.line.dash == "dash"
            assert [a.text for a in _annotations(fig, "target")] == [text]
            low, high = fig.layout.yaxis.range
            assert low < value < high


def test_milestones_inside_the_range_are_marked_in_both_languages(quarterly, milestones):
    # The fixture's only milestone (programme launch 2019-04) lies before its data (2024):
    # it is not drawn, and the axis is not stretched back to 2019.
    assert list(milestones["label_zh"]) == ["红色物业工作启动"]
    fig = charts.trend_figure(quarterly, "payment_rate", "zh", milestones)
    assert not _shapes(fig, "milestone") and not _annotations(fig, "milestone")
    assert fig.layout.xaxis.range[0] == dt.datetime(2024, 1, 1)

    # The same milestone inside the charted range (data moved to start in 2019): a dotted
    # line, a numbered mark with the full label on hover, and the legend under the charts.
    shifted = quarterly.assign(bucket=quarterly["bucket"].str.replace("2024", "2019"))
    for lang, text, legend in (
            ("zh", "红色物业工作启动（2019年4月）", "重要节点：① 红色物业工作启动（2019年4月）"),
            ("en", "Red Property programme launched (Apr 2019)",
             "Milestones: ① Red Property programme launched (Apr 2019)")):
        fig = charts.trend_figure(shifted, "payment_rate", lang, milestones)
        (shape,) = _shapes(fig, "milestone")
        assert pd.Timestamp(shape.x0) == pd.Timestamp("2019-04-01")
        assert shape.line.dash == "dot"
        (mark,) = _annotations(fig, "milestone")
        assert (mark.text, mark.hovertext) == ("①", text)
        assert pd.Timestamp(mark.x) == pd.Timestamp("2019-04-01")
        assert charts.milestone_legend(shifted, milestones, lang) == legend
    assert charts.milestone_legend(quarterly, milestones, "zh") is None


def test_several_milestones_are_numbered_in_date_order(quarterly):
    many = pd.DataFrame({
        "on_date": [dt.date(2024, 9, 1), dt.date(2024, 2, 1), dt.date(2030, 1, 1)],
        "label_zh": ["第二件事", "第一件事", "范围之外"],
        "label_en": ["Second", "First", "Out of range"]})
    fig = charts.trend_figure(quarterly, "complaint_rate", "en", many)
    assert [(a.text, a.hovertext) for a in _annotations(fig, "milestone")] == [
        ("①", "First (Feb 2024)"), ("②", "Second (Sep 2024)")]
    assert charts.milestone_legend(quarterly, many, "zh") == (
        "重要节点：① 第一件事（2024年2月）　② 第二件事（2024年9月）")


def test_selected_period_is_shaded(quarterly):
    fig = charts.trend_figure(quarterly, "satisfaction_rate", "zh",
                              highlight=("2024-04", "2024-06"))
    (shape,) = _shapes(fig, "highlight")
    assert pd.Timestamp(shape.x0) == pd.Timestamp("2024-04-01")
    assert pd.Timestamp(shape.x1) == pd.Timestamp("2024-07-01")
    # a period outside the data (2030) is not drawn and does not stretch the axis
    fig = charts.trend_figure(quarterly, "satisfaction_rate", "zh",
                              highlight=("2030-01", "2030-12"))
    assert not _shapes(fig, "highlight")
    assert fig.layout.xaxis.range[1] == dt.datetime(2025, 1, 1)


def test_trend_of_empty_series_is_an_empty_figure(engine):
    empty = queries.components_by_bucket(pd.DataFrame(), "quarter")
    fig = charts.trend_figure(metrics.evaluate(empty), "payment_rate", "en")
    assert len(fig.data) == 0


def test_fonts_render_chinese(quarterly):
    fig = charts.trend_figure(quarterly, "payment_rate", "zh")
    family = fig.layout.font.family
    for font in ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                 "sans-serif"):
        assert font in family
    stops = [stop.value for stop in fig.layout.xaxis.tickformatstops]
    assert "%Y年%-m月" in stops


# --- comparison of areas ----------------------------------------------------------------------

def test_district_bars_in_order_with_values(engine):
    by_area = queries.kpis_by_area(engine, EVERYTHING, Filters("2024"))
    fig = charts.area_comparison_figure(by_area, "satisfaction_rate", "zh")
    (bars,) = fig.data
    # 文登区: E4 30/40 = 75.0%; 环翠区: E1 8/10 + E3 15/20 + E2 2/10 = 25/40 = 62.5%
    assert list(bars.y) == ["文登区", "环翠区"]
    assert list(bars.x) == pytest.approx([75.0, 62.5])
    assert list(bars.text) == ["75.0%", "62.5%"]
    assert fig.layout.yaxis.autorange == "reversed"  # first bar on top
    (target,) = _shapes(fig, "target")
    assert target.x0 == pytest.approx(90.0)
    assert [a.text for a in _annotations(fig, "target")] == ["目标 ≥ 90.0%"]

    fig = charts.area_comparison_figure(by_area, "satisfaction_rate", "en")
    assert list(fig.data[0].y) == ["Wendeng", "Huancui"]


def test_lower_is_better_puts_the_lowest_first_and_missing_last(engine):
    by_area = queries.kpis_by_area(engine, EVERYTHING, Filters("2024"))
    fig = charts.area_comparison_figure(by_area, "complaint_rate", "en")
    # Wendeng: 1 complaint / 400 households = 0.25%; Huancui: 5 / 600 = 0.83%
    assert list(fig.data[0].y) == ["Wendeng", "Huancui"]
    assert list(fig.data[0].text) == ["0.25%", "0.83%"]
    fig = charts.area_comparison_figure(by_area, "payment_rate", "en")
    assert list(fig.data[0].y) == ["Huancui", "Wendeng"]  # Wendeng has no fee data
    assert list(fig.data[0].text) == ["74.0%", "—"]


def test_street_bars_within_a_district(engine):
    by_area = queries.kpis_by_area(engine, EVERYTHING, Filters("2024", district=D1))
    frame = charts.area_bar_frame(by_area, "payment_rate", "zh")
    # 海滨街道 (S1): 420/600 = 70.0%; 青山街道 (S2): 320/400 = 80.0%
    assert list(frame["area"]) == ["青山街道", "海滨街道"]
    assert list(frame["text"]) == ["80.0%", "70.0%"]
    assert list(frame["met"]) == [False, False]


# --- sparkline ----------------------------------------------------------------------------------

def test_sparkline_values(engine):
    monthly = queries.kpi_series(engine, EVERYTHING, None, "month")
    spark = charts.sparkline(monthly, "payment_rate")
    # months with fee data: Jan 230/300, Feb 90/100, Apr 170/200, Jul 100/100, Aug 150/300
    assert spark == pytest.approx([76.6667, 90.0, 85.0, 100.0, 50.0], abs=1e-3)
    assert charts.sparkline(monthly, "payment_rate", "2024-04") == pytest.approx(
        [76.6667, 90.0, 85.0], abs=1e-3)
    assert len(charts.sparkline(monthly, "unmanaged_estates", points=12)) == 12
    assert charts.sparkline(monthly, "unmanaged_estates", points=3) == [1.0, 1.0, 1.0]
    assert all(isinstance(v, float) for v in spark)


# --- no streamlit in charts.py ---------------------------------------------------------------

def test_charts_module_does_not_import_streamlit():
    source = (ROOT / "dashboard" / "charts.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "streamlit" not in imported
    code = ("import sys; import dashboard.charts; "
            "print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"
