"""The contact card for the central back-up helpdesk (playbook 1.6), generated from the config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config import HelpdeskConfig, load_config
from ivr.twiml import prompt_for
from messages import Speech
from routing.contact_card import RoutingRule, contact_card, duration_nl, routing_rules, written_number
from tests.routing.conftest import MakeConfig

CONFIG = Path(__file__).resolve().parents[2] / "config" / "helpdesk.yaml"
DECEMBER = dt.date(2026, 12, 1)

CENTRAL_HOURS = (
    "Uren van de centrale helpdesk: van maandag tot en met vrijdag van 8 tot 20 uur en op zaterdag en "
    "zondag van 10 tot 18 uur en op feestdagen van 10 tot 18 uur"
)
BUSY_ROUTED = (
    "- bij drukte: doorgeschakeld naar de centrale helpdesk na 3 minuten wachten; "
    "buiten de uren van de centrale helpdesk wacht de beller verder"
)
QUEUE_FULL = (
    "- bij een volle wachtrij (4 wachtende bellers per aangemelde medewerker): doorgeschakeld naar de "
    "centrale helpdesk; buiten de uren van de centrale helpdesk: de bezetboodschap"
)
NO_AGENTS = (
    "- als tijdens de openingsuren geen medewerker aangemeld is: doorgeschakeld naar de centrale "
    "helpdesk; buiten de uren van de centrale helpdesk: de sluitingsboodschap"
)

EXPECTED = {
    "voorkempen": "\n".join(
        [
            "Contactgegevens van de lokale helpdesk voor de centrale back-up helpdesk",
            "Helpdesk: Vaccinatiecentrum Voorkempen",
            "Gemeenten: Brecht, Malle, Schilde en Zoersel",
            "Telefoonnummer: 03 310 01 00",
            "E-mailadres: niet opgegeven (helpdesks[].email in de configuratie)",
            "Openingsuren: van maandag tot en met vrijdag van 9 tot 16 uur en op zaterdag van 9 tot 12 uur, "
            "behalve op feestdagen",
            "Afwijkende dagen:",
            "- donderdag 24 december 2026: van 9 tot 12 uur",
            "- donderdag 31 december 2026: gesloten",
            CENTRAL_HOURS,
            "Routering:",
            BUSY_ROUTED,
            QUEUE_FULL,
            NO_AGENTS,
            "- bij sluiting: doorgeschakeld naar de centrale helpdesk; "
            "buiten de uren van de centrale helpdesk: de sluitingsboodschap",
        ]
    ),
    "kempen-zuid": "\n".join(
        [
            "Contactgegevens van de lokale helpdesk voor de centrale back-up helpdesk",
            "Helpdesk: Vaccinatiecentrum Kempen Zuid",
            "Gemeenten: Herentals",
            "Telefoonnummer: 014 20 02 00",
            "E-mailadres: niet opgegeven (helpdesks[].email in de configuratie)",
            "Openingsuren: van maandag tot en met vrijdag van 9 tot 12.30 uur en van 13.30 tot 17 uur, "
            "behalve op feestdagen",
            "Afwijkende dagen: geen",
            CENTRAL_HOURS,
            "Routering:",
            BUSY_ROUTED,
            QUEUE_FULL,
            NO_AGENTS,
            "- bij sluiting: niet doorgeschakeld, de sluitingsboodschap met de openingsuren en de website",
        ]
    ),
}


@pytest.fixture(scope="module")
def example() -> HelpdeskConfig:
    return load_config(CONFIG)


@pytest.mark.parametrize("desk_id", list(EXPECTED), ids=list(EXPECTED))
def test_the_card_of_each_example_helpdesk_word_for_word(example: HelpdeskConfig, desk_id: str) -> None:
    desk = example.helpdesk(desk_id)
    assert desk is not None
    assert contact_card(example, desk, DECEMBER).text == EXPECTED[desk_id]


@pytest.mark.parametrize("desk_id", list(EXPECTED), ids=list(EXPECTED))
def test_the_hours_are_those_the_closing_message_says(example: HelpdeskConfig, desk_id: str) -> None:
    """One source for the hours: the card says what callers hear as ``{opening_hours}``."""
    desk = example.helpdesk(desk_id)
    assert desk is not None
    card = contact_card(example, desk, DECEMBER)
    closing = prompt_for(example, desk, "closing")
    assert isinstance(closing, Speech)
    assert f"U kan ons bereiken {card.opening_hours}. " in closing.text
    assert f"\nOpeningsuren: {card.opening_hours}\n" in card.text


def test_the_structured_fields_follow_the_config(example: HelpdeskConfig) -> None:
    desk = example.helpdesk("voorkempen")
    assert desk is not None
    card = contact_card(example, desk, DECEMBER)
    assert (card.helpdesk, card.name, card.municipalities, card.numbers, card.email) == (
        "voorkempen",
        "Vaccinatiecentrum Voorkempen",
        ("Brecht", "Malle", "Schilde", "Zoersel"),
        ("+3233100100",),
        None,
    )
    assert [(day.day, day.hours, day.reason) for day in card.special_days] == [
        (dt.date(2026, 12, 24), "van 9 tot 12 uur", "exception"),
        (dt.date(2026, 12, 31), "gesloten", "exception"),
    ]
    assert [(rule.situation, rule.to_central) for rule in card.rules] == [
        ("wait_timeout", "forward"),
        ("queue_full", "forward"),
        ("no_agents", "forward"),
        ("closed", "forward"),
    ]
    assert card.first_day == DECEMBER


def test_the_email_is_on_the_card_for_central_only(make_config: MakeConfig) -> None:
    config = make_config(email="vaccinatie@voorkempen.be")
    card = contact_card(config, config.helpdesks[0], DECEMBER)
    assert card.email == "vaccinatie@voorkempen.be"
    assert card.text.splitlines()[4] == (
        "E-mailadres (alleen voor de centrale helpdesk, niet voor burgers): vaccinatie@voorkempen.be"
    )


def test_announce_refers_callers_to_central_by_its_number(make_config: MakeConfig) -> None:
    config = make_config(overflow="announce", queue={"overflow_after": 150, "lines_per_agent": 1})
    rules = routing_rules(config, config.helpdesks[0])
    assert rules[:2] == (
        RoutingRule(
            "wait_timeout",
            "announce",
            "bij drukte: doorverwezen naar de centrale helpdesk na 2 minuten en 30 seconden wachten (de "
            "wachtboodschap noemt het nummer 02 713 87 00, de beller wordt niet doorgeschakeld); buiten de "
            "uren van de centrale helpdesk wacht de beller verder",
        ),
        RoutingRule(
            "queue_full",
            "forward",
            "bij een volle wachtrij (1 wachtende beller per aangemelde medewerker): doorgeschakeld naar de "
            "centrale helpdesk; buiten de uren van de centrale helpdesk: de bezetboodschap",
        ),
    )


def test_a_closing_message_helpdesk_is_not_routed_when_closed(make_config: MakeConfig) -> None:
    config = make_config(when_closed="closing_message")
    assert routing_rules(config, config.helpdesks[0])[3] == RoutingRule(
        "closed",
        "no",
        "bij sluiting: niet doorgeschakeld, de sluitingsboodschap met de openingsuren en de website",
    )


def test_past_exceptions_are_left_out(example: HelpdeskConfig) -> None:
    desk = example.helpdesk("voorkempen")
    assert desk is not None
    card = contact_card(example, desk, dt.date(2026, 12, 25))
    assert [day.day for day in card.special_days] == [dt.date(2026, 12, 31)]
    assert "\nAfwijkende dagen:\n- donderdag 31 december 2026: gesloten\nUren van" in card.text
    assert contact_card(example, desk, dt.date(2027, 1, 1)).special_days == ()


def test_an_extra_closing_day_is_listed_with_its_reason(make_config: MakeConfig) -> None:
    config = make_config(
        holidays={"country": "BE", "subdivision": "Flemish", "extra": ["2027-07-11", "2027-05-01"]},
        exceptions={"2027-07-11": "10:00-12:00"},
    )
    card = contact_card(config, config.helpdesks[0], dt.date(2027, 1, 1))
    # 2027-05-01 is a public holiday too (Dag van de Arbeid): its public name is kept.
    assert [(day.day, day.hours, day.reason, day.holiday) for day in card.special_days] == [
        (dt.date(2027, 5, 1), "gesloten", "holiday", "Dag van de Arbeid"),
        (dt.date(2027, 7, 11), "van 10 tot 12 uur", "exception", None),
    ]
    assert "\n- zaterdag 1 mei 2027: gesloten (Dag van de Arbeid)\n" in card.text


def test_an_extra_day_without_holiday_hours_changes_nothing_and_is_left_out(make_config: MakeConfig) -> None:
    config = make_config(
        hours={"mon-fri": "09:00-16:00"},
        holidays={"country": "BE", "extra": ["2027-03-03"]},
        exceptions={},
    )
    card = contact_card(config, config.helpdesks[0], dt.date(2027, 1, 1))
    assert card.special_days == ()
    assert "\nAfwijkende dagen: geen\n" in card.text
    assert "\nOpeningsuren: van maandag tot en met vrijdag van 9 tot 16 uur\n" in card.text


def test_a_helpdesk_without_weekly_hours(make_config: MakeConfig) -> None:
    config = make_config(hours={"sun": "closed"}, exceptions={"2027-02-01": ["09:00-12:00", "13:00-24:00"]})
    card = contact_card(config, config.helpdesks[0], dt.date(2027, 1, 1))
    assert "\nOpeningsuren: geen vaste openingsuren\n" in card.text
    assert "\n- maandag 1 februari 2027: van 9 tot 12 uur en van 13 tot 24 uur\n" in card.text


def test_several_numbers(make_config: MakeConfig) -> None:
    config = make_config(numbers=["+3233100100", "+3233100101"])
    card = contact_card(config, config.helpdesks[0], DECEMBER)
    assert card.text.splitlines()[3] == "Telefoonnummers: 03 310 01 00, 03 310 01 01"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        pytest.param(180, "3 minuten", id="minutes"),
        pytest.param(60, "1 minuut", id="one-minute"),
        pytest.param(150, "2 minuten en 30 seconden", id="minutes-and-seconds"),
        pytest.param(61, "1 minuut en 1 seconde", id="one-second"),
        pytest.param(45, "45 seconden", id="seconds"),
        pytest.param(3600, "60 minuten", id="an-hour"),
    ],
)
def test_duration_in_words(seconds: int, words: str) -> None:
    assert duration_nl(seconds) == words


@pytest.mark.parametrize(
    ("number", "written"),
    [
        pytest.param("+3227138700", "02 713 87 00", id="brussels"),
        pytest.param("+3214200200", "014 20 02 00", id="herentals"),
        pytest.param("+32470123456", "0470 12 34 56", id="mobile"),
    ],
)
def test_numbers_as_written_in_belgium(number: str, written: str) -> None:
    assert written_number(number) == written
