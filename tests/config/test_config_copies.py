"""A copy of the config with changed helpdesks (dry-run overrides) finds its own helpdesks."""

from __future__ import annotations

from pathlib import Path

from config import load_config

CONFIG = Path(__file__).resolve().parents[2] / "config" / "helpdesk.yaml"


def test_lookups_follow_the_helpdesks_of_a_copy() -> None:
    original = load_config(CONFIG)
    changed = original.helpdesks[0].model_copy(update={"when_closed": "closing_message"})
    copy = original.model_copy(update={"helpdesks": (changed, original.helpdesks[1])})

    assert copy.by_number("+3233100100") is changed
    assert copy.by_agent_number("+3233100199") is changed
    assert copy.helpdesk("voorkempen") is changed
    assert original.by_number("+3233100100") is original.helpdesks[0]
    assert original.helpdesk("voorkempen") is original.helpdesks[0]
