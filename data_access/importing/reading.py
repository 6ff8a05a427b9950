"""Reading import files: CSV in any of the encodings Chinese offices produce, and XLSX.

A *source* is a file path, a ``(name, bytes)`` pair or an upload object with ``name`` and
``getvalue()`` (Streamlit's UploadedFile). Each source yields one or more
:class:`ParsedSheet` (a CSV is one sheet; an XLSX gives one per worksheet), whose table
is recognised from its header row. Sheets stream their rows in chunks of raw text, so a
million-row CSV never sits in memory whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from data_access.importing.problems import Problem, make_problem
from data_access.importing.specs import TABLES, HeaderMatch, header_score, match_headers
from data_access.importing.values import cell_text

#: Rows read at a time.
CHUNK_ROWS = 100_000
#: Rows searched for the header row (title rows above it are skipped).
HEADER_SEARCH_ROWS = 10
#: Rows kept for the preview.
PREVIEW_ROWS = 20
#: Name of the instructions sheet in the XLSX templates (never imported).
README_SHEET = "说明 README"

_BLOCK = 1 << 20


class SheetReadError(Exception):
    """A row the CSV parser cannot read (too many cells): reported at ``row``."""

    def __init__(self, row: int | None, detail: str) -> None:
        super().__init__(detail)
        self.row = row


class Source:
    """One file to import: a path, a (name, bytes) pair or an upload object."""

    def __init__(self, name: str, *, path: Path | None = None, data: bytes | None = None):
        self.name = name
        self.path = path
        self.data = data
        self._sha256: str | None = None
        self._encoding: str | None = None

    @property
    def kind(self) -> str:
        """"csv", "xlsx" or "xls", from the extension, else from the first bytes."""
        suffix = Path(self.name).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        if suffix == ".xls":
            return "xls"
        if suffix in (".csv", ".txt", ".tsv"):
            return "csv"
        head = self.head(8)
        if head.startswith(b"PK\x03\x04"):
            return "xlsx"
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return "xls"
        return "csv"

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        return open(self.path, "rb")

    def head(self, size: int) -> bytes:
        with self.open() as handle:
            return handle.read(size)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path)

    def _scan(self) -> None:
        """One pass over the bytes: the SHA-256 and whether the text is UTF-8."""
        digest = hashlib.sha256()
        utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        utf8_ok = True
        utf16 = False
        with self.open() as handle:
            first = True
            while block := handle.read(_BLOCK):
                digest.update(block)
                if first:
                    first = False
                    utf16 = block.startswith((b"\xff\xfe", b"\xfe\xff"))
                if utf8_ok and not utf16:
                    try:
                        utf8.decode(block)
                    except UnicodeDecodeError:
                        utf8_ok = False
        if utf8_ok and not utf16:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
        self._sha256 = digest.hexdigest()
        if utf16:
            self._encoding = "utf-16"
        elif utf8_ok:
            self._encoding = "utf-8-sig"
        else:
            self._encoding = "gb18030" if self._decodes("gb18030") else None

    def _decodes(self, encoding: str) -> bool:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with self.open() as handle:
                while block := handle.read(_BLOCK):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            if self.kind == "csv":
                self._scan()
            else:
                digest = hashlib.sha256()
                with self.open() as handle:
                    while block := handle.read(_BLOCK):
                        digest.update(block)
                self._sha256 = digest.hexdigest()
        return self._sha256

    @property
    def encoding(self) -> str | None:
        """utf-8-sig (UTF-8 with or without BOM), gb18030 (GBK), utf-16, or None."""
        if self._sha256 is None:
            self._scan()
        return self._encoding


def as_source(item: object) -> Source:
    """A Source for a path, a (name, bytes) pair or an upload object."""
    if isinstance(item, Source):
        return item
    if isinstance(item, (str, os.PathLike)):
        path = Path(item)
        return Source(path.name, path=path)
    if isinstance(item, tuple) and len(item) == 2:
        name, data = item
        return Source(str(name), data=bytes(data))
    name = getattr(item, "name", None)
    if name is not None and hasattr(item, "getvalue"):
        return Source(Path(str(name)).name, data=bytes(item.getvalue()))
    if name is not None and hasattr(item, "read"):
        return Source(Path(str(name)).name, data=bytes(item.read()))
    raise TypeError(f"cannot import {item!r}: give a path, (name, bytes) or an upload")


@dataclass
class ParsedSheet:
    """One sheet of one file: what it is, what it holds and what is wrong with it.

    ``table`` is the recognised (or chosen) table, None when unrecognised; ``columns``
    maps the table's column names to the headers as written; ``rows`` counts data rows
    (None until counted); ``preview`` holds the first rows as written (index: the row
    numbers a spreadsheet shows); ``problems`` are problems found while reading (a
    missing column, an unknown encoding, …).
    """

    file: str
    sheet: str | None
    table: str | None
    columns: dict[str, str]
    header_row: int
    preview: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rows: int | None = None
    encoding: str | None = None
    source: Source | None = field(default=None, repr=False)
    _positions: dict[str, int] = field(default_factory=dict, repr=False)
    _width: int = field(default=0, repr=False)
    _delimiter: str = field(default=",", repr=False)

    @property
    def importable(self) -> bool:
        """Recognised, and no problem with the file or sheet as a whole."""
        return self.table is not None and not any(
            p.severity == "error" and p.row is None for p in self.problems)

    @property
    def label(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[tuple[pd.DataFrame, float]]:
        """(raw chunk, fraction of the sheet read) pairs.

        A chunk has one column per recognised column (named by column name) holding the
        cells as text, indexed by the spreadsheet row number; empty rows are left out.
        The extra column ``__extra__`` holds the first cell beyond the header, if any.
        """
        if self.source.kind == "csv":
            yield from self._csv_chunks(size)
        else:
            yield from self._xlsx_chunks(size)

    def _csv_chunks(self, size: int) -> Iterator[tuple[pd.DataFrame, float]]:
        # One name beyond the header: a row with one cell too many is read and reported
        # (a trailing empty cell is harmless); more than that stops the parser.
        names = list(range(self._width + 1))
        total = max(self.source.size, 1)
        with self.source.open() as handle:
            reader = pd.read_csv(
                handle, sep=self._delimiter, encoding=self.encoding, header=None,
                names=names, skiprows=self.header_row, dtype=object,
                keep_default_na=False, na_filter=False, skip_blank_lines=False,
                chunksize=size, engine="c", index_col=False)
            try:
                for chunk in reader:
                    chunk.index = chunk.index + self.header_row + 1
                    yield self._shape(chunk), min(handle.tell() / total, 1.0)
            except pd.errors.ParserError as error:
                match = re.search(r"line (\d+)", str(error))
                raise SheetReadError(int(match.group(1)) if match else None, str(error)) from None

    def _xlsx_chunks(self, size: int) -> Iterator[tuple[pd.DataFrame, float]]:
        workbook = _open_workbook(self.source)
        try:
            sheet = workbook[self.sheet]
            total = sheet.max_row or 0
            positions = sorted(set(self._positions.values()))
            rows, numbers = [], []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number <= self.header_row:
                    continue
                cells = [cell_text(values[p]) if p < len(values) else "" for p in positions]
                extra = next((cell_text(v) for v in values[self._width:]
                              if cell_text(v).strip()), "")
                rows.append([*cells, extra])
                numbers.append(number)
                if len(rows) >= size:
                    frame = pd.DataFrame(rows, index=numbers, columns=[*positions, self._width],
                                         dtype=object)
                    yield self._shape(frame), min(number / total, 1.0) if total else 0.5
                    rows, numbers = [], []
            if rows:
                frame = pd.DataFrame(rows, index=numbers, columns=[*positions, self._width],
                                     dtype=object)
                yield self._shape(frame), 1.0
        finally:
            workbook.close()

    def _shape(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Name the columns, drop empty rows."""
        data = {column: frame[position] for column, position in self._positions.items()}
        data["__extra__"] = frame[self._width]
        shaped = pd.DataFrame(data, index=frame.index)
        empty = None
        for column in shaped.columns:
            blank = shaped[column].to_numpy(dtype=object) == ""
            empty = blank if empty is None else (empty & blank)
        return shaped if empty is None or not empty.any() else shaped[~empty]

    def count_rows(self) -> int:
        """Count the data rows (a pass over the sheet); stored in ``rows``."""
        if self.rows is None:
            self.rows = sum(len(chunk) for chunk, _ in self.chunks())
        return self.rows


