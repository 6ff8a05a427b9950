"""All reads the pages, CLI and exports make. Every query takes the viewer's scope.

Pattern: one SQL query returns *monthly sums* of the summary table for the scope (and a
breakdown key when asked); :func:`components_by_bucket` folds months into months,
quarters or years (flows summed, stocks taken at the bucket's last month); the metric
registry turns components into metrics. So every page, chart and CLI figure is computed
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from data_access import metrics as metric_registry
from data_access.filters import Filters, Scope, area_clause
from data_access.periods import Period, quarter_of_month
from data_access.schema import (
    district,
    meta,
    milestone,
    month_calendar,
    street,
    street_month,
    street_quarter,
)
from data_access.workdays import uncovered_years

Grain = Literal["month", "quarter", "year"]
Breakdown = Literal["district", "street"] | None

_STOCK_COLUMNS = ("estates", "households", "managed_estates", "managed_households",
                  "unmanaged_estates", "committee_estates")
_FLOW_COLUMNS = ("households_billed", "households_paid", "complaints", "complaints_on_time",
                 "complaints_resolved")
_SURVEY_SPANS_BY_GRAIN = {"month": ("month",), "quarter": ("month", "quarter"),
                          "year": ("month", "quarter", "year")}


# --- reference data ------------------------------------------------------------------

def get_meta(engine: Engine) -> dict[str, str]:
    """All meta key/value pairs (source, scale, seed, data_start, data_end, …)."""
    with engine.connect() as conn:
        return dict(conn.execute(select(meta.c.key, meta.c.value)).all())


def is_demo(engine: Engine) -> bool:
    """Whether the database was built by the demo generator."""
    return get_meta(engine).get("source") == "demo"


def data_months(engine: Engine) -> tuple[str, str] | None:
    """First and last month that the summary tables cover, or None when empty."""
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(month_calendar.c.month), func.max(month_calendar.c.month))).one()
    return (first, last) if first else None


def _scope_streets(scope: Scope):
    return select(street.c.id, street.c.code, street.c.name, street.c.name_en,
                  street.c.district_id).where(area_clause(street.c.id, scope))


def list_districts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Districts holding at least one street in scope: code, name, name_en."""
    visible = _scope_streets(scope).subquery()
    statement = (select(district.c.code, district.c.name, district.c.name_en)
                 .where(district.c.id.in_(select(visible.c.district_id)))
                 .order_by(district.c.code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).mappings().all(),
                            columns=["code", "name", "name_en"])


def list_streets(engine: Engine, scope: Scope, district_code: str | None = None) -> pd.DataFrame:
    """Streets in scope (optionally of one district): code, name, name_en, district_code."""
    statement = (select(street.c.code, street.c.name, street.c.name_en,
                        district.c.code.label("district_code"))
                 .join(district, district.c.id == street.c.district_id)
                 .where(area_clause(street.c.id, scope)))
    if district_code:
        statement = statement.where(district.c.code == district_code)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement.order_by(street.c.code)).mappings().all(),
                            columns=["code", "name", "name_en", "district_code"])


def area_names(engine: Engine, scope: Scope, lang: str) -> dict[str, str]:
    """Display names of every district and street code in scope, in ``lang``."""
    column = "name" if lang == "zh" else "name_en"
    names: dict[str, str] = {}
    for frame in (list_districts(engine, scope), list_streets(engine, scope)):
        for row in frame.itertuples(index=False):
            names[row.code] = getattr(row, column) or row.name
    return names


def milestones(engine: Engine) -> pd.DataFrame:
    """Milestones for time charts: on_date, label_zh, label_en, oldest first."""
    statement = select(milestone.c.on_date, milestone.c.label_zh, milestone.c.label_en
                       ).order_by(milestone.c.on_date)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).mappings().all(),
                            columns=["on_date", "label_zh", "label_en"])


# --- monthly sums and their folding into periods ------------------------------------------

def _group_column(breakdown: Breakdown):
    if breakdown == "district":
        return district.c.code.label("group_code")
    if breakdown == "street":
        return street.c.code.label("group_code")
    return None


