"""A covering index for reads of one month of estate_month.

The coverage map reads every estate's state in one month, and the complaints ranking every
estate's households and complaints over a period; those rows lie scattered over the table
(it is ordered by estate), so the plain month index cost a table visit per estate-month:
20,000 a month at province scale. The new index holds the columns such reads need.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_estate_month_at_month", "estate_month",
                    ["month", "estate_id", "street_id", "company_id", "management_mode",
                     "households", "complaints"])
    op.drop_index("ix_estate_month_month", table_name="estate_month")


def downgrade() -> None:
    op.create_index("ix_estate_month_month", "estate_month", ["month"])
    op.drop_index("ix_estate_month_at_month", table_name="estate_month")
