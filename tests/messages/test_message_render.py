from __future__ import annotations

from dataclasses import replace

import pytest

from messages import (
    Audio,
    MessageContext,
    MessageKey,
    MessageOverride,
    Prompt,
    Speech,
    estimated_seconds,
    render,
)

HOURS = "van maandag tot en met vrijdag van 9 tot 16 uur en op zaterdag van 9 tot 12 uur"
WEBSITE_SENTENCE = (
    "Wilt u een afspraak bevestigen, verplaatsen of weigeren? "
    "Dat kan ook eenvoudig en zonder wachttijd via www.laatjevaccineren.be."
)
VOORKEMPEN = MessageContext(
    helpdesk_name="Vaccinatiecentrum Voorkempen",
    municipalities=("Brecht", "Malle", "Schilde", "Zoersel"),
    website="www.laatjevaccineren.be",
    opening_hours=HOURS,
    central_number="+3227138700",
)
NO_HOURS = MessageContext(
    helpdesk_name="Vaccinatiecentrum Kempen Zuid",
    municipalities=("Herentals",),
    website="www.laatjevaccineren.be",
    opening_hours="",
    central_number="+3227138700",
)
STAR_KEYS = replace(VOORKEMPEN, break_key="*", resume_key="#")
LANGUAGE = "nl-BE"
VOICE = "Google.nl-BE-Standard-A"


@pytest.mark.parametrize(
    ("key", "context", "text"),
    [
        (
            "welcome",
            VOORKEMPEN,
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum van Brecht, Malle, Schilde en Zoersel. "
            "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand.",
        ),
        (
            "welcome",
            NO_HOURS,
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum van Herentals. "
            "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand.",
        ),
        (
            "wait",
            VOORKEMPEN,
            "Al onze medewerkers zijn op dit ogenblik in gesprek. We helpen u zo snel mogelijk verder. "
            + WEBSITE_SENTENCE,
        ),
        (
            "closing",
            VOORKEMPEN,
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. Onze lijnen zijn op dit ogenblik niet "
            f"bereikbaar. U kan ons bereiken {HOURS}. " + WEBSITE_SENTENCE,
        ),
        (
            "closing",
            NO_HOURS,
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. Onze lijnen zijn op dit ogenblik niet "
            "bereikbaar. " + WEBSITE_SENTENCE,
        ),
        (
            "busy",
            VOORKEMPEN,
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. "
            "Al onze lijnen zijn op dit ogenblik bezet. Probeer het later opnieuw. " + WEBSITE_SENTENCE,
        ),
        (
            "overflow_wait",
            VOORKEMPEN,
            "Al onze medewerkers zijn op dit ogenblik nog in gesprek. We helpen u zo snel mogelijk verder. "
            "Bij grote drukte kan u ook bellen naar het alternatieve nummer 0 2, 7 1 3, 8 7, 0 0. "
            "Ik herhaal: 0 2, 7 1 3, 8 7, 0 0. " + WEBSITE_SENTENCE,
        ),
        (
            "returning_call",
            VOORKEMPEN,
            "U werd door ons gebeld. Bedankt om terug te bellen naar de helpdesk van het "
            "COVID-vaccinatiecentrum van Brecht, Malle, Schilde en Zoersel: u wordt met voorrang geholpen.",
        ),
        ("agent_welcome", VOORKEMPEN, "Welkom op de medewerkerslijn van Vaccinatiecentrum Voorkempen."),
        ("agent_code_prompt", VOORKEMPEN, "Geef uw medewerkerscode in, gevolgd door hekje."),
        ("agent_pin_prompt", VOORKEMPEN, "Geef uw pincode in, gevolgd door hekje."),
        ("agent_pin_wrong", VOORKEMPEN, "Deze pincode is niet juist. Probeer het opnieuw."),
        (
            "agent_locked",
            VOORKEMPEN,
            "U hebt te vaak een verkeerde pincode ingegeven. "
            "Aanmelden vanaf dit nummer is tijdelijk geblokkeerd. Probeer het later opnieuw.",
        ),
        (
            "agent_logged_in",
            VOORKEMPEN,
            "U bent aangemeld. Tijdens een gesprek beëindigt sterretje het gesprek met de beller; "
            "u blijft aangemeld en hoort het menu. Terwijl u op een beller wacht, komt het menu "
            "binnen een minuut vanzelf. Haak in om u af te melden.",
        ),
        (
            "agent_next_caller",
            VOORKEMPEN,
            "Het gesprek is beëindigd. Druk 5 om de vraag van de beller door te geven aan een ervaren "
            "collega, 9 voor een pauze, of wacht op de volgende beller.",
        ),
        (
            "agent_no_caller",
            STAR_KEYS,
            "Er wacht op dit ogenblik niemand. Druk sterretje voor een pauze of 7 om burgers van de "
            "belijsten te bellen, of blijf aan de lijn.",
        ),
        ("agent_on_break", STAR_KEYS, "U bent in pauze. Druk hekje om weer oproepen te ontvangen."),
        (
            "agent_queue_unavailable",
            VOORKEMPEN,
            "De wachtrij is op dit ogenblik niet bereikbaar. U blijft aangemeld en we proberen het "
            "over een halve minuut opnieuw. Druk 9 voor een pauze.",
        ),
    ],
    ids=[
        "welcome-four-municipalities",
        "welcome-one-municipality",
        "wait",
        "closing",
        "closing-without-hours-drops-the-sentence",
        "busy",
        "overflow-wait-spells-the-central-number",
        "returning-call",
        "agent-welcome",
        "agent-code-prompt",
        "agent-pin-prompt",
        "agent-pin-wrong",
        "agent-locked",
        "agent-logged-in",
        "agent-next-caller",
        "agent-no-caller-star-key",
        "agent-on-break-hash-key",
        "agent-queue-unavailable",
    ],
)
def test_default_texts_render(key: MessageKey, context: MessageContext, text: str) -> None:
    assert render(key, context, None, LANGUAGE, VOICE) == Speech(text=text, language=LANGUAGE, voice=VOICE)


