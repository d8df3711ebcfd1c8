"""Twilio's webhook parameters, parsed once from the verified form into typed models.

Twilio adds parameters without notice, so unknown ones are ignored; wrongly typed optional
values are dropped rather than failing the call (a citizen must never hear an error).

Numbers are whole numbers within what Twilio can send, so that none overflows a database
column (the call log's are 32-bit) or the arithmetic of a decision: durations up to a day,
counts up to a million. Anything else (negative, 10^40, "3.7", "nan", "inf", "12abc") is
treated as missing, like an absent parameter, and logged once per request.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Annotated, Final, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

log = logging.getLogger("ivr.params")

# Seconds (QueueTime, CallDuration, DialCallDuration): a day. Twilio ends calls at a time limit
# (a <Dial>'s timeLimit is 14,400 s by default), so no real call comes near.
MAX_SECONDS: Final = 86_400
# Counts (QueuePosition, CurrentQueueSize, SequenceNumber): a million. A Twilio queue holds at
# most 5,000 callers and a call has a handful of status callbacks; a million is far above both
# and far below a 32-bit column.
MAX_COUNT: Final = 1_000_000
# Keys of one <Gather> (Digits): far more than any gather of ours asks for (8 at most).
MAX_DIGITS: Final = 64
# Characters of a refused value that the log shows: enough to see what came, not a 64 KiB body.
SHOWN_CHARS: Final = 40

# Checked by pydantic itself (no Python per field): a value it refuses fails the validation,
# and parse_params validates again without it.
Seconds = Annotated[int | None, Field(ge=0, le=MAX_SECONDS)]
Count = Annotated[int | None, Field(ge=0, le=MAX_COUNT)]
# The keypad's keys, as <Gather> submits them (its finishOnKey not included).
Keys = Annotated[str, Field(max_length=MAX_DIGITS, pattern=r"^[0-9*#]*$")]


def _twilio_bool(value: object) -> object:
    """Twilio's ``true`` or ``false`` (in any case); anything else is refused (so: missing)."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("not true or false")


Flag = Annotated[bool | None, BeforeValidator(_twilio_bool)]


