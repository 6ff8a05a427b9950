"""Complaints: the ``complaint_month`` summary and every read of the complaints page.

Summary (rebuilt by :func:`refresh_summaries`, called from
:func:`data_access.summary.refresh_summaries` inside the caller's transaction):

* ``complaint_repeat`` lists the *repeat* complaints: same estate and same category as an
  earlier complaint received at most :data:`REPEAT_WINDOW_DAYS` calendar days before
  (days counted between the days of receipt; the first complaint of a chain is not a
  repeat, every later one within 30 days of its predecessor is).
* ``complaint_month`` counts complaints per estate, month, company, category, channel and
  the level where they were resolved (NULL when not resolved), with how many were
  answered on time, resolved, rated by the resident, rated satisfied, and repeats.
* ``complaint_street_month`` sums ``complaint_month`` per month, street and one of the
  :data:`STREET_DIMENSIONS` (``group_code``: the category, channel or level;
  :data:`UNRESOLVED` for no level). :func:`complaint_sums` reads it whenever a read
  involves no estate and at most one of those dimensions — most charts — because
  ``complaint_month`` hardly summarises at province scale (nearly a row per complaint);
  when the view is whole districts (no street), it reads the same rows summed per
  district, ``complaint_district_month`` (data_access.rollups), a sixteenth as many.

Reads take the viewer's :class:`~data_access.filters.Scope`, the page
:class:`~data_access.filters.Filters` (period and area) and a cross-filter
:class:`Selection` (category, channel, month picked on a chart). Rates come from the
metric registry (complaint rate, per 1,000 households, on-time response, resolution);
the three complaint-handling ratios the registry does not hold yet are defined once
here as :class:`~data_access.metrics.Metric` objects (:data:`EXTRA_METRICS`).

Only :func:`open_complaints` reads the raw ``complaint`` table (a list, never a chart), and
it never selects ``complainant_phone``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    type_coerce,
)

from data_access import metrics, rollups
from data_access.filters import Filters, Scope, area_clause
from data_access.frames import collections_paused
from data_access.loading import bulk_insert
from data_access.schema import (
    company,
    complaint,
    complaint_district_month,
    complaint_month,
    complaint_repeat,
    complaint_street_month,
    estate,
    estate_month,
    estate_year,
    month_calendar,
    street,
    street_month,
)

#: Same estate and category within this many days of the previous one: a repeat.
REPEAT_WINDOW_DAYS = 30
#: Estates with fewer households are not ranked by complaint rate (too few to compare).
RANK_MIN_HOUSEHOLDS = 100
#: Rows of the open-complaints list shown at most (the total is always given).
OPEN_LIST_LIMIT = 200

SUM_COLUMNS = ("complaints", "complaints_on_time", "complaints_resolved", "complaints_rated",
               "complaints_satisfied", "complaints_repeat")
#: Columns of complaint_month a read may group by.
DIMENSIONS = ("category", "channel", "month", "resolved_level", "estate_id", "company_id")
#: The dimensions of ``complaint_street_month`` (its ``dimension`` column).
STREET_DIMENSIONS = ("category", "channel", "resolved_level")
#: ``group_code`` of unresolved complaints in ``complaint_street_month`` (NULL level).
UNRESOLVED = "__none__"


# --- complaint-handling metrics (defined in the registry, data_access/metrics.py) ----------

HANDLING_SATISFACTION = metrics.get("handling_satisfaction_rate")
REPEAT_SHARE = metrics.get("repeat_share")
LEVEL_SHARE = metrics.get("resolved_level_share")
EXTRA_METRICS = (HANDLING_SATISFACTION, REPEAT_SHARE)
COMPLAINT_RATE = metrics.get("complaint_rate")
COMPLAINTS_PER_1000 = metrics.get("complaints_per_1000")


def evaluate(components: pd.DataFrame | dict[str, Any]) -> pd.DataFrame | dict[str, Any]:
    """Registry metrics plus :data:`EXTRA_METRICS` from complaint components.

    Components: the :data:`SUM_COLUMNS` and ``household_months`` (missing ones count 0).
    """
    if isinstance(components, pd.DataFrame):
        names = (*metrics.COMPONENTS,
                 *(n for n in (*SUM_COLUMNS, "household_months") if n not in metrics.COMPONENTS))
        return metrics.evaluate_frame(components, (*metrics.METRICS, *EXTRA_METRICS), names)
    values = {name: float(components.get(name) or 0)
              for name in (*SUM_COLUMNS, "household_months")}
    result = metrics.evaluate(values)
    for metric in EXTRA_METRICS:
        result[metric.key] = metric.compute(values)
    return {**values, **result}


# --- refresh --------------------------------------------------------------------------------

def clear_summaries(conn: Connection) -> None:
    """Empty the complaint summaries (first step of a refresh)."""
    conn.execute(delete(complaint_street_month))
    conn.execute(delete(complaint_month))
    conn.execute(delete(complaint_repeat))


def repeat_flags(frame: pd.DataFrame, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """For complaints sorted by (estate_id, category, received_at): whether each one
    follows a complaint of the same estate and category received at most ``window_days``
    days (between days of receipt) before it."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    days = pd.to_datetime(frame["received_at"], format="ISO8601").to_numpy().astype("datetime64[D]").astype(
        np.int64)
    estates = frame["estate_id"].to_numpy()
    categories = frame["category"].to_numpy()
    flags = np.zeros(len(frame), dtype=bool)
    same = (estates[1:] == estates[:-1]) & (categories[1:] == categories[:-1])
    flags[1:] = same & (days[1:] - days[:-1] <= window_days)
    return flags


