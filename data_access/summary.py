"""The refresh step that keeps the summary tables in step with the raw tables.

``estate_month`` has a row for every estate and every month of the data range (meta keys
``data_start`` and ``data_end``; derived from the data when absent) holding the estate's
state that month (company, management mode, committee) and the sums every metric needs.
``street_month`` aggregates it by street and ``estate_year`` its households and
complaints by estate and year; ``project_quarter`` holds the weighted assessment score of
each estate and quarter, and its run of 不合格 quarters. Pages read these tables only.

:func:`refresh_summaries` either rebuilds every summary table or, given the
:class:`SummaryChanges` an import made, recomputes only the rows those changes reach
(an import of one street's complaints for one month recomputes that street-month).
Both leave the summary tables identical.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
)

from data_access import complaints, grades, grading, rollups, trends
from data_access.loading import bulk_insert
from data_access.periods import month_range, quarter_of_month
from data_access.aggregates import estate_month_sums
from data_access.schema import (
    SUMMARY_SUM_COLUMNS,
    assessment,
    complaint,
    contract,
    estate,
    estate_month,
    estate_year,
    fee_month,
    meta,
    month_calendar,
    project_quarter,
    project_year,
    street,
    street_month,
    survey,
)


#: Product areas with summaries of their own, refreshed after the core ones in this order
#: (each module has clear_summaries(conn) and refresh_summaries(conn)).
AREA_SUMMARIES = (complaints, trends, grades)

#: An incremental refresh that would recompute more than this share of ``estate_month``
#: rebuilds everything instead. Its cost grows with the share (on the city demo, half of
#: the estate-months took about 60% of a rebuild's time), so past this the saving is small.
INCREMENTAL_MAX_SHARE = 0.5

#: Key of the PostgreSQL advisory lock a refresh holds until its transaction ends.
REFRESH_LOCK_KEY = 7_203_114_001

#: Filter of the rows to recompute: given the (id, period) columns of a table — estate
#: and month, street and month, or estate and quarter — a condition true for the chosen
#: keys.
KeyFilter = Callable[[ColumnElement, ColumnElement], ColumnElement]


@dataclass(frozen=True)
class SummaryChanges:
    """What an import changed in the raw tables, as far as the summaries can see.

    * ``complaint_months``: (estate_id, month) of every complaint inserted or updated —
      for an update both before and after, as it may move to another estate or month.
    * ``fact_months``: (estate_id, month) of fee rows and (estate_id, end month) of
      survey rows inserted or updated.
    * ``estates``: estates inserted or updated; their attributes reach all their months.
    * ``assessed``: (estate_id, quarter) of assessment rows inserted or updated.

    Company rows reach no summary (summaries hold company ids; the code, the only
    company attribute one reads, is the row's key), nor do districts, streets and
    communities except through the estates that use them.
    """

    complaint_months: frozenset[tuple[int, str]] = frozenset()
    fact_months: frozenset[tuple[int, str]] = frozenset()
    estates: frozenset[int] = frozenset()
    assessed: frozenset[tuple[int, str]] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.complaint_months or self.fact_months or self.estates
                    or self.assessed)


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh recomputed.

    ``full``: every summary table was rebuilt. Otherwise ``street_months`` holds the
    (street_id, month) pairs whose rows in the monthly summaries were recomputed, and
    ``project_quarters`` the (estate_id, quarter) pairs of ``project_quarter`` and
    ``project_dimension_quarter`` (both empty: nothing was recomputed).
    """

    full: bool
    street_months: frozenset[tuple[int, str]] = frozenset()
    project_quarters: frozenset[tuple[int, str]] = frozenset()

    def describe(self) -> str:
        """Short text for the import log: ``full``, ``nothing`` or the counts, e.g.
        ``3 street-months, 1 project-quarter``."""
        if self.full:
            return "full"
        parts = [f"{len(keys)} {name}{'' if len(keys) == 1 else 's'}"
                 for keys, name in ((self.street_months, "street-month"),
                                    (self.project_quarters, "project-quarter")) if keys]
        return ", ".join(parts) or "nothing"


def data_range(conn: Connection) -> tuple[str, str] | None:
    """First and last month of the data: meta ``data_start``/``data_end`` if set,
    otherwise the span of fee months, survey periods and complaint months."""
    stored = dict(conn.execute(select(meta.c.key, meta.c.value).where(
        meta.c.key.in_(["data_start", "data_end"]))).all())
    if stored.get("data_start") and stored.get("data_end"):
        return stored["data_start"], stored["data_end"]
    firsts, lasts = [], []
    for low, high in (
        (func.min(fee_month.c.month), func.max(fee_month.c.month)),
        (func.min(survey.c.start_month), func.max(survey.c.end_month)),
        (func.min(complaint.c.received_month), func.max(complaint.c.received_month)),
    ):
        first, last = conn.execute(select(low, high)).one()
        if first:
            firsts.append(first)
            lasts.append(last)
    if not firsts:
        return None
    return min(firsts), max(lasts)


def _month_calendar_rows(first: str, last: str) -> pd.DataFrame:
    months = month_range(first, last)
    starts = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in months]
    ends = [(pd.Timestamp(s) + pd.offsets.MonthEnd(0)).date() for s in starts]
    return pd.DataFrame({
        "month": months,
        "month_start": starts,
        "month_end": ends,
        "quarter": [quarter_of_month(m) for m in months],
        "year": [int(m[:4]) for m in months],
    })