class TwilioParams(BaseModel):
    """The parameters Twilio sends with every voice request."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    call_sid: str = Field("", alias="CallSid", max_length=64)
    from_: str = Field("", alias="From", max_length=128)
    to: str = Field("", alias="To", max_length=128)
    call_status: str = Field("", alias="CallStatus", max_length=32)


class WaitParams(TwilioParams):
    """waitUrl request: how long this caller has waited (the source of truth for timing)."""

    queue_time: Seconds = Field(None, alias="QueueTime")
    queue_position: Count = Field(None, alias="QueuePosition")
    current_queue_size: Count = Field(None, alias="CurrentQueueSize")


class QueueExitParams(TwilioParams):
    """``<Enqueue action>`` request: why the caller left the queue."""

    queue_result: str = Field("", alias="QueueResult", max_length=64)
    queue_time: Seconds = Field(None, alias="QueueTime")


class DialResultParams(TwilioParams):
    """``<Dial action>`` request for the leg to the central back-up."""

    dial_call_status: str = Field("", alias="DialCallStatus", max_length=32)
    dial_call_duration: Seconds = Field(None, alias="DialCallDuration")


class GatherParams(TwilioParams):
    """``<Gather action>`` request: the keys pressed (the agent line's code, PIN and menu)."""

    digits: Keys = Field("", alias="Digits")


class MenuParams(GatherParams):
    """``<Gather input="dtmf speech">`` request of a shared number's menu: the key pressed, or
    what the caller said (``SpeechResult``, with Twilio's ``Confidence`` from 0 to 1)."""

    speech_result: str = Field("", alias="SpeechResult", max_length=1000)
    confidence: Annotated[float | None, Field(ge=0, le=1, allow_inf_nan=False)] = Field(
        None, alias="Confidence"
    )


class QueueDialParams(DialResultParams):
    """``<Dial action>`` request after an agent's ``<Dial><Queue>``: ``DialCallSid`` and
    ``DialCallDuration`` come only when a caller was taken, ``DialBridged`` not always."""

    dial_call_sid: str = Field("", alias="DialCallSid", max_length=64)
    dial_bridged: Flag = Field(None, alias="DialBridged")


class ScreenParams(TwilioParams):
    """``<Number url>`` request on the leg of a person an agent calls, once answered: Twilio's
    answering-machine detection (``AnsweredBy``: ``human``, ``machine_start``, ``fax``, ``unknown`` …;
    absent when detection did not run). ``CallSid`` is the person's leg."""

    answered_by: str = Field("", alias="AnsweredBy", max_length=32)


class PersonDialParams(DialResultParams):
    """``<Dial action>`` request after an agent's call to a person: ``DialCallSid`` is the person's
    leg, ``DialCallDuration`` the conversation when the person was put through."""

    dial_call_sid: str = Field("", alias="DialCallSid", max_length=64)


# A recording's SID (``RE`` and 32 hex digits); anything else counts as not sent.
RecordingSid = Annotated[str, Field(pattern=r"^(RE[0-9a-fA-F]{32})?$")]
_SID_IN_URL = re.compile(r"/Recordings/(RE[0-9a-fA-F]{32})(?:\.[a-z0-9]{1,4})?/?$")


class _RecordingParams(TwilioParams):
    """What both of a recording's requests may say about it."""

    recording_sid: RecordingSid = Field("", alias="RecordingSid")
    recording_url: str = Field("", alias="RecordingUrl", max_length=512)
    recording_duration: Seconds = Field(None, alias="RecordingDuration")

    @property
    def sid(self) -> str | None:
        """The recording: ``RecordingSid``, else the last segment of ``RecordingUrl`` (Twilio's
        page on ``<Record>`` names only the URL among the action's parameters); ``None`` when
        neither names one."""
        if self.recording_sid:
            return self.recording_sid
        found = _SID_IN_URL.search(self.recording_url)
        return found[1] if found else None


class RecordParams(_RecordingParams):
    """``<Record action>`` request: the recording's URL and length, and the key that ended it
    (``Digits``: ``hangup`` when the caller hung up, so not a keypad entry)."""

    digits: str = Field("", alias="Digits", max_length=MAX_DIGITS)


class RecordingStatusParams(_RecordingParams):
    """Recording status callback: ``RecordingStatus`` (``completed``, ``absent``, ``failed``;
    ``in-progress`` only when asked for), with Twilio's ``ErrorCode`` for an absent or failed one.
    ``CallSid`` is the call the recording was made on; ``From`` and ``To`` are not sent."""

    recording_status: str = Field("", alias="RecordingStatus", max_length=32, pattern=r"^[a-z-]*$")
    error_code: str = Field("", alias="ErrorCode", max_length=16)


class StatusParams(TwilioParams):
    """Status callback of a call (may arrive late, twice or out of order)."""

    sequence_number: Count = Field(None, alias="SequenceNumber")
    call_duration: Seconds = Field(None, alias="CallDuration")
    timestamp: str = Field("", alias="Timestamp", max_length=64)


P = TypeVar("P", bound=TwilioParams)


def parse_params(model: type[P], form: Mapping[str, str]) -> P:
    """Parse the form; a malformed value degrades to its field's default: a text to the empty
    text, a number to ``None`` (one warning names the numbers refused)."""
    try:
        return model.model_validate(form)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
    bad = {str(error["loc"][0]): error["input"] for error in errors if error["loc"]}
    numbers = _numbers(model)
    refused = {name: _shown(value) for name, value in bad.items() if name in numbers}
    if refused:
        log.warning(
            "Twilio parameters out of range or not whole numbers, treated as missing: %s",
            ", ".join(f"{name}={value}" for name, value in refused.items()),
            extra={"refused": refused, "call_sid": _shown(form.get("CallSid", ""))},
        )
    return model.model_validate({key: value for key, value in form.items() if key not in bad})


@functools.cache
def _numbers(model: type[TwilioParams]) -> frozenset[str]:
    """The Twilio names of the model's number fields."""
    return frozenset(
        field.alias or name for name, field in model.model_fields.items() if field.annotation == int | None
    )


def _shown(value: object) -> str:
    """``value`` as a quoted text of at most ``SHOWN_CHARS`` characters (control characters
    escaped, so that a value cannot forge log lines)."""
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError:  # an int too long to print
        text = f"<{type(value).__name__}>"
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    return f"{text[:SHOWN_CHARS]!r}… ({len(text):,} characters)"
