"""Writing validated sheets: one transaction, dependency order, upserts on natural keys.

Rows are compared with what the database holds before anything is written, so every
row is counted as inserted, updated or unchanged, and only new or changed rows are sent
to the database — as ``INSERT … ON CONFLICT DO UPDATE`` on SQLite. On PostgreSQL each
chunk is copied (COPY) into a temporary staging table, compared with the stored rows in
SQL and written from there (``INSERT … SELECT``, ``UPDATE … FROM``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    false,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite

from data_access.importing.problems import Problem, ProblemList, make_problem, problems_frame
from data_access.importing.reading import CHUNK_ROWS, ParsedSheet, open_sheets
from data_access.importing.specs import TABLES, lookup_key
from data_access.importing.validation import (
    ChunkChecker,
    Context,
    check_sheets,
    china_now,
    dependency_order,
)
from data_access.importing.values import forget_cleaned
from data_access.loading import copy_frame, derive_complaint_fields
from data_access.periods import Period
from data_access.schema import (
    community,
    company,
    district,
    estate,
    import_log,
    meta,
    metadata,
    street,
)
from data_access.summary import RefreshResult, SummaryChanges, refresh_summaries

log = logging.getLogger("data_access.importing")

#: Rows sent to the database per statement.
WRITE_BATCH_ROWS = 20_000
_KEY_BATCH = 2_000
_SQLITE_KEY_BATCH = 10_000
#: Send SQLite rows straight to the driver (see _execute_many); False takes the portable
#: SQLAlchemy path that databases other than SQLite and PostgreSQL use (the tests compare
#: both).
SQLITE_FAST_PATH = True

Progress = Callable[[float, str], None]


class ImportAborted(Exception):
    """The writing pass met something validation did not see: everything is rolled back."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason_en)
        self.problem = problem


class _DryRunRollback(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


# --- the report --------------------------------------------------------------------------

@dataclass
class SheetResult:
    """Counts for one sheet of one file."""

    file: str
    sheet: str | None
    table: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    sha256: str = ""


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a rejected import, would do).

    ``committed`` is True only when rows were written. ``problems`` lists the problems
    (at most a couple of thousand, then one line counting the rest); ``error_count``
    counts them all. ``created`` counts districts, streets and communities created.
    ``summaries`` says what the summary refresh recomputed (None when it did not run).
    """

    results: list[SheetResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    dry_run: bool = False
    committed: bool = False
    created: dict[str, int] = field(default_factory=dict)
    summaries: RefreshResult | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No errors: the import was (or, for a dry run, would be) written."""
        return self.error_count == 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def totals(self) -> dict[str, dict[str, int]]:
        """{table: {rows, inserted, updated, unchanged, rejected}} over all files."""
        totals: dict[str, dict[str, int]] = {}
        for result in self.results:
            counts = totals.setdefault(result.table, dict.fromkeys(
                ("rows", "inserted", "updated", "unchanged", "rejected"), 0))
            for name in counts:
                counts[name] += getattr(result, name)
        return totals

    def results_frame(self) -> pd.DataFrame:
        columns = list(SheetResult.__dataclass_fields__)
        return pd.DataFrame([asdict(r) for r in self.results], columns=columns)

    def problems_frame(self, lang: str | None = None) -> pd.DataFrame:
        return problems_frame(self.problems, lang)


# --- districts, streets and communities ------------------------------------------------------

def _stable_code(prefix: str, name: str, taken: set[str]) -> str:
    """A code derived from the name (the same name gives the same code everywhere)."""
    base = prefix + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6].upper()
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    taken.add(code)
    return code


