"""AppTest of the complaints, trends and estate pages, in Chinese and English, on the
hand-made city of tests/test_complaints_data.py (figures worked out there)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import complaints_components, trends_downloads
from data_access.engine import make_engine
from tests.apptest_support import app_database, assert_ok, open_page
from tests.fixture_city import D1, D2
from tests.test_complaints_data import build_complaints_city

ROOT = Path(__file__).resolve().parent.parent
COMPLAINTS = "../pages/complaints.py"
TRENDS = "../pages/trends.py"
ESTATE = "../pages/estate.py"
PHONES = ("1380000000", "1390000000")


@pytest.fixture(scope="module")
def city_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'city.sqlite'}"
    engine = make_engine(url)
    build_complaints_city(engine)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def db(city_url, monkeypatch):
    with app_database(city_url, monkeypatch) as url:
        yield url


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def url_of(at: AppTest) -> dict[str, str]:
    return {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}


def specs(at: AppTest) -> dict[str, dict]:
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def _plain(value):
    """Plotly's typed arrays ({"dtype", "bdata"}) as plain lists."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return [v.item() for v in array]
    return value


def chart_data(at: AppTest, title: str) -> list[dict]:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return [{k: _plain(v) for k, v in trace.items()} for trace in spec["data"]]
    raise AssertionError(f"no chart titled {title!r}")


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def all_text(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "info", "title", "subheader")
             for e in getattr(at, kind)]
    parts += [frame.to_csv() for frame in frames(at)]
    parts += [t.value.to_csv() for t in at.table]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(parts)


# --- complaints -------------------------------------------------------------------------------

def test_complaints_zh_numbers(db):
    at = open_page(COMPLAINTS, period="2024")
    assert at.title[0].value == "投诉受理与办理分析"
    assert metrics_of(at) == {"投诉件数": "9", "千户投诉量": "9.0", "按时响应率": "66.7%",
                              "办结率": "66.7%", "处理满意率": "60.0%", "重复投诉占比": "22.2%"}
    categories = chart_data(at, "按类别")[0]
    assert categories["y"][:2] == ["电梯", "漏水渗水"] and categories["x"][:2] == [3, 2]
    channels = chart_data(at, "按渠道")[0]
    assert dict(zip(channels["y"], channels["x"])) == {
        "热线电话": 3, "电视问政《你呼我应》": 2, "网上平台": 2, "来访": 1, "街道转办": 1}
    # open complaints past deadline, oldest deadline first, days overdue by hand
    open_list = frames(at)[0]
    assert list(open_list["投诉编号"]) == ["K5", "K2", "K8"]
    assert list(open_list["逾期天数"]) == [222, 82, 26]
    assert list(open_list["答复期限"]) == ["2024年5月23日", "2024年10月10日", "2024年12月5日"]
    ranking = frames(at)[1]
    assert list(ranking["小区"]) == ["海景花园", "青年小区", "龙山新村", "幸福家园"]
    assert list(ranking["千户投诉量"]) == ["40.0", "10.0", "5.0", "3.3"]
    assert "小事不出小区：50.0% 的已办结投诉在小区层面解决。" in [c.value for c in at.caption]
    text = all_text(at)
    assert not any(phone in text for phone in PHONES)


def test_complaints_en(db):
    at = open_page(COMPLAINTS, period="2024", lang="en")
    assert at.title[0].value == "Complaints: volume, handling, hot spots"
    values = metrics_of(at)
    assert values["Complaints"] == "9" and values["Repeat complaints"] == "22.2%"
    assert values["Satisfied with handling"] == "60.0%"
    assert list(frames(at)[0].columns[:4]) == ["Complaint no.", "Received", "Answer due",
                                               "Days overdue"]
    assert chart_data(at, "By channel")[0]["y"][0] == "Hotline"


def test_url_selection_reproduces_the_view_and_the_chip_clears_it(db):
    at = open_page(COMPLAINTS, period="2024", category="elevators", lang="zh")
    assert metrics_of(at)["投诉件数"] == "3"
    assert metrics_of(at)["按时响应率"] == "66.7%"
    chip = at.button(key="chip_category")
    assert chip.label == "类别：电梯 ✕"
    # the other charts are filtered, the category chart keeps every bar (selected one red)
    assert dict(zip(chart_data(at, "按渠道")[0]["y"], chart_data(at, "按渠道")[0]["x"])) == {
        "电视问政《你呼我应》": 2, "热线电话": 1}
    categories = chart_data(at, "按类别")[0]
    assert len(categories["y"]) == 6
    assert list(frames(at)[0]["投诉编号"]) == ["K8"]
    assert url_of(at)["category"] == "elevators"
    chip.click().run()
    assert_ok(at)
    assert metrics_of(at)["投诉件数"] == "9"
    assert "category" not in at.query_params
    assert not [b for b in at.button if b.key == "chip_category"]


