"""Recording what happens to a call (PRODUCT.md "Metrics").

Each webhook appends events to ``call_events``; ``call_records`` holds what they add up to, as
:func:`calllog.projection.project` derives it from the whole set of the call's events every time
one is added.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final, NamedTuple, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

from calllog.privacy import Caller, caller_fields
from calllog.projection import Event, JsonValue, Projection, project
from calllog.tables import CallEvent, CallRecord
from database import ManyRows, insert_unnested, unnested

OVERFLOW_REASONS: Final = ("closed", "no_agents", "queue_full", "wait_timeout", "error")

_Type = type[str] | type[int] | type[bool] | type[dt.date]
# Per kind: the data it carries, with its type and whether it is required; an optional value may
# be None (unknown). Seconds that Twilio reports as negative are unknown too.
_DATA: Final[Mapping[str, Mapping[str, tuple[_Type, bool]]]] = {
    "offered": {
        "arrival_date": (dt.date, True),
        "arrival_minute": (int, True),
        "open_on_arrival": (bool, True),
    },
    "closing_message": {},
    "busy_message": {},
    "overflow": {"reason": (str, True)},
    "entered_queue": {},
    "connected": {"agent": (str, False), "wait_s": (int, False)},
    "abandoned": {"wait_s": (int, False)},
    "left_queue": {"result": (str, True), "wait_s": (int, False)},
    "central_result": {"status": (str, True), "duration_s": (int, False)},
    "talk_ended": {"agent": (str, False), "talk_s": (int, False)},
    "status": {
        "status": (str, True),
        # Absent from a number's plain "call status changes" callback (twilio-semantics §13).
        "sequence": (int, False),
        "duration_s": (int, False),
        "timestamp": (str, False),
    },
    "error": {"where": (str, True)},
    # A shared number's menu (playbook 1.2.1): reached, and the choice made (dtmf, speech or the
    # default) with its target (a helpdesk id or a phone number).
    "menu_offered": {},
    "menu_choice": {"key": (str, True), "how": (str, True), "target": (str, True)},
    # The caller rings back after an unanswered call of the helpdesk (playbook 1.5.2): the id of
    # that outbound attempt, never a number.
    "returning_outbound": {"attempt_id": (int, True)},
}
EVENT_KINDS: Final = tuple(_DATA)
_SECONDS: Final = frozenset({"wait_s", "talk_s", "duration_s"})
_DEDUPE_LENGTH: Final = 40


class LocalArrival(NamedTuple):
    date: dt.date
    minute: int


def local_arrival(at: dt.datetime, zone: dt.tzinfo) -> LocalArrival:
    """The local date of ``at`` in ``zone`` and the minutes elapsed since that date's midnight.

    Elapsed real time, not the wall clock: 02:30 on the day summer time ends is minute 150 the
    first time and minute 210 the second time, so the two hours stay apart.
    """
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} refused: pass a timezone-aware datetime")
    day = at.astimezone(zone).date()
    elapsed = at.astimezone(dt.UTC) - local_midnight(day, zone).astimezone(dt.UTC)
    return LocalArrival(day, int(elapsed.total_seconds()) // 60)


def local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of ``day`` in ``zone``."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def record_event(
    session: Session,
    *,
    call_sid: str,
    helpdesk_id: str,
    kind: str,
    at: dt.datetime,
    dedupe: str | None = None,
    **data: object,
) -> bool:
    """Append an event to call ``call_sid`` and bring its record up to date.

    ``data`` is what the kind carries (see ``_DATA``). ``offered`` also takes ``caller`` (Twilio's
    ``From``) and ``hash_key`` (bytes), which end up in the record as hash, mask and clear text,
    never in the event. An event for a call not seen before creates a minimal record that its
    ``offered`` event completes later.

    ``dedupe`` identifies the event within the call; by default the kind, ``status:{sequence}``
    for status callbacks (``status:{CallStatus}`` for one without ``SequenceNumber``) and
    ``error:{where}`` for errors. A second event with the same key (a
    Twilio retry) changes nothing and returns False; otherwise True. Never commits.
    """
    event = new_event(call_sid=call_sid, helpdesk_id=helpdesk_id, kind=kind, at=at, dedupe=dedupe, **data)
    return record_events(session, [event]) == 1


@dataclass(frozen=True)
class NewEvent:
    """An event checked and ready to store (see :func:`new_event`)."""

    call_sid: str
    helpdesk_id: str
    kind: str
    at: dt.datetime
    dedupe: str
    data: str
    caller: Caller | None


def new_event(
    *,
    call_sid: str,
    helpdesk_id: str,
    kind: str,
    at: dt.datetime,
    dedupe: str | None = None,
    **data: object,
) -> NewEvent:
    """The event :func:`record_event` would store; raises on what it would refuse."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} refused: pass a timezone-aware datetime")
    if kind not in _DATA:
        raise ValueError(f"unknown call event kind {kind!r}; kinds are {', '.join(EVENT_KINDS)}")
    caller: Caller | None = None
    if kind == "offered":
        number, key = data.pop("caller", None), data.pop("hash_key", None)
        if not isinstance(number, str) or not isinstance(key, bytes):
            raise TypeError("offered events need caller (str) and hash_key (bytes)")
        caller = caller_fields(number, key)
    stored = _validated(kind, data)
    if kind == "overflow" and stored["reason"] not in OVERFLOW_REASONS:
        raise ValueError(
            f"unknown overflow reason {stored['reason']!r}; reasons are {', '.join(OVERFLOW_REASONS)}"
        )
    key_text = dedupe if dedupe is not None else _default_dedupe(kind, stored)
    if not 1 <= len(key_text) <= _DEDUPE_LENGTH:
        raise ValueError(f"dedupe must be 1 to {_DEDUPE_LENGTH} characters")
    text = json.dumps(stored, sort_keys=True, separators=(",", ":"))
    return NewEvent(call_sid, helpdesk_id, kind, at, key_text, text, caller)


