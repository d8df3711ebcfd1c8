"""The README's operator guides stay true to the code: every config key in the key table with its
default, the message keys and placeholders, the status callbacks the service needs, the Twilio
fallback bins, and the emergency-closure example config."""

from __future__ import annotations

import datetime as dt
import re
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from calllog import FINAL_STATUSES
from config import HelpdeskConfig, load_config
from ivr.media import HoldMusic
from ivr.twiml import Renderer, agent_line_unavailable, escalation_line_unavailable
from messages import MESSAGE_KEYS, PLACEHOLDERS
from routing import ForwardToCentral, fail_safe

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = ROOT / "config" / "helpdesk.yaml"
EMERGENCY = ROOT / "config" / "examples" / "emergency-closure.yaml"
KEY_TABLE_HEADER = "| key | default | meaning |"
REQUIRED = "required"


def _section(heading: str) -> str:
    """The README text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = README.index(f"\n{heading}\n")
    ends = [README.find(f"\n{'#' * size} ", start + 1) for size in range(1, len(level) + 1)]
    return README[start : min((end for end in ends if end != -1), default=len(README))]


def _key_table() -> dict[str, str]:
    """Key → default cell of the README's key table (a row may name several keys)."""
    lines = README[README.index(KEY_TABLE_HEADER) :].splitlines()[2:]
    table: dict[str, str] = {}
    for line in lines:
        if not line.startswith("|"):
            break
        keys, default = (cell.strip() for cell in line.strip("|").split(" | ")[:2])
        for key in re.findall(r"`([^`]+)`", keys):
            assert key not in table, f"{key} is listed twice"
            table[key] = default
    return table


def _nested_model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The model inside ``annotation`` (``Model``, ``Model | None``, ``tuple[Model, ...]``)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _nested_model(inner[0]) if len(inner) == 1 else None
    if origin is tuple:
        found = _nested_model(get_args(annotation)[0])
        return (found[0], "[]") if found is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    return None


def _model_keys(model: type[BaseModel], prefix: str = "") -> dict[str, object]:
    """Every leaf key the model accepts, dotted, with its default (``REQUIRED`` or a value)."""
    keys: dict[str, object] = {}
    for name, field in model.model_fields.items():
        nested = _nested_model(field.annotation)
        if nested is not None:
            inner, suffix = nested
            keys |= _model_keys(inner, f"{prefix}{name}{suffix}.")
        else:
            keys[f"{prefix}{name}"] = REQUIRED if field.is_required() else field.default
    return keys


def test_the_model_walk_finds_nested_keys() -> None:
    keys = _model_keys(HelpdeskConfig)
    assert keys["website"] == REQUIRED
    assert keys["helpdesks[].queue.overflow_after"] == 180
    assert keys["central.holidays.country"] == REQUIRED
    assert keys["helpdesks[].voice.voice"] == "Google.nl-BE-Standard-A"
    assert "helpdesks[].queue" not in keys


def test_the_key_table_lists_every_config_key() -> None:
    assert set(_key_table()) == set(_model_keys(HelpdeskConfig))


def test_the_key_table_gives_every_default() -> None:
    table = _key_table()
    for key, default in _model_keys(HelpdeskConfig).items():
        if default == REQUIRED:
            assert table[key] == REQUIRED, key
        elif isinstance(default, bool):  # as YAML writes it
            assert f"`{str(default).lower()}`" in table[key], key
        elif isinstance(default, int | str):
            assert f"`{default}`" in table[key], key
        else:
            assert table[key] != REQUIRED, key


def test_the_message_keys_and_placeholders_are_documented() -> None:
    messages = _section("### Editing the config")
    assert [key for key in MESSAGE_KEYS if f"`{key}`" not in messages] == []
    assert [name for name in sorted(PLACEHOLDERS) if f"`{{{name}}}`" not in messages] == []


