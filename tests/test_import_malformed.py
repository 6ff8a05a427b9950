"""Malformed input: one test per case, each asserting the exact located errors (file,
sheet, row, column, value, reason) and a database left exactly as it was (row counts and
checksums of every table, import log included).

On each backend; the tests share one copy of the fixture city per backend, which none of
them may change."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from data_access.importing import import_files, validate
from tests.test_import_support import (  # noqa: F401
    errors,
    snapshot,
    unchanged_city,
    write_text,
)

COMPLAINTS = "complaint_id,estate_code,received_at,channel,category,responded_at,resolved_at\n"
FEES = "estate_code,month,households_billed,households_paid\n"
ESTATES = ("estate_code,estate_name,district,street,households,management_mode,company_code,"
           "longitude,latitude,smart_star,build_year\n")
ESTATE_OK = "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,122.1,37.5,3,2005\n"
ASSESSMENTS = "estate_code,company_code,quarter,assessor,service_quality,safety\n"
SURVEYS = "estate_code,period,respondents,satisfied\n"
COMPANIES = "company_code,company_name,registered_on,party_org\n"
OUTSIDE = "outside China (longitude 73–136, latitude 3–54)"
CHANNELS = ("hotline/12345热线, tv/电视问政, app/手机应用, walk_in/来访, "
            "street_office/街道")

# id: (files {name: text}, expected errors [(file, sheet, row, column, value, reason_en)])
CASES = {
    "missing_required_column": (
        {"complaints.csv": "complaint_id,estate_code,received_at,category\n"
                           "N1,E1,2024-05-01 10:00,parking\n"},
        [("complaints.csv", None, None, "channel* (渠道)", None, "required column is missing")]),
    "missing_required_value": (
        {"estates.csv": ESTATES + ESTATE_OK + "N2,,环翠区,海滨街道,80,无物业,,,,,\n"},
        [("estates.csv", None, 3, "estate_name", "", "required value is missing")]),
    "unknown_estate_code": (
        {"fees.csv": FEES + "E1,2024-03,100,90\nE9,2024-03,10,5\n"},
        [("fees.csv", None, 3, "estate_code", "E9", "unknown estate code: not in the database "
          "nor in an estates file of this import")]),
    "unknown_company_in_estates": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,professional,C9,,,,\n"},
        [("estates.csv", None, 2, "company_code", "C9", "unknown company code: not in the "
          "database nor in a companies file of this import")]),
    "unknown_company_in_assessments": (
        {"assessments.csv": ASSESSMENTS + "E1,CX,2024-Q2,street,90,90\n"},
        [("assessments.csv", None, 2, "company_code", "CX", "unknown company code: not in "
          "the database nor in a companies file of this import")]),
    "duplicate_complaint_id": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2024-05-01 10:00,hotline,parking,,\n"
                                        "N2,E1,2024-05-02 10:00,hotline,parking,,\n"
                                        "N1,E2,2024-05-03 10:00,tv,noise,,\n"},
        [("complaints.csv", None, 4, "complaint_id", "N1", "duplicate of row 2")]),
    "duplicate_fee_month_written_differently": (
        {"fees.csv": FEES + "E1,2024-03,100,90\nE1,2024/3,100,95\n"},
        [("fees.csv", None, 3, "estate_code, month", "E1, 2024/3", "duplicate of row 2")]),
    "duplicate_across_files": (
        {"a.csv": COMPLAINTS + "N1,E1,2024-05-01 10:00,hotline,parking,,\n",
         "b.csv": COMPLAINTS + "N1,E2,2024-05-03 10:00,tv,noise,,\n"},
        [("b.csv", None, 2, "complaint_id", "N1", "duplicate of row 2 in a.csv")]),
    "negative_households": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,-5,自管,,,,,\n"},
        [("estates.csv", None, 2, "households", "-5", "must be at least 1")]),
    "households_not_whole": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,12.5,自管,,,,,\n"},
        [("estates.csv", None, 2, "households", "12.5", "not a whole number")]),
    "households_not_a_number": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,很多,自管,,,,,\n"},
        [("estates.csv", None, 2, "households", "很多", "not a number")]),
    "paid_over_billed": (
        {"fees.csv": FEES + "E1,2024-03,100,120\n"},
        [("fees.csv", None, 2, "households_paid", "120",
          "households paid exceed households billed (100)")]),
    "negative_billed": (
        {"fees.csv": FEES + "E1,2024-03,-1,0\n"},
        [("fees.csv", None, 2, "households_billed", "-1", "must not be negative")]),
    "satisfied_over_respondents": (
        {"surveys.csv": SURVEYS + "E1,2024-Q2,40,41\n"},
        [("surveys.csv", None, 2, "satisfied", "41", "satisfied exceed respondents (40)")]),
    "score_above_100": (
        {"assessments.csv": ASSESSMENTS + "E1,C1,2024-Q2,street,101,90\n"},
        [("assessments.csv", None, 2, "service_quality", "101", "must be at most 100")]),
    "score_negative": (
        {"assessments.csv": ASSESSMENTS + "E1,C1,2024-Q2,street,90,-3\n"},
        [("assessments.csv", None, 2, "safety", "-3", "must not be negative")]),
    "smart_star_above_5": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,,,6,\n"},
        [("estates.csv", None, 2, "smart_star", "6", "must be at most 5")]),
    "longitude_outside_china": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,10.5,37.5,,\n"},
        [("estates.csv", None, 2, "longitude", "10.5", OUTSIDE)]),
    "latitude_outside_china": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,122.1,-3,,\n"},
        [("estates.csv", None, 2, "latitude", "-3", OUTSIDE)]),
    "coordinates_swapped": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,37.5,122.1,,\n"},
        [("estates.csv", None, 2, "longitude", "37.5", "longitude and latitude look swapped")]),
    "latitude_without_longitude": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,,37.5,,\n"},
        [("estates.csv", None, 2, "latitude", "37.5",
          "longitude and latitude go together: the other one is missing")]),
    "received_in_the_future": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2099-01-01 10:00,hotline,parking,,\n"},
        [("complaints.csv", None, 2, "received_at", "2099-01-01 10:00", "in the future")]),
    "registered_before_1949": (
        {"companies.csv": COMPANIES + "C7,老字号物业,1900-01-01,否\n"},
        [("companies.csv", None, 2, "registered_on", "1900-01-01", "before 1949")]),
    "received_before_the_working_day_calendar": (
        {"complaints.csv": COMPLAINTS + "N1,E1,1999-12-31 10:00,hotline,parking,,\n"},
        [("complaints.csv", None, 2, "received_at", "1999-12-31 10:00",
          "before 2000: the working-day calendar starts in 2000")]),
    "response_before_receipt": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2024-05-01 10:00,hotline,parking,"
                                        "2024-04-30 09:00,\n"},
        [("complaints.csv", None, 2, "responded_at", "2024-04-30 09:00",
          "response before receipt (2024-05-01 10:00)")]),
    "resolution_before_receipt": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2024/5/1 10:00,hotline,parking,,"
                                        "2024年4月30日\n"},
        [("complaints.csv", None, 2, "resolved_at", "2024年4月30日",
          "resolution before receipt (2024/5/1 10:00)")]),
    "unparseable_datetime": (
        {"complaints.csv": COMPLAINTS + "N1,E1,昨天下午,hotline,parking,,\n"},
        [("complaints.csv", None, 2, "received_at", "昨天下午", "not a date and time "
          "(e.g. 2024-03-05 14:20, 2024/3/5 14:20, 2024年3月5日)")]),
    "impossible_date": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2024-02-30 10:00,hotline,parking,,\n"},
        [("complaints.csv", None, 2, "received_at", "2024-02-30 10:00", "not a date and time "
          "(e.g. 2024-03-05 14:20, 2024/3/5 14:20, 2024年3月5日)")]),
    "month_13": (
        {"fees.csv": FEES + "E1,2024-13,100,90\n"},
        [("fees.csv", None, 2, "month", "2024-13",
          "not a month (e.g. 2024-03, 2024/3, 2024年3月)")]),
    "fee_month_in_the_future": (
        {"fees.csv": FEES + "E1,2099年1月,100,90\n"},
        [("fees.csv", None, 2, "month", "2099年1月", "in the future")]),
    "bad_survey_period": (
        {"surveys.csv": SURVEYS + "E1,2024-Q5,40,30\n"},
        [("surveys.csv", None, 2, "period", "2024-Q5",
          "not a month, quarter or year (e.g. 2024-03, 2024-Q1, 2024)")]),
    "bad_quarter": (
        {"assessments.csv": ASSESSMENTS + "E1,C1,2024年五季度,street,90,90\n"},
        [("assessments.csv", None, 2, "quarter", "2024年五季度",
          "not a quarter (e.g. 2024-Q1, 2024年一季度)")]),
    "unknown_channel": (
        {"complaints.csv": COMPLAINTS + "N1,E1,2024-05-01 10:00,微信,parking,,\n"},
        [("complaints.csv", None, 2, "channel", "微信", f"unknown value; accepted: {CHANNELS}")]),
    "unknown_management_mode": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,托管,C1,,,,\n"},
        [("estates.csv", None, 2, "management_mode", "托管",
          "unknown value; accepted: professional/专业物业, bundle/大物业, self/自管, "
          "unmanaged/无物业")]),
    "unknown_assessor": (
        {"assessments.csv": ASSESSMENTS + "E1,C1,2024-Q2,市长,90,90\n"},
        [("assessments.csv", None, 2, "assessor", "市长",
          "unknown value; accepted: community/社区, street/街道, district/区县, owners/业主, "
          "experts/专家")]),
    "not_yes_no": (
        {"companies.csv": COMPANIES + "C7,新物业,2010-01-01,也许\n"},
        [("companies.csv", None, 2, "party_org", "也许",
          "not yes/no (accepted: yes/no, 是/否, Y/N, 1/0, true/false)")]),
    "bad_phone_is_masked": (
        {"complaints.csv": "complaint_id,estate_code,received_at,channel,category,"
                           "complainant_phone\nN1,E1,2024-05-01 10:00,hotline,parking,"
                           "138000abcd1\n"},
        [("complaints.csv", None, 2, "complainant_phone", "138****bcd1",
          "not a phone number")]),
    "professional_without_company": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,,,,,\n"},
        [("estates.csv", None, 2, "company_code", "",
          "a professional or bundle estate needs a company code")]),
    "unmanaged_with_company": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,无物业,C1,,,,\n"},
        [("estates.csv", None, 2, "company_code", "C1",
          "a self-managed or unmanaged estate has no company")]),
    "build_year_in_the_future": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,120,专业物业,C1,,,,2099\n"},
        [("estates.csv", None, 2, "build_year", "2099", "in the future")]),
    "committee_date_without_committee": (
        {"estates.csv": "estate_code,estate_name,district,street,households,management_mode,"
                        "owners_committee,committee_formed_on\n"
                        "N1,新苑小区,环翠区,海滨街道,120,自管,否,2020-05-01\n"},
        [("estates.csv", None, 2, "committee_formed_on", "2020-05-01",
          "committee formation date given but owners_committee is no")]),
    "code_too_long": (
        {"estates.csv": ESTATES + "N" * 33 + ",新苑小区,环翠区,海滨街道,120,自管,,,,,\n"},
        [("estates.csv", None, 2, "estate_code", "N" * 33, "longer than 32 characters")]),
    "column_given_twice": (
        {"fees.csv": "estate_code,小区编码,month,households_billed,households_paid\n"
                     "E1,E1,2024-03,100,90\n"},
        [("fees.csv", None, 1, "小区编码", None, "column given twice (first as estate_code)")]),
    "headers_match_no_table": (
        {"notes.csv": "名称,备注\n甲,乙\n"},
        [("notes.csv", None, None, None, None,
          "the headers match no table (estates, companies, fees, surveys, complaints, "
          "assessments): use a template's headers or choose the table")]),
    "one_cell_too_many": (
        {"fees.csv": FEES + "E1,2024-03,100,90\nE1,2024-04,100,90,多余\n"},
        [("fees.csv", None, 3, None, "多余", "row has more cells than the header")]),
    "several_cells_too_many": (
        {"fees.csv": FEES + "E1,2024-03,100,90\nE1,2024-04,100,90,8,9\n"},
        [("fees.csv", None, 3, None, None, "row has more cells than the header")]),
    "valid_file_with_an_invalid_one": (
        {"companies.csv": COMPANIES + "C7,新物业,2010-01-01,是\n",
         "fees.csv": FEES + "E1,2024-03,100,90\nE2,2024-03,300,301\n"},
        [("fees.csv", None, 3, "households_paid", "301",
          "households paid exceed households billed (300)")]),
    "reference_to_an_estate_with_errors_counts_once": (
        {"estates.csv": ESTATES + "N1,新苑小区,环翠区,海滨街道,abc,自管,,,,,\n",
         "complaints.csv": COMPLAINTS + "K9,N1,2024-05-01 10:00,hotline,parking,,\n"},
        [("estates.csv", None, 2, "households", "abc", "not a number")]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_malformed_input_is_located_and_writes_nothing(case, unchanged_city, tmp_path):
    engine, _ = unchanged_city
    files, expected = CASES[case]
    paths = [write_text(tmp_path, name, text) for name, text in files.items()]
    before = snapshot(engine)
    report = import_files(engine, paths)
    assert errors(report) == expected
    assert not report.ok and not report.committed
    assert report.error_count == len(expected)
    assert snapshot(engine) == before
    # validate() finds the same problems without writing either
    assert errors(validate(engine, paths)) == expected


def test_old_xls_file_is_refused(unchanged_city, tmp_path):
    engine, _ = unchanged_city
    path = tmp_path / "台账.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    before = snapshot(engine)
    report = import_files(engine, [path])
    assert errors(report) == [("台账.xls", None, None, None, None,
                               ".xls (Excel 97–2003) files are not supported: save it as "
                               ".xlsx or CSV")]
    assert snapshot(engine) == before


def test_undecodable_text_is_refused(unchanged_city, tmp_path):
    engine, _ = unchanged_city
    path = tmp_path / "fees.csv"
    path.write_bytes(FEES.encode() + b"E1,2024-03,\x80\xff,90\n")
    before = snapshot(engine)
    report = import_files(engine, [path])
    assert errors(report) == [("fees.csv", None, None, None, None,
                               "the text is neither UTF-8 nor GBK/GB18030")]
    assert snapshot(engine) == before


def test_broken_xlsx_is_refused(unchanged_city, tmp_path):
    engine, _ = unchanged_city
    path = tmp_path / "fees.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    before = snapshot(engine)
    report = import_files(engine, [path])
    assert [(p.file, p.row, p.code) for p in report.errors] == [
        ("fees.xlsx", None, "unreadable_file")]
    assert snapshot(engine) == before


def test_xlsx_errors_name_the_sheet_and_row(unchanged_city):
    """Rows in an XLSX are numbered as Excel shows them, title rows included."""
    engine, _ = unchanged_city
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "收缴"
    sheet.append(["2024年物业费收缴台账"])
    sheet.append(["小区编码", "月份", "应缴户数", "实缴户数"])
    sheet.append(["E1", dt.datetime(2024, 3, 1), 100, 90])
    sheet.append([])
    sheet.append(["E3", "2024年4月", 200, 250])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = snapshot(engine)
    report = import_files(engine, [("收缴.xlsx", buffer.getvalue())])
    assert errors(report) == [("收缴.xlsx", "收缴", 5, "实缴户数", "250",
                               "households paid exceed households billed (200)")]
    assert report.problems[0].reason_zh == "实缴户数大于应缴户数（200）"
    assert snapshot(engine) == before


def test_every_problem_has_both_languages(unchanged_city, tmp_path):
    engine, _ = unchanged_city
    paths = [write_text(tmp_path, name, text) for case in CASES.values()
             for name, text in case[0].items() if name == "estates.csv"][:1]
    report = import_files(engine, paths)
    for problem in report.problems:
        assert problem.reason_en and problem.reason_zh
        assert problem.reason_en != problem.reason_zh


def test_a_broken_million_row_file_reports_a_readable_number_of_problems(unchanged_city,
                                                                         tmp_path):
    """Every error is counted; a few per column and reason are listed, then a summary."""
    engine, _ = unchanged_city
    lines = [FEES] + [f"E1,2024-{m:02d},abc,90\n" for m in range(1, 13)] * 10
    path = write_text(tmp_path, "fees.csv", "".join(lines))
    report = import_files(engine, [path])
    # 12 months × 10 copies: 120 unparseable numbers, and 108 duplicates of earlier rows
    assert report.error_count == 120 + 108
    listed = [p for p in report.problems if p.code != "more_problems"]
    assert len(listed) == 100  # 50 per (column, reason)
    assert report.problems[-1].reason_en == "128 more problems not listed"