class Areas:
    """Finds districts, streets and communities by name (or English name, or code),
    creating the missing ones."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.created: Counter = Counter()
        self.districts: dict[str, int] = {}
        self.district_codes: dict[int, str] = {}
        for row in conn.execute(select(district.c.id, district.c.code, district.c.name,
                                       district.c.name_en)):
            self.district_codes[row.id] = row.code
            for name in (row.code, row.name_en, row.name):
                if name:
                    self.districts[lookup_key(name)] = row.id
        self.streets: dict[tuple[int, str], int] = {}
        self.street_codes: dict[int, str] = {}
        for row in conn.execute(select(street.c.id, street.c.code, street.c.name,
                                       street.c.name_en, street.c.district_id)):
            self.street_codes[row.id] = row.code
            for name in (row.code, row.name_en, row.name):
                if name:
                    self.streets[(row.district_id, lookup_key(name))] = row.id
        self.communities: dict[tuple[int, str], int] = {}
        self.community_codes: set[str] = set()
        for row in conn.execute(select(community.c.id, community.c.code, community.c.name,
                                       community.c.street_id)):
            self.community_codes.add(row.code)
            for name in (row.code, row.name):
                self.communities[(row.street_id, lookup_key(name))] = row.id

    def _insert(self, table: Table, values: dict) -> int:
        result = self.conn.execute(insert(table).values(**values))
        self.created[table.name] += 1
        return int(result.inserted_primary_key[0])

    def district_id(self, name: str) -> int:
        key = lookup_key(name)
        if key not in self.districts:
            code = _stable_code("D", name, set(self.district_codes.values()))
            new_id = self._insert(district, {"code": code, "name": name})
            self.districts[key] = new_id
            self.district_codes[new_id] = code
        return self.districts[key]

    def street_id(self, district_id: int, name: str) -> int:
        key = (district_id, lookup_key(name))
        if key not in self.streets:
            prefix = f"{self.district_codes[district_id][:12]}-S"
            code = _stable_code(prefix, name, set(self.street_codes.values()))
            new_id = self._insert(street, {"code": code, "name": name,
                                           "district_id": district_id})
            self.streets[key] = new_id
            self.street_codes[new_id] = code
        return self.streets[key]

    def community_id(self, street_id: int, name: str) -> int:
        key = (street_id, lookup_key(name))
        if key not in self.communities:
            prefix = f"{self.street_codes[street_id][:20]}-C"
            code = _stable_code(prefix, name, self.community_codes)
            self.communities[key] = self._insert(community, {"code": code, "name": name,
                                                             "street_id": street_id})
        return self.communities[key]

    def resolve(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series | None]:
        """street_id (and community_id when the column is present) for every row."""
        has_community = "community" in frame
        columns = ["district", "street"] + (["community"] if has_community else [])
        places = frame[columns].astype(object).where(frame[columns].notna(), None)
        resolved: dict[tuple, tuple[int, int | None]] = {}
        for place in set(map(tuple, places.itertuples(index=False, name=None))):
            street_id = self.street_id(self.district_id(place[0]), place[1])
            community_id = (self.community_id(street_id, place[2])
                            if has_community and place[2] else None)
            resolved[place] = (street_id, community_id)
        keys = list(map(tuple, places.itertuples(index=False, name=None)))
        street_ids = pd.Series([resolved[k][0] for k in keys], index=frame.index, dtype="Int64")
        if not has_community:
            return street_ids, None
        community_ids = pd.Series([resolved[k][1] for k in keys], index=frame.index,
                                  dtype="Int64")
        return street_ids, community_ids


# --- comparing and upserting -----------------------------------------------------------------

def _as_objects(series: pd.Series) -> list:
    """Plain Python values, None for every kind of missing value."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or str(series.dtype).startswith(
            "datetime64"):
        values = series.dt.to_pydatetime().tolist() if len(series) else []
        return [None if v is pd.NaT or v is None or pd.isna(v) else v for v in values]
    objects = series.astype(object)
    missing = series.isna().to_numpy()
    values = objects.tolist()
    if missing.any():
        for position in np.flatnonzero(missing):
            values[position] = None
    return values


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    values = [_as_objects(frame[c]) for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _comparable(series: pd.Series, column_type) -> pd.Series:
    """Values of one column in a form both sides (file and database) compare in."""
    if isinstance(column_type, (DateTime, Date)):
        if str(series.dtype).startswith("datetime64"):
            return series.astype("datetime64[us]")
        return pd.to_datetime(series.astype(object), errors="coerce").astype("datetime64[us]")
    if isinstance(column_type, (Float, Integer, Boolean)):
        if isinstance(series.dtype, pd.BooleanDtype) or series.dtype == bool:
            return series.astype("Float64").astype(float)
        if series.dtype == object:
            return pd.to_numeric(series, errors="coerce").astype(float)
        return series.astype("Float64").astype(float)
    return series.astype(object).where(series.notna(), None)


def _same(new: pd.Series, old: pd.Series, column_type) -> np.ndarray:
    a, b = _comparable(new, column_type), _comparable(old, column_type)
    missing_a, missing_b = a.isna().to_numpy(), b.isna().to_numpy()
    if isinstance(column_type, Float):
        close = np.isclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-9)
        return (close & ~missing_a & ~missing_b) | (missing_a & missing_b)
    equal = (a.to_numpy() == b.to_numpy())
    return (equal & ~missing_a & ~missing_b) | (missing_a & missing_b)


