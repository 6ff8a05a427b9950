"""Blank import templates, one per table, as CSV (UTF-8 with BOM, so Excel opens it in
Chinese correctly) or XLSX (with an instructions sheet and drop-down lists)."""

from __future__ import annotations

import io
from pathlib import Path

from data_access.importing.reading import README_SHEET
from data_access.importing.specs import CODE_SETS, TABLES, TABLE_ORDER, TableSpec

FORMATS = ("csv", "xlsx")
_YES_NO = "是/否 (yes/no)"
_KIND_NOTES = {
    "text": ("文本", "text"),
    "int": ("整数", "whole number"),
    "float": ("数字", "number"),
    "bool": ("是/否", "yes/no (是/否, Y/N, 1/0)"),
    "month": ("月份，如 2024-03、2024/3、2024年3月", "month: 2024-03, 2024/3, 2024年3月"),
    "period": ("月、季度或年", "month, quarter or year"),
    "quarter": ("季度，如 2024-Q1、2024年一季度", "quarter: 2024-Q1, 2024年一季度"),
    "date": ("日期，如 2024-03-05、2024/3/5、2024年3月5日",
             "date: 2024-03-05, 2024/3/5, 2024年3月5日"),
    "datetime": ("日期时间，如 2024-03-05 14:20、2024/3/5 14:20",
                 "date and time: 2024-03-05 14:20, 2024/3/5 14:20"),
    "code": ("取值见右列", "see accepted values"),
    "category": ("类别", "category"),
    "phone": ("电话号码", "phone number"),
}


def template_name(table: str, fmt: str) -> str:
    """File name of a template: ``complaints.csv``."""
    return f"{table}.{fmt}"


def _accepted(column) -> str:
    if column.kind in ("code", "category"):
        names = CODE_SETS[column.code_set or "category"]
        return "; ".join(f"{names[key][0]} ({key})" for key in names)
    if column.kind == "bool":
        return _YES_NO
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if column.name == "complaint_id":
        return "每条投诉唯一 unique per complaint"
    return ""


def write_template(table: str, fmt: str) -> bytes:
    """The blank template of ``table`` (estates, companies, fees, surveys, complaints,
    assessments) as ``fmt`` ("csv" or "xlsx"). Headers read ``estate_code* (小区编码)``:
    English name, * when required, Chinese name; either language alone is accepted too."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    spec = TABLES[table]
    if fmt == "csv":
        headers = [column.header() for column in spec.template_columns()]
        text = ",".join(f'"{h}"' if "," in h else h for h in headers) + "\r\n"
        return text.encode("utf-8-sig")
    if fmt == "xlsx":
        return _xlsx_template(spec)
    raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")


def _xlsx_template(spec: TableSpec) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{spec.zh} {spec.name}"[:31]
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="EDEDED")
    for number, column in enumerate(spec.template_columns(), start=1):
        cell = sheet.cell(row=1, column=number, value=column.header())
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = required_fill if column.required else optional_fill
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(14, len(column.header()) + 6)
        if column.kind in ("text", "phone", "month", "period", "quarter"):
            sheet.column_dimensions[letter].number_format = "@"  # keep codes like 001
        choices = None
        if column.kind == "code":
            choices = [names[0] for names in CODE_SETS[column.code_set].values()]
        elif column.kind == "bool":
            choices = ["是", "否"]
        if choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                                        allow_blank=True, showErrorMessage=False)
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(README_SHEET)
    notes.append(["列 column", "必填 required", "说明", "notes", "可填的值 accepted values",
                  "示例 example"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in spec.template_columns():
        kind_zh, kind_en = _KIND_NOTES[column.kind]
        notes.append([column.header(), "是 yes" if column.required else "否 no",
                      column.note_zh or kind_zh, column.note_en or kind_en, _accepted(column),
                      column.example])
    notes.append([])
    notes.append(["数据从第2行开始填写，每行一条记录；表头可用中文或英文。带*的列必填。",
                  "", "", "Fill one record per row from row 2; headers may be Chinese or "
                  "English. Columns marked * are required."])
    for letter, width in zip("ABCDEF", (34, 12, 40, 40, 60, 24)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_all_templates(directory: str | Path) -> list[Path]:
    """Write every table's CSV and XLSX template into ``directory``; returns the paths."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in TABLE_ORDER:
        for fmt in FORMATS:
            path = target / template_name(table, fmt)
            path.write_bytes(write_template(table, fmt))
            paths.append(path)
    return paths
