"""The writes a webhook hands in: a closed set of typed operations, and the one function applying them.

Every operation is a frozen value of its own class; :data:`Operation` is their union, told apart
by ``op``. :func:`apply` applies one or many of them in one unit of work, and the spool keeps them
as JSON through :data:`BATCH` (pydantic both ways, so that what comes back is checked as strictly
as what went in). Every operation is idempotent: call-log events carry a dedupe key and queue
changes keep the first value, so writing one twice (a retried webhook, a spool replayed after a
crash) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, TypeAdapter
from sqlalchemy.orm import Session

from agents import end_agent_call
from calllog import NewEvent, record_events
from calls import QueueChanges, apply_queue_changes
from escalations import NewEscalation, RecordingReport, record_escalation
from outbound import release_claims
from routing import ArrivalDecision, LineState


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterQueue:
    """Call ``call_sid`` entered the queue of ``helpdesk_id`` at ``now`` (calls.enter_queue); its
    returning queue with ``returning_queue``."""

    op: Literal["enter_queue"] = "enter_queue"
    call_sid: str
    helpdesk_id: str
    now: AwareDatetime
    from_number: str | None = None
    returning_queue: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkAnswered:
    """``agent`` took call ``call_sid`` after ``queue_time`` seconds (calls.mark_answered)."""

    op: Literal["mark_answered"] = "mark_answered"
    call_sid: str
    agent: str
    queue_time: int | None
    now: AwareDatetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveQueue:
    """Call ``call_sid`` left the queue with ``result`` (calls.leave_queue).

    With ``helpdesk_id`` it also stands in for an entry not written yet (see
    calls.apply_queue_changes).
    """

    op: Literal["leave_queue"] = "leave_queue"
    call_sid: str
    now: AwareDatetime
    result: str
    helpdesk_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndAgentCall:
    """The agent-line call ``call_sid`` ended: its agent is logged out (agents.end_agent_call) and
    the people it was calling without an outcome go back to their lists (outbound.release_claims)."""

    op: Literal["end_agent_call"] = "end_agent_call"
    call_sid: str
    now: AwareDatetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEvent:
    """Append ``event`` (checked by calllog.new_event when it was made) to its call's log."""

    op: Literal["record_event"] = "record_event"
    event: NewEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEscalation:
    """One of a recorded question's two requests reported ``report`` (escalations.record_escalation):
    written here only when the database failed at first, to keep the question."""

    op: Literal["record_escalation"] = "record_escalation"
    new: NewEscalation
    report: RecordingReport
    now: AwareDatetime


Operation = Annotated[
    EnterQueue | MarkAnswered | LeaveQueue | EndAgentCall | RecordEvent | RecordEscalation,
    Field(discriminator="op"),
]
# What the spool writes and reads back: one batch of operations per line.
BATCH: TypeAdapter[list[Operation]] = TypeAdapter(list[Operation])
ONE: TypeAdapter[Operation] = TypeAdapter(Operation)


def apply(session: Session, operations: Sequence[Operation]) -> None:
    """Apply ``operations`` (one or many) in a few statements per kind, never committing.

    Queue changes go first (entries, answers, departures: each call's own order), then the agent
    calls ended, in order, then the call-log events, then the escalated questions. Events touch
    only the call log, which the queue and presence changes never read, so the grouping changes no
    result.
    """
    events: list[NewEvent] = []
    queue = QueueChanges(entered=[], answered=[], left=[])
    ended: list[EndAgentCall] = []
    escalations: list[RecordEscalation] = []
    for operation in operations:
        match operation:
            case RecordEvent(event=event):
                events.append(event)
            case EnterQueue():
                queue.entered.append(
                    _arguments(operation, "call_sid", "helpdesk_id", "now", "from_number", "returning_queue")
                )
            case MarkAnswered():
                queue.answered.append(_arguments(operation, "call_sid", "agent", "queue_time", "now"))
            case LeaveQueue():
                queue.left.append(_arguments(operation, "call_sid", "now", "result", "helpdesk_id"))
            case EndAgentCall():
                ended.append(operation)
            case RecordEscalation():
                escalations.append(operation)
    apply_queue_changes(session, queue)
    for agent_call in ended:
        end_agent_call(session, agent_call.call_sid, agent_call.now)
        release_claims(session, agent_call.call_sid, agent_call.now)
    record_events(session, events)
    # Last: a question's citizen number is read from the call log, which these events may start.
    for escalation in escalations:
        record_escalation(session, escalation.new, escalation.report, escalation.now)


def _arguments(operation: object, *names: str) -> dict[str, Any]:
    return {name: getattr(operation, name) for name in names}


def encode(operations: Sequence[Operation]) -> bytes:
    """One line of JSON (without its newline) holding ``operations``."""
    return BATCH.dump_json(list(operations))


def decode(line: str | bytes) -> list[Operation]:
    """The operations of a line :func:`encode` wrote; raises pydantic's ValidationError otherwise."""
    return BATCH.validate_json(line)


def describe(operation: Operation) -> str:
    """``operation`` as JSON, for the dead-letter table and the log."""
    return ONE.dump_json(operation).decode()


def at(operation: Operation) -> dt.datetime:
    """When ``operation`` happened."""
    return operation.event.at if isinstance(operation, RecordEvent) else operation.now


@dataclass(frozen=True, slots=True)
class Admitted:
    """What a caller's arrival came to: the decision, whether it takes a place in the queue, and
    the operations that record it."""

    decision: ArrivalDecision
    queued: bool
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class ReturningCheck:
    """Ask, with the arrival, whether the caller returns a call of the helpdesk they missed
    (outbound.returning): the caller's number as the call log's keyed hash, the arrival's time
    and the window (``outbound.callback_window_hours``)."""

    number_hash: str
    now: dt.datetime
    window_hours: int


@dataclass(frozen=True, slots=True)
class Seen:
    """What an arrival is decided on: the helpdesk's line state and, when the admission asked
    (:class:`ReturningCheck`), the id of the unanswered outbound call the caller returns (``None``:
    not returning, or not asked)."""

    line: LineState
    returning_attempt: int | None = None


@dataclass(frozen=True, slots=True)
class Admission:
    """A caller's arrival at ``helpdesk_id``, decided where it is written.

    ``decide`` (pure, no I/O) is called with what the transaction that writes its operations read
    (:class:`Seen`: the helpdesk's line state, and whether the caller is returning when
    ``returning`` asks, in the same round trip), while the helpdesk's admission lock is held
    (calls.lock_lines): so it counts every caller admitted before, by this instance or another.
    ``fallback`` is the fail-safe answer, taken when the database cannot be written (its
    operations are then spooled): nobody is returning then.
    """

    helpdesk_id: str
    decide: Callable[[Seen], Admitted]
    fallback: Admitted
    returning: ReturningCheck | None = None


# What a webhook hands in: operations written as they are, and arrivals to decide.
Item = Operation | Admission
