"""Register, read, handle and erase complaints (playbook 1.4.3.3).

Every complaint gets a final answer within 45 calendar days of its receipt (``DEADLINE_DAYS``); an
open one counts as overdue from 7 days before that deadline (``WARNING_DAYS``) so that a supervisor
still has a week to answer. A complaint about the central services is forwarded to the Flemish
level when registered (``FORWARD_TO``) and is closed for the centre from then on.

The functions take the caller's session and never commit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from complaints.tables import (
    ANSWER_CHANNELS,
    RECEIVED_CHANNELS,
    Category,
    Channel,
    Complaint,
    Outcome,
    Scope,
    Status,
)

DEADLINE_DAYS: Final = 45
WARNING_DAYS: Final = 7
FORWARD_TO: Final = "vaccinatiecentra@vlaanderen.be"
MAX_NAME: Final = 120
MAX_CONTACT: Final = 200
MAX_TEXT: Final = 4000
FIRST_DAY: Final = dt.date(2020, 1, 1)
# Control characters and lone surrogates.
_UNSTORABLE: Final = frozenset({"Cc", "Cs"})


class UnknownComplaintError(LookupError):
    """No complaint with that id."""


class ComplaintClosedError(ValueError):
    """The complaint was answered or forwarded: it changes no more."""


class ComplaintRefusedError(ValueError):
    """A registration or change that cannot be stored; the message names the fields, never their values."""


def deadline(received_on: dt.date) -> dt.date:
    """The last day for the final answer: the day of receipt + 45 calendar days."""
    return received_on + dt.timedelta(days=DEADLINE_DAYS)


def overdue_from(today: dt.date) -> dt.date:
    """Open complaints received on or before this day are overdue (deadline within 7 days or past)."""
    return today - dt.timedelta(days=DEADLINE_DAYS - WARNING_DAYS)


@dataclass(frozen=True, slots=True)
class NewComplaint:
    helpdesk_id: str
    received_on: dt.date
    channel: Channel
    name: str
    contact: str
    description: str
    category: Category
    scope: Scope


@dataclass(frozen=True, slots=True)
class Change:
    """A supervisor's handling; ``None`` leaves a field as it was. ``answered_on`` closes the complaint
    and needs the outcome and the answer's channel (given now or before)."""

    investigation: str | None = None
    actions: str | None = None
    outcome: Outcome | None = None
    answered_on: dt.date | None = None
    answer_channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class ComplaintView:
    id: int
    helpdesk_id: str
    received_on: dt.date
    channel: Channel
    name: str | None
    contact: str | None
    description: str | None
    category: Category
    scope: Scope
    status: Status
    forwarded_to: str | None
    investigation: str | None
    actions: str | None
    outcome: Outcome | None
    answered_on: dt.date | None
    answer_channel: Channel | None
    deadline: dt.date
    overdue: bool
    days_to_answer: int | None
    within_deadline: bool | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    closed_at: dt.datetime | None
    erased_at: dt.datetime | None


def within_deadline(received_on: dt.date, answered_on: dt.date | None, today: dt.date) -> bool | None:
    """Answered within 45 days; for one not answered: ``False`` once the deadline passed, else ``None``."""
    if answered_on is not None:
        return answered_on <= deadline(received_on)
    if today > deadline(received_on):
        return False
    return None


def view(row: Complaint, today: dt.date) -> ComplaintView:
    status = Status(row.status)
    scope = Scope(row.scope)
    answered = row.answered_on
    return ComplaintView(
        id=row.id,
        helpdesk_id=row.helpdesk_id,
        received_on=row.received_on,
        channel=Channel(row.channel),
        name=row.name,
        contact=row.contact,
        description=row.description,
        category=Category(row.category),
        scope=scope,
        status=status,
        forwarded_to=FORWARD_TO if scope is Scope.CENTRAL else None,
        investigation=row.investigation,
        actions=row.actions,
        outcome=Outcome(row.outcome) if row.outcome is not None else None,
        answered_on=answered,
        answer_channel=Channel(row.answer_channel) if row.answer_channel is not None else None,
        deadline=deadline(row.received_on),
        overdue=status is Status.OPEN and row.received_on <= overdue_from(today),
        days_to_answer=(answered - row.received_on).days if answered is not None else None,
        within_deadline=None
        if status is Status.FORWARDED
        else within_deadline(row.received_on, answered, today),
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        closed_at=row.closed_at,
        erased_at=row.erased_at,
    )