def monthly_sums(engine: Engine, scope: Scope, filters: Filters | None, first_month: str,
                 last_month: str, breakdown: Breakdown = None) -> pd.DataFrame:
    """Summary sums per month (and per district or street when ``breakdown`` is set).

    Restricted to scope ∩ the filters' district/street; the filters' period is ignored
    (the month range says which months). Columns: month, [group_code], every stock, flow
    and survey sum of ``street_month``.
    """
    sm = street_month
    sums = [func.sum(sm.c[name]).label(name) for name in (
        *_STOCK_COLUMNS, *_FLOW_COLUMNS,
        "respondents_month", "satisfied_month", "respondents_quarter", "satisfied_quarter",
        "respondents_year", "satisfied_year")]
    group = _group_column(breakdown)
    keys = [sm.c.month] + ([group] if group is not None else [])
    source = sm.join(street, street.c.id == sm.c.street_id).join(
        district, district.c.id == sm.c.district_id)
    statement = (select(*keys, *sums).select_from(source)
                 .where(and_(area_clause(sm.c.street_id, scope, filters),
                             sm.c.month >= first_month, sm.c.month <= last_month))
                 .group_by(*keys).order_by(*keys))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).mappings().all())
    if frame.empty:
        columns = ["month"] + (["group_code"] if group is not None else []) + [
            s.name for s in sums]
        return pd.DataFrame(columns=columns)
    return frame


def quarterly_scores(engine: Engine, scope: Scope, filters: Filters | None, first_quarter: str,
                     last_quarter: str, breakdown: Breakdown = None) -> pd.DataFrame:
    """Σ households × score and Σ households of assessed projects per quarter [and group]
    (from ``street_quarter``, which holds those sums per street)."""
    sq = street_quarter
    group = _group_column(breakdown)
    keys = [sq.c.quarter] + ([group] if group is not None else [])
    source = sq.join(street, street.c.id == sq.c.street_id).join(
        district, district.c.id == sq.c.district_id)
    statement = (select(*keys,
                        func.sum(sq.c.score_weighted).label("score_weighted"),
                        func.sum(sq.c.score_weight).label("score_weight"))
                 .select_from(source)
                 .where(and_(area_clause(sq.c.street_id, scope, filters),
                             sq.c.quarter >= first_quarter, sq.c.quarter <= last_quarter))
                 .group_by(*keys).order_by(*keys))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=[k.name for k in keys] + ["score_weighted", "score_weight"])
    return frame


def bucket_of(month: str, grain: Grain) -> str:
    """The bucket key of a month: itself, its quarter (2021-Q3) or its year (2021)."""
    if grain == "month":
        return month
    if grain == "quarter":
        return quarter_of_month(month)
    return month[:4]


