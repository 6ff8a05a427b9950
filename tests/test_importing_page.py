"""The import page: AppTest in Chinese and English, and its building blocks driven with
(name, bytes) files (AppTest cannot upload files) on private copies of the fixture city.

Hand-made inputs (fixture city: estates E1–E4, companies C1–C2, complaints K1–K6):

* ``GOOD``: two new complaints N1 (E1) and N2 (E2) and K1 again with a new category →
  3 rows: 2 new, 1 updated, 0 unchanged.
* ``BAD`` (GBK, Chinese headers): row 2 names estate E9 (unknown), row 3 has the month
  13 → two located errors, nothing written.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import importing_components as ic
from dashboard import importing_data
from data_access.config import DB_URL_ENV
from data_access.engine import make_engine
from data_access.import_history import import_history
from data_access.importing import import_files, read_files
from data_access.schema import complaint

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
PAGE = "../pages/data_import.py"

GOOD = ("complaints_2024-12.csv", (
    "complaint_id,estate_code,received_at,channel,category,complainant_phone\n"
    "N1,E1,2024-12-02 09:00,12345热线,电梯,13912345678\n"
    "N2,E2,2024/12/3 10:00,hotline,停车,\n"
    "K1,E1,2024-09-30 09:00,tv,保洁,13800000001\n").encode("utf-8"))
BAD = ("投诉_坏.csv", (
    "投诉编号,小区编码,受理时间,渠道,类别,联系电话\n"
    "B1,E9,2024-12-02 09:00,12345热线,电梯,13700001111\n"
    "B2,E1,2024-13-05 10:00,来访,停车,13700002222\n").encode("gbk"))


@pytest.fixture()
def city(tmp_path, fixture_sqlite_url):
    """A private copy of the fixture city: (engine, url)."""
    target = tmp_path / "city.sqlite"
    shutil.copy(Path(fixture_sqlite_url.removeprefix("sqlite:///")), target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    yield engine, url
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _complaint_codes(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(complaint.c.code)).scalars())


# --- the page under AppTest -------------------------------------------------------------------

def _open(url: str, monkeypatch, **params: str) -> AppTest:
    monkeypatch.setenv(DB_URL_ENV, url)
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _download_labels(at: AppTest) -> list[str]:
    return [button.proto.label for button in at.get("download_button")]


def test_page_in_chinese_offers_templates_and_history(city, monkeypatch):
    engine, url = city
    import_files(engine, [GOOD])
    at = _open(url, monkeypatch)
    assert at.title[0].value == "数据导入"
    assert [s.value for s in at.subheader] == ["① 下载导入模板", "② 上传并校验", "③ 导入记录"]
    labels = _download_labels(at)
    assert labels.count("CSV模板") == 6 and labels.count("XLSX模板") == 6
    assert "下载全部模板（ZIP）" in labels
    assert at.selectbox(key=ic.KEY_TABLE).format_func("") == "自动识别（按表头）"
    assert at.selectbox(key=ic.KEY_TABLE).format_func("complaints") == "投诉"
    assert any("尚未上传文件" in info.value for info in at.info)
    history = at.dataframe[-1].value
    assert list(history.columns) == ["导入时间", "导入人", "文件", "文件指纹", "数据表", "新增",
                                     "更新", "无变化", "拒绝", "状态"]
    assert history.iloc[0][["文件", "数据表", "新增", "更新", "无变化", "拒绝", "状态"]].tolist() \
        == ["complaints_2024-12.csv", "投诉", 2, 1, 0, 0, "已导入"]
    assert history.iloc[0]["导入人"] == ""
    assert len(history.iloc[0]["文件指纹"]) == 12
    # the page shows no global filters
    assert "period" not in [box.key for box in at.sidebar.selectbox]


def test_page_in_english(city, monkeypatch):
    _, url = city
    at = _open(url, monkeypatch, lang="en")
    assert at.title[0].value == "Data import"
    assert [s.value for s in at.subheader] == ["① Download the templates",
                                               "② Upload and check", "③ Import history"]
    labels = _download_labels(at)
    assert labels.count("CSV template") == 6 and labels.count("XLSX template") == 6
    assert "Download all templates (ZIP)" in labels
    assert at.selectbox(key=ic.KEY_TABLE).format_func("") == "Recognise from headers"
    assert at.selectbox(key=ic.KEY_TABLE).format_func("fees") == "Fee collection"
    assert any("Nothing has been imported yet." == info.value for info in at.info)


def test_templates_zip_holds_every_template():
    archive = zipfile.ZipFile(io.BytesIO(importing_data.templates_zip()))
    names = sorted(archive.namelist())
    assert len(names) == 12
    assert "complaints.csv" in names and "estates.xlsx" in names
    header = archive.read("complaints.csv").decode("utf-8-sig").splitlines()[0]
    assert header.startswith("complaint_id* (投诉编号),estate_code* (小区编码)")
    # a template is recognised as its table and has no data rows
    sheets = read_files([("fees.xlsx", archive.read("fees.xlsx"))])
    assert [(s.table, s.rows) for s in sheets] == [("fees", 0)]


# --- the workflow, driven with (name, bytes) files ----------------------------------------------

def test_valid_file_gives_the_dry_run_counts_and_writes_nothing(city):
    engine, _ = city
    before = _complaint_codes(engine)
    analysis = ic.analyse(engine, [GOOD])
    assert analysis.ready
    assert ic.ready_counts(analysis.report) == {
        "rows": 3, "inserted": 2, "updated": 1, "unchanged": 0, "rejected": 0}
    assert ic.ready_message(analysis.report, "zh") == (
        "校验通过：共3行可导入，其中新增2行、更新1行、无变化0行。确认后才会写入数据库。")
    assert ic.ready_message(analysis.report, "en") == (
        "Validation passed: 3 rows ready — 2 new, 1 updated, 0 unchanged. Nothing is "
        "written until you confirm.")
    recognised = ic.recognised_table(analysis, "zh")
    assert recognised.to_dict("records") == [{
        "文件": "complaints_2024-12.csv", "工作表": "", "数据表": "投诉", "行数": 3,
        "编码": "UTF-8", "状态": "可导入"}]
    assert _complaint_codes(engine) == before
    assert import_history(engine).empty


def test_preview_masks_phone_numbers(city):
    engine, _ = city
    analysis = ic.analyse(engine, [GOOD, BAD])
    good, bad = (ic.masked_preview(sheet) for sheet in analysis.sheets)
    assert good["complainant_phone"].tolist() == ["139****5678", "", "138****0001"]
    assert bad["联系电话"].tolist() == ["137****1111", "137****2222"]
    assert good.index.tolist() == [2, 3, 4]  # spreadsheet row numbers
    # a mobile number in a column that is not the phone column is masked too
    stray = ("estates.csv", "estate_code,estate_name,address\nE9,新苑,电话13912345678\n"
             .encode("utf-8"))
    sheet = read_files([stray], count_rows=False)[0]
    assert ic.masked_preview(sheet)["address"].tolist() == ["电话139****5678"]
    shown = " ".join(str(v) for frame in (good, bad) for v in frame.to_numpy().ravel())
    for phone in ("13912345678", "13800000001", "13700001111", "13700002222"):
        assert phone not in shown


def test_malformed_file_gives_located_problems_and_writes_nothing(city):
    engine, _ = city
    before = _complaint_codes(engine)
    analysis = ic.analyse(engine, [BAD])
    assert not analysis.ready and analysis.report.error_count == 2
    table = ic.problems_table(analysis.report, "zh")
    assert list(table.columns) == ["文件", "工作表", "行号", "列", "值", "问题说明", "级别"]
    assert list(table.itertuples(index=False, name=None)) == [
        ("投诉_坏.csv", "", 2, "小区编码", "E9",
         "小区编码不存在：数据库和本次导入的小区表中均没有", "错误"),
        ("投诉_坏.csv", "", 3, "受理时间", "2024-13-05 10:00",
         "不是有效的日期时间（如 2024-03-05 14:20、2024/3/5 14:20、2024年3月5日）", "错误"),
    ]
    english = ic.problems_table(analysis.report, "en")
    assert list(english.columns) == ["File", "Sheet", "Row", "Column", "Value", "Reason",
                                     "Severity"]
    assert sorted(english["Reason"])[0].startswith("not a date and time")
    assert ic.recognised_table(analysis, "en").iloc[0].to_dict() == {
        "File": "投诉_坏.csv", "Sheet": "", "Table": "Complaints", "Rows": 2,
        "Encoding": "GBK/GB18030", "Status": "2 error(s)"}
    # downloads hold exactly the table, under a describing line
    csv_text = ic.table_csv(table, "导入校验报告").decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "导入校验报告"
    assert pd.read_csv(io.StringIO(csv_text), skiprows=1)["行号"].tolist() == [2, 3]
    from_xlsx = pd.read_excel(io.BytesIO(ic.table_xlsx(table, "导入校验报告")), skiprows=2)
    assert from_xlsx["值"].tolist() == ["E9", "2024-13-05 10:00"]
    # nothing written, nothing logged; a phone never shows in the report
    assert _complaint_codes(engine) == before
    assert import_history(engine).empty
    assert "13700001111" not in table.to_csv()


def test_unrecognised_file_is_reported(city):
    engine, _ = city
    analysis = ic.analyse(engine, [("notes.csv", "甲,乙\n1,2\n".encode("utf-8"))])
    assert not analysis.ready
    row = ic.recognised_table(analysis, "zh").iloc[0]
    assert row[["数据表", "编码", "状态"]].tolist() == ["未识别", "UTF-8", "1个错误"]
    assert pd.isna(row["行数"])
    reasons = ic.problems_table(analysis.report, "en")["Reason"].tolist()
    assert reasons[0].startswith("the headers match no table")


def test_confirmed_import_and_history(city):
    engine, _ = city
    report = ic.run_import(engine, [GOOD])
    assert report.committed
    assert ic.done_message(report, "zh") == (
        "导入完成：新增2行、更新1行、无变化0行。各页面已显示最新数据。")
    assert ic.results_table(report, "en").to_dict("records") == [{
        "File": "complaints_2024-12.csv", "Sheet": "", "Table": "Complaints", "Rows": 3,
        "New": 2, "Updated": 1, "Unchanged": 0, "Rejected": 0}]
    assert _complaint_codes(engine) == ["K1", "K2", "K3", "K4", "K5", "K6", "N1", "N2"]
    # the same file again: nothing changes, one more history row, newest first
    again = ic.run_import(engine, [GOOD])
    assert ic.ready_counts(again) == {"rows": 3, "inserted": 0, "updated": 0, "unchanged": 3,
                                      "rejected": 0}
    history = import_history(engine)
    assert history[["rows_inserted", "rows_updated", "rows_unchanged"]].values.tolist() == [
        [0, 0, 3], [2, 1, 0]]
    shown = ic.history_table(history, "zh")
    assert shown["状态"].tolist() == ["已导入", "已导入"]
    assert shown["文件指纹"].iloc[0] == history["file_sha256"].iloc[0][:12]
    assert shown["导入人"].tolist() == ["", ""]


def test_history_query_orders_newest_first_and_limits(city):
    engine, _ = city
    import_files(engine, [GOOD], now=pd.Timestamp("2025-01-02 10:00").to_pydatetime())
    estates = ("estates.csv", (
        "estate_code,estate_name,district,street,households,management_mode,company_code\n"
        "E9,新苑,环翠区,海滨街道,50,专业物业,C1\n").encode("utf-8"))
    import_files(engine, [estates], now=pd.Timestamp("2025-01-03 09:00").to_pydatetime())
    history = import_history(engine)
    assert history["table_name"].tolist() == ["estates", "complaints"]
    assert history["imported_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2025-01-03 09:00", "2025-01-02 10:00"]
    assert history["imported_by"].isna().all()
    assert len(import_history(engine, limit=1)) == 1


def test_progress_messages_are_translated():
    assert ic.progress_text("reading files", "zh") == "正在读取文件…"
    assert ic.progress_text("checking a.csv: 1,000 rows", "zh") == "正在校验 a.csv：已检查1,000行"
    assert ic.progress_text("writing: 10 of 20 rows", "en") == "Writing: 10 of 20 rows"
    assert ic.progress_text("refreshing summary tables", "en") == "Refreshing the summary tables…"
    assert ic.progress_text("done", "zh") == "完成"


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_sheets_are_listed_one_by_one(city):
    """Sheet 收缴 (fees, Chinese headers): E1 2024-03 is new, E1 2024-01 changes 80 → 85
    paid; sheet 备注 is not recognised and skipped (a warning, not an error)."""
    engine, _ = city
    content = _workbook(
        ("收缴", [["小区编码", "月份", "应缴户数", "实缴户数"],
                  ["E1", "2024年3月", 100, 95], ["E1", "2024-01", 100, 85]]),
        ("备注", [["说明"], ["街道填报"]]))
    analysis = ic.analyse(engine, [("收缴.xlsx", content)])
    assert analysis.ready
    assert ic.ready_counts(analysis.report) == {
        "rows": 2, "inserted": 1, "updated": 1, "unchanged": 0, "rejected": 0}
    shown = ic.display_ready(ic.recognised_table(analysis, "zh"))
    assert shown.values.tolist() == [
        ["收缴.xlsx", "收缴", "物业费收缴", "2", "XLSX", "可导入"],
        ["收缴.xlsx", "备注", "未识别", "", "XLSX", "未识别，已跳过"]]
    problems = ic.display_ready(ic.problems_table(analysis.report, "en"))
    assert problems.values.tolist() == [
        ["收缴.xlsx", "备注", "", "", "", "sheet not recognised as any table: skipped",
         "warning"]]


def test_blank_template_offers_nothing_to_import(city):
    engine, _ = city
    analysis = ic.analyse(engine, [("surveys.csv", importing_data.template("surveys", "csv"))])
    assert analysis.report.ok and not analysis.ready
    assert ic.problems_table(analysis.report, "zh")["问题说明"].tolist() == ["没有数据行"]
    assert ic.recognised_table(analysis, "en").iloc[0]["Status"] == "No data rows"
