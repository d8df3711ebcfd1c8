"""The staffing alert's reason: fewer agents than ``queue.min_agents``, or than the forecast needs
for the current hour. Alerts raised before are of the first kind.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table copy on SQLite, and the offline SQL works).
    op.add_column(
        "staffing_alerts",
        sa.Column("reason", sa.String(length=20), server_default="min_agents", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("staffing_alerts") as batch_op:
        batch_op.drop_column("reason")
