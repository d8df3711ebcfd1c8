"""Call lists (playbook 1.5.2): ops create a helpdesk's list of people to call, in order, read its
progress, close it, and put the people who were not reached back in line.

A list is created whole or not at all: its people are checked first (``outbound.people``), then
the numbers of the do-not-call register are left out (and counted); the others are stored in the
given order, each number in clear, as the call log's keyed hash and masked. Nothing here returns
or logs a number in clear. Once a list has been closed for ``retention_days`` the retention job
erases its numbers in clear (``erase_closed_numbers``).

The functions take the caller's session and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn

from sqlalchemy import ColumnElement, Select, case, func, insert, select, update
from sqlalchemy.orm import Session

from calllog.privacy import caller_hash, mask_number
from outbound.people import ListRefusedError, Row, check_people, list_problems
from outbound.tables import (
    CLOSED,
    FILLED,
    UNREACHED,
    CallList,
    CallListEntry,
    DoNotCall,
    EntryState,
    OutboundAttempt,
    Outcome,
)

ListState = Literal["open", "closed"]
# Hashes looked up in the do-not-call register per query: far below every database's limit.
_LOOKUP_CHUNK: Final = 500


class UnknownListError(LookupError):
    def __init__(self, list_id: int) -> None:
        super().__init__(f"no call list {list_id}")
        self.list_id = list_id


class ListClosedError(ValueError):
    """The list is closed: it cannot be closed again nor be called again."""

    def __init__(self, list_id: int, closed_at: dt.datetime, reason: str | None) -> None:
        self.list_id = list_id
        self.closed_at = closed_at
        self.reason = reason
        super().__init__(self.describe(dt.UTC))

    def describe(self, zone: dt.tzinfo) -> str:
        """The refusal with the time it closed in local time (``zone``)."""
        how = "filled" if self.reason == FILLED else "closed"
        return f"call list {self.list_id} was {how} at {self.closed_at.astimezone(zone):%Y-%m-%d %H:%M}"


@dataclass(frozen=True, slots=True)
class NewList:
    """A list as ops hand it in, not checked yet."""

    helpdesk_id: str
    purpose: str
    label: str
    slots: int | None
    rows: Sequence[Row]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the people of a list stand: ``pending`` + ``claimed`` + ``done`` = ``people``."""

    people: int
    pending: int
    claimed: int
    done: int
    accepted: int


@dataclass(frozen=True, slots=True)
class ListSummary:
    id: int
    helpdesk_id: str
    purpose: str
    label: str
    slots: int | None
    created_at: dt.datetime
    created_by: str
    closed_at: dt.datetime | None
    closed_reason: str | None
    erased_at: dt.datetime | None
    progress: Progress

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def state(self) -> Literal["open", "filled", "closed"]:
        """open: being called; filled: closed by itself, its last slot accepted; closed: by ops."""
        if self.closed_at is None:
            return "open"
        return "filled" if self.closed_reason == FILLED else "closed"


@dataclass(frozen=True, slots=True)
class EntryView:
    """One person on a list as it may be shown: the number only masked."""

    position: int
    masked: str
    reference: str | None
    state: str
    outcome: str | None
    attempts: int
    last_call_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ListDetail:
    summary: ListSummary
    entries: tuple[EntryView, ...]


@dataclass(frozen=True, slots=True)
class Created:
    summary: ListSummary
    # People left out because their number is in the do-not-call register.
    skipped_do_not_call: int


