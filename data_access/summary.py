"""The one refresh step that rebuilds the summary tables from the raw tables.

``estate_month`` has a row for every estate and every month of the data range (meta keys
``data_start`` and ``data_end``; derived from the data when absent) holding the estate's
state that month (company, management mode, committee) and the sums every metric needs.
``street_month`` aggregates it by street; ``project_quarter`` holds the weighted
assessment score of each estate and quarter. Pages read these tables only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, and_, case, delete, func, insert, literal, or_, select, true

from data_access import complaints, grades, grading, trends
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
    fee_month,
    meta,
    month_calendar,
    project_quarter,
    street,
    street_month,
    survey,
)


#: Product areas with summaries of their own, refreshed after the core ones in this order
#: (each module has clear_summaries(conn) and refresh_summaries(conn)).
AREA_SUMMARIES = (complaints, trends, grades)


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


def _estate_month_select():
    """INSERT..SELECT source: every estate × every calendar month with its sums."""
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
        .subquery("survey_sums")
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
        .subquery("complaint_sums")
    )
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
    source = (
        estate.join(calendar, true())
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
    return list(columns), select(*[expr.label(name) for name, expr in columns.items()]).select_from(source)


def _street_month_select():
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
    return list(columns), statement


def _project_quarter_rows(conn: Connection) -> pd.DataFrame:
    """Weighted score per estate and quarter, with the estate's location and size."""
    rows = pd.DataFrame(conn.execute(
        select(assessment, estate.c.households, estate.c.street_id, street.c.district_id)
        .join(estate, estate.c.id == assessment.c.estate_id)
        .join(street, street.c.id == estate.c.street_id)
    ).mappings().all())
    if rows.empty:
        return rows
    scored = grading.project_scores(rows, grading.load_rules())
    return scored[["estate_id", "quarter", "company_id", "street_id", "district_id",
                   "households", "score"]]


def refresh_summaries(conn: Connection) -> None:
    """Rebuild every summary table from the raw tables, inside the caller's transaction."""
    for table in (street_month, estate_month, project_quarter, month_calendar):
        conn.execute(delete(table))
    for area in AREA_SUMMARIES:
        area.clear_summaries(conn)
    span = data_range(conn)
    if span is None:
        return
    bulk_insert(conn, month_calendar, _month_calendar_rows(*span))
    names, statement = _estate_month_select()
    conn.execute(insert(estate_month).from_select(names, statement))
    names, statement = _street_month_select()
    conn.execute(insert(street_month).from_select(names, statement))
    projects = _project_quarter_rows(conn)
    if not projects.empty:
        bulk_insert(conn, project_quarter, projects)
    for area in AREA_SUMMARIES:
        area.refresh_summaries(conn)
