"""The tables of citizen calls: ``queue_entries`` (one row per call that entered a helpdesk's queue)
and the closures set by operations (``helpdesk_closures``, ``closure_audit``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class QueueEntry(Base):
    __tablename__ = "queue_entries"
    # Serves "who is waiting at this helpdesk": equality on helpdesk_id, left_at IS NULL.
    __table_args__ = (Index("ix_queue_entries_helpdesk_id_left_at", "helpdesk_id", "left_at"),)

    # Twilio's CallSid ("CA" + 32 hex digits) keys the row, so a retried webhook finds it again.
    call_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    enqueued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Twilio's QueueResult (bridged, hangup, leave, ...) or the reason we took the caller out.
    result: Mapped[str | None] = mapped_column(String(32))
    from_number: Mapped[str | None] = mapped_column(String(64))
    # The code of the agent who took the call, and when (the agents' live view counts these).
    answered_by: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Twilio's QueueTime when the caller was taken by an agent (the ``<Queue url>`` request).
    queue_time: Mapped[int | None] = mapped_column(Integer())
    # Set when the caller was claimed for a REST redirect to central, so it happens at most once.
    redirected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The caller waits in the helpdesk's returning queue (rings back after a call of ours they
    # missed, playbook 1.5.2), which agents take first; counted with the other waiting callers.
    returning_queue: Mapped[bool] = mapped_column(Boolean(), server_default=false())


class HelpdeskClosure(Base):
    """A helpdesk closed at once by operations: at most one row per helpdesk (calls.closures)."""

    __tablename__ = "helpdesk_closures"

    helpdesk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # None: closed until reopened. A row whose time has passed no longer applies.
    until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    # Replaces the closing message while the closure applies (a text template).
    message: Mapped[str | None] = mapped_column(Text())
    closed_by: Mapped[str] = mapped_column(String(120))


class ClosureAudit(Base):
    """Every close and reopen of a helpdesk, with who did it; never updated nor deleted."""

    __tablename__ = "closure_audit"
    __table_args__ = (Index("ix_closure_audit_helpdesk_id_at", "helpdesk_id", "at"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    # close, reopen, or expired (a closure whose time had passed, noted when next changed).
    action: Mapped[str] = mapped_column(String(16))
    until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text())
    who: Mapped[str] = mapped_column(String(120))
