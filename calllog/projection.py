"""Deriving a call's one record from its events: pure, no database (PRODUCT.md "Metrics").

``calllog.events`` recomputes a call's record from the whole set of its events every time one is
added, and the record depends on that set only, so Twilio's habits — a callback retried, late, or
out of order by ``SequenceNumber`` — cannot change the result: the same events give the same
record whatever order they came in.

Outcome precedence, highest first: overflowed > answered > abandoned > busy_message >
closing_message > in_progress. A call forwarded to the central back-up stays ``overflowed`` even
when central does not answer and the caller then hears the closing message (playbook 1.2.3).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

OUTCOMES: Final = ("answered", "abandoned", "overflowed", "closing_message", "busy_message", "in_progress")
# Twilio's CallStatus values after which nothing more happens on the call (twilio-semantics §1):
# the one list for the call log, the webhooks and the REST client.
FINAL_STATUSES: Final = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# The QueueResults after which the caller had been talking to an agent.
_TALKED: Final = frozenset({"bridged", "redirected-from-bridged"})

JsonValue = str | int | bool | None


@dataclass(frozen=True)
class Event:
    """One stored event of a call, as the projection reads it."""

    at: dt.datetime
    kind: str
    dedupe: str
    helpdesk_id: str
    data: Mapping[str, JsonValue]


@dataclass(frozen=True)
class Projection:
    """The fields of ``call_records`` that follow from a call's events."""

    helpdesk_id: str
    arrived_at: dt.datetime
    arrival_date: dt.date | None
    arrival_minute: int | None
    open_on_arrival: bool
    outcome: str
    overflow_reason: str | None
    entered_queue: bool
    wait_s: int | None
    answered_by: str | None
    talk_s: int | None
    central_status: str | None
    call_status: str | None
    call_duration_s: int | None
    ended_at: dt.datetime | None
    last_sequence: int
    # The outbound attempt the caller returned (``returning_outbound``); None for other calls.
    returning_attempt_id: int | None


def project(events: Iterable[Event]) -> Projection:
    """What a call's events add up to; depends on the set of events only, not on their order.

    Where two events of one kind exist (only possible with explicit ``dedupe`` keys), the earlier
    one by time counts. Status callbacks count by ``SequenceNumber``: a lower one never overrides
    what a higher one says. A status without one (a number's plain status callback, sent when the
    call has ended) ranks by what it says: a final status after any other, then by time.

    Talk time is Twilio's ``DialCallDuration`` when the agent's leg reported one (``talk_ended``),
    else the time from the ``<Queue url>`` request (``connected``) to the caller's bridged
    ``<Enqueue action>`` (``left_queue``), or to the call's end when that action never came.
    """
    ordered = sorted(events, key=lambda event: (event.at, event.kind, event.dedupe))
    if not ordered:
        raise ValueError("a call without events has no record")
    first: dict[str, Event] = {}
    for event in ordered:
        first.setdefault(event.kind, event)
    statuses = sorted((event for event in ordered if event.kind == "status"), key=_status_rank)
    sequences = [seq for event in statuses for seq in [_int(event.data, "sequence")] if seq is not None]

    offered, connected, left = first.get("offered"), first.get("connected"), first.get("left_queue")
    result = _text(left.data, "result") if left else None
    waits = [
        wait
        for event in ordered
        if event.kind in ("connected", "abandoned", "left_queue")
        for wait in [_int(event.data, "wait_s")]
        if wait is not None
    ]
    ended = [event for event in statuses if _text(event.data, "status") in FINAL_STATUSES]
    entered = any(kind in first for kind in ("entered_queue", "connected", "abandoned", "left_queue"))
    answered = connected is not None or result == "bridged"
    # A call that ended while still in the queue was abandoned; one taken out of the queue (to
    # central, or to the closing message when central had just closed) was not.
    still_queued = left is None or result == "hangup"
    abandoned = "abandoned" in first or result == "hangup" or (bool(ended) and entered and still_queued)

    outcome = _outcome(set(first), answered=answered, abandoned=abandoned)
    wait_s = max(waits) if waits else None
    if outcome == "answered" and connected is not None and _int(connected.data, "wait_s") is not None:
        wait_s = _int(connected.data, "wait_s")
    elif outcome == "abandoned" and wait_s is None:
        # Twilio reports QueueTime whenever a caller leaves the queue; a call that ended without
        # one hung up before reaching it (during the welcome), so it waited nothing.
        wait_s = 0
    if not entered:
        wait_s = None

    talk = first.get("talk_ended")
    talk_s = _int(talk.data, "talk_s") if talk else None
    if talk_s is None and connected is not None:
        talk_s = _talk_seconds(connected, left, result, ended[-1] if ended else None)
    with_duration = [event for event in statuses if _int(event.data, "duration_s") is not None]
    return Projection(
        helpdesk_id=(offered or ordered[0]).helpdesk_id,
        arrived_at=(offered or ordered[0]).at,
        arrival_date=_date(offered.data, "arrival_date") if offered else None,
        arrival_minute=_int(offered.data, "arrival_minute") if offered else None,
        open_on_arrival=bool(offered.data.get("open_on_arrival")) if offered else False,
        outcome=outcome,
        overflow_reason=_text(first["overflow"].data, "reason") if outcome == "overflowed" else None,
        entered_queue=entered,
        wait_s=wait_s,
        answered_by=_clip(
            (_text(connected.data, "agent") if connected else None)
            or (_text(talk.data, "agent") if talk else None),
            100,
        ),
        talk_s=talk_s,
        central_status=_clip(_text(first["central_result"].data, "status"), 32)
        if "central_result" in first
        else None,
        call_status=_clip(_text(statuses[-1].data, "status"), 32) if statuses else None,
        call_duration_s=_int(with_duration[-1].data, "duration_s") if with_duration else None,
        ended_at=_ended_at(ended[-1]) if ended else None,
        last_sequence=max(sequences, default=-1),
        returning_attempt_id=_int(first["returning_outbound"].data, "attempt_id")
        if "returning_outbound" in first
        else None,
    )