_ESTATE_BATCH = 1_000
#: (street, month) pairs recomputed per statement: two bound parameters each, well
#: below SQLite's limit of 32,766 per statement.
_STREET_MONTH_BATCH = 2_000


def _flagged_complaints(conn: Connection, estate_ids: set[int] | None = None
                        ) -> pd.DataFrame:
    """id, estate_id, received_month and ``repeat`` (the flag of :func:`repeat_flags`)
    of every complaint (of ``estate_ids`` only, when given: a flag depends only on
    complaints of the same estate)."""
    c = complaint
    statement = select(c.c.id, c.c.estate_id, c.c.category, c.c.received_month,
                       type_coerce(c.c.received_at, String).label("received_at"))
    names = ["id", "estate_id", "category", "received_month", "received_at"]
    if estate_ids is None:
        statements = [statement]
    else:
        ordered = sorted(estate_ids)
        statements = [statement.where(c.c.estate_id.in_(ordered[start:start + _ESTATE_BATCH]))
                      for start in range(0, len(ordered), _ESTATE_BATCH)]
    rows = [row for part in statements for row in conn.execute(part)]
    # Built a column at a time: a frame made from a million result rows directly takes
    # several times longer. Sorting here rather than in SQL is faster too; the order of
    # the categories does not matter, only that each estate's category is contiguous.
    frame = pd.DataFrame(dict(zip(names, map(list, zip(*rows)))), columns=names)
    frame["received_at"] = pd.to_datetime(frame["received_at"], format="ISO8601")
    frame = frame.sort_values(["estate_id", "category", "received_at", "id"],
                              kind="stable", ignore_index=True)
    frame["repeat"] = repeat_flags(frame)
    return frame.drop(columns=["category", "received_at"])


def _mark_repeats(conn: Connection) -> None:
    frame = _flagged_complaints(conn)
    flagged = frame.loc[frame["repeat"], ["id"]].rename(columns={"id": "complaint_id"})
    bulk_insert(conn, complaint_repeat, flagged)


def update_repeats(conn: Connection, estate_ids: set[int]) -> set[tuple[int, str]]:
    """Bring ``complaint_repeat`` up to date for the complaints of ``estate_ids`` (the
    estates whose complaints were added, changed or moved in or out); returns the
    (estate_id, month) of the complaints whose flag changed, whose ``complaint_month``
    rows must be recomputed too."""
    if not estate_ids:
        return set()
    frame = _flagged_complaints(conn, estate_ids)
    flagged = set(frame.loc[frame["repeat"], "id"].tolist())
    ordered = sorted(estate_ids)
    before: set[int] = set()
    for start in range(0, len(ordered), _ESTATE_BATCH):
        before.update(conn.execute(
            select(complaint_repeat.c.complaint_id)
            .join(complaint, complaint.c.id == complaint_repeat.c.complaint_id)
            .where(complaint.c.estate_id.in_(ordered[start:start + _ESTATE_BATCH]))).scalars())
    cleared = sorted(before - flagged)
    for start in range(0, len(cleared), _ESTATE_BATCH):
        conn.execute(delete(complaint_repeat).where(
            complaint_repeat.c.complaint_id.in_(cleared[start:start + _ESTATE_BATCH])))
    bulk_insert(conn, complaint_repeat,
                pd.DataFrame({"complaint_id": sorted(flagged - before)}, dtype="int64"))
    changed = frame[frame["id"].isin(flagged ^ before)]
    return set(zip(changed["estate_id"].tolist(), changed["received_month"].tolist()))


