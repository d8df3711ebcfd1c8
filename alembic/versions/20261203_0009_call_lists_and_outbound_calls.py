"""Create call_lists, call_list_entries, outbound_attempts and do_not_call: calls to citizens from
the agent line (playbook 1.5). An agent's presence may now be ``outbound``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 22:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_PRESENCE_CHECK = "ck_agent_presence_presence_status"
_STATUSES_BEFORE = "status IN ('available', 'break', 'offline')"
_STATUSES = "status IN ('available', 'break', 'outbound', 'offline')"


def _presence_statuses(before: str, after: str) -> None:
    # Batch mode: SQLite changes a CHECK constraint by copying the table. The table is spelled out
    # (as revision 0001 and 0002 left it) so that the offline SQL can be written without a database.
    table = sa.Table(
        "agent_presence",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agent_presence"),
        sa.UniqueConstraint("helpdesk_id", "agent", name="uq_agent_presence_helpdesk_id_agent"),
        sa.CheckConstraint(before, name=_PRESENCE_CHECK),
        sa.Index("ix_agent_presence_call_sid", "call_sid"),
    )
    with op.batch_alter_table("agent_presence", copy_from=table) as batch_op:
        batch_op.drop_constraint(op.f(_PRESENCE_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(_PRESENCE_CHECK), after)


def upgrade() -> None:
    _presence_statuses(_STATUSES_BEFORE, _STATUSES)
    op.create_table(
        "call_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=12), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_lists")),
    )
    with op.batch_alter_table("call_lists", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_lists_helpdesk_id_closed_at", ["helpdesk_id", "closed_at"], unique=False
        )

    op.create_table(
        "do_not_call",
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("number_hash", name=op.f("pk_do_not_call")),
    )
    op.create_table(
        "call_list_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=8), nullable=True),
        sa.Column("claimed_call_sid", sa.String(length=34), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["call_lists.id"], name=op.f("fk_call_list_entries_list_id_call_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_list_entries")),
        sa.UniqueConstraint("list_id", "number_hash", name=op.f("uq_call_list_entries_list_id_number_hash")),
        sa.UniqueConstraint("list_id", "position", name=op.f("uq_call_list_entries_list_id_position")),
    )
    with op.batch_alter_table("call_list_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_list_entries_claimed_call_sid"), ["claimed_call_sid"], unique=False
        )
        batch_op.create_index(
            "ix_call_list_entries_list_id_state_position", ["list_id", "state", "position"], unique=False
        )

    op.create_table(
        "outbound_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=8), nullable=False),
        sa.Column("agent_call_sid", sa.String(length=34), nullable=False),
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dial_call_sid", sa.String(length=34), nullable=True),
        sa.Column("answered_by", sa.String(length=24), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("talk_s", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["call_list_entries.id"],
            name=op.f("fk_outbound_attempts_entry_id_call_list_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attempts")),
    )
    with op.batch_alter_table("outbound_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_attempts_helpdesk_id_started_at", ["helpdesk_id", "started_at"], unique=False
        )
        batch_op.create_index("ix_outbound_attempts_list_id", ["list_id"], unique=False)
        batch_op.create_index(
            "ix_outbound_attempts_number_hash_started_at", ["number_hash", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_attempts_number_hash_started_at")
        batch_op.drop_index("ix_outbound_attempts_list_id")
        batch_op.drop_index("ix_outbound_attempts_helpdesk_id_started_at")

    op.drop_table("outbound_attempts")
    with op.batch_alter_table("call_list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_call_list_entries_list_id_state_position")
        batch_op.drop_index(batch_op.f("ix_call_list_entries_claimed_call_sid"))

    op.drop_table("call_list_entries")
    op.drop_table("do_not_call")
    with op.batch_alter_table("call_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_call_lists_helpdesk_id_closed_at")

    op.drop_table("call_lists")
    op.execute("UPDATE agent_presence SET status = 'offline', call_sid = NULL WHERE status = 'outbound'")
    _presence_statuses(_STATUSES, _STATUSES_BEFORE)
