"""The spoken menu of a number shared by several helpdesks (playbook 1.2.1), generated in Dutch.

Each choice is one sentence, "Voor vragen over uw vaccinatie, druk 1.", with the words a caller
may say added ("druk 1 of zeg vaccinatie."); a menu's own ``prompt`` replaces the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MENU_NOT_UNDERSTOOD = "Dat heb ik niet begrepen."
"""Said before the prompt when it is asked again after no input or an unknown choice."""


@dataclass(frozen=True)
class MenuLine:
    """What one choice says: its ``label`` ("vragen over uw vaccinatie"), key and spoken words."""

    label: str
    key: str
    words: tuple[str, ...] = ()


def menu_text(lines: Sequence[MenuLine]) -> str:
    """The generated prompt: one sentence per choice, in the order of the config."""
    sentences = []
    for line in lines:
        said = f" of zeg {_either(line.words)}" if line.words else ""
        sentences.append(f"Voor {line.label}, druk {line.key}{said}.")
    return " ".join(sentences)


def _either(words: Sequence[str]) -> str:
    """ "vaccinatie", "vaccinatie of prik", "vaccinatie, prik of afspraak"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} of {words[-1]}"


FORWARD_LABEL = "andere vragen"
"""The label of a choice that forwards to another number and has no ``label`` of its own."""


def helpdesk_label(name: str) -> str:
    """The label of a choice leading to the helpdesk ``name`` without a ``label`` of its own."""
    return f"de helpdesk van {name}"
