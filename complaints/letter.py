"""The draft of a complaint's final answer, in Dutch (playbook 1.4.3.3): how the complaint was
handled, its outcome, and where the citizen can go when not satisfied.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from complaints.register import FORWARD_TO, ComplaintView
from complaints.tables import Outcome
from schedules import MONTH_NAMES_NL

OUTCOMES: Final = {
    Outcome.FOUNDED: "Uw klacht is gegrond. Onze excuses voor wat er is misgelopen.",
    Outcome.PARTLY_FOUNDED: "Uw klacht is deels gegrond. Onze excuses voor wat er is misgelopen.",
    Outcome.UNFOUNDED: "Uw klacht is ongegrond. We begrijpen dat dit niet het antwoord is waarop u hoopte.",
}


def dutch_date(day: dt.date) -> str:
    """``3 december 2026``."""
    return f"{day.day} {MONTH_NAMES_NL[day.month - 1]} {day.year}"


def answer_letter(complaint: ComplaintView, centre: str) -> str:
    """The draft, as plain text; the complaint must have an outcome (``ValueError`` otherwise)."""
    if complaint.outcome is None:
        raise ValueError("the complaint has no outcome yet")
    greeting = f"Beste {complaint.name}," if complaint.name else "Beste,"
    paragraphs = [
        f"Betreft: uw klacht van {dutch_date(complaint.received_on)} (dossier {complaint.id})",
        greeting,
        f"Op {dutch_date(complaint.received_on)} ontving {centre} uw klacht. "
        "We hebben ze onderzocht en laten u weten hoe we ze hebben behandeld.",
        OUTCOMES[complaint.outcome],
    ]
    if complaint.actions:
        paragraphs.append(f"Wat we hebben gedaan: {complaint.actions}")
    paragraphs += [
        "Bent u niet tevreden met dit antwoord of met de behandeling van uw klacht? Dan kunt u terecht "
        f"bij de klachtencoördinatie van Zorg en Gezondheid: {FORWARD_TO}.",
        f"Met vriendelijke groeten,\nDe helpdesk van {centre}",
    ]
    return "\n\n".join(paragraphs) + "\n"
