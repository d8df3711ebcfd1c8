"""What the simulator is told (destinations) and what it records (calls, events, requests)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
KEYS = frozenset("0123456789*#")

# Who picks up a number that answers, as answering-machine detection hears it.
Answerer: TypeAlias = Literal["person", "machine", "fax", "undetectable"]
# How long the answerer's first sound lasts when DestinationBehaviour does not say (seconds): a
# person's "Hallo?", a voicemail greeting, a fax's tone until it is recognised.
DEFAULT_GREETING_SECONDS: Mapping[str, float] = {
    "person": 1.0,
    "machine": 8.0,
    "fax": 3.0,
    "undetectable": 0.0,
}


@dataclass(frozen=True)
class Said:
    """Words the caller says at a ``<Gather>`` with speech input (an entry of ``digits``).

    Recognition is simulated as exact: Twilio posts ``text`` as ``SpeechResult`` with this
    ``confidence``. At a ``<Gather>`` without speech input nothing is recognised (no input).
    """

    text: str
    confidence: float = 0.9


@dataclass(frozen=True)
class Speech(Said):
    """Words a caller leaves at a ``<Record>`` (an entry of ``digits``), then the keys pressed.

    The words start at the entry's offset and last ``len(text) / chars_per_second`` seconds;
    ``keys`` are pressed ``pause`` seconds after the last word (the first ``finishOnKey`` key
    among them ends the recording). At a ``<Record>`` a plain :class:`Said` is words without
    keys, and a string entry keys pressed at its offset without a word. At a ``<Gather>`` a
    Speech is its words, like a :class:`Said`.
    """

    keys: str = ""
    pause: float = 0.0


Script: TypeAlias = Sequence[tuple[float, str | Said]]


def script_problem(digits: Script) -> str | None:
    """Why a ``digits`` script is not one, or ``None``: (seconds ≥ 0, keys or Said(words)) entries."""
    for offset, keys in digits:
        if offset < 0:
            break
        if isinstance(keys, Said):
            if not (keys.text.strip() and 0 <= keys.confidence <= 1):
                break
            if isinstance(keys, Speech) and not (set(keys.keys) <= KEYS and keys.pause >= 0):
                break
        elif not set(keys) <= KEYS:
            break
    else:
        return None
    return (
        "digits entries are (seconds ≥ 0 after the Gather or Record starts, keys from 0-9 * #,"
        " Said(words) or Speech(words, keys from 0-9 * #, pause ≥ 0))"
    )


@dataclass(frozen=True)
class CallBack:
    """The owner of a dialled number calls back, ``after`` seconds after a call they missed.

    A call is missed when it reached the phone (it rang, was busy, or was answered: by their
    voicemail, or screened out by the ``<Number url>``) but never connected them to the caller.
    They dial ``to`` (default: the caller ID their phone showed); the rest is their script, as
    for :meth:`simulator.TwilioSimulator.place_call`. Only the first missed call is returned.
    """

    after: float
    to: str | None = None
    hang_up_after: float | None = None
    talk_seconds: float = 120
    digits: tuple[tuple[float, str | Said], ...] = ()

    def __post_init__(self) -> None:
        if (
            self.after < 0
            or self.talk_seconds < 0
            or (self.hang_up_after is not None and self.hang_up_after < 0)
        ):
            raise ValueError("CallBack: after, talk_seconds and hang_up_after are seconds ≥ 0")
        if self.to is not None and not E164.match(self.to):
            raise ValueError(f"CallBack: to {self.to!r} is not an E.164 number")
        problem = script_problem(self.digits)
        if problem is not None:
            raise ValueError(f"CallBack: {problem}")


@dataclass(frozen=True)
class DestinationBehaviour:
    """How a number reached with ``<Dial>`` behaves.

    ``ring_seconds`` is how long it rings before answering, or before the busy tone / failure is
    known; ``no-answer`` rings until the ``<Dial>`` timeout (plus Twilio's 5 s buffer). While it
    rings, a ``ring`` event marks the start of each ring of ``ring_length`` seconds (tone and pause).
    An answered call is picked up by ``answerer``: a person, a machine (voicemail), a fax, or
    something answering-machine detection cannot place (silence on the line). What it sounds like
    first lasts ``greeting_seconds`` (default: :data:`DEFAULT_GREETING_SECONDS`); a machine's
    greeting ends with ``greeting_end``. ``digits`` are the called party's keys (or words) at each
    ``<Gather>`` of the ``<Number url>`` document, as ``place_call``'s ``digits``. Once connected to
    the caller it talks ``talk_seconds`` and hangs up. ``call_back``: the owner calls back later.
    """

    outcome: Literal["answer", "busy", "no-answer", "failed"] = "answer"
    ring_seconds: int = 5
    talk_seconds: int = 60
    answerer: Answerer = "person"
    greeting_seconds: float | None = None
    greeting_end: Literal["beep", "silence", "other"] = "beep"
    ring_length: int = 5
    digits: tuple[tuple[float, str | Said], ...] = ()
    call_back: CallBack | None = None

    def __post_init__(self) -> None:
        if self.outcome not in ("answer", "busy", "no-answer", "failed"):
            raise ValueError(
                f"DestinationBehaviour: outcome {self.outcome!r} is not answer, busy, no-answer or failed"
            )
        if self.answerer not in DEFAULT_GREETING_SECONDS:
            raise ValueError(
                f"DestinationBehaviour: answerer {self.answerer!r} is not person, machine, fax"
                " or undetectable"
            )
        if self.greeting_end not in ("beep", "silence", "other"):
            raise ValueError(
                f"DestinationBehaviour: greeting_end {self.greeting_end!r} is not beep, silence or other"
            )
        if self.ring_seconds < 0 or self.talk_seconds < 0 or self.ring_length < 1:
            raise ValueError(
                "DestinationBehaviour: ring_seconds and talk_seconds are ≥ 0, ring_length ≥ 1 second"
            )
        if self.greeting_seconds is not None and self.greeting_seconds < 0:
            raise ValueError("DestinationBehaviour: greeting_seconds is ≥ 0")
        problem = script_problem(self.digits)
        if problem is not None:
            raise ValueError(f"DestinationBehaviour: {problem}")

    @property
    def greeting(self) -> float:
        """Seconds of the answerer's first sound."""
        return (
            DEFAULT_GREETING_SECONDS[self.answerer]
            if self.greeting_seconds is None
            else self.greeting_seconds
        )


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
class RecordingView:
    """A recording a ``<Record>`` made, as the simulator keeps it (``TwilioSimulator.recordings``).

    ``status`` is Twilio's: ``in-progress`` while it records, ``processing`` once it ended and
    until it is available, then ``completed``, or ``absent`` when nothing was recorded
    (``error_code`` says why), and ``deleted`` after a REST DELETE. ``duration`` is the whole
    seconds of the final file, once available; ``words`` what the caller said while it recorded.
    """

    sid: str
    call_sid: str
    status: str
    started_at: datetime
    updated_at: datetime
    duration: int | None
    words: str
    error_code: int | None = None

    @property
    def deleted(self) -> bool:
        return self.status == "deleted"


@dataclass(eq=False)
class SimCall:
    """One call and what became of it: an inbound call, or a leg dialled by a ``<Dial>``.

    A dialled leg has ``direction`` ``outbound-dial`` and the dialling call as ``parent_sid``;
    ``answered_by`` is what answering-machine detection decided on it, if it ran.
    """

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
    direction: Literal["inbound", "outbound-dial"] = "inbound"
    parent_sid: str | None = None
    answered_by: str | None = None

    @property
    def duration(self) -> int | None:
        """Whole seconds from start to end, once the call has ended."""
        return None if self.ended_at is None else whole_seconds(self.ended_at - self.started_at)


@dataclass(frozen=True)
class DialledLeg:
    """One number a ``<Dial>`` called, summed up from the simulator's trace (see ``dialled_legs``).

    ``rings`` counts the rings the phone started, ``rings_within_timeout`` those that started
    within the ``<Dial timeout>`` (the others fall in Twilio's 5 s buffer). ``served`` names every
    verb and noun of the documents the application returned for the called leg (its
    ``<Number url>`` and what followed), ``ran`` the verbs that ran there, nested prompts included.
    ``status`` is the leg's own final CallStatus, ``dial_call_status`` what the dialling call's
    ``<Dial action>`` got (or would have got, without an action).
    """

    sid: str
    parent_sid: str
    number: str
    caller_id: str
    timeout: int
    machine_detection: str | None
    rings: int
    rings_within_timeout: int
    answered_by: str | None
    served: tuple[str, ...]
    ran: tuple[str, ...]
    bridged: bool
    talk_seconds: int
    status: str
    dial_call_status: str


def whole_seconds(delta: timedelta) -> int:
    # Fractional audio lengths put microsecond rounding on the clock; a millisecond of slack keeps
    # "exactly 60 s later" from reading as 59 s.
    return max(0, math.floor(delta.total_seconds() + 0.001))