def components_by_bucket(monthly: pd.DataFrame, grain: Grain,
                         group_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Fold monthly sums into metric components per bucket (and group).

    Flows and survey sums add up over the months of the bucket (survey rows of spans
    that fit the grain only); ``household_months`` is Σ households over those months;
    stocks are taken at the bucket's last month with data. Adds ``first_month``,
    ``last_month`` and ``months`` (months with data).
    """
    keys = ["bucket", *group_columns]
    if monthly.empty:
        return pd.DataFrame(columns=[*keys, "first_month", "last_month", "months",
                                     *metric_registry.COMPONENTS])
    frame = monthly.copy()
    numeric = [c for c in frame.columns if c not in ("month", *group_columns)]
    frame[numeric] = frame[numeric].astype(float)
    # a few dozen distinct months among the rows: convert each once
    frame["bucket"] = frame["month"].map({m: bucket_of(m, grain) for m in frame["month"].unique()})
    spans = _SURVEY_SPANS_BY_GRAIN[grain]
    frame["respondents"] = sum(frame[f"respondents_{span}"] for span in spans)
    frame["satisfied"] = sum(frame[f"satisfied_{span}"] for span in spans)
    frame["household_months"] = frame["households"]
    grouped = frame.sort_values("month").groupby(keys, sort=True)
    flows = grouped[[*_FLOW_COLUMNS, "respondents", "satisfied", "household_months"]].sum()
    stocks = grouped[list(_STOCK_COLUMNS)].last()
    span = grouped["month"].agg(first_month="min", last_month="max", months="nunique")
    return pd.concat([span, flows, stocks], axis=1).reset_index()


def _attach_scores(components: pd.DataFrame, scores: pd.DataFrame, grain: Grain,
                   group_columns: tuple[str, ...]) -> pd.DataFrame:
    if grain == "month" or scores.empty:
        return components.assign(score_weighted=0.0, score_weight=0.0)
    scores = scores.copy()
    scores["bucket"] = scores["quarter"] if grain == "quarter" else scores["quarter"].str[:4]
    keys = ["bucket", *group_columns]
    summed = scores.groupby(keys)[["score_weighted", "score_weight"]].sum().reset_index()
    merged = components.merge(summed, on=keys, how="left")
    return merged.fillna({"score_weighted": 0.0, "score_weight": 0.0})


def _metric_frame(engine: Engine, scope: Scope, filters: Filters | None, first: str, last: str,
                  grain: Grain, breakdown: Breakdown) -> pd.DataFrame:
    monthly = monthly_sums(engine, scope, filters, first, last, breakdown)
    group_columns = ("group_code",) if breakdown else ()
    components = components_by_bucket(monthly, grain, group_columns)
    scores = quarterly_scores(engine, scope, filters, quarter_of_month(first),
                              quarter_of_month(last), breakdown)
    components = _attach_scores(components, scores, grain, group_columns)
    return metric_registry.evaluate(components)


# --- what pages, exports and the CLI ask for ---------------------------------------------

@dataclass(frozen=True)
class KpiResult:
    """Headline metrics of one period and area.

    ``first_month``/``last_month`` are the months of the period that have data (None when
    the period has none); ``values`` maps every metric key to its value (None when
    undefined); ``calendar_fallback_years`` lists years whose on-time rule used weekends
    only because the official calendar does not cover them.
    """

    period: str
    first_month: str | None
    last_month: str | None
    values: dict[str, Any]
    components: dict[str, float] = field(default_factory=dict)
    calendar_fallback_years: tuple[int, ...] = ()

    @property
    def has_data(self) -> bool:
        return self.first_month is not None


def kpis(engine: Engine, scope: Scope, filters: Filters) -> KpiResult:
    """Every metric for the filters' period and area, within the viewer's scope."""
    period = filters.period_obj
    frame = _metric_frame(engine, scope, filters, period.first_month, period.last_month,
                          period.kind, None)
    if frame.empty:
        return KpiResult(period.key, None, None, {m.key: None for m in metric_registry.METRICS})
    row = frame.iloc[0]
    values = {}
    for metric in metric_registry.METRICS:
        value = row[metric.key]
        values[metric.key] = None if pd.isna(value) else (
            value if isinstance(value, str) else float(value))
    components = {name: float(row[name]) for name in metric_registry.COMPONENTS}
    fallback = tuple(uncovered_years(int(row["first_month"][:4]), int(row["last_month"][:4])))
    return KpiResult(period.key, row["first_month"], row["last_month"], values, components,
                     fallback)


def kpi_series(engine: Engine, scope: Scope, filters: Filters | None, grain: Grain = "month",
               first_month: str | None = None, last_month: str | None = None) -> pd.DataFrame:
    """Every metric per month/quarter/year over the data range (or the given months).

    Restricted to scope ∩ the filters' district/street (the filters' period is not
    applied: trends show the whole history). One row per bucket, oldest first, with
    ``bucket``, ``first_month``, ``last_month``, ``months``, components and metrics.
    """
    span = data_months(engine)
    if span is None:
        return components_by_bucket(pd.DataFrame(), grain)
    first = first_month or span[0]
    last = last_month or span[1]
    return _metric_frame(engine, scope, filters, first, last, grain, None)


def kpis_by_area(engine: Engine, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every metric for the filters' period, one row per district — or per street of the
    selected district (or the selected street alone).

    Columns: code, name, name_en, level ('district' or 'street'), components, metrics.
    """
    period = filters.period_obj
    breakdown: Breakdown = "street" if (filters.district or filters.street) else "district"
    frame = _metric_frame(engine, scope, filters, period.first_month, period.last_month,
                          period.kind, breakdown)
    names = (list_streets(engine, scope, filters.district) if breakdown == "street"
             else list_districts(engine, scope))
    names = names[["code", "name", "name_en"]]
    frame = frame.rename(columns={"group_code": "code"})
    merged = names.merge(frame, on="code", how="left")
    if filters.street:
        merged = merged[merged["code"] == filters.street]
    return merged.assign(level=breakdown).reset_index(drop=True)


def default_period(engine: Engine) -> Period | None:
    """The period a viewer sees first: the year of the latest month with data."""
    span = data_months(engine)
    if span is None:
        return None
    return Period("year", int(span[1][:4]))
