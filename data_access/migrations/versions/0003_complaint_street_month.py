"""complaint_street_month: complaints per month, street and one dimension.

The complaints charts that look at one dimension (category, channel or resolved level)
read it instead of complaint_month. The upgrade fills it from complaint_month, so that an
upgraded database shows the same complaints as before without a summary refresh; the
downgrade drops it (complaint_month still holds everything).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Written out here, not imported from data_access, so that this revision stays what it
# was when the application's code changes.
_SUMS = ("complaints", "complaints_on_time", "complaints_resolved", "complaints_rated",
         "complaints_satisfied", "complaints_repeat")
_DIMENSIONS = ("category", "channel", "resolved_level")
_UNRESOLVED = "__none__"

_complaint_month = sa.table(
    "complaint_month",
    *[sa.column(name) for name in ("month", "street_id", "district_id", *_DIMENSIONS,
                                   *_SUMS)],
)


def upgrade() -> None:
    table = op.create_table(
        "complaint_street_month",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _SUMS],
        sa.PrimaryKeyConstraint("dimension", "street_id", "month", "group_code"),
    )
    # Covering: city- and district-wide reads never touch the table.
    op.create_index("ix_complaint_street_month_month", "complaint_street_month",
                    ["dimension", "month", "group_code", "street_id", *_SUMS])
    cm = _complaint_month
    for dimension in _DIMENSIONS:
        group = sa.func.coalesce(cm.c[dimension], sa.literal(_UNRESOLVED))
        columns = {
            "dimension": sa.literal(dimension),
            "street_id": cm.c.street_id,
            "month": cm.c.month,
            "group_code": group,
            "district_id": cm.c.district_id,
            **{name: sa.func.sum(cm.c[name]) for name in _SUMS},
        }
        statement = (sa.select(*[expr.label(name) for name, expr in columns.items()])
                     .group_by(cm.c.street_id, cm.c.month, group, cm.c.district_id))
        op.execute(table.insert().from_select(list(columns), statement))


def downgrade() -> None:
    op.drop_index("ix_complaint_street_month_month", table_name="complaint_street_month")
    op.drop_table("complaint_street_month")
