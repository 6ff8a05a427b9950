"""Problems found in import files, each located and explained in English and Chinese."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

#: reason code → (English, Chinese); ``{name}`` placeholders are filled per problem.
REASONS: dict[str, tuple[str, str]] = {
    "unreadable_file": ("the file cannot be read as CSV or XLSX: {detail}",
                        "无法按CSV或XLSX读取该文件：{detail}"),
    "old_xls": (".xls (Excel 97–2003) files are not supported: save it as .xlsx or CSV",
                "不支持.xls（Excel 97–2003）格式，请另存为.xlsx或CSV"),
    "unknown_encoding": ("the text is neither UTF-8 nor GBK/GB18030",
                         "文件编码既不是UTF-8，也不是GBK/GB18030"),
    "unrecognised_table": ("the headers match no table (estates, companies, fees, surveys, "
                           "complaints, assessments): use a template's headers or choose "
                           "the table",
                           "表头无法识别为任何数据表（小区、物业企业、物业费收缴、满意度调查、"
                           "投诉、考核评分），请使用模板表头或指定数据表"),
    "ambiguous_table": ("the headers fit several tables ({tables}): choose the table",
                        "表头可对应多个数据表（{tables}），请指定数据表"),
    "unrecognised_sheet": ("sheet not recognised as any table: skipped",
                           "工作表无法识别为任何数据表，已跳过"),
    "empty_sheet": ("no data rows", "没有数据行"),
    "unknown_column": ("column not recognised for {table}: ignored",
                       "该列不属于{table_zh}，已忽略"),
    "duplicate_column": ("column given twice (first as {other})",
                         "列重复（已有“{other}”）"),
    "missing_column": ("required column is missing", "缺少必填列"),
    "extra_cells": ("row has more cells than the header", "该行单元格数多于表头"),
    "missing_value": ("required value is missing", "必填项为空"),
    "too_long": ("longer than {max_length} characters", "超过{max_length}个字符"),
    "not_a_number": ("not a number", "不是数字"),
    "not_whole": ("not a whole number", "不是整数"),
    "out_of_range": ("number too large", "数值过大"),
    "not_yes_no": ("not yes/no (accepted: yes/no, 是/否, Y/N, 1/0, true/false)",
                   "不是“是/否”（可填：是/否、yes/no、Y/N、1/0、true/false）"),
    "unknown_code": ("unknown value; accepted: {accepted}", "无法识别的取值，可填：{accepted}"),
    "not_a_datetime": ("not a date and time (e.g. 2024-03-05 14:20, 2024/3/5 14:20, "
                       "2024年3月5日)",
                       "不是有效的日期时间（如 2024-03-05 14:20、2024/3/5 14:20、2024年3月5日）"),
    "not_a_date": ("not a date (e.g. 2024-03-05, 2024/3/5, 2024年3月5日)",
                   "不是有效的日期（如 2024-03-05、2024/3/5、2024年3月5日）"),
    "not_a_month": ("not a month (e.g. 2024-03, 2024/3, 2024年3月)",
                    "不是有效的月份（如 2024-03、2024/3、2024年3月）"),
    "not_a_quarter": ("not a quarter (e.g. 2024-Q1, 2024年一季度)",
                      "不是有效的季度（如 2024-Q1、2024年一季度）"),
    "not_a_period": ("not a month, quarter or year (e.g. 2024-03, 2024-Q1, 2024)",
                     "不是有效的月、季度或年（如 2024-03、2024-Q1、2024）"),
    "not_a_phone": ("not a phone number", "不是有效的电话号码"),
    "negative": ("must not be negative", "不能为负数"),
    "below_min": ("must be at least {minimum}", "不能小于{minimum}"),
    "above_max": ("must be at most {maximum}", "不能大于{maximum}"),
    "paid_over_billed": ("households paid exceed households billed ({billed})",
                         "实缴户数大于应缴户数（{billed}）"),
    "satisfied_over_respondents": ("satisfied exceed respondents ({respondents})",
                                   "满意户数大于受访户数（{respondents}）"),
    "outside_china": ("outside China (longitude 73–136, latitude 3–54)",
                      "不在中国境内（经度73–136，纬度3–54）"),
    "swapped_coordinates": ("longitude and latitude look swapped",
                            "经度和纬度疑似填反"),
    "coordinate_pair": ("longitude and latitude go together: the other one is missing",
                        "经度和纬度须同时填写，缺少另一项"),
    "future": ("in the future", "晚于当前时间"),
    "before_1949": ("before 1949", "早于1949年"),
    "before_2000": ("before 2000: the working-day calendar starts in 2000",
                    "早于2000年：工作日历从2000年开始"),
    "responded_before_received": ("response before receipt ({received})",
                                  "回复时间早于受理时间（{received}）"),
    "resolved_before_received": ("resolution before receipt ({received})",
                                 "办结时间早于受理时间（{received}）"),
    "unknown_estate": ("unknown estate code: not in the database nor in an estates file "
                       "of this import",
                       "小区编码不存在：数据库和本次导入的小区表中均没有"),
    "unknown_company": ("unknown company code: not in the database nor in a companies "
                        "file of this import",
                        "企业编码不存在：数据库和本次导入的物业企业表中均没有"),
    "duplicate_key": ("duplicate of row {first_row}{elsewhere}",
                      "与{elsewhere_zh}第{first_row}行重复"),
    "company_needed": ("a professional or bundle estate needs a company code",
                       "专业物业或大物业小区须填写企业编码"),
    "no_company_expected": ("a self-managed or unmanaged estate has no company",
                            "自管或无物业小区不应填写企业编码"),
    "committee_contradiction": ("committee formation date given but owners_committee is no",
                                "填写了业委会成立日期，但业委会为“否”"),
    "more_problems": ("{count} more problems not listed", "另有{count}个问题未列出"),
    "changed_during_import": ("the file changed while it was being imported",
                              "导入过程中文件发生了变化"),
}


@dataclass(frozen=True)
class Problem:
    """One problem, located as the user sees it.

    ``row`` is the spreadsheet row number (the header is row 1 in a template), None for
    a problem with the whole file or sheet; ``column`` is the header as written in the
    file (the template header when the column is missing); ``value`` is the cell as
    written (phone numbers masked). ``severity`` is "error" (blocks the import) or
    "warning" (reported only).
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    code: str
    reason_en: str
    reason_zh: str
    severity: str = "error"
    table: str | None = None

    def reason(self, lang: str = "zh") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en

    def location(self) -> tuple:
        return (self.file, self.sheet, self.row, self.column)


