"""Every page, in Chinese and English, run headless with AppTest on the fixture city.

The numbers are the hand-computed ones of tests/fixture_city.py (period 2024).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import components
from data_access import metrics, queries
from data_access.config import DB_URL_ENV
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from tests.fixture_city import D1, D2, S1, S3, build_fixture_city

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
# AppTest resolves page paths against the main script's folder (dashboard/)
OVERVIEW = "../pages/overview.py"
DEFINITIONS = "../pages/definitions.py"

CITY_2024_ZH = {"满意度": "68.8%", "物业费收缴率": "74.0%", "投诉率": "0.60%",
                "专业物业覆盖率": "75.0%", "脱管小区": "1", "业委会组建率": "75.0%"}
CITY_2024_EN = {"Satisfaction": "68.8%", "Fee payment rate": "74.0%", "Complaint rate": "0.60%",
                "Professional coverage": "75.0%", "Unmanaged estates": "1",
                "Owners' committees": "75.0%"}


def _build(path: Path, demo: bool) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    build_fixture_city(engine, demo_flag=demo)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("apptest") / "demo.sqlite", demo=True)


@pytest.fixture(scope="module")
def real_url(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("apptest") / "real.sqlite", demo=False)


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def db(demo_url, monkeypatch):
    monkeypatch.setenv(DB_URL_ENV, demo_url)
    return demo_url


def open_app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def url_of(at: AppTest) -> dict[str, str]:
    """The app's URL query parameters after the run."""
    return {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# --- overview -----------------------------------------------------------------------------------

def test_overview_zh_shows_the_fixture_numbers(db):
    at = open_app(period="2024")
    assert metrics_of(at) == CITY_2024_ZH
    assert at.title[0].value == "红色物业监管驾驶舱"
    assert "当前范围：2024年 · 全市" in captions(at)
    assert "数据截至 2024年12月" in captions(at)
    assert ":orange-badge[演示数据]" in markdown(at)
    # target status under each card
    assert "目标 ≥ 60.0% · :green[达标]" in captions(at)
    assert "目标 ≥ 85.0% · :red[未达标]" in captions(at)
    # formulas in the help tooltips
    assert any("实缴户数之和 ÷ 应缴户数之和" in m.proto.help for m in at.metric)
    assert not at.info
    # 3 trends + the district bars, labelled in Chinese
    specs = plotly_specs(at)
    assert len(specs) == 4
    titles = [spec["layout"]["title"]["text"] for spec in specs]
    assert titles == ["满意度", "物业费收缴率", "投诉率", "满意度"]
    assert specs[3]["data"][0]["y"] == ["文登区", "环翠区"]
    assert specs[3]["data"][0]["text"] == ["75.0%", "62.5%"]
    # the table by district, headers in Chinese
    table = at.dataframe[0].value
    assert list(table.columns) == ["区县", *CITY_2024_ZH]
    assert list(table["区县"]) == ["环翠区", "文登区"]
    assert list(table["物业费收缴率"]) == ["74.0%", "—"]
    assert at.download_button(key=components.KEY_DOWNLOAD).label == "下载表格（CSV）"


def test_overview_en(db):
    at = open_app(lang="en", period="2024")
    assert metrics_of(at) == CITY_2024_EN
    assert at.title[0].value == "Red Property supervision cockpit"
    assert "Showing: 2024 · Whole city" in captions(at)
    assert "Data through Dec 2024" in captions(at)
    assert ":orange-badge[Demo data]" in markdown(at)
    assert "Target ≥ 60.0% · :green[met]" in captions(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["District", *CITY_2024_EN]
    assert list(table["District"]) == ["Huancui", "Wendeng"]
    assert at.selectbox(key="district").format_func("") == "Whole city"


def test_default_view_is_chinese_latest_year_whole_city(db):
    at = open_app()
    assert metrics_of(at) == CITY_2024_ZH
    assert at.query_params["lang"] == "zh"
    assert at.query_params["period"] == "2024"
    assert "district" not in at.query_params
    assert at.segmented_control(key="lang").value == "zh"
    assert at.segmented_control(key="period_kind").value == "year"
    assert at.selectbox(key="period").value == "2024"
    assert at.selectbox(key="district").value == ""
    assert at.selectbox(key="street").disabled


def test_url_with_district_and_street_reproduces_the_view(db):
    at = open_app(lang="zh", period="2024", district=D1, street=S1)
    values = metrics_of(at)
    assert values["物业费收缴率"] == "70.0%"   # 420/600
    assert values["满意度"] == "50.0%"         # 10/20
    assert values["投诉率"] == "0.75%"         # 3/400
    assert at.selectbox(key="district").value == D1
    assert at.selectbox(key="street").value == S1
    assert "当前范围：2024年 · 环翠区 · 海滨街道" in captions(at)
    assert at.main.subheader[-1].value == "街道对比"
    assert list(at.dataframe[0].value["街道"]) == ["海滨街道"]
    # the URL keeps exactly that view
    assert url_of(at) == {
        "lang": "zh", "period": "2024", "district": D1, "street": S1}
    # and the same link opened again (a new session) shows the same numbers
    again = open_app(**url_of(at))
    assert metrics_of(again) == values


def test_changing_the_district_changes_numbers_and_url(db):
    at = open_app(period="2024")
    at.selectbox(key="district").set_value(D2).run()
    assert_ok(at)
    values = metrics_of(at)
    assert values["满意度"] == "75.0%"        # E4 30/40
    assert values["物业费收缴率"] == "—"       # no fee data in 文登区
    assert values["投诉率"] == "0.25%"        # K4: 1/400
    assert values["脱管小区"] == "1"
    assert at.query_params["district"] == D2
    # streets of the chosen district become selectable
    street = at.selectbox(key="street")
    assert not street.disabled and street.options == ["全部街道", "龙山街道"]
    street.set_value(S3).run()
    assert at.query_params["street"] == S3
    # back to the whole city drops district and street
    at.selectbox(key="district").set_value("").run()
    assert metrics_of(at) == CITY_2024_ZH
    assert "district" not in at.query_params and "street" not in at.query_params


def test_district_of_the_city_within_a_district(db):
    at = open_app(period="2024", district=D1)
    values = metrics_of(at)
    assert values["物业费收缴率"] == "74.0%"
    assert values["投诉率"] == "0.83%"        # 5/600
    assert values["专业物业覆盖率"] == "100.0%"
    assert values["脱管小区"] == "0"


def test_quarter_period_with_deltas(db):
    at = open_app(period="2024-Q3")
    cards = {m.label: m for m in at.metric}
    assert cards["投诉率"].value == "0.80%"                 # K1, K2: 2/1000 × 4
    assert cards["投诉率"].proto.delta == "+0.40个百分点"     # Q2: K5 1/1000 × 4
    assert cards["满意度"].value == "—"                     # no survey lies in Q3
    assert at.segmented_control(key="period_kind").value == "quarter"
    assert at.selectbox(key="period").value == "2024-Q3"
    assert "较2024年第二季度" in [m.proto.delta_description for m in at.metric]

    first = open_app(lang="en", period="2024-Q1")
    assert metrics_of(first) == {
        "Satisfaction": "76.7%", "Fee payment rate": "80.0%", "Complaint rate": "0.80%",
        "Professional coverage": "50.0%", "Unmanaged estates": "2",
        "Owners' committees": "50.0%"}
    assert all(not m.proto.delta for m in first.metric)  # 2023-Q4 has no data


def test_changing_granularity_keeps_the_time(db):
    at = open_app(period="2024")
    at.segmented_control(key="period_kind").set_value("month").run()
    assert_ok(at)
    assert at.selectbox(key="period").value == "2024-12"
    assert at.query_params["period"] == "2024-12"
    options = at.selectbox(key="period").options
    assert options[0] == "2024年12月" and options[-1] == "2024年1月" and len(options) == 12
    at.selectbox(key="period").set_value("2024-01").run()
    values = metrics_of(at)
    assert values["满意度"] == "80.0%" and values["物业费收缴率"] == "76.7%"


def test_empty_period_is_explained(db):
    at = open_app(period="2030")
    assert not at.metric
    (info,) = at.info
    assert info.value.startswith("所选范围在2030年没有数据（全市）")
    assert "2024年1月至2024年12月" in info.value
    # the link's period is kept (and marked) so the view matches the URL
    assert at.selectbox(key="period").value == "2030"
    assert "2030年（无数据）" in at.selectbox(key="period").options
    assert at.query_params["period"] == "2030"

    en = open_app(lang="en", period="2030", district=D2)
    assert en.info[0].value.startswith("There is no data for Wendeng in 2030.")


def test_invalid_url_values_fall_back(db):
    at = open_app(lang="fr", period="not-a-period", district="999999", street="123")
    assert metrics_of(at) == CITY_2024_ZH
    assert url_of(at) == {"lang": "zh", "period": "2024"}


def test_street_without_district_brings_its_district(db):
    at = open_app(period="2024", street=S1)
    assert at.selectbox(key="district").value == D1
    assert metrics_of(at)["物业费收缴率"] == "70.0%"
    assert at.query_params["district"] == D1


def test_language_switch(db):
    at = open_app(period="2024", district=D1)
    at.segmented_control(key="lang").set_value("en").run()
    assert_ok(at)
    assert "Satisfaction" in metrics_of(at)
    assert at.query_params["lang"] == "en"
    assert at.query_params["district"] == D1  # filters survive the switch
    assert at.selectbox(key="district").format_func(D1) == "Huancui"


def test_filters_survive_page_switches(db):
    at = open_app(period="2024")
    at.selectbox(key="district").set_value(D1).run()
    at.switch_page(DEFINITIONS).run()
    assert_ok(at)
    assert at.query_params["district"] == D1
    # Streamlit may drop query parameters when switching pages: session state remembers
    at.query_params.clear()
    at.switch_page(OVERVIEW).run()
    assert_ok(at)
    assert at.selectbox(key="district").value == D1
    assert metrics_of(at)["投诉率"] == "0.83%"
    assert at.query_params["district"] == D1


def test_trend_grain_toggle(db):
    at = open_app(period="2024")
    assert at.segmented_control(key="trend_grain").value == "quarter"
    satisfaction = plotly_specs(at)[0]["data"][0]
    assert [round(v, 1) if v is not None else None for v in satisfaction["y"]] == [
        76.7, 20.0, None, None]
    at.segmented_control(key="trend_grain").set_value("month").run()
    assert_ok(at)
    payment = plotly_specs(at)[1]["data"][0]
    assert len(payment["y"]) == 12
    assert payment["customdata"][0] == ["2024年1月", "76.7%"]


def test_compare_metric_picker(db):
    at = open_app(lang="en", period="2024")
    at.selectbox(key="compare_metric").set_value("complaint_rate").run()
    assert_ok(at)
    bars = plotly_specs(at)[3]["data"][0]
    assert bars["y"] == ["Wendeng", "Huancui"]
    assert bars["text"] == ["0.25%", "0.83%"]


def test_no_demo_badge_for_real_data(real_url, monkeypatch):
    monkeypatch.setenv(DB_URL_ENV, real_url)
    at = open_app(period="2024")
    assert metrics_of(at) == CITY_2024_ZH
    assert not any("badge" in value for value in markdown(at))


def test_empty_database(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_URL_ENV, f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = open_app()
    assert not at.metric
    assert at.info[0].value.startswith("数据库中还没有任何数据")
    assert "数据库中暂无数据" in captions(at)


# --- definitions page -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_definitions_page(db, lang):
    at = open_app(lang=lang, period="2024")
    at.switch_page(DEFINITIONS).run()
    assert_ok(at)
    metrics_table, dimensions, assessors, thresholds = (t.value for t in at.table)
    if lang == "zh":
        assert at.title[0].value == "指标口径与考核规则"
        row = metrics_table[metrics_table["指标"] == "物业费收缴率"].iloc[0]
        assert row["目标值"] == "≥ 85.0%" and row["方向"] == "越高越好"
        assert "实缴户数之和" in row["计算口径"]
        assert list(thresholds["等级"]) == ["优秀", "合格", "不合格"]
        assert list(thresholds["得分"]) == ["≥ 90 分", "75 分 ≤ 得分 < 90 分", "< 75 分"]
        assert dict(zip(dimensions["维度"], dimensions["权重"]))["服务质量"] == "0.25"
        assert dict(zip(assessors["评价主体"], assessors["归一化占比"]))["专家"] == "10.0%"
    else:
        assert at.title[0].value == "Metric definitions and grading rules"
        row = metrics_table[metrics_table["Metric"] == "Complaint rate"].iloc[0]
        assert row["Target"] == "≤ 0.50%" and row["Direction"] == "Lower is better"
        assert list(thresholds["Grade"]) == ["Excellent", "Qualified", "Unqualified"]
    assert len(metrics_table) == len(metrics.METRICS) + len(metrics.COMPLAINT_HANDLING_METRICS) == 15
    # no filter widgets here, but the view stays in the URL
    assert not at.selectbox
    assert at.query_params["period"] == "2024" and at.query_params["lang"] == lang


# --- the table and its CSV (pure functions, real numbers) -------------------------------------

def test_area_table_and_csv(demo_url):
    engine = make_engine(demo_url)
    by_area = queries.kpis_by_area(engine, Scope.everything(), Filters("2024", district=D1))
    table = components.area_table(by_area, "en")
    assert list(table.columns) == ["Street", *CITY_2024_EN]
    assert table.to_dict("records")[0] == {
        "Street": "Haibin", "Satisfaction": "50.0%", "Fee payment rate": "70.0%",
        "Complaint rate": "0.75%", "Professional coverage": "100.0%",
        "Unmanaged estates": "0", "Owners' committees": "100.0%"}
    csv = components.table_csv(table, "Filters: 2024 · Huancui")
    text = csv.decode("utf-8-sig")
    first, rest = text.split("\n", 1)
    assert first == "Filters: 2024 · Huancui"
    assert pd.read_csv(io.StringIO(rest), dtype=str).equals(table)
    assert components.csv_file_name(Filters("2024", D1)) == \
        f"red-property-overview_2024_{D1}.csv"
    engine.dispose()


# --- small pieces and architecture rules ---------------------------------------------------------

def _notes_app():
    import streamlit as st

    from dashboard import components
    from data_access.filters import Filters
    from data_access.queries import KpiResult

    lang = st.session_state.get("test_lang", "zh")
    components.calendar_note(KpiResult("2027", "2027-01", "2027-12", {}, {}, (2027,)), lang)
    components.calendar_note(KpiResult("2024", "2024-01", "2024-12", {}, {}, ()), lang)
    components.partial_period_note(
        KpiResult("2026", "2026-01", "2026-10", {}, {}, ()), Filters("2026"), lang)
    components.partial_period_note(
        KpiResult("2024", "2024-01", "2024-12", {}, {}, ()), Filters("2024"), lang)


@pytest.mark.parametrize("lang, calendar, partial", [
    ("zh", "2027年的按时响应率仅按周末认定休息日（官方节假日日历尚未覆盖这些年份）。",
     "2026年只有2026年1月至2026年10月的数据：比率按这些月份计算（投诉率按月数年化），"
     "存量指标取2026年10月末。"),
    ("en", "On-time response for 2027 treats weekends only as days off (the official holiday "
           "calendar does not cover those years yet).",
     "2026 has data for Jan 2026 to Oct 2026 only: rates cover those months (the complaint "
     "rate annualised by month count), stocks are taken at the end of Oct 2026."),
])
def test_calendar_fallback_and_partial_period_captions(lang, calendar, partial):
    at = AppTest.from_function(_notes_app)
    at.session_state["test_lang"] = lang
    at.run()
    assert_ok(at)
    assert captions(at) == [calendar, partial]


def test_pages_are_thin():
    forbidden = ("sqlalchemy", "data_access.queries", "groupby", "pivot", "select(",
                 "make_engine", "Scope(")
    for page in (ROOT / "pages").glob("*.py"):
        source = page.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in source, (page.name, word)


def test_no_material_icons_or_internet_fonts():
    for path in [*(ROOT / "dashboard").glob("*.py"), *(ROOT / "pages").glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        assert ":material/" not in source, path.name
        assert "icon=" not in source, path.name
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "http" not in config and "fontFaces" not in config
