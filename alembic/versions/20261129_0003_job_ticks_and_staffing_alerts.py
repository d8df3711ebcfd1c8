"""Create job_ticks and staffing_alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_ticks",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "tick", name=op.f("pk_job_ticks")),
    )
    op.create_table(
        "staffing_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agents", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_alerts")),
        sa.UniqueConstraint("helpdesk_id", "tick", name=op.f("uq_staffing_alerts_helpdesk_id_tick")),
    )


def downgrade() -> None:
    op.drop_table("staffing_alerts")
    op.drop_table("job_ticks")
