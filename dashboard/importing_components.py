"""The import page's building blocks: templates, upload → recognition → preview →
validation report → dry-run counts → confirmed import, and the import history.

The pure functions (``analyse``, ``recognised_table``, ``masked_preview``,
``problems_table``, ``ready_counts``, ``results_table``, ``history_table``,
``run_import``, ``table_csv``/``table_xlsx``) take plain inputs — files as
``(name, bytes)`` pairs or Streamlit uploads — and are tested directly; the ``*_section``
functions render with Streamlit.

Personal data: complainant phone numbers never reach the screen. The importer masks them
in its problems; the preview (the raw file content) is masked here, in the phone column
and wherever a mobile number appears in another column.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import components, data, importing_data
from dashboard.i18n import t
from data_access.importing import (
    TABLE_ORDER,
    ImportReport,
    ParsedSheet,
    import_files,
    read_files,
)
from data_access.importing.reading import PREVIEW_ROWS
from data_access.importing.specs import header_column
from data_access.importing.values import mask_phone

log = logging.getLogger("dashboard.importing")

KEY_UPLOAD = "importing_upload"
KEY_TABLE = "importing_table"
KEY_CONFIRM = "importing_confirm"
KEY_ZIP = "importing_templates_zip"
#: Session-state key of the current upload's analysis and import result (not a widget).
STATE_KEY = "_importing"
HISTORY_LIMIT = 200
AUTO = ""  # option value of "recognise the table from the headers"

Progress = Callable[[float, str], None]

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_CHECKING = re.compile(r"^checking (.+): ([\d,]+) rows$")
_WRITING = re.compile(r"^writing: ([\d,]+) of ([\d,]+) rows$")


# --- labels -------------------------------------------------------------------------------------

def table_label(table: str | None, lang: str) -> str:
    """'投诉 / Complaints' for a table name; '未识别' for None."""
    labels = {
        "companies": t("importing.table.companies", lang),
        "estates": t("importing.table.estates", lang),
        "fees": t("importing.table.fees", lang),
        "surveys": t("importing.table.surveys", lang),
        "complaints": t("importing.table.complaints", lang),
        "assessments": t("importing.table.assessments", lang),
    }
    if table is None:
        return t("importing.unknown", lang)
    return labels.get(table, table)


def _severity_label(severity: str, lang: str) -> str:
    if severity == "error":
        return t("importing.severity.error", lang)
    return t("importing.severity.warning", lang)


def _status_label(status: str, lang: str) -> str:
    labels = {
        "imported": t("importing.history_status.imported", lang),
        "rejected": t("importing.history_status.rejected", lang),
        "dry_run": t("importing.history_status.dry_run", lang),
    }
    return labels.get(status, status)


def encoding_label(encoding: str | None, sheet: str | None) -> str:
    """How the file was read: UTF-8, GBK/GB18030, UTF-16, or XLSX for a worksheet."""
    if sheet is not None:
        return "XLSX"
    return {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}.get(
        encoding or "", "—")


def progress_text(message: str, lang: str) -> str:
    """The importer's progress message (English) in ``lang``."""
    if message == "reading files":
        return t("importing.progress.reading", lang)
    if match := _CHECKING.match(message):
        return t("importing.progress.checking", lang, label=match.group(1), rows=match.group(2))
    if match := _WRITING.match(message):
        return t("importing.progress.writing", lang, done=match.group(1), total=match.group(2))
    if message == "refreshing summary tables":
        return t("importing.progress.refreshing", lang)
    return t("importing.progress.done", lang)


# --- analysing an upload --------------------------------------------------------------------

@dataclass
class Analysis:
    """What an upload holds and what importing it would do (nothing written yet).

    ``sheets``: every sheet recognised (or not) with its preview; ``report``: the dry
    run's ImportReport (problems, and per sheet the rows that would be inserted, updated
    or left unchanged).
    """

    sheets: list[ParsedSheet]
    report: ImportReport

    @property
    def ready(self) -> bool:
        """No error and at least one row to import: the confirm button may be offered."""
        return self.report.ok and any(r.rows for r in self.report.results)

    @property
    def file_names(self) -> list[str]:
        return list(dict.fromkeys(sheet.file for sheet in self.sheets))


