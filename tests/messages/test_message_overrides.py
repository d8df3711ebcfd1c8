from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from messages import MessageKey, MessageOverride, check_template

ALLOWED = (
    "{break_key}, {central_number}, {escalate_key}, {helpdesk_name}, {municipalities}, {opening_hours}, "
    "{outbound_key}, "
    "{resume_key}, {website}"
)


class Site(BaseModel):
    """The shape config uses: a mapping from message key to override."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    messages: Mapping[MessageKey, MessageOverride] = {}


@pytest.mark.parametrize(
    ("key", "text", "problems"),
    [
        ("welcome", "Welkom in {municipalities}, zie {website}.", []),
        ("closing", "Open {opening_hours} bij {helpdesk_name}.", []),
        ("welcome", "Geen enkele placeholder.", []),
        ("wait", "Accolades {{zo}} zijn gewoon tekst.", []),
        ("overflow_wait", "Bel {central_number}.", []),
        ("closing", "Open {opening_hour}.", [f"unknown placeholder {{opening_hour}}; use one of {ALLOWED}"]),
        (
            "wait",
            "{websit} en {gemeente} en {websit}",
            [
                f"unknown placeholder {{websit}}; use one of {ALLOWED}",
                f"unknown placeholder {{gemeente}}; use one of {ALLOWED}",
            ],
        ),
        ("wait", "Via {}.", [f"unknown placeholder {{}}; use one of {ALLOWED}"]),
        ("wait", "Via {website!r}.", [f"unknown placeholder {{website!r}}; use one of {ALLOWED}"]),
        ("wait", "Via {website:>30}.", [f"unknown placeholder {{website:>30}}; use one of {ALLOWED}"]),
        ("wait", "Via {website.upper}.", [f"unknown placeholder {{website.upper}}; use one of {ALLOWED}"]),
        ("wait", "Via {website.", ['unbalanced "{" or "}" in the text']),
        ("wait", "Via website}.", ['unbalanced "{" or "}" in the text']),
        ("wait", "Via { website.", ['unbalanced "{" or "}" in the text']),
        ("wait", "Bel {central_number}.", ["{central_number} may only be used in overflow_wait"]),
        ("closing", "Bel {central_number}.", ["{central_number} may only be used in overflow_wait"]),
        (
            "busy",
            "Bel {central_number} of {centraal}.",
            [
                "{central_number} may only be used in overflow_wait",
                f"unknown placeholder {{centraal}}; use one of {ALLOWED}",
            ],
        ),
    ],
    ids=[
        "known-placeholders",
        "opening-hours-and-name",
        "no-placeholder",
        "escaped-braces",
        "central-number-in-overflow-wait",
        "unknown-placeholder",
        "each-unknown-once-in-order",
        "positional-field",
        "conversion-is-not-a-name",
        "format-spec-is-not-a-name",
        "attribute-is-not-a-name",
        "unclosed-brace",
        "stray-closing-brace",
        "brace-at-end-of-sentence",
        "central-number-in-wait",
        "central-number-in-closing",
        "central-number-and-unknown",
    ],
)
def test_check_template(key: MessageKey, text: str, problems: list[str]) -> None:
    assert check_template(key, MessageOverride(text=text)) == problems


def test_audio_override_has_no_template_to_check() -> None:
    assert check_template("wait", MessageOverride(audio="media/{website}.wav")) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Welkom in {municipalities}.", MessageOverride(text="Welkom in {municipalities}.")),
        ({"text": "Welkom."}, MessageOverride(text="Welkom.")),
        ({"audio": "media/welkom.wav"}, MessageOverride(audio="media/welkom.wav")),
        (
            {"audio": "https://cdn.example.be/ivr/welkom.wav"},
            MessageOverride(audio="https://cdn.example.be/ivr/welkom.wav"),
        ),
        (
            {"audio": "http://media.example.be/welkom.mp3"},
            MessageOverride(audio="http://media.example.be/welkom.mp3"),
        ),
        (MessageOverride(audio="welkom.wav"), MessageOverride(audio="welkom.wav")),
    ],
    ids=["plain-string-is-text", "text-mapping", "relative-audio", "https-audio", "http-audio", "instance"],
)
def test_yaml_shapes_accepted(value: object, expected: MessageOverride) -> None:
    assert Site.model_validate({"messages": {"welcome": value}}).messages == {"welcome": expected}


@pytest.mark.parametrize(
    ("value", "loc", "message"),
    [
        ({"text": "a", "audio": "b.wav"}, ("messages", "welcome"), 'give either "text" or "audio", not both'),
        ({}, ("messages", "welcome"), 'a message needs "text" or "audio"'),
        (
            {"tekst": "Welkom."},
            ("messages", "welcome", "tekst"),
            'unknown key; a message takes "text" or "audio"',
        ),
        (
            {"text": "Welkom.", "voice": "x"},
            ("messages", "welcome", "voice"),
            'unknown key; a message takes "text" or "audio"',
        ),
        (42, ("messages", "welcome"), 'a message is a text, or a mapping with "text" or "audio", not int'),
        (
            ["Welkom."],
            ("messages", "welcome"),
            'a message is a text, or a mapping with "text" or "audio", not list',
        ),
        ("", ("messages", "welcome", "text"), "the text is empty"),
        ({"text": "   "}, ("messages", "welcome", "text"), "the text is empty"),
        ({"text": 5}, ("messages", "welcome", "text"), "Input should be a valid string"),
        (
            {"audio": "/var/media/welkom.wav"},
            ("messages", "welcome", "audio"),
            '"/var/media/welkom.wav" is neither an http(s) URL nor a relative path to an audio file',
        ),
        (
            {"audio": "../welkom.wav"},
            ("messages", "welcome", "audio"),
            '"../welkom.wav" is neither an http(s) URL nor a relative path to an audio file',
        ),
        (
            {"audio": "ftp://example.be/welkom.wav"},
            ("messages", "welcome", "audio"),
            '"ftp://example.be/welkom.wav" is neither an http(s) URL nor a relative path to an audio file',
        ),
        (
            {"audio": "media/"},
            ("messages", "welcome", "audio"),
            '"media/" is neither an http(s) URL nor a relative path to an audio file',
        ),
        (
            {"audio": ""},
            ("messages", "welcome", "audio"),
            '"" is neither an http(s) URL nor a relative path to an audio file',
        ),
    ],
    ids=[
        "both",
        "neither",
        "misspelt-key",
        "extra-key",
        "number",
        "list",
        "empty-string",
        "blank-text",
        "text-not-a-string",
        "absolute-path",
        "parent-directory",
        "other-scheme",
        "directory",
        "empty-audio",
    ],
)
def test_yaml_shapes_refused(value: object, loc: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Site.model_validate({"messages": {"welcome": value}})
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [(loc, message)]


def test_unknown_message_key_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Site.model_validate({"messages": {"wellcome": "Hallo."}})
    assert [error["loc"] for error in caught.value.errors()] == [("messages", "wellcome", "[key]")]


@pytest.mark.parametrize(
    ("override", "dumped"),
    [
        (MessageOverride(text="Welkom."), "Welkom."),
        (MessageOverride(audio="media/welkom.wav"), {"audio": "media/welkom.wav"}),
    ],
    ids=["text-as-string", "audio-as-mapping"],
)
def test_dump_round_trips(override: MessageOverride, dumped: Any) -> None:
    site = Site(messages={"wait": override})
    assert site.model_dump() == {"messages": {"wait": dumped}}
    assert Site.model_validate_json(site.model_dump_json()) == site


@pytest.mark.parametrize(
    "fields",
    [{}, {"text": "a", "audio": "b.wav"}],
    ids=["neither", "both"],
)
def test_exactly_one_of_text_and_audio(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="exactly one of text and audio"):
        MessageOverride(**fields)


def test_json_schema_describes_the_three_shapes() -> None:
    schema = Site.model_json_schema()["properties"]["messages"]["additionalProperties"]
    assert schema == {
        "anyOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "properties": {"text": {"type": "string", "minLength": 1}},
                "required": ["text"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"audio": {"type": "string", "minLength": 1}},
                "required": ["audio"],
                "additionalProperties": False,
            },
        ]
    }