def _text(problems: list[str], field: str, value: str | None, most: int, *, lines: bool = False) -> None:
    """A field's problem, named without its value (it may be personal data)."""
    if value is None:
        return
    if not value.strip() or len(value) > most:
        problems.append(f"{field}: 1 to {most} characters, not only spaces")
    elif not storable(value, lines=lines):
        allowed = "line breaks and tabs only" if lines else "none"
        problems.append(f"{field}: holds a control character ({allowed} allowed)")


def storable(text: str, *, lines: bool = False) -> bool:
    """Whether ``text`` holds no control character (but line breaks and tabs when ``lines``) and no
    lone surrogate: neither can be stored everywhere (PostgreSQL refuses NUL)."""
    return not any(
        unicodedata.category(char) in _UNSTORABLE and not (lines and char in "\n\r\t") for char in text
    )


def create_complaint(
    session: Session, new: NewComplaint, *, now: dt.datetime, today: dt.date, who: str
) -> ComplaintView:
    """Register a complaint; one about the central services is forwarded (and closed) at once."""
    problems: list[str] = []
    if new.received_on > today:
        problems.append("received_on: not in the future")
    if new.received_on < FIRST_DAY:
        problems.append(f"received_on: not before {FIRST_DAY}")
    if new.channel not in RECEIVED_CHANNELS:
        problems.append("channel: one of " + ", ".join(sorted(RECEIVED_CHANNELS)))
    _text(problems, "name", new.name, MAX_NAME)
    _text(problems, "contact", new.contact, MAX_CONTACT)
    _text(problems, "description", new.description, MAX_TEXT, lines=True)
    if problems:
        raise ComplaintRefusedError("; ".join(problems))
    central = new.scope is Scope.CENTRAL
    row = Complaint(
        helpdesk_id=new.helpdesk_id,
        received_on=new.received_on,
        channel=new.channel.value,
        name=new.name,
        contact=new.contact,
        description=new.description,
        category=new.category.value,
        scope=new.scope.value,
        status=(Status.FORWARDED if central else Status.OPEN).value,
        created_at=now,
        created_by=who,
        updated_at=now,
        updated_by=who,
        closed_at=now if central else None,
    )
    session.add(row)
    session.flush()
    return view(row, today)


def complaint(session: Session, complaint_id: int, today: dt.date) -> ComplaintView:
    row = session.get(Complaint, complaint_id)
    if row is None:
        raise UnknownComplaintError(complaint_id)
    return view(row, today)


def complaints(
    session: Session,
    today: dt.date,
    *,
    helpdesk_id: str | None = None,
    status: Status | None = None,
    overdue: bool = False,
) -> list[ComplaintView]:
    """The complaints, oldest received first; ``overdue``: only the open ones due within 7 days or late."""
    query = select(Complaint).order_by(Complaint.received_on, Complaint.id)
    if helpdesk_id is not None:
        query = query.where(Complaint.helpdesk_id == helpdesk_id)
    if status is not None:
        query = query.where(Complaint.status == status.value)
    if overdue:
        query = query.where(
            Complaint.status == Status.OPEN.value, Complaint.received_on <= overdue_from(today)
        )
    return [view(row, today) for row in session.scalars(query)]


def overdue_counts(session: Session, today: dt.date) -> dict[str, int]:
    """Per helpdesk, the open complaints due within 7 days or late (helpdesks without any left out)."""
    query = (
        select(Complaint.helpdesk_id, func.count())
        .where(Complaint.status == Status.OPEN.value, Complaint.received_on <= overdue_from(today))
        .group_by(Complaint.helpdesk_id)
    )
    return {str(helpdesk_id): int(count) for helpdesk_id, count in session.execute(query)}


def update_complaint(
    session: Session, complaint_id: int, change: Change, *, now: dt.datetime, today: dt.date, who: str
) -> ComplaintView:
    """Record the investigation, the actions, the outcome and the final answer of an open complaint."""
    row = session.get(Complaint, complaint_id, with_for_update=True)
    if row is None:
        raise UnknownComplaintError(complaint_id)
    if row.status != Status.OPEN.value:
        raise ComplaintClosedError(f"complaint {complaint_id} is {row.status}: it changes no more")
    problems: list[str] = []
    _text(problems, "investigation", change.investigation, MAX_TEXT, lines=True)
    _text(problems, "actions", change.actions, MAX_TEXT, lines=True)
    if change.answer_channel is not None and change.answer_channel not in ANSWER_CHANNELS:
        problems.append("answer_channel: one of " + ", ".join(sorted(ANSWER_CHANNELS)))
    if change.answered_on is not None:
        if change.answered_on < row.received_on:
            problems.append("answered_on: not before received_on")
        if change.answered_on > today:
            problems.append("answered_on: not in the future")
        if change.outcome is None and row.outcome is None:
            problems.append("outcome: needed with answered_on")
        if change.answer_channel is None and row.answer_channel is None:
            problems.append("answer_channel: needed with answered_on")
    if problems:
        raise ComplaintRefusedError("; ".join(problems))
    if change.investigation is not None:
        row.investigation = change.investigation
    if change.actions is not None:
        row.actions = change.actions
    if change.outcome is not None:
        row.outcome = change.outcome.value
    if change.answer_channel is not None:
        row.answer_channel = change.answer_channel.value
    if change.answered_on is not None:
        row.answered_on = change.answered_on
        row.status = Status.ANSWERED.value
        row.closed_at = now
    row.updated_at = now
    row.updated_by = who
    session.flush()
    return view(row, today)