def _batches(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _one_ahead(items: Iterator) -> Iterator:
    """The items of ``items``, each next one computed in a worker thread while the caller
    works on the current one. Worth it when the caller mostly waits for PostgreSQL (the
    driver releases the GIL while it waits); the worker is joined when iteration ends."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-ahead") as worker:
        done = object()
        pending = worker.submit(next, items, done)
        while (item := pending.result()) is not done:
            pending = worker.submit(next, items, done)
            yield item


def _existing(conn: Connection, table: Table, frame: pd.DataFrame, key: list[str],
              columns: list[str]) -> pd.DataFrame:
    """Rows of ``table`` whose key is in ``frame`` (key columns + ``columns``), as the
    driver returns them (on SQLite: date-times as text, booleans as 0/1)."""
    selected = [table.c[c] for c in key + columns]
    rows: list = []
    if len(key) == 1:
        values = pd.unique(frame[key[0]]).tolist()
        if conn.dialect.name == "sqlite" and SQLITE_FAST_PATH:  # no per-value processing
            names = ", ".join(f'"{c}"' for c in key + columns)
            for batch in _batches(values, _SQLITE_KEY_BATCH):
                sql = (f'SELECT {names} FROM "{table.name}" WHERE "{key[0]}" IN '
                       f'({", ".join("?" * len(batch))})')
                rows.extend(map(tuple, conn.exec_driver_sql(sql, tuple(batch)).fetchall()))
        else:
            for batch in _batches(values, _KEY_BATCH):
                rows.extend(map(tuple, conn.execute(
                    select(*selected).where(table.c[key[0]].in_(batch))).all()))
    else:
        unique = frame[key].drop_duplicates()
        tuples = list(zip(*(unique[c].tolist() for c in key)))
        key_columns = tuple_(*[table.c[c] for c in key])
        for batch in _batches(tuples, _KEY_BATCH):
            rows.extend(map(tuple, conn.execute(
                select(*selected).where(key_columns.in_(batch))).all()))
    return pd.DataFrame.from_records(rows, columns=key + columns)


def _sqlite_values(series: pd.Series, column_type) -> list:
    """Driver values for SQLite, stored exactly as SQLAlchemy's SQLite types store them
    (DATETIME ``YYYY-MM-DD HH:MM:SS.ffffff``, DATE ``YYYY-MM-DD``, BOOLEAN 0/1),
    converted a column at a time instead of a value at a time."""
    if isinstance(column_type, (DateTime, Date)):
        stamps = pd.to_datetime(series.astype(object) if series.dtype == object else series)
        array = pa.array(stamps.astype("datetime64[us]").to_numpy(), from_pandas=True)
        if isinstance(column_type, Date):
            array = array.cast(pa.date32())
        return array.cast(pa.string()).to_pylist()
    if isinstance(column_type, Boolean):
        return _as_objects(series.astype("boolean").astype("Int64"))
    return _as_objects(series)


def _execute_many(conn: Connection, statement, table: Table, frame: pd.DataFrame,
                  columns: list[str]) -> None:
    """Execute ``statement`` once per row of ``frame`` (executemany, in batches).

    On SQLite the statement (still built by SQLAlchemy's dialect ``insert``) is compiled
    once and the rows go straight to the driver, converted column-wise: SQLAlchemy's
    per-value processing would otherwise dominate a million-row import.
    """
    if frame.empty:
        return
    if conn.dialect.name == "sqlite" and SQLITE_FAST_PATH:
        compiled = statement.compile(dialect=conn.dialect, column_keys=columns)
        order = list(compiled.positiontup)
        if set(order) <= set(columns):
            for start in range(0, len(frame), WRITE_BATCH_ROWS):
                batch = frame.iloc[start:start + WRITE_BATCH_ROWS]
                values = [_sqlite_values(batch[name], table.c[name].type) for name in order]
                conn.exec_driver_sql(compiled.string, list(zip(*values)))
            return
    for start in range(0, len(frame), WRITE_BATCH_ROWS):
        conn.execute(statement, _records(frame.iloc[start:start + WRITE_BATCH_ROWS], columns))


@dataclass
class WrittenRows:
    """What :func:`upsert` wrote, seen through ``columns`` (key or update columns): their
    distinct values in the rows inserted or updated, and in the stored rows those updates
    replaced (the summary refresh needs both: an updated complaint may change estate)."""

    columns: list[str]
    parts: list[pd.DataFrame] = field(default_factory=list)

    def values(self) -> pd.DataFrame:
        """The distinct values collected so far."""
        if not self.parts:
            return pd.DataFrame(columns=self.columns)
        return pd.concat(self.parts, ignore_index=True).drop_duplicates()


def _temporary_table(name: str, columns: list[Column]) -> Table:
    """A temporary table (PostgreSQL) that disappears with the transaction at the latest."""
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DROP")


def _upsert_postgresql(conn: Connection, table: Table, frame: pd.DataFrame, key: list[str],
                       update_columns: list[str], written: WrittenRows | None = None
                       ) -> tuple[int, int, int]:
    """:func:`upsert` on PostgreSQL, in SQL over temporary tables.

    ``frame`` is copied (COPY) into a staging table; one pass looking its rows up in
    ``table`` keeps the new and changed ones, flagged, with the stored values the changes
    replace (for ``written``), in a second table; the counts come from that, and its rows
    go into ``table`` with one ``INSERT … SELECT`` (new rows) and one ``UPDATE … FROM``
    (changed rows). Both tables are dropped afterwards (and with the transaction, should
    anything fail first).
    """
    columns = list(frame.columns)
    watched = written.columns if written is not None else []
    staging = _temporary_table(f"import_staging_{table.name}",
                               [Column(name, table.c[name].type) for name in columns])
    changes = _temporary_table(
        f"import_changes_{table.name}",
        [Column(name, table.c[name].type) for name in columns]
        + [Column("import_is_new", Boolean)]
        + [Column(f"import_stored_{name}", table.c[name].type) for name in watched])
    staging.create(conn)
    copy_frame(conn, staging, frame)
    # Each staged row looks its stored row up by the key's unique index. ``LIMIT 1`` keeps
    # the lookup a nested loop: planned as a plain join, PostgreSQL would hash the whole
    # table for every chunk, misled by statistics that a long import leaves stale.
    compared = list(dict.fromkeys(key + update_columns + watched))
    stored = select(*[table.c[c] for c in compared]).where(
        and_(*[table.c[c] == staging.c[c] for c in key])).limit(1).lateral("stored")
    is_new = stored.c[key[0]].is_(None)
    changed = and_(~is_new, or_(false(), *[staging.c[c].is_distinct_from(stored.c[c])
                                           for c in update_columns]))
    changes.create(conn)
    conn.execute(insert(changes).from_select(
        list(changes.c.keys()),
        select(*staging.c, is_new, *[stored.c[c] for c in watched])
        .select_from(staging.outerjoin(stored, true())).where(or_(is_new, changed))))
    new_rows = changes.c.import_is_new
    inserted, updated = conn.execute(select(func.count().filter(new_rows),
                                            func.count().filter(~new_rows))).one()
    if written is not None:
        for selected, condition in (([changes.c[c] for c in watched], true()),
                                    ([changes.c[f"import_stored_{c}"] for c in watched],
                                     ~new_rows)):
            written.parts.append(pd.DataFrame(
                conn.execute(select(*selected).where(condition).distinct()).all(),
                columns=watched))
    # New rows by a plain INSERT: ON CONFLICT's speculative insertion costs PostgreSQL a
    # third more per row, and the rows are known to be new. Should another session store
    # one of their keys meanwhile, the unique key fails the import and nothing is written.
    if inserted:
        conn.execute(insert(table).from_select(
            columns, select(*[changes.c[c] for c in columns]).where(new_rows)))
    if updated:
        conn.execute(update(table).where(
            *[table.c[c] == changes.c[c] for c in key], ~new_rows).values(
            {c: changes.c[c] for c in update_columns}))
    changes.drop(conn)
    staging.drop(conn)
    return inserted, updated, len(frame) - inserted - updated


def upsert(conn: Connection, table: Table, frame: pd.DataFrame, key: list[str],
           update_columns: list[str], written: WrittenRows | None = None
           ) -> tuple[int, int, int]:
    """Insert new rows and update changed ones (``update_columns`` only); returns
    (inserted, updated, unchanged). ``frame`` holds database columns; columns not in
    ``update_columns`` (other than the key) are written for new rows only. ``written``,
    when given, collects what was written (see :class:`WrittenRows`)."""
    if frame.empty:
        return 0, 0, 0
    frame = frame.reset_index(drop=True)
    if conn.dialect.name == "postgresql":
        return _upsert_postgresql(conn, table, frame, key, update_columns, written)
    existing = _existing(conn, table, frame, key, update_columns)
    if existing.empty:
        is_new = np.ones(len(frame), dtype=bool)
        changed = np.zeros(len(frame), dtype=bool)
    else:
        merged = frame[key + update_columns].merge(existing, on=key, how="left",
                                                   suffixes=("", "__db"), indicator=True)
        is_new = (merged["_merge"] == "left_only").to_numpy()
        same = np.ones(len(frame), dtype=bool)
        for column in update_columns:
            same &= _same(merged[column], merged[f"{column}__db"], table.c[column].type)
        changed = ~is_new & ~same
    inserted, updated = int(is_new.sum()), int(changed.sum())
    to_write = frame[is_new | changed]
    if written is not None:
        written.parts.append(to_write[written.columns].drop_duplicates())
        if changed.any():
            stored = [c if c in key else f"{c}__db" for c in written.columns]
            written.parts.append(merged.loc[changed, stored].set_axis(
                written.columns, axis=1).drop_duplicates())
    columns = list(frame.columns)
    if conn.dialect.name == "sqlite":
        statement = sqlite.insert(table)
        if update_columns:
            statement = statement.on_conflict_do_update(
                index_elements=[table.c[c] for c in key],
                set_={c: statement.excluded[c] for c in update_columns})
        else:
            statement = statement.on_conflict_do_nothing(index_elements=[table.c[c] for c in key])
        _execute_many(conn, statement, table, to_write, columns)
    else:  # any other database: plain INSERT for new rows, UPDATE for changed ones
        new_rows = frame[is_new]
        for start in range(0, len(new_rows), WRITE_BATCH_ROWS):
            conn.execute(insert(table), _records(new_rows.iloc[start:start + WRITE_BATCH_ROWS],
                                                 columns))
        changed_rows = frame[changed]
        if len(changed_rows) and update_columns:
            statement = update(table).where(and_(*[
                table.c[c] == bindparam(f"key_{c}") for c in key])).values(
                {c: bindparam(f"new_{c}") for c in update_columns})
            records = [{**{f"key_{c}": r[c] for c in key},
                        **{f"new_{c}": r[c] for c in update_columns}}
                       for r in _records(changed_rows, key + update_columns)]
            conn.execute(statement, records)
    return inserted, updated, len(frame) - inserted - updated


# --- from typed sheet rows to database rows -------------------------------------------------

def _dates(series: pd.Series) -> pd.Series:
    """datetime64 → datetime.date objects (None when missing)."""
    return pd.Series([None if pd.isna(v) else v.date() for v in series], index=series.index,
                     dtype=object)


#: Per sheet, the columns of its written rows that say which summary rows they reach
#: (companies reach none: see SummaryChanges).
_SUMMARY_COLUMNS = {
    "estates": ["code"],
    "complaints": ["estate_id", "received_month"],
    "fees": ["estate_id", "month"],
    "surveys": ["estate_id", "end_month"],
    "assessments": ["estate_id", "quarter"],
}


class Writer:
    """Writes the sheets of one import on one connection (inside the caller's transaction)
    and remembers what the rows it inserted or updated change for the summaries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.areas = Areas(conn)
        self.first_month: str | None = None
        self.last_month: str | None = None
        self._estates: pd.DataFrame | None = None
        self._companies: pd.Series | None = None
        self._written: dict[str, list[WrittenRows]] = {}

    # code → id maps, reloaded after the sheets that change them
    def estates(self) -> pd.DataFrame:
        if self._estates is None:
            rows = self.conn.execute(select(estate.c.code, estate.c.id, estate.c.company_id)).all()
            self._estates = pd.DataFrame(rows, columns=["code", "id", "company_id"]).set_index(
                "code")
        return self._estates

    def companies(self) -> pd.Series:
        if self._companies is None:
            rows = self.conn.execute(select(company.c.code, company.c.id)).all()
            self._companies = pd.Series({code: id_ for code, id_ in rows}, dtype="Int64")
        return self._companies

    def _months(self, months: pd.Series) -> None:
        months = months.dropna()
        if months.empty:
            return
        low, high = months.min(), months.max()
        self.first_month = low if self.first_month is None else min(self.first_month, low)
        self.last_month = high if self.last_month is None else max(self.last_month, high)

    def _estate_ids(self, codes: pd.Series, sheet: ParsedSheet) -> pd.Series:
        ids = codes.map(self.estates()["id"])
        unknown = codes.notna() & ids.isna()
        if unknown.any():
            row = int(codes.index[np.flatnonzero(unknown.to_numpy())[0]])
            raise ImportAborted(make_problem("unknown_estate", file=sheet.file, sheet=sheet.sheet,
                                             row=row, column=sheet.columns.get("estate_code"),
                                             value=codes[row], table=sheet.table))
        return ids.astype("Int64")

    def _company_ids(self, codes: pd.Series, sheet: ParsedSheet) -> pd.Series:
        ids = codes.map(self.companies())
        unknown = codes.notna() & ids.isna()
        if unknown.any():
            row = int(codes.index[np.flatnonzero(unknown.to_numpy())[0]])
            raise ImportAborted(make_problem("unknown_company", file=sheet.file,
                                             sheet=sheet.sheet, row=row,
                                             column=sheet.columns.get("company_code"),
                                             value=codes[row], table=sheet.table))
        return ids.astype("Int64")

    def rows_for(self, sheet: ParsedSheet, typed: pd.DataFrame
                 ) -> tuple[Table, pd.DataFrame, list[str], list[str]]:
        """(table, database rows, natural key, columns to update) for typed sheet rows."""
        table_name = sheet.table
        present = set(typed.columns)
        out = pd.DataFrame(index=typed.index)
        updates: list[str] = []

        def put(column: str, values: pd.Series, *, updated: bool = True) -> None:
            out[column] = values
            if updated:
                updates.append(column)

        if table_name == "companies":
            put("code", typed["company_code"], updated=False)
            put("name", typed["company_name"])
            if "registered_on" in present:
                put("registered_on", _dates(typed["registered_on"]))
            if "party_org" in present:
                put("party_org", typed["party_org"].fillna(False).astype(bool))
            return metadata.tables["company"], out, ["code"], updates

        if table_name == "estates":
            put("code", typed["estate_code"], updated=False)
            put("name", typed["estate_name"])
            for column in ("address", "longitude", "latitude", "households", "floor_area_m2",
                           "build_year", "fee_yuan_m2_month", "management_mode"):
                if column in present:
                    put(column, typed[column])
            street_ids, community_ids = self.areas.resolve(typed)
            put("street_id", street_ids)
            if community_ids is not None:
                put("community_id", community_ids)
            if "company_code" in present:
                put("company_id", self._company_ids(typed["company_code"], sheet))
            formed = typed.get("committee_formed_on")
            if "owners_committee" in present:
                committee = typed["owners_committee"]
                if formed is not None:
                    committee = committee.where(committee.notna(), formed.notna())
                put("owners_committee", committee.fillna(False).astype(bool))
            elif formed is not None:
                put("owners_committee", formed.notna())
            if formed is not None:
                put("committee_formed_on", _dates(formed))
            if "party_org" in present:
                put("party_org", typed["party_org"].fillna(False).astype(bool))
            if "smart_star" in present:
                put("smart_star", typed["smart_star"].fillna(0).astype("Int64"))
            self._estates = None
            return metadata.tables["estate"], out, ["code"], updates

        estate_ids = self._estate_ids(typed["estate_code"], sheet)
        if table_name == "complaints":
            put("code", typed["complaint_id"], updated=False)
            put("estate_id", estate_ids)
            if "company_code" in present:
                put("company_id", self._company_ids(typed["company_code"], sheet))
            else:  # new complaints get the estate's current company; others keep theirs
                current = typed["estate_code"].map(self.estates()["company_id"])
                put("company_id", current.astype("Int64"), updated=False)
            derived = derive_complaint_fields(pd.DataFrame({"received_at": typed["received_at"]}))
            put("received_at", typed["received_at"])
            put("received_month", pd.Series(derived["received_month"].to_numpy(),
                                            index=typed.index))
            put("response_due_at", pd.Series(derived["response_due_at"].to_numpy(),
                                             index=typed.index))
            for column in ("responded_at", "resolved_at", "channel", "category",
                           "resolved_level", "resident_satisfied", "complainant_phone"):
                if column in present:
                    put(column, typed[column])
            self._months(out["received_month"])
            return metadata.tables["complaint"], out, ["code"], updates

        put("estate_id", estate_ids, updated=False)
        if table_name == "fees":
            put("month", typed["month"], updated=False)
            for column in ("households_billed", "households_paid", "amount_billed_yuan",
                           "amount_collected_yuan"):
                if column in present:
                    put(column, typed[column])
            self._months(typed["month"])
            return metadata.tables["fee_month"], out, ["estate_id", "month"], updates

        if table_name == "surveys":
            put("period", typed["period"], updated=False)
            periods = {key: Period.parse(key) for key in pd.unique(typed["period"])}
            put("span", typed["period"].map(lambda k: periods[k].kind))
            put("start_month", typed["period"].map(lambda k: periods[k].first_month))
            put("end_month", typed["period"].map(lambda k: periods[k].last_month))
            put("respondents", typed["respondents"])
            put("satisfied", typed["satisfied"])
            self._months(out["start_month"])
            self._months(out["end_month"])
            return metadata.tables["survey"], out, ["estate_id", "period"], updates

        if table_name == "assessments":
            put("quarter", typed["quarter"], updated=False)
            put("assessor", typed["assessor"], updated=False)
            put("company_id", self._company_ids(typed["company_code"], sheet))
            for column in TABLES["assessments"].by_name:
                if column in present and column not in (
                        "estate_code", "company_code", "quarter", "assessor"):
                    put(column, typed[column])
            return metadata.tables["assessment"], out, ["estate_id", "quarter", "assessor"], \
                updates
        raise ValueError(f"unknown table {table_name!r}")

    def write_sheet(self, sheet: ParsedSheet, result: SheetResult, *, chunk_rows: int,
                    on_rows: Callable[[int], None]) -> None:
        checker = ChunkChecker(sheet, Context(set(), set(), problems=ProblemList()), full=False)
        checked = (checker.check(raw) for raw, _ in sheet.chunks(chunk_rows))
        if self.conn.dialect.name == "postgresql":  # read and check the next chunk meanwhile
            checked = _one_ahead(checked)
        for typed, bad in checked:
            if bad.any():
                raise ImportAborted(make_problem("changed_during_import", file=sheet.file,
                                                 sheet=sheet.sheet, table=sheet.table))
            table, rows, key, updates = self.rows_for(sheet, typed)
            written = None
            if sheet.table in _SUMMARY_COLUMNS:
                written = WrittenRows(_SUMMARY_COLUMNS[sheet.table])
                self._written.setdefault(sheet.table, []).append(written)
            inserted, updated, unchanged = upsert(self.conn, table, rows, key, updates,
                                                  written)
            result.inserted += inserted
            result.updated += updated
            result.unchanged += unchanged
            if sheet.table == "companies":
                self._companies = None
            elif sheet.table == "estates":
                self._estates = None
            on_rows(len(typed))
        forget_cleaned()

    def summary_changes(self) -> SummaryChanges:
        """What the rows inserted or updated so far change for the summary tables."""

        def pairs(table_name: str) -> frozenset[tuple[int, str]]:
            found: set[tuple[int, str]] = set()
            for written in self._written.get(table_name, []):
                values = written.values()
                found.update(zip(values.iloc[:, 0].astype("int64").tolist(),
                                 values.iloc[:, 1].astype(str).tolist()))
            return frozenset(found)

        estate_ids = self.estates()["id"]
        codes = {code for written in self._written.get("estates", [])
                 for code in written.values()["code"].tolist()}
        return SummaryChanges(
            complaint_months=pairs("complaints"),
            fact_months=pairs("fees") | pairs("surveys"),
            estates=frozenset(int(estate_ids[code]) for code in codes),
            assessed=pairs("assessments"))

    def extend_data_range(self) -> bool:
        """Widen meta data_start/data_end (when set) to cover the imported months."""
        if self.first_month is None:
            return False
        stored = dict(self.conn.execute(select(meta.c.key, meta.c.value).where(
            meta.c.key.in_(["data_start", "data_end"]))).all())
        if not (stored.get("data_start") and stored.get("data_end")):
            return False
        changed = False
        for key, value, wider in (("data_start", self.first_month, min),
                                  ("data_end", self.last_month, max)):
            if wider(stored[key], value) != stored[key]:
                self.conn.execute(update(meta).where(meta.c.key == key).values(value=value))
                changed = True
        return changed


# --- the import -------------------------------------------------------------------------------

def _log_rows(sheets: list[ParsedSheet], results: dict[int, SheetResult], status: str,
              user: str | None, when: dt.datetime, seconds: float,
              summary_refresh: str | None = None) -> list[dict]:
    """One import_log row per file and table (``seconds``: the import's time so far;
    ``summary_refresh``: what the summary refresh recomputed)."""
    grouped: dict[tuple[str, str], dict] = {}
    for sheet in sheets:
        result = results.get(id(sheet))
        if result is None:
            continue
        row = grouped.setdefault((sheet.file, sheet.table), {
            "imported_at": when, "imported_by": user, "file_name": sheet.file[:256],
            "file_sha256": sheet.source.sha256, "table_name": sheet.table,
            "rows_inserted": 0, "rows_updated": 0, "rows_unchanged": 0, "rows_rejected": 0,
            "status": status, "seconds": seconds, "summary_refresh": summary_refresh})
        row["rows_inserted"] += result.inserted
        row["rows_updated"] += result.updated
        row["rows_unchanged"] += result.unchanged
        row["rows_rejected"] += result.rejected
    return list(grouped.values())


def import_files(engine: Engine, files: Iterable[object], *, dry_run: bool = False,
                 user: str | None = None, progress: Progress | None = None,
                 table: str | dict[str, str] | None = None, chunk_rows: int = CHUNK_ROWS,
                 log_rejected: bool = False, now: dt.datetime | None = None) -> ImportReport:
    """Validate ``files`` and, when nothing is wrong, write them all in one transaction.

    ``files``: paths, ``(name, bytes)`` pairs or uploads, given together (estates and the
    complaints about them may come in the same import). ``table`` forces the table (one
    name for every sheet, or {file name: table}). ``progress(fraction, message)`` is
    called as the import advances. With ``dry_run`` the rows are written and rolled back,
    so the counts are exact and nothing changes. When any file has an error nothing is
    written (and nothing logged, unless ``log_rejected``). Returns an ImportReport.
    """
    started = time.perf_counter()
    say = progress or (lambda fraction, message: None)
    report = ImportReport(dry_run=dry_run)
    say(0.0, "reading files")
    sheets = open_sheets(files, table)
    problems = ProblemList()
    with engine.connect() as conn:
        context = Context.load(conn, now=now, problems=problems)
    outcome = check_sheets(sheets, context, chunk_rows=chunk_rows, progress=say,
                           span=(0.0, 0.4))
    ordered = dependency_order(sheets)
    results: dict[int, SheetResult] = {}
    for sheet in ordered:
        rows, rejected = outcome.get(id(sheet), (0, 0))
        results[id(sheet)] = SheetResult(sheet.file, sheet.sheet, sheet.table, rows,
                                         rejected=rejected, sha256=sheet.source.sha256)
    report.results = list(results.values())
    report.problems = problems.listed()
    report.error_count, report.warning_count = problems.errors, problems.warnings
    when = (now or china_now()).replace(microsecond=0)
    if problems.errors:
        log.info("import rejected: %d errors in %s", problems.errors,
                 ", ".join(s.label for s in sheets))
        if log_rejected:
            with engine.begin() as conn:
                rows = _log_rows(ordered, results, "rejected", user, when,
                                 time.perf_counter() - started)
                if rows:
                    conn.execute(insert(import_log), rows)
        report.seconds = time.perf_counter() - started
        say(1.0, "rejected")
        return report

    total_rows = sum(r.rows for r in results.values()) or 1
    written = 0

    def on_rows(count: int) -> None:
        nonlocal written
        written += count
        say(0.4 + 0.5 * written / total_rows, f"writing: {written:,} of {total_rows:,} rows")

    say(0.4, f"writing: 0 of {total_rows:,} rows")
    try:
        with engine.begin() as conn:
            writer = Writer(conn)
            for sheet in ordered:
                writer.write_sheet(sheet, results[id(sheet)], chunk_rows=chunk_rows,
                                   on_rows=on_rows)
            report.created = {name: count for name, count in writer.areas.created.items()}
            if dry_run:
                raise _DryRunRollback
            range_changed = writer.extend_data_range()
            changes = writer.summary_changes()
            if range_changed or not changes.empty:
                say(0.9, "refreshing summary tables")
                report.summaries = refresh_summaries(conn, changes)
            conn.execute(insert(import_log), _log_rows(
                ordered, results, "imported", user, when, time.perf_counter() - started,
                report.summaries.describe() if report.summaries else "nothing"))
    except _DryRunRollback:
        pass
    except ImportAborted as aborted:
        problems.add(aborted.problem)
        report.problems = problems.listed()
        report.error_count = problems.errors
        for result in results.values():
            result.inserted = result.updated = result.unchanged = 0
        report.seconds = time.perf_counter() - started
        say(1.0, "rejected")
        return report
    report.committed = not dry_run
    report.seconds = time.perf_counter() - started
    log.info("import %s: %s", "checked (dry run)" if dry_run else "committed",
             "; ".join(f"{r.file} {r.table} +{r.inserted} ~{r.updated} ={r.unchanged}"
                       for r in report.results))
    say(1.0, "done")
    return report


def validate(engine: Engine, files: Iterable[object], *,
             table: str | dict[str, str] | None = None, progress: Progress | None = None,
             chunk_rows: int = CHUNK_ROWS, now: dt.datetime | None = None) -> list[Problem]:
    """Every problem of ``files`` (nothing is written): errors block an import, warnings
    do not. Codes defined by estates/companies files among ``files`` count as known."""
    sheets = open_sheets(files, table)
    problems = ProblemList()
    with engine.connect() as conn:
        context = Context.load(conn, now=now, problems=problems)
    check_sheets(sheets, context, chunk_rows=chunk_rows, progress=progress)
    return problems.listed()
