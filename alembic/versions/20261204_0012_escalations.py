"""Create escalations: escalated questions with their recordings, and the audit log of contact reveals
(playbook 1.3.2.2, 1.2.3.3).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=True),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("recording_call_sid", sa.String(length=34), nullable=False),
        sa.Column("contact_number", sa.String(length=32), nullable=True),
        sa.Column("contact_masked", sa.String(length=32), nullable=True),
        sa.Column("recording_sid", sa.String(length=34), nullable=True),
        sa.Column("recording_status", sa.String(length=10), nullable=False),
        sa.Column("recording_duration_s", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recording_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_escalations_recording_sid")),
        sa.UniqueConstraint("token", name=op.f("uq_escalations_token")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_escalations_helpdesk_id_created_at", ["helpdesk_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_escalations_status_created_at", ["status", "created_at"], unique=False)

    op.create_table(
        "escalation_contact_reveals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_contact_reveals_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_contact_reveals")),
    )
    with op.batch_alter_table("escalation_contact_reveals", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_contact_reveals_escalation_id", ["escalation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation_contact_reveals", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_contact_reveals_escalation_id")

    op.drop_table("escalation_contact_reveals")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_status_created_at")
        batch_op.drop_index("ix_escalations_helpdesk_id_created_at")
        batch_op.drop_index("ix_escalations_closed_at")

    op.drop_table("escalations")
