"""The grades pages in Chinese and English, run headless with AppTest on the hand-made
city of tests/test_grades_data.py (figures worked out there), plus the tables and files
the pages offer for download."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import components, grades_components
from data_access import grades
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from tests.apptest_support import app_database, assert_ok, open_page
from tests.test_grades_data import D1, S2, build_grades_city

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = "../pages/companies.py"
COMPANY = "../pages/company.py"
REDBLACK = "../pages/redblack.py"
MISMATCH = "../pages/mismatch.py"


@pytest.fixture(scope="module")
def grades_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('grades_pages') / 'grades.sqlite'}"
    engine = make_engine(url)
    build_grades_city(engine)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def db(grades_url, monkeypatch):
    with app_database(grades_url, monkeypatch) as url:
        yield url


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [s.value for s in at.subheader] + [t.value for t in at.title]
    return "\n".join(parts)


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# --- league page ------------------------------------------------------------------------------


def test_league_page_zh(db):
    at = open_page(COMPANIES, lang="zh", period="2024")
    assert at.title[0].value == "物业服务企业排行榜"
    league = frames(at)[0]
    assert list(league["企业代码"]) == ["GC01", "GC02", "GC03"]
    assert list(league["排名"]) == ["1", "2", "数据不足"]
    assert list(league["考核得分"]) == [91.8, 75.0, 80.2]
    assert list(league["等级"]) == ["优秀", "合格", "合格"]
    assert list(league["在管小区"]) == [2, 1, 1] and list(league["在管户数"]) == [400, 200, 50]
    assert list(league["满意度"]) == pytest.approx([90.0, 75.0, 80.0])
    assert list(league["物业费收缴率"]) == pytest.approx([82.5, 60.0, 100.0])
    assert list(league["投诉率"]) == pytest.approx([0.25, 1.5, 0.0])
    assert league["按时响应率"].iloc[1] == pytest.approx(66.6667, abs=1e-3)
    assert list(league["近4季度得分"].iloc[2]) == [85.0, 74.0, 80.0, 82.0]
    assert list(league["档案"])[1] == "company?company=GC02&lang=zh&period=2024"
    text = texts(at)
    assert "考核得分覆盖2024年第一季度至2024年第四季度；在管小区和户数为2024年12月末" in text
    assert "受访户数少于 100 户的企业样本太小" in text
    # the rules panel, numbers from assets/grading.toml
    assert "重点监管：企业或项目连续 2 个季度考核不合格。" in text
    assert "不超过投诉总数的 5.0%" in text
    tiers = at.table[-1].value
    assert list(tiers["收费档次"]) == ["1档", "2档", "3档"]
    assert list(tiers["所需最低等级"]) == ["不合格", "合格", "优秀"]
    # funnel: average line, two pairs of limits, the companies
    funnel = plotly_specs(at)[0]
    assert funnel["layout"]["title"]["text"] == "投诉率漏斗图"
    assert funnel["data"][0]["name"] == "平均 0.62%"
    assert [trace["name"] for trace in funnel["data"][1:5]] == [
        "95% 控制限", "95% 控制限", "99.8% 控制限", "99.8% 控制限"]
    assert funnel["data"][-1]["y"] == pytest.approx([0.25, 1.5, 0.0])
    # key supervision at 2024-Q4: nobody (GC02 recovered)
    assert "重点监管名单（2024年第四季度）" in text
    assert "没有企业处于重点监管。" in text


def test_league_page_en_quarter_and_key_supervision(db):
    at = open_page(COMPANIES, lang="en", period="2024-Q3")
    assert at.title[0].value == "Property company league table"
    league = frames(at)[0]
    # one quarter of surveys: GC02 (40) and GC03 (10) fall below 100 surveyed households
    assert list(league["Company code"]) == ["GC01", "GC03", "GC02"]
    assert list(league["Rank"]) == ["1", "insufficient data", "insufficient data"]
    assert list(league["Grade"]) == ["Excellent", "Qualified", "Unqualified"]
    assert list(league["Key supervision"]) == ["—", "—", "yes"]
    text = texts(at)
    assert "Key-supervision list (2024 Q3)" in text
    companies_on, projects_on = frames(at)[1:3]
    assert list(companies_on["Company code"]) == ["GC02"]
    assert companies_on.iloc[0]["Consecutive unqualified quarters"] == "2 quarters since 2024 Q2"
    assert companies_on.iloc[0]["Latest quarterly scores"] == "70.0 / 72.0"
    assert list(projects_on["Estate code"]) == ["E3"]
    assert projects_on.iloc[0]["Street"] == "Haibin"


def test_league_grade_filter_and_search(db):
    at = open_page(COMPANIES, lang="zh", period="2024-Q3")
    at.multiselect(key=grades_components.KEY_GRADE_FILTER).set_value(["unqualified"]).run()
    assert_ok(at)
    assert list(frames(at)[0]["企业代码"]) == ["GC02"]
    assert "显示 1 家企业（共 3 家）" in texts(at)
    at.multiselect(key=grades_components.KEY_GRADE_FILTER).set_value([]).run()
    at.text_input(key=grades_components.KEY_SEARCH).set_value("甲级").run()
    assert list(frames(at)[0]["企业代码"]) == ["GC01"]


def test_league_area_filter(db):
    at = open_page(COMPANIES, lang="zh", period="2024", district=D1, street=S2)
    league = frames(at)[0]
    assert list(league["企业代码"]) == ["GC01", "GC03"]
    assert list(league["在管户数"]) == [300, 50]
    assert "已选区域" in texts(at)


def test_selecting_a_row_opens_the_profile(db):
    at = open_page(COMPANIES, lang="zh", period="2024")
    # what the dataframe's on_select callback stores; the next run switches page
    at.session_state[grades_components.KEY_GOTO] = "GC02"
    at.run()
    assert_ok(at)
    assert at.title[0].value == "乙方物业管理有限公司"
    assert at.query_params["company"] == ["GC02"] or at.query_params["company"] == "GC02"


# --- company profile --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_company_profile(db, lang):
    at = open_page(COMPANY, lang=lang, period="2024", company="GC02")
    assert at.title[0].value == "乙方物业管理有限公司"
    cards = {m.label: m.value for m in at.metric}
    zh = lang == "zh"
    assert cards["考核得分" if zh else "Assessment score"] == "75.0"
    assert cards["等级" if zh else "Grade"] == ("合格" if zh else "Qualified")
    assert cards["全市排名" if zh else "Rank"] == ("2 / 2" if zh else "2 of 2")
    assert cards["投诉率" if zh else "Complaint rate"] == "1.50%"
    assert cards["按时响应率" if zh else "On-time response"] == "66.7%"
    assert cards["在管户数" if zh else "Households"] == "200"
    text = texts(at)
    assert ("距优秀（90 分）还差 15.0 分。" if zh
            else "15.0 points short of Excellent (90).") in text
    specs = plotly_specs(at)
    waterfall = next(s for s in specs if s["data"][0]["type"] == "waterfall")
    values = waterfall["data"][0]["y"]
    assert sum(values[:-1]) == pytest.approx(values[-1]) and values[-1] == pytest.approx(75.0)
    assert values[0] == pytest.approx(0.25 * 75.0)
    assert waterfall["data"][0]["x"][0] == ("服务质量" if zh else "Service<br>quality")
    tables = frames(at)
    breakdown, estates, quarters, years = tables[0], tables[1], tables[2], tables[3]
    assert list(breakdown.iloc[:, 2]) == ["18.75", "18.75", "11.25", "7.50", "11.25", "7.50"]
    assert list(estates.iloc[:, 0]) == ["E3"]
    assert estates.iloc[0, -1] == ("收费高于等级（差1档）" if zh else "fee above grade (1 tier(s))")
    assert list(quarters.iloc[:, 3]) == (["—", "是", "—", "—"] if zh
                                         else ["—", "yes", "—", "—"])
    assert list(years.iloc[:, 2]) == (["黑榜"] if zh else ["Black list"])
    assert years.iloc[0, 3] == ("2 个季度不合格（2024年第二季度、2024年第三季度）" if zh
                                else "Unqualified in 2 quarters (2024 Q2, 2024 Q3)")
    categories = next(s for s in specs if s["data"][0]["type"] == "bar")
    assert categories["data"][0]["y"] == (["电梯", "环境卫生"] if zh
                                          else ["Elevators", "Cleaning"])
    assert categories["data"][0]["x"] == [2, 1]
    # the map: the district outline and one dot, no tiles (plain x/y axes)
    estate_map = next(s for s in specs if any(tr.get("fill") == "toself" for tr in s["data"]))
    assert estate_map["data"][-1]["x"] == [122.10]
    assert "mapbox" not in estate_map["layout"] and "geo" not in estate_map["layout"]


def test_company_profile_red_company_and_picker(db):
    at = open_page(COMPANY, lang="zh", period="2024", company="GC01")
    assert at.title[0].value == "甲级物业服务有限公司"
    assert "已是最高等级（优秀），高出优秀线 1.8 分。" in texts(at)
    years = frames(at)[3]
    assert years.iloc[0, 3] == "全年 4 个考核季度均为优秀；超时答复投诉占比 0.0%"
    # choosing another company in the picker writes it to the URL
    at.selectbox(key=grades_components.KEY_COMPANY).set_value("GC03").run()
    assert_ok(at)
    assert at.title[0].value == "丙<b>物业</b>"
    assert at.query_params["company"] in ("GC03", ["GC03"])


def test_company_profile_without_or_with_an_unknown_code(db):
    at = open_page(COMPANY, lang="en", period="2024")
    assert "Choose a company here" in texts(at)
    at = open_page(COMPANY, lang="zh", period="2024", company="NOPE")
    assert "没有代码为“NOPE”的企业。" in texts(at)


# --- red/black list ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_red_black_page(db, lang):
    at = open_page(REDBLACK, lang=lang, period="2024")
    zh = lang == "zh"
    assert at.title[0].value == ("物业服务企业红黑榜" if zh
                                 else "Property company red and black list")
    red, black = frames(at)
    assert list(red.columns) == (["榜单", "企业名称", "企业代码", "年度等级", "年度", "原因"] if zh
                                 else ["List", "Company", "Company code", "Grade of the year",
                                       "Year", "Reason"])
    assert red.iloc[0].tolist()[1:5] == ["甲级物业服务有限公司", "GC01",
                                         "优秀" if zh else "Excellent", "2024"]
    assert black.iloc[0].tolist()[2] == "GC02"
    assert black.iloc[0].tolist()[5] == ("2 个季度不合格（2024年第二季度、2024年第三季度）" if zh
                                         else "Unqualified in 2 quarters (2024 Q2, 2024 Q3)")
    assert at.selectbox(key=grades_components.KEY_YEAR).value == 2024
    assert ("红榜（1）" if zh else "Red list (1)") in texts(at)


def test_red_black_files_hold_public_fields_only(grades_url):
    engine = make_engine(grades_url)
    frame = grades.red_black_list(engine, Scope.everything(), 2024)
    engine.dispose()
    table = grades_components.red_black_table(frame, "zh")
    description = "筛选条件：物业服务企业红黑榜 · 2024 · 全市"
    csv = components.table_csv(table, description).decode("utf-8-sig")
    first, rest = csv.split("\n", 1)
    assert first == description
    assert pd.read_csv(io.StringIO(rest), dtype=str).equals(table)
    workbook = openpyxl.load_workbook(io.BytesIO(grades_components.table_xlsx(table, description)))
    sheet = workbook.active
    assert sheet["A1"].value == description
    assert [cell.value for cell in sheet[3]] == list(table.columns)
    assert [cell.value for cell in sheet[4]][:3] == ["红榜", "甲级物业服务有限公司", "GC01"]
    assert "13900000000" not in csv


# --- quality–price mismatch -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mismatch_page(db, lang):
    at = open_page(MISMATCH, lang=lang, period="2024")
    zh = lang == "zh"
    assert at.title[0].value == ("质价不符小区清单" if zh else "Quality–price mismatch list")
    (table,) = frames(at)
    assert list(table.iloc[:, 0]) == ["E3"]
    row = table.iloc[0].tolist()
    assert row[2] == ("海滨街道" if zh else "Haibin")
    assert row[4:] == ["1.70", "3档" if zh else "Tier 3", "75.0", "合格" if zh else "Qualified",
                       "2档" if zh else "Tier 2", "1", "优秀" if zh else "Excellent", "15.0"]
    assert ("1 个小区收费档次高于其等级可支撑的档次（共评级小区 4 个）。" if zh
            else "1 estates charge a fee tier above what their grade supports (of 4 graded "
                 "estates).") in texts(at)


def test_mismatch_page_nothing_found_and_no_data(db):
    at = open_page(MISMATCH, lang="zh", period="2024", district=D1, street=S2)
    assert "没有质价不符的小区" in texts(at)
    at = open_page(MISMATCH, lang="en", period="2030")
    assert "There is no data for" in texts(at)


def test_league_csv_is_what_is_shown(grades_url):
    engine = make_engine(grades_url)
    result = grades.add_funnel_signals(grades.league(engine, Scope.everything(), Filters("2024")))
    engine.dispose()
    shown, export = grades_components.league_display(result, Filters("2024"), "en")
    assert list(export.columns) == [c for c in shown.columns if c != "Profile"]
    assert export.iloc[0]["Satisfaction"] == "90.0%" and export.iloc[1]["Complaint rate"] == "1.50%"
    assert export.iloc[2]["Rank"] == "insufficient data"
    assert export.iloc[2]["Score, last 4 quarters"] == "85.0 / 74.0 / 80.0 / 82.0"
    assert export.iloc[1]["On-time response"] == "66.7%"