def file_pairs(files: Sequence[object]) -> list[tuple[str, bytes]]:
    """(name, bytes) for uploads or pairs: read once, reused by every step."""
    pairs = []
    for item in files:
        if isinstance(item, tuple):
            pairs.append((str(item[0]), bytes(item[1])))
        else:
            pairs.append((str(item.name), bytes(item.getvalue())))
    return pairs


def upload_signature(files: Sequence[tuple[str, bytes]], table: str | None) -> tuple:
    """Identifies an upload (names, contents, chosen table): a new one is analysed anew."""
    return (table or "", *((name, hashlib.sha256(content).hexdigest()) for name, content in files))


def analyse(engine: Engine, files: Sequence[object], table: str | None = None,
            progress: Progress | None = None) -> Analysis:
    """Recognise and preview every sheet, then validate and count by a dry run."""
    pairs = file_pairs(files)
    sheets = read_files(pairs, table or None, count_rows=False)
    report = import_files(engine, pairs, dry_run=True, table=table or None, progress=progress)
    return Analysis(sheets, report)


def run_import(engine: Engine, files: Sequence[object], table: str | None = None,
               progress: Progress | None = None) -> ImportReport:
    """Import for real (one transaction). Who imports is blank until login exists."""
    return import_files(engine, file_pairs(files), table=table or None, progress=progress,
                        user=None)


def ready_counts(report: ImportReport) -> dict[str, int]:
    """Rows, inserted, updated, unchanged and rejected over every sheet."""
    counts = dict.fromkeys(("rows", "inserted", "updated", "unchanged", "rejected"), 0)
    for result in report.results:
        for name in counts:
            counts[name] += getattr(result, name)
    return counts


def _count_text(counts: dict[str, int]) -> dict[str, str]:
    return {name: f"{value:,}" for name, value in counts.items()}


def ready_message(report: ImportReport, lang: str) -> str:
    """'校验通过：共2行可导入，其中新增2行、更新0行、无变化0行。…'"""
    counts = _count_text(ready_counts(report))
    return t("importing.ready", lang, rows=counts["rows"], inserted=counts["inserted"],
             updated=counts["updated"], unchanged=counts["unchanged"])


def done_message(report: ImportReport, lang: str) -> str:
    counts = _count_text(ready_counts(report))
    return t("importing.done", lang, inserted=counts["inserted"], updated=counts["updated"],
             unchanged=counts["unchanged"])


# --- tables -----------------------------------------------------------------------------------

def recognised_table(analysis: Analysis, lang: str) -> pd.DataFrame:
    """One row per file/sheet: table, rows, encoding and status, headers in ``lang``."""
    rows_of = {(r.file, r.sheet): r.rows for r in analysis.report.results}
    errors: dict[tuple, int] = {}
    warnings: dict[tuple, int] = {}
    for problem in analysis.report.problems:
        target = errors if problem.severity == "error" else warnings
        key = (problem.file, problem.sheet)
        target[key] = target.get(key, 0) + 1
    records = []
    for sheet in analysis.sheets:
        key = (sheet.file, sheet.sheet)
        if sheet.table is None:
            status = (t("importing.status.errors", lang, count=errors[key]) if key in errors
                      else t("importing.status.skipped", lang))
        elif key in errors:
            status = t("importing.status.errors", lang, count=errors[key])
        elif not sheet.importable:
            status = t("importing.status.unreadable", lang)
        elif rows_of.get(key) == 0:
            status = t("importing.status.empty", lang)
        elif key in warnings:
            status = t("importing.status.warnings", lang, count=warnings[key])
        else:
            status = t("importing.status.ok", lang)
        rows = rows_of.get(key)
        records.append({
            t("importing.col.file", lang): sheet.file,
            t("importing.col.sheet", lang): sheet.sheet or "",
            t("importing.col.table", lang): table_label(sheet.table, lang),
            t("importing.col.rows", lang): pd.NA if rows is None else rows,
            t("importing.col.encoding", lang): encoding_label(sheet.encoding, sheet.sheet),
            t("importing.col.status", lang): status,
        })
    frame = pd.DataFrame(records, columns=[
        t("importing.col.file", lang), t("importing.col.sheet", lang),
        t("importing.col.table", lang), t("importing.col.rows", lang),
        t("importing.col.encoding", lang), t("importing.col.status", lang)])
    frame[t("importing.col.rows", lang)] = frame[t("importing.col.rows", lang)].astype("Int64")
    return frame


