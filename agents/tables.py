"""The ``agent_presence`` table: who is taking calls for which helpdesk right now."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class PresenceStatus(enum.StrEnum):
    AVAILABLE = "available"
    BREAK = "break"
    OFFLINE = "offline"


class AgentPresence(Base):
    __tablename__ = "agent_presence"
    __table_args__ = (UniqueConstraint("helpdesk_id", "agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str] = mapped_column(String(100))
    status: Mapped[PresenceStatus] = mapped_column(
        # A CHECK constraint rather than a PostgreSQL ENUM type: adding a status then needs no
        # ALTER TYPE, and SQLite enforces the same rule.
        Enum(
            PresenceStatus,
            name="presence_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda statuses: [status.value for status in statuses],
        )
    )
    # The agent's own phone call while logged in by phone; its end logs the agent out.
    call_sid: Mapped[str | None] = mapped_column(String(34), index=True)
    since: Mapped[dt.datetime] = mapped_column(UtcDateTime())