def record_events(session: Session, events: Sequence[NewEvent]) -> int:
    """Store ``events`` (of any calls) and bring the records of their calls up to date.

    A handful of statements whatever the number of events or calls, so that a batch of webhooks
    costs little more than one. Events already stored (same call and dedupe key) change nothing.
    Rows are written and locked in call order, so two instances storing events of the same calls
    at once wait for each other instead of deadlocking. Returns how many events were new. Never
    commits.
    """
    if not events:
        return 0
    statements = _statements(session.get_bind().dialect.name)
    connection = session.connection()
    unique = {(event.call_sid, event.dedupe): event for event in reversed(events)}
    rows = [
        {
            "call_sid": event.call_sid,
            "helpdesk_id": event.helpdesk_id,
            "at": event.at,
            "kind": event.kind,
            "dedupe": event.dedupe,
            "data": event.data,
        }
        for _, event in sorted(unique.items())
    ]
    stored = {(sid, key) for sid, key in statements.insert_events.execute(connection, rows)}
    if not stored:
        return 0
    calls = sorted({call_sid for call_sid, _ in stored})
    first: dict[str, NewEvent] = {}
    callers: dict[str, Caller] = {}
    for key in sorted(stored, key=lambda key: (unique[key].at, key)):
        event = unique[key]
        first.setdefault(event.call_sid, event)
        if event.caller is not None:
            callers.setdefault(event.call_sid, event.caller)
    ensured = [_record_row(first[sid], callers.get(sid)) for sid in calls]
    statements.ensure_records.execute(connection, ensured)
    # Serialises the projection per call across instances: whoever folds last sees every event
    # committed before it plus its own. SQLite has one writer at a time anyway: no statement.
    if statements.lock_records is not None:
        connection.execute(statements.lock_records, {"calls": calls}).all()
    by_call: dict[str, list[Event]] = {sid: [] for sid in calls}
    for sid, when, what, key, desk, text in connection.execute(statements.events_of, {"calls": calls}):
        by_call[sid].append(Event(when, what, key, desk, json.loads(text)))
    # Shallow: asdict() would deep-copy every value of every record.
    updates = [{"b_call_sid": sid, **vars(project(by_call[sid]))} for sid in calls]
    statements.update_record.execute(connection, updates)
    return len(stored)


def _record_row(event: NewEvent, caller: Caller | None) -> dict[str, object]:
    return {
        "call_sid": event.call_sid,
        "helpdesk_id": event.helpdesk_id,
        "arrived_at": event.at,
        "open_on_arrival": False,
        "outcome": "in_progress",
        "entered_queue": False,
        "last_sequence": -1,
        "caller_hash": caller.hash if caller else None,
        "caller_masked": caller.masked if caller else None,
        "caller_raw": caller.raw if caller else None,
    }


@dataclass(frozen=True)
class _Statements:
    """Built once per database dialect: SQLAlchemy then reuses their compiled SQL."""

    insert_events: ManyRows
    ensure_records: ManyRows
    lock_records: Executable | None
    events_of: Executable
    update_record: ManyRows


_EVENT_COLUMNS: Final = ("call_sid", "helpdesk_id", "at", "kind", "dedupe", "data")
_RECORD_COLUMNS: Final = (
    "call_sid",
    "helpdesk_id",
    "arrived_at",
    "open_on_arrival",
    "outcome",
    "entered_queue",
    "last_sequence",
    "caller_hash",
    "caller_masked",
    "caller_raw",
)