@pytest.mark.parametrize(
    ("key", "context", "text"),
    [
        (
            "agent_escalation_nothing",
            replace(STAR_KEYS, escalate_key="#", resume_key="1"),
            "Er werd niets opgenomen. Druk hekje om de vraag opnieuw in te spreken, sterretje voor een "
            "pauze, of wacht op de volgende beller.",
        ),
        (
            "escalation_prompt",
            VOORKEMPEN,
            "U belt de lijn voor dringende vragen van Vaccinatiecentrum Voorkempen. Spreek na de pieptoon "
            "de vraag in, met de naam en het telefoonnummer van de burger. U hebt maximaal twee minuten. "
            "Druk daarna hekje.",
        ),
        (
            "escalation_thanks",
            NO_HOURS,
            "Bedankt. De vraag is doorgegeven aan Vaccinatiecentrum Kempen Zuid en wordt met voorrang "
            "behandeld.",
        ),
    ],
    ids=["nothing-recorded-hash-key", "central-prompt", "central-thanks"],
)
def test_escalation_texts_render(key: MessageKey, context: MessageContext, text: str) -> None:
    assert render(key, context, None, LANGUAGE, VOICE) == Speech(text=text, language=LANGUAGE, voice=VOICE)


@pytest.mark.parametrize(
    ("key", "override", "context", "expected"),
    [
        (
            "welcome",
            MessageOverride(text="Welkom bij de vaccinatiehelpdesk van {municipalities}."),
            NO_HOURS,
            Speech(
                text="Welkom bij de vaccinatiehelpdesk van Herentals.", language="fr-BE", voice="Polly.Lea"
            ),
        ),
        (
            "closing",
            MessageOverride(text="Gesloten. {helpdesk_name} is open {opening_hours}. Zie {website}."),
            VOORKEMPEN,
            Speech(
                text=f"Gesloten. Vaccinatiecentrum Voorkempen is open {HOURS}. Zie www.laatjevaccineren.be.",
                language="fr-BE",
                voice="Polly.Lea",
            ),
        ),
        (
            "closing",
            MessageOverride(text="Gesloten!  Open {opening_hours}?   Zie {website}."),
            NO_HOURS,
            Speech(text="Gesloten! Zie www.laatjevaccineren.be.", language="fr-BE", voice="Polly.Lea"),
        ),
        (
            "wait",
            MessageOverride(text="Even geduld {{alstublieft}}."),
            VOORKEMPEN,
            Speech(text="Even geduld {alstublieft}.", language="fr-BE", voice="Polly.Lea"),
        ),
        (
            "wait",
            MessageOverride(audio="media/wachten.wav"),
            VOORKEMPEN,
            Audio(url="media/wachten.wav"),
        ),
        (
            "overflow_wait",
            MessageOverride(audio="https://cdn.example.be/{central_number}.wav"),
            VOORKEMPEN,
            Audio(url="https://cdn.example.be/{central_number}.wav"),
        ),
    ],
    ids=[
        "text-override",
        "text-override-all-placeholders",
        "override-without-hours-drops-that-sentence",
        "escaped-braces-are-literal",
        "audio-override",
        "audio-url-is-not-a-template",
    ],
)
def test_overrides_render(
    key: MessageKey, override: MessageOverride, context: MessageContext, expected: Prompt
) -> None:
    assert render(key, context, override, "fr-BE", "Polly.Lea") == expected


