"""The agents' tables: who the agents are (``agents``), who is taking calls right now
(``agent_presence``) and which caller numbers are locked out of the agent line (``pin_lockouts``)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class PresenceStatus(enum.StrEnum):
    AVAILABLE = "available"
    BREAK = "break"
    # Calling citizens from the call lists (playbook 1.5): logged in, but taking no callers.
    OUTBOUND = "outbound"
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


class AgentRecord(Base):
    """One agent of one helpdesk; ``code`` is what the agent types on the agent line to log in.

    The same person working for two helpdesks has two rows: codes are unique per helpdesk only.
    """

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("helpdesk_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(80))
    # Never the PIN itself: see agents.pins.
    pin_hash: Mapped[str] = mapped_column(String(160))
    enabled: Mapped[bool] = mapped_column(Boolean())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PinLockout(Base):
    """Wrong PINs from one caller number, and until when that number is locked out."""

    __tablename__ = "pin_lockouts"

    # SHA-256 hex of the caller number, so the table does not list callers' numbers in clear.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer())
    first_failure_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
