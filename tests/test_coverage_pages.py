"""The coverage page under Streamlit's AppTest, in Chinese and English, on the hand-made
town of tests/test_coverage_logic.py (answers worked out there)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import coverage_components as cc
from data_access.config import DB_URL_ENV
from tests.test_coverage_logic import DA, SA, build_town

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGE = "../pages/coverage.py"


@pytest.fixture(scope="module")
def town_db(tmp_path_factory):
    return build_town(f"sqlite:///{tmp_path_factory.mktemp('coverage_apptest') / 't.sqlite'}")


@pytest.fixture(autouse=True)
def db(town_db, monkeypatch):
    monkeypatch.setenv(DB_URL_ENV, town_db)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield town_db
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_section(at: AppTest, key: str) -> AppTest:
    """Open an on-demand section's expander (its content runs only when open), rerun."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_trend(at: AppTest) -> AppTest:
    return open_section(at, cc.KEY_TREND_OPEN)


def open_planner(at: AppTest) -> AppTest:
    return open_section(at, cc.KEY_PLAN_OPEN)


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_coverage_page_zh():
    at = open_page(period="2025")
    assert at.title[0].value == "专业物业覆盖与脱管小区"
    assert metrics_of(at) == {"专业物业覆盖率": "42.9%", "专业物业覆盖率（按户）": "57.8%",
                              "脱管小区": "4"}
    subheaders = [s.value for s in at.main.subheader]
    # the planner and the trends are drawn on demand (expanders, closed at first): the
    # browser draws the map first
    assert subheaders == ["覆盖地图", "脱管小区清单"]
    assert [e.label for e in at.expander] == ["大物业片区规划", "覆盖率与脱管小区走势"]
    assert len(at.get("plotly_chart")) == 0 and len(at.dataframe) == 1
    open_planner(at)
    assert [s.value for s in at.main.subheader] == ["覆盖地图", "脱管小区清单", "大物业片区规划"]
    captions = [c.value for c in at.caption]
    assert "2025年12月 · 全市；共 7 个小区。右上角可切换图层：街道底色按专业物业覆盖率（按小区数或按户数）着色。点击小区查看详情。" in captions
    assert "未配置底图瓦片：以区县、街道边界为底图（离线可用）。" in captions
    unmanaged = at.dataframe[0].value
    assert list(unmanaged["小区"]) == ["南湖新村", "<b>x</b>&amp;", "东山楼院", "西河小区"]
    assert list(unmanaged["脱管时长"]) == ["3 个月", "数据中从未有物业", "18 个月",
                                         "数据中从未有物业"]
    assert unmanaged.loc[2, "最近的有物业小区（企业，距离）"].startswith("海景花园（甲物业，141 米）")
    # planner with its defaults: 500 m, 300 households, 0.5 yuan, 80 %
    plan = at.dataframe[1].value
    assert list(plan["片区"]) == [f"{SA}-1", f"{SA}-2"]
    assert list(plan["户数"]) == [400, 330]
    assert list(plan["预计年收入（元）"]) == [192000.0, 72000.0]
    assert plan.loc[1, "候选企业（等级，距离）"].startswith("甲物业（优秀，141 米）；乙物业（合格，500 米）")
    assert any("2 个片区，其中 2 个可行" in m.value for m in at.markdown)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载表格（CSV）", "下载片区（XLSX）", "下载片区（GeoJSON）", "下载表格（CSV）"]
    open_trend(at)
    assert len(at.dataframe) == 2                                     # the planner stays open
    assert [s.value for s in at.main.subheader][-1] == "覆盖率与脱管小区走势"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载表格（CSV）", "下载片区（XLSX）", "下载片区（GeoJSON）", "下载表格（CSV）",
                      "下载表格（CSV）"]
    assert len(at.get("plotly_chart")) == 2
    # the card explains how to select
    assert "点击地图上的小区圆点，这里显示它的关键数据和档案链接。" in captions


def test_coverage_page_en_with_a_selected_estate():
    at = open_page(lang="en", period="2025", estate="U2")
    assert at.title[0].value == "Coverage and unmanaged estates"
    assert metrics_of(at) == {"Professional coverage": "42.9%",
                              "Coverage by households": "57.8%", "Unmanaged estates": "4"}
    card = next(m.value for m in at.markdown if "cov-card" in m.value)
    assert "&lt;b&gt;x&lt;/b&gt;&amp;amp;" in card and "<b>x</b>" not in card
    assert "never managed in the data" in card and 'href="/estate?estate=U2"' in card
    assert at.query_params["estate"] == ["U2"] or at.query_params["estate"] == "U2"
    assert [e.label for e in at.expander] == ["Big-property bundle planner",
                                              "Coverage and unmanaged estates over time"]
    plan = open_planner(at).dataframe[1].value
    assert list(plan.columns)[:3] == ["Bundle", "Street", "Estates"]
    assert plan.loc[0, "Street"] == "Jia"


def test_planner_settings_change_the_bundles():
    at = open_planner(open_page(period="2025"))
    at.number_input(key="coverage_plan_distance").set_value(250)
    at.number_input(key="coverage_plan_households").set_value(0)
    at.run()
    plan = at.dataframe[1].value
    assert list(plan["片区"]) == [f"{SA}-1", f"{SA}-2", f"{SA}-3", f"{SA}-4"]
    at.toggle(key=cc.KEY_ONLY_VIABLE).set_value(False).run()
    assert len(at.dataframe[1].value) == 4
    # closing the planner keeps its settings (the map's bundles stay as planned)
    at.session_state[cc.KEY_PLAN_OPEN] = False
    at.run()
    assert len(at.dataframe) == 1
    at.session_state[cc.KEY_PLAN_OPEN] = True
    at.run()
    assert at.number_input(key="coverage_plan_distance").value == 250
    assert list(at.dataframe[1].value["片区"]) == [f"{SA}-1", f"{SA}-2", f"{SA}-3", f"{SA}-4"]


def test_a_street_view_and_an_empty_period():
    at = open_page(period="2025", district=DA, street=SA)
    assert metrics_of(at) == {"专业物业覆盖率": "33.3%", "专业物业覆盖率（按户）": "52.3%",
                              "脱管小区": "4"}                  # 2/6, 800/1530
    captions = [c.value for c in open_trend(at).caption]
    assert any(c.startswith("2025年12月 · 测试区 · 甲街道；共 6 个小区") for c in captions)
    assert "甲街道自有数据以来的走势；虚线为目标值。" in captions
    empty = open_page(period="2024")
    assert any("所选范围在2024年没有数据" in i.value for i in empty.info)
    assert not empty.dataframe


def test_reruns_reuse_the_cached_map(monkeypatch):
    """The map's data (escaped and serialised estates, streets, bundles) is built once
    per area, month, language and planner settings; a rerun only assembles the map."""
    built = []
    real = cc.map_data

    def counting(*args, **kwargs):
        built.append(args[3])                                          # the language
        return real(*args, **kwargs)

    monkeypatch.setattr(cc, "map_data", counting)
    at = open_page(period="2025")
    at.run()
    at.run()
    assert built == ["zh"]
    at.query_params["lang"] = "en"
    at.run()
    assert built == ["zh", "en"]
    open_planner(at).number_input(key="coverage_plan_households").set_value(0).run()
    assert built == ["zh", "en", "en"]                 # other bundles: another map