def _mask_mobiles(value: object) -> object:
    if isinstance(value, str) and _MOBILE.search(value):
        return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)
    return value


def masked_preview(sheet: ParsedSheet) -> pd.DataFrame:
    """The sheet's first rows as written, with phone numbers masked (138****0001).

    A column whose header means complainant_phone (in any table, recognised or not) is
    masked whole; elsewhere any mobile number is masked where it appears.
    """
    preview = sheet.preview.copy()
    phone_headers = {header for header in preview.columns
                     if header_column(header) == "complainant_phone"}
    written = sheet.columns.get("complainant_phone")
    if written in preview.columns:
        phone_headers.add(written)
    for column in preview.columns:
        if column in phone_headers:
            preview[column] = preview[column].map(
                lambda v: mask_phone(v) if isinstance(v, str) and v.strip() else v)
        else:
            preview[column] = preview[column].map(_mask_mobiles)
    return preview


def problems_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """The problems as the user reads them: file, sheet, row, column, value, reason (in
    ``lang``) and severity, headers in ``lang``; values as written, phones masked."""
    frame = report.problems_frame(lang)
    # by file (in upload order; the "N more problems" line last), then sheet, then row
    # (problems with the whole file or sheet first)
    files = list(dict.fromkeys(f for f in frame["file"] if f))
    order = pd.DataFrame({
        "file": [files.index(f) if f in files else len(files) for f in frame["file"]],
        "sheet": frame["sheet"].fillna(""),
        "row": frame["row"].fillna(0).astype("int64")})
    frame = frame.loc[order.sort_values(["file", "sheet", "row"], kind="stable").index]
    out = pd.DataFrame({
        t("importing.col.file", lang): frame["file"],
        t("importing.col.sheet", lang): frame["sheet"].fillna(""),
        t("importing.col.row", lang): frame["row"],
        t("importing.col.column", lang): frame["column"].fillna(""),
        t("importing.col.value", lang): frame["value"].fillna(""),
        t("importing.col.reason", lang): frame["reason"],
        t("importing.col.severity", lang): [_severity_label(s, lang) for s in frame["severity"]],
    })
    return out.reset_index(drop=True)


def results_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """Per file/sheet: table, rows, new, updated, unchanged, rejected; headers in ``lang``."""
    columns = [t("importing.col.file", lang), t("importing.col.sheet", lang),
               t("importing.col.table", lang), t("importing.col.rows", lang),
               t("importing.col.inserted", lang), t("importing.col.updated", lang),
               t("importing.col.unchanged", lang), t("importing.col.rejected", lang)]
    records = [(r.file, r.sheet or "", table_label(r.table, lang), r.rows, r.inserted,
                r.updated, r.unchanged, r.rejected) for r in report.results]
    return pd.DataFrame(records, columns=columns)


def history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The import history as shown: time, who (blank until login), file, short hash,
    table, counts and status; headers in ``lang``."""
    when = history["imported_at"]
    return pd.DataFrame({
        t("importing.col.when", lang): [
            "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S") for v in when],
        t("importing.col.who", lang): history["imported_by"].fillna(""),
        t("importing.col.file", lang): history["file_name"],
        t("importing.col.hash", lang): history["file_sha256"].str.slice(0, 12),
        t("importing.col.table", lang): [table_label(v, lang) for v in history["table_name"]],
        t("importing.col.inserted", lang): history["rows_inserted"],
        t("importing.col.updated", lang): history["rows_updated"],
        t("importing.col.unchanged", lang): history["rows_unchanged"],
        t("importing.col.rejected", lang): history["rows_rejected"],
        t("importing.col.status", lang): [_status_label(v, lang) for v in history["status"]],
    })


def table_csv(table: pd.DataFrame, description: str) -> bytes:
    """CSV (UTF-8 with BOM) whose first line describes what it holds."""
    return components.table_csv(table, description)


def table_xlsx(table: pd.DataFrame, description: str) -> bytes:
    """XLSX with the description in A1 and the table from row 3."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, startrow=2, sheet_name="report")
        sheet = writer.sheets["report"]
        sheet["A1"] = description
        for number, column in enumerate(table.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
            sheet.column_dimensions[sheet.cell(row=3, column=number).column_letter].width = \
                min(max(width + 4, 10), 80)
    return buffer.getvalue()


def _files_text(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names)


# --- rendering --------------------------------------------------------------------------------

def _state() -> dict:
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = {}
    return st.session_state[STATE_KEY]


def _progress_bar(lang: str) -> tuple[object, Progress]:
    bar = st.progress(0.0, text=t("importing.progress.reading", lang))

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=progress_text(message, lang))

    return bar, update


