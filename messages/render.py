"""Turning a message key into what the caller hears: spoken text or an audio file."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from messages.overrides import MessageOverride, check_template, placeholders
from messages.spoken import (
    join_dutch,
    spoken_digits,
    spoken_minutes,
    spoken_outcome,
    spoken_phone_number,
    spoken_position,
)
from messages.texts import DEFAULT_TEXTS, MessageKey

# A slow nl-BE text-to-speech rate in characters per second. Overestimating the length makes a
# waitUrl document end a little early rather than late, so the next message is never delayed.
_CHARS_PER_SECOND = 11
_KEY_NAMES = {"*": "sterretje", "#": "hekje"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class MessageContext:
    """The values placeholders are filled with; ``central_number`` in E.164 form."""

    helpdesk_name: str
    municipalities: tuple[str, ...]
    website: str
    opening_hours: str
    central_number: str
    break_key: str = "9"
    resume_key: str = "1"
    outbound_key: str = "7"
    escalate_key: str = "5"
    # The caller's place in the queue and the estimated wait in whole minutes, for
    # ``queue_position`` and ``expected_wait`` (None where no caller is concerned).
    position: int | None = None
    wait_minutes: int | None = None
    # The person an agent calls, for ``agent_outbound_person``: the list's label and the last
    # digits of the number; and the outcome the agent keyed, for ``agent_outbound_recorded``.
    list_label: str | None = None
    last_digits: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Speech:
    """Text for ``<Say>`` with the configured language and voice."""

    text: str
    language: str
    voice: str


@dataclass(frozen=True)
class Audio:
    """An audio file for ``<Play>``: an absolute URL or a path relative to the service's media."""

    url: str


Prompt = Speech | Audio


def render(
    key: MessageKey,
    context: MessageContext,
    override: MessageOverride | None,
    language: str,
    voice: str,
) -> Prompt:
    """The prompt for ``key``: the helpdesk's override if it has one, else the default text.

    ``{municipalities}`` is said as a Dutch list and ``{central_number}`` digit by digit in its
    national groups (playbook 1.2.2 and 1.2.3.1); ``{website}`` is read as written. ``{position}``
    is said as a Dutch ordinal ("de derde") and ``{expected_wait}`` in minutes ("4 minuten");
    ``{last_digits}`` digit by digit, ``{outcome}`` as its Dutch meaning ("nooit meer bellen"). Without known
    opening hours the sentence naming them is left out rather than said half ("U kan ons bereiken .").
    Audio overrides are played as they are.
    """
    if override is not None and override.audio is not None:
        return Audio(url=override.audio)
    template = override.text if override is not None and override.text is not None else DEFAULT_TEXTS[key]
    problems = check_template(key, MessageOverride(text=template))
    if problems:
        raise ValueError(f"message {key}: {'; '.join(problems)}")
    if not context.opening_hours.strip():
        template = _without_sentences_using(template, "opening_hours")
    values = {
        "helpdesk_name": context.helpdesk_name,
        "municipalities": join_dutch(context.municipalities),
        "website": context.website,
        "opening_hours": context.opening_hours,
        "break_key": _KEY_NAMES.get(context.break_key, context.break_key),
        "resume_key": _KEY_NAMES.get(context.resume_key, context.resume_key),
        "outbound_key": _KEY_NAMES.get(context.outbound_key, context.outbound_key),
        "escalate_key": _KEY_NAMES.get(context.escalate_key, context.escalate_key),
    }
    used = placeholders(template)
    if "central_number" in used:
        values["central_number"] = spoken_phone_number(context.central_number)
    if "position" in used:
        if context.position is None:
            raise ValueError(f"message {key}: no place in the queue to say")
        values["position"] = spoken_position(context.position)
    if "expected_wait" in used:
        if context.wait_minutes is None:
            raise ValueError(f"message {key}: no estimated wait to say")
        values["expected_wait"] = spoken_minutes(context.wait_minutes)
    if "list_label" in used:
        if context.list_label is None:
            raise ValueError(f"message {key}: no list to name")
        values["list_label"] = context.list_label
    if "last_digits" in used:
        if context.last_digits is None:
            raise ValueError(f"message {key}: no number to say")
        values["last_digits"] = spoken_digits(context.last_digits)
    if "outcome" in used:
        if context.outcome is None:
            raise ValueError(f"message {key}: no outcome to say")
        values["outcome"] = spoken_outcome(context.outcome)
    return Speech(text=template.format_map(values), language=language, voice=voice)


def _without_sentences_using(template: str, name: str) -> str:
    sentences = _SENTENCE_END.split(template.strip())
    return " ".join(sentence for sentence in sentences if name not in placeholders(sentence))


def estimated_seconds(prompt: Prompt) -> int:
    """An upper bound, in whole seconds, of how long the prompt takes to play.

    Speech is timed at a slow text-to-speech rate plus one second of start-up; the length of an
    audio file is not known here, so it counts as 0 and the caller adds the real length.
    """
    match prompt:
        case Speech(text=text):
            return math.ceil(len(text) / _CHARS_PER_SECOND) + 1
        case Audio():
            return 0