@pytest.mark.parametrize(
    ("key", "override", "message"),
    [
        (
            "wait",
            MessageOverride(text="Bel {central_number}."),
            "message wait: {central_number} may only be used in",
        ),
        ("closing", MessageOverride(text="Open {uren}."), "message closing: unknown placeholder {uren};"),
        ("busy", MessageOverride(text="Bezet {website"), 'message busy: unbalanced "{" or "}" in the text'),
    ],
    ids=["central-number-outside-overflow", "unknown-placeholder", "unbalanced"],
)
def test_unchecked_override_is_refused(key: MessageKey, override: MessageOverride, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("{", r"\{").replace("}", r"\}")):
        render(key, VOORKEMPEN, override, LANGUAGE, VOICE)


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [
        (Speech(text="", language=LANGUAGE, voice=VOICE), 1),
        (Speech(text="x" * 11, language=LANGUAGE, voice=VOICE), 2),
        (Speech(text="x" * 12, language=LANGUAGE, voice=VOICE), 3),
        (Speech(text="x" * 22, language=LANGUAGE, voice=VOICE), 3),
        (Speech(text="x" * 23, language=LANGUAGE, voice=VOICE), 4),
        (Audio(url="media/wachten.wav"), 0),
    ],
    ids=["empty", "eleven-chars", "twelve-chars", "twenty-two-chars", "twenty-three-chars", "audio-unknown"],
)
def test_estimated_seconds(prompt: Prompt, seconds: int) -> None:
    assert estimated_seconds(prompt) == seconds


@pytest.mark.parametrize(
    ("key", "seconds"),
    [("wait", 21), ("overflow_wait", 32)],
    ids=["wait", "overflow-wait"],
)
def test_wait_messages_fit_well_inside_a_minute(key: MessageKey, seconds: int) -> None:
    # Playbook 1.2.2 repeats the wait message every 60 s; it must leave room for hold music.
    assert estimated_seconds(render(key, VOORKEMPEN, None, LANGUAGE, VOICE)) == seconds


ORDINALS: tuple[str, ...] = ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde")
ORDINALS += ("zevende", "achtste", "negende", "tiende", "elfde", "twaalfde")