def _estate_month_select(selected: _StoredKeys | None = None):
    """INSERT..SELECT source: every estate × every calendar month with its sums (only
    the (estate, month) pairs ``selected`` holds, when given)."""
    survey_sums = (
        select(
            survey.c.estate_id,
            survey.c.end_month.label("month"),
            *[
                func.sum(case((survey.c.span == span, survey.c[column]), else_=0)).label(
                    f"{column}_{span}")
                for span in ("month", "quarter", "year")
                for column in ("respondents", "satisfied")
            ],
        )
        .group_by(survey.c.estate_id, survey.c.end_month)
    )
    on_time = and_(complaint.c.responded_at.is_not(None),
                   complaint.c.responded_at < complaint.c.response_due_at)
    complaint_sums = (
        select(
            complaint.c.estate_id,
            complaint.c.received_month.label("month"),
            func.count().label("complaints"),
            func.sum(case((on_time, 1), else_=0)).label("complaints_on_time"),
            func.sum(case((complaint.c.resolved_at.is_not(None), 1), else_=0)).label(
                "complaints_resolved"),
        )
        .group_by(complaint.c.estate_id, complaint.c.received_month)
    )
    if selected is not None:
        # Restrict the grouped sums too, so that only the chosen rows are aggregated.
        survey_sums = survey_sums.where(selected(survey.c.estate_id, survey.c.end_month))
        complaint_sums = complaint_sums.where(
            selected(complaint.c.estate_id, complaint.c.received_month))
    survey_sums = survey_sums.subquery("survey_sums")
    complaint_sums = complaint_sums.subquery("complaint_sums")
    calendar = month_calendar
    active_contract = and_(
        contract.c.estate_id == estate.c.id,
        contract.c.start_month <= calendar.c.month,
        or_(contract.c.end_month.is_(None), contract.c.end_month >= calendar.c.month),
    )
    # Estates with no contract history at all (e.g. imported without one) keep their
    # current mode and company in every month; otherwise the active contract decides.
    with_history = select(contract.c.estate_id).distinct().subquery("with_history")
    no_history = with_history.c.estate_id.is_(None)
    mode = case(
        (contract.c.id.is_not(None), contract.c.mode),
        (no_history, estate.c.management_mode),
        (estate.c.management_mode == "self", literal("self")),
        else_=literal("unmanaged"),
    )
    company_id = case(
        (contract.c.id.is_not(None), contract.c.company_id),
        (no_history, estate.c.company_id),
        else_=None,
    )
    has_committee = case(
        (and_(estate.c.owners_committee.is_(True), estate.c.committee_formed_on.is_(None)), 1),
        (and_(estate.c.committee_formed_on.is_not(None),
              estate.c.committee_formed_on <= calendar.c.month_end), 1),
        else_=0,
    )
    if selected is None:
        pairs = estate.join(calendar, true())
    else:
        # Start from the chosen pairs: PostgreSQL keeps the written join order of a join
        # this long, so a filter on estate × calendar would be applied last, to all rows.
        keys = selected.rows()
        pairs = (keys.join(estate, estate.c.id == keys.c.key_id)
                 .join(calendar, calendar.c.month == keys.c.period))
    source = (
        pairs
        .join(street, street.c.id == estate.c.street_id)
        .outerjoin(contract, active_contract)
        .outerjoin(with_history, with_history.c.estate_id == estate.c.id)
        .outerjoin(fee_month, and_(fee_month.c.estate_id == estate.c.id,
                                   fee_month.c.month == calendar.c.month))
        .outerjoin(survey_sums, and_(survey_sums.c.estate_id == estate.c.id,
                                     survey_sums.c.month == calendar.c.month))
        .outerjoin(complaint_sums, and_(complaint_sums.c.estate_id == estate.c.id,
                                        complaint_sums.c.month == calendar.c.month))
    )
    zero = func.coalesce
    columns = {
        "estate_id": estate.c.id,
        "month": calendar.c.month,
        "quarter": calendar.c.quarter,
        "year": calendar.c.year,
        "street_id": estate.c.street_id,
        "district_id": street.c.district_id,
        "company_id": company_id,
        "management_mode": mode,
        "households": estate.c.households,
        "has_committee": has_committee,
        "households_billed": zero(fee_month.c.households_billed, 0),
        "households_paid": zero(fee_month.c.households_paid, 0),
        "amount_billed_yuan": zero(fee_month.c.amount_billed_yuan, 0.0),
        "amount_collected_yuan": zero(fee_month.c.amount_collected_yuan, 0.0),
        "respondents_month": zero(survey_sums.c.respondents_month, 0),
        "satisfied_month": zero(survey_sums.c.satisfied_month, 0),
        "respondents_quarter": zero(survey_sums.c.respondents_quarter, 0),
        "satisfied_quarter": zero(survey_sums.c.satisfied_quarter, 0),
        "respondents_year": zero(survey_sums.c.respondents_year, 0),
        "satisfied_year": zero(survey_sums.c.satisfied_year, 0),
        "complaints": zero(complaint_sums.c.complaints, 0),
        "complaints_on_time": zero(complaint_sums.c.complaints_on_time, 0),
        "complaints_resolved": zero(complaint_sums.c.complaints_resolved, 0),
    }
    statement = select(*[expr.label(name) for name, expr in columns.items()]).select_from(source)
    return list(columns), statement


