"""Trends: metric series broken down by area, company, management mode or estate age.

One SQL query per (scope, area, breakdown) returns the *monthly sums* for the whole data
range, one row per month and group (``group_code``), in the same shape as
:func:`data_access.queries.monthly_sums`; everything else — folding into months,
quarters or years, comparing two periods, lumping small companies together — is done on
that frame with :func:`data_access.queries.components_by_bucket` and the metric
registry, so a change of grain or period needs no database round trip.

Breakdowns: ``total`` (one group, ``__all__``), ``district``, ``street`` (from
``street_month``), ``company`` (company serving the estate that month; ``__none__`` for
no company), ``mode`` (management mode that month), ``age`` (``old``: built before
:data:`OLD_BUILT_BEFORE`, ``new``, ``unknown`` build year) from the ``trend_month``
summary, which :func:`refresh_summaries` builds from ``estate_month``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)

from data_access import metrics, queries
from data_access.filters import Filters, Scope, area_clause
from data_access.periods import Period
from data_access.aggregates import estate_month_sums
from data_access.schema import company, estate, estate_month, trend_month

Breakdown = Literal["total", "district", "street", "company", "mode", "age"]
BREAKDOWNS: tuple[str, ...] = ("total", "district", "street", "company", "mode", "age")
#: Breakdowns read from the ``trend_month`` summary (built from estate_month).
SEGMENT_BREAKDOWNS = ("company", "mode", "age")
#: Estates built before this year are "old estates" (老旧小区, DOMAIN.md: end of 2005).
OLD_BUILT_BEFORE = 2006
#: Companies shown one by one in a company breakdown (largest by households); the rest
#: are summed as :data:`OTHER`.
TOP_COMPANIES = 8
ALL = "__all__"
OTHER = "__other__"
NONE = "__none__"
AGE_GROUPS = ("old", "new", "unknown")
#: Metrics a trend can show (flows: they add up over months and groups).
TREND_METRICS = ("satisfaction_rate", "payment_rate", "complaint_rate",
                 "on_time_response_rate", "resolution_rate")

_STOCKS = ("estates", "households", "managed_estates", "managed_households",
           "unmanaged_estates", "committee_estates")
_FLOWS = ("households_billed", "households_paid", "complaints", "complaints_on_time",
          "complaints_resolved", "respondents_month", "satisfied_month", "respondents_quarter",
          "satisfied_quarter", "respondents_year", "satisfied_year")
SUM_COLUMNS = (*_STOCKS, *_FLOWS)


def clear_summaries(conn: Connection) -> None:
    """Empty ``trend_month`` (first step of a refresh)."""
    conn.execute(delete(trend_month))


def _group_expression(dimension: str):
    em = estate_month
    if dimension == "company":
        return func.coalesce(company.c.code, literal(NONE))
    if dimension == "mode":
        return em.c.management_mode
    return case((estate.c.build_year.is_(None), literal("unknown")),
                (estate.c.build_year < OLD_BUILT_BEFORE, literal("old")),
                else_=literal("new"))


def refresh_summaries(conn: Connection, street_months: Callable[
        [ColumnElement, ColumnElement], ColumnElement] | None = None) -> None:
    """Rebuild ``trend_month`` from ``estate_month`` (one INSERT..SELECT per dimension);
    with ``street_months`` (a filter on (street, month) columns) only the rows of those
    street-months."""
    em = estate_month
    if street_months is None:
        clear_summaries(conn)
    else:
        conn.execute(delete(trend_month).where(
            street_months(trend_month.c.street_id, trend_month.c.month)))
    for dimension in SEGMENT_BREAKDOWNS:
        group = _group_expression(dimension)
        columns = {
            "month": em.c.month,
            "street_id": em.c.street_id,
            "district_id": em.c.district_id,
            "dimension": literal(dimension),
            "group_code": group,
            **estate_month_sums(_FLOWS),
        }
        source = em.join(estate, estate.c.id == em.c.estate_id)
        if dimension == "company":
            source = source.outerjoin(company, company.c.id == em.c.company_id)
        statement = (select(*[expr.label(name) for name, expr in columns.items()])
                     .select_from(source)
                     .group_by(em.c.month, em.c.street_id, em.c.district_id, group))
        if street_months is not None:
            statement = statement.where(street_months(em.c.street_id, em.c.month))
        conn.execute(insert(trend_month).from_select(list(columns), statement))


def top_companies(engine: Engine, scope: Scope, filters: Filters | None, month: str,
                  keep: int = TOP_COMPANIES) -> list[str]:
    """Codes of the ``keep`` companies serving most households in ``month`` in scope ∩ area
    (ties: by code)."""
    tm = trend_month
    households = func.sum(tm.c.households)
    statement = (select(tm.c.group_code)
                 .where(and_(tm.c.dimension == "company", tm.c.month == month,
                             tm.c.group_code != NONE,
                             area_clause(tm.c.street_id, scope, filters)))
                 .group_by(tm.c.group_code).order_by(households.desc(), tm.c.group_code)
                 .limit(keep))
    with engine.connect() as conn:
        return list(conn.execute(statement).scalars())


def _segment_sums(engine: Engine, scope: Scope, filters: Filters | None, first: str,
                  last: str, breakdown: str, groups: list[str] | None = None) -> pd.DataFrame:
    tm = trend_month
    conditions = [tm.c.dimension == breakdown, area_clause(tm.c.street_id, scope, filters),
                  tm.c.month >= first, tm.c.month <= last]
    if groups is not None:
        conditions.append(tm.c.group_code.in_(sorted(groups)))
    statement = (select(tm.c.month, tm.c.group_code,
                        *[func.sum(tm.c[name]).label(name) for name in SUM_COLUMNS])
                 .where(and_(*conditions))
                 .group_by(tm.c.month, tm.c.group_code).order_by(tm.c.month, tm.c.group_code))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return pd.DataFrame(rows, columns=["month", "group_code", *SUM_COLUMNS])


def _company_sums(engine: Engine, scope: Scope, filters: Filters | None, first: str,
                  last: str, keep: int = TOP_COMPANIES) -> pd.DataFrame:
    """The :data:`TOP_COMPANIES` largest companies, ``__none__`` and ``__other__`` (the
    area's total minus those: every sum is additive), so only a few rows are read."""
    top = top_companies(engine, scope, filters, last, keep)
    shown = _segment_sums(engine, scope, filters, first, last, "company", [*top, NONE])
    total = queries.monthly_sums(engine, scope, filters, first, last, None)
    if total.empty:
        return shown
    total = total.set_index("month")[list(SUM_COLUMNS)].astype(float)
    parts = shown.groupby("month")[list(SUM_COLUMNS)].sum().astype(float)
    other = total.sub(parts.reindex(total.index, fill_value=0.0), fill_value=0.0)
    other = other[other["estates"] > 0].reset_index()
    other.insert(1, "group_code", OTHER)
    frame = pd.concat([shown, other], ignore_index=True) if len(other) else shown
    return frame.sort_values(["month", "group_code"]).reset_index(drop=True)


def monthly_sums(engine: Engine, scope: Scope, filters: Filters | None, breakdown: str,
                 first_month: str | None = None, last_month: str | None = None
                 ) -> pd.DataFrame:
    """Monthly sums per group over the data range (or the given months), restricted to
    scope ∩ the filters' area (the filters' period is ignored).

    Columns: month, group_code, the stock and flow sums of ``street_month``.
    """
    if breakdown not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {breakdown!r}; choose one of {BREAKDOWNS}")
    span = queries.data_months(engine)
    if span is None:
        return pd.DataFrame(columns=["month", "group_code", *SUM_COLUMNS])
    first, last = first_month or span[0], last_month or span[1]
    if breakdown == "company":
        frame = _company_sums(engine, scope, filters, first, last)
    elif breakdown in SEGMENT_BREAKDOWNS:
        frame = _segment_sums(engine, scope, filters, first, last, breakdown)
    elif breakdown == "total":
        frame = queries.monthly_sums(engine, scope, filters, first, last, None)
        frame.insert(1, "group_code", ALL)
    else:
        frame = queries.monthly_sums(engine, scope, filters, first, last, breakdown)
    frame = frame[["month", "group_code", *SUM_COLUMNS]].copy()
    frame[list(SUM_COLUMNS)] = frame[list(SUM_COLUMNS)].astype(float)
    return frame


def lump_small_groups(monthly: pd.DataFrame, keep: int = TOP_COMPANIES) -> pd.DataFrame:
    """Keep the ``keep`` largest groups (households at the last month) and sum the others
    into :data:`OTHER`; :data:`NONE` (no company) always stays on its own."""
    if monthly.empty:
        return monthly
    last = monthly[monthly["month"] == monthly["month"].max()]
    candidates = last[last["group_code"] != NONE].sort_values(
        ["households", "group_code"], ascending=[False, True])
    kept = set(candidates["group_code"].head(keep)) | {NONE}
    if monthly["group_code"].isin(kept).all():
        return monthly
    frame = monthly.assign(group_code=monthly["group_code"].where(
        monthly["group_code"].isin(kept), OTHER))
    return frame.groupby(["month", "group_code"], as_index=False)[list(SUM_COLUMNS)].sum()


def series(monthly: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Every metric per bucket (month/quarter/year) and group, from monthly sums."""
    components = queries.components_by_bucket(monthly, grain, ("group_code",))
    return metrics.evaluate(components)


def period_values(monthly: pd.DataFrame, period: Period | str) -> pd.DataFrame:
    """Every metric per group over one period (months of the period present in
    ``monthly``); one row per group with ``first_month``/``last_month``/``months``."""
    period = Period.parse(str(period))
    inside = monthly[(monthly["month"] >= period.first_month)
                     & (monthly["month"] <= period.last_month)]
    components = queries.components_by_bucket(inside, period.kind, ("group_code",))
    return metrics.evaluate(components)


def compare_periods(monthly: pd.DataFrame, period_a: Period | str, period_b: Period | str,
                    metric_key: str) -> pd.DataFrame:
    """One metric per group in two periods: group_code, value_a, value_b, change
    (a − b; None where either is missing). Groups present in either period."""
    a = period_values(monthly, period_a)[["group_code", metric_key]].rename(
        columns={metric_key: "value_a"})
    b = period_values(monthly, period_b)[["group_code", metric_key]].rename(
        columns={metric_key: "value_b"})
    frame = a.merge(b, on="group_code", how="outer")
    frame["change"] = frame["value_a"] - frame["value_b"]
    return frame.sort_values("group_code").reset_index(drop=True)


def company_names(engine: Engine, codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Company names by code."""
    codes = [c for c in codes if c not in (OTHER, NONE, ALL)]
    if not codes:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(company.c.code, company.c.name).where(
            company.c.code.in_(sorted(codes)))).all()
    return dict(rows)