def _open_workbook(source: Source):
    import openpyxl

    handle = source.path if source.path is not None else io.BytesIO(source.data)
    return openpyxl.load_workbook(handle, read_only=True, data_only=True)


def _header_problems(sheet: ParsedSheet, match: HeaderMatch) -> list[Problem]:
    """Missing, duplicated and unknown columns of a recognised sheet."""
    spec = TABLES[match.table]
    located = {"file": sheet.file, "sheet": sheet.sheet, "table": match.table}
    problems = [
        make_problem("missing_column", column=spec.by_name[name].header(), **located)
        for name in spec.required if name not in match.columns
    ]
    for name, header in match.duplicates:
        problems.append(make_problem("duplicate_column", column=header, row=sheet.header_row,
                                     other=match.headers[name], **located))
    for _, header in match.unknown:
        problems.append(make_problem("unknown_column", column=header, row=sheet.header_row,
                                     severity="warning", table=match.table,
                                     table_zh=spec.zh, file=sheet.file, sheet=sheet.sheet))
    return problems


def _unique_names(header: list[str]) -> list[str]:
    """Preview column names: as written, numbered when blank or repeated (a table
    widget needs unique names)."""
    names, seen = [], set()
    for number, name in enumerate(header, start=1):
        candidate = name or f"({number})"
        while candidate in seen:
            candidate = f"{candidate} ({number})"
        seen.add(candidate)
        names.append(candidate)
    return names


