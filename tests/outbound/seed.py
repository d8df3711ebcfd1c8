"""Call lists written straight into the tables, for the tests of calling the people on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from calllog.privacy import caller_hash, mask_number
from outbound import CallList, CallListEntry, DoNotCall, EntryState, OutboundAttempt, Purpose

KEY = b"test-caller-hash-key"


def add_list(
    session: Session,
    helpdesk_id: str,
    numbers: Sequence[str],
    created_at: datetime,
    *,
    label: str = "reservelijst dinsdag 14 uur",
    slots: int | None = None,
    key: bytes = KEY,
) -> int:
    """An open list of ``numbers`` in that order (position 1 first); its id."""
    list_id: int = session.execute(
        insert(CallList)
        .values(
            helpdesk_id=helpdesk_id,
            purpose=Purpose.RESERVE.value,
            label=label,
            slots=slots,
            created_at=created_at,
            created_by="ops",
        )
        .returning(CallList.id)
    ).scalar_one()
    if numbers:
        session.execute(
            insert(CallListEntry),
            [
                {
                    "list_id": list_id,
                    "position": position,
                    "number": number,
                    "number_hash": caller_hash(number, key),
                    "masked": mask_number(number),
                    "reference": None,
                    "state": EntryState.PENDING.value,
                    "outcome": None,
                    "attempts": 0,
                    "updated_at": created_at,
                }
                for position, number in enumerate(numbers, start=1)
            ],
        )
    return list_id


def entries(session: Session, list_id: int) -> list[tuple[str | None, str, str | None, int, str | None]]:
    """Each entry of the list in order: number, state, outcome, attempts, claimed_call_sid."""
    rows = session.execute(
        select(
            CallListEntry.number,
            CallListEntry.state,
            CallListEntry.outcome,
            CallListEntry.attempts,
            CallListEntry.claimed_call_sid,
        )
        .where(CallListEntry.list_id == list_id)
        .order_by(CallListEntry.position)
    ).all()
    return [(number, state, outcome, attempts, sid) for number, state, outcome, attempts, sid in rows]


def attempts(session: Session) -> list[OutboundAttempt]:
    """Every call placed, in order."""
    return list(session.scalars(select(OutboundAttempt).order_by(OutboundAttempt.id)))


def do_not_call(session: Session) -> set[str]:
    """The hashes in the do-not-call register."""
    return set(session.scalars(select(DoNotCall.number_hash)))
