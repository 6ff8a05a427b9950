"""Checking import sheets before anything is written.

:class:`ChunkChecker` turns a chunk of raw text into typed values and reports every
problem with its file, sheet, row, column, value and reason. It is used twice: by the
validation pass (all checks, problems collected) and by the writing pass (parsing only).
State that spans chunks, sheets and files (known codes, keys seen for duplicates) lives
in :class:`Context`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from data_access.importing.problems import Problem, ProblemList, make_problem
from data_access.importing.reading import CHUNK_ROWS, ParsedSheet, SheetReadError
from data_access.importing.specs import TABLES, ColumnSpec, accepted_values
from data_access.importing.values import clean_present, forget_cleaned, mask_phone, parse_column
from data_access.periods import Period
from data_access.schema import company, estate

EARLIEST = dt.datetime(1949, 1, 1)
#: The working-day calendar (response deadlines) starts here.
CALENDAR_FIRST = dt.datetime(2000, 1, 1)
CHINA_LONGITUDE = (73.0, 136.0)
CHINA_LATITUDE = (3.0, 54.0)
_KEY_SEPARATOR = "\x1f"

Progress = Callable[[float, str], None]

#: China Standard Time (no daylight saving): the clock the bureau's data are written in.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


def china_now() -> dt.datetime:
    """The current time in China, naive (as the imported times are)."""
    return dt.datetime.now(CHINA_TIME).replace(tzinfo=None)


class KeySet:
    """Natural keys seen so far in one table, as 64-bit hashes with where each was first
    seen: memory stays small for millions of rows."""

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.locations = np.empty(0, dtype=np.int64)

    def add(self, hashes: np.ndarray, locations: np.ndarray) -> np.ndarray:
        """Record keys; return for each the location of an earlier equal key, or -1."""
        first = np.full(len(hashes), -1, dtype=np.int64)
        if len(self.hashes):
            positions = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
            found = self.hashes[positions] == hashes
            first[found] = self.locations[positions[found]]
        repeated = pd.Series(hashes).duplicated(keep="first").to_numpy()
        if repeated.any():
            first_position = pd.Series(np.arange(len(hashes))).groupby(hashes).transform(
                "min").to_numpy()
            within = repeated & (first == -1)
            first[within] = locations[first_position[within]]
        new = (first == -1) & ~repeated
        if new.any():
            hashes_all = np.concatenate([self.hashes, hashes[new]])
            locations_all = np.concatenate([self.locations, locations[new]])
            order = np.argsort(hashes_all, kind="stable")
            self.hashes, self.locations = hashes_all[order], locations_all[order]
        return first


class Context:
    """What validation knows across sheets: codes in the database and in this import,
    keys seen per table, the problems found, and 'now'."""

    def __init__(self, estate_codes: set[str], company_codes: set[str],
                 now: dt.datetime | None = None, problems: ProblemList | None = None) -> None:
        self.now = now or china_now()
        self.estates = set(estate_codes)
        self.companies = set(company_codes)
        self.keys: dict[str, KeySet] = {}
        self.places: list[tuple[str, str | None]] = []
        self.problems = problems or ProblemList()

    @classmethod
    def load(cls, conn: Connection, now: dt.datetime | None = None,
             problems: ProblemList | None = None) -> "Context":
        estates = set(conn.execute(select(estate.c.code)).scalars())
        companies = set(conn.execute(select(company.c.code)).scalars())
        return cls(estates, companies, now, problems)

    @property
    def current_month(self) -> str:
        return self.now.strftime("%Y-%m")

    def place_id(self, file: str, sheet: str | None) -> int:
        place = (file, sheet)
        if place not in self.places:
            self.places.append(place)
        return self.places.index(place)


def _first_month(key: str) -> str:
    return Period.parse(key).first_month


class ChunkChecker:
    """Parses and checks the chunks of one sheet."""

    def __init__(self, sheet: ParsedSheet, context: Context, *, full: bool = True) -> None:
        self.sheet = sheet
        self.spec = TABLES[sheet.table]
        self.context = context
        self.full = full
        self.columns = [c for c in self.spec.columns if c.name in sheet.columns]
        self.place = context.place_id(sheet.file, sheet.sheet)

    # -- problem reporting -------------------------------------------------------------

    def _header(self, name: str) -> str:
        if name in self.sheet.columns:
            return self.sheet.columns[name]
        return self.spec.by_name[name].header()

    def _emit(self, code: str, mask: pd.Series, column: str | None,
              value: pd.Series | None = None, header: str | None = None, **details) -> None:
        """Report ``code`` at every row of ``mask`` (counted; the first few kept)."""
        raw = self._raw
        if mask.dtype != bool:
            mask = mask.fillna(False).astype(bool)
        count = int(mask.sum())
        if not count:
            return
        self._bad |= mask
        problems = self.context.problems
        problems.count("error", count)
        header = header or (self._header(column) if column else None)
        room = problems.room((self.sheet.file, self.sheet.sheet, header, code))
        if not room:
            return
        if value is None and column is not None:
            value = raw[column] if column in raw else pd.Series("", index=raw.index)
        phone = column is not None and self.spec.by_name[column].kind == "phone"
        positions = np.flatnonzero(mask.to_numpy())[:room]
        per_row = {key: val for key, val in details.items() if isinstance(val, pd.Series)}
        fixed = {key: val for key, val in details.items() if key not in per_row}
        for position in positions:
            text = None if value is None else value.iloc[position]
            if phone and text is not None:
                text = mask_phone(text)
            row_details = {key: series.iloc[position] for key, series in per_row.items()}
            problems.add(make_problem(
                code, file=self.sheet.file, sheet=self.sheet.sheet,
                row=int(raw.index[position]), column=header, value=text,
                table=self.sheet.table, **fixed, **row_details), counted=False)

    # -- the checks --------------------------------------------------------------------

    def check(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """Typed values of a raw chunk (one column per column present, NA for blanks)
        and the mask of rows with an error, both without the rows of spaces only."""
        forget_cleaned()
        cleaned = {column.name: clean_present(raw[column.name]) for column in self.columns}
        extra = clean_present(raw["__extra__"])[1] if "__extra__" in raw else None
        blank = pd.Series(True, index=raw.index)
        for _, filled in cleaned.values():
            blank &= ~filled
        if extra is not None:
            blank &= ~extra
        if blank.any():  # rows of spaces only count as empty rows
            keep = ~blank
            raw = raw[keep]
            cleaned = {name: (text[keep], filled[keep]) for name, (text, filled) in
                       cleaned.items()}
            extra = extra[keep] if extra is not None else None
        self._raw = raw
        self._bad = bad = pd.Series(False, index=raw.index)
        typed: dict[str, pd.Series] = {}
        emit = self._emit
        for column in self.columns:
            text, filled = cleaned[column.name]
            if column.required:
                emit("missing_value", ~filled, column.name)
            parsed = parse_column(column.kind, text, filled, code_set=column.code_set,
                                  max_length=column.max_length)
            for code, mask in parsed.errors:
                details = {}
                if code == "unknown_code":
                    details["accepted"] = accepted_values(column.code_set)
                if code == "too_long":
                    details["max_length"] = column.max_length
                emit(code, mask, column.name, **details)
            typed[column.name] = parsed.values
            if self.full:
                self._check_range(column, parsed.values, emit)
        if self.full and extra is not None:
            emit("extra_cells", extra, None, value=raw["__extra__"])
        frame = pd.DataFrame(typed, index=raw.index)
        if self.full:
            self._check_rows(frame, raw, emit)
            self._check_references(frame, emit)
            self._check_duplicates(frame, raw, emit)
            self._collect_codes(frame)
        return frame, bad

    def _check_range(self, column: ColumnSpec, values: pd.Series, emit) -> None:
        name = column.name
        if column.kind in ("int", "float"):
            numbers = values.astype("Float64")
            if column.minimum is not None:
                emit("negative" if column.minimum == 0 else "below_min",
                     (numbers < column.minimum).fillna(False), name,
                     minimum=_number_text(column.minimum))
            if column.maximum is not None:
                emit("above_max", (numbers > column.maximum).fillna(False), name,
                     maximum=_number_text(column.maximum))
            if name == "build_year":
                emit("future", (numbers > self.context.now.year).fillna(False), name)
        elif column.kind in ("date", "datetime"):
            limit = (pd.Timestamp(self.context.now) if column.kind == "datetime"
                     else pd.Timestamp(self.context.now.date()))
            emit("future", (values > limit).fillna(False), name)
            emit("before_1949", (values < pd.Timestamp(EARLIEST)).fillna(False), name)
        elif column.kind in ("month", "quarter", "period"):
            firsts = values.map(_first_month, na_action="ignore")
            emit("future", (firsts > self.context.current_month).fillna(False), name)
            emit("before_1949", (firsts < "1949-01").fillna(False), name)

    def _check_rows(self, frame: pd.DataFrame, raw: pd.DataFrame, emit) -> None:
        table = self.sheet.table
        if table == "estates":
            self._check_coordinates(frame, emit)
            mode = frame.get("management_mode")
            company_code = frame.get("company_code", pd.Series(pd.NA, index=frame.index,
                                                                 dtype=object))
            if mode is not None:
                managed = mode.isin(["professional", "bundle"])
                emit("company_needed", managed & company_code.isna(), "company_code")
                emit("no_company_expected",
                     mode.isin(["self", "unmanaged"]) & company_code.notna(), "company_code")
            if "committee_formed_on" in frame and "owners_committee" in frame:
                emit("committee_contradiction",
                     frame["committee_formed_on"].notna()
                     & (frame["owners_committee"] == False).fillna(False),  # noqa: E712
                     "committee_formed_on")
        elif table == "fees" and {"households_billed", "households_paid"} <= set(frame):
            billed, paid = frame["households_billed"], frame["households_paid"]
            emit("paid_over_billed", ((paid > billed) & (billed >= 0)).fillna(False),
                 "households_paid",
                 billed=raw.get("households_billed"))
        elif table == "surveys" and {"respondents", "satisfied"} <= set(frame):
            emit("satisfied_over_respondents",
                 ((frame["satisfied"] > frame["respondents"]) & (frame["respondents"] >= 0))
                 .fillna(False), "satisfied",
                 respondents=raw.get("respondents"))
        elif table == "complaints" and "received_at" in frame:
            received = frame["received_at"]
            emit("before_2000", ((received < pd.Timestamp(CALENDAR_FIRST))
                                 & (received >= pd.Timestamp(EARLIEST))).fillna(False),
                 "received_at")
            for column, code in (("responded_at", "responded_before_received"),
                                 ("resolved_at", "resolved_before_received")):
                if column in frame:
                    emit(code, (frame[column] < received).fillna(False), column,
                         received=raw["received_at"])

    def _check_coordinates(self, frame: pd.DataFrame, emit) -> None:
        lon = frame.get("longitude")
        lat = frame.get("latitude")
        if lon is None and lat is None:
            return
        if lon is None or lat is None:
            given = "longitude" if lon is not None else "latitude"
            emit("coordinate_pair", frame[given].notna(), given)
            return
        both = lon.notna() & lat.notna()
        emit("coordinate_pair", lon.notna() & lat.isna(), "longitude")
        emit("coordinate_pair", lat.notna() & lon.isna(), "latitude")

        def inside(values, bounds):
            return (values >= bounds[0]) & (values <= bounds[1])

        lon_ok, lat_ok = inside(lon, CHINA_LONGITUDE), inside(lat, CHINA_LATITUDE)
        swapped = both & ~(lon_ok & lat_ok) & inside(lat, CHINA_LONGITUDE) & inside(
            lon, CHINA_LATITUDE)
        emit("swapped_coordinates", swapped.fillna(False), "longitude")
        emit("outside_china", (both & ~swapped & ~lon_ok).fillna(False), "longitude")
        emit("outside_china", (both & ~swapped & ~lat_ok).fillna(False), "latitude")

    def _check_references(self, frame: pd.DataFrame, emit) -> None:
        table = self.sheet.table
        if table != "estates" and table != "companies" and "estate_code" in frame:
            codes = frame["estate_code"]
            emit("unknown_estate", codes.notna() & ~codes.isin(self.context.estates),
                 "estate_code")
        if table != "companies" and "company_code" in frame:
            codes = frame["company_code"]
            emit("unknown_company", codes.notna() & ~codes.isin(self.context.companies),
                 "company_code")

    def _check_duplicates(self, frame: pd.DataFrame, raw: pd.DataFrame, emit) -> None:
        key = self.spec.key
        if not set(key) <= set(frame):
            return
        complete = pd.Series(True, index=frame.index)
        for column in key:
            complete &= frame[column].notna()
        if not complete.any():
            return
        joined = frame.loc[complete, key[0]].astype(str)
        for column in key[1:]:
            joined = joined + _KEY_SEPARATOR + frame.loc[complete, column].astype(str)
        hashes = pd.util.hash_array(joined.to_numpy(dtype=object))
        rows = frame.index[complete].to_numpy(dtype=np.int64)
        locations = (np.int64(self.place) << 32) + rows
        keyset = self.context.keys.setdefault(self.sheet.table, KeySet())
        first = keyset.add(hashes, locations)
        duplicate = pd.Series(False, index=frame.index)
        duplicate[complete] = first >= 0
        if not duplicate.any():
            return
        first_all = np.full(len(frame), -1, dtype=np.int64)
        first_all[complete.to_numpy()] = first
        places = first_all >> 32
        first_row = pd.Series((first_all & 0xFFFFFFFF).astype(str), index=frame.index)
        elsewhere, elsewhere_zh = [], []
        for place in places:
            if place < 0 or place == self.place:
                elsewhere.append("")
                elsewhere_zh.append("")
            else:
                file, sheet = self.context.places[place]
                label = f"{file} [{sheet}]" if sheet else file
                elsewhere.append(f" in {label}")
                elsewhere_zh.append(f"{label}的")
        value = raw[key[0]].astype(str)
        for column in key[1:]:
            value = value + ", " + raw[column].astype(str)
        # the key may span several columns: report it under the joined headers
        emit("duplicate_key", duplicate, None, value=value,
             header=", ".join(self._header(c) for c in key), first_row=first_row,
             elsewhere=pd.Series(elsewhere, index=frame.index),
             elsewhere_zh=pd.Series(elsewhere_zh, index=frame.index))

    def _collect_codes(self, frame: pd.DataFrame) -> None:
        if self.sheet.table == "companies" and "company_code" in frame:
            self.context.companies.update(frame["company_code"].dropna())
        elif self.sheet.table == "estates" and "estate_code" in frame:
            self.context.estates.update(frame["estate_code"].dropna())


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def dependency_order(sheets: list[ParsedSheet]) -> list[ParsedSheet]:
    """Importable sheets in write order: companies, estates, then the rest (file order)."""
    rank = {name: spec.rank for name, spec in TABLES.items()}
    usable = [s for s in sheets if s.importable]
    return sorted(usable, key=lambda s: rank[s.table])


def check_sheets(sheets: list[ParsedSheet], context: Context, *,
                 chunk_rows: int = CHUNK_ROWS, progress: Progress | None = None,
                 span: tuple[float, float] = (0.0, 1.0)) -> dict[int, tuple[int, int]]:
    """Validate every importable sheet; returns {id(sheet): (rows, rejected rows)}.

    Problems found while reading the sheets are added to the context's problem list too.
    """
    for sheet in sheets:
        for problem in sheet.problems:
            context.problems.add(problem)
    ordered = dependency_order(sheets)
    weights = [max(s.source.size, 1) for s in ordered]
    total = float(sum(weights)) or 1.0
    done = 0.0
    outcome: dict[int, tuple[int, int]] = {}
    for sheet, weight in zip(ordered, weights):
        checker = ChunkChecker(sheet, context)
        rows = rejected = 0
        try:
            for raw, fraction in sheet.chunks(chunk_rows):
                _, bad = checker.check(raw)
                rows += len(bad)
                rejected += int(bad.sum())
                if progress:
                    share = (done + weight * fraction) / total
                    progress(span[0] + (span[1] - span[0]) * share,
                             f"checking {sheet.label}: {rows:,} rows")
        except SheetReadError as error:
            context.problems.add(make_problem("extra_cells", file=sheet.file, sheet=sheet.sheet,
                                              row=error.row, table=sheet.table))
            rejected += 1
        forget_cleaned()
        done += weight
        sheet.rows = rows
        outcome[id(sheet)] = (rows, rejected)
        if rows == 0:
            context.problems.add(make_problem(
                "empty_sheet", file=sheet.file, sheet=sheet.sheet, table=sheet.table,
                severity="warning"))
    return outcome


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