def create_list(
    session: Session,
    new: NewList,
    *,
    helpdesks: Collection[str],
    key: bytes,
    now: dt.datetime,
    created_by: str,
) -> Created:
    """Check ``new`` and store it as an open list; raises ``ListRefusedError`` with every problem.

    ``helpdesks`` are the ids of the config's helpdesks; ``key`` is the call log's hash key.
    The numbers of the do-not-call register are left out; a list left with nobody is refused.
    """
    checked = check_people(new.rows)
    problems = list_problems(new.helpdesk_id, helpdesks, new.purpose, new.label, new.slots, len(new.rows))
    if problems or checked.problems:
        raise ListRefusedError(problems, checked.problems)
    hashes = [caller_hash(person.number, key) for person in checked.people]
    barred = _do_not_call(session, hashes)
    kept = [
        (person, hashed)
        for person, hashed in zip(checked.people, hashes, strict=True)
        if hashed not in barred
    ]
    if not kept:
        raise ListRefusedError([f"every one of the {len(hashes)} people is in the do-not-call register"])
    call_list = CallList(
        helpdesk_id=new.helpdesk_id,
        purpose=new.purpose,
        label=new.label.strip(),
        slots=new.slots,
        created_at=now,
        created_by=created_by,
    )
    session.add(call_list)
    session.flush()
    session.execute(
        insert(CallListEntry),
        [
            {
                "list_id": call_list.id,
                "position": position,
                "number": person.number,
                "number_hash": hashed,
                "masked": mask_number(person.number),
                "reference": person.reference,
                "state": EntryState.PENDING.value,
                "outcome": None,
                "attempts": 0,
                "updated_at": now,
            }
            for position, (person, hashed) in enumerate(kept, start=1)
        ],
    )
    return Created(_stored(session, call_list.id), len(hashes) - len(kept))


def _do_not_call(session: Session, hashes: Sequence[str]) -> set[str]:
    barred: set[str] = set()
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        chunk = hashes[start : start + _LOOKUP_CHUNK]
        barred.update(session.scalars(select(DoNotCall.number_hash).where(DoNotCall.number_hash.in_(chunk))))
    return barred


def close_list(session: Session, list_id: int, now: dt.datetime) -> ListSummary:
    """Close an open list for good (``closed_reason`` ``closed``): nobody on it is called again."""
    closed = session.execute(
        update(CallList)
        .where(CallList.id == list_id, CallList.closed_at.is_(None))
        .values(closed_at=now, closed_reason=CLOSED)
        .execution_options(synchronize_session=False)
    )
    if not closed.rowcount:  # type: ignore[attr-defined]
        _refuse(session, list_id)
    return _stored(session, list_id)


