"""The main chart queries computed from the raw tables, without any summary table.

Only the benchmark (``benchmarks/run.py``) uses this module: it times these functions
against the summary-based ones in :mod:`data_access.queries` and
:mod:`data_access.complaints` to show what the summaries buy. The results are the same
numbers (``tests/test_raw_queries.py`` checks that on the fixture city), so the
comparison is like for like.

The raw tables are ``estate``, ``contract``, ``fee_month``, ``survey``, ``complaint``
and ``assessment`` (plus the street/district reference tables and ``month_calendar``,
the list of months with their last day, which holds no facts). Each estate's state in
a month follows the rule of ``summary._estate_month_select``: the active contract gives
its mode; an estate with no contract history keeps its current mode; otherwise it is
unmanaged (or self-managed when that is its current mode).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, or_, select

from data_access import grading
from data_access import metrics as metric_registry
from data_access.complaints import months_in_view
from data_access.filters import Filters, Scope, area_clause
from data_access.periods import quarter_of_month
from data_access.queries import (
    Breakdown,
    Grain,
    _attach_scores,  # the same folding of scores into buckets as the summary path
    components_by_bucket,
    data_months,
    list_districts,
    list_streets,
)
from data_access.schema import (
    ASSESSMENT_DIMENSIONS,
    MANAGED_MODES,
    assessment,
    complaint,
    contract,
    district,
    estate,
    fee_month,
    month_calendar,
    street,
    survey,
)

_STOCKS = ("estates", "households", "managed_estates", "managed_households",
           "unmanaged_estates", "committee_estates")
_FEES = ("households_billed", "households_paid")
_COMPLAINTS = ("complaints", "complaints_on_time", "complaints_resolved")
_SURVEYS = tuple(f"{column}_{span}" for span in ("month", "quarter", "year")
                 for column in ("respondents", "satisfied"))


def _estate_area():
    """Estates joined to their street and district (for the area and breakdown key)."""
    return estate.join(street, street.c.id == estate.c.street_id).join(
        district, district.c.id == street.c.district_id)


def _group_key(breakdown: Breakdown) -> list:
    if breakdown == "district":
        return [district.c.code.label("group_code")]
    if breakdown == "street":
        return [street.c.code.label("group_code")]
    return []


def _frame(engine: Engine, statement, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).mappings().all(), columns=columns)


def _stocks(engine: Engine, scope: Scope, filters: Filters | None, first: str, last: str,
            breakdown: Breakdown) -> pd.DataFrame:
    """Estate counts by their state in each month, from estates and contracts."""
    calendar = month_calendar
    active_contract = and_(
        contract.c.estate_id == estate.c.id,
        contract.c.start_month <= calendar.c.month,
        or_(contract.c.end_month.is_(None), contract.c.end_month >= calendar.c.month),
    )
    with_history = select(contract.c.estate_id).distinct().subquery("with_history")
    mode = case(
        (contract.c.id.is_not(None), contract.c.mode),
        (with_history.c.estate_id.is_(None), estate.c.management_mode),
        (estate.c.management_mode == "self", literal("self")),
        else_=literal("unmanaged"),
    )
    managed = mode.in_(MANAGED_MODES)
    committee = case(
        (and_(estate.c.owners_committee.is_(True), estate.c.committee_formed_on.is_(None)), 1),
        (and_(estate.c.committee_formed_on.is_not(None),
              estate.c.committee_formed_on <= calendar.c.month_end), 1),
        else_=0,
    )
    keys = [calendar.c.month, *_group_key(breakdown)]
    source = (_estate_area().join(calendar, and_(calendar.c.month >= first,
                                                 calendar.c.month <= last))
              .outerjoin(contract, active_contract)
              .outerjoin(with_history, with_history.c.estate_id == estate.c.id))
    statement = (select(*keys,
                        func.count().label("estates"),
                        func.sum(estate.c.households).label("households"),
                        func.sum(case((managed, 1), else_=0)).label("managed_estates"),
                        func.sum(case((managed, estate.c.households), else_=0)
                                 ).label("managed_households"),
                        func.sum(case((managed, 0), else_=1)).label("unmanaged_estates"),
                        func.sum(committee).label("committee_estates"))
                 .select_from(source)
                 .where(area_clause(estate.c.street_id, scope, filters))
                 .group_by(*keys))
    return _frame(engine, statement, [k.name for k in keys] + list(_STOCKS))


def _fees(engine: Engine, scope: Scope, filters: Filters | None, first: str, last: str,
          breakdown: Breakdown) -> pd.DataFrame:
    keys = [fee_month.c.month, *_group_key(breakdown)]
    statement = (select(*keys, *[func.sum(fee_month.c[name]).label(name) for name in _FEES])
                 .select_from(fee_month.join(_estate_area(), estate.c.id == fee_month.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             fee_month.c.month >= first, fee_month.c.month <= last))
                 .group_by(*keys))
    return _frame(engine, statement, [k.name for k in keys] + list(_FEES))


def _surveys(engine: Engine, scope: Scope, filters: Filters | None, first: str, last: str,
             breakdown: Breakdown) -> pd.DataFrame:
    """Respondents and satisfied per span, counted in the survey's last month."""
    keys = [survey.c.end_month.label("month"), *_group_key(breakdown)]
    sums = [func.sum(case((survey.c.span == span, survey.c[column]), else_=0)).label(
                f"{column}_{span}")
            for span in ("month", "quarter", "year") for column in ("respondents", "satisfied")]
    statement = (select(*keys, *sums)
                 .select_from(survey.join(_estate_area(), estate.c.id == survey.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             survey.c.end_month >= first, survey.c.end_month <= last))
                 .group_by(*keys))
    return _frame(engine, statement, [k.name for k in keys] + list(_SURVEYS))