def erase_closed_complaints(session: Session, before: dt.datetime, now: dt.datetime) -> int:
    """Erase the complainant's name and contact details and the description of the complaints closed
    before ``before``; returns how many were erased."""
    result = session.execute(
        update(Complaint)
        .where(Complaint.closed_at < before, Complaint.erased_at.is_(None))
        .values(name=None, contact=None, description=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class ComplaintFigures:
    """A period's complaints (``complaints_…`` in the KPIs): ``received`` in it; ``answered``: final
    answers given in it; ``answered_in_time``: the share of those given within 45 calendar days of
    receipt (``None`` when none was answered)."""

    received: int
    answered: int
    answered_in_time: float | None


FIGURES: Final = ("received", "answered", "answered_in_time")
# The figures as columns of the KPIs' CSV and ``ivr report``, apart from the call KPIs.
COMPLAINT_COLUMNS: Final = tuple(f"complaints_{name}" for name in FIGURES)


def complaint_figures(
    session: Session, helpdesk_id: str | None, first: dt.date, last: dt.date
) -> ComplaintFigures:
    """The figures of ``helpdesk_id`` (``None``: all helpdesks) for the local dates ``first`` to ``last``."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    received = select(func.count()).select_from(Complaint)
    received = received.where(Complaint.received_on >= first, Complaint.received_on <= last)
    answered = select(Complaint.received_on, Complaint.answered_on).where(
        Complaint.answered_on >= first, Complaint.answered_on <= last
    )
    if helpdesk_id is not None:
        received = received.where(Complaint.helpdesk_id == helpdesk_id)
        answered = answered.where(Complaint.helpdesk_id == helpdesk_id)
    pairs = list(session.execute(answered))
    in_time = sum(
        1
        for received_on, answered_on in pairs
        if answered_on is not None and answered_on <= deadline(received_on)
    )
    share = None
    if pairs:
        share = float((Decimal(in_time) / Decimal(len(pairs))).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return ComplaintFigures(
        received=int(session.scalar(received) or 0), answered=len(pairs), answered_in_time=share
    )


def complaint_days(
    session: Session, helpdesk_id: str | None, first: dt.date, last: dt.date
) -> dict[dt.date, ComplaintFigures]:
    """The figures of each local date from ``first`` to ``last`` (every day present), as
    :func:`complaint_figures` gives them for a one-day period: the KPIs' daily series."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    received = select(Complaint.received_on, func.count()).where(
        Complaint.received_on >= first, Complaint.received_on <= last
    )
    answered = select(Complaint.received_on, Complaint.answered_on).where(
        Complaint.answered_on >= first, Complaint.answered_on <= last
    )
    if helpdesk_id is not None:
        received = received.where(Complaint.helpdesk_id == helpdesk_id)
        answered = answered.where(Complaint.helpdesk_id == helpdesk_id)
    counts = {day: int(count) for day, count in session.execute(received.group_by(Complaint.received_on))}
    answers: dict[dt.date, list[bool]] = {}
    for received_on, answered_on in session.execute(answered):
        if answered_on is not None:
            answers.setdefault(answered_on, []).append(answered_on <= deadline(received_on))
    days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
    return {
        day: ComplaintFigures(
            received=counts.get(day, 0),
            answered=len(answers.get(day, [])),
            answered_in_time=_share(sum(answers[day]), len(answers[day])) if day in answers else None,
        )
        for day in days
    }


def _share(part: int, whole: int) -> float:
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def complaint_row(figures: ComplaintFigures) -> dict[str, int | float | None]:
    """The figures under their ``COMPLAINT_COLUMNS`` names."""
    return {f"complaints_{name}": getattr(figures, name) for name in FIGURES}
