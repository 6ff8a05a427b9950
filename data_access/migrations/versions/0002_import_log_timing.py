"""import_log records how long an import took and what the summary refresh recomputed.

Both columns are NULL for imports logged before this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_log") as batch_op:
        batch_op.add_column(sa.Column("seconds", sa.Float(), nullable=True,
                                      comment="how long the import took"))
        batch_op.add_column(sa.Column("summary_refresh", sa.String(length=200), nullable=True,
                                      comment='what the summary refresh recomputed, e.g. "full" '
                                              'or "3 street-months"'))


def downgrade() -> None:
    with op.batch_alter_table("import_log") as batch_op:
        batch_op.drop_column("summary_refresh")
        batch_op.drop_column("seconds")