def test_the_status_callback_statuses_are_those_the_status_route_acts_on() -> None:
    twilio = _section("## Twilio set-up")
    listed = re.search(r"`CallStatus`\s+((?:`[a-z-]+`(?:,\s+|\s+or\s+)?)+)", twilio)
    assert listed is not None
    assert set(re.findall(r"`([a-z-]+)`", listed[1])) == FINAL_STATUSES


def _bins() -> list[ET.Element]:
    blocks = re.findall(r"^```xml\n(.*?)^```$", _section("## Twilio set-up"), re.DOTALL | re.MULTILINE)
    return [ET.fromstring(block.encode()) for block in blocks]


def test_the_citizen_fallback_bin_dials_central() -> None:
    config = load_config(CONFIG)
    citizen = _bins()[0]
    assert citizen.tag == "Response"
    assert [(child.tag, child.attrib, child.text) for child in citizen] == [
        ("Dial", {"timeout": "30"}, config.central.number)
    ]


def test_the_citizen_fallback_bin_is_the_services_own_fail_safe() -> None:
    """What the service answers, without any URL of its own, while central is open."""
    config = load_config(CONFIG)
    renderer = Renderer(
        config=config,
        public_base_url="https://helpdesk.example.org",
        hold_music=HoldMusic(base_dir=CONFIG.parent),
        version="readme",
    )
    central_open = dt.datetime(2026, 12, 2, 10, 0, tzinfo=config.zone)
    decision = fail_safe(config, None, central_open)
    assert isinstance(decision, ForwardToCentral)
    served = renderer.unknown_number(decision, "", "")
    assert "http" not in served
    documented = ET.tostring(_bins()[0], encoding="unicode")
    assert ET.canonicalize(served, strip_text=True) == ET.canonicalize(documented, strip_text=True)


def test_the_agent_fallback_bin_apologises_and_hangs_up() -> None:
    agent = _bins()[1]
    assert len(_bins()) == 3
    assert agent.tag == "Response"
    voice = load_config(CONFIG).voice
    assert [(child.tag, child.attrib) for child in agent] == [
        ("Say", {"language": voice.language, "voice": voice.voice}),
        ("Hangup", {}),
    ]
    assert (
        agent[0].text == "De medewerkerslijn is op dit ogenblik niet bereikbaar. Probeer het later opnieuw."
    )


def test_the_agent_fallback_bin_is_the_services_own_fail_safe() -> None:
    """What the agent line answers when it cannot work, in the config's voice."""
    served = agent_line_unavailable(load_config(CONFIG).voice)
    documented = ET.tostring(_bins()[1], encoding="unicode")
    assert ET.canonicalize(served, strip_text=True) == ET.canonicalize(documented, strip_text=True)


def test_the_escalation_fallback_bin_is_the_services_own_fail_safe() -> None:
    """What an escalation number answers when it cannot take a question: never a forward."""
    served = escalation_line_unavailable(load_config(CONFIG).voice)
    documented = ET.tostring(_bins()[2], encoding="unicode")
    assert ET.canonicalize(served, strip_text=True) == ET.canonicalize(documented, strip_text=True)
    assert [child.tag for child in _bins()[2]] == ["Say", "Hangup"]


def test_the_emergency_closure_example_is_the_config_with_one_closed_day() -> None:
    config = load_config(CONFIG)
    closed = load_config(EMERGENCY)
    desk = closed.helpdesk("voorkempen")
    assert desk is not None
    assert dict(desk.exceptions) == {
        dt.date(2026, 12, 15): (),
        dt.date(2026, 12, 24): config.helpdesks[0].exceptions[dt.date(2026, 12, 24)],
        dt.date(2026, 12, 31): (),
    }
    same = desk.model_copy(
        update={"exceptions": config.helpdesks[0].exceptions, "hold_music": "media/hold-music.wav"}
    )
    assert same == config.helpdesks[0]
    assert closed.helpdesks[1:] == config.helpdesks[1:]
    assert closed.central == config.central
    plan = closed.schedule(desk).week(dt.date(2026, 12, 15), 1)[0]
    assert (plan.ranges, plan.source) == ((), "exception")
    assert '"2026-12-15": closed' in _section("### Emergency closure")
