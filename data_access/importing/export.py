"""Exporting a raw table in the import format, so that the file imports back unchanged.

This is the bureau's own data, not a public export: the complaints export includes the
complainant's phone number (personal data). Public exports go through the pages'
queries, which never select personal columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import Engine, select

from data_access.importing.specs import CODE_SETS, TABLES
from data_access.schema import (
    ASSESSMENT_DIMENSIONS,
    assessment,
    community,
    company,
    complaint,
    district,
    estate,
    fee_month,
    street,
    survey,
)

EXPORT_BATCH_ROWS = 50_000
XLSX_MAX_ROWS = 1_048_575


def export_columns(table: str) -> list[str]:
    """Columns of an export: the template's, plus company_code for complaints."""
    return [column.name for column in TABLES[table].columns]


def _statement(table: str):
    e = estate.alias("e")
    c = company.alias("c")
    if table == "companies":
        return select(company.c.code, company.c.name, company.c.registered_on,
                      company.c.party_org).order_by(company.c.code)
    if table == "estates":
        return (select(estate.c.code, estate.c.name, district.c.name, street.c.name,
                       community.c.name, estate.c.address, estate.c.longitude,
                       estate.c.latitude, estate.c.households, estate.c.floor_area_m2,
                       estate.c.build_year, estate.c.fee_yuan_m2_month,
                       estate.c.management_mode, c.c.code, estate.c.owners_committee,
                       estate.c.committee_formed_on, estate.c.party_org, estate.c.smart_star)
                .join(street, street.c.id == estate.c.street_id)
                .join(district, district.c.id == street.c.district_id)
                .outerjoin(community, community.c.id == estate.c.community_id)
                .outerjoin(c, c.c.id == estate.c.company_id)
                .order_by(estate.c.code))
    if table == "fees":
        return (select(e.c.code, fee_month.c.month, fee_month.c.households_billed,
                       fee_month.c.households_paid, fee_month.c.amount_billed_yuan,
                       fee_month.c.amount_collected_yuan)
                .join(e, e.c.id == fee_month.c.estate_id)
                .order_by(e.c.code, fee_month.c.month))
    if table == "surveys":
        return (select(e.c.code, survey.c.period, survey.c.respondents, survey.c.satisfied)
                .join(e, e.c.id == survey.c.estate_id).order_by(e.c.code, survey.c.period))
    if table == "complaints":
        return (select(complaint.c.code, e.c.code, complaint.c.received_at, complaint.c.channel,
                       complaint.c.category, complaint.c.responded_at, complaint.c.resolved_at,
                       complaint.c.resolved_level, complaint.c.resident_satisfied,
                       complaint.c.complainant_phone, c.c.code)
                .join(e, e.c.id == complaint.c.estate_id)
                .outerjoin(c, c.c.id == complaint.c.company_id)
                .order_by(complaint.c.code))
    if table == "assessments":
        return (select(e.c.code, c.c.code, assessment.c.quarter, assessment.c.assessor,
                       *[assessment.c[d] for d in ASSESSMENT_DIMENSIONS])
                .join(e, e.c.id == assessment.c.estate_id)
                .outerjoin(c, c.c.id == assessment.c.company_id)
                .order_by(e.c.code, assessment.c.quarter, assessment.c.assessor))
    raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")


def _text(value: object, kind: str, code_set: str | None, lang: str) -> str:
    """A value as the import reads it back exactly."""
    if value is None:
        return ""
    if kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if kind in ("code", "category") and lang == "zh":
        names = CODE_SETS[code_set or "category"]
        return names[value][0] if value in names else str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f" if value.microsecond
                              else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    return str(value)


def _rows(engine: Engine, table: str) -> Iterator[tuple]:
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=EXPORT_BATCH_ROWS).execute(_statement(table))
        for partition in result.partitions():
            yield from partition


def write_export(engine: Engine, table: str, fmt: str, handle: BinaryIO,
                 lang: str = "en") -> int:
    """Write ``table`` as CSV (UTF-8 with BOM) or XLSX to a binary ``handle``; returns
    the number of rows. Headers are the English column names (``lang="en"``) or the
    Chinese ones (``"zh"``, which also writes coded values and yes/no in Chinese)."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    columns = TABLES[table].columns
    headers = [c.zh if lang == "zh" else c.name for c in columns]
    if fmt == "csv":
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(headers)
        count = 0
        for row in _rows(engine, table):
            writer.writerow([_text(v, c.kind, c.code_set, lang) for v, c in zip(row, columns)])
            count += 1
        text.flush()
        text.detach()
        return count
    if fmt == "xlsx":
        return _write_xlsx(engine, table, handle, headers, lang)
    raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")


def _write_xlsx(engine: Engine, table: str, handle: BinaryIO, headers: list[str],
                lang: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    columns = TABLES[table].columns
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"{TABLES[table].zh} {table}"[:31])
    sheet.append(headers)
    count = 0
    for row in _rows(engine, table):
        count += 1
        if count > XLSX_MAX_ROWS:
            raise ValueError(f"{table} has more rows than a worksheet holds: export as CSV")
        cells = []
        for value, column in zip(row, columns):
            if isinstance(value, dt.datetime) and not value.microsecond:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and column.kind in ("int", "float"):
                cell = WriteOnlyCell(sheet, value)
            else:
                cell = WriteOnlyCell(sheet, _text(value, column.kind, column.code_set, lang))
            cells.append(cell)
        sheet.append(cells)
    workbook.save(handle)
    return count


def export_table(engine: Engine, table: str, fmt: str, lang: str = "en") -> bytes:
    """``table`` as CSV or XLSX bytes that import back unchanged (see write_export)."""
    buffer = io.BytesIO()
    write_export(engine, table, fmt, buffer, lang)
    return buffer.getvalue()
