"""Create call_records, call_events and invitations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column("call_sid", sa.String(length=34), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("arrival_minute", sa.Integer(), nullable=True),
        sa.Column("open_on_arrival", sa.Boolean(), nullable=False),
        sa.Column("caller_hash", sa.String(length=64), nullable=True),
        sa.Column("caller_masked", sa.String(length=32), nullable=True),
        sa.Column("caller_raw", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("overflow_reason", sa.String(length=20), nullable=True),
        sa.Column("entered_queue", sa.Boolean(), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("talk_s", sa.Integer(), nullable=True),
        sa.Column("central_status", sa.String(length=32), nullable=True),
        sa.Column("call_status", sa.String(length=32), nullable=True),
        sa.Column("call_duration_s", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_call_records")),
    )
    op.create_index(
        op.f("ix_call_records_kpis"),
        "call_records",
        [
            "helpdesk_id",
            "arrival_date",
            "arrival_minute",
            "outcome",
            "overflow_reason",
            "open_on_arrival",
            "entered_queue",
            "wait_s",
            "talk_s",
        ],
    )
    op.create_index(op.f("ix_call_records_arrival_date"), "call_records", ["arrival_date"])
    op.create_index(op.f("ix_call_records_arrived_at"), "call_records", ["arrived_at"])

    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dedupe", sa.String(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("call_sid", "dedupe", name=op.f("uq_call_events_call_sid_dedupe")),
    )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("helpdesk_id", "date", name=op.f("uq_invitations_helpdesk_id_date")),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("call_events")
    op.drop_index(op.f("ix_call_records_arrived_at"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_arrival_date"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_kpis"), table_name="call_records")
    op.drop_table("call_records")
