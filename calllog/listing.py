"""The call log as a list: one line per call, newest last, caller numbers masked only."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from calllog.tables import CallRecord

MAX_LIMIT: Final = 1000


class InvalidCursorError(ValueError):
    """A cursor that this service did not hand out (or that was altered)."""


@dataclass(frozen=True)
class CallEntry:
    """One call as supervisors see it: never the clear-text number nor its hash."""

    call_sid: str
    helpdesk: str
    arrived_at: dt.datetime
    arrival_date: dt.date
    open_on_arrival: bool
    caller: str | None
    outcome: str
    overflow_reason: str | None
    entered_queue: bool
    wait_s: int | None
    answered_by: str | None
    talk_s: int | None
    central_status: str | None
    call_status: str | None
    call_duration_s: int | None
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class CallPage:
    calls: list[CallEntry]
    # Pass back as ``cursor`` for the next page; None on the last page.
    next_cursor: str | None


_COLUMNS = (
    CallRecord.call_sid,
    CallRecord.helpdesk_id.label("helpdesk"),
    CallRecord.arrived_at,
    CallRecord.arrival_date,
    CallRecord.open_on_arrival,
    CallRecord.caller_masked.label("caller"),
    CallRecord.outcome,
    CallRecord.overflow_reason,
    CallRecord.entered_queue,
    CallRecord.wait_s,
    CallRecord.answered_by,
    CallRecord.talk_s,
    CallRecord.central_status,
    CallRecord.call_status,
    CallRecord.call_duration_s,
    CallRecord.ended_at,
)


def list_calls(
    session: Session,
    helpdesk: str | None,
    first: dt.date,
    last: dt.date,
    *,
    limit: int = 100,
    cursor: str | None = None,
) -> CallPage:
    """Calls that arrived on local dates ``first`` to ``last``, by arrival, ``limit`` per page.

    Pages are keyed by (arrival time, CallSid) rather than an offset, so a call recorded while
    someone pages through never shows twice or pushes another one out of sight.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1 to {MAX_LIMIT}")
    conditions: list[ColumnElement[bool]] = [CallRecord.arrival_date.between(first, last)]
    if helpdesk is not None:
        conditions.append(CallRecord.helpdesk_id == helpdesk)
    if cursor is not None:
        after, sid = decode_cursor(cursor)
        conditions.append(
            or_(
                CallRecord.arrived_at > after,
                and_(CallRecord.arrived_at == after, CallRecord.call_sid > sid),
            )
        )
    rows = session.execute(
        select(*_COLUMNS)
        .where(*conditions)
        .order_by(CallRecord.arrived_at, CallRecord.call_sid)
        .limit(limit + 1)
    ).all()
    calls = [CallEntry(**row._mapping) for row in rows[:limit]]
    more = len(rows) > limit
    return CallPage(calls, encode_cursor(calls[-1].arrived_at, calls[-1].call_sid) if more else None)


def encode_cursor(arrived_at: dt.datetime, call_sid: str) -> str:
    """An opaque token for "after this call"."""
    payload = json.dumps([arrived_at.astimezone(dt.UTC).isoformat(), call_sid], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The position a cursor stands for; ``InvalidCursorError`` for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, sid = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        after = dt.datetime.fromisoformat(stamp)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursorError("not a cursor of this call list") from exc
    if not isinstance(sid, str) or after.tzinfo is None or len(sid) > 34:
        raise InvalidCursorError("not a cursor of this call list")
    return after, sid
