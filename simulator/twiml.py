"""The TwiML the simulator understands, parsed into frozen verb records.

Parsing is strict on purpose: whatever Twilio would refuse (not XML, a root other than
``<Response>``, a verb that is not allowed where it appears) raises :class:`TwimlError`, which the
simulator turns into an application error, or, for a waitUrl or ``<Queue url>`` document, into the
end of the caller's wait with ``QueueResult=error`` as Twilio does. Verbs, nouns and attributes
Twilio supports but the simulator does not model (speech input, ``<Client>``, ``<Conference>``,
TaskRouter) are refused too, so an unsupported feature never passes silently. ``<Gather>`` takes
speech input with the attributes Twilio documents for it (``input``, ``language``, ``hints``), and
``<Number>`` its ``url`` and answering-machine detection (Twilio's ``<Number>`` page),
``<Record>`` every attribute of Twilio's ``<Record>`` page but transcription; an attribute Twilio
does not document is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal, TypeAlias

from simulator.twiml_values import (
    Method,
    TwimlError,
    boolean,
    loop,
    method,
    no_content,
    positive_int,
    required_text,
)

MAIN_VERBS = frozenset(
    {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject", "Enqueue", "Dial"}
)
# Twilio's list for a waitUrl document (twilio-semantics §2).
WAIT_VERBS = frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Hangup", "Leave"})
# What a <Queue url> document may play to the dequeued caller (twilio-semantics §3).
ANNOUNCE_VERBS = frozenset({"Say", "Play", "Pause", "Redirect"})
PROMPT_VERBS = frozenset({"Say", "Play", "Pause"})
# What a <Number url> document may run on the called party's end before the bridge: no <Dial>
# (Twilio's error 13201); the verbs about queues or not answering have no meaning there.
CALLED_VERBS = frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Hangup"})


@dataclass(frozen=True)
class Say:
    text: str
    language: str
    voice: str
    loop: int


@dataclass(frozen=True)
class Play:
    url: str
    loop: int


@dataclass(frozen=True)
class Pause:
    length: int


Prompt: TypeAlias = Say | Play | Pause


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Reject:
    reason: Literal["rejected", "busy"]


@dataclass(frozen=True)
class Redirect:
    url: str
    method: Method


@dataclass(frozen=True)
class Gather:
    action: str | None
    method: Method
    timeout: int
    num_digits: int | None
    finish_on_key: str
    prompts: tuple[Prompt, ...]
    # input="dtmf speech" (or "speech"): the caller may answer in words, in ``language``.
    dtmf: bool = True
    speech: bool = False
    language: str = "en-US"
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """``<Record>`` (Twilio's ``<Record>`` page); ``timeout`` 0 turns the silence timeout off.

    ``finish_on_key`` holds every key that ends the recording; ``trim`` is ``trim-silence``;
    ``status_events`` are the ``recordingStatusCallbackEvent`` values.
    """

    action: str | None
    method: Method
    timeout: int
    finish_on_key: str
    max_length: int
    play_beep: bool
    trim: bool
    status_callback: str | None
    status_callback_method: Method
    status_events: frozenset[str]


@dataclass(frozen=True)
class Enqueue:
    name: str
    action: str | None
    method: Method
    wait_url: str | None
    wait_url_method: Method
    max_queue_size: int | None


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class MachineDetection:
    """``<Number machineDetection>`` and its tunings (seconds for the timeout, else milliseconds)."""

    mode: Literal["Enable", "DetectMessageEnd"]
    timeout: int = 30
    speech_threshold: int = 2400
    speech_end_threshold: int = 1200
    silence_timeout: int = 5000


@dataclass(frozen=True)
class DialNumber:
    number: str
    url: str | None = None
    method: Method = "POST"
    machine_detection: MachineDetection | None = None


@dataclass(frozen=True)
class DialQueue:
    name: str
    url: str | None
    method: Method


@dataclass(frozen=True)
class Dial:
    action: str | None
    method: Method
    timeout: int
    caller_id: str | None
    target: DialNumber | DialQueue
    hangup_on_star: bool = False


Verb: TypeAlias = Say | Play | Pause | Hangup | Reject | Redirect | Gather | Record | Enqueue | Leave | Dial


def parse_twiml(text: str, *, allowed: frozenset[str], where: str) -> tuple[Verb, ...]:
    """Parse a TwiML document whose verbs must all be in ``allowed``.

    ``where`` names the context ("the call", "a waitUrl document", …) for error messages.
    """
    try:
        root = ET.fromstring(text)  # noqa: S314 - the XML comes from the application under test
    except ET.ParseError as error:
        raise TwimlError(f"not well-formed XML ({error})") from None
    if root.tag != "Response":
        raise TwimlError(f"the root element is <{root.tag}>, not <Response>")
    return tuple(_verb(element, allowed, where) for element in root)


def _verb(element: ET.Element, allowed: frozenset[str], where: str) -> Verb:
    name = element.tag
    if name not in allowed:
        raise TwimlError(f"<{name}> is not allowed in {where}")
    match name:
        case "Say" | "Play" | "Pause":
            return _prompt(element)
        case "Hangup":
            no_content(element)
            return Hangup()
        case "Reject":
            no_content(element)
            reason = element.get("reason", "rejected")
            if reason not in ("rejected", "busy"):
                raise TwimlError(f'<Reject reason="{reason}"> must be "rejected" or "busy"')
            return Reject(reason="busy" if reason == "busy" else "rejected")
        case "Redirect":
            return Redirect(url=required_text(element), method=method(element, "method"))
        case "Gather":
            return _gather(element)
        case "Enqueue":
            return _enqueue(element)
        case "Leave":
            no_content(element)
            return Leave()
        case "Dial":
            return _dial(element)
        case "Record":
            return _record(element)
    raise TwimlError(f"<{name}> is not simulated")


def _say(element: ET.Element) -> Say:
    return Say(
        text="".join(element.itertext()).strip(),
        language=element.get("language", "en-US"),
        voice=element.get("voice", "man"),
        loop=loop(element),
    )


def _play(element: ET.Element) -> Play:
    if element.get("digits") is not None:
        raise TwimlError('<Play digits="…"> is not simulated')
    return Play(url=required_text(element), loop=loop(element))


# Twilio's <Gather> attributes; the simulator models the first set and refuses the others by name.
GATHER_ATTRIBUTES = frozenset(
    {"action", "method", "timeout", "numDigits", "finishOnKey", "input", "language", "hints"}
)
GATHER_NOT_SIMULATED = frozenset(
    {
        "actionOnEmptyResult",
        "enhanced",
        "partialResultCallback",
        "partialResultCallbackMethod",
        "profanityFilter",
        "speechModel",
        "speechTimeout",
        "bargeIn",
        "debug",
        "maxSpeechTime",
    }
)
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _gather(element: ET.Element) -> Gather:
    for attribute in element.attrib:
        if attribute in GATHER_NOT_SIMULATED:
            raise TwimlError(f"<Gather {attribute}> is not simulated")
        if attribute not in GATHER_ATTRIBUTES:
            raise TwimlError(f"<Gather {attribute}> is not an attribute Twilio documents")
    raw_input = element.get("input", "dtmf")
    inputs = raw_input.split()
    if not inputs or len(set(inputs)) != len(inputs) or not set(inputs) <= {"dtmf", "speech"}:
        raise TwimlError(f'<Gather input="{raw_input}"> must be dtmf, speech or "dtmf speech"')
    finish_on_key = element.get("finishOnKey", "#")
    if finish_on_key not in ("", "#", "*") and not (len(finish_on_key) == 1 and finish_on_key.isdigit()):
        raise TwimlError(f'<Gather finishOnKey="{finish_on_key}"> must be one of 0-9, #, * or empty')
    language = element.get("language", "en-US")
    if not _LANGUAGE_TAG.fullmatch(language):
        raise TwimlError(f'<Gather language="{language}"> is not a BCP-47 language tag')
    raw_hints = element.get("hints")
    hints = tuple(hint.strip() for hint in raw_hints.split(",")) if raw_hints is not None else ()
    if any(not hint or len(hint) > 100 for hint in hints):
        raise TwimlError(
            "<Gather hints> must be a comma-separated list of words or phrases of 1 to 100 characters"
        )
    num_digits = element.get("numDigits")
    return Gather(
        action=element.get("action"),
        method=method(element, "method"),
        timeout=positive_int(element, "timeout", 5),
        num_digits=None if num_digits is None else positive_int(element, "numDigits", 1),
        finish_on_key=finish_on_key,
        prompts=tuple(_prompt(child) for child in element),
        dtmf="dtmf" in inputs,
        speech="speech" in inputs,
        language=language,
        hints=hints,
    )


# Twilio's <Record> attributes; transcription (transcribe, transcribeCallback) is not simulated.
RECORD_ATTRIBUTES = frozenset(
    {
        "action",
        "method",
        "timeout",
        "finishOnKey",
        "maxLength",
        "playBeep",
        "trim",
        "recordingStatusCallback",
        "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent",
    }
)
RECORDING_EVENTS = ("in-progress", "completed", "absent")
# maxLength is at most the account's maximum call duration: 4 hours unless raised to 24 hours.
MAX_RECORD_LENGTH = 14400
_KEYS = frozenset("0123456789*#")


def _record(element: ET.Element) -> Record:
    no_content(element)
    # transcribe="false" is Twilio's default and asks for nothing.
    if boolean(element, "transcribe") or element.get("transcribeCallback") is not None:
        raise TwimlError("<Record> transcription (transcribe, transcribeCallback) is not simulated")
    for attribute in element.attrib.keys() - {"transcribe"}:
        if attribute not in RECORD_ATTRIBUTES:
            raise TwimlError(f"<Record {attribute}> is not an attribute Twilio documents")
    raw_timeout = element.get("timeout", "5")
    if not re.fullmatch(r"[0-9]+", raw_timeout):
        raise TwimlError(f'<Record timeout="{raw_timeout}"> must be a whole number of seconds (0: none)')
    finish_on_key = element.get("finishOnKey", "1234567890*#")
    if not finish_on_key or not set(finish_on_key) <= _KEYS:
        raise TwimlError(f'<Record finishOnKey="{finish_on_key}"> must be one or more of 0-9, #, *')
    raw_length = element.get("maxLength", "3600")
    if not (re.fullmatch(r"[0-9]+", raw_length) and 1 < int(raw_length) <= MAX_RECORD_LENGTH):
        raise TwimlError(
            f'<Record maxLength="{raw_length}"> must be a whole number from 2 to {MAX_RECORD_LENGTH}'
        )
    trim = element.get("trim", "trim-silence")
    if trim not in ("trim-silence", "do-not-trim"):
        raise TwimlError(f'<Record trim="{trim}"> must be "trim-silence" or "do-not-trim"')
    raw_events = element.get("recordingStatusCallbackEvent", "completed")
    events = raw_events.split()
    if not events or len(set(events)) != len(events) or not set(events) <= set(RECORDING_EVENTS):
        # Twilio's warning 13621: an invalid recordingStatusCallbackEvent.
        raise TwimlError(
            f'<Record recordingStatusCallbackEvent="{raw_events}"> must be in-progress, completed'
            " and/or absent, separated by spaces"
        )
    callback = element.get("recordingStatusCallback")
    if callback is not None and not callback.strip():
        # Twilio's warning 13256: the recording is made, its status is never sent.
        raise TwimlError('<Record recordingStatusCallback=""> must be a URL')
    return Record(
        action=element.get("action"),
        method=method(element, "method"),
        timeout=int(raw_timeout),
        finish_on_key=finish_on_key,
        max_length=int(raw_length),
        play_beep=boolean(element, "playBeep", default=True),
        trim=trim == "trim-silence",
        status_callback=callback,
        status_callback_method=method(element, "recordingStatusCallbackMethod"),
        status_events=frozenset(events),
    )


def _prompt(element: ET.Element) -> Prompt:
    match element.tag:
        case "Say":
            return _say(element)
        case "Play":
            return _play(element)
        case "Pause":
            return Pause(length=positive_int(element, "length", 1))
    raise TwimlError(f"<{element.tag}> is not allowed in <Gather>")


def _enqueue(element: ET.Element) -> Enqueue:
    if element.get("workflowSid") is not None or len(element):
        raise TwimlError("<Enqueue> with TaskRouter (workflowSid, <Task>) is not simulated")
    name = required_text(element)
    if len(name) > 64:
        raise TwimlError(f"queue name «{name}» is longer than 64 characters")
    max_queue_size = element.get("maxQueueSize")
    return Enqueue(
        name=name,
        action=element.get("action"),
        method=method(element, "method"),
        wait_url=element.get("waitUrl"),
        wait_url_method=method(element, "waitUrlMethod"),
        max_queue_size=None if max_queue_size is None else positive_int(element, "maxQueueSize", 1),
    )


def _dial(element: ET.Element) -> Dial:
    text = (element.text or "").strip()
    children = list(element)
    if (text and children) or len(children) > 1:
        raise TwimlError("<Dial> with more than one noun is not simulated")
    target: DialNumber | DialQueue
    if text:
        target = DialNumber(number=text)
    elif not children:
        raise TwimlError("<Dial> has nothing to dial")
    elif children[0].tag == "Number":
        target = _number(children[0])
    elif children[0].tag == "Queue":
        queue = children[0]
        if queue.get("reservationSid") is not None:
            raise TwimlError("<Queue reservationSid> (TaskRouter) is not simulated")
        target = DialQueue(name=required_text(queue), url=queue.get("url"), method=method(queue, "method"))
    else:
        raise TwimlError(f"<Dial><{children[0].tag}> is not simulated")
    return Dial(
        action=element.get("action"),
        method=method(element, "method"),
        timeout=positive_int(element, "timeout", 30),
        caller_id=element.get("callerId"),
        target=target,
        hangup_on_star=boolean(element, "hangupOnStar"),
    )


# Twilio's <Number> attributes: the simulator models the first set and refuses the others by name.
NUMBER_ATTRIBUTES = frozenset(
    {
        "url",
        "method",
        "machineDetection",
        "machineDetectionTimeout",
        "machineDetectionSpeechThreshold",
        "machineDetectionSpeechEndThreshold",
        "machineDetectionSilenceTimeout",
    }
)
NUMBER_NOT_SIMULATED = frozenset(
    {
        "sendDigits",
        "byoc",
        "statusCallback",
        "statusCallbackEvent",
        "statusCallbackMethod",
        "amdStatusCallback",
        "amdStatusCallbackMethod",
    }
)
# The answering-machine detection tunings: (lowest, highest) allowed, as Twilio's <Number> page lists.
AMD_TUNINGS = {
    "machineDetectionTimeout": (3, 60),
    "machineDetectionSpeechThreshold": (1000, 6000),
    "machineDetectionSpeechEndThreshold": (500, 5000),
    "machineDetectionSilenceTimeout": (2000, 10000),
}


def _number(element: ET.Element) -> DialNumber:
    for attribute in element.attrib:
        if attribute in NUMBER_NOT_SIMULATED:
            raise TwimlError(f"<Number {attribute}> is not simulated")
        if attribute not in NUMBER_ATTRIBUTES:
            raise TwimlError(f"<Number {attribute}> is not an attribute Twilio documents")
    url = element.get("url")
    if url is not None and not url.strip():
        raise TwimlError('<Number url=""> must be a URL')
    mode = element.get("machineDetection")
    tunings = {name: _tuning(element, name) for name in AMD_TUNINGS if element.get(name) is not None}
    detection: MachineDetection | None = None
    if mode is None:
        if tunings:
            raise TwimlError(f"<Number {min(tunings)}> has no effect without machineDetection")
    elif mode not in ("Enable", "DetectMessageEnd"):
        raise TwimlError(f'<Number machineDetection="{mode}"> must be "Enable" or "DetectMessageEnd"')
    else:
        detection = MachineDetection(
            mode="Enable" if mode == "Enable" else "DetectMessageEnd",
            timeout=tunings.get("machineDetectionTimeout", 30),
            speech_threshold=tunings.get("machineDetectionSpeechThreshold", 2400),
            speech_end_threshold=tunings.get("machineDetectionSpeechEndThreshold", 1200),
            silence_timeout=tunings.get("machineDetectionSilenceTimeout", 5000),
        )
    return DialNumber(
        number=required_text(element),
        url=url,
        method=method(element, "method"),
        machine_detection=detection,
    )


def _tuning(element: ET.Element, attribute: str) -> int:
    low, high = AMD_TUNINGS[attribute]
    raw = element.get(attribute, "")
    if not (re.fullmatch(r"[0-9]+", raw) and low <= int(raw) <= high):
        raise TwimlError(f'<Number {attribute}="{raw}"> must be a whole number from {low} to {high}')
    return int(raw)
