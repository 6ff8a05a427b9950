"""Company and project grades: league table, key supervision, red/black list, quality–price
match and the company profile (issue 6). All rules come from assets/grading.toml through
:func:`data_access.grading.load_rules`; every metric from the metric registry.

Scores
------
* Project score of a quarter: ``project_quarter.score`` (see :mod:`data_access.grading`).
* Company score of a quarter (or a longer period): Σ households × project score ÷ Σ
  households over the company's assessed project-quarters — the registry's
  ``assessment_score`` on the components ``score_weighted``/``score_weight``. A year's score
  is therefore the household-weighted mean over its quarters, as on the overview page.
* Grades follow from scores with :meth:`GradingRules.grade`.

Designations
------------
* Key supervision (重点监管) in a quarter: graded 不合格 in that quarter and the
  ``key_supervision_quarters - 1`` quarters just before it (consecutive calendar quarters;
  a quarter without a grade breaks the run). For companies and for projects (estates).
* Red list of a year: graded 优秀 in every quarter of the year that has any assessment in
  scope, and overdue complaints (received in the year and not answered by their response
  deadline = complaints − complaints answered on time) at most ``red_max_overdue_share``
  of its complaints. Black list: 不合格 in at least ``black_min_unqualified_quarters``
  quarters of the year, or on key supervision in the year's last assessed quarter. Black
  wins if both would hold.
* Designations are decided on the viewer's whole scope (an area filter only chooses which
  companies are listed), so a district filter never changes a company's designation.

Quality–price match (质价相符): an estate's fee tier (from its fee per m² and month) is
compared with the highest tier its grade in the period supports; a higher tier is a
mismatch with gap = fee tier − supported tier.

Queries read summary tables only (project_quarter, project_year,
project_dimension_quarter, estate_month, complaint_month) and apply the viewer's scope
with ``area_clause``. When scope ∩ area is whole districts (:func:`rollups.serves`), the
company sums come from the district roll-ups instead (company_district_quarter,
company_district_month, company_district_year, street_quarter; company_quarter for the
whole city): the same sums from a few per cent of the rows. The readers take
``rollup=False`` to read the estate-level tables, which tests compare them with.

Runs of 不合格 quarters are stored (``project_quarter.unqualified_run``,
``company_quarter.unqualified_run``; :func:`refresh_unqualified_runs`,
:func:`refresh_company_quarters`), so a key-supervision list reads one quarter and the
latest quarters of each run; a scope other than the whole city marks its companies' runs
from their quarterly sums (:func:`mark_key_supervision`), with the same result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    true,
)

from data_access import grading, rollups
from data_access import metrics as metric_registry
from data_access.filters import Filters, Scope, area_clause
from data_access.frames import concurrently, read_frame
from data_access.loading import bulk_insert
from data_access.periods import Period, quarter_of_month
from data_access.aggregates import estate_month_sums
from data_access.schema import (
    ASSESSMENT_DIMENSIONS,
    company,
    company_district_month,
    company_district_quarter,
    company_district_year,
    company_quarter,
    complaint_month,
    district,
    estate,
    estate_month,
    project_dimension_quarter,
    project_quarter,
    project_year,
    street,
    street_quarter,
)

# --- summary refresh (called by data_access.summary.refresh_summaries) ---------------------

#: A filter on (estate, quarter) columns choosing the rows an incremental refresh redoes.
EstateQuarters = Callable[[ColumnElement, ColumnElement], ColumnElement]


def clear_summaries(conn: Connection) -> None:
    """Empty the grades summary tables."""
    conn.execute(delete(project_dimension_quarter))


def _dimension_rows(conn: Connection, rules: grading.GradingRules,
                    selected: EstateQuarters | None = None) -> pd.DataFrame:
    rows = grading.assessment_rows(conn, selected)
    if rows.empty:
        return rows
    points = grading.dimension_points(rows, rules)
    carried = (rows.sort_values(["estate_id", "quarter", "assessor"])
               .groupby(["estate_id", "quarter"], sort=True)
               [["company_id", "street_id", "district_id", "households"]].first()
               .reset_index())
    return carried.merge(points, on=["estate_id", "quarter"], how="inner")


def refresh_summaries(conn: Connection, estate_quarters: EstateQuarters | None = None
                      ) -> None:
    """Rebuild ``project_dimension_quarter`` from the assessments (same rules as
    ``project_quarter``), inside the caller's transaction; with ``estate_quarters`` (a
    filter on (estate, quarter) columns) only the rows of those estate-quarters."""
    if estate_quarters is None:
        clear_summaries(conn)
    else:
        conn.execute(delete(project_dimension_quarter).where(estate_quarters(
            project_dimension_quarter.c.estate_id, project_dimension_quarter.c.quarter)))
    rows = _dimension_rows(conn, grading.load_rules(), estate_quarters)
    if not rows.empty:
        bulk_insert(conn, project_dimension_quarter, rows)


#: A condition on an id column (estate or company) choosing whose runs a refresh redoes.
IdFilter = Callable[[ColumnElement], ColumnElement]


def _runs_select(table, entity: ColumnElement, unqualified: ColumnElement,
                 chosen: IdFilter | None = None):
    """(entity, quarter, run) of every row of ``table`` (one per entity and quarter)
    where ``unqualified`` holds (of the ``chosen`` entities only, when given), ``run``
    being the number of consecutive such quarters ending at it. "Gaps and islands":
    along consecutive quarters of one entity, quarter number − row number is constant."""
    condition = unqualified if chosen is None else and_(unqualified, chosen(entity))
    rows = (select(entity.label("entity"), table.c.quarter,
                   (_quarter_number(table.c.quarter)
                    - func.row_number().over(partition_by=entity, order_by=table.c.quarter)
                    ).label("island"))
            .where(condition).subquery("unqualified"))
    return select(rows.c.entity, rows.c.quarter,
                  func.row_number().over(partition_by=(rows.c.entity, rows.c.island),
                                         order_by=rows.c.quarter).label("run"))


def _refresh_runs(conn: Connection, table, entity: ColumnElement, unqualified: ColumnElement,
                  chosen: IdFilter | None) -> None:
    """Set ``table.unqualified_run`` of every row (of the ``chosen`` entities only)."""
    conn.execute(table.update().where(chosen(entity) if chosen is not None
                                      else table.c.unqualified_run != 0)
                 .values(unqualified_run=0))
    runs = _runs_select(table, entity, unqualified, chosen).subquery("runs")
    conn.execute(table.update()
                 .where(and_(entity == runs.c.entity, table.c.quarter == runs.c.quarter))
                 .values(unqualified_run=runs.c.run))


def refresh_unqualified_runs(conn: Connection, estates: IdFilter | None = None) -> None:
    """Set ``project_quarter.unqualified_run`` of every project-quarter (of ``estates``
    only, when given: all their quarters, as a changed quarter moves every later run),
    inside the caller's transaction. 不合格 is the grade of the stored score, as the
    estate profile shows it. Call after ``project_quarter`` rows were written."""
    pq = project_quarter
    _refresh_runs(conn, pq, pq.c.estate_id, pq.c.score < grading.load_rules().qualified_from,
                  estates)


def refresh_company_quarters(conn: Connection,
                             quarters: Callable[[ColumnElement], ColumnElement] | None = None
                             ) -> None:
    """Recompute ``company_quarter`` from ``company_district_quarter`` inside the caller's
    transaction — every row, or the rows of the quarters ``quarters`` keeps (a condition
    on a quarter column) — and the runs of the companies assessed in them before or after
    (all their quarters). 不合格: the registry's score (score_weighted ÷ score_weight,
    unset without households) below the 合格 threshold. Call after the district
    roll-ups."""
    cq, dq = company_quarter, company_district_quarter

    def assessed() -> set[int]:
        return set(conn.execute(select(cq.c.company_id).distinct()
                                .where(quarters(cq.c.quarter))).scalars())

    if quarters is None:
        conn.execute(delete(cq))
    else:
        # a company no longer assessed in those quarters has its later runs moved too
        before = assessed()
        conn.execute(delete(cq).where(quarters(cq.c.quarter)))
    sums = {"projects": func.sum(dq.c.projects),
            "score_weighted": func.sum(dq.c.score_weighted),
            "score_weight": func.sum(dq.c.score_weight)}
    source = select(dq.c.quarter, dq.c.company_id,
                    *[expr.label(name) for name, expr in sums.items()])
    if quarters is not None:
        source = source.where(quarters(dq.c.quarter))
    conn.execute(insert(cq).from_select(
        ["quarter", "company_id", *sums], source.group_by(dq.c.quarter, dq.c.company_id)))
    touched = None if quarters is None else sorted(before | assessed())
    score = case((cq.c.score_weight > 0, cq.c.score_weighted / cast(cq.c.score_weight, Float)))
    _refresh_runs(conn, cq, cq.c.company_id, score < grading.load_rules().qualified_from,
                  None if touched is None else lambda column: column.in_(touched))


# --- small helpers ---------------------------------------------------------------------------


def quarter_index(quarter: str) -> int:
    """2024-Q1 → 2024 × 4 + 0: consecutive quarters differ by one."""
    return int(quarter[:4]) * 4 + int(quarter[-1]) - 1


def quarter_key(index: int) -> str:
    """Inverse of :func:`quarter_index`: 8096 → 2024-Q1."""
    return f"{index // 4}-Q{index % 4 + 1}"


def quarters_back(quarter: str, count: int) -> str:
    """The quarter ``count`` calendar quarters before ``quarter``."""
    return quarter_key(quarter_index(quarter) - count)


def quarters_of(period: Period) -> tuple[str, str]:
    """First and last quarter overlapping the period (a month lies in its quarter)."""
    return quarter_of_month(period.first_month), quarter_of_month(period.last_month)


def _area_only(filters: Filters | None) -> Filters | None:
    return filters if filters is not None and (filters.district or filters.street) else None


def _quarter_range(column, quarters: tuple[str | None, str | None]) -> list[ColumnElement]:
    first, last = quarters
    return [*([column >= first] if first else []), *([column <= last] if last else [])]


def _from_rollups(scope: Scope, filters: Filters | None, rollup: bool) -> bool:
    return rollup and rollups.serves(scope, _area_only(filters))


def _frame(engine: Engine, statement, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(conn, statement, columns)


def _registry_metrics(components: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """The registry metrics ``keys`` (same index as ``components``, which must hold every
    component they read) and those components as metrics.evaluate prepares them:
    evaluating every metric costs more than the query behind these small frames."""
    return metric_registry.evaluate_frame(
        components, tuple(metric_registry.get(key) for key in keys), tuple(components))


def _score_metrics(frame: pd.DataFrame, rules: grading.GradingRules) -> pd.DataFrame:
    """Add ``score`` (registry's assessment_score) and ``grade`` (from ``rules``)."""
    evaluated = _registry_metrics(frame[["score_weighted", "score_weight"]],
                                  ("assessment_score",))
    frame = frame.copy()
    frame["score"] = evaluated["assessment_score"].astype(float)
    frame["grade"] = rules.grades(frame["score"].to_numpy(dtype=float))
    return frame


def companies(engine: Engine) -> pd.DataFrame:
    """Every company: company_id, code, name, party_org (public fields only)."""
    statement = select(company.c.id.label("company_id"), company.c.code, company.c.name,
                       company.c.party_org).order_by(company.c.code)
    return _frame(engine, statement, ["company_id", "code", "name", "party_org"])


def company_id_of(engine: Engine, code: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(company.c.id).where(company.c.code == code)).scalar()


# --- quarterly grades and key supervision -----------------------------------------------------


def company_quarters(engine: Engine, scope: Scope, filters: Filters | None = None,
                     rules: grading.GradingRules | None = None,
                     quarters: tuple[str | None, str | None] | None = None,
                     company_ids: list[int] | None = None, rollup: bool = True
                     ) -> pd.DataFrame:
    """Score and grade of every company (only ``company_ids`` when given) in every
    assessed quarter (scope ∩ area; only the quarters from ``quarters[0]`` to
    ``quarters[1]`` when given, either bound None for open).

    Columns: company_id, quarter, projects, score_weighted, score_weight, score, grade.
    Read from ``company_quarter`` for the whole city without an area filter, from the
    district roll-up for whole districts, from ``project_quarter`` otherwise.
    """
    rules = rules or grading.load_rules()
    if _from_rollups(scope, filters, rollup) and scope.is_everything \
            and _area_only(filters) is None:
        # the whole city: its sums per company and quarter are stored
        cq = company_quarter
        conditions = []
        sums = [cq.c.projects, cq.c.score_weighted, cq.c.score_weight]
    elif _from_rollups(scope, filters, rollup):
        cq = company_district_quarter
        conditions = [rollups.area_condition(cq.c.district_id, scope, _area_only(filters))]
        sums = [func.sum(cq.c.projects), func.sum(cq.c.score_weighted),
                func.sum(cq.c.score_weight)]
    else:
        cq = project_quarter
        conditions = [cq.c.company_id.is_not(None),
                      area_clause(cq.c.street_id, scope, _area_only(filters))]
        sums = [func.count(), func.sum(cq.c.households * cq.c.score),
                func.sum(cq.c.households)]
    if quarters is not None:
        conditions += _quarter_range(cq.c.quarter, quarters)
    if company_ids is not None:
        conditions.append(cq.c.company_id.in_(company_ids))
    statement = (select(cq.c.company_id, cq.c.quarter,
                        *[sum_.label(name) for sum_, name in zip(
                            sums, ("projects", "score_weighted", "score_weight"))])
                 .where(and_(true(), *conditions))
                 .order_by(cq.c.company_id, cq.c.quarter))
    if cq is not company_quarter:
        statement = statement.group_by(cq.c.company_id, cq.c.quarter)
    frame = _frame(engine, statement, ["company_id", "quarter", "projects", "score_weighted",
                                       "score_weight"])
    return _score_metrics(frame, rules)


def latest_assessed_quarters(engine: Engine, scope: Scope, filters: Filters | None,
                             last: str | None = None, count: int | None = None,
                             rollup: bool = True) -> list[str]:
    """The latest ``count`` quarters (all when None) up to ``last`` (the latest when
    None) in which a company was assessed in scope ∩ area, oldest first."""
    if _from_rollups(scope, filters, rollup):
        table = company_district_quarter
        conditions = [rollups.area_condition(table.c.district_id, scope, _area_only(filters))]
    else:
        table = project_quarter
        conditions = [table.c.company_id.is_not(None),
                      area_clause(table.c.street_id, scope, _area_only(filters))]
    if last is not None:
        conditions.append(table.c.quarter <= last)
    statement = (select(table.c.quarter).distinct().where(and_(*conditions))
                 .order_by(table.c.quarter.desc()).limit(count))
    with engine.connect() as conn:
        return sorted(row[0] for row in conn.execute(statement))


def project_quarters(engine: Engine, scope: Scope, filters: Filters | None = None,
                     rules: grading.GradingRules | None = None,
                     quarters: tuple[str | None, str | None] | None = None,
                     estate_ids: list[int] | None = None) -> pd.DataFrame:
    """Score and grade of every project (estate; only ``estate_ids`` when given) in every
    assessed quarter (only the quarters from ``quarters[0]`` to ``quarters[1]`` when
    given, either bound None for open).

    Columns: estate_id, quarter, company_id, households, score_weighted, score_weight,
    score, grade.
    """
    rules = rules or grading.load_rules()
    pq = project_quarter
    conditions = [area_clause(pq.c.street_id, scope, _area_only(filters))]
    if quarters is not None:
        conditions += _quarter_range(pq.c.quarter, quarters)
    if estate_ids is not None:
        conditions.append(pq.c.estate_id.in_(estate_ids))
    statement = (select(pq.c.estate_id, pq.c.quarter, pq.c.company_id, pq.c.households,
                        (pq.c.households * pq.c.score).label("score_weighted"),
                        pq.c.households.label("score_weight"))
                 .where(and_(*conditions))
                 .order_by(pq.c.estate_id, pq.c.quarter))
    frame = _frame(engine, statement, ["estate_id", "quarter", "company_id", "households",
                                       "score_weighted", "score_weight"])
    return _score_metrics(frame, rules)


def _quarter_number(quarter_column) -> ColumnElement:
    """2024-Q1 → 2024 × 4 + 1 in SQL: consecutive quarters differ by one."""
    return (cast(func.substr(quarter_column, 1, 4), Integer) * 4
            + cast(func.substr(quarter_column, 7, 1), Integer))


def _quarter_text(number: ColumnElement) -> ColumnElement:
    """The inverse of :func:`_quarter_number` in SQL: 2024 × 4 + 1 → '2024-Q1'
    (``//`` is integer division on both databases)."""
    return (cast((number - 1) // 4, String) + "-Q"
            + cast((number - 1) % 4 + 1, String))


def _runs_ending_at(table, entity: str, quarter: str, minimum: int, latest: int | None):
    """(alias ``at`` of ``table``, condition on ``at`` keeping the rows of ``quarter`` that
    end a stored run of at least ``minimum`` 不合格 quarters, conditions joining
    ``table``'s rows of the same run — only its ``latest`` quarters when given).

    The run's rows are those from its first quarter (``unqualified_run - 1`` quarters
    back) to ``quarter``, a range of the key: every quarter in it belongs to the run.
    ``latest`` also bounds the quarters read by a constant, so that the read stays within
    a few quarters however long the runs are.
    """
    at = table.alias("at_quarter")
    listed = and_(at.c.quarter == quarter, at.c.unqualified_run >= minimum)
    first_quarter = _quarter_text(_quarter_number(at.c.quarter) - at.c.unqualified_run + 1)
    in_run = [table.c[entity] == at.c[entity], table.c.quarter >= first_quarter,
              table.c.quarter <= quarter]
    if latest is not None:
        in_run.append(table.c.quarter >= quarters_back(quarter, latest - 1))
    return at, listed, and_(*in_run)


def _listed_projects(scope: Scope, filters: Filters | None, quarter: str, minimum: int):
    """The project-quarters of ``quarter`` ending a run of at least ``minimum`` 不合格
    quarters (projects in scope ∩ area): a range of project_quarter's covering index."""
    at, listed, _ = _runs_ending_at(project_quarter, "estate_id", quarter, minimum, None)
    return at, and_(listed, area_clause(at.c.street_id, scope, _area_only(filters)))


def project_runs_at(engine: Engine, scope: Scope, filters: Filters | None, quarter: str,
                    minimum: int = 1, latest: int | None = None,
                    rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """The project-quarters of every run of at least ``minimum`` 不合格 quarters that
    ends at ``quarter`` (projects in scope ∩ area) — only the run's ``latest`` quarters
    when given — as :func:`project_quarters` gives them plus ``unqualified_run``; sorted
    by estate and quarter. The row at ``quarter`` holds the length of the whole run.
    Read from the stored runs (:func:`refresh_unqualified_runs`, :func:`_runs_ending_at`).
    """
    rules = rules or grading.load_rules()
    pq = project_quarter
    at, listed, in_run = _runs_ending_at(pq, "estate_id", quarter, minimum, latest)
    statement = (select(pq.c.estate_id, pq.c.quarter, pq.c.company_id, pq.c.households,
                        (pq.c.households * pq.c.score).label("score_weighted"),
                        pq.c.households.label("score_weight"), pq.c.unqualified_run)
                 .join_from(at, pq, in_run)
                 .where(and_(listed, area_clause(at.c.street_id, scope, _area_only(filters)))))
    frame = _frame(engine, statement, ["estate_id", "quarter", "company_id", "households",
                                       "score_weighted", "score_weight", "unqualified_run"])
    return _score_metrics(frame.sort_values(["estate_id", "quarter"], ignore_index=True),
                          rules)


def company_runs_at(engine: Engine, quarter: str, minimum: int = 1, latest: int | None = None,
                    rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """The company-quarters (whole city) of every run of at least ``minimum`` 不合格
    quarters that ends at ``quarter`` — only the run's ``latest`` quarters when given —
    as :func:`company_quarters` gives them plus ``unqualified_run``; sorted by company and
    quarter. The row at ``quarter`` holds the length of the whole run. Read from the
    stored runs of ``company_quarter`` (:func:`refresh_company_quarters`)."""
    rules = rules or grading.load_rules()
    cq = company_quarter
    at, listed, in_run = _runs_ending_at(cq, "company_id", quarter, minimum, latest)
    statement = (select(cq.c.company_id, cq.c.quarter, cq.c.projects, cq.c.score_weighted,
                        cq.c.score_weight, cq.c.unqualified_run)
                 .join_from(at, cq, in_run).where(listed))
    frame = _frame(engine, statement, ["company_id", "quarter", "projects", "score_weighted",
                                       "score_weight", "unqualified_run"])
    return _score_metrics(frame.sort_values(["company_id", "quarter"], ignore_index=True),
                          rules)


def mark_key_supervision(graded: pd.DataFrame, entity: str,
                         rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """Add ``unqualified_run`` (consecutive 不合格 quarters ending at each row) and
    ``key_supervision`` (run ≥ the configured number of quarters) to a frame with one row
    per ``entity`` and quarter holding ``grade``."""
    rules = rules or grading.load_rules()
    frame = graded.sort_values([entity, "quarter"]).copy()
    if frame.empty:
        return frame.assign(unqualified_run=pd.Series(dtype=int),
                            key_supervision=pd.Series(dtype=bool))
    # a few dozen distinct quarters among thousands of rows: convert each once
    index = frame["quarter"].map({q: quarter_index(q) for q in frame["quarter"].unique()}
                                 ).to_numpy()
    bad = (frame["grade"] == "unqualified").to_numpy()
    entity_values = frame[entity].to_numpy()
    follows = np.zeros(len(frame), dtype=bool)
    follows[1:] = ((entity_values[1:] == entity_values[:-1]) & (index[1:] == index[:-1] + 1)
                   & bad[:-1])
    position = np.arange(len(frame))
    start = np.maximum.accumulate(np.where(bad & ~follows, position, 0))
    runs = np.where(bad, position - start + 1, 0)
    frame["unqualified_run"] = runs
    frame["key_supervision"] = runs >= rules.key_supervision_quarters
    return frame


def _on_list_at(marked: pd.DataFrame, entity: str, quarter: str) -> pd.DataFrame:
    """Rows of ``marked`` (from mark_key_supervision) on key supervision in ``quarter``."""
    return marked[(marked["quarter"] == quarter) & marked["key_supervision"]]


def key_supervision_window(period: Period, rules: grading.GradingRules) -> tuple[str, str]:
    """The quarters that decide key supervision in any quarter of ``period``: its own
    and the ``key_supervision_quarters - 1`` before its first one (a run long enough to
    list ends at most that far back)."""
    first, last = quarters_of(period)
    return quarters_back(first, rules.key_supervision_quarters - 1), last


def listed_with_history(recent: pd.DataFrame, history_of: Callable[[list[int]], pd.DataFrame],
                        entity: str, quarter: str, rules: grading.GradingRules
                        ) -> pd.DataFrame:
    """:func:`mark_key_supervision` rows of the entities on key supervision in
    ``quarter``, over their whole graded history (so each run is whole).

    ``recent``: graded rows (one per ``entity`` and quarter) of every entity, covering at
    least ``quarter`` and the ``key_supervision_quarters - 1`` before it — enough to
    decide who is listed. ``history_of(ids)``: every graded row of those entities. Runs
    can span the whole history, so only the listed few are read that far back.
    """
    decided = mark_key_supervision(recent, entity, rules)
    listed = decided.loc[(decided["quarter"] == quarter) & decided["key_supervision"], entity]
    if listed.empty:
        return decided.iloc[:0]
    return mark_key_supervision(history_of(sorted(int(i) for i in listed)), entity, rules)


def last_assessed_quarter(graded: pd.DataFrame, period: Period) -> str | None:
    """The latest quarter of ``period`` in which anything was assessed (None if none)."""
    first, last = quarters_of(period)
    inside = graded[(graded["quarter"] >= first) & (graded["quarter"] <= last)]["quarter"]
    return None if inside.empty else str(inside.max())


# --- red and black list -----------------------------------------------------------------------


def overdue_by_company_year(engine: Engine, scope: Scope, year: int | None = None,
                            company_ids: list[int] | None = None, rollup: bool = True
                            ) -> pd.DataFrame:
    """Complaints and complaints answered on time per company and year (estate_month, or
    its yearly district roll-up; only ``year`` and ``company_ids`` when given):
    company_id, year, complaints, complaints_on_time, overdue, overdue_share (share of
    complaints not answered by their deadline; 0 when there were none)."""
    if _from_rollups(scope, None, rollup):
        em = company_district_year
        conditions = [rollups.area_condition(em.c.district_id, scope)]
        if year is not None:
            conditions.append(em.c.year == year)
    else:
        em = estate_month
        conditions = [em.c.company_id.is_not(None), area_clause(em.c.street_id, scope)]
        if year is not None:
            # by month, not by the year column (the month's first four digits):
            # estate_month is indexed on month
            conditions += [em.c.month >= f"{year}-01", em.c.month <= f"{year}-12"]
    if company_ids is not None:
        conditions.append(em.c.company_id.in_(company_ids))
    statement = (select(em.c.company_id, em.c.year,
                        func.sum(em.c.complaints).label("complaints"),
                        func.sum(em.c.complaints_on_time).label("complaints_on_time"))
                 .where(and_(*conditions))
                 .group_by(em.c.company_id, em.c.year)
                 .order_by(em.c.company_id, em.c.year))
    frame = _frame(engine, statement, ["company_id", "year", "complaints",
                                       "complaints_on_time"])
    return overdue_shares(frame)


def overdue_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``overdue`` and ``overdue_share`` = 1 − the registry's on-time response rate
    (0 for no complaints) to a frame with complaints and complaints_on_time."""
    frame = frame.copy()
    evaluated = _registry_metrics(frame[["complaints", "complaints_on_time"]],
                                  ("on_time_response_rate",))
    frame["overdue"] = evaluated["complaints"] - evaluated["complaints_on_time"]
    frame["overdue_share"] = (1.0 - evaluated["on_time_response_rate"]).fillna(0.0)
    return frame


def yearly_lists(graded: pd.DataFrame, overdue: pd.DataFrame,
                 rules: grading.GradingRules | None = None,
                 assessed_quarters: list[str] | None = None) -> pd.DataFrame:
    """Red/black list decision of every company and year.

    ``graded``: company quarters (company_id, quarter, score_weighted, score_weight,
    grade); ``overdue``: company_id, year, complaints, overdue, overdue_share. A year's
    assessed quarters are ``assessed_quarters`` in that year; by default those in which
    any company in ``graded`` was assessed (so ``graded`` of a few companies needs the
    quarters of all of them passed in).

    Columns: company_id, year, quarters (assessed in the year), graded_quarters,
    excellent_quarters, unqualified_quarters (list of quarter keys), key_supervision_end,
    complaints, overdue, overdue_share, score, grade (the year's), list ('red', 'black'
    or None).
    """
    rules = rules or grading.load_rules()
    columns = ["company_id", "year", "quarters", "graded_quarters", "excellent_quarters",
               "unqualified_quarters", "key_supervision_end", "complaints", "overdue",
               "overdue_share", "score_weighted", "score_weight", "score", "grade", "list"]
    if graded.empty:
        return pd.DataFrame(columns=columns)
    marked = mark_key_supervision(graded, "company_id", rules)
    marked["year"] = marked["quarter"].str[:4].astype(int)
    quarters = pd.Series(sorted(set(marked["quarter"] if assessed_quarters is None
                                    else assessed_quarters)), dtype=object)
    by_year = quarters.groupby(quarters.str[:4].astype(int))
    assessed = pd.DataFrame({"nunique": by_year.nunique(), "max": by_year.max()})
    marked["excellent"] = marked["grade"] == "excellent"
    marked["graded"] = marked["grade"].notna()
    marked["at_end"] = marked["key_supervision"] & (
        marked["quarter"] == marked["year"].map(assessed["max"]))
    # plain sum/any rather than named aggregations: same values, a fraction of the time
    grouped = marked.groupby(["company_id", "year"], sort=True)
    years = grouped[["graded", "excellent", "score_weighted", "score_weight"]].sum().rename(
        columns={"graded": "graded_quarters", "excellent": "excellent_quarters"})
    years["key_supervision_end"] = grouped["at_end"].any()
    years = years.reset_index()
    # a plain dict built in one pass (rows are in quarter order within each company):
    # a groupby's list aggregation and Series.get on its MultiIndex cost far more
    unqualified = marked[marked["grade"] == "unqualified"]
    bad: dict[tuple[int, int], list[str]] = {}
    for key_company, key_year, bad_quarter in zip(unqualified["company_id"].tolist(),
                                                  unqualified["year"].tolist(),
                                                  unqualified["quarter"].tolist()):
        bad.setdefault((key_company, key_year), []).append(bad_quarter)
    years["unqualified_quarters"] = [bad.get((c, y), []) for c, y in
                                     zip(years["company_id"], years["year"])]
    years["quarters"] = years["year"].map(assessed["nunique"]).astype(int)
    years["key_supervision_end"] = years["key_supervision_end"].astype(bool)
    overdue = overdue[["company_id", "year", "complaints", "overdue", "overdue_share"]]
    years = years.merge(overdue, on=["company_id", "year"], how="left").fillna(
        {"complaints": 0.0, "overdue": 0.0, "overdue_share": 0.0})
    years = _score_metrics(years, rules)
    red = ((years["excellent_quarters"] == years["quarters"])
           & (years["overdue_share"] <= rules.red_max_overdue_share + 1e-12))
    black = ((years["unqualified_quarters"].map(len) >= rules.black_min_unqualified_quarters)
             | years["key_supervision_end"])
    years["list"] = pd.Series(["black" if b else "red" if r else None
                               for b, r in zip(black, red)], index=years.index, dtype=object)
    return years[columns]


def companies_in_area(engine: Engine, scope: Scope, filters: Filters | None,
                      first_month: str, last_month: str, rollup: bool = True) -> set[int]:
    """Companies serving an estate in scope ∩ area in any month of the range."""
    if _from_rollups(scope, filters, rollup):
        em = company_district_month
        area = rollups.area_condition(em.c.district_id, scope, _area_only(filters))
    else:
        em = estate_month
        area = and_(em.c.company_id.is_not(None),
                    area_clause(em.c.street_id, scope, _area_only(filters)))
    statement = (select(em.c.company_id).distinct()
                 .where(and_(area, em.c.month >= first_month, em.c.month <= last_month)))
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(statement)}


def red_black_list(engine: Engine, scope: Scope, year: int, filters: Filters | None = None,
                   rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """The red and black list of ``year``: public fields only.

    Columns: list ('red'/'black'), code, name, year, grade, score, quarters,
    excellent_quarters, unqualified_quarters, key_supervision_end, overdue_share. Red
    first, then black, each by code. An area filter keeps the companies serving an estate
    in the area during the year (the decision itself is made on the whole scope).
    """
    rules = rules or grading.load_rules()
    # The year's quarters, and before them just enough for a key-supervision run ending
    # in its first quarter: earlier quarters change no decision of this year.
    window = (quarters_back(f"{year}-Q1", rules.key_supervision_quarters - 1), f"{year}-Q4")
    decided = yearly_lists(company_quarters(engine, scope, None, rules, window),
                           overdue_by_company_year(engine, scope, year), rules)
    decided = decided[(decided["year"] == year) & decided["list"].notna()]
    if _area_only(filters) is not None:
        serving = companies_in_area(engine, scope, filters, f"{year}-01", f"{year}-12")
        decided = decided[decided["company_id"].isin(serving)]
    named = decided.merge(companies(engine), on="company_id", how="left")
    named["order"] = named["list"].map({"red": 0, "black": 1})
    named = named.sort_values(["order", "code"], kind="stable")
    return named[["list", "code", "name", "year", "grade", "score", "quarters",
                  "excellent_quarters", "unqualified_quarters", "key_supervision_end",
                  "overdue_share"]].reset_index(drop=True)


def list_years(engine: Engine, scope: Scope) -> list[int]:
    """Years with any project assessment in scope, latest first."""
    sq = street_quarter
    statement = select(sq.c.quarter).distinct().where(area_clause(sq.c.street_id, scope))
    with engine.connect() as conn:
        quarters = [row[0] for row in conn.execute(statement)]
    return sorted({int(q[:4]) for q in quarters}, reverse=True)


# --- league table -----------------------------------------------------------------------------


#: Stocks of a league row: counted at the period's last month with data.
_STOCKS = ("estates", "households", "managed_estates", "managed_households",
           "unmanaged_estates", "committee_estates")
_FLOWS = ("households_billed", "households_paid", "complaints", "complaints_on_time",
          "complaints_resolved")


def company_period_components(engine: Engine, scope: Scope, filters: Filters,
                              rollup: bool = True) -> tuple[pd.DataFrame, str | None, int]:
    """Metric components per company (the serving company of each estate-month) over the
    filters' period in scope ∩ area, as :func:`queries.components_by_bucket` folds them
    for one bucket: flows and ``household_months`` summed, survey sums of the spans that
    fit the period's kind; stocks at the period's last month with data (0 for a company
    not serving then). Summed in SQL: a province's company-months are tens of thousands
    of rows; a whole year read from the district roll-ups comes from their yearly sums.

    Returns (components, last month with data or None, months with data).
    """
    period = filters.period_obj
    if _from_rollups(scope, filters, rollup):
        em = company_district_month
        area = rollups.area_condition(em.c.district_id, scope, _area_only(filters))
        stock_sums = {name: func.sum(em.c[name]) for name in _STOCKS}
    else:
        em = estate_month
        area = and_(em.c.company_id.is_not(None),
                    area_clause(em.c.street_id, scope, _area_only(filters)))
        stock_sums = estate_month_sums(())
    in_period = and_(area, em.c.month >= period.first_month, em.c.month <= period.last_month)
    if em is company_district_month and period.kind == "year":
        flows_table = company_district_year
        flows_rows = and_(rollups.area_condition(flows_table.c.district_id, scope,
                                                 _area_only(filters)),
                          flows_table.c.year == int(period.first_month[:4]))
        household_months = func.sum(flows_table.c.household_months)
    else:
        flows_table, flows_rows = em, in_period
        household_months = func.sum(em.c.households)
    spans = [span for span in ("month", "quarter", "year") if period.contains_span(span)]
    flows = {**{name: func.sum(flows_table.c[name]) for name in _FLOWS},
             "respondents": sum(func.sum(flows_table.c[f"respondents_{span}"])
                                for span in spans),
             "satisfied": sum(func.sum(flows_table.c[f"satisfied_{span}"]) for span in spans),
             "household_months": household_months}
    with engine.connect() as conn:
        months, last_month = conn.execute(
            select(func.count(em.c.month.distinct()), func.max(em.c.month)).where(in_period)
        ).one()
    if not months:
        return pd.DataFrame(columns=["company_id", *flows, *_STOCKS]), None, 0
    components = _frame(engine, select(flows_table.c.company_id,
                                       *[v.label(k) for k, v in flows.items()])
                        .where(flows_rows).group_by(flows_table.c.company_id)
                        .order_by(flows_table.c.company_id), ["company_id", *flows])
    stocks = _frame(engine, select(em.c.company_id,
                                   *[v.label(k) for k, v in stock_sums.items()])
                    .where(and_(area, em.c.month == last_month)).group_by(em.c.company_id),
                    ["company_id", *_STOCKS]).set_index("company_id")
    components[list(flows)] = components[list(flows)].astype(float)
    components[list(_STOCKS)] = (stocks[list(_STOCKS)].reindex(components["company_id"])
                                 .fillna(0).astype(float).to_numpy())
    return components, str(last_month), int(months)


@dataclass(frozen=True)
class League:
    """The league table of a period and what it was computed on."""

    table: pd.DataFrame          # one row per company (see :func:`league`)
    first_quarter: str | None    # quarters whose assessments the scores cover
    last_quarter: str | None
    last_month: str | None       # month the estates/households are counted at
    months: int                  # months with data in the period
    city: dict                   # the registry's metrics over every company in the table


TREND_QUARTERS = 6


def league(engine: Engine, scope: Scope, filters: Filters,
           rules: grading.GradingRules | None = None) -> League:
    """Companies serving estates in scope ∩ area during the filters' period.

    One row per company: company_id, code, name; estates/households served at the last
    month of the period with data; every registry metric of its estates in the area
    (satisfaction_rate, payment_rate, complaint_rate, on_time_response_rate, …) and their
    components; ``score``/``grade`` over the quarters overlapping the period;
    ``trend_scores``/``trend_grades`` of the last :data:`TREND_QUARTERS` quarters up to the
    period's last quarter; ``surveyed`` (Σ respondents); ``eligible`` (surveyed ≥ the
    configured minimum); ``rank`` (1 = best score among eligible companies with a score,
    ties share a rank; NaN otherwise); ``key_supervision`` (on the list in the period's
    last assessed quarter, decided on the whole scope).
    """
    rules = rules or grading.load_rules()
    period = filters.period_obj
    first_q, last_q = quarters_of(period)

    def quarterly_scores() -> tuple[str, pd.DataFrame]:
        # only the quarters the scores and the trend read
        trend_quarters = latest_assessed_quarters(engine, scope, filters, last_q,
                                                  TREND_QUARTERS)
        first = min([first_q, *trend_quarters])
        return first, company_quarters(engine, scope, filters, rules, (first, last_q))

    (components, last_month, months), (first_read, graded) = concurrently(
        engine, lambda: company_period_components(engine, scope, filters), quarterly_scores)
    empty = League(pd.DataFrame(columns=["company_id", "code", "name", "estates", "households",
                                         "score", "grade", "rank", "eligible"]),
                   None, None, None, 0, {})
    if last_month is None:
        return empty
    in_period = graded[(graded["quarter"] >= first_q) & (graded["quarter"] <= last_q)]
    scores = in_period.groupby("company_id")[["score_weighted", "score_weight"]].sum()
    components["score_weighted"] = components["company_id"].map(
        scores["score_weighted"]).fillna(0.0)
    components["score_weight"] = components["company_id"].map(
        scores["score_weight"]).fillna(0.0)
    table = metric_registry.evaluate(components)
    table["score"] = table["assessment_score"].astype(float)
    table["grade"] = rules.grades(table["score"].to_numpy(dtype=float))

    # trend: the last quarters up to the period's last quarter
    recent = graded[graded["quarter"] <= last_q]
    wanted = sorted(recent["quarter"].unique())[-TREND_QUARTERS:]
    recent = recent[recent["quarter"].isin(wanted)]
    score_grid = recent.pivot(index="company_id", columns="quarter", values="score").reindex(
        columns=wanted)
    grade_grid = recent.pivot(index="company_id", columns="quarter", values="grade").reindex(
        columns=wanted)
    trend_scores = {cid: [float(v) for v in row] for cid, row in
                    zip(score_grid.index, score_grid.to_numpy())}
    trend_grades = {cid: [None if pd.isna(v) else v for v in row] for cid, row in
                    zip(grade_grid.index, grade_grid.to_numpy(dtype=object))}
    table["trend_quarters"] = [list(wanted)] * len(table)
    table["trend_scores"] = [trend_scores.get(c, [np.nan] * len(wanted))
                             for c in table["company_id"]]
    table["trend_grades"] = [trend_grades.get(c, [None] * len(wanted))
                             for c in table["company_id"]]

    table["surveyed"] = table["respondents"]
    table["eligible"] = table["surveyed"] >= rules.min_surveyed_households
    rankable = table["eligible"] & table["score"].notna()
    table["rank"] = np.nan
    table.loc[rankable, "rank"] = table.loc[rankable, "score"].rank(
        ascending=False, method="min")

    # key supervision: decided on the whole scope, in the period's last assessed quarter
    window = key_supervision_window(period, rules)
    if _area_only(filters) is None and first_read <= window[0]:
        # the whole scope's quarters of the window are already read
        everywhere = graded[(graded["quarter"] >= window[0]) & (graded["quarter"] <= window[1])]
    else:
        everywhere = company_quarters(engine, scope, None, rules, window)
    marked = mark_key_supervision(everywhere, "company_id", rules)
    at_quarter = last_assessed_quarter(everywhere, period)
    on_list = set(_on_list_at(marked, "company_id", at_quarter)["company_id"]) if at_quarter \
        else set()
    table["key_supervision"] = table["company_id"].isin(on_list)

    table = table.merge(companies(engine)[["company_id", "code", "name"]], on="company_id",
                        how="left")
    table = table.sort_values(["rank", "score", "code"], ascending=[True, False, True],
                              na_position="last", kind="stable").reset_index(drop=True)
    city = metric_registry.evaluate({name: float(table[name].sum())
                                     for name in metric_registry.COMPONENTS})
    return League(table, first_q, last_q, last_month, months, city)


# --- funnel plot ------------------------------------------------------------------------------


def z_value(level: float) -> float:
    """Two-sided normal quantile: 0.95 → 1.95996, 0.998 → 3.09023."""
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def funnel_limits(city_rate: float, exposure: np.ndarray | float, level: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control limits of an annualised complaint rate.

    Poisson approximation: a company with exposure E household-years (E = household-months
    ÷ 12) has complaints ~ Poisson(p₀ × E) under the city rate p₀ (complaints per household
    and year), so its rate p = complaints ÷ E has standard error √(p₀ ÷ E). The limits are

        p₀ ± z × √(p₀ ÷ E),   z = Φ⁻¹(0.5 + level ÷ 2)  (1.960 for 95%, 3.090 for 99.8%)

    with the lower limit cut at 0. For a period of m months and h households managed,
    E = h × m ÷ 12.
    """
    exposure = np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z_value(level) * np.sqrt(city_rate / exposure)
    return np.maximum(city_rate - spread, 0.0), city_rate + spread


def funnel_signal(rate: float | None, city_rate: float | None, exposure: float,
                  levels: tuple[float, ...]) -> str | None:
    """'high' above the widest upper limit, 'elevated' above the narrowest, 'low' below
    the narrowest lower limit, else 'normal'; None without a rate or exposure."""
    if rate is None or city_rate is None or not exposure or (
            isinstance(rate, float) and math.isnan(rate)):
        return None
    narrow, wide = min(levels), max(levels)
    low, high = funnel_limits(city_rate, exposure, narrow)
    _, very_high = funnel_limits(city_rate, exposure, wide)
    if rate > float(very_high):
        return "high"
    if rate > float(high):
        return "elevated"
    if rate < float(low):
        return "low"
    return "normal"


def add_funnel_signals(league_result: League, rules: grading.GradingRules | None = None
                       ) -> pd.DataFrame:
    """The league table with ``exposure`` (household-years), ``households_avg`` and
    ``funnel_signal`` (see :func:`funnel_signal`) around the table's overall rate."""
    rules = rules or grading.load_rules()
    table = league_result.table.copy()
    if table.empty:
        return table.assign(exposure=[], households_avg=[], funnel_signal=[])
    city_rate = league_result.city.get("complaint_rate")
    table["exposure"] = table["household_months"] / 12.0
    table["households_avg"] = table["household_months"] / max(league_result.months, 1)
    table["funnel_signal"] = [
        funnel_signal(None if pd.isna(rate) else float(rate), city_rate, exposure,
                      rules.funnel_levels)
        for rate, exposure in zip(table["complaint_rate"], table["exposure"])]
    return table


# --- key-supervision lists of a period --------------------------------------------------------

#: How many of a key-supervision run's scores the lists give: its latest quarters' (a run
#: can be years long; the list shows how long and since when, and the recent scores).
RUN_SCORES_SHOWN = 4



def key_supervision_lists(engine: Engine, scope: Scope, filters: Filters,
                          rules: grading.GradingRules | None = None
                          ) -> tuple[str | None, pd.DataFrame, pd.DataFrame]:
    """Companies and projects on key supervision in the period's last assessed quarter.

    Returns (quarter, companies, projects). companies: code, name, quarters (the
    不合格 quarters of the run, oldest first), recent_scores (the scores of its latest
    :data:`RUN_SCORES_SHOWN` quarters, oldest first). projects: estate code, estate name,
    street name/name_en, company code/name, quarters, recent_scores. Companies are
    decided on the whole scope and listed when they serve an estate in the area; projects
    are those in scope ∩ area. Projects' runs, and the whole city's companies', are the
    stored ones: 不合格 as graded by the thresholds of the last summary refresh, whatever
    ``rules`` says (``rules`` gives the run length that lists).
    """
    rules = rules or grading.load_rules()
    period = filters.period_obj
    # the whole city's company runs are stored; other scopes' are marked here
    stored_runs = scope.is_everything
    if stored_runs:
        quarter = _last_company_quarter(engine, period)
    else:
        recent = company_quarters(engine, scope, None, rules,
                                  key_supervision_window(period, rules))
        quarter = last_assessed_quarter(recent, period)
    company_columns = ["company_id", "code", "name", "quarters", "recent_scores"]
    project_columns = ["estate_id", "estate_code", "estate_name", "street_name",
                       "street_name_en", "company_code", "company_name", "quarters",
                       "recent_scores"]
    if quarter is None:
        return None, pd.DataFrame(columns=company_columns), pd.DataFrame(columns=project_columns)

    def runs(marked: pd.DataFrame, entity: str) -> pd.DataFrame:
        # ``marked`` has one row per entity and quarter, sorted by both; the row at
        # ``quarter`` holds the length of the whole run, and the run's latest rows lie
        # just before it: slice by position rather than search the whole frame once per
        # listed row (seconds at province scale). A run's quarters are consecutive.
        listed = np.flatnonzero(((marked["quarter"] == quarter)
                                 & marked["key_supervision"]).to_numpy())
        ids, scores = marked[entity].tolist(), marked["score"].tolist()
        lengths, last = marked["unqualified_run"].tolist(), quarter_index(quarter)
        rows = []
        for end in listed:
            length = int(lengths[end])
            shown = min(length, RUN_SCORES_SHOWN)
            rows.append({entity: ids[end],
                         "quarters": [quarter_key(index)
                                      for index in range(last - length + 1, last + 1)],
                         "recent_scores": [float(s) for s in scores[end - shown + 1:end + 1]]})
        return pd.DataFrame(rows, columns=[entity, "quarters", "recent_scores"])

    def company_history() -> pd.DataFrame:
        if stored_runs:
            marked = company_runs_at(engine, quarter, rules.key_supervision_quarters,
                                     RUN_SCORES_SHOWN, rules).assign(key_supervision=True)
        else:
            # runs end at ``quarter``: the listed companies' history after it changes none
            marked = listed_with_history(
                recent, lambda ids: company_quarters(engine, scope, None, rules,
                                                     (None, quarter), company_ids=ids),
                "company_id", quarter, rules)
        if _area_only(filters) is None or marked.empty:
            return marked
        serving = companies_in_area(engine, scope, filters, period.first_month,
                                    period.last_month)
        return marked[marked["company_id"].isin(serving)]

    at, listed = _listed_projects(scope, filters, quarter, rules.key_supervision_quarters)
    company_marked, projects, estates, names = concurrently(
        engine, company_history,
        lambda: project_runs_at(engine, scope, filters, quarter,
                                rules.key_supervision_quarters, RUN_SCORES_SHOWN, rules),
        lambda: estate_names(engine, scope, filters=filters,
                             among=select(at.c.estate_id).where(listed)),
        lambda: companies(engine))
    company_list = (runs(company_marked, "company_id")
                    .merge(names[["company_id", "code", "name"]], on="company_id", how="left")
                    .sort_values("code")[company_columns])

    project_runs = runs(projects.assign(key_supervision=True), "estate_id")
    latest_company = projects[projects["quarter"] == quarter].set_index("estate_id")["company_id"]
    project_runs["company_id"] = project_runs["estate_id"].map(latest_company)
    project_list = (project_runs.merge(estates, on="estate_id", how="left")
                    .merge(names[["company_id", "code", "name"]].rename(
                        columns={"code": "company_code", "name": "company_name"}),
                        on="company_id", how="left")
                    .sort_values("estate_code"))
    return quarter, company_list.reset_index(drop=True), \
        project_list[project_columns].reset_index(drop=True)


def _last_company_quarter(engine: Engine, period: Period) -> str | None:
    """The latest quarter of ``period`` in which a company was assessed (whole city)."""
    first, last = quarters_of(period)
    cq = company_quarter
    with engine.connect() as conn:
        return conn.execute(select(func.max(cq.c.quarter)).where(
            and_(cq.c.quarter >= first, cq.c.quarter <= last))).scalar()


def estate_names(engine: Engine, scope: Scope, estate_ids: list[int] | None = None,
                 filters: Filters | None = None, among: Select | None = None
                 ) -> pd.DataFrame:
    """estate_id, estate_code, estate_name, street_name, street_name_en, fee, longitude,
    latitude of the given estates in scope, or of every estate in scope ∩ the filters'
    area (one read rather than a list of thousands of ids) — only those whose id the
    select ``among`` returns, when given (a few thousand ids need no list)."""
    columns = ["estate_id", *_ESTATE_NAME_COLUMNS]
    if estate_ids is not None and not estate_ids:
        return pd.DataFrame(columns=columns)
    chosen = (area_clause(estate.c.street_id, scope, _area_only(filters)) if estate_ids is None
              else and_(estate.c.id.in_(sorted({int(i) for i in estate_ids})),
                        area_clause(estate.c.street_id, scope)))
    if among is not None:
        chosen = and_(chosen, estate.c.id.in_(among))
    statement = (select(estate.c.id.label("estate_id"), *_ESTATE_NAME_COLUMNS.values())
                 .join(street, street.c.id == estate.c.street_id)
                 .where(chosen))
    return _frame(engine, statement, columns)


#: What :func:`estate_names` gives of an estate besides its id (estate and street joined).
_ESTATE_NAME_COLUMNS = {
    "estate_code": estate.c.code.label("estate_code"),
    "estate_name": estate.c.name.label("estate_name"),
    "street_name": street.c.name.label("street_name"),
    "street_name_en": street.c.name_en.label("street_name_en"),
    "fee": estate.c.fee_yuan_m2_month.label("fee"),
    "longitude": estate.c.longitude,
    "latitude": estate.c.latitude,
}


# --- quality–price match ----------------------------------------------------------------------


def estate_period_scores(engine: Engine, scope: Scope, filters: Filters,
                         rules: grading.GradingRules | None = None,
                         estate_ids: list[int] | None = None, with_names: bool = False
                         ) -> pd.DataFrame:
    """Each assessed estate's (only ``estate_ids``' when given) score and grade over the
    quarters of the filters' period (the registry's assessment score on its
    project-quarters), with the company of its latest quarter: estate_id, company_id,
    quarters, score, grade; ``with_names``: in the same read, also the columns of
    :func:`estate_names` (only estates whose street is in scope ∩ area, as there)."""
    rules = rules or grading.load_rules()
    period = filters.period_obj
    columns = ["estate_id", "company_id", "quarters", "score_weighted", "score_weight"]
    result = ["estate_id", "company_id", "quarters", "score", "grade"]
    names = list(_ESTATE_NAME_COLUMNS) if with_names else []
    by_year = period.kind == "year"
    if by_year:
        statement = _estate_year_scores(scope, filters, estate_ids)
    else:
        statement = _estate_period_sums(scope, filters, estate_ids)
    if with_names:
        statement = (statement.add_columns(*_ESTATE_NAME_COLUMNS.values())
                     .join(estate, estate.c.id == statement.selected_columns.estate_id)
                     .join(street, street.c.id == estate.c.street_id)
                     .where(area_clause(estate.c.street_id, scope, _area_only(filters))))
    frame = _frame(engine, statement, [*columns, *(["last"] if by_year else []), *names])
    if by_year:
        frame = _fold_streets(frame, [*columns, *names])
    result += names
    # sorted here: SQLite would sort the grouped rows once more for an ORDER BY
    frame = frame.sort_values("estate_id", ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=result)
    return _score_metrics(frame, rules)[result]


def _estate_period_sums(scope: Scope, filters: Filters, estate_ids: list[int] | None):
    """Per estate: company of its latest quarter, quarters, score sums over the period's
    quarters — summed in SQL (a province's quarter holds ~17,000 project-quarters)."""
    pq, latest = project_quarter, project_quarter.alias("latest")
    in_period = quarters_of(filters.period_obj)
    conditions = [area_clause(pq.c.street_id, scope, _area_only(filters)),
                  *_quarter_range(pq.c.quarter, in_period)]
    if estate_ids is not None:
        conditions.append(pq.c.estate_id.in_(estate_ids))
    summed = (select(pq.c.estate_id,
                     func.sum(pq.c.households * pq.c.score).label("score_weighted"),
                     func.sum(pq.c.households).label("score_weight"),
                     func.count().label("quarters"), func.max(pq.c.quarter).label("last"))
              .where(and_(*conditions)).group_by(pq.c.estate_id).subquery("summed"))
    # the latest quarter lies in the period: saying so lets the join read only the
    # period's rows (PostgreSQL otherwise scans every project-quarter)
    return (select(summed.c.estate_id, latest.c.company_id, summed.c.quarters,
                   summed.c.score_weighted, summed.c.score_weight)
            .join_from(summed, latest, and_(latest.c.estate_id == summed.c.estate_id,
                                            latest.c.quarter == summed.c.last,
                                            *_quarter_range(latest.c.quarter, in_period))))


def _estate_year_scores(scope: Scope, filters: Filters, estate_ids: list[int] | None):
    """The year's ``project_year`` rows in scope ∩ area: one per estate, except an estate
    that moved street within the year (see :func:`_fold_streets`); ``last`` is the row's
    latest quarter, ``company_id`` that quarter's company."""
    py = project_year
    conditions = [py.c.year == int(filters.period_obj.first_month[:4]),
                  area_clause(py.c.street_id, scope, _area_only(filters))]
    if estate_ids is not None:
        conditions.append(py.c.estate_id.in_(estate_ids))
    return select(py.c.estate_id, py.c.last_company_id.label("company_id"), py.c.quarters,
                  py.c.score_weighted, py.c.score_weight,
                  py.c.last_quarter.label("last")).where(and_(*conditions))


def _fold_streets(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``rows`` (from :func:`_estate_year_scores`) with one row per estate: the sums of an
    estate's rows added up, the company of its latest quarter kept. Rows of one estate
    are rare (it moved street in the year), so only those are grouped."""
    moved = rows["estate_id"].duplicated(keep=False)
    if not moved.any():
        return rows[columns]
    parts = rows[moved].sort_values(["estate_id", "last"])
    folded = parts.groupby("estate_id", as_index=False, sort=False).agg(
        {**{name: "last" for name in columns if name != "estate_id"},
         "company_id": lambda company: company.iloc[-1],
         "quarters": "sum", "score_weighted": "sum", "score_weight": "sum"})
    return pd.concat([rows.loc[~moved, columns], folded[columns]], ignore_index=True)


def _map_distinct(values: pd.Series, function: Callable) -> pd.Series:
    """``values.map(function)``, calling ``function`` once per distinct value (a province
    has 20,000 estates and a few hundred distinct fees)."""
    distinct = values.drop_duplicates()
    return values.map(dict(zip(distinct, map(function, distinct))))


def quality_price(scored: pd.DataFrame, rules: grading.GradingRules | None = None
                  ) -> pd.DataFrame:
    """Fee tier, supported tier and gap of estates with ``fee``, ``score`` and ``grade``.

    Adds fee_tier, supported_tier, gap (fee tier − supported tier; > 0 is a mismatch),
    required_grade (lowest grade supporting the fee tier), points_short (score missing
    to that grade) and fee_ceiling (fee from which tiers above the supported one start).
    """
    rules = rules or grading.load_rules()
    frame = scored.copy()
    frame["fee_tier"] = _map_distinct(
        frame["fee"], lambda f: rules.fee_tier(None if pd.isna(f) else float(f)))
    frame["supported_tier"] = _map_distinct(frame["grade"], rules.supported_tier)
    frame["gap"] = frame["fee_tier"] - frame["supported_tier"]
    frame["required_grade"] = _map_distinct(
        frame["fee_tier"],
        lambda tier: None if pd.isna(tier) else rules.grade_for_tier(int(tier)))
    threshold = _map_distinct(frame["required_grade"],
                              lambda grade: rules.threshold(grade) if grade else np.nan)
    frame["points_short"] = threshold.astype(float) - frame["score"].astype(float)
    frame["fee_ceiling"] = _map_distinct(
        frame["supported_tier"], lambda tier: np.nan if pd.isna(tier) else (rules.tier_range(int(tier))[1] or np.nan))
    return frame


def mismatches(engine: Engine, scope: Scope, filters: Filters,
               rules: grading.GradingRules | None = None) -> tuple[pd.DataFrame, int]:
    """Estates in scope ∩ area whose fee tier is above what their grade in the period
    supports, largest gap first, and the number of graded estates in scope ∩ area.

    Columns: estate_code, estate_name, street_name, street_name_en, company_code,
    company_name, fee, fee_tier, score, grade, supported_tier, gap, required_grade,
    points_short, fee_ceiling.
    """
    rules = rules or grading.load_rules()
    columns = ["estate_code", "estate_name", "street_name", "street_name_en", "company_code",
               "company_name", "fee", "fee_tier", "score", "grade", "supported_tier", "gap",
               "required_grade", "points_short", "fee_ceiling"]
    frame = estate_period_scores(engine, scope, filters, rules, with_names=True)
    if frame.empty:
        return pd.DataFrame(columns=columns), 0
    total = len(frame)
    frame = quality_price(frame, rules)
    frame = frame[frame["gap"] > 0]
    names = companies(engine)[["company_id", "code", "name"]].rename(
        columns={"code": "company_code", "name": "company_name"})
    frame = frame.merge(names, on="company_id", how="left")
    frame = frame.sort_values(["gap", "points_short", "estate_code"],
                              ascending=[False, False, True], kind="stable")
    return frame[columns].reset_index(drop=True), total


# --- company profile --------------------------------------------------------------------------


def company_estates(engine: Engine, scope: Scope, company_id: int, filters: Filters,
                    rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """Estates the company serves at the last month of the period with data (within
    scope, whole area): estate_code, estate_name, street names, district_code, households,
    fee, longitude, latitude, score, grade (period), fee_tier, supported_tier, gap."""
    rules = rules or grading.load_rules()
    period = filters.period_obj
    em = estate_month
    last = select(func.max(em.c.month)).where(and_(
        em.c.company_id == company_id, area_clause(em.c.street_id, scope),
        em.c.month >= period.first_month, em.c.month <= period.last_month)).scalar_subquery()
    statement = (select(estate.c.id.label("estate_id"), estate.c.code.label("estate_code"),
                        estate.c.name.label("estate_name"),
                        street.c.name.label("street_name"),
                        street.c.name_en.label("street_name_en"),
                        district.c.code.label("district_code"),
                        em.c.households, estate.c.fee_yuan_m2_month.label("fee"),
                        estate.c.longitude, estate.c.latitude)
                 .select_from(em.join(estate, estate.c.id == em.c.estate_id)
                              .join(street, street.c.id == em.c.street_id)
                              .join(district, district.c.id == em.c.district_id))
                 .where(and_(em.c.company_id == company_id, em.c.month == last,
                             area_clause(em.c.street_id, scope)))
                 .order_by(estate.c.code))
    columns = ["estate_id", "estate_code", "estate_name", "street_name", "street_name_en",
               "district_code", "households", "fee", "longitude", "latitude"]
    frame = _frame(engine, statement, columns)
    scores = estate_period_scores(engine, scope, Filters(period.key), rules,
                                  [int(i) for i in frame["estate_id"]])
    scores = scores[scores["company_id"] == company_id][["estate_id", "score", "grade"]]
    frame = frame.merge(scores, on="estate_id", how="left")
    if frame.empty:
        return frame.assign(fee_tier=[], supported_tier=[], gap=[])
    frame["grade"] = frame["grade"].where(frame["grade"].notna(), None)
    frame = quality_price(frame, rules)
    return frame[[*columns, "score", "grade", "fee_tier", "supported_tier", "gap"]]


def company_dimension_history(engine: Engine, scope: Scope, company_id: int) -> pd.DataFrame:
    """Per quarter: the company's score (household-weighted over its projects) and per
    dimension the household-weighted dimension score and points (``<dim>``,
    ``<dim>_points``; the points add up to the score). Oldest first."""
    pd_q = project_dimension_quarter
    pq = project_quarter
    weighted = []
    for dim in ASSESSMENT_DIMENSIONS:
        present = pd_q.c[dim].is_not(None)
        weighted += [
            func.sum(case((present, pd_q.c.households * pd_q.c[dim]), else_=0.0)).label(
                f"{dim}_weighted"),
            func.sum(case((present, pd_q.c.households), else_=0)).label(f"{dim}_weight"),
            func.sum(pd_q.c.households * func.coalesce(pd_q.c[f"{dim}_points"], 0.0)).label(
                f"{dim}_points_weighted"),
        ]
    statement = (select(pd_q.c.quarter,
                        func.sum(pq.c.households * pq.c.score).label("score_weighted"),
                        func.sum(pq.c.households).label("score_weight"), *weighted)
                 .select_from(pd_q.join(pq, and_(pq.c.estate_id == pd_q.c.estate_id,
                                                 pq.c.quarter == pd_q.c.quarter)))
                 .where(and_(pd_q.c.company_id == company_id, pq.c.company_id == company_id,
                             area_clause(pd_q.c.street_id, scope)))
                 .group_by(pd_q.c.quarter).order_by(pd_q.c.quarter))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).mappings().all())
    columns = ["quarter", "score", "grade", *ASSESSMENT_DIMENSIONS,
               *(f"{d}_points" for d in ASSESSMENT_DIMENSIONS), "score_weighted",
               "score_weight"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = _score_metrics(frame, grading.load_rules())
    for dim in ASSESSMENT_DIMENSIONS:
        weight = frame[f"{dim}_weight"].astype(float)
        frame[dim] = frame[f"{dim}_weighted"].astype(float) / weight.where(weight > 0)
        frame[f"{dim}_points"] = frame[f"{dim}_points_weighted"].astype(float) / \
            frame["score_weight"].astype(float)
    return frame[columns]


def waterfall_parts(history: pd.DataFrame, first_quarter: str, last_quarter: str,
                    rules: grading.GradingRules | None = None) -> dict | None:
    """The "why this grade" breakdown over the quarters first..last of a company history
    (:func:`company_dimension_history`).

    Returns {"quarters": [...], "score", "grade", "points": {dim: points} (adding up to
    the score), "dimension_scores": {dim: 0–100}, "next_grade", "next_threshold",
    "points_needed", "raise_needed": {dim: raise of that dimension's score alone that
    closes the gap, or None when 100 is not enough}} or None without assessments.
    """
    rules = rules or grading.load_rules()
    inside = history[(history["quarter"] >= first_quarter) & (history["quarter"] <= last_quarter)]
    if inside.empty:
        return None
    weight = inside["score_weight"].astype(float)
    total = float(weight.sum())
    score = metric_registry.evaluate({
        "score_weighted": float(inside["score_weighted"].astype(float).sum()),
        "score_weight": total})["assessment_score"]
    points = {d: float((inside[f"{d}_points"].astype(float).fillna(0.0) * weight).sum() / total)
              for d in ASSESSMENT_DIMENSIONS}
    dim_scores = {}
    for d in ASSESSMENT_DIMENSIONS:
        present = inside[d].notna()
        dim_scores[d] = (float((inside.loc[present, d] * weight[present]).sum()
                               / weight[present].sum()) if present.any() else None)
    upper = rules.next_grade(score)
    needed = None if upper is None else max(upper[1] - score, 0.0)
    raise_needed = {}
    for d in ASSESSMENT_DIMENSIONS:
        dim_score = dim_scores[d]
        if needed is None or not dim_score:
            raise_needed[d] = None
            continue
        share = points[d] / dim_score  # the dimension's effective weight in the score
        gain = needed / share if share > 0 else math.inf
        raise_needed[d] = gain if dim_score + gain <= 100.0 + 1e-9 else None
    return {"quarters": list(inside["quarter"]), "score": score, "grade": rules.grade(score),
            "points": points, "dimension_scores": dim_scores,
            "next_grade": None if upper is None else upper[0],
            "next_threshold": None if upper is None else upper[1],
            "points_needed": needed, "raise_needed": raise_needed}


def company_categories(engine: Engine, scope: Scope, company_id: int, first_month: str,
                       last_month: str) -> pd.DataFrame:
    """Complaints about the company per category in the months (complaint_month):
    category, complaints, most first."""
    cm = complaint_month
    statement = (select(cm.c.category, func.sum(cm.c.complaints).label("complaints"))
                 .where(and_(cm.c.company_id == company_id, area_clause(cm.c.street_id, scope),
                             cm.c.month >= first_month, cm.c.month <= last_month))
                 .group_by(cm.c.category))
    frame = _frame(engine, statement, ["category", "complaints"])
    return frame.sort_values(["complaints", "category"], ascending=[False, True]
                             ).reset_index(drop=True)


def company_history(engine: Engine, scope: Scope, company_id: int,
                    rules: grading.GradingRules | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(quarters, years) of one company, decided on the whole scope.

    quarters: quarter, score, grade, unqualified_run, key_supervision (newest first).
    years: the company's rows of :func:`yearly_lists` (newest first).
    """
    rules = rules or grading.load_rules()
    # A company's runs and lists depend on its own quarters and on which quarters anyone
    # in scope was assessed in: read just those, not every company's history.
    own = company_quarters(engine, scope, None, rules, company_ids=[company_id])
    marked = mark_key_supervision(own, "company_id", rules)
    quarters = marked[["quarter", "score", "grade", "unqualified_run", "key_supervision"]]
    years = yearly_lists(own, overdue_by_company_year(engine, scope, company_ids=[company_id]),
                         rules, latest_assessed_quarters(engine, scope, None))
    return (quarters.sort_values("quarter", ascending=False).reset_index(drop=True),
            years.sort_values("year", ascending=False).reset_index(drop=True))


def district_outlines(engine: Engine, scope: Scope) -> pd.DataFrame:
    """code, name, name_en, geometry_geojson of the districts in scope (map base)."""
    visible = select(street.c.district_id).where(area_clause(street.c.id, scope))
    statement = (select(district.c.code, district.c.name, district.c.name_en,
                        district.c.geometry_geojson)
                 .where(district.c.id.in_(visible)).order_by(district.c.code))
    return _frame(engine, statement, ["code", "name", "name_en", "geometry_geojson"])