def _complaint_month_select():
    c = complaint
    on_time = and_(c.c.responded_at.is_not(None), c.c.responded_at < c.c.response_due_at)
    resolved = c.c.resolved_at.is_not(None)
    level = case((resolved, c.c.resolved_level), else_=None)
    rated = c.c.resident_satisfied.is_not(None)
    satisfied = c.c.resident_satisfied.is_(True)
    repeat = complaint_repeat.c.complaint_id.is_not(None)
    keys = {
        "estate_id": c.c.estate_id,
        "month": c.c.received_month,
        "quarter": month_calendar.c.quarter,
        "year": month_calendar.c.year,
        "street_id": estate.c.street_id,
        "district_id": street.c.district_id,
        "company_id": c.c.company_id,
        "category": c.c.category,
        "channel": c.c.channel,
        "resolved_level": level,
    }
    sums = {
        "complaints": func.count(),
        "complaints_on_time": func.sum(case((on_time, 1), else_=0)),
        "complaints_resolved": func.sum(case((resolved, 1), else_=0)),
        "complaints_rated": func.sum(case((rated, 1), else_=0)),
        "complaints_satisfied": func.sum(case((satisfied, 1), else_=0)),
        "complaints_repeat": func.sum(case((repeat, 1), else_=0)),
    }
    source = (c.join(estate, estate.c.id == c.c.estate_id)
              .join(street, street.c.id == estate.c.street_id)
              .join(month_calendar, month_calendar.c.month == c.c.received_month)
              .outerjoin(complaint_repeat, complaint_repeat.c.complaint_id == c.c.id))
    statement = (select(*[expr.label(name) for name, expr in {**keys, **sums}.items()])
                 .select_from(source).group_by(*keys.values()))
    return [*keys, *sums], statement


def refresh_summaries(conn: Connection, estate_months: Callable[
        [ColumnElement, ColumnElement], ColumnElement] | None = None) -> None:
    """Rebuild ``complaint_repeat``, ``complaint_month`` (after ``month_calendar``) and
    ``complaint_street_month`` (from ``complaint_month``).

    With ``estate_months`` (a filter on (estate, month) columns) only the
    ``complaint_month`` rows of those estate-months are recomputed, from a
    ``complaint_repeat`` that :func:`update_repeats` has brought up to date, and the
    ``complaint_street_month`` rows of the street-months they were in or are now in.
    """
    names, statement = _complaint_month_select()
    if estate_months is None:
        clear_summaries(conn)
        _mark_repeats(conn)
        conn.execute(insert(complaint_month).from_select(names, statement))
        _fill_street_summary(conn)
        return
    selected = estate_months(complaint_month.c.estate_id, complaint_month.c.month)
    # The street-months before and after: an estate that moved to another street takes
    # its complaints out of the old street's rows.
    street_months = _street_months_of(conn, selected)
    conn.execute(delete(complaint_month).where(selected))
    statement = statement.where(estate_months(complaint.c.estate_id,
                                              complaint.c.received_month))
    conn.execute(insert(complaint_month).from_select(names, statement))
    street_months |= _street_months_of(conn, selected)
    pairs = sorted(street_months)
    csm = complaint_street_month
    for start in range(0, len(pairs), _STREET_MONTH_BATCH):
        batch = pairs[start:start + _STREET_MONTH_BATCH]
        conn.execute(delete(csm).where(tuple_(csm.c.street_id, csm.c.month).in_(batch)))
        _fill_street_summary(conn, batch)


def _street_months_of(conn: Connection, condition: ColumnElement) -> set[tuple[int, str]]:
    cm = complaint_month
    return set(map(tuple, conn.execute(
        select(cm.c.street_id, cm.c.month).where(condition).distinct()).all()))


