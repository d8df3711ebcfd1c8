"""What the simulator is told (destinations) and what it records (events, requests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
