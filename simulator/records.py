"""What the simulator is told (destinations) and what it records (calls, events, requests)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class DestinationBehaviour:
    """How a number reached with ``<Dial>`` behaves.

    ``ring_seconds`` is how long it rings before answering, or before the busy tone / failure is
    known; ``no-answer`` rings until the ``<Dial>`` timeout (plus Twilio's 5 s buffer).
    """

    outcome: Literal["answer", "busy", "no-answer", "failed"] = "answer"
    ring_seconds: int = 5
    talk_seconds: int = 60


@dataclass(frozen=True)
class SimEvent:
    """Something that happened on a call, at a simulated instant.

    ``detail`` is the human-readable text the timeline prints; ``data`` holds the same facts as
    machine-readable strings (Say language and voice, QueueTime, DialCallStatus, …) for tests.
    """

    at: datetime
    call_sid: str
    kind: str
    detail: str
    data: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class WebhookRequest:
    """One signed request the simulator sent to the application (TwiML or status callback)."""

    at: datetime
    call_sid: str
    url: str
    params: Mapping[str, str]
    status_code: int
    body: str
    method: str = "POST"
    signature: str = ""


@dataclass(frozen=True)
class RestRequest:
    """One request the application made to the simulated Twilio REST API."""

    at: datetime
    method: str
    path: str
    data: Mapping[str, str]
    status_code: int


@dataclass(frozen=True)
class Said:
    """Words the caller says at a ``<Gather>`` with speech input (an entry of ``digits``).

    Recognition is simulated as exact: Twilio posts ``text`` as ``SpeechResult`` with this
    ``confidence``. At a ``<Gather>`` without speech input nothing is recognised (no input).
    """

    text: str
    confidence: float = 0.9


@dataclass(eq=False)
class SimCall:
    """One inbound call and what became of it."""

    sid: str
    from_: str
    to: str
    path: str
    started_at: datetime
    hang_up_after: float | None
    talk_seconds: float
    digits: tuple[tuple[float, str | Said], ...]
    dial_keys: tuple[tuple[float, str], ...] = ()
    status: str = "queued"
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    queue: str | None = None
    events: list[SimEvent] = field(default_factory=list)

    @property
    def duration(self) -> int | None:
        """Whole seconds from start to end, once the call has ended."""
        return None if self.ended_at is None else whole_seconds(self.ended_at - self.started_at)


def whole_seconds(delta: timedelta) -> int:
    # Fractional audio lengths put microsecond rounding on the clock; a millisecond of slack keeps
    # "exactly 60 s later" from reading as 59 s.
    return max(0, math.floor(delta.total_seconds() + 0.001))
