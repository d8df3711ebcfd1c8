"""Call lists and calls for the tests: a list stored as ops import it, and the calls the agent line
records (one ``OutboundAttempt`` each, the entry done with its outcome)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calllog.privacy import caller_hash
from outbound import CallList, CallListEntry, EntryState, NewList, OutboundAttempt, Outcome, Row, create_list

BRUSSELS = ZoneInfo("Europe/Brussels")
KEY = b"caller-hash-key-of-the-tests"
HELPDESKS = ("voorkempen", "kempen-zuid")
NUMBERS = [f"+3247000{index:04d}" for index in range(1, 100)]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def new_list(
    numbers: list[str],
    *,
    helpdesk: str = "voorkempen",
    purpose: str = "reserve",
    label: str = "reservelijst dinsdag 14 uur",
    slots: int | None = None,
) -> NewList:
    rows = [Row(index, number, f"R-{index}") for index, number in enumerate(numbers, start=1)]
    return NewList(helpdesk, purpose, label, slots, rows)


def stored_list(
    session: Session,
    numbers: list[str],
    at: datetime,
    *,
    helpdesk: str = "voorkempen",
    slots: int | None = None,
) -> int:
    new = new_list(numbers, helpdesk=helpdesk, slots=slots)
    return create_list(session, new, helpdesks=HELPDESKS, key=KEY, now=at, created_by="test").summary.id


def called(
    session: Session,
    list_id: int,
    position: int,
    at: datetime,
    outcome: Outcome | None,
    *,
    talk_s: int | None = None,
    agent: str = "101",
) -> None:
    """A call placed to the person at ``position``; with an outcome, the entry is done with it."""
    entry = session.execute(
        select(CallListEntry).where(CallListEntry.list_id == list_id, CallListEntry.position == position)
    ).scalar_one()
    call_list = session.get(CallList, list_id)
    assert call_list is not None
    session.add(
        OutboundAttempt(
            entry_id=entry.id,
            list_id=list_id,
            helpdesk_id=call_list.helpdesk_id,
            agent=agent,
            agent_call_sid=f"CA{entry.id:032x}",
            number_hash=entry.number_hash,
            started_at=at,
            ended_at=at + timedelta(seconds=40 + (talk_s or 0)) if outcome is not None else None,
            outcome=outcome.value if outcome is not None else None,
            talk_s=talk_s,
        )
    )
    state = EntryState.DONE if outcome is not None else EntryState.CLAIMED
    session.execute(
        update(CallListEntry)
        .where(CallListEntry.id == entry.id)
        .values(
            state=state.value,
            outcome=outcome.value if outcome is not None else entry.outcome,
            attempts=CallListEntry.attempts + 1,
            updated_at=at,
        )
    )
    session.flush()


def filled(session: Session, list_id: int, at: datetime) -> None:
    """The list closes itself: its last slot was accepted."""
    session.execute(
        update(CallList).where(CallList.id == list_id).values(closed_at=at, closed_reason="filled")
    )


def hashed(number: str) -> str:
    return caller_hash(number, KEY)