def _fill_street_summary(conn: Connection,
                         street_months: list[tuple[int, str]] | None = None) -> None:
    """Insert the ``complaint_street_month`` rows (of ``street_months`` only, when given;
    they must not be there yet) from ``complaint_month``, one statement per dimension."""
    cm = complaint_month
    for dimension in STREET_DIMENSIONS:
        # Only resolved_level can be NULL; the others pass through COALESCE unchanged.
        group = func.coalesce(cm.c[dimension], literal(UNRESOLVED))
        columns = {
            "dimension": literal(dimension),
            "street_id": cm.c.street_id,
            "month": cm.c.month,
            "group_code": group,
            "district_id": cm.c.district_id,
            **{name: func.sum(cm.c[name]) for name in SUM_COLUMNS},
        }
        statement = (select(*[expr.label(name) for name, expr in columns.items()])
                     .group_by(cm.c.street_id, cm.c.month, group, cm.c.district_id))
        if street_months is not None:
            statement = statement.where(tuple_(cm.c.street_id, cm.c.month).in_(street_months))
        conn.execute(insert(complaint_street_month).from_select(list(columns), statement))


# --- cross-filter selection ------------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """What the viewer picked on the complaints charts (None: everything)."""

    category: str | None = None
    channel: str | None = None
    month: str | None = None

    KEYS = ("category", "channel", "month")

    def without(self, name: str) -> "Selection":
        return replace(self, **{name: None})

    @property
    def is_empty(self) -> bool:
        return not (self.category or self.channel or self.month)

    def items(self) -> list[tuple[str, str]]:
        return [(key, getattr(self, key)) for key in self.KEYS if getattr(self, key)]


def months_in_view(filters: Filters, selection: Selection | None = None) -> tuple[str, str]:
    """First and last month shown: the period's, or the selected month when it lies in it."""
    period = filters.period_obj
    month = selection.month if selection is not None else None
    if month and period.first_month <= month <= period.last_month:
        return month, month
    return period.first_month, period.last_month


def _estate_id_clause(column, estate_code: str | None):
    return column.in_(select(estate.c.id).where(estate.c.code == estate_code))


def _selection_clauses(table, selection: Selection | None) -> list:
    clauses = []
    if selection is not None:
        if selection.category:
            clauses.append(table.c.category == selection.category)
        if selection.channel:
            clauses.append(table.c.channel == selection.channel)
    return clauses


def complaint_sums(engine: Engine, scope: Scope, filters: Filters,
                   selection: Selection | None = None, by: tuple[str, ...] = (),
                   estate_code: str | None = None, *, use_street_summary: bool = True,
                   use_district_rollup: bool = True) -> pd.DataFrame:
    """Σ of :data:`SUM_COLUMNS` over the months in view, grouped by ``by`` (names from
    :data:`DIMENSIONS`) and sorted by it, within scope ∩ the filters' area (∩ one
    estate) ∩ ``selection``.

    An estate profile passes ``estate_code`` and filters without an area. The source is
    the smallest table that holds the read (:func:`_sums_statement`); the frames are the
    same whichever it is. ``use_street_summary`` and ``use_district_rollup`` (only tests
    turn them off, to compare the paths) allow ``complaint_street_month`` and
    ``complaint_district_month``.
    """
    statement, keys = _sums_statement(scope, filters, selection, by, estate_code, SUM_COLUMNS,
                                      use_street_summary, use_district_rollup)
    if keys:
        statement = statement.group_by(*keys).order_by(*keys)
    with engine.connect() as conn:
        # Plain tuples: a frame built from row mappings costs far more than the read.
        rows = [tuple(row) for row in conn.execute(statement).all()]
    if not keys and rows and rows[0][0] is None:
        rows = []  # SUM over no rows: one row of NULLs
    frame = pd.DataFrame(rows, columns=[*by, *SUM_COLUMNS])
    sums = list(SUM_COLUMNS)
    frame[sums] = frame[sums].fillna(0).astype("int64")
    return frame


def street_summary_dimension(by: tuple[str, ...], selection: Selection | None,
                             estate_code: str | None) -> str | None:
    """The ``complaint_street_month`` dimension a read can use, or None when it needs
    ``complaint_month``: one estate, or more than one non-month dimension between
    ``by`` and the selection's category and channel (none: ``category``, whose rows
    add up to every complaint). ``complaint_district_month`` has the same dimensions."""
    if estate_code is not None:
        return None
    used = {name for name in by if name != "month"}
    if selection is not None:
        used.update(name for name in ("category", "channel") if getattr(selection, name))
    if len(used) > 1 or not used <= set(STREET_DIMENSIONS):
        return None
    return next(iter(used), "category")


