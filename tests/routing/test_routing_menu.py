"""The menu of a shared number (playbook 1.2.1): key, words, no input, unknown key, repeats used up."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config.models import HelpdeskConfig, Menu
from routing import AskChoice, ChoiceDecision, Chosen, decide_choice, hints, menu_prompt_text
from tests.routing.conftest import EXAMPLE

MENU: dict[str, Any] = {
    "number": "+3233100300",
    "default": "1",
    "choices": [
        {
            "key": "1",
            "words": ["vaccinatie", "vaccin"],
            "helpdesk": "voorkempen",
            "label": "vragen over uw vaccinatie",
        },
        {"key": "2", "words": ["kempen zuid"], "helpdesk": "kempen-zuid"},
        {"key": "3", "words": ["gemeente", "andere vragen"], "forward": "+3233100000"},
    ],
}


def config_with(**changes: Any) -> HelpdeskConfig:
    data = copy.deepcopy(EXAMPLE)
    data["menus"] = [{**copy.deepcopy(MENU), **changes}]
    return HelpdeskConfig.model_validate(data)


MENU_MODEL = config_with().menus[0]
ONE, TWO, THREE = MENU_MODEL.choices

ROWS: list[tuple[str, str, str, int, ChoiceDecision]] = [
    # id, Digits, SpeechResult, attempt, decision
    ("key-1", "1", "", 0, Chosen(ONE, "dtmf")),
    ("key-3-forward", "3", "", 0, Chosen(THREE, "dtmf")),
    ("key-on-the-last-attempt", "2", "", 2, Chosen(TWO, "dtmf")),
    ("no-input-asks-again", "", "", 0, AskChoice(1)),
    ("no-input-second-repeat", "", "", 1, AskChoice(2)),
    ("no-input-repeats-used-up", "", "", 2, Chosen(ONE, "default")),
    ("unknown-key-asks-again", "7", "", 0, AskChoice(1)),
    ("star-asks-again", "*", "", 0, AskChoice(1)),
    ("unknown-key-repeats-used-up", "9", "", 2, Chosen(ONE, "default")),
    ("speech-word", "", "vaccinatie", 0, Chosen(ONE, "speech")),
    ("speech-in-a-sentence", "", "Ik heb een vraag over mijn vaccin.", 0, Chosen(ONE, "speech")),
    ("speech-case-and-accents", "", "GEMEENTÉ", 1, Chosen(THREE, "speech")),
    ("speech-phrase", "", "Ik heb andere vragen", 0, Chosen(THREE, "speech")),
    ("speech-phrase-in-order-only", "", "vragen andere", 0, AskChoice(1)),
    ("speech-two-word-choice", "", "kempen zuid alstublieft", 0, Chosen(TWO, "speech")),
    ("speech-part-of-a-word-is-not-a-word", "", "vaccinaties", 0, AskChoice(1)),
    ("speech-unknown", "", "de bibliotheek", 0, AskChoice(1)),
    ("speech-two-choices-is-ambiguous", "", "vaccin of gemeente", 0, AskChoice(1)),
    ("speech-unknown-repeats-used-up", "", "euh", 2, Chosen(ONE, "default")),
    ("key-wins-over-speech", "3", "vaccinatie", 0, Chosen(THREE, "dtmf")),
    ("unknown-key-is-not-saved-by-speech", "8", "vaccinatie", 0, AskChoice(1)),
]


@pytest.mark.parametrize(
    ("digits", "speech", "attempt", "expected"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS]
)
def test_decide_choice(digits: str, speech: str, attempt: int, expected: ChoiceDecision) -> None:
    assert decide_choice(MENU_MODEL, digits, speech, attempt) == expected


@pytest.mark.parametrize(("retries", "repeats"), [(0, 0), (1, 1), (2, 2), (5, 5)])
def test_retries_is_the_number_of_repeats_before_the_default(retries: int, repeats: int) -> None:
    menu = config_with(retries=retries, default="3").menus[0]
    attempt, asked = 0, 0
    while isinstance(decision := decide_choice(menu, "", "", attempt), AskChoice):
        attempt, asked = decision.attempt, asked + 1
    assert (asked, decision) == (repeats, Chosen(menu.choices[2], "default"))


def test_a_negative_attempt_is_a_bug() -> None:
    with pytest.raises(ValueError, match="attempt"):
        decide_choice(MENU_MODEL, "", "", -1)


def test_the_prompt_is_generated_from_labels_helpdesk_names_and_words() -> None:
    assert menu_prompt_text(config_with(), MENU_MODEL) == (
        "Voor vragen over uw vaccinatie, druk 1 of zeg vaccinatie of vaccin. "
        "Voor de helpdesk van Vaccinatiecentrum Kempen Zuid, druk 2 of zeg kempen zuid. "
        "Voor andere vragen, druk 3 of zeg gemeente of andere vragen."
    )


def test_without_words_the_prompt_names_keys_only() -> None:
    choices = [{key: value for key, value in choice.items() if key != "words"} for choice in MENU["choices"]]
    config = config_with(choices=choices)
    assert menu_prompt_text(config, config.menus[0]) == (
        "Voor vragen over uw vaccinatie, druk 1. "
        "Voor de helpdesk van Vaccinatiecentrum Kempen Zuid, druk 2. "
        "Voor andere vragen, druk 3."
    )
    assert hints(config.menus[0]) == ()


def test_the_prompt_override_replaces_the_generated_text() -> None:
    config = config_with(prompt="Druk 1 voor vaccinatie, 2 voor Herentals of 3 voor de gemeente.")
    assert (
        menu_prompt_text(config, config.menus[0])
        == "Druk 1 voor vaccinatie, 2 voor Herentals of 3 voor de gemeente."
    )


def test_hints_are_every_word_once() -> None:
    config = config_with(
        choices=[*MENU["choices"][:2], {"key": "4", "words": ["vaccin"], "forward": "+3233100000"}]
    )
    assert hints(config.menus[0]) == ("vaccinatie", "vaccin", "kempen zuid")


def test_menu_lookup_by_number() -> None:
    config = config_with()
    assert isinstance(config.menu("+3233100300"), Menu)
    assert config.menu("+3233100100") is None
    assert config.by_number("+3233100300") is None
    assert MENU_MODEL.id == "menu:+3233100300"
