from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.models import HelpdeskConfig

BRUSSELS = ZoneInfo("Europe/Brussels")

# The values of helpdesk.example.yaml, the product contract.
EXAMPLE: dict[str, Any] = {
    "timezone": "Europe/Brussels",
    "website": "www.laatjevaccineren.be",
    "voice": {"language": "nl-BE", "voice": "Google.nl-BE-Standard-A"},
    "central": {
        "number": "+3227138700",
        "hours": {"mon-fri": "08:00-20:00", "sat-sun": "10:00-18:00", "holidays": "10:00-18:00"},
        "holidays": {"country": "BE"},
    },
    "helpdesks": [
        {
            "id": "voorkempen",
            "name": "Vaccinatiecentrum Voorkempen",
            "municipalities": ["Brecht", "Malle", "Schilde", "Zoersel"],
            "numbers": ["+3233100100"],
            "agent_numbers": ["+3233100199"],
            "hours": {
                "mon-fri": "09:00-16:00",
                "sat": ["09:00-12:00"],
                "sun": "closed",
                "holidays": "closed",
            },
            "holidays": {"country": "BE", "subdivision": "Flemish", "extra": ["2026-07-11"]},
            "exceptions": {"2026-12-24": "09:00-12:00", "2026-12-31": "closed"},
            "when_closed": "route_to_central",
            "overflow": "route",
            "queue": {"announce_every": 60, "overflow_after": 180, "lines_per_agent": 4, "min_agents": 2},
            "hold_music": "media/hold-music.wav",
        },
        {
            "id": "kempen-zuid",
            "name": "Vaccinatiecentrum Kempen Zuid",
            "municipalities": ["Herentals"],
            "numbers": ["+3214200200"],
            "agent_numbers": ["+3214200299"],
            "hours": {"mon-fri": ["09:00-12:30", "13:30-17:00"], "sat-sun": "closed", "holidays": "closed"},
            "holidays": {"country": "BE"},
            "when_closed": "closing_message",
            "overflow": "route",
            "messages": {
                "welcome": (
                    "Welkom bij de vaccinatiehelpdesk van {municipalities}. "
                    "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand."
                )
            },
        },
    ],
}

MakeConfig = Callable[..., HelpdeskConfig]


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture
def make_config() -> MakeConfig:
    """The example config, with changes to the first helpdesk (``queue`` merged key by key)."""

    def build(central_number: str | None = None, **desk_changes: Any) -> HelpdeskConfig:
        data = copy.deepcopy(EXAMPLE)
        desk = data["helpdesks"][0]
        desk["queue"].update(desk_changes.pop("queue", {}))
        desk.update(desk_changes)
        if central_number is not None:
            data["central"]["number"] = central_number
        return HelpdeskConfig.model_validate(data)

    return build
