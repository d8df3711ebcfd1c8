"""Record the QueueTime of answered callers and claim waiting callers for a redirect.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_entries") as batch_op:
        batch_op.add_column(sa.Column("queue_time", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("redirected_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_entries") as batch_op:
        batch_op.drop_column("redirected_at")
        batch_op.drop_column("queue_time")