def test_district_and_month_selection(db):
    at = open_page(COMPLAINTS, period="2024", district=D2, month="2024-03")
    assert metrics_of(at)["投诉件数"] == "1"                     # K9 in March, E4
    assert metrics_of(at)["千户投诉量"] == "30.0"                 # 1 / 400 hh × 12 × 1000
    assert at.button(key="chip_month").label == "月份：2024年3月 ✕"
    # a month outside the period is dropped from the URL
    again = open_page(COMPLAINTS, period="2024-Q4", month="2024-03")
    assert "month" not in again.query_params and metrics_of(again)["投诉件数"] == "3"


def test_ranking_threshold_widget_and_url(db):
    at = open_page(COMPLAINTS, period="2024", min_households="250")
    assert at.number_input(key=complaints_components.KEY_MIN_HOUSEHOLDS).value == 250
    assert list(frames(at)[1]["小区"]) == ["龙山新村", "幸福家园"]
    small = frames(at)[2]
    assert list(small["小区"]) == ["海景花园", "青年小区"]
    at.number_input(key=complaints_components.KEY_MIN_HOUSEHOLDS).set_value(100).run()
    assert "min_households" not in at.query_params
    assert len(frames(at)[1]) == 4


def test_empty_complaints_are_explained(db):
    at = open_page(COMPLAINTS, period="2024-01")
    assert metrics_of(at)["投诉件数"] == "0"
    assert any("2024年1月 · 全市：没有受理的投诉" in i.value for i in at.info)


def test_downloads_hold_what_is_shown():
    table = pd.DataFrame({"类别": ["电梯"], "投诉件数": [3]})
    csv = trends_downloads.csv_bytes(table, ["按类别", "筛选条件：2024年 · 全市"]).decode("utf-8-sig")
    assert csv.splitlines() == ["按类别", "筛选条件：2024年 · 全市", "类别,投诉件数", "电梯,3"]
    import io

    book = pd.read_excel(io.BytesIO(trends_downloads.xlsx_bytes(table, ["a", "b"], "数据", "筛选条件")),
                         sheet_name=None)
    assert list(book) == ["数据", "筛选条件"]
    assert book["数据"].to_dict("records") == [{"类别": "电梯", "投诉件数": 3}]
    assert list(book["筛选条件"]["筛选条件"]) == ["a", "b"]


# --- trends ---------------------------------------------------------------------------------

def test_trends_zh_breakdown_by_age(db):
    at = open_page(TRENDS, period="2024", by="age", grain="year")
    assert at.title[0].value == "趋势分析：哪里在变差，为什么"
    lines = {trace["name"]: trace["y"] for trace in chart_data(at, "满意度 · 全市 · 按建成年代")}
    assert lines == {"2006年前建成（老旧小区）": [50.0], "2006年及以后建成": [75.0],
                     "全市合计": [68.75]}
    assert at.query_params["by"] == "age" and at.query_params["grain"] == "year"
    assert at.selectbox(key="trends_by").value == "age"
    # the comparison: only 2024 has data
    assert any("只有2024年一个时期有数据" in i.value for i in at.info)
    # small multiples: one panel per district, same scales
    panels = chart_data(at, "满意度")
    assert len(panels) == 2


def test_trends_company_breakdown_and_period_comparison(db):
    at = open_page(TRENDS, period="2024-Q1", by="company", metric="payment_rate",
                   vs="2024-Q2", lang="en")
    assert metrics_of(at)["Fee payment rate"] == "80.0%"
    delta = [m for m in at.metric if m.label == "Fee payment rate"][0]
    assert delta.proto.delta == "-5.0 pp"
    compare = frames(at)[0]
    assert list(compare.columns) == ["Company", "2024 Q1", "2024 Q2", "Change"]
    rows = compare.set_index("Company")
    # Q1: C1 E1 170/200; C2 E3 150/200. Q2: C1 E3 170/200
    assert rows.loc["威海安居物业服务有限公司", "2024 Q1"] == "85.0%"
    assert rows.loc["威海安居物业服务有限公司", "2024 Q2"] == "85.0%"
    assert rows.loc["威海海岸物业服务有限公司", "2024 Q1"] == "75.0%"
    assert rows.loc["威海海岸物业服务有限公司", "Change"] == "—"