def _complaint_counts(engine: Engine, scope: Scope, filters: Filters | None, first: str,
                      last: str, breakdown: Breakdown) -> pd.DataFrame:
    on_time = and_(complaint.c.responded_at.is_not(None),
                   complaint.c.responded_at < complaint.c.response_due_at)
    keys = [complaint.c.received_month.label("month"), *_group_key(breakdown)]
    statement = (select(*keys, func.count().label("complaints"),
                        func.sum(case((on_time, 1), else_=0)).label("complaints_on_time"),
                        func.sum(case((complaint.c.resolved_at.is_not(None), 1), else_=0)
                                 ).label("complaints_resolved"))
                 .select_from(complaint.join(_estate_area(), estate.c.id == complaint.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             complaint.c.received_month >= first,
                             complaint.c.received_month <= last))
                 .group_by(*keys))
    return _frame(engine, statement, [k.name for k in keys] + list(_COMPLAINTS))


def monthly_sums(engine: Engine, scope: Scope, filters: Filters | None, first_month: str,
                 last_month: str, breakdown: Breakdown = None) -> pd.DataFrame:
    """The frame :func:`data_access.queries.monthly_sums` reads from ``street_month``,
    computed from the raw tables: month, [group_code], stocks, fee, complaint and survey
    sums (0 where a month has none), one row per month [and group] of the calendar."""
    args = (engine, scope, filters, first_month, last_month, breakdown)
    keys = ["month"] + (["group_code"] if breakdown else [])
    frame = _stocks(*args)
    for flows in (_fees(*args), _complaint_counts(*args), _surveys(*args)):
        frame = frame.merge(flows, on=keys, how="left")
    flow_columns = [*_FEES, *_COMPLAINTS, *_SURVEYS]
    frame[flow_columns] = frame[flow_columns].fillna(0)
    return frame.sort_values(keys).reset_index(drop=True)