def _estate_year_select(selected: KeyFilter | None = None):
    """INSERT..SELECT source of ``estate_year`` (only the (estate, year) pairs
    ``selected`` keeps, years as text, when given)."""
    em = estate_month
    columns = {"year": em.c.year, "street_id": em.c.street_id, "estate_id": em.c.estate_id,
               "household_months": func.sum(em.c.households),
               "complaints": func.sum(em.c.complaints)}
    statement = select(*[expr.label(name) for name, expr in columns.items()]).group_by(
        em.c.year, em.c.street_id, em.c.estate_id)
    if selected is not None:
        statement = statement.where(selected(em.c.estate_id, rollups.year_text(em.c.year)))
    return list(columns), statement


def _replace_estate_years(conn: Connection, table: Table, source,
                          selected: KeyFilter | None) -> None:
    """Delete ``table``'s rows — every one, or the (estate, year) pairs ``selected`` keeps
    (years as text) — and insert them again from ``source(selected)`` (names, select)."""
    if selected is None:
        conn.execute(delete(table))
    else:
        conn.execute(delete(table).where(
            selected(table.c.estate_id, rollups.year_text(table.c.year))))
    names, statement = source(selected)
    conn.execute(insert(table).from_select(names, statement))


def refresh_estate_years(conn: Connection, selected: KeyFilter | None = None) -> None:
    """Recompute ``estate_year`` from ``estate_month`` inside the caller's transaction:
    every row, or only the (estate, year) pairs ``selected`` keeps (years as text)."""
    _replace_estate_years(conn, estate_year, _estate_year_select, selected)


def _project_year_select(selected: KeyFilter | None = None):
    """INSERT..SELECT source of ``project_year`` (only the (estate, year) pairs
    ``selected`` keeps, years as text, when given)."""
    pq = project_quarter
    year = cast(func.substr(pq.c.quarter, 1, 4), Integer)
    condition = true() if selected is None else selected(pq.c.estate_id,
                                                         func.substr(pq.c.quarter, 1, 4))
    summed = (select(year.label("year"), pq.c.estate_id, pq.c.street_id,
                     func.count().label("quarters"),
                     func.sum(pq.c.households * pq.c.score).label("score_weighted"),
                     func.sum(pq.c.households).label("score_weight"),
                     func.max(pq.c.quarter).label("last_quarter"))
              .where(condition).group_by(year, pq.c.estate_id, pq.c.street_id)
              .subquery("summed"))
    last = project_quarter.alias("last")
    columns = [*summed.c, last.c.company_id.label("last_company_id")]
    statement = select(*columns).join_from(summed, last, and_(
        last.c.estate_id == summed.c.estate_id, last.c.quarter == summed.c.last_quarter))
    return [column.name for column in columns], statement


