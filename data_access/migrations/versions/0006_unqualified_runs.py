"""Stored 不合格 runs of projects, and covering indexes for the company roll-ups.

* ``project_quarter.unqualified_run``: the consecutive quarters graded 不合格 ending at
  each project-quarter. The key-supervision list of a quarter then reads that quarter's
  rows, instead of searching every listed project's history (a third of a second at
  province scale). The upgrade fills it from the stored scores.
* ``ix_project_quarter_quarter`` gains the new column (it stays covering).
* ``company_district_month`` and ``company_district_quarter`` get covering indexes for
  reads of a range of months or quarters (league, red/black list, key supervision), in
  place of their plain period indexes.
* ``company_district_year``: ``company_district_month``'s flows summed per year, for the
  company views of a whole year; filled from the monthly roll-up.
* ``estate_year``: ``estate_month``'s households and complaints per estate, street and
  year, for a year's complaints ranking; filled from ``estate_month``.
* ``project_year``: ``project_quarter``'s scores per estate, street and year with the
  company of the latest quarter, for a year's quality–price match; filled from
  ``project_quarter``.
* ``company_quarter``: ``company_district_quarter`` summed over the districts, with each
  company's run of 不合格 quarters, for the whole city's key-supervision list; filled from
  the district roll-up.
* ``complaint_month`` gets an index on (company_id, month), for a company's complaints
  by category.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Written out here, not imported from data_access, so that this revision stays what it
# was when the application's code changes.
_COMPANY_MONTH_READ_COLUMNS = (
    "month", "district_id", "company_id", "year", "estates", "households", "managed_estates",
    "managed_households", "unmanaged_estates", "committee_estates", "households_billed",
    "households_paid", "respondents_month", "satisfied_month", "respondents_quarter",
    "satisfied_quarter", "respondents_year", "satisfied_year", "complaints",
    "complaints_on_time", "complaints_resolved")
_COMPANY_QUARTER_READ_COLUMNS = ("quarter", "district_id", "company_id", "projects",
                                 "score_weighted", "score_weight")
_PROJECT_QUARTER_COLUMNS = ("quarter", "street_id", "estate_id", "company_id", "households",
                            "score")

_SUMS = ("households_billed", "households_paid", "amount_billed_yuan",
         "amount_collected_yuan", "respondents_month", "satisfied_month",
         "respondents_quarter", "satisfied_quarter", "respondents_year", "satisfied_year",
         "complaints", "complaints_on_time", "complaints_resolved")

_company_district_month = sa.table("company_district_month", *[sa.column(name) for name in (
    "year", "district_id", "company_id", "households", *_SUMS)])
_estate_month = sa.table("estate_month", *[sa.column(name) for name in (
    "year", "street_id", "estate_id", "households", "complaints")])
_company_district_quarter = sa.table("company_district_quarter", *[
    sa.column(name) for name in ("quarter", "company_id", "projects", "score_weighted",
                                 "score_weight")])
_project_quarter = sa.table("project_quarter", *[sa.column(name) for name in (
    "estate_id", "quarter", "street_id", "company_id", "households", "score",
    "unqualified_run")])


def _qualified_from() -> float:
    """The lowest 合格 score of this deployment's grading rules (assets/grading.toml):
    configuration, read as the application reads it."""
    from data_access.grading import load_rules

    return load_rules().qualified_from


def _fill_runs(table, entity, unqualified) -> None:
    """``table.unqualified_run``: consecutive quarters of ``entity`` where ``unqualified``
    holds, ending at each row (gaps and islands: quarter number − row number is constant
    along consecutive quarters)."""
    quarter_number = (sa.cast(sa.func.substr(table.c.quarter, 1, 4), sa.Integer) * 4
                      + sa.cast(sa.func.substr(table.c.quarter, 7, 1), sa.Integer))
    rows = (sa.select(entity.label("entity"), table.c.quarter,
                      (quarter_number - sa.func.row_number().over(
                          partition_by=entity, order_by=table.c.quarter)).label("island"))
            .where(unqualified).subquery("unqualified"))
    runs = sa.select(rows.c.entity, rows.c.quarter,
                     sa.func.row_number().over(partition_by=(rows.c.entity, rows.c.island),
                                               order_by=rows.c.quarter).label("run")
                     ).subquery("runs")
    op.execute(table.update()
               .where(sa.and_(entity == runs.c.entity, table.c.quarter == runs.c.quarter))
               .values(unqualified_run=runs.c.run))


def upgrade() -> None:
    with op.batch_alter_table("project_quarter") as batch:
        batch.add_column(sa.Column(
            "unqualified_run", sa.Integer(), nullable=False, server_default="0",
            comment="consecutive quarters graded 不合格 ending at this one (0: graded better)"))
    pq = _project_quarter
    _fill_runs(pq, pq.c.estate_id, pq.c.score < _qualified_from())
    op.drop_index("ix_project_quarter_quarter", table_name="project_quarter")
    op.create_index("ix_project_quarter_quarter", "project_quarter",
                    [*_PROJECT_QUARTER_COLUMNS, "unqualified_run"])

    op.drop_index("ix_company_district_month_month", table_name="company_district_month")
    op.create_index("ix_company_district_month_at_month", "company_district_month",
                    list(_COMPANY_MONTH_READ_COLUMNS))
    op.drop_index("ix_company_district_quarter_quarter",
                  table_name="company_district_quarter")
    op.create_index("ix_company_district_quarter_at_quarter", "company_district_quarter",
                    list(_COMPANY_QUARTER_READ_COLUMNS))

    company_year = op.create_table(
        "company_district_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("household_months", sa.Integer(), nullable=False,
                  comment="Σ over the year's months of the households served"),
        *[sa.Column(name, sa.Float() if name.startswith("amount") else sa.Integer(),
                    nullable=False) for name in _SUMS],
        sa.PrimaryKeyConstraint("year", "district_id", "company_id"),
    )
    cm = _company_district_month
    sums = {"household_months": sa.func.sum(cm.c.households),
            **{name: sa.func.sum(cm.c[name]) for name in _SUMS}}
    op.execute(company_year.insert().from_select(
        ["year", "district_id", "company_id", *sums],
        sa.select(cm.c.year, cm.c.district_id, cm.c.company_id,
                  *[expr.label(name) for name, expr in sums.items()])
        .group_by(cm.c.year, cm.c.district_id, cm.c.company_id)))


    estate_year = op.create_table(
        "estate_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("household_months", sa.Integer(), nullable=False,
                  comment="Σ over the year's months of the households"),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "street_id", "estate_id"),
    )
    em = _estate_month
    op.execute(estate_year.insert().from_select(
        ["year", "street_id", "estate_id", "household_months", "complaints"],
        sa.select(em.c.year, em.c.street_id, em.c.estate_id, sa.func.sum(em.c.households),
                  sa.func.sum(em.c.complaints))
        .group_by(em.c.year, em.c.street_id, em.c.estate_id)))

    project_year = op.create_table(
        "project_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("quarters", sa.Integer(), nullable=False, comment="assessed quarters"),
        sa.Column("score_weighted", sa.Float(), nullable=False, comment="Σ households × score"),
        sa.Column("score_weight", sa.Integer(), nullable=False, comment="Σ households"),
        sa.Column("last_quarter", sa.String(length=7), nullable=False),
        sa.Column("last_company_id", sa.Integer(), nullable=True,
                  comment="company of the last quarter"),
        sa.PrimaryKeyConstraint("year", "estate_id", "street_id"),
    )
    _fill_project_years(project_year)

    company_quarter = op.create_table(
        "company_quarter",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.Column("score_weighted", sa.Float(), nullable=False, comment="Σ households × score"),
        sa.Column("score_weight", sa.Integer(), nullable=False, comment="Σ households"),
        sa.Column("unqualified_run", sa.Integer(), nullable=False, server_default="0",
                  comment="consecutive quarters graded 不合格 ending at this one "
                          "(0: graded better)"),
        sa.PrimaryKeyConstraint("quarter", "company_id"),
    )
    op.create_index("ix_company_quarter_company", "company_quarter", ["company_id", "quarter"])
    dq = _company_district_quarter
    op.execute(company_quarter.insert().from_select(
        ["quarter", "company_id", "projects", "score_weighted", "score_weight"],
        sa.select(dq.c.quarter, dq.c.company_id, sa.func.sum(dq.c.projects),
                  sa.func.sum(dq.c.score_weighted), sa.func.sum(dq.c.score_weight))
        .group_by(dq.c.quarter, dq.c.company_id)))
    cq = company_quarter
    score = sa.case((cq.c.score_weight > 0,
                     cq.c.score_weighted / sa.cast(cq.c.score_weight, sa.Float)))
    _fill_runs(cq, cq.c.company_id, score < _qualified_from())

    op.create_index("ix_complaint_month_company", "complaint_month", ["company_id", "month"])


def _fill_project_years(project_year) -> None:
    pq = _project_quarter
    year = sa.cast(sa.func.substr(pq.c.quarter, 1, 4), sa.Integer)
    summed = (sa.select(year.label("year"), pq.c.estate_id, pq.c.street_id,
                        sa.func.count().label("quarters"),
                        sa.func.sum(pq.c.households * pq.c.score).label("score_weighted"),
                        sa.func.sum(pq.c.households).label("score_weight"),
                        sa.func.max(pq.c.quarter).label("last_quarter"))
              .group_by(year, pq.c.estate_id, pq.c.street_id).subquery("summed"))
    last = pq.alias("last")
    op.execute(project_year.insert().from_select(
        [*[column.name for column in summed.c], "last_company_id"],
        sa.select(*summed.c, last.c.company_id).join_from(summed, last, sa.and_(
            last.c.estate_id == summed.c.estate_id,
            last.c.quarter == summed.c.last_quarter))))


def downgrade() -> None:
    op.drop_index("ix_complaint_month_company", table_name="complaint_month")
    op.drop_table("company_quarter")
    op.drop_table("project_year")
    op.drop_table("estate_year")
    op.drop_table("company_district_year")
    op.drop_index("ix_company_district_quarter_at_quarter",
                  table_name="company_district_quarter")
    op.create_index("ix_company_district_quarter_quarter", "company_district_quarter",
                    ["quarter", "district_id"])
    op.drop_index("ix_company_district_month_at_month", table_name="company_district_month")
    op.create_index("ix_company_district_month_month", "company_district_month",
                    ["month", "district_id"])
    op.drop_index("ix_project_quarter_quarter", table_name="project_quarter")
    op.create_index("ix_project_quarter_quarter", "project_quarter",
                    list(_PROJECT_QUARTER_COLUMNS))
    with op.batch_alter_table("project_quarter") as batch:
        batch.drop_column("unqualified_run")
