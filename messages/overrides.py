"""Per-helpdesk replacements for the default prompts, and the checks run on them when the config loads.

PRODUCT.md "Messages": every message can be overridden per helpdesk as a text (spoken with ``<Say>``)
or as an audio file (``<Play>``); an unknown ``{placeholder}`` is a config error. Playbook 1.2.3.1
allows the central back-up number only in the message for long waits, so ``{central_number}`` is
refused in every other message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from messages.texts import CALLER_PLACEHOLDERS, PLACEHOLDERS, MessageKey

_UNBALANCED = 'unbalanced "{" or "}" in the text'
_CENTRAL_ONLY_IN: MessageKey = "overflow_wait"
# The messages with a call's own values (CALLER_PLACEHOLDERS) cannot be recordings: what they say.
_SPOKEN_WITH: Mapping[MessageKey, str] = {
    "agent_outbound_person": "the list and the number called",
    "agent_outbound_recorded": "the outcome keyed",
}
_SPOKEN_ONLY: Mapping[MessageKey, str] = {
    key: _SPOKEN_WITH.get(key, "the caller's own numbers") for key in CALLER_PLACEHOLDERS.values()
}


@dataclass(frozen=True)
class MessageOverride:
    """A helpdesk's own version of one message: a text template or an audio file, exactly one.

    In YAML a plain string is a text; a mapping takes ``text`` or ``audio`` (an ``http(s)://`` URL
    or a path relative to the service's media).
    """

    text: str | None = None
    audio: str | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.audio is None):
            raise ValueError("a message override has exactly one of text and audio")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        text = core_schema.no_info_after_validator_function(_checked_text, core_schema.str_schema())
        audio = core_schema.no_info_after_validator_function(_checked_audio, core_schema.str_schema())
        fields = core_schema.typed_dict_schema(
            {
                "text": core_schema.typed_dict_field(text, required=False),
                "audio": core_schema.typed_dict_field(audio, required=False),
            },
            extra_behavior="allow",
            extras_schema=core_schema.no_info_plain_validator_function(_refuse_unknown_key),
        )
        return core_schema.no_info_after_validator_function(
            _from_fields,
            core_schema.no_info_before_validator_function(_as_fields, fields),
            serialization=core_schema.plain_serializer_function_ser_schema(_serialised),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        text: JsonSchemaValue = {"type": "string", "minLength": 1}
        return {
            "anyOf": [
                text,
                {
                    "type": "object",
                    "properties": {"text": text},
                    "required": ["text"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"audio": text},
                    "required": ["audio"],
                    "additionalProperties": False,
                },
            ]
        }


def _as_fields(value: object) -> object:
    if isinstance(value, MessageOverride):
        return {"text": value.text} if value.text is not None else {"audio": value.audio}
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, Mapping):
        return value
    raise PydanticCustomError(
        "message_override_type",
        'a message is a text, or a mapping with "text" or "audio", not {kind}',
        {"kind": type(value).__name__},
    )


def _refuse_unknown_key(_value: object) -> object:
    raise PydanticCustomError("message_override_key", 'unknown key; a message takes "text" or "audio"')


def _checked_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("message_text_empty", "the text is empty")
    return value


def _checked_audio(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme:
        usable = parts.scheme in ("http", "https") and bool(parts.netloc)
    else:
        segments = value.replace("\\", "/").split("/")
        usable = (
            bool(value.strip())
            and not value.startswith(("/", "\\"))
            and ".." not in segments
            and bool(segments[-1])
        )
    if not usable:
        raise PydanticCustomError(
            "message_audio",
            '"{value}" is neither an http(s) URL nor a relative path to an audio file',
            {"value": value},
        )
    return value


def _from_fields(fields: Mapping[str, str]) -> MessageOverride:
    if "text" in fields and "audio" in fields:
        raise PydanticCustomError("message_override_both", 'give either "text" or "audio", not both')
    if "text" in fields:
        return MessageOverride(text=fields["text"])
    if "audio" in fields:
        return MessageOverride(audio=fields["audio"])
    raise PydanticCustomError("message_override_empty", 'a message needs "text" or "audio"')


def _serialised(value: MessageOverride) -> str | dict[str, str]:
    if value.text is not None:
        return value.text
    return {"audio": value.audio or ""}


def placeholders(text: str) -> list[str]:
    """The placeholder names used in ``text``, in order; ``ValueError`` for unbalanced braces.

    ``{{`` and ``}}`` are literal braces. A format spec or conversion stays part of the name, so
    ``{website!r}`` is reported as an unknown placeholder rather than silently accepted.
    """
    names: list[str] = []
    for _literal, field, spec, conversion in Formatter().parse(text):
        if field is None:
            continue
        name = field
        if conversion is not None:
            name += f"!{conversion}"
        if spec:
            name += f":{spec}"
        names.append(name)
    return names


def check_template(key: MessageKey, override: MessageOverride) -> list[str]:
    """Problems with an override for message ``key``; empty when it may be used.

    Audio files are played as they are, so only texts are checked: every brace must belong to a
    known placeholder, and ``{central_number}`` may only appear in ``overflow_wait`` (playbook
    1.2.3.1: the back-up number is announced only at busy moments, where forwarding is not possible).
    ``{position}`` and ``{expected_wait}`` belong to ``queue_position`` and ``expected_wait``,
    which are filled per caller and so must be texts; so do ``{list_label}`` and ``{last_digits}``
    to ``agent_outbound_person`` and ``{outcome}`` to ``agent_outbound_recorded``.
    """
    if override.text is None:
        if key in _SPOKEN_ONLY:
            return [f"{key} is said with {_SPOKEN_ONLY[key]}: give a text, not audio"]
        return []
    try:
        names = placeholders(override.text)
    except ValueError:
        return [_UNBALANCED]
    problems: list[str] = []
    own = [name for name, owner in CALLER_PLACEHOLDERS.items() if owner == key]
    allowed = ", ".join(f"{{{name}}}" for name in sorted((*PLACEHOLDERS, *own)))
    for name in dict.fromkeys(names):
        if name in CALLER_PLACEHOLDERS:
            if key != CALLER_PLACEHOLDERS[name]:
                problems.append(f"{{{name}}} may only be used in {CALLER_PLACEHOLDERS[name]}")
        elif name not in PLACEHOLDERS:
            problems.append(f"unknown placeholder {{{name}}}; use one of {allowed}")
        elif name == "central_number" and key != _CENTRAL_ONLY_IN:
            problems.append(f"{{central_number}} may only be used in {_CENTRAL_ONLY_IN}")
    return problems
