"""Create helpdesk_closures and closure_audit: helpdesks closed at once by operations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 20:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_closures",
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("helpdesk_id", name=op.f("pk_helpdesk_closures")),
    )
    op.create_table(
        "closure_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("who", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_audit")),
    )
    op.create_index("ix_closure_audit_helpdesk_id_at", "closure_audit", ["helpdesk_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_closure_audit_helpdesk_id_at", table_name="closure_audit")
    op.drop_table("closure_audit")
    op.drop_table("helpdesk_closures")