@functools.cache
def _statements(dialect: str) -> _Statements:
    events, records = cast(Table, CallEvent.__table__), cast(Table, CallRecord.__table__)
    projected = [field.name for field in fields(Projection)]
    if dialect == "postgresql":
        return _postgresql_statements(events, records, projected)
    insert_record = sqlite.insert(records)
    calls: BindParameter[str] = bindparam("calls", expanding=True)
    return _Statements(
        insert_events=ManyRows(
            sqlite.insert(events)
            .on_conflict_do_nothing(index_elements=[events.c.call_sid, events.c.dedupe])
            .returning(events.c.call_sid, events.c.dedupe)
        ),
        ensure_records=ManyRows(_ensure_records(insert_record, records)),
        lock_records=None,
        events_of=_events_of(events).where(events.c.call_sid.in_(calls)),
        update_record=ManyRows(
            update(records)
            .where(records.c.call_sid == bindparam("b_call_sid"))
            .values({name: bindparam(name) for name in projected})
        ),
    )


def _postgresql_statements(events: Table, records: Table, projected: list[str]) -> _Statements:
    """The same statements taking one array per column (``unnest``), each run once per batch."""
    insert_events = (
        insert_unnested(events, _EVENT_COLUMNS)
        .on_conflict_do_nothing(index_elements=[events.c.call_sid, events.c.dedupe])
        .returning(events.c.call_sid, events.c.dedupe)
    )
    insert_record = insert_unnested(records, _RECORD_COLUMNS)
    folded = unnested(
        {"b_call_sid": records.c.call_sid.type, **{name: records.c[name].type for name in projected}}
    )
    # Joined rather than "= ANY(array)": the planner then counts on a few calls, not on a share of
    # the table, and looks them up by index even before the table has statistics.
    calls = unnested({"calls": records.c.call_sid.type}, name="c")
    return _Statements(
        insert_events=ManyRows(insert_events, _EVENT_COLUMNS),
        ensure_records=ManyRows(_ensure_records(insert_record, records), _RECORD_COLUMNS),
        lock_records=select(records.c.call_sid)
        .join_from(calls, records, records.c.call_sid == calls.c.calls)
        .order_by(records.c.call_sid)
        .with_for_update(of=records),
        events_of=_events_of(events).join_from(calls, events, events.c.call_sid == calls.c.calls),
        update_record=ManyRows(
            update(records)
            .where(records.c.call_sid == folded.c.b_call_sid)
            .values({name: folded.c[name] for name in projected}),
            ("b_call_sid", *projected),
        ),
    )


def _ensure_records(insert: postgresql.Insert | sqlite.Insert, records: Table) -> Executable:
    """A minimal record for each call not seen before; an ``offered`` event (the only one with a
    caller: its mask is never NULL) adds the caller to a record that another event created."""
    return insert.on_conflict_do_update(
        index_elements=[records.c.call_sid],
        set_={
            "caller_hash": insert.excluded.caller_hash,
            "caller_masked": insert.excluded.caller_masked,
            "caller_raw": insert.excluded.caller_raw,
        },
        where=insert.excluded.caller_masked.is_not(None),
    )


def _events_of(events: Table) -> Select[Any]:
    return select(
        events.c.call_sid,
        events.c.at,
        events.c.kind,
        events.c.dedupe,
        events.c.helpdesk_id,
        events.c.data,
    )


def _validated(kind: str, data: Mapping[str, object]) -> dict[str, JsonValue]:
    spec = _DATA[kind]
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise ValueError(f"{kind} events do not carry {', '.join(unknown)}")
    stored: dict[str, JsonValue] = {}
    for name, (expected, required) in spec.items():
        value = data.get(name)
        if value is None:
            if required:
                raise ValueError(f"{kind} events need {name}")
            stored[name] = None
            continue
        # bool is an int to Python; a flag is not a number of seconds, nor the other way round.
        if not isinstance(value, expected) or (isinstance(value, bool) != (expected is bool)):
            raise TypeError(f"{kind}.{name} must be {expected.__name__}, not {type(value).__name__}")
        if isinstance(value, dt.date):
            stored[name] = value.isoformat()
        elif isinstance(value, int) and not isinstance(value, bool) and value < 0:
            if name not in _SECONDS:
                raise ValueError(f"{kind}.{name} must not be negative")
            stored[name] = None
        else:
            assert isinstance(value, str | int)  # noqa: S101  # narrowed by the check above
            stored[name] = value
    return stored


def _default_dedupe(kind: str, data: Mapping[str, JsonValue]) -> str:
    if kind == "status":
        sequence = data["sequence"]
        # Without SequenceNumber a retry is recognised by the status it reports (twilio-semantics §13).
        key = data["status"] if sequence is None else sequence
        return f"status:{key}"[:_DEDUPE_LENGTH]
    if kind == "error":
        return f"error:{data['where']}"[:_DEDUPE_LENGTH]
    return kind
