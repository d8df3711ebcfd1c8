"""Callers waiting in a helpdesk's queue.

Twilio owns the real queue; these rows mirror it so that every instance behind the load balancer
sees the same count of waiting callers when it decides whether there is room for one more
(``lines_per_agent`` times the agents logged in). The functions take the caller's session and never
commit: the request owns the unit of work.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import ScalarSelect, TableValuedAlias

from agents import logged_in_query
from calls.tables import QueueEntry
from database import ManyRows, dialect_insert, insert_unnested, unnested
from routing import LineState


def enter_queue(
    session: Session,
    call_sid: str,
    helpdesk_id: str,
    now: dt.datetime,
    from_number: str | None = None,
    *,
    returning_queue: bool = False,
) -> bool:
    """Record that call ``call_sid`` entered the queue of ``helpdesk_id`` at ``now`` (its returning
    queue with ``returning_queue``).

    Twilio retries a webhook that timed out, so the same call may arrive twice: the first
    arrival wins and a repeat changes nothing. Returns whether this call created the entry.
    """
    insert = dialect_insert(session, QueueEntry).values(
        call_sid=call_sid,
        helpdesk_id=helpdesk_id,
        enqueued_at=now,
        from_number=from_number,
        returning_queue=returning_queue,
    )
    created = session.execute(
        insert.on_conflict_do_nothing(index_elements=[QueueEntry.call_sid]).returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return created is not None


def leave_queue(session: Session, call_sid: str, now: dt.datetime, result: str) -> bool:
    """Record that call ``call_sid`` left the queue at ``now`` with ``result``.

    The first departure wins: a retried or late callback keeps the time and result already
    recorded. Returns whether this call recorded the departure.
    """
    left = session.execute(
        update(QueueEntry)
        .where(QueueEntry.call_sid == call_sid, QueueEntry.left_at.is_(None))
        .values(left_at=now, result=result)
        .returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return left is not None


def _waiting(helpdesk_id: str | BindParameter[str]) -> ColumnElement[bool]:
    # Twilio reports a bridged caller's departure only when the conversation ends, so a caller
    # talking to an agent has no left_at yet but is not waiting any more.
    return (
        (QueueEntry.helpdesk_id == helpdesk_id)
        & QueueEntry.left_at.is_(None)
        & QueueEntry.answered_at.is_(None)
    )


def mark_answered(
    session: Session, call_sid: str, agent: str, queue_time: int | None, now: dt.datetime
) -> bool:
    """Record that ``agent`` took call ``call_sid`` after ``queue_time`` seconds (Twilio's QueueTime).

    The first answer wins (a retried ``<Queue url>`` request changes nothing).
    """
    answered = session.execute(
        update(QueueEntry)
        .where(QueueEntry.call_sid == call_sid, QueueEntry.answered_at.is_(None))
        .values(answered_at=now, answered_by=agent, queue_time=queue_time)
        .returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return answered is not None


def answered_since(session: Session, helpdesk_id: str, agent: str, since: dt.datetime) -> bool:
    """Whether ``agent`` took a caller of ``helpdesk_id`` at or after ``since`` (its ``<Queue url>``).

    Such a caller cannot have left the queue before ``since`` either, which keeps the search on
    the (helpdesk_id, left_at) index: the callers still waiting and those who left since.
    """
    found = session.execute(
        select(QueueEntry.call_sid)
        .where(
            QueueEntry.helpdesk_id == helpdesk_id,
            or_(QueueEntry.left_at.is_(None), QueueEntry.left_at >= since),
            QueueEntry.answered_by == agent,
            QueueEntry.answered_at >= since,
        )
        .limit(1)
    ).first()
    return found is not None


def latest_answered(session: Session, helpdesk_id: str, agent: str, since: dt.datetime) -> str | None:
    """The call of ``helpdesk_id`` that ``agent`` took last at or after ``since`` (its ``<Queue
    url>``), ``None`` when none: the citizen of an agent's last conversation when Twilio did not
    name it. On the same index as :func:`answered_since`."""
    return session.scalar(
        select(QueueEntry.call_sid)
        .where(
            QueueEntry.helpdesk_id == helpdesk_id,
            or_(QueueEntry.left_at.is_(None), QueueEntry.left_at >= since),
            QueueEntry.answered_by == agent,
            QueueEntry.answered_at >= since,
        )
        .order_by(QueueEntry.answered_at.desc())
        .limit(1)
    )


def claim_for_redirect(session: Session, helpdesk_id: str, now: dt.datetime) -> list[str]:
    """Claim every caller still waiting at ``helpdesk_id`` for a redirect to central.

    A caller is claimed once: a second claim (another instance, a repeated logout) finds
    nobody, so nobody is redirected twice.
    """
    claimed = session.execute(
        update(QueueEntry)
        .where(_waiting(helpdesk_id), QueueEntry.redirected_at.is_(None))
        .values(redirected_at=now)
        .returning(QueueEntry.call_sid, QueueEntry.enqueued_at)
    ).all()
    return [call_sid for call_sid, _ in sorted(claimed, key=lambda row: (row[1], row[0]))]


def callers_waiting(session: Session, helpdesk_id: str) -> int:
    """How many callers are in the queue of ``helpdesk_id`` now."""
    return session.execute(
        select(func.count()).select_from(QueueEntry).where(_waiting(helpdesk_id))
    ).scalar_one()


def returning_waiting(session: Session, helpdesk_id: str) -> int:
    """How many callers wait in the returning queue of ``helpdesk_id`` now (among
    :func:`callers_waiting`): an available agent dials that queue first."""
    return session.execute(
        select(func.count())
        .select_from(QueueEntry)
        .where(_waiting(helpdesk_id), QueueEntry.returning_queue.is_(True))
    ).scalar_one()


def waiting_call_sids(session: Session, helpdesk_id: str) -> list[str]:
    """The calls in the queue of ``helpdesk_id``, longest waiting first.

    Needed when the last agent logs out: those callers are redirected to the central helpdesk
    right away rather than at their next wait-message tick.
    """
    return list(
        session.execute(
            select(QueueEntry.call_sid)
            .where(_waiting(helpdesk_id))
            .order_by(QueueEntry.enqueued_at, QueueEntry.call_sid)
        ).scalars()
    )


def longest_wait(session: Session, helpdesk_id: str, now: dt.datetime) -> int | None:
    """Whole seconds the longest-waiting caller of ``helpdesk_id`` has waited at ``now``.

    ``None`` when nobody waits. Never negative: instances' clocks may differ by a little.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    # MIN over no rows is NULL, which the column's own type does not admit.
    oldest: dt.datetime | None = session.execute(
        select(func.min(QueueEntry.enqueued_at)).where(_waiting(helpdesk_id))
    ).scalar_one()
    if oldest is None:
        return None
    return max(0, int((now - oldest).total_seconds()))


class QueueNow(NamedTuple):
    """A helpdesk's queue now: the returning callers among those waiting (:func:`returning_waiting`)
    and the longest wait in whole seconds (:func:`longest_wait`)."""

    returning: int
    longest_wait_s: int | None


def queues_now(session: Session, helpdesk_ids: Sequence[str], now: dt.datetime) -> dict[str, QueueNow]:
    """:func:`returning_waiting` and :func:`longest_wait` of each of ``helpdesk_ids`` with callers
    waiting, in one statement (on the (helpdesk_id, left_at) index); a helpdesk without waiting
    callers is absent (0 and ``None``)."""
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    rows = session.execute(
        select(
            QueueEntry.helpdesk_id,
            func.count(case((QueueEntry.returning_queue.is_(True), 1))),
            func.min(QueueEntry.enqueued_at),
        )
        .where(
            QueueEntry.helpdesk_id.in_(helpdesk_ids),
            QueueEntry.left_at.is_(None),
            QueueEntry.answered_at.is_(None),
        )
        .group_by(QueueEntry.helpdesk_id)
    )
    return {
        helpdesk_id: QueueNow(returning, max(0, int((now - oldest).total_seconds())))
        for helpdesk_id, returning, oldest in rows
    }


def lock_lines(session: Session, helpdesk_ids: Sequence[str]) -> None:
    """Hold the admission lock of each of ``helpdesk_ids`` until the transaction ends.

    Whoever decides on a caller's admission from :func:`line_states` and then enters the caller
    holds it, so that the next decision (in this or another instance) counts that caller. SQLite
    needs none: a writing transaction there holds the database's one write lock from its start
    (BEGIN IMMEDIATE). On PostgreSQL it is a transaction-level advisory lock per helpdesk, taken
    in one order, so that two instances never wait for each other the other way round.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for helpdesk_id in sorted(set(helpdesk_ids)):
        session.execute(_ADVISORY_LOCK, {"key": _lock_key(helpdesk_id)})


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_key(helpdesk_id: str) -> int:
    """A stable signed 64-bit key for ``helpdesk_id`` (PostgreSQL's advisory lock space)."""
    digest = hashlib.blake2b(f"ivr admission {helpdesk_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def line_state(session: Session, helpdesk_id: str) -> LineState:
    """Agents logged in and callers waiting for ``helpdesk_id``, read in one round trip: the line
    state the routing decisions take."""
    return line_states(session, [helpdesk_id])[helpdesk_id]


def line_states(session: Session, helpdesk_ids: Sequence[str]) -> dict[str, LineState]:
    """:func:`line_state` of each of ``helpdesk_ids``, all read in one round trip."""
    ids = list(dict.fromkeys(helpdesk_ids))
    if not ids:
        return {}
    rows = session.execute(
        _line_states_query(len(ids)),
        {f"helpdesk_{number}": helpdesk_id for number, helpdesk_id in enumerate(ids)},
    )
    return {ids[number]: LineState(agents, waiting) for number, agents, waiting in rows}


class FoldedRead(NamedTuple):
    """A read of a layer above (one integer, or NULL) that :func:`line_states_with` folds into the
    round trip of the line states.

    ``query(prefix)`` builds it, naming its bind parameters ``prefix`` followed by the names of
    ``params``, which hold their values. ``query`` is a module-level function: the statement is
    built once per shape and kept, as the line states' own.
    """

    query: Callable[[str], ScalarSelect[Any]]
    params: Mapping[str, object]


def line_states_with(
    session: Session, helpdesk_ids: Sequence[str], folded: Sequence[FoldedRead]
) -> tuple[dict[str, LineState], list[int | None]]:
    """:func:`line_states`, and the value each of ``folded`` reads, in order: one round trip.

    An arrival's admission reads the line and what it needs of the caller together, so that the
    caller costs the database nothing more than the line state does.
    """
    if not folded:
        return line_states(session, helpdesk_ids), []
    ids = list(dict.fromkeys(helpdesk_ids))
    values: dict[str, object] = {f"helpdesk_{number}": helpdesk_id for number, helpdesk_id in enumerate(ids)}
    for index, read in enumerate(folded):
        values.update({f"{_read_prefix(index)}{name}": value for name, value in read.params.items()})
    query = _folded_query(len(ids), tuple(read.query for read in folded))
    lines: dict[str, LineState] = {}
    read_values: list[int | None] = [None] * len(folded)
    for number, first, second in session.execute(query, values):
        if number < len(ids):
            lines[ids[number]] = LineState(first, second)
        else:
            read_values[number - len(ids)] = first
    return lines, read_values


def _read_prefix(index: int) -> str:
    return f"read_{index}_"


@functools.cache
def _line_states_query(count: int) -> CompoundSelect[int, int, int]:
    # Built once per number of helpdesks (it runs for most webhooks): SQLAlchemy then reuses its
    # compiled SQL.
    return union_all(*_line_state_parts(count))


@functools.lru_cache(maxsize=256)
def _folded_query(
    count: int, reads: tuple[Callable[[str], ScalarSelect[Any]], ...]
) -> CompoundSelect[int, Any, int]:
    # The line states' rows (0 .. count - 1), then one row per folded read (count + its index),
    # its value in the second column. Kept per shape, like the line states' own.
    parts = _line_state_parts(count)
    for index, query in enumerate(reads):
        parts.append(
            select(literal(count + index, Integer()), query(_read_prefix(index)), literal(0, Integer()))
        )
    return union_all(*parts)


def _line_state_parts(count: int) -> list[Any]:
    parts = []
    for number in range(count):
        helpdesk_id: BindParameter[str] = bindparam(f"helpdesk_{number}", type_=String())
        waiting = select(func.count()).select_from(QueueEntry).where(_waiting(helpdesk_id))
        parts.append(
            select(
                literal(number, Integer()),
                logged_in_query(helpdesk_id).scalar_subquery(),
                waiting.scalar_subquery(),
            )
        )
    return parts


class QueueChanges(NamedTuple):
    """Queue changes of many calls, applied together by :func:`apply_queue_changes`.

    Each entry holds the keyword arguments of :func:`enter_queue`, :func:`mark_answered` or
    :func:`leave_queue` (without the session).
    """

    entered: list[dict[str, Any]]
    answered: list[dict[str, Any]]
    left: list[dict[str, Any]]


def apply_queue_changes(session: Session, changes: QueueChanges) -> None:
    """Apply the changes of many calls in a few statements, with the rules of the single ones.

    Entries first, then answers, then departures: a call's own order whatever order its
    webhooks were handed in within the batch. Rows are written in call order, so that two
    instances writing the same calls at once wait for each other rather than deadlock; of two
    changes of one kind to one call the first wins, as it would one after the other.
    """
    statements = _queue_statements(session.get_bind().dialect.name)
    connection = session.connection()
    if changes.entered:
        rows = [
            {
                "call_sid": change["call_sid"],
                "helpdesk_id": change["helpdesk_id"],
                "enqueued_at": change["now"],
                "from_number": change.get("from_number"),
                "returning_queue": bool(change.get("returning_queue", False)),
            }
            for change in _first_per_call(changes.entered)
        ]
        statements.enter.execute(connection, rows)
    if changes.answered:
        rows = [
            {
                "b_call_sid": change["call_sid"],
                "b_answered_at": change["now"],
                "b_answered_by": change["agent"],
                "b_queue_time": change.get("queue_time"),
            }
            for change in _first_per_call(changes.answered)
        ]
        statements.answer.execute(connection, rows)
    # A departure that knows its helpdesk also stands in for an entry not written yet: another
    # instance may still hold the arrival in its write-behind, and it must not then revive the
    # call as waiting (its later INSERT finds this row and changes nothing).
    known = [
        {
            "call_sid": change["call_sid"],
            "helpdesk_id": change["helpdesk_id"],
            "enqueued_at": change["now"],
            "left_at": change["now"],
            "result": change["result"],
        }
        for change in _first_per_call([change for change in changes.left if change.get("helpdesk_id")])
    ]
    plain = [
        {"b_call_sid": change["call_sid"], "b_left_at": change["now"], "b_result": change["result"]}
        for change in _first_per_call([change for change in changes.left if not change.get("helpdesk_id")])
    ]
    if known:
        statements.leave_or_stand_in.execute(connection, known)
    if plain:
        statements.leave.execute(connection, plain)


def _first_per_call(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first change of each call, in call order."""
    first: dict[str, dict[str, Any]] = {}
    for change in changes:
        first.setdefault(str(change["call_sid"]), change)
    return [first[call_sid] for call_sid in sorted(first)]


class _QueueStatements(NamedTuple):
    enter: ManyRows
    answer: ManyRows
    leave: ManyRows
    leave_or_stand_in: ManyRows


_ENTRY_COLUMNS = ("call_sid", "helpdesk_id", "enqueued_at", "from_number", "returning_queue")
_STAND_IN_COLUMNS = ("call_sid", "helpdesk_id", "enqueued_at", "left_at", "result")


@functools.cache
def _queue_statements(dialect: str) -> _QueueStatements:
    table = cast(Table, QueueEntry.__table__)
    if dialect == "postgresql":
        return _postgresql_queue_statements(table)
    insert = sqlite.insert(table)
    call_sid: BindParameter[str] = bindparam("b_call_sid")
    return _QueueStatements(
        enter=ManyRows(insert.on_conflict_do_nothing(index_elements=[table.c.call_sid])),
        answer=ManyRows(
            update(table)
            .where(table.c.call_sid == call_sid, table.c.answered_at.is_(None))
            .values(
                answered_at=bindparam("b_answered_at"),
                answered_by=bindparam("b_answered_by"),
                queue_time=bindparam("b_queue_time"),
            )
        ),
        leave=ManyRows(
            update(table)
            .where(table.c.call_sid == call_sid, table.c.left_at.is_(None))
            .values(left_at=bindparam("b_left_at"), result=bindparam("b_result"))
        ),
        leave_or_stand_in=ManyRows(_stand_in(insert, table)),
    )


def _postgresql_queue_statements(table: Table) -> _QueueStatements:
    """The same statements taking one array per column (``unnest``), each run once per batch."""

    def rows(columns: dict[str, str]) -> TableValuedAlias:
        # Parameters named b_... for the columns they update.
        return unnested({name: table.c[column].type for name, column in columns.items()})

    answers = rows(
        {
            "b_call_sid": "call_sid",
            "b_answered_at": "answered_at",
            "b_answered_by": "answered_by",
            "b_queue_time": "queue_time",
        }
    )
    departures = rows({"b_call_sid": "call_sid", "b_left_at": "left_at", "b_result": "result"})
    return _QueueStatements(
        enter=ManyRows(
            insert_unnested(table, _ENTRY_COLUMNS).on_conflict_do_nothing(index_elements=[table.c.call_sid]),
            _ENTRY_COLUMNS,
        ),
        answer=ManyRows(
            update(table)
            .where(table.c.call_sid == answers.c.b_call_sid, table.c.answered_at.is_(None))
            .values(
                answered_at=answers.c.b_answered_at,
                answered_by=answers.c.b_answered_by,
                queue_time=answers.c.b_queue_time,
            ),
            tuple(answers.c.keys()),
        ),
        leave=ManyRows(
            update(table)
            .where(table.c.call_sid == departures.c.b_call_sid, table.c.left_at.is_(None))
            .values(left_at=departures.c.b_left_at, result=departures.c.b_result),
            tuple(departures.c.keys()),
        ),
        leave_or_stand_in=ManyRows(
            _stand_in(insert_unnested(table, _STAND_IN_COLUMNS), table),
            _STAND_IN_COLUMNS,
        ),
    )


def _stand_in(insert: postgresql.Insert | sqlite.Insert, table: Table) -> Executable:
    return insert.on_conflict_do_update(
        index_elements=[table.c.call_sid],
        set_={"left_at": insert.excluded.left_at, "result": insert.excluded.result},
        where=table.c.left_at.is_(None),
    )
