"""Create agent_presence and queue_entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 01:34:01+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_presence")),
        sa.UniqueConstraint("helpdesk_id", "agent", name=op.f("uq_agent_presence_helpdesk_id_agent")),
        sa.CheckConstraint(
            "status IN ('available', 'break', 'offline')", name=op.f("ck_agent_presence_presence_status")
        ),
    )
    op.create_index(op.f("ix_agent_presence_call_sid"), "agent_presence", ["call_sid"])

    op.create_table(
        "queue_entries",
        sa.Column("call_sid", sa.String(length=34), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=True),
        sa.Column("from_number", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_queue_entries")),
    )
    op.create_index(op.f("ix_queue_entries_helpdesk_id_left_at"), "queue_entries", ["helpdesk_id", "left_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_entries_helpdesk_id_left_at"), table_name="queue_entries")
    op.drop_table("queue_entries")
    op.drop_index(op.f("ix_agent_presence_call_sid"), table_name="agent_presence")
    op.drop_table("agent_presence")