def make_problem(code: str, *, file: str, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, value: object = None, severity: str = "error",
                 table: str | None = None, **details: object) -> Problem:
    """A Problem with its reasons filled in from :data:`REASONS`."""
    english, chinese = REASONS[code]
    details = {**details}
    details.setdefault("elsewhere", "")
    details.setdefault("elsewhere_zh", "")
    details.setdefault("table", table)
    return Problem(file, sheet, row, column, None if value is None else str(value), code,
                   english.format(**details), chinese.format(**details), severity, table)


class ProblemList:
    """Problems of one import: every one counted, at most ``limit`` kept (and at most
    ``per_kind`` of one reason in one column of one sheet), so a broken million-row file
    gives a readable report."""

    def __init__(self, limit: int = 2000, per_kind: int = 50) -> None:
        self.limit = limit
        self.per_kind = per_kind
        self.kept: list[Problem] = []
        self.errors = 0
        self.warnings = 0
        self._kinds: dict[tuple, int] = {}

    def room(self, kind: tuple) -> int:
        """How many more problems of ``kind`` (file, sheet, column, code) will be kept."""
        return max(0, min(self.limit - len(self.kept), self.per_kind - self._kinds.get(kind, 0)))

    def count(self, severity: str, number: int) -> None:
        if severity == "error":
            self.errors += number
        else:
            self.warnings += number

    def add(self, problem: Problem, counted: bool = True) -> None:
        kind = (problem.file, problem.sheet, problem.column, problem.code)
        if counted:
            self.count(problem.severity, 1)
        if self.room(kind) > 0:
            self.kept.append(problem)
            self._kinds[kind] = self._kinds.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    def listed(self) -> list[Problem]:
        """The kept problems, plus one line saying how many were left out."""
        hidden = self.total - len(self.kept)
        if hidden <= 0:
            return list(self.kept)
        return [*self.kept, make_problem("more_problems", file="", count=hidden,
                                         severity="error" if self.errors else "warning")]


PROBLEM_COLUMNS = ("file", "sheet", "row", "column", "value", "reason_en", "reason_zh",
                   "severity", "code", "table")


def problems_frame(problems: list[Problem], lang: str | None = None) -> pd.DataFrame:
    """A table of problems for display or download.

    With ``lang`` ("zh" or "en") one ``reason`` column in that language; without, both.
    Rows are ordered as reported; ``row`` is an integer or empty.
    """
    frame = pd.DataFrame([asdict(p) for p in problems], columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    if lang:
        frame.insert(5, "reason", frame["reason_zh" if lang == "zh" else "reason_en"])
        frame = frame.drop(columns=["reason_en", "reason_zh"])
    return frame
