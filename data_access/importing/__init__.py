"""Importing the bureau's spreadsheets (CSV and XLSX) into the database.

The import page and the CLI use these functions only:

``read_files(files, table=None) -> list[ParsedSheet]``
    Recognise every sheet of every file and preview it: file, sheet, recognised
    ``table``, ``rows``, ``columns`` (column → header as written), ``preview``
    (DataFrame of the first rows, indexed by spreadsheet row number) and reading
    ``problems`` (unrecognised sheet, missing column, unknown encoding, …).
``validate(engine, files, table=None, progress=None) -> list[Problem]``
    Every problem, nothing written. A Problem has file, sheet, row (spreadsheet row,
    header = row 1), column (header as written), value (as written; phone numbers
    masked), reason_en, reason_zh, code and severity ("error" blocks, "warning" not).
``import_files(engine, files, dry_run=False, user=None, progress=None, table=None)
-> ImportReport``
    Validate, then write every file in one transaction (companies, estates, then the
    rest), upserting on natural keys, refreshing the summary tables and logging one
    import_log row per file and table. Any error: nothing is written. The report has
    ``ok``, ``committed``, ``results`` (per sheet: rows, inserted, updated, unchanged,
    rejected), ``totals()``, ``problems``, ``error_count``, ``problems_frame(lang)``.
``write_template(table, fmt) -> bytes`` / ``write_all_templates(directory)``
    Blank templates (fmt "csv" or "xlsx").
``export_table(engine, table, fmt, lang="en") -> bytes``
    A table in the import format; it imports back unchanged. Complaints include the
    complainant's phone (personal data): for the bureau's own use only.

``files`` may hold file paths, ``(name, bytes)`` pairs and uploads (objects with ``name``
and ``getvalue()``, like Streamlit's UploadedFile). ``progress(fraction, message)`` is
called with a fraction 0–1 for a progress bar. ``TABLES`` describes every table's
columns (English and Chinese headers, required, kind).
"""

from data_access.importing.export import export_table, write_export
from data_access.importing.problems import Problem, problems_frame
from data_access.importing.reading import ParsedSheet, read_files
from data_access.importing.specs import TABLE_ORDER, TABLES, table_named
from data_access.importing.templates import write_all_templates, write_template
from data_access.importing.writing import ImportReport, SheetResult, import_files, validate

__all__ = [
    "ImportReport",
    "ParsedSheet",
    "Problem",
    "SheetResult",
    "TABLES",
    "TABLE_ORDER",
    "export_table",
    "import_files",
    "problems_frame",
    "read_files",
    "table_named",
    "validate",
    "write_all_templates",
    "write_export",
    "write_template",
]
