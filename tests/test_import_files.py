"""Importing good files: encodings, XLSX sheets, upserts, round trips, templates; on each
backend (tests/test_import_support.py ``city`` and ``empty_db``)."""

from __future__ import annotations

import datetime as dt
import io
import logging

import openpyxl
import pytest
from sqlalchemy import select, text

from data_access.importing import (
    TABLE_ORDER,
    export_table,
    import_files,
    read_files,
    write_template,
)
from data_access.schema import complaint, estate, fee_month, import_log, meta, month_calendar
from tests.test_import_support import (  # noqa: F401
    city,
    empty_db,
    errors,
    log_count,
    snapshot,
    write_text,
)
from tests.pg_support import as_sqlite_returns

COMPLAINTS_ZH = ("投诉编号,小区编码,受理时间,渠道,类别,回复时间,办结时间,办结层级,是否满意,"
                 "联系电话\n"
                 "N1,E1,２０２４年５月６日 ９：３０,12345热线,电梯,2024/5/7 10:00,2024-05-09,小区,"
                 "是,13900000001\n"
                 " N2 ,E2,2024-05-08 14:20,电视问政,充电桩,,,,,\n")


def rows(engine, sql: str) -> list[tuple]:
    """The rows of ``sql``, values as SQLite returns them (one expectation for both)."""
    with engine.connect() as conn:
        return [tuple(as_sqlite_returns(value) for value in row)
                for row in conn.execute(text(sql))]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "gb18030"])
def test_chinese_csv_in_any_encoding(city, tmp_path, encoding):
    engine, _ = city
    path = write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH, encoding)
    report = import_files(engine, [path])
    assert report.ok and report.committed
    assert report.totals()["complaints"] == {"rows": 2, "inserted": 2, "updated": 0,
                                             "unchanged": 0, "rejected": 0}
    got = rows(engine, "select code, estate_id, company_id, received_at, received_month, "
                       "response_due_at, responded_at, resolved_at, channel, category, "
                       "resolved_level, resident_satisfied from complaint where code like 'N%' "
                       "order by code")
    # Mon 2024-05-06 → due end of Thu 05-09; Wed 05-08 → Sat 05-11 is a working day (调休)
    assert got == [
        ("N1", 1, 1, "2024-05-06 09:30:00.000000", "2024-05", "2024-05-10 00:00:00.000000",
         "2024-05-07 10:00:00.000000", "2024-05-09 00:00:00.000000", "hotline", "elevators",
         "estate", 1),
        ("N2", 2, 2, "2024-05-08 14:20:00.000000", "2024-05", "2024-05-12 00:00:00.000000",
         None, None, "tv", "充电桩", None, None),
    ]