def _find_header(rows: list[list[object]]) -> int:
    """Index of the header row among the first rows: the first with ≥ 2 known headers."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if header_score(row) >= 2:
            return index
    return 0


def _build_sheet(source: Source, sheet_name: str | None, head: list[list[object]],
                 table: str | None, encoding: str | None = None,
                 delimiter: str = ",") -> ParsedSheet:
    """Recognise a sheet from its first rows (already read as lists of cells)."""
    located = {"file": source.name, "sheet": sheet_name}
    nonempty = [row for row in head if any(cell_text(c).strip() for c in row)]
    if not nonempty:
        return ParsedSheet(source.name, sheet_name, None, {}, 0, pd.DataFrame(), [
            make_problem("empty_sheet", severity="error" if sheet_name is None else "warning",
                         **located)], rows=0, encoding=encoding, source=source)
    index = _find_header(head)
    header = [cell_text(c).strip() for c in head[index]]
    if sheet_name is not None:  # xlsx: trailing empty cells are formatting only
        while header and not header[-1]:
            header.pop()
    match = match_headers(header, table)
    header_row = index + 1
    body = [[cell_text(c) for c in row[:len(header)]] for row in head[index + 1:]]
    body_rows = [(index + 2 + n, row + [""] * (len(header) - len(row)))
                 for n, row in enumerate(body) if any(c.strip() for c in row)]
    preview = pd.DataFrame([row for _, row in body_rows[:PREVIEW_ROWS]],
                           index=[n for n, _ in body_rows[:PREVIEW_ROWS]],
                           columns=pd.Index(_unique_names(header), dtype=object))
    sheet = ParsedSheet(source.name, sheet_name, match.table, dict(match.headers), header_row,
                        preview, encoding=encoding, source=source,
                        _positions=dict(match.columns), _width=len(header),
                        _delimiter=delimiter)
    if match.table is None:
        if match.candidates:
            sheet.problems.append(make_problem(
                "ambiguous_table", tables=", ".join(match.candidates), **located))
        elif sheet_name is None:
            sheet.problems.append(make_problem("unrecognised_table", **located))
        else:
            sheet.problems.append(make_problem("unrecognised_sheet", severity="warning",
                                               **located))
        return sheet
    sheet.problems.extend(_header_problems(sheet, match))
    return sheet


def _sniff_delimiter(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_sheets(source: Source, table: str | None) -> list[ParsedSheet]:
    located = {"file": source.name, "sheet": None}
    encoding = source.encoding
    if encoding is None:
        return [ParsedSheet(source.name, None, None, {}, 0, pd.DataFrame(),
                            [make_problem("unknown_encoding", **located)], source=source)]
    with source.open() as handle:
        raw = handle.read(256 * 1024)
    text = raw.decode(encoding, errors="ignore")
    if raw and len(raw) == 256 * 1024:  # cut at the last complete line
        text = text[:text.rfind("\n") + 1] or text
    if "\x00" in text:
        return [ParsedSheet(source.name, None, None, {}, 0, pd.DataFrame(),
                            [make_problem("unreadable_file", detail="binary data", **located)],
                            source=source)]
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    try:
        head = [row for _, row in zip(range(HEADER_SEARCH_ROWS + PREVIEW_ROWS + 5),
                                      csv.reader(io.StringIO(text), delimiter=delimiter))]
    except csv.Error as error:
        return [ParsedSheet(source.name, None, None, {}, 0, pd.DataFrame(),
                            [make_problem("unreadable_file", detail=str(error), **located)],
                            source=source)]
    return [_build_sheet(source, None, head, table, encoding, delimiter)]


def _xlsx_sheets(source: Source, table: str | None) -> list[ParsedSheet]:
    located = {"file": source.name, "sheet": None}
    try:
        workbook = _open_workbook(source)
    except Exception as error:  # noqa: BLE001 - any failure means "not a readable xlsx"
        return [ParsedSheet(source.name, None, None, {}, 0, pd.DataFrame(),
                            [make_problem("unreadable_file", detail=type(error).__name__,
                                          **located)], source=source)]
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            if worksheet.title == README_SHEET:
                continue
            head = []
            for row in worksheet.iter_rows(values_only=True):
                head.append(list(row))
                if len(head) >= HEADER_SEARCH_ROWS + PREVIEW_ROWS + 5:
                    break
            sheets.append(_build_sheet(source, worksheet.title, head, table))
    finally:
        workbook.close()
    if sheets and all(s.table is None for s in sheets):
        sheets[0].problems.append(make_problem(
            "unrecognised_table", **located))
    return sheets


def open_sheets(items: Iterable[object], table: str | dict[str, str] | None = None
                ) -> list[ParsedSheet]:
    """Recognise every sheet of every file (without reading the rows).

    ``table`` forces the table of every sheet (a table name), or of named files (a dict
    {file name: table}).
    """
    sheets: list[ParsedSheet] = []
    for item in items:
        source = as_source(item)
        chosen = table.get(source.name) if isinstance(table, dict) else table
        kind = source.kind
        if kind == "xls":
            sheets.append(ParsedSheet(source.name, None, None, {}, 0, pd.DataFrame(),
                                      [make_problem("old_xls", file=source.name)],
                                      source=source))
        elif kind == "xlsx":
            sheets.extend(_xlsx_sheets(source, chosen))
        else:
            sheets.extend(_csv_sheets(source, chosen))
    return sheets


def read_files(items: Iterable[object], table: str | dict[str, str] | None = None,
               count_rows: bool = True) -> list[ParsedSheet]:
    """Recognise and preview every sheet of every file: what the import page shows first.

    ``items``: paths, (name, bytes) pairs or uploads. With ``count_rows`` each importable
    sheet's ``rows`` is counted (a pass over the data).
    """
    sheets = open_sheets(items, table)
    if count_rows:
        for sheet in sheets:
            if sheet.table is not None:
                sheet.count_rows()
    return sheets
