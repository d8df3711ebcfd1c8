"""What the call processes share: lines, queues, bridges, legs, and the signals they send each other.

A call's process (see :mod:`simulator.engine`) runs its documents with :mod:`simulator.verbs`;
queues and bridges (:mod:`simulator.queues`), dialled legs (:mod:`simulator.legs`) and the REST
API (:mod:`simulator.operations`) act on other calls only through this state and the interrupts
below, which the kernel delivers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, TypeAlias

from simulator import twiml
from simulator.kernel import Flow, Interrupt, Task
from simulator.records import DestinationBehaviour, SimCall, whole_seconds
from simulator.rest import RedirectTarget
from simulator.twiml_values import Method

# Twilio "always adds a five-second timeout buffer" to <Dial> (twilio-semantics §3).
DIAL_BUFFER_SECONDS = 5


class HungUp(Interrupt):
    """The party on this call hung up (or the call was completed through the REST API)."""

    precedence: ClassVar[int] = 3


class Redirected(Interrupt):
    """The REST API moved the call to other TwiML."""

    precedence: ClassVar[int] = 2

    def __init__(self, target: RedirectTarget) -> None:
        super().__init__(target)
        self.target = target


class Dequeued(Interrupt):
    """An agent's ``<Dial><Queue>`` took this caller out of its queue."""

    precedence: ClassVar[int] = 1

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge


class Unwind(Exception):  # noqa: N818 - control flow inside a call, not an error
    """Raised by a verb to end the document it runs in."""


class EndCall(Unwind):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class LeaveQueue(Unwind):
    pass


class ApplicationError(Exception):
    pass


class DocumentError(ApplicationError):
    """A document Twilio could not fetch or run (an HTTP error, not TwiML, a verb not allowed)."""


class QueueError(Unwind):
    """The caller's wait ended with ``QueueResult=error`` (a waitUrl or <Queue url> document failed)."""


@dataclass(frozen=True)
class Document:
    url: str  # relative URLs in it resolve against this, and <Gather> posts back to it
    verbs: tuple[twiml.Verb, ...]
    inline: bool = False  # the Twiml of a REST update, fetched from no URL


@dataclass(eq=False)
class Line:
    """The simulator's side of a call: its process and per-call bookkeeping."""

    call: SimCall
    task: Task | None = None
    member: Member | None = None
    hanging_up: bool = False
    keys_used: int = 0
    dials_used: int = 0
    status_sequence: int = 0
    held_callbacks: list[dict[str, str]] = field(default_factory=list)
    fetch_instant: datetime | None = None
    fetches_at_instant: int = 0

    @property
    def answered(self) -> bool:
        return self.call.answered_at is not None

    def wake(self) -> None:
        if self.task is not None:
            self.task.wake()

    def interrupt(self, interrupt: Interrupt) -> None:
        if self.task is not None:
            self.task.interrupt(interrupt)


@dataclass(eq=False)
class Queue:
    sid: str
    name: str
    max_size: int
    created_at: datetime
    updated_at: datetime
    members: list[Member] = field(default_factory=list)
    waiting_agents: list[Line] = field(default_factory=list)
    former_members: set[str] = field(default_factory=set)

    def average_wait(self, now: datetime) -> int:
        if not self.members:
            return 0
        total = sum((now - member.enqueued_at for member in self.members), timedelta())
        return whole_seconds(total / len(self.members))


@dataclass(eq=False)
class Member:
    line: Line
    queue: Queue
    verb: twiml.Enqueue
    document: Document
    limit: int
    enqueued_at: datetime
    left_at: datetime | None = None
    bridge: Bridge | None = None

    def queue_time(self, now: datetime) -> int:
        return whole_seconds((self.left_at or now) - self.enqueued_at)

    def wait_params(self, now: datetime) -> dict[str, str]:
        """The waitUrl parameters (twilio-semantics §2); QueuePosition counts from 1."""
        queue = self.queue
        return {
            "QueueSid": queue.sid,
            "QueueTime": str(self.queue_time(now)),
            "QueuePosition": str(queue.members.index(self) + 1),
            "CurrentQueueSize": str(len(queue.members)),
            "AvgQueueTime": str(queue.average_wait(now)),
            "MaxQueueSize": str(self.limit),
        }

    @property
    def was_bridged(self) -> bool:
        return self.bridge is not None and self.bridge.connected_at is not None


@dataclass(eq=False)
class Bridge:
    """A caller taken from a queue by an agent: first announced (``<Queue url>``), then connected."""

    caller: Line
    agent: Line
    member: Member
    url: str | None
    method: Method
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    failed: bool = False  # the <Queue url> document could not be run

    def has_ended(self) -> bool:
        return self.ended_at is not None


@dataclass(eq=False)
class Leg:
    """A number dialled by a ``<Dial>``: the called party's line, watched by the dialling call.

    The leg runs as a process of its own (:mod:`simulator.legs`); the dialling call's process
    waits for it to end. ``screened_out``: its ``<Number url>`` document ended it (a ``<Hangup/>``
    or a document Twilio could not run) before the two were connected.
    """

    caller: Line
    line: Line
    target: twiml.DialNumber
    behaviour: DestinationBehaviour
    document_url: str  # the dialling document: a relative <Number url> resolves against it
    timeout: int
    deadline: datetime  # when Twilio stops ringing: the timeout plus its buffer
    answered_at: datetime | None = None
    bridged_at: datetime | None = None
    ended_at: datetime | None = None
    status: str | None = None
    screened_out: bool = False

    @property
    def sid(self) -> str:
        return self.line.call.sid

    def has_ended(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True)
class Context:
    """Where a document runs: which verbs it may use, and the queue it waits in, if any.

    ``called_leg``: the document runs on the called party's end of a ``<Dial><Number url>``, where
    every verb run is recorded (``leg-verb`` events) for the trace of the leg.
    """

    where: str
    allowed: frozenset[str]
    member: Member | None = None
    called_leg: bool = False


@dataclass(eq=False)
class StarKey:
    """The ``*`` an agent's script presses during one ``<Dial hangupOnStar="true">``."""

    active: bool = True
    pressed: bool = False


MAIN = Context("the call", twiml.MAIN_VERBS)
ANNOUNCE = Context("a <Queue url> document", twiml.ANNOUNCE_VERBS)
CALLED = Context("a <Number url> document", twiml.CALLED_VERBS, called_leg=True)

# How a queue runs the documents of a waiting caller: with the interpreter that runs the call
# (:meth:`simulator.verbs.Verbs.run_document`), handed in so that the two modules stay acyclic.
RunDocument: TypeAlias = Callable[[Line, Document, Context], Flow[None]]


def dial_result_detail(params: Mapping[str, str]) -> str:
    detail = params["DialCallStatus"]
    if "DialCallDuration" in params:
        if params.get("DialBridged") == "false":  # answered, then hung up before the bridge
            detail += f", answered for {params['DialCallDuration']} s, never connected"
        else:
            detail += f", talked {params['DialCallDuration']} s"
    return detail
