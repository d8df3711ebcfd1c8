"""Index the call log's menu events (a shared number's menu) for the menu report.

Partial: only ``menu_offered`` and ``menu_choice`` rows are in it, so the other events cost no
more to write.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MENU_KINDS = sa.text("kind IN ('menu_offered', 'menu_choice')")


def upgrade() -> None:
    op.create_index(
        "ix_call_events_menu",
        "call_events",
        ["helpdesk_id", "at"],
        postgresql_where=_MENU_KINDS,
        sqlite_where=_MENU_KINDS,
    )


def downgrade() -> None:
    op.drop_index("ix_call_events_menu", table_name="call_events")
