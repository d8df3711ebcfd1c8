"""Citizens who ring back after a call of ours they missed (playbook 1.5.2): a queue entry says
whether the caller waits in the helpdesk's returning queue, a call record which outbound attempt
the caller returned (counted by the KPIs, so the KPI index carries it too).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 23:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KPI_COLUMNS = [
    "helpdesk_id",
    "arrival_date",
    "arrival_minute",
    "outcome",
    "overflow_reason",
    "open_on_arrival",
    "entered_queue",
    "wait_s",
    "talk_s",
]


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table copy on SQLite, and the offline SQL works).
    op.add_column(
        "queue_entries", sa.Column("returning_queue", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("call_records", sa.Column("returning_attempt_id", sa.Integer(), nullable=True))
    # The KPI queries answer from this index alone: it gains the column they now count.
    op.drop_index(op.f("ix_call_records_kpis"), table_name="call_records")
    op.create_index(op.f("ix_call_records_kpis"), "call_records", [*_KPI_COLUMNS, "returning_attempt_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_call_records_kpis"), table_name="call_records")
    op.create_index(op.f("ix_call_records_kpis"), "call_records", _KPI_COLUMNS)
    with op.batch_alter_table("call_records") as batch_op:
        batch_op.drop_column("returning_attempt_id")
    with op.batch_alter_table("queue_entries") as batch_op:
        batch_op.drop_column("returning_queue")
