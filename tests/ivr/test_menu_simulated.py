"""A shared number's menu, driven by the Twilio simulator against the real app: a key, words,
no input, an unknown key and the repeats used up, each to the end of the call."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from calllog import CallEvent, CallRecord
from cli.main import main
from cli.simulate import Scenario, run_call
from config import load_config
from database import make_engine, make_sessionmaker
from simulator import Said, SimEvent, TwilioSimulator
from tests.ivr.conftest import BRUSSELS

CHOICE = Path(__file__).resolve().parents[2] / "config" / "examples" / "choice-menu.yaml"
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
MENU = "+3233100300"
GENERAL_LINE = "+3233100000"
CALLER = "+32470123456"
PROMPT = "Voor vragen over uw vaccinatie, druk 1 of zeg vaccinatie, vaccin of prik."


def _play(db: str, *inputs: str | Said, agents: int = 1) -> tuple[TwilioSimulator, list[SimEvent], str]:
    config = load_config(CHOICE)
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    scenario = Scenario(agents=agents, caller=CALLER, menu=MENU, inputs=inputs, max_seconds=120)
    sim, sid = run_call(config, CHOICE, desk, WEDNESDAY_10, scenario, db)
    assert [e.detail for e in sim.events if e.kind in {"application-error", "callback-error"}] == []
    return sim, sim.calls[sid].events, sid


def _prompts(events: list[SimEvent]) -> int:
    return sum(1 for event in events if event.kind == "say" and event.data["text"].startswith(PROMPT))


def _menu_attempts(sim: TwilioSimulator, sid: str) -> list[str]:
    return [
        parse_qs(urlsplit(request.url).query)["attempt"][0]
        for request in sim.webhooks
        if request.call_sid == sid and urlsplit(request.url).path == "/twilio/menu"
    ]


def _logged(db: str, sid: str) -> tuple[list[tuple[str, str, dict[str, object]]], CallRecord | None]:
    engine = make_engine(db)
    try:
        with make_sessionmaker(engine)() as session:
            rows = session.execute(
                select(CallEvent.kind, CallEvent.helpdesk_id, CallEvent.data).where(CallEvent.call_sid == sid)
            ).all()
            record = session.get(CallRecord, sid)
            session.expunge_all()
    finally:
        engine.dispose()
    return sorted((kind, desk, json.loads(data)) for kind, desk, data in rows), record


def _choice(db: str, sid: str) -> dict[str, object]:
    events, _ = _logged(db, sid)
    [chosen] = [data for kind, _, data in events if kind == "menu_choice"]
    return chosen


def _queued(events: list[SimEvent]) -> bool:
    return any(event.kind == "enqueue" for event in events)


def test_a_key_goes_to_the_helpdesks_queue(migrated_db_url: str) -> None:
    sim, events, sid = _play(migrated_db_url, "1")

    assert _prompts(events) == 1
    assert _menu_attempts(sim, sid) == ["0"]
    assert _queued(events)
    assert _choice(migrated_db_url, sid) == {"key": "1", "how": "dtmf", "target": "voorkempen"}
    logged, record = _logged(migrated_db_url, sid)
    assert "offered" in [kind for kind, _, _ in logged]
    assert record is not None
    assert record.helpdesk_id == "voorkempen"


def test_words_forward_to_the_general_line(migrated_db_url: str) -> None:
    _, events, sid = _play(migrated_db_url, Said("Ik heb een vraag voor de gemeente"))

    dial = next(event for event in events if event.kind == "dial")
    assert (dial.data["Number"], dial.data["CallerId"]) == (GENERAL_LINE, CALLER)
    assert not _queued(events)
    assert _choice(migrated_db_url, sid) == {"key": "2", "how": "speech", "target": GENERAL_LINE}
    logged, _ = _logged(migrated_db_url, sid)
    assert "offered" not in [kind for kind, _, _ in logged]
    # The status callback of the shared number is logged too.
    assert ("status", f"menu:{MENU}") in [(kind, desk) for kind, desk, _ in logged]


def test_no_input_repeats_the_menu_twice_then_takes_the_default(migrated_db_url: str) -> None:
    sim, events, sid = _play(migrated_db_url)

    assert _prompts(events) == 3
    assert _menu_attempts(sim, sid) == ["0", "1", "2"]
    assert [event.data["text"] for event in events if event.kind == "say"].count(
        "Dat heb ik niet begrepen."
    ) == 2
    assert _queued(events)
    assert _choice(migrated_db_url, sid) == {"key": "1", "how": "default", "target": "voorkempen"}


def test_an_unknown_key_asks_again_and_the_next_answer_counts(migrated_db_url: str) -> None:
    sim, events, sid = _play(migrated_db_url, "7", "2")

    assert _prompts(events) == 2
    assert _menu_attempts(sim, sid) == ["0", "1"]
    assert any(event.kind == "dial" and event.data["Number"] == GENERAL_LINE for event in events)
    assert _choice(migrated_db_url, sid) == {"key": "2", "how": "dtmf", "target": GENERAL_LINE}


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param(("7", "8", "9"), id="unknown-keys"),
        pytest.param((Said("de bibliotheek"), "0", Said("euh")), id="unknown-words-and-keys"),
    ],
)
def test_when_the_repeats_are_used_up_the_default_is_taken(
    migrated_db_url: str, inputs: tuple[str | Said, ...]
) -> None:
    sim, events, sid = _play(migrated_db_url, *inputs)

    assert _prompts(events) == 3
    assert _menu_attempts(sim, sid) == ["0", "1", "2"]
    assert _queued(events)
    assert _choice(migrated_db_url, sid) == {"key": "1", "how": "default", "target": "voorkempen"}


def test_the_chosen_helpdesk_applies_its_own_rules(migrated_db_url: str) -> None:
    """Nobody logged in at Voorkempen: its own rule forwards the caller to central."""
    _, events, sid = _play(migrated_db_url, "1", agents=0)

    dials = [event.data["Number"] for event in events if event.kind == "dial"]
    assert dials == ["+3227138700"]
    _, record = _logged(migrated_db_url, sid)
    assert record is not None
    assert (record.helpdesk_id, record.outcome, record.overflow_reason) == (
        "voorkempen",
        "overflowed",
        "no_agents",
    )


def test_ivr_simulate_refuses_a_number_without_a_menu(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--config", str(CHOICE), "--menu", "+3233100100", "--at", "2026-12-02 10:00"]
    assert main(args) == 2
    assert "no menu answers '+3233100100'; this file's menus: +3233100300" in capsys.readouterr().err


def test_ivr_simulate_refuses_a_press_of_more_than_one_key() -> None:
    with pytest.raises(SystemExit):
        main(
            ["simulate", "--config", str(CHOICE), "--menu", MENU, "--at", "2026-12-02 10:00", "--press", "12"]
        )