def _download_row(table: pd.DataFrame, description: str, stem: str, lang: str,
                  xlsx: bool = False) -> None:
    row = st.container(horizontal=True)
    row.download_button(
        t("importing.download.csv", lang), data=table_csv(table, description),
        file_name=f"{stem}.csv", mime="text/csv", key=f"importing_{stem}_csv",
        on_click="ignore")
    if xlsx:
        row.download_button(
            t("importing.download.xlsx", lang), data=table_xlsx(table, description),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"importing_{stem}_xlsx", on_click="ignore")


def display_ready(table: pd.DataFrame) -> pd.DataFrame:
    """Integer columns with gaps (row of a file-wide problem, rows of an unrecognised
    sheet) as text with blanks: a table widget would print "None"."""
    shown = table.copy()
    for column in shown.columns:
        if isinstance(shown[column].dtype, pd.Int64Dtype) and shown[column].isna().any():
            shown[column] = ["" if pd.isna(v) else str(v) for v in shown[column]]
    return shown


def _show_table(table: pd.DataFrame, key: str) -> None:
    st.dataframe(table, hide_index=True, width="stretch", key=key,
                 height=38 + 35 * min(max(len(table), 1), 12))


def templates_section(lang: str) -> None:
    """The zip of every template, and one CSV and one XLSX button per table."""
    st.subheader(t("importing.templates.header", lang))
    st.caption(t("importing.templates.caption", lang))
    st.download_button(t("importing.templates.zip", lang), data=importing_data.templates_zip(),
                       file_name="red-property-import-templates.zip", mime="application/zip",
                       key=KEY_ZIP, on_click="ignore", type="primary")
    with st.expander(t("importing.templates.each", lang)):
        for table in TABLE_ORDER:
            name, csv_cell, xlsx_cell = st.columns([2, 1, 1], vertical_alignment="center")
            name.markdown(f"**{table_label(table, lang)}** · `{table}`")
            csv_cell.download_button(
                t("importing.templates.csv", lang), data=importing_data.template(table, "csv"),
                file_name=importing_data.template_file_name(table, "csv"), mime="text/csv",
                key=f"importing_template_{table}_csv", on_click="ignore")
            xlsx_cell.download_button(
                t("importing.templates.xlsx", lang), data=importing_data.template(table, "xlsx"),
                file_name=importing_data.template_file_name(table, "xlsx"),
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"importing_template_{table}_xlsx", on_click="ignore")


def _preview_section(analysis: Analysis, lang: str) -> None:
    st.markdown(f"**{t('importing.preview.header', lang)}**")
    st.caption(t("importing.preview.caption", lang, rows=PREVIEW_ROWS))
    sheets = [s for s in analysis.sheets if not s.preview.empty or s.table is not None]
    if not sheets:
        st.info(t("importing.preview.empty", lang))
        return
    tabs = st.tabs([f"{s.label} · {table_label(s.table, lang)}" for s in sheets])
    for number, (tab, sheet) in enumerate(zip(tabs, sheets)):
        with tab:
            preview = masked_preview(sheet)
            if preview.empty:
                st.info(t("importing.preview.empty", lang))
            else:
                st.dataframe(preview, width="stretch", key=f"importing_preview_{number}",
                             height=38 + 35 * min(len(preview), 10))


