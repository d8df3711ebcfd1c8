"""The validated models on their own: lookups, cached schedules, and the rules the loader relies on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from config import HelpdeskConfig, Voice

BRUSSELS = ZoneInfo("Europe/Brussels")


def raw_config() -> dict[str, Any]:
    return {
        "website": "www.laatjevaccineren.be",
        "central": {"number": "+3227138700", "hours": {"mon-fri": "08:00-20:00", "sat-sun": "10:00-18:00"}},
        "helpdesks": [
            {
                "id": "voorkempen",
                "name": "Vaccinatiecentrum Voorkempen",
                "municipalities": ["Brecht"],
                "numbers": ["+3233100100", "+3233100101"],
                "agent_numbers": ["+3233100199"],
                "hours": {"mon-fri": "09:00-16:00"},
                "exceptions": {"2026-12-24": "09:00-12:00"},
                "voice": {"language": "nl-BE", "voice": "Polly.Lotte"},
            },
            {
                "id": "kempen-zuid",
                "name": "Vaccinatiecentrum Kempen Zuid",
                "municipalities": ["Herentals"],
                "numbers": ["+3214200200"],
                "hours": {"mon-fri": ["09:00-12:30", "13:30-17:00"]},
            },
        ],
    }


@pytest.fixture
def loaded() -> HelpdeskConfig:
    return HelpdeskConfig.model_validate(raw_config())


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param("+3233100100", "voorkempen", id="first-number"),
        pytest.param("+3233100101", "voorkempen", id="second-number"),
        pytest.param("+3214200200", "kempen-zuid", id="other-helpdesk"),
        pytest.param("+3233100199", None, id="agent-number-is-not-a-citizen-line"),
        pytest.param("+3227138700", None, id="central-number"),
    ],
)
def test_by_number(loaded: HelpdeskConfig, number: str, expected: str | None) -> None:
    desk = loaded.by_number(number)
    assert (desk.id if desk else None) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param("+3233100199", "voorkempen", id="agent-line"),
        pytest.param("+3233100100", None, id="citizen-line"),
    ],
)
def test_by_agent_number(loaded: HelpdeskConfig, number: str, expected: str | None) -> None:
    desk = loaded.by_agent_number(number)
    assert (desk.id if desk else None) == expected


def test_helpdesk_by_id(loaded: HelpdeskConfig) -> None:
    assert loaded.helpdesk("kempen-zuid") is loaded.helpdesks[1]
    assert loaded.helpdesk("herentals") is None


def test_voice_falls_back_to_the_shared_voice(loaded: HelpdeskConfig) -> None:
    assert loaded.voice_for(loaded.helpdesks[0]) == Voice(language="nl-BE", voice="Polly.Lotte")
    assert loaded.voice_for(loaded.helpdesks[1]) == Voice(language="nl-BE", voice="Google.nl-BE-Standard-A")


@pytest.mark.parametrize(
    ("desk", "at", "expected"),
    [
        pytest.param(0, dt.datetime(2026, 12, 23, 15, 59, tzinfo=BRUSSELS), True, id="weekday-before-close"),
        pytest.param(0, dt.datetime(2026, 12, 23, 16, 0, tzinfo=BRUSSELS), False, id="weekday-at-close"),
        pytest.param(
            0, dt.datetime(2026, 12, 24, 12, 30, tzinfo=BRUSSELS), False, id="exception-closes-early"
        ),
        pytest.param(1, dt.datetime(2026, 12, 24, 12, 45, tzinfo=BRUSSELS), False, id="lunch-break"),
        pytest.param(1, dt.datetime(2026, 12, 24, 13, 30, tzinfo=BRUSSELS), True, id="after-lunch"),
    ],
)
def test_schedule_follows_the_file(
    loaded: HelpdeskConfig, desk: int, at: dt.datetime, expected: bool
) -> None:
    assert loaded.schedule(loaded.helpdesks[desk]).is_open(at) is expected


def test_schedules_are_built_once_per_config(loaded: HelpdeskConfig) -> None:
    desk = loaded.helpdesks[0]
    assert loaded.schedule(desk) is loaded.schedule(desk)
    assert loaded.central_schedule() is loaded.central_schedule()
    saturday = dt.datetime(2026, 6, 13, 17, 0, tzinfo=BRUSSELS)
    assert loaded.central_schedule().is_open(saturday) is True


def test_schedule_of_a_helpdesk_from_another_config_uses_that_helpdesk(loaded: HelpdeskConfig) -> None:
    raw = raw_config()
    raw["helpdesks"][0]["hours"] = {"mon-fri": "09:00-18:00"}
    reloaded = HelpdeskConfig.model_validate(raw)
    at = dt.datetime(2026, 12, 23, 17, 0, tzinfo=BRUSSELS)
    assert loaded.schedule(reloaded.helpdesks[0]).is_open(at) is True
    assert loaded.schedule(loaded.helpdesks[0]).is_open(at) is False


def test_media_paths_start_at_the_base_dir_given_as_context() -> None:
    with_base = HelpdeskConfig.model_validate(raw_config(), context={"base_dir": Path("/srv/ivr/config")})
    assert with_base.base_dir == Path("/srv/ivr/config")
    assert with_base.media_path("media/wacht.wav") == Path("/srv/ivr/config/media/wacht.wav")
    without = HelpdeskConfig.model_validate(raw_config())
    assert without.base_dir is None
    assert without.media_path("media/wacht.wav") == Path("media/wacht.wav")


def errors(raw: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        HelpdeskConfig.model_validate(raw)
    return [(error["loc"], error["msg"]) for error in caught.value.errors()]


def test_model_refuses_a_reused_number_at_the_later_occurrence() -> None:
    raw = raw_config()
    raw["helpdesks"][1]["numbers"] = ["+3214200200", "+3233100199"]
    assert errors(raw) == [
        (("helpdesks", 1, "numbers", 1), '"+3233100199" is already used by helpdesks[0].agent_numbers'),
    ]


def test_model_refuses_a_reused_helpdesk_id() -> None:
    raw = raw_config()
    raw["helpdesks"][1]["id"] = "voorkempen"
    assert errors(raw) == [
        (("helpdesks", 1, "id"), 'helpdesk id "voorkempen" is already used by helpdesks[0]')
    ]


def test_model_reports_each_bad_message_at_its_key() -> None:
    raw = raw_config()
    raw["helpdesks"][0]["messages"] = {
        "welcome": "Welkom in {gemeente}.",
        "wait": "Bel {central_number}.",
        "closing": "Gesloten.",
    }
    assert errors(raw) == [
        (
            ("helpdesks", 0, "messages", "welcome"),
            "unknown placeholder {gemeente}; use one of "
            "{break_key}, {central_number}, {escalate_key}, {helpdesk_name}, {municipalities}, "
            "{opening_hours}, "
            "{outbound_key}, {resume_key}, "
            "{website}",
        ),
        (("helpdesks", 0, "messages", "wait"), "{central_number} may only be used in overflow_wait"),
    ]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        pytest.param(
            "+32 3 310 01 00",
            '"+32 3 310 01 00" is not a phone number in E.164 form like "+3233100100"',
            id="with-spaces",
        ),
        pytest.param("+320", '"+320" is not a phone number in E.164 form like "+3233100100"', id="too-short"),
        pytest.param(
            "3233100100", '"3233100100" is not a phone number in E.164 form like "+3233100100"', id="no-plus"
        ),
        pytest.param(3233100100, 'write phone numbers in quotes, like "+3233100100"', id="integer"),
    ],
)
def test_numbers_must_be_e164(number: object, message: str) -> None:
    raw = raw_config()
    raw["central"]["number"] = number
    [(loc, text)] = errors(raw)
    assert (loc, text.removeprefix("Value error, ")) == (("central", "number"), message)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(dt.date(2026, 12, 24), id="date"),
        pytest.param("2026-12-24", id="text"),
    ],
)
def test_exception_dates_accept_yaml_dates_and_iso_text(value: object) -> None:
    raw = raw_config()
    raw["helpdesks"][0]["exceptions"] = {value: "closed"}
    assert HelpdeskConfig.model_validate(raw).helpdesks[0].exceptions == {dt.date(2026, 12, 24): ()}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(dt.datetime(2026, 12, 24, 9, 0, tzinfo=dt.UTC), id="timestamp"),
        pytest.param("20261224", id="basic-iso-form"),
        pytest.param("2026-W52-4", id="week-date"),
        pytest.param(1798070400, id="unix-time"),
    ],
)
def test_exception_dates_refuse_anything_else(value: object) -> None:
    raw = raw_config()
    raw["helpdesks"][0]["exceptions"] = {value: "closed"}
    [(_loc, text)] = errors(raw)
    assert text == f'Value error, "{value}" is not a date like "2026-12-24"'
