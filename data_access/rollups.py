"""The district roll-ups (``company_district_month``, ``company_district_year``,
``company_district_quarter``, ``street_quarter``, ``complaint_district_month``; see
data_access.schema) and which reads they can serve.

They are sums of other summary tables, so :func:`refresh_summaries` runs last in a
refresh: after ``estate_month``, ``project_quarter`` and ``complaint_street_month`` are
up to date. An incremental refresh recomputes whole districts' months or quarters; a
district holds at most a few thousand estates, so that stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    select,
    true,
)

from data_access.aggregates import estate_month_sums
from data_access.filters import Filters, Scope, district_area_clause
from data_access.schema import (
    COMPLAINT_STREET_SUM_COLUMNS,
    ROLLUP_TABLES,
    SUMMARY_SUM_COLUMNS,
    company_district_month,
    company_district_quarter,
    company_district_year,
    complaint_district_month,
    complaint_street_month,
    estate_month,
    project_quarter,
    street_quarter,
)

#: A filter on (district, month) or (district, quarter) columns choosing the rows an
#: incremental refresh redoes.
DistrictPeriods = Callable[[ColumnElement, ColumnElement], ColumnElement]


def serves(scope: Scope, filters: Filters | None = None) -> bool:
    """True when scope ∩ the filters' area is made of whole districts, so the roll-ups
    hold exactly its rows (a street office's scope or a street filter is not)."""
    return scope.street_codes is None and (filters is None or not filters.street)


def area_condition(district_id_column, scope: Scope, filters: Filters | None = None
                   ) -> ColumnElement:
    """The roll-up rows of scope ∩ area (only when :func:`serves` is True; ValueError
    otherwise)."""
    return district_area_clause(district_id_column, scope, filters)


def _company_month_select(selected: DistrictPeriods | None):
    em = estate_month
    columns = {
        "company_id": em.c.company_id,
        "district_id": em.c.district_id,
        "month": em.c.month,
        "year": em.c.year,
        **estate_month_sums(SUMMARY_SUM_COLUMNS),
    }
    condition = em.c.company_id.is_not(None)
    if selected is not None:
        condition = and_(condition, selected(em.c.district_id, em.c.month))
    statement = (select(*[expr.label(name) for name, expr in columns.items()])
                 .where(condition)
                 .group_by(em.c.company_id, em.c.district_id, em.c.month, em.c.year))
    return list(columns), statement


def _company_year_select(selected: DistrictPeriods | None):
    cm = company_district_month
    columns = {"year": cm.c.year, "district_id": cm.c.district_id,
               "company_id": cm.c.company_id, "household_months": func.sum(cm.c.households),
               **{name: func.sum(cm.c[name]) for name in SUMMARY_SUM_COLUMNS}}
    statement = (select(*[expr.label(name) for name, expr in columns.items()])
                 .where(true() if selected is None
                        else selected(cm.c.district_id, year_text(cm.c.year)))
                 .group_by(cm.c.year, cm.c.district_id, cm.c.company_id))
    return list(columns), statement


def year_text(year_column) -> ColumnElement:
    """A year column as the text the refresh keys hold ('2024')."""
    return cast(year_column, String)


def _scores(pq):
    return {"projects": func.count(),
            "score_weighted": func.sum(pq.c.households * pq.c.score),
            "score_weight": func.sum(pq.c.households)}


def _company_quarter_select(selected: DistrictPeriods | None):
    pq = project_quarter
    columns = {"company_id": pq.c.company_id, "district_id": pq.c.district_id,
               "quarter": pq.c.quarter, **_scores(pq)}
    condition = pq.c.company_id.is_not(None)
    if selected is not None:
        condition = and_(condition, selected(pq.c.district_id, pq.c.quarter))
    statement = (select(*[expr.label(name) for name, expr in columns.items()])
                 .where(condition)
                 .group_by(pq.c.company_id, pq.c.district_id, pq.c.quarter))
    return list(columns), statement


def _street_quarter_select(selected: DistrictPeriods | None):
    pq = project_quarter
    columns = {"street_id": pq.c.street_id, "quarter": pq.c.quarter,
               "district_id": pq.c.district_id, **_scores(pq)}
    statement = (select(*[expr.label(name) for name, expr in columns.items()])
                 .where(true() if selected is None
                        else selected(pq.c.district_id, pq.c.quarter))
                 .group_by(pq.c.street_id, pq.c.quarter, pq.c.district_id))
    return list(columns), statement


def _complaint_month_select(selected: DistrictPeriods | None):
    cs = complaint_street_month
    columns = {"dimension": cs.c.dimension, "district_id": cs.c.district_id,
               "month": cs.c.month, "group_code": cs.c.group_code,
               **{name: func.sum(cs.c[name]) for name in COMPLAINT_STREET_SUM_COLUMNS}}
    statement = (select(*[expr.label(name) for name, expr in columns.items()])
                 .where(true() if selected is None
                        else selected(cs.c.district_id, cs.c.month))
                 .group_by(cs.c.dimension, cs.c.district_id, cs.c.month, cs.c.group_code))
    return list(columns), statement


# (table, its select, its period as the refresh keys hold it), in refresh order: the
# yearly roll-up sums the monthly one.
_MONTHLY = ((company_district_month, _company_month_select, lambda t: t.c.month),
            (complaint_district_month, _complaint_month_select, lambda t: t.c.month))
_YEARLY = ((company_district_year, _company_year_select, lambda t: year_text(t.c.year)),)
_QUARTERLY = ((company_district_quarter, _company_quarter_select, lambda t: t.c.quarter),
              (street_quarter, _street_quarter_select, lambda t: t.c.quarter))


def clear_summaries(conn: Connection) -> None:
    """Empty the roll-ups (``company_quarter`` too, which data_access.grades refreshes)."""
    for table in ROLLUP_TABLES:
        conn.execute(delete(table))


def refresh_summaries(conn: Connection, district_months: DistrictPeriods | None = None,
                      district_quarters: DistrictPeriods | None = None,
                      district_years: DistrictPeriods | None = None,
                      everything: bool = True) -> None:
    """Recompute the roll-ups from the summaries below them, inside the caller's
    transaction: every row when ``everything``, otherwise only the (district, month)
    rows ``district_months`` keeps, the (district, quarter) rows ``district_quarters``
    keeps and the (district, year) rows ``district_years`` keeps (years as text, '2024';
    those of the changed months). Any may be None: nothing of that kind changed."""
    for tables, selected in ((_MONTHLY, district_months), (_YEARLY, district_years),
                             (_QUARTERLY, district_quarters)):
        if not everything and selected is None:
            continue
        for table, source, period in tables:
            chosen = None if everything else selected
            if chosen is None:
                conn.execute(delete(table))
            else:
                conn.execute(delete(table).where(chosen(table.c.district_id, period(table))))
            names, statement = source(chosen)
            conn.execute(insert(table).from_select(names, statement))
