"""The menu of a number shared by several helpdesks (playbook 1.2.1): pure decisions.

The caller hears the prompt in a ``<Gather input="dtmf speech">``; what comes back (``Digits`` or
``SpeechResult``, or nothing) and how many times the prompt was already repeated decide the next
step: a choice, the prompt again, or the menu's default once the repeats are used up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from config.models import HelpdeskConfig, Menu, MenuChoice
from messages import FORWARD_LABEL, MenuLine, helpdesk_label, menu_text

ChoiceHow = Literal["dtmf", "speech", "default"]


@dataclass(frozen=True)
class AskChoice:
    """The prompt in a ``<Gather>``; ``attempt`` 0 is the first time, each repeat adds one."""

    attempt: int


@dataclass(frozen=True)
class Chosen:
    """The caller chose ``choice`` by key or by word, or got it as the menu's default."""

    choice: MenuChoice
    how: ChoiceHow


ChoiceDecision = AskChoice | Chosen


def decide_choice(menu: Menu, digits: str, speech: str, attempt: int) -> ChoiceDecision:
    """What the answer to the prompt's ``attempt``-th play leads to.

    A key of one of the choices chooses it; otherwise speech naming the words of exactly one choice
    does. Anything else (no input, a key no choice has, speech naming no choice or several) asks
    again while fewer than ``menu.retries`` repeats were made, then takes ``menu.default``.
    """
    if attempt < 0:
        raise ValueError(f"attempt must not be negative, got {attempt}")
    if digits:
        chosen = menu.choice(digits)
        if chosen is not None:
            return Chosen(chosen, "dtmf")
    elif speech:
        said = _words(speech)
        matches = [choice for choice in menu.choices if any(_says(said, word) for word in choice.words)]
        if len(matches) == 1:
            return Chosen(matches[0], "speech")
    if attempt < menu.retries:
        return AskChoice(attempt + 1)
    default = menu.choice(menu.default)
    if default is None:  # the config refuses such a menu
        raise ValueError(f"menu {menu.number}: default {menu.default!r} is not a choice")
    return Chosen(default, "default")


def _words(text: str) -> tuple[str, ...]:
    """``text`` as lowercase words without accents: "Vaccinatie, graag!" -> ("vaccinatie", "graag")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(re.findall(r"\w+", plain))


def _says(said: tuple[str, ...], phrase: str) -> bool:
    """Whether the words of ``phrase`` occur, one after the other, in ``said``."""
    wanted = _words(phrase)
    if not wanted:
        return False
    size = len(wanted)
    return any(said[start : start + size] == wanted for start in range(len(said) - size + 1))


def menu_prompt_text(config: HelpdeskConfig, menu: Menu) -> str:
    """The menu's own ``prompt``, else the text generated from its choices."""
    if menu.prompt is not None:
        return menu.prompt
    return menu_text([_line(config, choice) for choice in menu.choices])


def _line(config: HelpdeskConfig, choice: MenuChoice) -> MenuLine:
    label = choice.label
    if label is None:
        desk = config.helpdesk(choice.helpdesk) if choice.helpdesk is not None else None
        label = helpdesk_label(desk.name) if desk is not None else FORWARD_LABEL
    return MenuLine(label=label, key=choice.key, words=choice.words)


def hints(menu: Menu) -> tuple[str, ...]:
    """The words of all choices, once each: Twilio's ``hints`` for the speech recognition."""
    return tuple(dict.fromkeys(word for choice in menu.choices for word in choice.words))
