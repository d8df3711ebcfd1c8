"""The ``queue_entries`` table: one row per citizen call that entered a helpdesk's queue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
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
