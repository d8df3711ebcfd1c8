"""The complaints register of a helpdesk (playbook 1.4.3.3): one row per formal complaint, from its
registration to the final answer.

The complainant's name, contact details and the description are personal data: they are erased
``complaints.retention_days`` after the complaint closes (``erased_at``), and no export carries them.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class Channel(enum.StrEnum):
    """How the complaint came in, and how a final answer may go out."""

    PHONE = "phone"
    EMAIL = "email"
    DESK = "desk"  # at the centre's reception desk
    CENTRAL = "central_helpdesk"  # registered by the central helpdesk and mailed to the centre
    LETTER = "letter"  # only for the final answer


RECEIVED_CHANNELS: frozenset[Channel] = frozenset(
    {Channel.PHONE, Channel.EMAIL, Channel.DESK, Channel.CENTRAL}
)
ANSWER_CHANNELS: frozenset[Channel] = frozenset({Channel.PHONE, Channel.EMAIL, Channel.LETTER})


class Category(enum.StrEnum):
    """What the complaint is about (the playbook's examples, and the rest)."""

    TOO_FEW_SLOTS = "too_few_slots"
    TOO_MANY_INVITED = "too_many_invited"
    ORGANISATION = "organisation"
    STAFF_ATTITUDE = "staff_attitude"
    WRONG_INFORMATION = "wrong_information"
    OTHER = "other"


class Scope(enum.StrEnum):
    """Whose work the complaint is about: the local centre's, or the central services' (forwarded)."""

    LOCAL = "local"
    CENTRAL = "central"


class Outcome(enum.StrEnum):
    FOUNDED = "founded"
    PARTLY_FOUNDED = "partly_founded"
    UNFOUNDED = "unfounded"


class Status(enum.StrEnum):
    """``open`` until the final answer (``answered``); a central-services complaint is ``forwarded``
    to the Flemish level when registered, and is then closed for the centre."""

    OPEN = "open"
    ANSWERED = "answered"
    FORWARDED = "forwarded"


class Complaint(Base):
    """One formal complaint registered by a helpdesk."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_helpdesk_id_received_on", "helpdesk_id", "received_on"),
        Index("ix_complaints_status_received_on", "status", "received_on"),
        Index("ix_complaints_answered_on", "answered_on"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    received_on: Mapped[dt.date] = mapped_column(Date())
    channel: Mapped[str] = mapped_column(String(20))
    # Personal data, None once erased.
    name: Mapped[str | None] = mapped_column(String(120))
    contact: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text())
    category: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    investigation: Mapped[str | None] = mapped_column(Text())
    actions: Mapped[str | None] = mapped_column(Text())
    outcome: Mapped[str | None] = mapped_column(String(16))
    answered_on: Mapped[dt.date | None] = mapped_column(Date())
    answer_channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    # When it was answered or forwarded: the retention period runs from here.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
