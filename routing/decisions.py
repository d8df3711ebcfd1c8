"""The call-flow decisions: pure functions of the config, the local time and the line's state.

Each function answers one Twilio request with one of a closed set of frozen outcomes; the web layer
reads the clock and the line state once and renders the outcome as TwiML. The rules implement the
playbook, section 1.2.1 (lines per agent), 1.2.2 (wait message every 60 s, routing after 180 s,
closing message) and 1.2.3 (central back-up helpdesk and its hours), as laid down in PRODUCT.md's
decision table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from config.models import Helpdesk, HelpdeskConfig
from routing.closures import Closure, applying
from routing.standing import Standing, WaitHistory, decide_standing

ANNOUNCE_GRACE = 5
"""Seconds: a wait message never starts later than this after its boundary (PRODUCT.md)."""

LATE_ANNOUNCE_LIMIT = 30
"""Seconds: a message not yet played is still played at once when its document comes this late."""

LEAD = 2
"""Seconds before a boundary at which a document ends when the next one opens with a message.

Twilio downloads an audio URL before its first play (its ``<Play>`` page: the first play "may be
slow"), which delays the end of a document by the download. Ending a little early and opening the
next document with a short pause up to the boundary keeps the message on time when nothing is
downloaded, and lets a download of up to ``LEAD + 8`` seconds delay it by 8 seconds at most.
"""

EARLY_WINDOW = 10
"""Seconds: a request this close before a boundary pauses up to it, then plays the message.

Silence, not a short slice of hold music: a new music URL could be downloaded first and make the
message late. A document comes back early when its speech ran shorter than estimated.
"""

OverflowReason = Literal["closed", "no_agents", "queue_full", "wait_timeout", "error"]
QueueResult = Literal[
    "bridged",
    "bridging-in-process",
    "error",
    "hangup",
    "leave",
    "redirected",
    "redirected-from-bridged",
    "queue-full",
    "system-error",
]

_ANSWERED_ELSEWHERE = frozenset({"bridged", "bridging-in-process", "redirected-from-bridged", "hangup"})
_CENTRAL_ANSWERED = frozenset({"completed", "answered"})


@dataclass(frozen=True)
class LineState:
    """What the line looks like at the moment of the request."""

    agents_logged_in: int
    callers_waiting: int


@dataclass(frozen=True)
class ForwardToCentral:
    """Dial the central back-up helpdesk (playbook 1.2.3), keeping the citizen's caller ID."""

    reason: OverflowReason
    number: str


@dataclass(frozen=True)
class PlayClosing:
    """The closing message (opening hours and website, playbook 1.2.2), then hang up.

    ``message``: the text of an ops closure that replaces the closing message while it applies.
    """

    message: str | None = None


@dataclass(frozen=True)
class PlayBusy:
    """The busy message (try later, or the website), then hang up."""


@dataclass(frozen=True)
class EnqueueCaller:
    """The welcome message, then wait in the helpdesk's queue (``queue_name`` is the helpdesk id).

    ``returning``: a citizen ringing back after a call of ours they missed (playbook 1.5.2) hears
    the ``returning_call`` message instead of the welcome; behind other waiting callers, in the
    helpdesk's returning queue (``queue_name`` from :func:`returning_queue_name`), which agents
    take first.
    """

    queue_name: str
    returning: bool = False


@dataclass(frozen=True)
class HoldInQueue:
    """One waitUrl document: an optional message, then hold music or silence up to ``until``.

    ``until`` is the ``QueueTime`` at which the document must end: ``LEAD`` seconds before the next
    boundary (the next document opens with the message), or ``overflow_after`` when the caller is
    routed then, so that the announcements never drift. ``pause`` seconds of silence come before a
    message that is due at a boundary just ahead. ``announced`` is the last boundary whose message
    has been played once this document has run; the document ends with a ``<Redirect>`` to the
    waitUrl carrying it, so that the next request knows (Twilio's own re-request carries nothing).
    ``standing`` is said before the message: the caller's place and the estimated wait.
    """

    announce: Literal["wait", "overflow_wait"] | None
    queue_time: int
    until: int
    announced: int | None
    pause: int = 0
    standing: Standing | None = None


@dataclass(frozen=True)
class AskQueueTime:
    """A second of silence and no ``<Redirect>``: Twilio's own waitUrl request that follows carries
    ``QueueTime``, which our redirected request came without (Twilio's pages do not say it is sent)."""


@dataclass(frozen=True)
class LeaveQueue:
    """``<Leave/>``: the caller continues with the ``<Enqueue action>`` and goes to central."""

    reason: OverflowReason


@dataclass(frozen=True)
class EndCall:
    """Nothing more to do: the caller was answered or has hung up."""


ArrivalDecision = ForwardToCentral | PlayClosing | PlayBusy | EnqueueCaller
WaitDecision = HoldInQueue | LeaveQueue | AskQueueTime
AfterQueueDecision = ForwardToCentral | PlayClosing | EndCall
AfterCentralDecision = PlayClosing | EndCall


RETURNING_QUEUE_SUFFIX = "_returning"
"""Ends the name of a helpdesk's returning queue. ``_`` cannot occur in a helpdesk id, so no
helpdesk's own queue has such a name; with an id of at most 40 characters the name stays under
Twilio's limit of 64 (errors 14205 and 14213)."""


def returning_queue_name(helpdesk_id: str) -> str:
    """The Twilio queue of ``helpdesk_id``'s returning callers (see :class:`EnqueueCaller`)."""
    return f"{helpdesk_id}{RETURNING_QUEUE_SUFFIX}"


def decide_arrival(
    config: HelpdeskConfig,
    desk: Helpdesk,
    now: datetime,
    line: LineState,
    closure: Closure | None = None,
    *,
    returning: bool = False,
) -> ArrivalDecision:
    """What a citizen gets when the call comes in.

    A closure set by ops (``closure``, while it applies) comes before every other rule: the
    helpdesk is closed whatever its hours, exceptions and agents say (see :func:`_closed_now`).

    Closed: forward to central when the helpdesk routes there and central is open, else the closing
    message (playbook 1.2.2, "Sluitingsboodschap": either routing or a closing message). Open without
    any agent logged in: central if open, else closing (1.2.2: route "ook wanneer geen enkele
    telefoonagent is aangemeld"). Open with ``lines_per_agent`` callers per agent already waiting
    (1.2.1: 3 to 5 lines per agent): central if open, else the busy message. Otherwise the caller
    is welcomed and queued.

    ``returning``: the caller rings back after an unanswered call of ours (playbook 1.5.2: people
    who see a missed call from us will call). Only where a caller would be queued does it change
    anything: the caller hears why they are put first and, when others wait, is queued in the
    helpdesk's returning queue, which agents take first (counted with the other waiting callers).
    When nobody waits the helpdesk's own queue puts them first as well, and an agent waiting on
    it takes them at once. Closed, no agents or a full queue: the usual rules.
    """
    _require_aware(now)
    closed = applying(closure, now)
    if closed is not None:
        return _closed_now(config, desk, now, closed)
    if not config.schedule(desk).is_open(now):
        if desk.when_closed == "route_to_central" and _central_open(config, now):
            return _forward(config, "closed")
        return PlayClosing()
    if line.agents_logged_in <= 0:
        return _forward(config, "no_agents") if _central_open(config, now) else PlayClosing()
    if line.callers_waiting >= desk.queue.lines_per_agent * line.agents_logged_in:
        return _forward(config, "queue_full") if _central_open(config, now) else PlayBusy()
    if returning and line.callers_waiting > 0:
        return EnqueueCaller(queue_name=returning_queue_name(desk.id), returning=True)
    return EnqueueCaller(queue_name=desk.id, returning=returning)


def decide_wait(
    config: HelpdeskConfig,
    desk: Helpdesk,
    now: datetime,
    queue_time: int | None,
    line: LineState,
    announced: int | None = None,
    closure: Closure | None = None,
    *,
    position: int | None = None,
    history: WaitHistory | None = None,
) -> WaitDecision:
    """The next waitUrl document for a caller who has waited ``queue_time`` seconds.

    Playbook 1.2.2: the wait message repeats every ``announce_every`` seconds over hold music, and
    after ``overflow_after`` seconds the caller is routed to central (``overflow: route``) or, where
    that is not possible, hears a wait message naming the central number (``overflow: announce``).
    Both need central to be open (1.2.3.1); while it is closed the caller keeps waiting with the
    ordinary message. The helpdesk's own hours are not looked at: callers queued before closing
    time are still served while agents are logged in.

    ``announced`` is the last boundary whose message was played (``None``: none yet, Twilio's own
    first request). A boundary's message not played yet plays at once when the request comes up
    to ``LATE_ANNOUNCE_LIMIT`` seconds (at most half an interval) after it: a document ends late
    when Twilio downloads an audio file first, or speech runs longer than estimated. A request up
    to ``EARLY_WINDOW`` seconds (at most a quarter interval) before a boundary pauses until it and
    then plays its message.
    ``queue_time`` is ``None`` for a redirected request that came without ``QueueTime``.
    A message is preceded by the caller's standing (:func:`routing.standing.decide_standing`,
    from ``position``, Twilio's ``QueuePosition``, and ``history``) when the helpdesk says it.

    A closure set by ops while the caller waits (``closure``) takes the caller out of the queue at
    once: unlike the end of the day's hours, an incident closure means nobody is served any more.
    """
    if queue_time is not None and queue_time < 0:
        raise ValueError(f"queue_time must not be negative, got {queue_time}")
    if applying(closure, now) is not None:
        return LeaveQueue(reason="closed")
    queue = desk.queue
    central_open = _central_open(config, now)
    if line.agents_logged_in <= 0 and central_open:
        return LeaveQueue(reason="no_agents")
    if queue_time is None:
        return AskQueueTime()
    routes = desk.overflow == "route" and central_open
    if routes and queue_time >= queue.overflow_after:
        return LeaveQueue(reason="wait_timeout")
    every = queue.announce_every
    boundary = queue_time // every * every
    upcoming = boundary + every
    played = announced if announced is not None else -1
    message: int | None = None  # the boundary whose message this document plays
    if played < boundary and queue_time - boundary <= min(LATE_ANNOUNCE_LIMIT, every // 2):
        message = boundary
    elif (
        played < upcoming
        and upcoming - queue_time <= min(EARLY_WINDOW, every // 4)
        and not (routes and upcoming >= queue.overflow_after)
    ):
        message = upcoming
    start = boundary if message is None else message
    following = start + every
    until = following - LEAD
    if routes and following >= queue.overflow_after:
        until = queue.overflow_after
    elif until <= queue_time:  # within the lead of a boundary whose message was played already
        until = following
    if message is None:
        return HoldInQueue(announce=None, queue_time=queue_time, until=until, announced=announced)
    overflowed = desk.overflow == "announce" and central_open and message >= queue.overflow_after
    return HoldInQueue(
        announce="overflow_wait" if overflowed else "wait",
        queue_time=queue_time,
        until=until,
        announced=message,
        pause=max(0, message - queue_time),
        # The estimate as of when it is said: after the pause, if any.
        standing=decide_standing(queue, position, max(queue_time, message), line.agents_logged_in, history),
    )


def decide_after_queue(
    config: HelpdeskConfig,
    desk: Helpdesk,
    now: datetime,
    result: QueueResult | str,
    queue_time: int | None,
    line: LineState,
    closure: Closure | None = None,
) -> AfterQueueDecision:
    """What happens when the caller leaves the queue (Twilio's ``<Enqueue action>``, ``QueueResult``).

    Answered or hung up: nothing more. When central has closed in the meantime, the closing
    message plays. Otherwise the caller goes to central, and the reason recorded is what happened
    (PRODUCT.md "Metrics"):

    - ``leave`` comes from :func:`decide_wait`, which leaves for an empty line before it looks at
      the wait. So with no agent logged in (``line``) the reason is ``no_agents`` whatever the
      ``QueueTime``; with agents still there it is the long wait of playbook 1.2.2 once
      ``QueueTime`` reached ``overflow_after`` (less the grace, as Twilio's clock and ours differ by
      a second or two), else ``no_agents`` (the last agent left and an agent came back since).
    - ``redirected``: the REST redirect when the last agent logs out, ``no_agents``.
    - ``queue-full``: Twilio refused the caller, its queue being full, ``queue_full``.
    - ``error``, ``system-error`` and anything unknown: ``error``.

    While a closure set by ops applies (``closure``), a caller not answered gets what a closed
    helpdesk gives (:func:`_closed_now`), with the reason ``closed``.
    """
    if result in _ANSWERED_ELSEWHERE:
        return EndCall()
    closed = applying(closure, now)
    if closed is not None:
        return _closed_now(config, desk, now, closed)
    if not _central_open(config, now):
        return PlayClosing()
    if result == "leave":
        timed_out = (
            line.agents_logged_in > 0
            and queue_time is not None
            and queue_time >= desk.queue.overflow_after - ANNOUNCE_GRACE
        )
        return _forward(config, "wait_timeout" if timed_out else "no_agents")
    if result == "redirected":
        return _forward(config, "no_agents")
    if result == "queue-full":
        return _forward(config, "queue_full")
    return _forward(config, "error")


def decide_after_central(
    config: HelpdeskConfig, desk: Helpdesk, now: datetime, dial_status: str, closure: Closure | None = None
) -> AfterCentralDecision:
    """After the forward to central (``<Dial action>``, ``DialCallStatus``).

    When the central back-up (playbook 1.2.3) answered, the call is done; when it was busy, did not
    answer or failed, the caller hears the closing message with the local opening hours (the
    message of a closure set by ops while it applies).
    """
    if dial_status in _CENTRAL_ANSWERED:
        return EndCall()
    closed = applying(closure, now)
    return PlayClosing(message=closed.message if closed is not None else None)


def fail_safe(config: HelpdeskConfig, desk: Helpdesk | None, now: datetime) -> ForwardToCentral | PlayClosing:
    """The answer when anything else breaks, so no citizen hears Twilio's application error.

    Forward to the central back-up if it is open (playbook 1.2.3), else the closing message. It
    holds for every helpdesk, and for a call whose helpdesk is unknown (``desk`` is ``None``).
    """
    return _forward(config, "error") if _central_open(config, now) else PlayClosing()


def _closed_now(
    config: HelpdeskConfig, desk: Helpdesk, now: datetime, closure: Closure
) -> ForwardToCentral | PlayClosing:
    """A helpdesk closed by ops: what ``when_closed`` says, as when it is closed by its hours.

    Closed means closed (playbook 1.2.2, "Sluitingsboodschap": routing or a closing message):
    forward to central when the helpdesk routes there while closed and central is open (reason
    ``closed``), else the closure's message, or the closing message when it has none.
    """
    if desk.when_closed == "route_to_central" and _central_open(config, now):
        return _forward(config, "closed")
    return PlayClosing(message=closure.message)


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")


def _central_open(config: HelpdeskConfig, now: datetime) -> bool:
    _require_aware(now)
    return config.central_schedule().is_open(now)


def _forward(config: HelpdeskConfig, reason: OverflowReason) -> ForwardToCentral:
    return ForwardToCentral(reason=reason, number=config.central.number)
