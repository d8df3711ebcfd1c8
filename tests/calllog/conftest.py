"""Building calls the way the webhooks record them: an ``offered`` event, then what happened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calllog import CallRecord, local_arrival, record_event

BRUSSELS = ZoneInfo("Europe/Brussels")
KEY = b"caller-hash-key-of-the-tests"
CALLER = "+32470123456"


@dataclass(frozen=True)
class Ev:
    """An event ``after_s`` seconds after the call arrived."""

    kind: str
    after_s: int = 0
    data: Mapping[str, Any] = field(default_factory=dict)


def local(text: str) -> datetime:
    """A Brussels wall-clock time; write the offset in ``text`` where the hour is ambiguous."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=BRUSSELS)


def offer(
    session: Session, sid: str, desk: str, at: datetime, *, open_: bool = True, caller: str = CALLER
) -> bool:
    arrival = local_arrival(at, BRUSSELS)
    return record_event(
        session,
        call_sid=sid,
        helpdesk_id=desk,
        kind="offered",
        at=at,
        caller=caller,
        hash_key=KEY,
        arrival_date=arrival.date,
        arrival_minute=arrival.minute,
        open_on_arrival=open_,
    )


def add(session: Session, sid: str, desk: str, arrived: datetime, event: Ev) -> bool:
    return record_event(
        session,
        call_sid=sid,
        helpdesk_id=desk,
        kind=event.kind,
        at=arrived + timedelta(seconds=event.after_s),
        **event.data,
    )


def play(
    session: Session,
    sid: str,
    desk: str,
    at: datetime,
    events: Sequence[Ev],
    *,
    open_: bool = True,
    caller: str = CALLER,
) -> None:
    offer(session, sid, desk, at, open_=open_, caller=caller)
    for event in events:
        add(session, sid, desk, at, event)


def status(
    sequence: int, call_status: str = "completed", after_s: int = 300, duration: int | None = 300
) -> Ev:
    return Ev("status", after_s, {"status": call_status, "sequence": sequence, "duration_s": duration})


def answered(wait: int, talk: int | None, agent: str = "an") -> list[Ev]:
    """An answered call; ``talk=None``: the conversation has not ended yet (talk time unknown)."""
    events = [
        Ev("entered_queue", 10),
        Ev("connected", 10 + wait, {"agent": agent, "wait_s": wait}),
    ]
    if talk is not None:
        events += [
            Ev("left_queue", 10 + wait + talk, {"result": "bridged", "wait_s": wait}),
            Ev("talk_ended", 10 + wait + talk, {"agent": agent, "talk_s": talk}),
            status(0),
        ]
    return events


def abandoned(wait: int | None) -> list[Ev]:
    events = [Ev("entered_queue", 10)]
    if wait is not None:
        events.append(Ev("left_queue", 10 + wait, {"result": "hangup", "wait_s": wait}))
    return [*events, status(0)]


def overflowed(reason: str, wait: int | None = None) -> list[Ev]:
    events: list[Ev] = []
    if wait is not None:
        events += [Ev("entered_queue", 10), Ev("left_queue", 10 + wait, {"result": "leave", "wait_s": wait})]
    return [*events, Ev("overflow", 20 + (wait or 0), {"reason": reason}), status(0)]


def record(session: Session, sid: str) -> CallRecord:
    found = session.execute(
        select(CallRecord).where(CallRecord.call_sid == sid).execution_options(populate_existing=True)
    ).scalar_one()
    return found


def sid(number: int) -> str:
    return f"CA{number:032x}"
