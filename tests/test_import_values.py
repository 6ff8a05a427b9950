"""Values as people type them, headers in either language, encodings detected."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_access.importing import read_files
from data_access.importing.specs import header_column, match_headers, table_named
from data_access.importing.values import (
    cell_text,
    clean,
    mask_phone,
    parse_column,
    parse_month_text,
    parse_period_text,
    parse_quarter_text,
)


def parse(kind: str, *values: str, **options):
    text = clean(pd.Series(list(values), dtype=object))
    parsed = parse_column(kind, text, text != "", **options)
    bad = pd.Series(False, index=text.index)
    for _, mask in parsed.errors:
        bad |= mask
    return [None if b or pd.isna(v) else v for v, b in zip(parsed.values.tolist(), bad)]


def test_yes_no_in_every_spelling():
    assert parse("bool", "yes", "No", "是", "否", "Y", "n", "1", "0", "TRUE", "false", " 是 ",
                 "") == [True, False, True, False, True, False, True, False, True, False,
                         True, None]
    assert parse("bool", "maybe") == [None]


@pytest.mark.parametrize("text, month", [
    ("2024-03", "2024-03"), ("2024/3", "2024-03"), ("2024年3月", "2024-03"),
    ("２０２４年３月", "2024-03"), ("2024.3", "2024-03"), ("202403", "2024-03"),
    ("2024-03-01", "2024-03"), ("45352", "2024-03"), (" 2024-3 ", "2024-03"),
    ("2024-13", None), ("March", None),
])
def test_months(text, month):
    assert parse("month", text) == [month]


@pytest.mark.parametrize("text, period", [
    ("2024-Q1", "2024-Q1"), ("2024Q2", "2024-Q2"), ("2024 q3", "2024-Q3"),
    ("2024年一季度", "2024-Q1"), ("2024年第四季度", "2024-Q4"), ("2024年第2季度", "2024-Q2"),
    ("Q3 2024", "2024-Q3"), ("2024", "2024"), ("2024年", "2024"), ("2024年度", "2024"),
    ("2024-03", "2024-03"), ("2024年3月", "2024-03"), ("2024-3", "2024-03"),
    ("2024-Q5", None),
])
def test_periods(text, period):
    assert parse_period_text(clean(pd.Series([text])).iloc[0]) == period


def test_quarters_are_not_months():
    assert parse_quarter_text("2024-03") is None
    assert parse_month_text("2024-Q1") is None


@pytest.mark.parametrize("text, moment", [
    ("2024-03-05 14:20", dt.datetime(2024, 3, 5, 14, 20)),
    ("2024-03-05T14:20:05", dt.datetime(2024, 3, 5, 14, 20, 5)),
    ("2024-03-05", dt.datetime(2024, 3, 5)),
    ("2024/3/5 14:20", dt.datetime(2024, 3, 5, 14, 20)),
    ("2024/3/5", dt.datetime(2024, 3, 5)),
    ("2024年3月5日", dt.datetime(2024, 3, 5)),
    ("2024年3月5日 14时20分", dt.datetime(2024, 3, 5, 14, 20)),
    ("２０２４－０３－０５　１４：２０", dt.datetime(2024, 3, 5, 14, 20)),
    ("2024.3.5 8:05", dt.datetime(2024, 3, 5, 8, 5)),
    ("20240305", dt.datetime(2024, 3, 5)),
    ("45356", dt.datetime(2024, 3, 5)),
    ("45356.5", dt.datetime(2024, 3, 5, 12)),
    ("2024-03-05 14:20:00.250000", dt.datetime(2024, 3, 5, 14, 20, 0, 250000)),
    ("2024-02-30", None), ("2024-03-05T14:20:00+08:00", None), ("下午", None),
])
def test_datetimes(text, moment):
    assert parse("datetime", text) == [None if moment is None else pd.Timestamp(moment)]


def test_many_slash_dates_take_the_vectorised_path():
    values = [f"2024/{m}/{d} 10:{d:02d}" for m in range(1, 13) for d in range(1, 29)] * 4
    parsed = parse("datetime", *values)
    assert parsed[0] == pd.Timestamp(2024, 1, 1, 10, 1)
    assert parsed[-1] == pd.Timestamp(2024, 12, 28, 10, 28)
    assert None not in parsed


def test_numbers_with_full_width_digits_and_thousands():
    assert parse("int", "１２０", "1,200", " 7 ", "3.0") == [120, 1200, 7, 3]
    assert parse("int", "1.5", "abc", "1,20") == [None, None, None]
    assert parse("float", "1.25", "１．５", "-2") == [1.25, 1.5, -2.0]


def test_coded_values_in_english_or_chinese():
    assert parse("code", "professional", "专业物业", "大物业", "自管", "无物业", "BUNDLE",
                 code_set="management_mode") == ["professional", "professional", "bundle",
                                                 "self", "unmanaged", "bundle"]
    assert parse("code", "hotline", "12345热线", "电视问政", "手机应用", "来访", "walk-in",
                 "街道", code_set="channel") == ["hotline", "hotline", "tv", "app", "walk_in",
                                                 "walk_in", "street_office"]
    assert parse("code", "小区", "社区", "街道", "区县", code_set="resolved_level") == [
        "estate", "community", "street", "district"]
    assert parse("code", "社区", "街道", "区县", "业主", "专家", code_set="assessor") == [
        "community", "street", "district", "owners", "experts"]


def test_categories_map_known_names_and_keep_the_rest():
    assert parse("category", "保洁", "安保", "停车", "电梯", "消防", "电动车充电", "物业费",
                 "公共收益", "绿化", "漏水", "噪音", "其他", "elevators", " 充电桩 ") == [
        "cleaning", "security", "parking", "elevators", "fire_safety", "ebike_charging",
        "fees", "public_income", "greening", "water_leaks", "noise", "other", "elevators",
        "充电桩"]


def test_phones_are_checked_and_masked():
    assert parse("phone", "13800000001", "0631-5201234", "+86 138 0000 0001", "12ab") == [
        "13800000001", "0631-5201234", "+86 138 0000 0001", None]
    assert mask_phone("13800000001") == "138****0001"
    assert "5201234" not in mask_phone("0631-5201234")


def test_cells_become_text_as_a_csv_would_hold_them():
    assert cell_text(dt.datetime(2024, 3, 5)) == "2024-03-05"
    assert cell_text(dt.datetime(2024, 3, 5, 14, 20)) == "2024-03-05 14:20:00"
    assert cell_text(120.0) == "120" and cell_text(0.1) == "0.1"
    assert cell_text(13800000001) == "13800000001" and cell_text(True) == "true"


def test_headers_in_either_language_or_both():
    assert header_column("estate_code") == "estate_code"
    assert header_column("小区编码") == "estate_code"
    assert header_column("estate_code* (小区编码)") == "estate_code"
    assert header_column("*小区编码") == "estate_code"
    assert header_column(" Estate Code ") == "estate_code"
    assert header_column("备注") is None
    assert match_headers(["小区编码", "月份", "应缴户数", "实缴户数"]).table == "fees"
    assert match_headers(["企业编码", "企业名称", "党组织"]).table == "companies"
    assert match_headers(["小区编码", "企业编码", "季度", "考核主体", "服务质量"]).table == \
        "assessments"
    assert table_named("投诉") == "complaints" and table_named("fee_month") == "fees"


FEES_ZH = "小区编码,月份,应缴户数,实缴户数\nE1,2024年5月,100,90\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
    ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_encodings_are_detected(encoding, expected):
    sheet, = read_files([("fees.csv", FEES_ZH.encode(encoding))])
    assert sheet.encoding == expected
    assert sheet.table == "fees" and sheet.rows == 1
    assert sheet.columns["month"] == "月份"
    assert sheet.preview.loc[2, "月份"] == "2024年5月"


def test_tab_separated_text_is_read():
    sheet, = read_files([("fees.txt", FEES_ZH.replace(",", "\t").encode("utf-16"))])
    assert sheet.table == "fees" and sheet.rows == 1
