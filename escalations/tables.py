"""Escalated questions (playbook 1.3.2.2, 1.5.2, 1.2.3.3): a question an agent could not answer,
spoken after the conversation for a more experienced colleague who calls the citizen back, or an
urgent question the central helpdesk left on the centre's escalation number.

One row per recorded question. The row is tied to its two Twilio requests (the ``<Record>``
action and the recording status callback, whichever comes first) by ``token``, a random id both
URLs carry. The citizen's number is personal data: masked everywhere but the audited contact
reveal, and erased the call log's ``retention_days`` after the escalation closes.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class Priority(enum.StrEnum):
    NORMAL = "normal"  # from an agent, after a conversation
    URGENT = "urgent"  # from the central helpdesk, on the escalation number


class Source(enum.StrEnum):
    AGENT = "agent"
    CENTRAL = "central"


class Status(enum.StrEnum):
    """``open`` → ``in_progress`` → ``answered`` (the citizen was called back) or ``forwarded``
    (passed on, for example to the Flemish level); the last two close the escalation."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    FORWARDED = "forwarded"


CLOSED: frozenset[Status] = frozenset({Status.ANSWERED, Status.FORWARDED})


class RecordingStatus(enum.StrEnum):
    """Where the spoken question stands: ``pending`` until Twilio says the recording is
    ``completed`` (or ``absent``: nothing was said; ``failed``), ``deleted`` once the escalation
    closed and Twilio deleted it."""

    PENDING = "pending"
    COMPLETED = "completed"
    ABSENT = "absent"
    FAILED = "failed"
    DELETED = "deleted"


class Escalation(Base):
    """One escalated question."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_helpdesk_id_created_at", "helpdesk_id", "created_at"),
        Index("ix_escalations_status_created_at", "status", "created_at"),
        Index("ix_escalations_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8))
    # The agent who escalated (None for central's urgent questions).
    agent: Mapped[str | None] = mapped_column(String(100))
    # The citizen's call the question came from (None for central's urgent questions).
    call_sid: Mapped[str | None] = mapped_column(String(34))
    # The call on which the question was spoken: the agent's line, or central's call.
    recording_call_sid: Mapped[str] = mapped_column(String(34))
    # Personal data: the number to call back (the citizen's; for an urgent question the number
    # central called from, the citizen's contact being in the recording). None once erased.
    contact_number: Mapped[str | None] = mapped_column(String(32))
    contact_masked: Mapped[str | None] = mapped_column(String(32))
    recording_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    recording_status: Mapped[str] = mapped_column(String(10))
    recording_duration_s: Mapped[int | None] = mapped_column(Integer())
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))
    # When it was answered or forwarded: the retention period runs from here.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    recording_deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Whether notify.webhook_url has been told (the announcement is retried until it has).
    announced_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ContactReveal(Base):
    """The audit log of ``GET /api/escalations/{id}/contact``: who saw a citizen's number, when."""

    __tablename__ = "escalation_contact_reveals"
    __table_args__ = (Index("ix_escalation_contact_reveals_escalation_id", "escalation_id"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(120))