def _status_rank(event: Event) -> tuple[bool, int, dt.datetime, str]:
    sequence = _int(event.data, "sequence")
    final = _text(event.data, "status") in FINAL_STATUSES
    # A sequenced status orders by its number; one without counts as the latest of its rank.
    return (final, -1 if sequence is None else sequence, event.at, event.dedupe)


def _talk_seconds(
    connected: Event, left: Event | None, result: str | None, ended: Event | None
) -> int | None:
    """Seconds from the ``<Queue url>`` request to the end of the conversation, as far as known.

    Twilio requests the caller's ``<Enqueue action>`` with ``QueueResult=bridged`` when the
    bridged call ends (twilio-semantics §2, §13); without it the call's final status ends it.
    """
    if left is not None:
        if result not in _TALKED:
            return None
        end = left.at
    elif ended is not None:
        end = _ended_at(ended)
    else:
        return None
    # Whole seconds, cut like Twilio's durations; a millisecond of slack for clock rounding.
    return max(0, int((end - connected.at).total_seconds() + 0.001))


def _outcome(kinds: set[str], *, answered: bool, abandoned: bool) -> str:
    if "overflow" in kinds:
        return "overflowed"
    if answered:
        return "answered"
    if abandoned:
        return "abandoned"
    if "busy_message" in kinds:
        return "busy_message"
    if "closing_message" in kinds:
        return "closing_message"
    return "in_progress"


def _ended_at(event: Event) -> dt.datetime:
    # Twilio's own Timestamp (RFC 2822) says when the call ended; our clock only when we heard.
    stamp = _text(event.data, "timestamp")
    if stamp:
        try:
            parsed = email.utils.parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            return event.at
        if parsed.tzinfo is not None:
            return parsed.astimezone(dt.UTC)
    return event.at


def _clip(text: str | None, length: int) -> str | None:
    # Twilio's values are short; a surprise must not make the record unwritable.
    return text[:length] if text is not None else None


def _int(data: Mapping[str, JsonValue], name: str) -> int | None:
    value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(data: Mapping[str, JsonValue], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _date(data: Mapping[str, JsonValue], name: str) -> dt.date | None:
    value = _text(data, name)
    return dt.date.fromisoformat(value) if value else None
