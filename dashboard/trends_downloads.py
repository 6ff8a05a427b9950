"""Downloads of exactly what a table or chart shows: CSV and XLSX, headers in the page's
language, the filters described in the file.

* CSV (UTF-8 with BOM, opens in Excel): the description lines first, then the table.
* XLSX (openpyxl): sheet 1 holds the table (headers in row 1, ready for analysis), sheet
  2 the description lines.

The files are built only when the button is clicked (``st.download_button`` with a
callable), so rendering a page costs nothing.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.i18n import t

_SHEET_UNSAFE = re.compile(r"[\[\]\*\?/\\:]")


def csv_bytes(table: pd.DataFrame, description: Sequence[str]) -> bytes:
    """The table as CSV preceded by the description lines; UTF-8 with BOM."""
    buffer = io.StringIO()
    for line in description:
        buffer.write(str(line).replace("\n", " ") + "\n")
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, description: Sequence[str], sheet: str = "data",
               about_sheet: str = "filters") -> bytes:
    """The table on the first sheet, the description lines on a second one."""
    buffer = io.BytesIO()
    sheet = _SHEET_UNSAFE.sub(" ", sheet)[:31] or "data"
    about_sheet = _SHEET_UNSAFE.sub(" ", about_sheet)[:31] or "filters"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet, index=False)
        pd.DataFrame({about_sheet: list(description)}).to_excel(
            writer, sheet_name=about_sheet, index=False)
        worksheet = writer.sheets[sheet]
        for index, column in enumerate(table.columns, start=1):
            values = [str(column), *(str(v) for v in table[column].head(200))]
            width = max(len(v) * (2 if any(ord(ch) > 0x2E80 for ch in v) else 1)
                        for v in values)
            worksheet.column_dimensions[worksheet.cell(1, index).column_letter].width = min(
                max(width + 2, 8), 60)
    return buffer.getvalue()


def download_buttons(table: pd.DataFrame, description: Sequence[str], file_stem: str,
                     key: str, lang: str) -> None:
    """CSV and XLSX buttons side by side for ``table`` (what the user sees)."""
    description = list(description)
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        t("trends.download_csv", lang),
        data=functools.partial(csv_bytes, table, description),
        file_name=f"{file_stem}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore",
        type="tertiary")
    row.download_button(
        t("trends.download_xlsx", lang),
        data=functools.partial(xlsx_bytes, table, description,
                               t("trends.sheet_data", lang), t("trends.sheet_filters", lang)),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", on_click="ignore", type="tertiary")


def safe_stem(*parts: str | None) -> str:
    """A file name stem from parts (codes, periods): letters, digits, - and _ only."""
    cleaned = [re.sub(r"[^0-9A-Za-z_-]+", "-", str(p)).strip("-") for p in parts if p]
    return "_".join(p for p in cleaned if p) or "download"