@pytest.mark.parametrize("position", range(1, 13), ids=[f"p{p}" for p in range(1, 13)])
def test_queue_position_is_said_in_dutch(position: int) -> None:
    context = replace(VOORKEMPEN, position=position)
    expected = f"U bent de {ORDINALS[position - 1]} in de rij."
    assert render("queue_position", context, None, LANGUAGE, VOICE) == Speech(expected, LANGUAGE, VOICE)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "De verwachte wachttijd is ongeveer 1 minuut."),
        (4, "De verwachte wachttijd is ongeveer 4 minuten."),
    ],
    ids=["one-minute", "four-minutes"],
)
def test_expected_wait_is_said_in_minutes(minutes: int, text: str) -> None:
    context = replace(VOORKEMPEN, wait_minutes=minutes)
    assert render("expected_wait", context, None, LANGUAGE, VOICE) == Speech(text, LANGUAGE, VOICE)


def test_queue_position_override() -> None:
    context = replace(VOORKEMPEN, position=13)
    override = MessageOverride(text="Er zijn nog wat mensen voor u: u bent {position}.")
    spoken = render("queue_position", context, override, LANGUAGE, VOICE)
    assert spoken == Speech("Er zijn nog wat mensen voor u: u bent de dertiende.", LANGUAGE, VOICE)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("queue_position", "^message queue_position: no place in the queue to say$"),
        ("expected_wait", "^message expected_wait: no estimated wait to say$"),
    ],
    ids=["position", "wait"],
)
def test_standing_needs_its_numbers(key: MessageKey, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(key, VOORKEMPEN, None, LANGUAGE, VOICE)


CALLING = replace(VOORKEMPEN, list_label="reservelijst dinsdag 14 uur", last_digits="56", outcome="kept")
MENU = "Druk 9 voor een pauze of 0 voor de inkomende oproepen, of wacht op de volgende persoon."


@pytest.mark.parametrize(
    ("key", "context", "text"),
    [
        ("agent_outbound_person", CALLING, "reservelijst dinsdag 14 uur: nummer eindigend op 5 6."),
        ("agent_outbound_recorded", CALLING, f"Genoteerd: nu niet, maar blijft op de lijst. {MENU}"),
        ("agent_outbound_no_answer", CALLING, f"Er werd niet opgenomen. {MENU}"),
        (
            "agent_outbound_voicemail",
            replace(CALLING, break_key="*"),
            "Een antwoordapparaat nam op. Er werd geen bericht ingesproken. "
            + MENU.replace("Druk 9", "Druk sterretje"),
        ),
    ],
    ids=["person", "recorded", "no-answer", "voicemail-own-break-key"],
)
def test_outbound_prompts_render(key: MessageKey, context: MessageContext, text: str) -> None:
    assert render(key, context, None, LANGUAGE, VOICE) == Speech(text, LANGUAGE, VOICE)


def test_the_outbound_key_is_said_as_configured() -> None:
    override = MessageOverride(text="Druk {outbound_key} om burgers te bellen.")
    spoken = render("agent_no_caller", replace(VOORKEMPEN, outbound_key="#"), override, LANGUAGE, VOICE)
    assert spoken == Speech("Druk hekje om burgers te bellen.", LANGUAGE, VOICE)


@pytest.mark.parametrize(
    ("key", "context", "message"),
    [
        (
            "agent_outbound_person",
            replace(CALLING, list_label=None),
            "^message agent_outbound_person: no list to name$",
        ),
        (
            "agent_outbound_person",
            replace(CALLING, last_digits=None),
            "^message agent_outbound_person: no number to say$",
        ),
        (
            "agent_outbound_recorded",
            replace(CALLING, outcome=None),
            "^message agent_outbound_recorded: no outcome to say$",
        ),
    ],
    ids=["label", "digits", "outcome"],
)
def test_outbound_prompts_need_their_values(key: MessageKey, context: MessageContext, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(key, context, None, LANGUAGE, VOICE)