def quarterly_scores(engine: Engine, scope: Scope, filters: Filters | None, first_quarter: str,
                     last_quarter: str, breakdown: Breakdown = None) -> pd.DataFrame:
    """Σ households × score and Σ households of assessed projects per quarter [and group]
    (as :func:`data_access.queries.quarterly_scores`), scoring the assessments here."""
    keys = _group_key(breakdown)
    statement = (select(assessment, estate.c.households, *keys)
                 .select_from(assessment.join(_estate_area(),
                                              estate.c.id == assessment.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             assessment.c.quarter >= first_quarter,
                             assessment.c.quarter <= last_quarter)))
    group = ["quarter"] + [k.name for k in keys]
    rows = _frame(engine, statement, [*assessment.c.keys(), "households",
                                      *[k.name for k in keys]])
    if rows.empty:
        return pd.DataFrame(columns=[*group, "score_weighted", "score_weight"])
    rows[list(ASSESSMENT_DIMENSIONS)] = rows[list(ASSESSMENT_DIMENSIONS)].astype(float)
    scored = grading.project_scores(rows, grading.load_rules())
    scored = scored.assign(score_weighted=scored["households"] * scored["score"],
                           score_weight=scored["households"].astype(float))
    return scored.groupby(group, sort=True)[["score_weighted", "score_weight"]].sum(
        ).reset_index()


def metric_frame(engine: Engine, scope: Scope, filters: Filters | None, first: str, last: str,
                 grain: Grain, breakdown: Breakdown = None) -> pd.DataFrame:
    """Every metric per bucket [and group] from the raw tables, folded and evaluated by the
    same code as the summary path (``components_by_bucket``, the metric registry)."""
    group_columns = ("group_code",) if breakdown else ()
    components = components_by_bucket(
        monthly_sums(engine, scope, filters, first, last, breakdown), grain, group_columns)
    scores = quarterly_scores(engine, scope, filters, quarter_of_month(first),
                              quarter_of_month(last), breakdown)
    components = _attach_scores(components, scores, grain, group_columns)
    return metric_registry.evaluate(components)


def kpis(engine: Engine, scope: Scope, filters: Filters) -> dict[str, Any]:
    """Every metric for the filters' period and area (the values of ``queries.kpis``);
    an empty dict when the period has no data."""
    period = filters.period_obj
    frame = metric_frame(engine, scope, filters, period.first_month, period.last_month,
                         period.kind)
    if frame.empty:
        return {}
    row = frame.iloc[0]
    return {m.key: None if pd.isna(row[m.key]) else row[m.key] for m in metric_registry.METRICS}


def kpi_series(engine: Engine, scope: Scope, filters: Filters | None,
               grain: Grain = "month") -> pd.DataFrame:
    """Every metric per bucket over the whole data range (as ``queries.kpi_series``)."""
    span = data_months(engine)
    if span is None:
        return components_by_bucket(pd.DataFrame(), grain)
    return metric_frame(engine, scope, filters, span[0], span[1], grain)


def kpis_by_area(engine: Engine, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every metric for the filters' period per district, or per street of the chosen
    district (as ``queries.kpis_by_area``): code, name, name_en, metrics."""
    period = filters.period_obj
    breakdown: Breakdown = "street" if (filters.district or filters.street) else "district"
    frame = metric_frame(engine, scope, filters, period.first_month, period.last_month,
                         period.kind, breakdown).rename(columns={"group_code": "code"})
    names = (list_streets(engine, scope, filters.district) if breakdown == "street"
             else list_districts(engine, scope))[["code", "name", "name_en"]]
    merged = names.merge(frame, on="code", how="left")
    if filters.street:
        merged = merged[merged["code"] == filters.street]
    return merged.reset_index(drop=True)


def category_month_matrix(engine: Engine, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Complaints per category (rows) and month (columns) of the period, counted from the
    complaint table (as ``complaints.category_month_matrix`` without a selection)."""
    first, last = months_in_view(filters)
    statement = (select(complaint.c.category, complaint.c.received_month.label("month"),
                        func.count().label("complaints"))
                 .select_from(complaint.join(estate, estate.c.id == complaint.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             complaint.c.received_month >= first,
                             complaint.c.received_month <= last))
                 .group_by(complaint.c.category, complaint.c.received_month))
    sums = _frame(engine, statement, ["category", "month", "complaints"])
    if sums.empty:
        return pd.DataFrame()
    return sums.pivot_table(index="category", columns="month", values="complaints",
                            aggfunc="sum", fill_value=0)
