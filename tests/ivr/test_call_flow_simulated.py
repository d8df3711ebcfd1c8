"""Whole calls through the real app, driven by the Twilio simulator (waitUrl loop on QueueTime)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cli.simulate import Scenario, run_call
from config import HelpdeskConfig
from simulator import SimEvent, TwilioSimulator
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
CENTRAL = "+3227138700"
SPOKEN_CENTRAL = "0 2, 7 1 3, 8 7, 0 0"


def _queued_at(events: list[SimEvent]) -> datetime:
    return next(event.at for event in events if event.kind == "enqueue")


def _queue_times(events: list[SimEvent], text_part: str) -> list[int]:
    start = _queued_at(events)
    return [
        int((event.at - start).total_seconds())
        for event in events
        if event.kind == "say" and text_part in event.data["text"]
    ]


def _play(
    config: HelpdeskConfig, desk_id: str, start: datetime, db: str, **scenario: object
) -> tuple[TwilioSimulator, list[SimEvent]]:
    desk = config.helpdesk(desk_id)
    assert desk is not None
    sim, sid = run_call(config, CONFIG, desk, start, Scenario(**scenario), db)  # type: ignore[arg-type]
    assert [e.detail for e in sim.events if e.kind in {"application-error", "callback-error"}] == []
    return sim, sim.calls[sid].events


def _announce(config: HelpdeskConfig) -> HelpdeskConfig:
    desk = config.helpdesks[0].model_copy(update={"overflow": "announce"})
    return config.model_copy(update={"helpdesks": (desk, *config.helpdesks[1:])})


def test_wait_message_every_minute_then_central_at_180s(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    _, events = _play(example_config, "voorkempen", WEDNESDAY_10, migrated_db_url, agents=1)

    wait_times = _queue_times(events, "Al onze medewerkers zijn op dit ogenblik in gesprek")
    assert len(wait_times) == 3
    for boundary, heard in zip((0, 60, 120), wait_times, strict=True):
        assert boundary <= heard <= boundary + 5
    leave = next(event for event in events if event.kind == "queue-result")
    assert leave.data["QueueResult"] == "leave"
    assert 175 <= int(leave.data["QueueTime"]) <= 185
    dial = next(event for event in events if event.kind == "dial")
    assert dial.data["Number"] == CENTRAL
    assert dial.data["CallerId"] == "+32470123456"
    assert abs((dial.at - _queued_at(events)) - timedelta(seconds=180)) <= timedelta(seconds=5)


def test_announce_mode_gives_the_alternative_number_after_180s(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    _, events = _play(
        _announce(example_config), "voorkempen", WEDNESDAY_10, migrated_db_url, agents=1, hang_up_after=300
    )

    assert len(_queue_times(events, "Al onze medewerkers zijn op dit ogenblik in gesprek")) == 3
    overflow_times = _queue_times(events, SPOKEN_CENTRAL)
    assert len(overflow_times) == 2
    for boundary, heard in zip((180, 240), overflow_times, strict=True):
        assert boundary <= heard <= boundary + 5
    assert [event.kind for event in events if event.kind == "dial"] == []
    assert next(e for e in events if e.kind == "queue-result").data["QueueResult"] == "hangup"


def test_central_number_appears_only_in_the_dial_and_the_announce_message(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    bodies = []
    for config, scenario in (
        (example_config, {"agents": 1}),
        (example_config, {"agents": 0}),
        (_announce(example_config), {"agents": 1, "hang_up_after": 200}),
    ):
        sim, _ = _play(config, "voorkempen", WEDNESDAY_10, migrated_db_url, **scenario)
        bodies += [request.body for request in sim.webhooks]
    mentioning = [body for body in bodies if CENTRAL in body or SPOKEN_CENTRAL in body or "713" in body]
    assert mentioning
    for body in mentioning:
        dial_only = body.count(CENTRAL) == 1 and f"<Number>{CENTRAL}</Number>" in body
        announce_only = SPOKEN_CENTRAL in body and CENTRAL not in body
        assert dial_only or announce_only, body


def test_central_closed_keeps_the_caller_waiting_until_it_opens(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    # Saturday: the helpdesk opens at 09:00, the central back-up only at 10:00.
    start = datetime(2026, 12, 5, 9, 55, tzinfo=BRUSSELS)
    _, events = _play(example_config, "voorkempen", start, migrated_db_url, agents=1)

    wait_times = _queue_times(events, "Al onze medewerkers zijn op dit ogenblik in gesprek")
    assert len(wait_times) == 5  # 0, 60, 120, 180 and 240: no overflow while central is closed
    leave = next(event for event in events if event.kind == "queue-result")
    assert leave.data["QueueResult"] == "leave"
    # Central opens at QueueTime 289 (the caller entered the queue after an 11 s welcome); the
    # next request after it, at the latest the one of the 300 s boundary, leaves the queue.
    assert 289 <= int(leave.data["QueueTime"]) <= 305
    dial = next(event for event in events if event.kind == "dial")
    assert dial.at >= datetime(2026, 12, 5, 10, 0, tzinfo=BRUSSELS)
    assert all(SPOKEN_CENTRAL not in event.detail for event in events if event.kind == "say")


@pytest.mark.parametrize(
    ("start", "agents", "expected"),
    [
        (datetime(2026, 12, 2, 18, 0, tzinfo=BRUSSELS), 0, "dial"),
        (datetime(2026, 12, 2, 21, 0, tzinfo=BRUSSELS), 0, "closing"),
        (datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS), 0, "dial"),
    ],
    ids=["closed-forwarded", "closed-central-closed", "no-agents-forwarded"],
)
def test_arrival_outcomes(
    example_config: HelpdeskConfig, migrated_db_url: str, start: datetime, agents: int, expected: str
) -> None:
    _, events = _play(example_config, "voorkempen", start, migrated_db_url, agents=agents)
    kinds = [event.kind for event in events]
    if expected == "dial":
        assert next(e for e in events if e.kind == "dial").data["Number"] == CENTRAL
        assert "enqueue" not in kinds
    else:
        assert "dial" not in kinds
        said = [event.data["text"] for event in events if event.kind == "say"]
        assert len(said) == 1
        assert "Onze lijnen zijn op dit ogenblik niet bereikbaar" in said[0]


@pytest.mark.parametrize("caller", ["anonymous", "Restricted", ""], ids=["anonymous", "restricted", "empty"])
def test_a_withheld_caller_reaches_central_with_the_helpdesk_number(
    example_config: HelpdeskConfig, migrated_db_url: str, caller: str
) -> None:
    # Open, nobody logged in, central open: forwarded at once.
    sim, events = _play(example_config, "voorkempen", WEDNESDAY_10, migrated_db_url, agents=0, caller=caller)

    assert sim.errors == []
    dial = next(event for event in events if event.kind == "dial")
    assert (dial.data["Number"], dial.data["CallerId"]) == (CENTRAL, "+3233100100")
    assert [event.detail for event in events if event.kind == "dial-answer"] == [f"{CENTRAL} answers"]