def _sums_statement(scope: Scope, filters: Filters, selection: Selection | None,
                    by: tuple[str, ...], estate_code: str | None, columns: tuple[str, ...],
                    use_street_summary: bool = True, use_district_rollup: bool = True
                    ) -> tuple[Select, list]:
    """The statement (not yet grouped) summing ``columns`` of :data:`SUM_COLUMNS` and its
    group keys (labelled ``by``), on the smallest table that holds the read:
    ``complaint_district_month`` when :func:`street_summary_dimension` allows a one-dimension
    summary and scope ∩ area is whole districts (:func:`rollups.serves`),
    ``complaint_street_month`` when it allows one but streets are involved, otherwise
    ``complaint_month``."""
    unknown = set(by) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"cannot group complaints by {sorted(unknown)}")
    first, last = months_in_view(filters, selection)
    dimension = street_summary_dimension(by, selection, estate_code)
    if not use_street_summary or dimension is None:
        return _complaint_month_statement(scope, filters, selection, by, estate_code, columns,
                                          first, last)
    if use_district_rollup and rollups.serves(scope, filters):
        table = complaint_district_month
        area = rollups.area_condition(table.c.district_id, scope, filters)
    else:
        table = complaint_street_month
        area = area_clause(table.c.street_id, scope, filters)
    return _dimension_summary_statement(table, area, selection, by, dimension, columns, first,
                                        last)


def _complaint_month_statement(scope: Scope, filters: Filters, selection: Selection | None,
                               by: tuple[str, ...], estate_code: str | None,
                               columns: tuple[str, ...], first: str, last: str
                               ) -> tuple[Select, list]:
    """:func:`_sums_statement` on ``complaint_month``."""
    cm = complaint_month
    conditions = [area_clause(cm.c.street_id, scope, filters), cm.c.month >= first,
                  cm.c.month <= last, *_selection_clauses(cm, selection)]
    if estate_code is not None:
        conditions.append(_estate_id_clause(cm.c.estate_id, estate_code))
    keys = [cm.c[name] for name in by]
    statement = (select(*keys, *[func.sum(cm.c[name]).label(name) for name in columns])
                 .where(and_(*conditions)))
    return statement, keys


def _dimension_summary_statement(table, area: ColumnElement, selection: Selection | None,
                                 by: tuple[str, ...], dimension: str,
                                 columns: tuple[str, ...], first: str, last: str
                                 ) -> tuple[Select, list]:
    """:func:`_sums_statement` on the ``dimension`` rows of ``complaint_street_month`` or
    ``complaint_district_month`` (``area``: the condition on their street or district),
    its keys labelled as ``complaint_month``'s columns."""
    conditions = [table.c.dimension == dimension, area, table.c.month >= first,
                  table.c.month <= last]
    chosen = getattr(selection, dimension, None) if selection is not None else None
    if chosen:
        conditions.append(table.c.group_code == chosen)
    # Unresolved complaints back to NULL, in SQL so that they sort where the database
    # sorts the NULLs of complaint_month.resolved_level.
    group = (func.nullif(table.c.group_code, literal(UNRESOLVED))
             if dimension == "resolved_level" else table.c.group_code)
    keys = [(table.c.month if name == "month" else group).label(name) for name in by]
    statement = (select(*keys, *[func.sum(table.c[name]).label(name) for name in columns])
                 .where(and_(*conditions)))
    return statement, keys


def households_by_month(engine: Engine, scope: Scope, filters: Filters,
                        selection: Selection | None = None,
                        estate_code: str | None = None) -> pd.DataFrame:
    """Σ households of the estates in scope ∩ area (or of one estate) per month in view:
    the denominator of the complaint rate (``household_months`` = their sum)."""
    first, last = months_in_view(filters, selection)
    if estate_code is not None:
        table = estate_month
        conditions = [_estate_id_clause(table.c.estate_id, estate_code),
                      area_clause(table.c.street_id, scope)]
    else:
        table = street_month
        conditions = [area_clause(table.c.street_id, scope, filters)]
    statement = (select(table.c.month, func.sum(table.c.households).label("households"))
                 .where(and_(*conditions, table.c.month >= first, table.c.month <= last))
                 .group_by(table.c.month).order_by(table.c.month))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["month", "households"])
    frame["households"] = frame["households"].astype(float)
    return frame