def test_trends_url_reproduces_the_view(db):
    at = open_page(TRENDS, period="2024", district=D1, by="street", metric="complaint_rate",
                   grain="month", panels="street")
    url = url_of(at)
    assert url["by"] == "street" and url["metric"] == "complaint_rate" and url["district"] == D1
    again = open_page(TRENDS, **url)
    assert specs(again).keys() == specs(at).keys()
    assert [c["data"] for c in specs(again).values()] == [c["data"] for c in specs(at).values()]
    lines = {trace["name"]: trace for trace in
             chart_data(at, "投诉率 · 环翠区 · 按街道")}
    assert set(lines) == {"海滨街道", "青山街道", "环翠区合计"}
    # changing the grain changes the numbers: 海滨街道, year: 5 complaints... (K1 K2 K3 K7 K8)
    at.segmented_control(key="trends_grain").set_value("year").run()
    lines = {trace["name"]: trace["y"] for trace in chart_data(at, "投诉率 · 环翠区 · 按街道")}
    assert lines["海滨街道"] == [pytest.approx(5 / 400 * 100)]
    assert at.query_params["grain"] == "year"


# --- estate profile ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_estate_profile(db, lang):
    at = open_page(ESTATE, estate="E1", period="2024", lang=lang)
    zh = lang == "zh"
    assert at.title[0].value == ("小区档案：海景花园" if zh else "Estate profile: 海景花园")
    facts = at.table[0].value
    facts = dict(zip(facts.iloc[:, 0], facts.iloc[:, 1]))
    assert facts["户数" if zh else "Households"] == "100"
    assert facts["建成年代" if zh else "Age"] == ("1998年建成（老旧小区）" if zh
                                               else "built 1998 (old estate)")
    categories = chart_data(at, "2024年投诉类别" if zh else "Complaints by category, 2024")[0]
    assert dict(zip(categories["y"], categories["x"])) == (
        {"电梯": 3, "收费问题": 1} if zh else {"Elevators": 3, "Fees": 1})
    tables = frames(at)
    open_list, grades, contracts = tables[0], tables[1], tables[2]
    assert list(open_list.iloc[:, 0]) == ["K2", "K8"]
    assert list(open_list.iloc[:, 3]) == [82, 26]
    assert list(grades.iloc[0]) == (["2024年第一季度", "威海安居物业服务有限公司", "86.0", "合格"]
                                    if zh else ["2024 Q1", "威海安居物业服务有限公司", "86.0",
                                                "Qualified"])
    assert list(contracts.iloc[0, 2:]) == (["2023-06", "履行中"] if zh
                                           else ["2023-06", "running"])
    # trends against its street and the city: three lines per chart
    names = [trace["name"] for trace in chart_data(at, "满意度" if zh else "Satisfaction")]
    assert names == ["海景花园", "海滨街道" if zh else "Haibin", "全市" if zh else "Whole city"]
    assert not any(phone in all_text(at) for phone in PHONES)


def test_estate_picker_and_unknown_code(db):
    at = open_page(ESTATE, period="2024")
    assert any("选择小区" in i.value or "点击" in i.value for i in at.info)
    at.selectbox(key="estate_picker").set_value("E4").run()
    assert_ok(at)
    assert at.title[0].value == "小区档案：龙山新村"
    assert at.query_params["estate"] == "E4"
    missing = open_page(ESTATE, estate="NOPE")
    assert any("NOPE" in w.value for w in missing.warning)


def test_pages_are_thin_and_listed():
    from dashboard.navigation import PAGES

    assert {"trends", "complaints", "estate"} <= {spec.url_path for spec in PAGES}
    for name in ("trends.py", "complaints.py", "estate.py"):
        source = (ROOT / "pages" / name).read_text(encoding="utf-8")
        for word in ("sqlalchemy", "select(", "groupby", "pivot", "complainant_phone"):
            assert word not in source