def _problems_section(analysis: Analysis, report: ImportReport, lang: str) -> None:
    if not report.problems:
        return
    st.markdown(f"**{t('importing.problems.header', lang)}**")
    st.caption(t("importing.problems.caption", lang, errors=f"{report.error_count:,}",
                 warnings=f"{report.warning_count:,}"))
    table = display_ready(problems_table(report, lang))
    _show_table(table, "importing_problems_table")
    _download_row(table, t("importing.download.problems", lang,
                           files=_files_text(analysis.file_names, lang)),
                  "import-problems", lang, xlsx=True)


def _result_section(analysis: Analysis, report: ImportReport, lang: str) -> None:
    st.success(done_message(report, lang))
    st.markdown(f"**{t('importing.result.header', lang)}**")
    table = results_table(report, lang)
    _show_table(table, "importing_result_table")
    _download_row(table, t("importing.download.result", lang,
                           files=_files_text(analysis.file_names, lang)), "import-result", lang)


def upload_section(lang: str) -> None:
    """Uploader and table choice; then recognition, preview, validation report, the
    dry-run counts and the confirm button, or the result of the import."""
    st.subheader(t("importing.upload.header", lang))
    picker, chooser = st.columns([3, 1])
    uploads = picker.file_uploader(
        t("importing.upload.label", lang), type=["csv", "xlsx"], accept_multiple_files=True,
        key=KEY_UPLOAD, help=t("importing.upload.help", lang))
    table = chooser.selectbox(
        t("importing.upload.table_label", lang), [AUTO, *TABLE_ORDER], key=KEY_TABLE,
        format_func=lambda name: table_label(name, lang) if name
        else t("importing.upload.table_auto", lang))
    store = _state()
    if not uploads:
        store.clear()
        st.info(t("importing.upload.empty", lang))
        return
    files = file_pairs(uploads)
    signature = upload_signature(files, table)
    if store.get("signature") != signature:
        store.clear()
        bar, update = _progress_bar(lang)
        try:
            analysis = analyse(data.engine(), files, table, progress=update)
        except Exception:  # noqa: BLE001 - never a traceback on screen
            log.exception("analysing an upload failed")
            bar.empty()
            st.error(t("importing.failed", lang))
            return
        bar.empty()
        store.update(signature=signature, analysis=analysis)
    analysis: Analysis = store["analysis"]

    st.markdown(f"**{t('importing.recognised.header', lang)}**")
    recognised = display_ready(recognised_table(analysis, lang))
    _show_table(recognised, "importing_recognised_table")
    _download_row(recognised, t("importing.download.recognised", lang,
                                files=_files_text(analysis.file_names, lang)),
                  "import-files", lang)
    _preview_section(analysis, lang)

    imported: ImportReport | None = store.get("imported")
    if imported is not None:
        _problems_section(analysis, imported, lang)
        if imported.committed:
            _result_section(analysis, imported, lang)
        else:
            st.error(t("importing.rejected_on_import", lang))
        return

    _problems_section(analysis, analysis.report, lang)
    if not analysis.report.ok:
        st.error(t("importing.blocked", lang, errors=f"{analysis.report.error_count:,}"))
        return
    if not analysis.ready:
        st.warning(t("importing.nothing", lang))
        return
    st.success(ready_message(analysis.report, lang))
    if st.button(t("importing.confirm", lang), type="primary", key=KEY_CONFIRM,
                 help=t("importing.confirm_help", lang)):
        bar, update = _progress_bar(lang)
        try:
            report = run_import(data.engine(), files, table, progress=update)
        except Exception:  # noqa: BLE001 - never a traceback on screen
            log.exception("import failed")
            bar.empty()
            st.error(t("importing.failed", lang))
            return
        store["imported"] = report
        if report.committed:
            st.cache_data.clear()  # every page shows the new data
        st.rerun()


def history_section(lang: str) -> None:
    """The newest imports first: when, who, file, short hash, table, counts, status."""
    st.subheader(t("importing.history.header", lang))
    st.caption(t("importing.history.caption", lang))
    history = importing_data.import_history(HISTORY_LIMIT)
    if history.empty:
        st.info(t("importing.history.empty", lang))
        return
    table = history_table(history, lang)
    _show_table(table, "importing_history_table")
    _download_row(table, t("importing.download.history", lang, limit=HISTORY_LIMIT),
                  "import-history", lang)
