"""The call log's tables: one row per citizen call (``call_records``), the append-only events it is
derived from (``call_events``) and the invitations sent per day (``invitations``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class CallRecord(Base):
    """What became of one citizen call: the projection of its ``call_events``.

    ``arrival_date`` is the local calendar date of arrival in the config's time zone and
    ``arrival_minute`` the minutes elapsed since that date's local midnight (real time, not the
    wall clock): every bucket of a time series is then a plain integer division, equally long on
    the days summer time starts or ends, and the repeated hour of the autumn switch stays two
    distinct hours. Both are ``NULL`` until the call's ``offered`` event arrives; such a call is
    not counted yet.
    """

    __tablename__ = "call_records"
    # The KPI queries read a helpdesk's rows for a range of local dates; the index carries every
    # column they aggregate, so the database answers from the index alone and the time grows with
    # the calls of the period, not with the table. All helpdesks at once and the call list use
    # the arrival date alone; the retention purge looks for calls older than a point in time.
    __table_args__ = (
        Index(
            "ix_call_records_kpis",
            "helpdesk_id",
            "arrival_date",
            "arrival_minute",
            "outcome",
            "overflow_reason",
            "open_on_arrival",
            "entered_queue",
            "wait_s",
            "talk_s",
            "returning_attempt_id",
        ),
        Index("ix_call_records_arrival_date", "arrival_date"),
        Index("ix_call_records_arrived_at", "arrived_at"),
    )

    call_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    arrived_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    arrival_date: Mapped[dt.date | None] = mapped_column(Date())
    arrival_minute: Mapped[int | None] = mapped_column(Integer())
    open_on_arrival: Mapped[bool] = mapped_column(Boolean())
    # Keyed hash for counting repeat callers without keeping the number; NULL for a withheld number.
    caller_hash: Mapped[str | None] = mapped_column(String(64))
    caller_masked: Mapped[str | None] = mapped_column(String(32))
    # Kept for at most the retention period (purge_raw_numbers), then NULL.
    caller_raw: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(20))
    overflow_reason: Mapped[str | None] = mapped_column(String(20))
    entered_queue: Mapped[bool] = mapped_column(Boolean())
    # Twilio's QueueTime: seconds in the queue (until answered, abandoned or taken out).
    wait_s: Mapped[int | None] = mapped_column(Integer())
    # The agent as the agents' tables name them (code or presence name).
    answered_by: Mapped[str | None] = mapped_column(String(100))
    talk_s: Mapped[int | None] = mapped_column(Integer())
    # DialCallStatus of the leg to the central back-up.
    central_status: Mapped[str | None] = mapped_column(String(32))
    # CallStatus and CallDuration of the status callback with the highest SequenceNumber.
    call_status: Mapped[str | None] = mapped_column(String(32))
    call_duration_s: Mapped[int | None] = mapped_column(Integer())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_sequence: Mapped[int] = mapped_column(Integer())
    # The outbound attempt (outbound_attempts.id) whose missed call the caller returned; NULL
    # for every other call (the KPI returning_calls counts the calls that have one).
    returning_attempt_id: Mapped[int | None] = mapped_column(Integer())


# The event kinds of a shared number's menu, as SQL (the partial index and its queries).
MENU_KINDS_SQL = "kind IN ('menu_offered', 'menu_choice')"


class CallEvent(Base):
    """Something that happened to a call, appended once (in the spirit of Asterisk's queue_log).

    ``dedupe`` makes a retried webhook harmless: the second copy of an event is not stored.
    """

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("call_sid", "dedupe"),
        # The menu report (calllog.menus) reads a shared number's menu events by time; only those
        # rows are indexed, so the other events cost no more to write.
        Index(
            "ix_call_events_menu",
            "helpdesk_id",
            "at",
            postgresql_where=text(MENU_KINDS_SQL),
            sqlite_where=text(MENU_KINDS_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(34))
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    dedupe: Mapped[str] = mapped_column(String(40))
    # JSON object; never a caller's number.
    data: Mapped[str] = mapped_column(Text())


class Invitation(Base):
    """How many invitation letters a helpdesk's centre sent on one day (playbook 1.4.1)."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("helpdesk_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date())
    count: Mapped[int] = mapped_column(Integer())