def retry_unreached(session: Session, list_id: int, now: dt.datetime) -> int:
    """Put the people of an open list who were not reached (no answer, busy, failed, voicemail)
    back in line, keeping their attempts; returns how many."""
    found = session.execute(
        select(CallList.closed_at, CallList.closed_reason).where(CallList.id == list_id).with_for_update()
    ).one_or_none()
    if found is None or found.closed_at is not None:
        _refuse(session, list_id)
    requeued = session.execute(
        update(CallListEntry)
        .where(
            CallListEntry.list_id == list_id,
            CallListEntry.state == EntryState.DONE.value,
            CallListEntry.outcome.in_(sorted(UNREACHED)),
        )
        .values(
            state=EntryState.PENDING.value,
            claimed_by=None,
            claimed_call_sid=None,
            claimed_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(requeued.rowcount)  # type: ignore[attr-defined]


def _refuse(session: Session, list_id: int) -> NoReturn:
    found = session.execute(
        select(CallList.closed_at, CallList.closed_reason).where(CallList.id == list_id)
    ).one_or_none()
    if found is None:
        raise UnknownListError(list_id)
    raise ListClosedError(list_id, found.closed_at, found.closed_reason)


def list_summaries(
    session: Session, helpdesk_id: str | None = None, state: ListState | None = None, limit: int = 100
) -> list[ListSummary]:
    """The lists of a helpdesk (or all), open or closed (or both), with their progress: the open
    ones first, oldest first (the order they are called in), then the closed ones, newest first."""
    query = _summaries()
    if helpdesk_id is not None:
        query = query.where(CallList.helpdesk_id == helpdesk_id)
    if state == "open":
        query = query.where(CallList.closed_at.is_(None))
    elif state == "closed":
        query = query.where(CallList.closed_at.is_not(None))
    is_open = CallList.closed_at.is_(None)
    query = query.order_by(
        CallList.closed_at.is_not(None),
        case((is_open, CallList.id)),
        CallList.closed_at.desc(),
        CallList.id.desc(),
    ).limit(limit)
    return [_summary(row._mapping) for row in session.execute(query)]


def _stored(session: Session, list_id: int) -> ListSummary:
    """The summary of a list this transaction has just written."""
    summary = list_summary(session, list_id)
    if summary is None:
        raise UnknownListError(list_id)
    return summary


def list_summary(session: Session, list_id: int) -> ListSummary | None:
    row = session.execute(_summaries().where(CallList.id == list_id)).one_or_none()
    return _summary(row._mapping) if row is not None else None


def list_detail(session: Session, list_id: int) -> ListDetail | None:
    """A list with every person on it in order, their numbers masked; ``None`` when unknown."""
    summary = list_summary(session, list_id)
    if summary is None:
        return None
    last_call = (
        select(OutboundAttempt.entry_id, func.max(OutboundAttempt.started_at).label("last_call_at"))
        .where(OutboundAttempt.list_id == list_id)
        .group_by(OutboundAttempt.entry_id)
        .subquery()
    )
    entry = CallListEntry
    rows = session.execute(
        select(
            entry.position,
            entry.masked,
            entry.reference,
            entry.state,
            entry.outcome,
            entry.attempts,
            last_call.c.last_call_at,
        )
        .outerjoin(last_call, last_call.c.entry_id == entry.id)
        .where(entry.list_id == list_id)
        .order_by(entry.position)
    )
    entries = tuple(
        EntryView(
            position=row.position,
            masked=row.masked,
            reference=row.reference,
            state=row.state,
            outcome=row.outcome,
            attempts=row.attempts,
            last_call_at=row.last_call_at,
        )
        for row in rows
    )
    return ListDetail(summary, entries)


def erase_closed_numbers(session: Session, before: dt.datetime, now: dt.datetime) -> int:
    """Erase the numbers in clear of every list closed before ``before`` (the retention period);
    their hashes and masked numbers stay. Returns how many lists lost their numbers."""
    if before.tzinfo is None:
        raise ValueError(f"naive datetime {before.isoformat()} refused: pass a timezone-aware datetime")
    due = select(CallList.id).where(CallList.closed_at < before, CallList.erased_at.is_(None))
    session.execute(
        update(CallListEntry)
        .where(CallListEntry.list_id.in_(due.scalar_subquery()), CallListEntry.number.is_not(None))
        .values(number=None)
        .execution_options(synchronize_session=False)
    )
    erased = session.execute(
        update(CallList)
        .where(CallList.closed_at < before, CallList.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(erased.rowcount)  # type: ignore[attr-defined]


def _summaries() -> Select[*tuple[Any, ...]]:
    entry = CallListEntry

    def count(condition: ColumnElement[bool], name: str) -> Any:
        return func.count().filter(condition).label(name)

    progress = (
        select(
            entry.list_id,
            func.count().label("people"),
            count(entry.state == EntryState.PENDING.value, "pending"),
            count(entry.state == EntryState.CLAIMED.value, "claimed"),
            count(entry.state == EntryState.DONE.value, "done"),
            count(entry.outcome == Outcome.ACCEPTED.value, "accepted"),
        )
        .group_by(entry.list_id)
        .subquery()
    )
    return select(
        CallList.id,
        CallList.helpdesk_id,
        CallList.purpose,
        CallList.label,
        CallList.slots,
        CallList.created_at,
        CallList.created_by,
        CallList.closed_at,
        CallList.closed_reason,
        CallList.erased_at,
        progress.c.people,
        progress.c.pending,
        progress.c.claimed,
        progress.c.done,
        progress.c.accepted,
    ).outerjoin(progress, progress.c.list_id == CallList.id)


def _summary(row: Any) -> ListSummary:
    return ListSummary(
        id=row["id"],
        helpdesk_id=row["helpdesk_id"],
        purpose=row["purpose"],
        label=row["label"],
        slots=row["slots"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        closed_at=row["closed_at"],
        closed_reason=row["closed_reason"],
        erased_at=row["erased_at"],
        progress=Progress(
            people=int(row["people"] or 0),
            pending=int(row["pending"] or 0),
            claimed=int(row["claimed"] or 0),
            done=int(row["done"] or 0),
            accepted=int(row["accepted"] or 0),
        ),
    )
