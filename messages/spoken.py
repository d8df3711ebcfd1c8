"""How lists and phone numbers are said aloud in Dutch prompts."""

from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers


def join_dutch(items: Sequence[str]) -> str:
    """Join names the Dutch way: "Brecht", "Brecht en Malle", "Brecht, Malle, Schilde en Zoersel".

    Playbook 1.2.2 names the municipality or municipalities of the centre in the welcome message.
    """
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


def spoken_phone_number(e164: str) -> str:
    """A phone number as text-to-speech should read it: digit by digit, pausing between groups.

    The grouping is the national one callers write down ("02 713 87 00" for ``+3227138700``,
    playbook 1.2.3.1), so the result is "0 2, 7 1 3, 8 7, 0 0": a voice would otherwise read
    "713" as "zevenhonderddertien".
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{e164!r} is not a phone number in E.164 form") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{e164!r} is not a possible phone number")
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return ", ".join(" ".join(group) for group in re.findall(r"\d+", national))


# Dutch ordinals up to twenty, as said in "u bent de derde in de rij".
_ORDINALS = (
    "eerste",
    "tweede",
    "derde",
    "vierde",
    "vijfde",
    "zesde",
    "zevende",
    "achtste",
    "negende",
    "tiende",
    "elfde",
    "twaalfde",
    "dertiende",
    "veertiende",
    "vijftiende",
    "zestiende",
    "zeventiende",
    "achttiende",
    "negentiende",
    "twintigste",
)


def spoken_position(position: int) -> str:
    """A place in the queue as said after "u bent": "de eerste", "de derde", … "de twintigste".

    Beyond twenty the ordinal words grow long and a voice reads the digits more clearly, so the
    place becomes "nummer 21" ("u bent nummer 21 in de rij").
    """
    if position < 1:
        raise ValueError(f"a place in the queue counts from 1, got {position}")
    if position <= len(_ORDINALS):
        return f"de {_ORDINALS[position - 1]}"
    return f"nummer {position}"


def spoken_minutes(minutes: int) -> str:
    """Whole minutes as said in a sentence: "1 minuut", "4 minuten" (a voice reads the digits)."""
    if minutes < 1:
        raise ValueError(f"an estimate is at least 1 minute, got {minutes}")
    return "1 minuut" if minutes == 1 else f"{minutes} minuten"


# What the agent keyed after a conversation (playbook 1.5.2), as confirmed to the agent.
_OUTCOMES = {
    "accepted": "aanvaard",
    "kept": "nu niet, maar blijft op de lijst",
    "do_not_call": "nooit meer bellen",
    "wrong_number": "verkeerd nummer",
}


def spoken_outcome(outcome: str) -> str:
    """A keyed outcome as confirmed to the agent: ``do_not_call`` → "nooit meer bellen"."""
    try:
        return _OUTCOMES[outcome]
    except KeyError:
        raise ValueError(f"no spoken form for the outcome {outcome!r}") from None


def spoken_digits(digits: str) -> str:
    """Digits one by one ("5 6"): a voice reads "56" as "zesenvijftig"."""
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{digits!r} is not a run of digits")
    return " ".join(digits)
