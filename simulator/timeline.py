"""A simulation as operators read it: one line per thing the caller hears or per routing step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from simulator.records import SimEvent

# Event kind → the verb printed in the timeline's third column.
_LABELS = {
    "call-start": "call",
    "say": "hears",
    "play": "hears",
    "pause": "hears",
    "download": "waits",
    "cut": "cut",
    "gather": "gather",
    "digits": "presses",
    "says": "says",
    "record": "record",
    "beep": "hears",
    "record-end": "record",
    "star": "presses",
    "enqueue": "queue",
    "queue-full": "queue",
    "leave": "queue",
    "queue-result": "queue",
    "dequeue": "queue",
    "bridged": "talks",
    "bridge-end": "talks",
    "dial": "dials",
    "dial-answer": "dials",
    "dial-result": "dials",
    "amd": "amd",
    "redirect": "routed",
    "hangup": "hangup",
    "application-error": "ERROR",
    "wait-url-error": "ERROR",
    "queue-url-error": "ERROR",
    "dial-error": "ERROR",
    "callback-error": "ERROR",
    "call-end": "ends",
}
# The HTTP traffic behind it, shown on request.
_VERBOSE_LABELS = {
    "webhook": "webhook",
    "wait-url": "waiturl",
    "wait-redirect": "waiturl",
    "status-callback": "status",
    "recording-status": "status",
    "rest": "rest",
    "ring": "rings",
}


def format_timeline(
    events: Sequence[SimEvent],
    *,
    zone: ZoneInfo,
    start: datetime | None = None,
    verbose: bool = False,
    max_text: int | None = None,
) -> str:
    """Render events as lines like ``10:00:00  +0s    hears   «Welkom bij …»``.

    Columns: local time in ``zone``, whole seconds since ``start`` (default: the first event) and,
    when several calls appear, which one (``#1`` is the first to appear); then what happened.
    Webhooks, waitUrl requests, status callbacks, REST requests and a dialled leg's rings appear
    only when ``verbose``.
    ``max_text`` shortens what ``<Say>`` speaks to that many characters (``…`` marks the cut).
    """
    labels = (_LABELS | _VERBOSE_LABELS) if verbose else _LABELS
    shown = [event for event in events if event.kind in labels]
    if not shown:
        return ""
    origin = events[0].at if start is None else start
    numbers: dict[str, int] = {}
    for event in shown:
        if event.call_sid and event.call_sid not in numbers:
            numbers[event.call_sid] = len(numbers) + 1
    several = len(numbers) > 1
    lines = []
    for event in shown:
        clock = event.at.astimezone(zone).strftime("%H:%M:%S")
        offset = f"+{int((event.at - origin).total_seconds())}s"
        call = f"#{numbers[event.call_sid]}" if event.call_sid else ""
        columns = f"{clock}  {offset:<6} " + (f"{call:<4}" if several else "")
        lines.append(f"{columns}{labels[event.kind]:<7} {_shortened(event, max_text)}")
    return "\n".join(lines)


def _shortened(event: SimEvent, max_text: int | None) -> str:
    text = event.data.get("text", "") if event.kind == "say" else ""
    if max_text is None or len(text) <= max_text:
        return event.detail
    return event.detail.replace(text, text[:max_text].rstrip() + "…", 1)