def test_xlsx_with_chinese_headers_date_cells_and_two_sheets(city):
    engine, _ = city
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "小区"
    sheet.append(["小区编码", "小区名称", "区县", "街道", "社区", "户数", "管理模式", "企业编码",
                  "业委会成立日期", "建成年份", "经度", "纬度"])
    sheet.append(["N1", "新苑小区", "环翠区", "新港街道", "新港社区", 250, "大物业", "C2",
                  dt.datetime(2021, 3, 15), 2005, 122.11, 37.52])
    sheet["I2"].number_format = "yyyy/m/d"
    complaints = workbook.create_sheet("投诉")
    complaints.append(["投诉编号", "小区编码", "受理时间", "渠道", "类别", "回复时间", "是否满意"])
    complaints.append(["X1", "N1", dt.datetime(2024, 5, 6, 9, 30), "手机应用", "停车",
                       dt.datetime(2024, 5, 7, 10, 0), "否"])
    complaints.append(["X2", "E4", 45420.5, "来访", "噪音", None, None])  # a serial number
    complaints["C3"].number_format = "General"
    workbook.create_sheet("备注").append(["这张表没有数据"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    sheets = read_files([("台账.xlsx", buffer.getvalue())])
    assert [(s.sheet, s.table, s.rows) for s in sheets] == [
        ("小区", "estates", 1), ("投诉", "complaints", 2), ("备注", None, None)]
    assert sheets[2].problems[0].reason_en == "sheet not recognised as any table: skipped"

    report = import_files(engine, [("台账.xlsx", buffer.getvalue())], user="tester")
    assert report.ok and report.committed
    assert [(r.sheet, r.table, r.inserted) for r in report.results] == [
        ("小区", "estates", 1), ("投诉", "complaints", 2)]
    assert report.created == {"street": 1, "community": 1}
    assert [p.severity for p in report.problems] == ["warning"]
    new = rows(engine, "select e.name, s.name, d.name, c.name, e.households, e.management_mode, "
                       "e.company_id, e.owners_committee, e.committee_formed_on, e.longitude "
                       "from estate e join street s on s.id = e.street_id "
                       "join district d on d.id = s.district_id "
                       "join community c on c.id = e.community_id where e.code = 'N1'")
    assert new == [("新苑小区", "新港街道", "环翠区", "新港社区", 250, "bundle", 2, 1,
                    "2021-03-15", 122.11)]
    got = rows(engine, "select c.code, e.code, c.company_id, c.received_at, c.responded_at, "
                       "c.channel, c.category, c.resident_satisfied from complaint c "
                       "join estate e on e.id = c.estate_id where c.code like 'X%' order by 1")
    assert got == [
        ("X1", "N1", 2, "2024-05-06 09:30:00.000000", "2024-05-07 10:00:00.000000", "app",
         "parking", 0),
        ("X2", "E4", None, "2024-05-08 12:00:00.000000", None, "walk_in", "noise", None),
    ]
    logged = rows(engine, "select file_name, table_name, imported_by, rows_inserted, status "
                          "from import_log order by id")
    assert logged == [("台账.xlsx", "estates", "tester", 1, "imported"),
                      ("台账.xlsx", "complaints", "tester", 2, "imported")]


@pytest.mark.parametrize("fmt, lang", [("csv", "en"), ("xlsx", "en"), ("csv", "zh"),
                                       ("xlsx", "zh")])
def test_export_then_import_changes_nothing(city, tmp_path, fmt, lang):
    engine, _ = city
    before = snapshot(engine, exclude=("import_log",))
    paths = []
    for table in TABLE_ORDER:
        path = tmp_path / f"{table}.{fmt}"
        path.write_bytes(export_table(engine, table, fmt, lang=lang))
        paths.append(path)
    report = import_files(engine, reversed(paths))  # any order: dependencies come first
    assert report.ok, report.problems
    assert {t: (c["inserted"], c["updated"]) for t, c in report.totals().items()} == {
        t: (0, 0) for t in TABLE_ORDER}
    assert report.totals()["complaints"]["unchanged"] == 6
    assert snapshot(engine, exclude=("import_log",)) == before
    assert log_count(engine) == 6


def test_reimporting_the_same_file_is_a_no_op(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH, "gbk")
    first = import_files(engine, [path])
    assert first.totals()["complaints"]["inserted"] == 2
    after_first = snapshot(engine, exclude=("import_log",))
    second = import_files(engine, [path])
    assert second.totals()["complaints"] == {"rows": 2, "inserted": 0, "updated": 0,
                                             "unchanged": 2, "rejected": 0}
    assert snapshot(engine, exclude=("import_log",)) == after_first
    assert rows(engine, "select rows_inserted, rows_updated, rows_unchanged, file_sha256 "
                        "from import_log order by id")[1][:3] == (0, 0, 2)


def test_changed_rows_are_updated_and_counted(city, tmp_path):
    engine, _ = city
    exported = export_table(engine, "complaints", "csv").decode("utf-8-sig")
    changed = exported.replace("K2,E1,2024-09-30 10:00:00,hotline", "K2,E1,2024-09-30 10:00:00,tv")
    changed += "K7,E4,2024-12-02 08:00:00,app,其他,,,,,,\n"
    path = write_text(tmp_path, "complaints.csv", changed)
    report = import_files(engine, [path])
    assert report.totals()["complaints"] == {"rows": 7, "inserted": 1, "updated": 1,
                                             "unchanged": 5, "rejected": 0}
    assert rows(engine, "select channel from complaint where code = 'K2'") == [("tv",)]
    assert rows(engine, "select category, company_id from complaint where code = 'K7'") == [
        ("other", None)]


def test_optional_columns_left_out_are_left_alone(city, tmp_path):
    """A file without a column does not blank that column in existing rows."""
    engine, _ = city
    path = write_text(tmp_path, "estates.csv",
                      "小区编码,小区名称,区县,街道,户数,管理模式,企业编码\n"
                      "E1,海景花园,环翠区,海滨街道,110,专业物业,C1\n")
    report = import_files(engine, [path])
    assert report.totals()["estates"]["updated"] == 1
    assert rows(engine, "select households, community_id, longitude, committee_formed_on, "
                        "owners_committee, build_year from estate where code = 'E1'") == [
        (110, 1, 122.1, "2020-06-15", 1, 1998)]


def test_complaints_take_the_estates_current_company(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "complaints.csv",
                      "complaint_id,estate_code,received_at,channel,category\n"
                      "M1,E2,2024-12-02 08:00,hotline,noise\nM2,E4,2024-12-02 09:00,app,noise\n"
                      "M3,E3,2024-12-02 09:00,app,noise\n")
    assert import_files(engine, [path]).ok
    assert rows(engine, "select code, company_id from complaint where code like 'M%' "
                        "order by code") == [("M1", 2), ("M2", None), ("M3", 1)]


def test_estates_and_their_complaints_in_one_import(city, tmp_path):
    engine, _ = city
    estates = write_text(tmp_path, "estates.csv",
                         "estate_code,estate_name,district,street,households,management_mode,"
                         "company_code\nN1,新苑小区,荣成市,石岛街道,80,professional,C9\n")
    companies = write_text(tmp_path, "companies.csv",
                           "company_code,company_name\nC9,石岛物业有限公司\n")
    complaints = write_text(tmp_path, "complaints.csv",
                            "complaint_id,estate_code,received_at,channel,category\n"
                            "M1,N1,2024-12-02 08:00,hotline,noise\n")
    report = import_files(engine, [complaints, estates, companies])
    assert report.ok, report.problems
    assert [r.table for r in report.results] == ["companies", "estates", "complaints"]
    assert report.created == {"district": 1, "street": 1}
    assert rows(engine, "select d.code, s.code from street s join district d "
                        "on d.id = s.district_id where s.name = '石岛街道'") == [
        ("D" + __import__("hashlib").sha1("荣成市".encode()).hexdigest()[:6].upper(),
         "D" + __import__("hashlib").sha1("荣成市".encode()).hexdigest()[:6].upper() + "-S"
         + __import__("hashlib").sha1("石岛街道".encode()).hexdigest()[:6].upper())]
    assert rows(engine, "select c.company_id, e.company_id from complaint c join estate e "
                        "on e.id = c.estate_id where c.code = 'M1'") == [(3, 3)]
    # the new estate appears in the summaries, with its current mode in every month
    assert rows(engine, "select count(*), min(management_mode), max(management_mode) from "
                        "estate_month where estate_id = 5") == [(12, "professional",
                                                                "professional")]


def test_months_beyond_the_data_range_extend_it(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "fees.csv", "小区编码,月份,应缴户数,实缴户数\nE1,2025年2月,100,97\n")
    assert import_files(engine, [path], now=dt.datetime(2025, 3, 10)).ok
    with engine.connect() as conn:
        stored = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
        assert (stored["data_start"], stored["data_end"]) == ("2024-01", "2025-02")
        months = list(conn.execute(select(month_calendar.c.month)).scalars())
    assert months[0] == "2024-01" and months[-1] == "2025-02"
    assert rows(engine, "select households_paid from estate_month where estate_id = 1 "
                        "and month = '2025-02'") == [(97,)]


def test_dry_run_counts_but_writes_nothing(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH)
    before = snapshot(engine)
    report = import_files(engine, [path], dry_run=True)
    assert report.ok and not report.committed and report.dry_run
    assert report.totals()["complaints"]["inserted"] == 2
    assert snapshot(engine) == before


def test_uploads_and_byte_pairs_are_accepted(city):
    engine, _ = city

    class Upload:  # what Streamlit's UploadedFile offers
        name = "投诉.csv"

        def getvalue(self):
            return COMPLAINTS_ZH.encode("gbk")

    sheet, = read_files([Upload()])
    assert (sheet.file, sheet.table, sheet.rows, sheet.encoding) == (
        "投诉.csv", "complaints", 2, "gb18030")
    assert list(sheet.preview.index) == [2, 3]
    assert import_files(engine, [Upload()]).totals()["complaints"]["inserted"] == 2


def test_the_table_can_be_chosen(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "data.csv", "小区编码,月份,应缴户数,实缴户数\nE1,2024-03,10,9\n")
    assert [s.table for s in read_files([path])] == ["fees"]
    forced = import_files(engine, [path], table="surveys")
    assert errors(forced) == [
        ("data.csv", None, None, f"{name}* ({zh})", None, "required column is missing")
        for name, zh in (("period", "期间"), ("respondents", "受访户数"), ("satisfied", "满意户数"))]
    assert [(p.column, p.reason_en) for p in forced.problems if p.severity == "warning"] == [
        ("月份", "column not recognised for surveys: ignored"),
        ("应缴户数", "column not recognised for surveys: ignored"),
        ("实缴户数", "column not recognised for surveys: ignored")]
    unknown = write_text(tmp_path, "notes.csv", "编号,说明\n1,无\n")
    assert [p.code for p in import_files(engine, [unknown]).errors] == ["unrecognised_table"]


def test_progress_is_reported_from_zero_to_one(city, tmp_path):
    engine, _ = city
    body = "".join(f"P{i},E{i % 4 + 1},2024-05-06 09:30,hotline,noise\n" for i in range(2500))
    path = write_text(tmp_path, "complaints.csv",
                      "complaint_id,estate_code,received_at,channel,category\n" + body)
    seen = []
    report = import_files(engine, [path], progress=lambda f, m: seen.append((f, m)),
                          chunk_rows=1000)
    assert report.totals()["complaints"]["inserted"] == 2500
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert any(m.startswith("writing") for _, m in seen)


def test_phone_numbers_never_reach_logs_or_reports(city, tmp_path, caplog):
    engine, _ = city
    caplog.set_level(logging.DEBUG)
    good = write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH)
    bad = write_text(tmp_path, "bad.csv", "complaint_id,estate_code,received_at,channel,"
                     "category,complainant_phone\nZ1,E1,2024-05-01,hotline,noise,1390000abc1\n")
    report_good = import_files(engine, [good])
    report_bad = import_files(engine, [bad])
    text_out = caplog.text + repr(report_good) + repr(report_bad)
    assert "13900000001" not in text_out and "1390000abc1" not in text_out
    assert report_bad.problems[0].value == "139****abc1"


@pytest.mark.parametrize("table", TABLE_ORDER)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_are_recognised_and_import_empty(table, fmt, empty_db):
    engine, _ = empty_db
    data = write_template(table, fmt)
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
    sheets = read_files([(f"{table}.{fmt}", data)])
    assert [(s.table, s.rows) for s in sheets] == [(table, 0)]
    report = import_files(engine, [(f"{table}.{fmt}", data)])
    assert report.ok and not report.errors


def test_import_log_records_file_hash_and_counts(city, tmp_path):
    import hashlib

    engine, _ = city
    path = write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH)
    import_files(engine, [path], user="li")
    with engine.connect() as conn:
        row = conn.execute(select(import_log)).one()
    assert row.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (row.file_name, row.table_name, row.imported_by, row.rows_inserted,
            row.rows_updated, row.rows_unchanged, row.rows_rejected, row.status) == (
        "投诉.csv", "complaints", "li", 2, 0, 0, 0, "imported")


