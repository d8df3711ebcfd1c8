"""Outbound calls as the agent line records them, written straight into the tables for the tests
of the citizens who ring back: a list of the helpdesk, the person on it, one attempt per call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calllog.privacy import caller_hash, mask_number
from outbound.tables import CallList, CallListEntry, EntryState, OutboundAttempt, Outcome, Purpose

LABEL = "reservelijst dinsdag 14 uur"


def add_attempt(
    session: Session,
    *,
    helpdesk_id: str,
    number: str,
    key: bytes,
    started_at: dt.datetime,
    outcome: Outcome | None,
) -> int:
    """A call to ``number`` from ``helpdesk_id`` placed at ``started_at`` that ended with
    ``outcome`` (``None``: still ringing); on the helpdesk's one list, the person added once.
    Returns the attempt's id."""
    call_list = session.execute(
        select(CallList).where(CallList.helpdesk_id == helpdesk_id, CallList.label == LABEL)
    ).scalar_one_or_none()
    if call_list is None:
        call_list = CallList(
            helpdesk_id=helpdesk_id,
            purpose=Purpose.RESERVE.value,
            label=LABEL,
            slots=1,
            created_at=started_at - dt.timedelta(days=1),
            created_by="ops",
        )
        session.add(call_list)
        session.flush()
    number_hash = caller_hash(number, key)
    entry = session.execute(
        select(CallListEntry).where(
            CallListEntry.list_id == call_list.id, CallListEntry.number_hash == number_hash
        )
    ).scalar_one_or_none()
    if entry is None:
        position = (
            1
            + session.execute(
                select(func.count()).select_from(CallListEntry).where(CallListEntry.list_id == call_list.id)
            ).scalar_one()
        )
        entry = CallListEntry(
            list_id=call_list.id,
            position=position,
            number=number,
            number_hash=number_hash,
            masked=mask_number(number),
            state=EntryState.DONE.value,
            attempts=0,
            updated_at=started_at,
        )
        session.add(entry)
        session.flush()
    entry.attempts += 1
    entry.outcome = None if outcome is None else outcome.value
    attempt = OutboundAttempt(
        entry_id=entry.id,
        list_id=call_list.id,
        helpdesk_id=helpdesk_id,
        agent="101",
        agent_call_sid="CA" + "a" * 32,
        number_hash=number_hash,
        started_at=started_at,
        ended_at=None if outcome is None else started_at + dt.timedelta(seconds=45),
        outcome=None if outcome is None else outcome.value,
    )
    session.add(attempt)
    session.flush()
    return attempt.id