def refresh_project_years(conn: Connection, selected: KeyFilter | None = None) -> None:
    """Recompute ``project_year`` from ``project_quarter`` inside the caller's
    transaction: every row, or only the (estate, year) pairs ``selected`` keeps (years as
    text)."""
    _replace_estate_years(conn, project_year, _project_year_select, selected)


def _street_month_select(selected: KeyFilter | None = None):
    """INSERT..SELECT source of ``street_month`` (only the (street, month) pairs
    ``selected`` keeps, when given)."""
    em = estate_month
    columns = {
        "street_id": em.c.street_id,
        "month": em.c.month,
        "quarter": em.c.quarter,
        "year": em.c.year,
        "district_id": em.c.district_id,
        **estate_month_sums(SUMMARY_SUM_COLUMNS),
    }
    statement = select(*[expr.label(name) for name, expr in columns.items()]).group_by(
        em.c.street_id, em.c.month, em.c.quarter, em.c.year, em.c.district_id)
    if selected is not None:
        statement = statement.where(selected(em.c.street_id, em.c.month))
    return list(columns), statement


def _project_quarter_rows(conn: Connection, selected: KeyFilter | None = None
                          ) -> pd.DataFrame:
    """Weighted score per estate and quarter, with the estate's location and size (only
    the (estate, quarter) pairs ``selected`` keeps, when given)."""
    rows = grading.assessment_rows(conn, selected)
    if rows.empty:
        return rows
    scored = grading.project_scores(rows, grading.load_rules())
    return scored[["estate_id", "quarter", "company_id", "street_id", "district_id",
                   "households", "score"]]