def test_rejected_imports_can_be_logged(city, tmp_path):
    engine, _ = city
    path = write_text(tmp_path, "fees.csv", "小区编码,月份,应缴户数,实缴户数\nE1,2024-03,10,20\n")
    import_files(engine, [path], log_rejected=True)
    assert rows(engine, "select table_name, rows_rejected, status from import_log") == [
        ("fees", 1, "rejected")]
    with engine.connect() as conn:
        assert conn.execute(select(fee_month).where(fee_month.c.month == "2024-03")).all() == []
        assert len(conn.execute(select(estate)).all()) == 4
        assert len(conn.execute(select(complaint)).all()) == 6


def test_portable_path_stores_what_the_sqlite_fast_path_stores(tmp_path, fixture_sqlite_url,
                                                               monkeypatch):
    """SQLite rows go straight to the driver; the SQLAlchemy path (used on databases
    other than SQLite and PostgreSQL) must store exactly the same values and see them as
    unchanged on re-import."""
    import shutil

    from data_access.engine import make_engine
    from data_access.importing import writing

    source = fixture_sqlite_url.removeprefix("sqlite:///")
    files = [
        write_text(tmp_path, "投诉.csv", COMPLAINTS_ZH, "gbk"),
        write_text(tmp_path, "estates.csv",
                   "estate_code,estate_name,district,street,households,management_mode,"
                   "company_code,owners_committee,committee_formed_on,party_org,smart_star,"
                   "fee_yuan_m2_month\n"
                   "E1,海景花园,环翠区,海滨街道,101,专业物业,C1,是,2020-06-15,是,4,1.35\n"
                   "N1,新苑小区,环翠区,海滨街道,80,自管,,否,,否,,\n"),
        write_text(tmp_path, "companies.csv", "企业编码,企业名称,注册日期,党组织\n"
                                               "C3,新物业,2012年3月4日,是\n"),
        write_text(tmp_path, "surveys.csv", "小区编码,期间,受访户数,满意户数\nN1,2024年第三季度,9,7\n"),
        write_text(tmp_path, "assessments.csv", "小区编码,企业编码,季度,考核主体,服务质量\n"
                                                 "E1,C1,2024-Q3,专家,88.5\n"),
    ]
    snapshots = []
    for fast in (True, False):
        monkeypatch.setattr(writing, "SQLITE_FAST_PATH", fast)
        copy = tmp_path / f"copy_{fast}.sqlite"
        shutil.copy(source, copy)
        engine = make_engine(f"sqlite:///{copy}")
        first = import_files(engine, files)
        assert first.ok, first.problems
        assert {t: (c["inserted"], c["updated"]) for t, c in first.totals().items()} == {
            "companies": (1, 0), "estates": (1, 1), "surveys": (1, 0), "complaints": (2, 0),
            "assessments": (1, 0)}
        again = import_files(engine, files)
        assert all(c["inserted"] == c["updated"] == 0 for c in again.totals().values())
        snapshots.append(snapshot(engine, exclude=("import_log",)))
        engine.dispose()
    assert snapshots[0] == snapshots[1]