def summary(engine: Engine, scope: Scope, filters: Filters, selection: Selection | None = None,
            estate_code: str | None = None) -> dict[str, Any]:
    """Every complaint metric of the view (registry metrics and :data:`EXTRA_METRICS`),
    with its components, ``months`` (months with household data) and ``households``."""
    sums = complaint_sums(engine, scope, filters, selection, (), estate_code)
    households = households_by_month(engine, scope, filters, selection, estate_code)
    components = {name: float(sums[name].sum()) if not sums.empty else 0.0
                  for name in SUM_COLUMNS}
    components["household_months"] = float(households["households"].sum())
    result = evaluate(components)
    result["months"] = len(households)
    result["households"] = float(households["households"].iloc[-1]) if len(households) else 0.0
    return result


def breakdown(engine: Engine, scope: Scope, filters: Filters, selection: Selection | None,
              by: str, estate_code: str | None = None) -> pd.DataFrame:
    """Counts and metrics per category, channel, month or resolved_level.

    The rate of a category or channel divides its complaints by every household in scope
    over the months in view (annualised); the rate of a month by that month's households.
    The dimension's own selection is not applied (a chart keeps showing every bar of the
    dimension it selects), the others are.
    """
    own = selection.without(by) if selection is not None and by in Selection.KEYS else selection
    sums = complaint_sums(engine, scope, filters, own, (by,), estate_code)
    households = households_by_month(engine, scope, filters, own, estate_code)
    if by == "month":
        frame = sums.merge(households, on="month", how="outer").sort_values("month")
        frame["household_months"] = frame["households"].fillna(0.0)
        frame = frame.drop(columns=["households"])
        for name in SUM_COLUMNS:
            frame[name] = frame[name].fillna(0).astype(int)
    else:
        frame = sums.copy()
        frame["household_months"] = float(households["households"].sum())
    if by == "resolved_level":
        frame["resolved_total"] = float(frame["complaints_resolved"].sum())
    result = evaluate(frame)
    if by == "resolved_level":
        result[LEVEL_SHARE.key] = LEVEL_SHARE.compute(result)
    return result.reset_index(drop=True)


def category_month_matrix(engine: Engine, scope: Scope, filters: Filters,
                          selection: Selection | None = None, *,
                          use_street_summary: bool = True,
                          use_district_rollup: bool = True) -> pd.DataFrame:
    """Complaints per category (rows, index ``category``) and month (columns, named
    ``month``) in the period, both sorted, 0 where a category had none that month; the
    month selection is not applied (the heatmap shows the whole period). An empty frame
    when there are no complaints. The source and the keywords are
    :func:`complaint_sums`'."""
    own = selection.without("month") if selection is not None else None
    statement, keys = _sums_statement(scope, filters, own, ("category", "month"), None,
                                      ("complaints",), use_street_summary, use_district_rollup)
    with engine.connect() as conn:
        rows = conn.execute(statement.group_by(*keys)).all()
    if not rows:
        return pd.DataFrame()
    # One (category, month) row each: placed into a zero matrix directly, which costs
    # a fraction of a pandas pivot (the read itself takes a few milliseconds).
    categories, months, counts = zip(*rows)
    category_index, category_codes = pd.factorize(pd.Index(categories), sort=True)
    month_index, month_codes = pd.factorize(pd.Index(months), sort=True)
    matrix = np.zeros((len(category_codes), len(month_codes)), dtype="int64")
    matrix[category_index, month_index] = counts
    return pd.DataFrame(matrix, index=pd.Index(category_codes, name="category"),
                        columns=pd.Index(month_codes, name="month"))


# --- estates ranked by complaint rate ----------------------------------------------------------

