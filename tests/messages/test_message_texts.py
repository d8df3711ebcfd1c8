from __future__ import annotations

import pytest

from messages import DEFAULT_TEXTS, MESSAGE_KEYS, MessageKey, MessageOverride, check_template


def test_every_key_has_a_default_text() -> None:
    assert tuple(DEFAULT_TEXTS) == MESSAGE_KEYS
    assert len(MESSAGE_KEYS) == 33


@pytest.mark.parametrize("key", MESSAGE_KEYS, ids=list(MESSAGE_KEYS))
def test_default_texts_pass_the_config_check(key: MessageKey) -> None:
    assert check_template(key, MessageOverride(text=DEFAULT_TEXTS[key])) == []


def test_only_the_overflow_message_names_the_central_number() -> None:
    using = [key for key, text in DEFAULT_TEXTS.items() if "{central_number}" in text]
    assert using == ["overflow_wait"]


def test_defaults_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        DEFAULT_TEXTS["wait"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (
            "welcome",
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum van {municipalities}. "
            "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand.",
        ),
        (
            "wait",
            "Al onze medewerkers zijn op dit ogenblik in gesprek. We helpen u zo snel mogelijk verder. "
            "Wilt u een afspraak bevestigen, verplaatsen of weigeren? "
            "Dat kan ook eenvoudig en zonder wachttijd via {website}.",
        ),
        (
            "closing",
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. Onze lijnen zijn op dit ogenblik niet "
            "bereikbaar. U kan ons bereiken {opening_hours}. Wilt u een afspraak bevestigen, verplaatsen of "
            "weigeren? Dat kan ook eenvoudig en zonder wachttijd via {website}.",
        ),
        ("agent_pin_prompt", "Geef uw pincode in, gevolgd door hekje."),
    ],
    ids=["welcome-playbook", "wait-playbook", "closing-playbook", "agent-pin-prompt"],
)
def test_playbook_texts_are_kept_word_for_word(key: MessageKey, text: str) -> None:
    assert DEFAULT_TEXTS[key] == text


@pytest.mark.parametrize(
    ("key", "text", "problems"),
    [
        ("queue_position", "U bent {position} in de rij.", []),
        ("expected_wait", "Nog ongeveer {expected_wait}.", []),
        ("wait", "U bent {position} in de rij.", ["{position} may only be used in queue_position"]),
        ("queue_position", "Nog {expected_wait}.", ["{expected_wait} may only be used in expected_wait"]),
        ("welcome", "{expected_wait}", ["{expected_wait} may only be used in expected_wait"]),
        (
            "queue_position",
            "U bent {plaats}.",
            [
                "unknown placeholder {plaats}; use one of {break_key}, {central_number}, {escalate_key}, "
                "{helpdesk_name}, "
                "{municipalities}, {opening_hours}, {outbound_key}, {position}, {resume_key}, {website}"
            ],
        ),
    ],
    ids=[
        "position-own",
        "wait-own",
        "position-in-wait",
        "wait-in-position",
        "wait-in-welcome",
        "unknown-lists-own",
    ],
)
def test_standing_placeholders_belong_to_their_message(
    key: MessageKey, text: str, problems: list[str]
) -> None:
    assert check_template(key, MessageOverride(text=text)) == problems


@pytest.mark.parametrize("key", ["queue_position", "expected_wait"])
def test_standing_messages_cannot_be_recordings(key: MessageKey) -> None:
    assert check_template(key, MessageOverride(audio="media/plaats.wav")) == [
        f"{key} is said with the caller's own numbers: give a text, not audio"
    ]


def test_standing_texts() -> None:
    assert DEFAULT_TEXTS["queue_position"] == "U bent {position} in de rij."
    assert DEFAULT_TEXTS["expected_wait"] == "De verwachte wachttijd is ongeveer {expected_wait}."


@pytest.mark.parametrize(
    ("key", "override", "problems"),
    [
        ("agent_outbound_person", MessageOverride(text="Bel nu {list_label}, {last_digits}."), []),
        ("agent_outbound_recorded", MessageOverride(text="Ok: {outcome}."), []),
        (
            "agent_no_caller",
            MessageOverride(text="{list_label}"),
            ["{list_label} may only be used in agent_outbound_person"],
        ),
        (
            "agent_outbound_nobody",
            MessageOverride(text="{outcome}"),
            ["{outcome} may only be used in agent_outbound_recorded"],
        ),
        (
            "agent_outbound_person",
            MessageOverride(audio="media/persoon.wav"),
            ["agent_outbound_person is said with the list and the number called: give a text, not audio"],
        ),
        (
            "agent_outbound_recorded",
            MessageOverride(audio="media/genoteerd.wav"),
            ["agent_outbound_recorded is said with the outcome keyed: give a text, not audio"],
        ),
        ("agent_outbound_busy", MessageOverride(audio="media/bezet.wav"), []),
    ],
    ids=[
        "person-own",
        "recorded-own",
        "label-elsewhere",
        "outcome-elsewhere",
        "person-audio",
        "recorded-audio",
        "busy-audio",
    ],
)
def test_outbound_placeholders_belong_to_their_message(
    key: MessageKey, override: MessageOverride, problems: list[str]
) -> None:
    assert check_template(key, override) == problems


def test_the_returning_call_message_replaces_the_welcome_and_promises_priority() -> None:
    # Playbook 1.5.2: people who missed our call ring back; they hear why they are put first.
    assert DEFAULT_TEXTS["returning_call"] == (
        "U werd door ons gebeld. Bedankt om terug te bellen naar de helpdesk van het "
        "COVID-vaccinatiecentrum van {municipalities}: u wordt met voorrang geholpen."
    )


def test_the_escalation_texts() -> None:
    # Playbook 1.3.2.2: the agent passes the question on to a more experienced colleague; 1.2.3.3:
    # central leaves urgent questions with the citizen's contact; anyone else is turned away.
    assert {key: DEFAULT_TEXTS[key] for key in MESSAGE_KEYS if "escalat" in key} == {
        "agent_escalate_prompt": (
            "Spreek na de pieptoon de vraag van de beller in, voor een ervaren collega die de burger "
            "terugbelt. U hebt maximaal twee minuten. Druk daarna hekje."
        ),
        "agent_escalation_saved": (
            "Uw vraag is bewaard. Een ervaren collega belt de burger terug. "
            "Druk {break_key} voor een pauze, of wacht op de volgende beller."
        ),
        "agent_escalation_nothing": (
            "Er werd niets opgenomen. Druk {escalate_key} om de vraag opnieuw in te spreken, "
            "{break_key} voor een pauze, of wacht op de volgende beller."
        ),
        "escalation_prompt": (
            "U belt de lijn voor dringende vragen van {helpdesk_name}. Spreek na de pieptoon de vraag "
            "in, met de naam en het telefoonnummer van de burger. U hebt maximaal twee minuten. "
            "Druk daarna hekje."
        ),
        "escalation_thanks": (
            "Bedankt. De vraag is doorgegeven aan {helpdesk_name} en wordt met voorrang behandeld."
        ),
        "escalation_nothing": "Er werd geen vraag opgenomen. Bel opnieuw om de vraag in te spreken.",
        "escalation_not_in_use": "Dit nummer is niet in gebruik.",
    }


def test_the_wrap_up_after_a_conversation_names_the_escalate_key() -> None:
    assert "{escalate_key}" in DEFAULT_TEXTS["agent_next_caller"]