def refresh_summaries(conn: Connection, changes: SummaryChanges | None = None
                      ) -> RefreshResult:
    """Bring the summary tables up to date with the raw tables, inside the caller's
    transaction, and say what was recomputed.

    Without ``changes`` every summary table is rebuilt. With them (what was written since
    the summaries were last refreshed) only the rows those changes reach are recomputed;
    the summaries then equal a full rebuild. A change of the data range (the month
    calendar), or changes reaching more than :data:`INCREMENTAL_MAX_SHARE` of
    ``estate_month``, rebuild everything.

    Refreshes run one at a time: on PostgreSQL the transaction takes an advisory lock
    (SQLite lets one writer in at a time anyway), so a refresh sees every change of the
    imports that refreshed before it, and recomputes a summary row that two imports
    both reach after the first of them has committed.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(REFRESH_LOCK_KEY)))
    if changes is None:
        return _rebuild(conn)
    span = data_range(conn)
    calendar_span = conn.execute(
        select(func.min(month_calendar.c.month), func.max(month_calendar.c.month))).one()
    if span is None or span != tuple(calendar_span):
        return _rebuild(conn)
    if changes.empty:
        return RefreshResult(full=False)
    months = list(conn.execute(select(month_calendar.c.month)).scalars())
    in_calendar = set(months)
    estate_months = {(e, m) for e, m in changes.complaint_months | changes.fact_months
                     if m in in_calendar}
    estate_months.update((e, m) for e in changes.estates for m in months)
    estates = conn.execute(select(func.count()).select_from(estate)).scalar()
    if len(estate_months) > INCREMENTAL_MAX_SHARE * estates * len(months):
        return _rebuild(conn)
    with _key_table(conn):
        return _refresh_changed(conn, changes, months, estate_months)


def _rebuild(conn: Connection) -> RefreshResult:
    """Empty every summary table and build it again from the raw tables."""
    for table in (street_month, estate_month, estate_year, project_quarter, project_year,
                  month_calendar):
        conn.execute(delete(table))
    for area in AREA_SUMMARIES:
        area.clear_summaries(conn)
    rollups.clear_summaries(conn)
    span = data_range(conn)
    if span is None:
        return RefreshResult(full=True)
    bulk_insert(conn, month_calendar, _month_calendar_rows(*span))
    names, statement = _estate_month_select()
    conn.execute(insert(estate_month).from_select(names, statement))
    refresh_estate_years(conn)
    names, statement = _street_month_select()
    conn.execute(insert(street_month).from_select(names, statement))
    projects = _project_quarter_rows(conn)
    if not projects.empty:
        bulk_insert(conn, project_quarter, projects)
        grades.refresh_unqualified_runs(conn)
        refresh_project_years(conn)
    for area in AREA_SUMMARIES:
        area.refresh_summaries(conn)
    rollups.refresh_summaries(conn)
    grades.refresh_company_quarters(conn)
    if conn.dialect.name == "postgresql":
        # Fresh planner statistics for every table just rewritten (and the raw ones a
        # bulk load filled before): until autovacuum gets to them, PostgreSQL plans on
        # empty-table guesses — several times slower reads right after a demo build.
        conn.execute(text("ANALYZE"))
    return RefreshResult(full=True)


# --- incremental refresh --------------------------------------------------------------------

#: The keys an incremental refresh recomputes, in a temporary table of the connection:
#: ``kind`` says which summary they belong to, (``key_id``, ``period``) is an (estate,
#: month), (street, month) or (estate, quarter) pair.
_refresh_key = Table(
    "summary_refresh_key", MetaData(),
    Column("kind", String(16), primary_key=True),
    Column("key_id", Integer, primary_key=True),
    Column("period", String(7), primary_key=True),
    prefixes=["TEMPORARY"],
)
_ESTATE_MONTHS, _COMPLAINT_MONTHS, _STREET_MONTHS, _PROJECT_QUARTERS = (
    "estate_month", "complaint_month", "street_month", "project_quarter")
_ESTATE_YEARS, _PROJECT_YEARS = "estate_year", "project_year"
#: Quarters (whatever estate or district) are stored with key_id 0.
_QUARTERS = "quarter"
_DISTRICT_MONTHS, _DISTRICT_QUARTERS, _DISTRICT_YEARS = (
    "district_month", "district_quarter", "district_year")


def _batches(values: list, size: int = 1_000) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


@contextlib.contextmanager
def _key_table(conn: Connection) -> Iterator[None]:
    """The key table, empty, for the duration of the block (it is the connection's own,
    so concurrent refreshes never see each other's keys)."""
    _refresh_key.create(conn, checkfirst=True)
    conn.execute(delete(_refresh_key))
    yield
    _refresh_key.drop(conn)


@dataclass(frozen=True)
class _StoredKeys:
    """The keys of one kind in the key table; called with a table's (id, period) columns,
    the condition that keeps the rows with those keys (a :data:`KeyFilter`)."""

    kind: str

    def _select(self):
        return select(_refresh_key.c.key_id, _refresh_key.c.period).where(
            _refresh_key.c.kind == self.kind)

    def rows(self):
        """The keys as a subquery (key_id, period), to join with."""
        return self._select().subquery(f"{self.kind}_keys")

    def __call__(self, id_column: ColumnElement, period_column: ColumnElement
                 ) -> ColumnElement:
        return tuple_(id_column, period_column).in_(self._select())

    def periods(self, period_column: ColumnElement) -> ColumnElement:
        """The condition keeping the rows whose period is among the keys' (any id)."""
        return period_column.in_(select(_refresh_key.c.period).where(
            _refresh_key.c.kind == self.kind).distinct())

    def ids(self, id_column: ColumnElement) -> ColumnElement:
        """The condition keeping the rows whose id is among the keys' (any period)."""
        return id_column.in_(select(_refresh_key.c.key_id).where(
            _refresh_key.c.kind == self.kind).distinct())


def _store_keys(conn: Connection, kind: str, pairs: Iterable[tuple[int, str]]
                ) -> _StoredKeys:
    """Store ``pairs`` as keys of ``kind``; returns them as a filter."""
    rows = pd.DataFrame(sorted(set(pairs)), columns=["key_id", "period"])
    bulk_insert(conn, _refresh_key, rows.assign(kind=kind))
    return _StoredKeys(kind)


def _street_months_of(conn: Connection, selected: KeyFilter) -> set[tuple[int, str]]:
    em = estate_month
    return set(map(tuple, conn.execute(
        select(em.c.street_id, em.c.month).where(selected(em.c.estate_id, em.c.month))
        .distinct()).all()))


def _district_quarters_of(conn: Connection, selected: KeyFilter) -> set[tuple[int, str]]:
    pq = project_quarter
    return set(map(tuple, conn.execute(
        select(pq.c.district_id, pq.c.quarter).where(selected(pq.c.estate_id, pq.c.quarter))
        .distinct()).all()))


def _refresh_changed(conn: Connection, changes: SummaryChanges, months: list[str],
                     estate_months: set[tuple[int, str]]) -> RefreshResult:
    """Recompute the summary rows ``changes`` reach (the month calendar is unchanged)."""
    street_months: set[tuple[int, str]] = set()
    if estate_months:
        em_selected = _store_keys(conn, _ESTATE_MONTHS, estate_months)
        street_months = _street_months_of(conn, em_selected)  # streets before the change
        conn.execute(delete(estate_month).where(em_selected(estate_month.c.estate_id,
                                                            estate_month.c.month)))
        names, statement = _estate_month_select(em_selected)
        conn.execute(insert(estate_month).from_select(names, statement))
        refresh_estate_years(conn, _store_keys(
            conn, _ESTATE_YEARS, {(e, m[:4]) for e, m in estate_months}))
        street_months |= _street_months_of(conn, em_selected)
        sm_selected = _store_keys(conn, _STREET_MONTHS, street_months)
        conn.execute(delete(street_month).where(sm_selected(street_month.c.street_id,
                                                            street_month.c.month)))
        names, statement = _street_month_select(sm_selected)
        conn.execute(insert(street_month).from_select(names, statement))
        trends.refresh_summaries(conn, sm_selected)

    # complaint_month has rows for calendar months only.
    in_calendar = set(months)
    repeats_changed = complaints.update_repeats(conn, {e for e, _ in changes.complaint_months})
    complaint_months = {(e, m) for e, m in changes.complaint_months | repeats_changed
                        if m in in_calendar}
    complaint_months.update((e, m) for e in changes.estates for m in months)
    if complaint_months:
        complaints.refresh_summaries(
            conn, _store_keys(conn, _COMPLAINT_MONTHS, complaint_months))
        keys = _refresh_key
        street_months.update(map(tuple, conn.execute(
            select(estate.c.street_id, keys.c.period).distinct()
            .join_from(keys, estate, estate.c.id == keys.c.key_id)
            .where(keys.c.kind == _COMPLAINT_MONTHS)).all()))

    project_quarters = set(changes.assessed)
    for batch in _batches(sorted(changes.estates)):
        project_quarters.update(map(tuple, conn.execute(
            select(assessment.c.estate_id, assessment.c.quarter).distinct()
            .where(assessment.c.estate_id.in_(batch))).all()))
    district_quarters: set[tuple[int, str]] = set()
    if project_quarters:
        pq_selected = _store_keys(conn, _PROJECT_QUARTERS, project_quarters)
        district_quarters = _district_quarters_of(conn, pq_selected)  # before the change
        conn.execute(delete(project_quarter).where(pq_selected(project_quarter.c.estate_id,
                                                               project_quarter.c.quarter)))
        projects = _project_quarter_rows(conn, pq_selected)
        if not projects.empty:
            bulk_insert(conn, project_quarter, projects)
        grades.refresh_unqualified_runs(conn, pq_selected.ids)
        refresh_project_years(conn, _store_keys(
            conn, _PROJECT_YEARS, {(e, q[:4]) for e, q in project_quarters}))
        grades.refresh_summaries(conn, pq_selected)
        district_quarters |= _district_quarters_of(conn, pq_selected)
    district_of = dict(conn.execute(select(street.c.id, street.c.district_id)).all())
    district_months = {(district_of[s], m) for s, m in street_months}
    district_years = {(d, m[:4]) for d, m in district_months}
    if district_months or district_quarters:
        rollups.refresh_summaries(
            conn,
            _store_keys(conn, _DISTRICT_MONTHS, district_months) if district_months else None,
            _store_keys(conn, _DISTRICT_QUARTERS, district_quarters)
            if district_quarters else None,
            _store_keys(conn, _DISTRICT_YEARS, district_years) if district_years else None,
            everything=False)
    if district_quarters:
        grades.refresh_company_quarters(conn, _store_keys(
            conn, _QUARTERS, {(0, quarter) for _, quarter in district_quarters}).periods)
    return RefreshResult(full=False, street_months=frozenset(street_months),
                         project_quarters=frozenset(project_quarters))