def estate_ranking(engine: Engine, scope: Scope, filters: Filters,
                   selection: Selection | None = None,
                   min_households: int = RANK_MIN_HOUSEHOLDS, *,
                   use_estate_month: bool = True) -> pd.DataFrame:
    """Every estate in scope ∩ area with its complaints in view and its complaint rate.

    Estates with at least ``min_households`` households are ranked (1 = highest rate;
    ties: more complaints first, then code); the others have ``rank`` NaN and
    ``ranked`` False ("too small to rank"). Columns: code, name, street_code,
    street_name, street_name_en, company_name, households, complaints,
    household_months, complaint_rate, complaints_per_1000, ranked, rank.

    Without a category or channel selection the complaints are counted from
    ``estate_month`` in the scan that sums the households (it counts the same complaints
    as ``complaint_month``: per estate and month of receipt); otherwise, or when
    ``use_estate_month`` is False (tests, to compare), from ``complaint_month``. A whole
    year reads both sums from ``estate_year`` instead (not when ``use_estate_month`` is
    False).
    """
    first, last = months_in_view(filters, selection)
    by_category_or_channel = _selection_clauses(complaint_month, selection)
    counted_with_exposure = use_estate_month and not by_category_or_channel
    if use_estate_month and first[:4] == last[:4] and (first[5:], last[5:]) == ("01", "12"):
        # a whole year: its sums per estate (and street) are stored
        ey = estate_year
        exposure_sums = [func.sum(ey.c.household_months).label("household_months")]
        if counted_with_exposure:
            exposure_sums.append(func.sum(ey.c.complaints).label("complaints"))
        in_view = and_(area_clause(ey.c.street_id, scope, filters), ey.c.year == int(first[:4]))
        exposure = (select(ey.c.estate_id, *exposure_sums).where(in_view)
                    .group_by(ey.c.estate_id).subquery("exposure"))
    else:
        em = estate_month
        exposure_sums = [func.sum(em.c.households).label("household_months")]
        if counted_with_exposure:
            exposure_sums.append(func.sum(em.c.complaints).label("complaints"))
        # Complaints counted with the households: one read of estate_month, served by the
        # index ix_estate_month_at_month alone when it holds complaints (the period's rows
        # lie scattered over the table, ordered by estate).
        exposure = (select(em.c.estate_id, *exposure_sums)
                    .where(and_(area_clause(em.c.street_id, scope, filters),
                                em.c.month >= first, em.c.month <= last))
                    .group_by(em.c.estate_id).subquery("exposure"))
    source = estate.join(exposure, exposure.c.estate_id == estate.c.id)
    if counted_with_exposure:
        complaints_counted = exposure.c.complaints
    else:
        cm = complaint_month
        counted = (select(cm.c.estate_id, func.sum(cm.c.complaints).label("complaints"))
                   .where(and_(area_clause(cm.c.street_id, scope, filters),
                               cm.c.month >= first, cm.c.month <= last,
                               *by_category_or_channel))
                   .group_by(cm.c.estate_id).subquery("counted"))
        source = source.outerjoin(counted, counted.c.estate_id == estate.c.id)
        complaints_counted = func.coalesce(counted.c.complaints, 0)
    statement = (
        select(estate.c.code, estate.c.name, estate.c.street_id, estate.c.company_id,
               estate.c.households, complaints_counted.label("complaints"),
               exposure.c.household_months)
        .select_from(source)
        .where(area_clause(estate.c.street_id, scope, filters))
    )
    # Street and company names are looked up afterwards in the (small) street and
    # company tables: fetched on each of 20,000 rows they cost a fifth of the read.
    streets = select(street.c.id, street.c.code, street.c.name, street.c.name_en).where(
        area_clause(street.c.id, scope, filters))
    with engine.connect() as conn, collections_paused():
        # driver rows: SQLAlchemy's Row objects cost half the read at 20,000 estates
        rows = conn.execute(statement).cursor.fetchall()
        streets_by_id = {street_id: names for street_id, *names in conn.execute(streets)}
        companies_by_id = dict(conn.execute(select(company.c.id, company.c.name)).all())
    columns = ["code", "name", "street_code", "street_name", "street_name_en", "company_name",
               "households", "complaints", "household_months"]
    # Plain tuples: a frame built from 20,000 row mappings costs a tenth of a second.
    frame = pd.DataFrame(
        [(code, name, *streets_by_id[street_id], companies_by_id.get(company_id), *sums)
         for code, name, street_id, company_id, *sums in rows], columns=columns)
    # Only the two registry metrics shown: evaluating the whole registry costs more
    # than this read.
    frame = metrics.evaluate_frame(frame, (COMPLAINT_RATE, COMPLAINTS_PER_1000),
                                   ("households", "complaints", "household_months"))
    frame["ranked"] = frame["households"] >= min_households
    frame = frame.sort_values(["ranked", "complaint_rate", "complaints", "code"],
                              ascending=[False, False, False, True], na_position="last",
                              ignore_index=True)
    ranked = int(frame["ranked"].sum())
    rank = np.full(len(frame), np.nan)
    rank[:ranked] = np.arange(1, ranked + 1)
    frame["rank"] = rank
    return frame


# --- open complaints (the raw table, as a list) ------------------------------------------------

