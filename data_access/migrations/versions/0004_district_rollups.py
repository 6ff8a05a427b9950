"""District roll-ups for company and city-wide reads, and project_quarter by quarter.

Adds company_district_month, company_district_quarter, street_quarter and
complaint_district_month (sums of estate_month, project_quarter and
complaint_street_month per company/street and district) and a covering index on
project_quarter's quarter. The upgrade fills the roll-ups from the summaries below them,
so an upgraded database shows the same figures without a summary refresh; the downgrade
drops them (the summaries below still hold everything).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out here, not imported from data_access, so that this revision stays what it
# was when the application's code changes.
_FLOWS = ("households_billed", "households_paid", "amount_billed_yuan",
          "amount_collected_yuan", "respondents_month", "satisfied_month",
          "respondents_quarter", "satisfied_quarter", "respondents_year", "satisfied_year",
          "complaints", "complaints_on_time", "complaints_resolved")
_STOCKS = ("estates", "households", "managed_estates", "managed_households",
           "unmanaged_estates", "committee_estates")
_COMPLAINT_SUMS = ("complaints", "complaints_on_time", "complaints_resolved",
                   "complaints_rated", "complaints_satisfied", "complaints_repeat")
_MANAGED_MODES = ("professional", "bundle")

_estate_month = sa.table("estate_month", *[sa.column(name) for name in (
    "company_id", "district_id", "month", "year", "management_mode", "households",
    "has_committee", *_FLOWS)])
_project_quarter = sa.table("project_quarter", *[sa.column(name) for name in (
    "street_id", "district_id", "company_id", "quarter", "households", "score")])
_complaint_street_month = sa.table("complaint_street_month", *[sa.column(name) for name in (
    "dimension", "district_id", "month", "group_code", *_COMPLAINT_SUMS)])


def _score_columns():
    return [sa.Column("projects", sa.Integer(), nullable=False),
            sa.Column("score_weighted", sa.Float(), nullable=False,
                      comment="Σ households × score"),
            sa.Column("score_weight", sa.Integer(), nullable=False, comment="Σ households")]


def _score_sums(pq):
    return {"projects": sa.func.count(),
            "score_weighted": sa.func.sum(pq.c.households * pq.c.score),
            "score_weight": sa.func.sum(pq.c.households)}


def _fill(table, columns: dict, statement) -> None:
    op.execute(table.insert().from_select(
        list(columns), statement.with_only_columns(
            *[expr.label(name) for name, expr in columns.items()])))


def upgrade() -> None:
    op.create_index("ix_project_quarter_quarter", "project_quarter",
                    ["quarter", "street_id", "estate_id", "company_id", "households", "score"])

    company_month = op.create_table(
        "company_district_month",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _STOCKS],
        *[sa.Column(name, sa.Float() if name.startswith("amount") else sa.Integer(),
                    nullable=False) for name in _FLOWS],
        sa.PrimaryKeyConstraint("company_id", "district_id", "month"),
    )
    op.create_index("ix_company_district_month_month", "company_district_month",
                    ["month", "district_id"])
    em = _estate_month
    managed = em.c.management_mode.in_(_MANAGED_MODES)
    _fill(company_month, {
        "company_id": em.c.company_id, "district_id": em.c.district_id,
        "month": em.c.month, "year": em.c.year,
        "estates": sa.func.count(), "households": sa.func.sum(em.c.households),
        "managed_estates": sa.func.sum(sa.case((managed, 1), else_=0)),
        "managed_households": sa.func.sum(sa.case((managed, em.c.households), else_=0)),
        "unmanaged_estates": sa.func.sum(sa.case((managed, 0), else_=1)),
        "committee_estates": sa.func.sum(em.c.has_committee),
        **{name: sa.func.sum(em.c[name]) for name in _FLOWS},
    }, sa.select(em.c.company_id).where(em.c.company_id.is_not(None))
        .group_by(em.c.company_id, em.c.district_id, em.c.month, em.c.year))

    company_quarter = op.create_table(
        "company_district_quarter",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        *_score_columns(),
        sa.PrimaryKeyConstraint("company_id", "district_id", "quarter"),
    )
    op.create_index("ix_company_district_quarter_quarter", "company_district_quarter",
                    ["quarter", "district_id"])
    pq = _project_quarter
    _fill(company_quarter, {"company_id": pq.c.company_id, "district_id": pq.c.district_id,
                            "quarter": pq.c.quarter, **_score_sums(pq)},
          sa.select(pq.c.company_id).where(pq.c.company_id.is_not(None))
          .group_by(pq.c.company_id, pq.c.district_id, pq.c.quarter))

    street_quarter = op.create_table(
        "street_quarter",
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        *_score_columns(),
        sa.PrimaryKeyConstraint("street_id", "quarter"),
    )
    op.create_index("ix_street_quarter_quarter", "street_quarter", ["quarter"])
    _fill(street_quarter, {"street_id": pq.c.street_id, "quarter": pq.c.quarter,
                           "district_id": pq.c.district_id, **_score_sums(pq)},
          sa.select(pq.c.street_id).group_by(pq.c.street_id, pq.c.quarter, pq.c.district_id))

    complaint_month = op.create_table(
        "complaint_district_month",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COMPLAINT_SUMS],
        sa.PrimaryKeyConstraint("dimension", "district_id", "month", "group_code"),
    )
    op.create_index("ix_complaint_district_month_month", "complaint_district_month",
                    ["dimension", "month", "group_code", "district_id", *_COMPLAINT_SUMS])
    cs = _complaint_street_month
    _fill(complaint_month, {"dimension": cs.c.dimension, "district_id": cs.c.district_id,
                            "month": cs.c.month, "group_code": cs.c.group_code,
                            **{name: sa.func.sum(cs.c[name]) for name in _COMPLAINT_SUMS}},
          sa.select(cs.c.dimension).group_by(cs.c.dimension, cs.c.district_id, cs.c.month,
                                             cs.c.group_code))


def downgrade() -> None:
    for table, index in (("complaint_district_month", "ix_complaint_district_month_month"),
                         ("street_quarter", "ix_street_quarter_quarter"),
                         ("company_district_quarter", "ix_company_district_quarter_quarter"),
                         ("company_district_month", "ix_company_district_month_month")):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
    op.drop_index("ix_project_quarter_quarter", table_name="project_quarter")
