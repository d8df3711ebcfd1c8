"""The spoken prompts: their keys, the placeholders they may use and the default Dutch texts.

The citizen-facing defaults follow the playbook word for word where it gives a text (section 1.2.2:
"Welkomstboodschap", "Wachtboodschap", "Sluitingsboodschap"); the others are written in the same
formal register ("u"). Texts are templates: ``{placeholder}`` is filled in when the prompt is spoken.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

MessageKey = Literal[
    "welcome",
    "wait",
    "closing",
    "busy",
    "overflow_wait",
    "queue_position",
    "expected_wait",
    "returning_call",
    "agent_welcome",
    "agent_code_prompt",
    "agent_pin_prompt",
    "agent_pin_wrong",
    "agent_locked",
    "agent_logged_in",
    "agent_next_caller",
    "agent_no_caller",
    "agent_on_break",
    "agent_queue_unavailable",
    "agent_outbound_person",
    "agent_outbound_nobody",
    "agent_outbound_outcome",
    "agent_outbound_recorded",
    "agent_outbound_no_answer",
    "agent_outbound_busy",
    "agent_outbound_failed",
    "agent_outbound_voicemail",
    "agent_escalate_prompt",
    "agent_escalation_saved",
    "agent_escalation_nothing",
    "escalation_prompt",
    "escalation_thanks",
    "escalation_nothing",
    "escalation_not_in_use",
]

MESSAGE_KEYS: tuple[MessageKey, ...] = get_args(MessageKey)

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "municipalities",
        "website",
        "opening_hours",
        "central_number",
        "helpdesk_name",
        "break_key",
        "resume_key",
        "outbound_key",
        "escalate_key",
    }
)

# Placeholders filled per call (a waiting caller's place, the person an agent calls), each
# allowed in its own message only.
CALLER_PLACEHOLDERS: Mapping[str, MessageKey] = MappingProxyType(
    {
        "position": "queue_position",
        "expected_wait": "expected_wait",
        "list_label": "agent_outbound_person",
        "last_digits": "agent_outbound_person",
        "outcome": "agent_outbound_recorded",
    }
)

_WEBSITE_SENTENCE = (
    "Wilt u een afspraak bevestigen, verplaatsen of weigeren? "
    "Dat kan ook eenvoudig en zonder wachttijd via {website}."
)

# Between calls to citizens (playbook 1.5): the break key, 0 for the incoming callers, or silence.
_OUTBOUND_MENU = (
    "Druk {break_key} voor een pauze of 0 voor de inkomende oproepen, of wacht op de volgende persoon."
)

DEFAULT_TEXTS: Mapping[MessageKey, str] = MappingProxyType(
    {
        # Playbook 1.2.2, "Welkomstboodschap".
        "welcome": (
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum van {municipalities}. "
            "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand."
        ),
        # Playbook 1.2.2, "Wachtboodschap", repeated every 60 seconds over hold music.
        "wait": (
            "Al onze medewerkers zijn op dit ogenblik in gesprek. We helpen u zo snel mogelijk verder. "
            + _WEBSITE_SENTENCE
        ),
        # Playbook 1.2.2, "Sluitingsboodschap".
        "closing": (
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. "
            "Onze lijnen zijn op dit ogenblik niet bereikbaar. U kan ons bereiken {opening_hours}. "
            + _WEBSITE_SENTENCE
        ),
        # Queue full while the central back-up is closed (playbook 1.2.1: 3 to 5 lines per agent).
        "busy": (
            "Welkom bij de helpdesk van het COVID-vaccinatiecentrum. "
            "Al onze lijnen zijn op dit ogenblik bezet. Probeer het later opnieuw. " + _WEBSITE_SENTENCE
        ),
        # Playbook 1.2.2: where forwarding after a long wait is not possible, a separate wait
        # message may give 02 713 87 00 "als alternatief telefoonnummer bij grotere drukte".
        "overflow_wait": (
            "Al onze medewerkers zijn op dit ogenblik nog in gesprek. We helpen u zo snel mogelijk verder. "
            "Bij grote drukte kan u ook bellen naar het alternatieve nummer {central_number}. "
            "Ik herhaal: {central_number}. " + _WEBSITE_SENTENCE
        ),
        # Said before the wait message when the helpdesk has queue.announce_position (and
        # queue.announce_wait): {position} is "de derde" or "nummer 21", {expected_wait} "4 minuten".
        "queue_position": "U bent {position} in de rij.",
        "expected_wait": "De verwachte wachttijd is ongeveer {expected_wait}.",
        # Instead of the welcome, to a citizen ringing back after a call of ours they missed
        # (playbook 1.5.2): put first in line. Short: an agent may be waiting for the caller.
        "returning_call": (
            "U werd door ons gebeld. Bedankt om terug te bellen naar de helpdesk van het "
            "COVID-vaccinatiecentrum van {municipalities}: u wordt met voorrang geholpen."
        ),
        "agent_welcome": "Welkom op de medewerkerslijn van {helpdesk_name}.",
        "agent_code_prompt": "Geef uw medewerkerscode in, gevolgd door hekje.",
        "agent_pin_prompt": "Geef uw pincode in, gevolgd door hekje.",
        "agent_pin_wrong": "Deze pincode is niet juist. Probeer het opnieuw.",
        "agent_locked": (
            "U hebt te vaak een verkeerde pincode ingegeven. "
            "Aanmelden vanaf dit nummer is tijdelijk geblokkeerd. Probeer het later opnieuw."
        ),
        # Twilio's hangupOnStar: * hangs up on the caller, the agent's own call goes on. What * does
        # while no caller is connected is not documented, so the text promises only what holds
        # either way: the menu comes back by itself within a minute (agent_line.wait_for_caller).
        "agent_logged_in": (
            "U bent aangemeld. Tijdens een gesprek beëindigt sterretje het gesprek met de beller; "
            "u blijft aangemeld en hoort het menu. Terwijl u op een beller wacht, komt het menu "
            "binnen een minuut vanzelf. Haak in om u af te melden."
        ),
        # After a conversation the escalate key records the caller's question (playbook 1.3.2.2).
        "agent_next_caller": (
            "Het gesprek is beëindigd. Druk {escalate_key} om de vraag van de beller door te geven aan "
            "een ervaren collega, {break_key} voor een pauze, of wacht op de volgende beller."
        ),
        "agent_no_caller": (
            "Er wacht op dit ogenblik niemand. Druk {break_key} voor een pauze of {outbound_key} om "
            "burgers van de belijsten te bellen, of blijf aan de lijn."
        ),
        "agent_on_break": "U bent in pauze. Druk {resume_key} om weer oproepen te ontvangen.",
        "agent_queue_unavailable": (
            "De wachtrij is op dit ogenblik niet bereikbaar. U blijft aangemeld en we proberen het "
            "over een halve minuut opnieuw. Druk {break_key} voor een pauze."
        ),
        # Calling citizens from the call lists (playbook 1.5), said to the agent only: never on the
        # person's leg. {list_label} is the list's label as ops wrote it, {last_digits} the last
        # two digits of the number, said one by one.
        "agent_outbound_person": "{list_label}: nummer eindigend op {last_digits}.",
        "agent_outbound_nobody": (
            "Er staat niemand meer te bellen op de belijsten. U ontvangt weer inkomende oproepen."
        ),
        "agent_outbound_outcome": (
            "Het gesprek is beëindigd. Druk 1: aanvaard. 2: nu niet, maar houd mij op de lijst. "
            "3: nooit meer bellen. 4: verkeerd nummer."
        ),
        # {outcome}: the key's meaning, "aanvaard", "nooit meer bellen" …
        "agent_outbound_recorded": "Genoteerd: {outcome}. " + _OUTBOUND_MENU,
        "agent_outbound_no_answer": "Er werd niet opgenomen. " + _OUTBOUND_MENU,
        "agent_outbound_busy": "Het nummer is in gesprek. " + _OUTBOUND_MENU,
        "agent_outbound_failed": "Het nummer kon niet gebeld worden. " + _OUTBOUND_MENU,
        # Playbook 1.5.2: never leave a message on a voicemail, go on to the next person.
        "agent_outbound_voicemail": (
            "Een antwoordapparaat nam op. Er werd geen bericht ingesproken. " + _OUTBOUND_MENU
        ),
        # Escalating a question after a conversation (playbook 1.3.2.2): the agent speaks it after
        # the beep (at most two minutes, Twilio's <Record maxLength>); a more experienced colleague
        # calls the citizen back, whose number the service already knows from the call.
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
        # The escalation number of a centre (playbook 1.2.3.3): the central contact centre leaves
        # an urgent, local question together with the citizen's name and number.
        "escalation_prompt": (
            "U belt de lijn voor dringende vragen van {helpdesk_name}. Spreek na de pieptoon de vraag "
            "in, met de naam en het telefoonnummer van de burger. U hebt maximaal twee minuten. "
            "Druk daarna hekje."
        ),
        "escalation_thanks": (
            "Bedankt. De vraag is doorgegeven aan {helpdesk_name} en wordt met voorrang behandeld."
        ),
        "escalation_nothing": "Er werd geen vraag opgenomen. Bel opnieuw om de vraag in te spreken.",
        # Anyone but the central contact centre's own numbers (central.escalation_callers).
        "escalation_not_in_use": "Dit nummer is niet in gebruik.",
    }
)