def as_of(engine: Engine) -> dt.date | None:
    """The data's as-of date: the last day of the last month with data."""
    with engine.connect() as conn:
        last = conn.execute(select(func.max(month_calendar.c.month_end))).scalar()
    if last is None:
        return None
    return pd.Timestamp(last).date()


def _open_conditions(scope: Scope, filters: Filters | None, selection: Selection | None,
                     estate_code: str | None, cutoff: dt.datetime, past_deadline_only: bool):
    c = complaint
    conditions = [area_clause(estate.c.street_id, scope, filters), c.c.resolved_at.is_(None),
                  c.c.received_at < cutoff, *_selection_clauses(c, selection)]
    if filters is not None:
        first, last = months_in_view(filters, selection)
        conditions += [c.c.received_month >= first, c.c.received_month <= last]
    if estate_code is not None:
        conditions.append(estate.c.code == estate_code)
    if past_deadline_only:
        conditions += [c.c.response_due_at < cutoff,
                       or_(c.c.responded_at.is_(None), c.c.responded_at >= c.c.response_due_at)]
    return and_(*conditions)


def open_complaints(engine: Engine, scope: Scope, filters: Filters | None = None,
                    selection: Selection | None = None, *, estate_code: str | None = None,
                    past_deadline_only: bool = True,
                    limit: int | None = OPEN_LIST_LIMIT) -> tuple[pd.DataFrame, int]:
    """Complaints not resolved by the as-of date (:func:`as_of`), oldest deadline first.

    *Past deadline* (``past_deadline_only``): the response deadline (end of the 3rd working
    day after the day of receipt) ended before the as-of date and the complaint was not
    answered by then (no answer, or a late one). ``days_overdue`` counts the days after the
    due day up to and including the as-of date (0 while the deadline has not passed, and
    for a complaint answered in time).
    With ``filters``: received in the months in view, in the filters' area.

    ``limit``: at most this many rows (None: all; at least 1).

    Returns (rows, total count). Columns: code, received_at, due_date, responded_at,
    category, channel, estate_code, estate_name, street_code, street_name, street_name_en,
    company_name, days_overdue. The complainant's phone is never selected.
    """
    columns = ["code", "received_at", "due_date", "responded_at", "category", "channel",
               "estate_code", "estate_name", "street_code", "street_name", "street_name_en",
               "company_name", "days_overdue"]
    if limit is not None and limit < 1:
        raise ValueError(f"the open-complaints list needs room for a row, not {limit}")
    day = as_of(engine)
    if day is None:
        return pd.DataFrame(columns=columns), 0
    cutoff = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    c = complaint
    where = _open_conditions(scope, filters, selection, estate_code, cutoff,
                             past_deadline_only)
    source = (c.join(estate, estate.c.id == c.c.estate_id)
              .join(street, street.c.id == estate.c.street_id)
              .outerjoin(company, company.c.id == c.c.company_id))
    # The total rides on every row (a window over all matching rows, counted before the
    # LIMIT): one pass over the period's complaints instead of a second COUNT query.
    statement = (select(c.c.code, c.c.received_at, c.c.response_due_at, c.c.responded_at,
                        c.c.category, c.c.channel, estate.c.code.label("estate_code"),
                        estate.c.name.label("estate_name"), street.c.code.label("street_code"),
                        street.c.name.label("street_name"),
                        street.c.name_en.label("street_name_en"),
                        company.c.name.label("company_name"),
                        func.count().over().label("total"))
                 .select_from(source).where(where)
                 .order_by(c.c.response_due_at, c.c.received_at, c.c.code))
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(statement).all()]
    total = int(rows[0][-1]) if rows else 0
    frame = pd.DataFrame([row[:-1] for row in rows],
                         columns=["code", "received_at", "response_due_at", "responded_at",
                                  *columns[4:-1]])
    if frame.empty:
        return pd.DataFrame(columns=columns), total
    due_at = pd.to_datetime(frame["response_due_at"])
    frame["due_date"] = (due_at - pd.Timedelta(days=1)).dt.date
    frame["received_at"] = pd.to_datetime(frame["received_at"])
    frame["responded_at"] = pd.to_datetime(frame["responded_at"])
    overdue = (pd.Timestamp(cutoff) - due_at).dt.days.clip(lower=0)
    answered_in_time = frame["responded_at"].notna() & (frame["responded_at"] < due_at)
    frame["days_overdue"] = overdue.where(~answered_in_time, 0).astype(int)
    return frame[columns], total
