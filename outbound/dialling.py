"""Calling the people of the call lists from the agent line (playbook 1.5): who is next, each call
placed and how it ended.

An agent in outbound work claims the next pending person of the helpdesk's open lists (oldest list
first, in list order) in one statement that two instances can never both win. Each call placed is
an :class:`~outbound.tables.OutboundAttempt`: started when its ``<Dial>`` is rendered, screened on
the person's leg (``AnsweredBy``), ended by the dial's action. Its outcome, automatic or keyed by
the agent, makes the person ``done``; keying "never call me again" also puts the number's hash in
the do-not-call register, and the acceptance that fills a list's slots closes the list. A claim
without an outcome goes back to ``pending`` when the agent's call ends.

These functions take the caller's session and never commit: the request owns the unit of work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from database import dialect_insert
from outbound.tables import (
    FILLED,
    UNREACHED,
    CallList,
    CallListEntry,
    DoNotCall,
    EntryState,
    OutboundAttempt,
    Outcome,
)

# Written with every update of these tables: the unit of work may hold none of their objects.
_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True, slots=True)
class Claimed:
    """The person an agent's call has claimed: the entry, its list and the number to dial."""

    entry_id: int
    list_id: int
    label: str
    number: str
    masked: str
    number_hash: str


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a keyed outcome changed: ``recorded`` (False: the call had its outcome already, or its
    person is no longer claimed by the agent's call) and ``filled`` (the list closed with it)."""

    recorded: bool
    filled: bool = False


def claim_next(
    session: Session, helpdesk_id: str, agent: str, agent_call_sid: str, now: dt.datetime
) -> Claimed | None:
    """Claim the next person for ``agent`` on the phone call ``agent_call_sid``; ``None``: nobody left.

    The next person is the first ``pending`` entry with a number in clear, of the open lists of
    ``helpdesk_id`` (the oldest list first, in list order), whose number is not in the do-not-call
    register. One UPDATE whose subquery locks the row it picks: on PostgreSQL ``FOR UPDATE SKIP
    LOCKED`` passes over a row another transaction is claiming (and the UPDATE checks ``pending``
    again), on SQLite the UPDATE holds the database's one write lock. So two agents, on one
    instance or two, never claim the same person.

    A person this call still holds (a request repeated) is released first, and so claimed again.
    """
    release_claims(session, agent_call_sid, now)
    candidate = (
        select(CallListEntry.id)
        .join(CallList, CallList.id == CallListEntry.list_id)
        .where(
            CallList.helpdesk_id == helpdesk_id,
            CallList.closed_at.is_(None),
            CallListEntry.state == EntryState.PENDING.value,
            CallListEntry.number.is_not(None),
            ~exists().where(DoNotCall.number_hash == CallListEntry.number_hash),
        )
        .order_by(CallList.created_at, CallList.id, CallListEntry.position)
        .limit(1)
        .with_for_update(of=CallListEntry, skip_locked=True)
        .scalar_subquery()
    )
    row = session.execute(
        update(CallListEntry)
        .where(CallListEntry.id == candidate, CallListEntry.state == EntryState.PENDING.value)
        .values(
            state=EntryState.CLAIMED.value,
            claimed_by=agent,
            claimed_call_sid=agent_call_sid,
            claimed_at=now,
            updated_at=now,
        )
        .returning(
            CallListEntry.id,
            CallListEntry.list_id,
            CallListEntry.number,
            CallListEntry.masked,
            CallListEntry.number_hash,
        )
        .execution_options(**_NO_SYNC)
    ).one_or_none()
    if row is None:
        return None
    entry_id, list_id, number, masked, number_hash = row
    if number is None:  # the claim's own condition: never true
        raise RuntimeError(f"claimed entry {entry_id} has no number")
    label = session.execute(select(CallList.label).where(CallList.id == list_id)).scalar_one()
    return Claimed(entry_id, list_id, label, number, masked, number_hash)


def start_attempt(
    session: Session, claimed: Claimed, helpdesk_id: str, agent: str, agent_call_sid: str, now: dt.datetime
) -> int:
    """The call to ``claimed`` is placed (its ``<Dial>`` is being rendered): its attempt's id."""
    attempt_id: int = session.execute(
        insert(OutboundAttempt)
        .values(
            entry_id=claimed.entry_id,
            list_id=claimed.list_id,
            helpdesk_id=helpdesk_id,
            agent=agent,
            agent_call_sid=agent_call_sid,
            number_hash=claimed.number_hash,
            started_at=now,
        )
        .returning(OutboundAttempt.id)
    ).scalar_one()
    session.execute(
        update(CallListEntry)
        .where(CallListEntry.id == claimed.entry_id)
        .values(attempts=CallListEntry.attempts + 1, updated_at=now)
        .execution_options(**_NO_SYNC)
    )
    return attempt_id


def record_screen(
    session: Session,
    attempt_id: int,
    answered_by: str,
    dial_call_sid: str,
    now: dt.datetime,
    *,
    machine: bool,
) -> None:
    """The person's leg was answered (the ``<Number url>`` request): Twilio's ``AnsweredBy`` and
    the leg's CallSid. A ``machine`` (the screen hangs up on it) ends the call as ``voicemail``
    at once, the person ``done``: the agent's dial action, or the agent's call ending, finds it so.
    """
    values: dict[str, object] = {"answered_by": answered_by[:24], "dial_call_sid": dial_call_sid[:34] or None}
    if machine:
        values |= {"outcome": Outcome.VOICEMAIL.value, "ended_at": now}
    updated = session.execute(
        update(OutboundAttempt)
        .where(OutboundAttempt.id == attempt_id, OutboundAttempt.outcome.is_(None))
        .values(**values)
        .returning(OutboundAttempt.id)
        .execution_options(**_NO_SYNC)
    ).first()
    if machine and updated is not None:
        _finish_entry(session, attempt_id, Outcome.VOICEMAIL, now)


def screened_as(session: Session, attempt_id: int) -> str | None:
    """The ``AnsweredBy`` the screen recorded for the attempt; ``None`` when it never ran."""
    return session.execute(
        select(OutboundAttempt.answered_by).where(OutboundAttempt.id == attempt_id)
    ).scalar_one_or_none()


def finish_attempt(
    session: Session, attempt_id: int, outcome: Outcome, now: dt.datetime, dial_call_sid: str = ""
) -> bool:
    """The call reached nobody (``outcome`` one of ``UNREACHED``): recorded, and the person
    ``done``. Returns whether the person was made done now (False: done already, e.g. a voicemail
    the screen recorded, or no longer this call's)."""
    if outcome not in UNREACHED:
        raise ValueError(f"{outcome.value} is keyed by the agent, not automatic")
    session.execute(
        update(OutboundAttempt)
        .where(OutboundAttempt.id == attempt_id, OutboundAttempt.outcome.is_(None))
        .values(
            outcome=outcome.value,
            ended_at=now,
            dial_call_sid=func.coalesce(OutboundAttempt.dial_call_sid, dial_call_sid[:34] or None),
        )
        .execution_options(**_NO_SYNC)
    )
    return _finish_entry(session, attempt_id, outcome, now)


def record_talk(
    session: Session, attempt_id: int, talk_s: int | None, dial_call_sid: str, now: dt.datetime
) -> None:
    """The person was put through and the conversation has ended: ``talk_s`` (DialCallDuration;
    ``None`` when Twilio did not send it). The outcome is the agent's to key."""
    session.execute(
        update(OutboundAttempt)
        .where(OutboundAttempt.id == attempt_id, OutboundAttempt.ended_at.is_(None))
        .values(
            talk_s=talk_s,
            ended_at=now,
            dial_call_sid=func.coalesce(OutboundAttempt.dial_call_sid, dial_call_sid[:34] or None),
        )
        .execution_options(**_NO_SYNC)
    )


def record_outcome(session: Session, attempt_id: int, outcome: Outcome, now: dt.datetime) -> Recorded:
    """The outcome the agent keyed after a conversation (``accepted``, ``kept``, ``do_not_call``,
    ``wrong_number``): the person is ``done``.

    ``do_not_call`` puts the number's hash in the do-not-call register (playbook 1.5.2: never call
    me again), which outlives the list, and ends the number's turn on every other list it waits on.
    ``accepted`` closes the list at once when it fills the list's ``slots``: the list's row is
    locked before the acceptances are counted, so that two acceptances committed at the same
    moment are counted one after the other.
    """
    if outcome in UNREACHED:
        raise ValueError(f"{outcome.value} is automatic, not keyed by the agent")
    attempt = session.execute(
        select(OutboundAttempt.list_id, OutboundAttempt.helpdesk_id, OutboundAttempt.number_hash).where(
            OutboundAttempt.id == attempt_id
        )
    ).one_or_none()
    if attempt is None:
        return Recorded(recorded=False)
    if not _finish_entry(session, attempt_id, outcome, now):
        return Recorded(recorded=False)
    session.execute(
        update(OutboundAttempt)
        .where(OutboundAttempt.id == attempt_id, OutboundAttempt.outcome.is_(None))
        .values(outcome=outcome.value, ended_at=func.coalesce(OutboundAttempt.ended_at, now))
        .execution_options(**_NO_SYNC)
    )
    if outcome is Outcome.DO_NOT_CALL:
        session.execute(
            dialect_insert(session, DoNotCall)
            .values(number_hash=attempt.number_hash, added_at=now, helpdesk_id=attempt.helpdesk_id)
            .on_conflict_do_nothing(index_elements=[DoNotCall.number_hash])
        )
        # The same number waiting on other lists is done with too: never called, from any list.
        session.execute(
            update(CallListEntry)
            .where(
                CallListEntry.number_hash == attempt.number_hash,
                CallListEntry.state == EntryState.PENDING.value,
            )
            .values(state=EntryState.DONE.value, outcome=Outcome.DO_NOT_CALL.value, updated_at=now)
            .execution_options(**_NO_SYNC)
        )
    filled = outcome is Outcome.ACCEPTED and _close_if_filled(session, attempt.list_id, now)
    return Recorded(recorded=True, filled=filled)


def release_claims(session: Session, agent_call_sid: str, now: dt.datetime) -> int:
    """The agent's phone call ``agent_call_sid`` has ended (or claims again): the people it held
    without an outcome go back to ``pending``, its calls without an end end now. Returns how many
    people went back."""
    released: Sequence[tuple[int, int]] = session.execute(
        update(CallListEntry)
        .where(
            CallListEntry.claimed_call_sid == agent_call_sid,
            CallListEntry.state == EntryState.CLAIMED.value,
        )
        .values(
            state=EntryState.PENDING.value,
            claimed_by=None,
            claimed_call_sid=None,
            claimed_at=None,
            updated_at=now,
        )
        .returning(CallListEntry.id, CallListEntry.list_id)
        .execution_options(**_NO_SYNC)
    ).all()
    if released:
        # By list (the attempts' index), then entry: the attempts of the people just released.
        session.execute(
            update(OutboundAttempt)
            .where(
                OutboundAttempt.list_id.in_(sorted({list_id for _, list_id in released})),
                OutboundAttempt.entry_id.in_(sorted(entry_id for entry_id, _ in released)),
                OutboundAttempt.agent_call_sid == agent_call_sid,
                OutboundAttempt.ended_at.is_(None),
            )
            .values(ended_at=now)
            .execution_options(**_NO_SYNC)
        )
    return len(released)


def _finish_entry(session: Session, attempt_id: int, outcome: Outcome, now: dt.datetime) -> bool:
    """The attempt's person is ``done`` with ``outcome``, if the attempt's call still claims them."""
    attempt = (
        select(OutboundAttempt.entry_id, OutboundAttempt.agent_call_sid)
        .where(OutboundAttempt.id == attempt_id)
        .subquery()
    )
    updated = session.execute(
        update(CallListEntry)
        .where(
            CallListEntry.id == select(attempt.c.entry_id).scalar_subquery(),
            CallListEntry.claimed_call_sid == select(attempt.c.agent_call_sid).scalar_subquery(),
            CallListEntry.state == EntryState.CLAIMED.value,
        )
        .values(
            state=EntryState.DONE.value,
            outcome=outcome.value,
            claimed_by=None,
            claimed_call_sid=None,
            claimed_at=None,
            updated_at=now,
        )
        .returning(CallListEntry.id)
        .execution_options(**_NO_SYNC)
    ).first()
    return updated is not None


def _close_if_filled(session: Session, list_id: int, now: dt.datetime) -> bool:
    """Close the list once its accepted people reach its ``slots``; whether it closed now."""
    slots, closed_at = session.execute(
        select(CallList.slots, CallList.closed_at).where(CallList.id == list_id).with_for_update()
    ).one()
    if slots is None or closed_at is not None:
        return False
    accepted = session.execute(
        select(func.count())
        .select_from(CallListEntry)
        .where(
            CallListEntry.list_id == list_id,
            CallListEntry.state == EntryState.DONE.value,
            CallListEntry.outcome == Outcome.ACCEPTED.value,
        )
    ).scalar_one()
    if accepted < slots:
        return False
    session.execute(
        update(CallList)
        .where(CallList.id == list_id, CallList.closed_at.is_(None))
        .values(closed_at=now, closed_reason=FILLED)
        .execution_options(**_NO_SYNC)
    )
    return True
