"""The caller's place and estimated wait before the wait message (queue.announce_position/_wait).

Golden waitUrl documents with the option on, the estimate from the helpdesk's recent calls (kept a
minute per helpdesk), and what is said when Twilio sends no ``QueuePosition`` or the database fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from agents import PresenceStatus, set_presence
from cli.simulate import Deployment
from config import HelpdeskConfig, load_config
from config.models import QueueSettings
from messages import spoken_position
from routing import NO_HISTORY, WaitHistory
from service.histories import WaitHistories
from tests.calllog.conftest import answered, play
from tests.ivr.conftest import BRUSSELS, CONFIG, Line, build_line
from tests.ivr.test_golden_twiml import GOLDEN, WEDNESDAY, assert_golden

POSITION = "U bent de derde in de rij."
_VOICE = 'language="nl-BE" voice="Google.nl-BE-Standard-A"'


def with_queue(config: HelpdeskConfig, **settings: bool) -> HelpdeskConfig:
    """The example config with ``settings`` in voorkempen's queue."""
    first = config.helpdesks[0]
    queue = QueueSettings.model_validate({**first.queue.model_dump(), **settings})
    desk = first.model_copy(update={"queue": queue})
    return config.model_copy(update={"helpdesks": (desk, *config.helpdesks[1:])})


@pytest.fixture
def position_line(migrated_db_url: str) -> Iterator[Line]:
    yield from build_line(migrated_db_url, with_queue(load_config(CONFIG), announce_position=True))


@pytest.fixture
def estimate_line(migrated_db_url: str) -> Iterator[Line]:
    config = with_queue(load_config(CONFIG), announce_position=True, announce_wait=True)
    yield from build_line(migrated_db_url, config)


def _wait(line: Line, queue_time: int, query: str = "", **queue: str) -> str:
    params = line.call(QueueTime=str(queue_time), **queue)
    response = line.post(f"/twilio/wait?helpdesk=voorkempen{query}", params)
    assert response.status_code == 200
    return response.text


def test_position(position_line: Line) -> None:
    position_line.agents("voorkempen", 1)
    body = _wait(position_line, 0, QueuePosition="3", CurrentQueueSize="4")
    assert_golden("wait-position-p3-t0", body)


def test_position_and_estimate_without_recent_calls(estimate_line: Line) -> None:
    # No answered call yet: 2 (position) x 300 s (default handle time) / 1 agent = 10 minutes.
    estimate_line.agents("voorkempen", 1)
    body = _wait(estimate_line, 58, "&announced=0", QueuePosition="2", CurrentQueueSize="2")
    assert_golden("wait-position-wait-p2-t58", body)


def test_estimate_from_recent_answered_waits(estimate_line: Line) -> None:
    estimate_line.agents("voorkempen", 2)
    now = estimate_line.clock()
    estimate_line.runtime.histories.remember("voorkempen", now, WaitHistory(5, 200.0, 240.0))
    body = _wait(estimate_line, 0, QueuePosition="3", CurrentQueueSize="3")
    assert f"<Say {_VOICE}>{POSITION} De verwachte wachttijd is ongeveer 4 minuten.</Say>" in body


def test_no_agent_place_only(estimate_line: Line) -> None:
    # 21:00: central closed, so the caller keeps waiting with nobody logged in; no time is promised.
    estimate_line.clock.set_local(f"{WEDNESDAY} 21:00")
    body = _wait(estimate_line, 0, QueuePosition="3", CurrentQueueSize="3")
    assert_golden("wait-position-wait-no-agents", body)


@pytest.mark.parametrize(
    "queue",
    [{}, {"QueuePosition": "0"}, {"QueuePosition": "drie"}],
    ids=["absent", "zero", "not-a-number"],
)
def test_no_queue_position_nothing_said(estimate_line: Line, queue: dict[str, str]) -> None:
    estimate_line.agents("voorkempen", 1)
    body = _wait(estimate_line, 0, **queue)
    # The ordinary first document (its URLs carry this config's version).
    assert "in de rij" not in body
    assert_golden("wait-position-wait-no-queue-position", body)


def test_option_off_keeps_the_documents(line: Line) -> None:
    line.agents("voorkempen", 1)
    body = _wait(line, 0, QueuePosition="3", CurrentQueueSize="3")
    assert body + "\n" == (GOLDEN / "wait-voorkempen-t0.xml").read_text(encoding="utf-8")


def test_history_read_once_a_minute(estimate_line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    estimate_line.agents("voorkempen", 1)
    reads: list[datetime] = []
    runtime = estimate_line.runtime
    read = runtime.wait_history

    def counted(helpdesk_id: str, now: datetime) -> WaitHistory:
        reads.append(now)
        return read(helpdesk_id, now)

    monkeypatch.setattr(runtime, "wait_history", counted)
    start = estimate_line.clock.now
    for seconds in (0, 10, 30, 59, 60, 61):
        estimate_line.clock.now = start + timedelta(seconds=seconds)
        _wait(estimate_line, seconds, QueuePosition="1", CurrentQueueSize="1")
    # Asked at 0 s (nothing kept), kept until 60 s, asked again then.
    assert [(moment - start).total_seconds() for moment in reads] == [0.0, 60.0]


def test_history_unavailable_place_only(estimate_line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    estimate_line.agents("voorkempen", 1)

    def broken(helpdesk_id: str, now: datetime) -> WaitHistory:
        raise RuntimeError("database down")

    monkeypatch.setattr(estimate_line.runtime, "wait_history", broken)
    body = _wait(estimate_line, 0, QueuePosition="3", CurrentQueueSize="3")
    assert f"<Say {_VOICE}>{POSITION}</Say>" in body
    assert "wachttijd is ongeveer" not in body


STANDING_TEXT = "in de rij."
WAIT_TEXTS = (
    "Al onze medewerkers zijn op dit ogenblik in gesprek",
    "Al onze medewerkers zijn op dit ogenblik nog",
)


@pytest.mark.parametrize("queue_params", [True, False], ids=["redirect-with-queue-time", "redirect-without"])
def test_cadence_holds_with_the_longer_message(
    example_config: HelpdeskConfig, migrated_db_url: str, queue_params: bool
) -> None:
    """Three callers at once, the longest message (overflow_announce's, with the central number)
    preceded by the place and the estimate: every message still starts within 8 s of its minute,
    with Twilio's download delays drawn on every first play."""
    config = with_queue(example_config, announce_position=True, announce_wait=True)
    desk = config.helpdesks[0].model_copy(update={"overflow": "announce"})
    config = config.model_copy(update={"helpdesks": (desk, *config.helpdesks[1:])})
    start = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
    with Deployment(
        config,
        CONFIG,
        start,
        migrated_db_url,
        first_play_delay=(0.0, 10.0),
        seed=7,
        wait_redirect_queue_params=queue_params,
    ) as deployment:
        sim = deployment.sim
        with deployment.runtime.session() as session:
            set_presence(session, desk.id, "agent-1", PresenceStatus.AVAILABLE, start)
        calls = [
            sim.place_call(from_=f"+3247012345{number}", to=desk.numbers[0], hang_up_after=415)
            for number in range(3)
        ]
        sim.run(until=start + timedelta(seconds=480))
    assert [event.detail for event in sim.errors] == []
    assert len(calls) == 3
    places = []
    for call in calls:
        events = sim.calls[call.sid].events
        enqueued = next(event for event in events if event.kind == "enqueue")
        queued, place = enqueued.at, int(enqueued.data["QueuePosition"])
        places.append(place)
        said = [
            ((event.at - queued).total_seconds(), event.data["text"])
            for event in events
            if event.kind == "say"
            and (STANDING_TEXT in event.data["text"] or event.data["text"].startswith(WAIT_TEXTS))
        ]
        standings = [(at, text) for at, text in said if STANDING_TEXT in text]
        assert len(standings) == 7, (place, said)  # at 0, 60, ... 360 s
        for boundary, (at, text) in zip(range(0, 420, 60), standings, strict=True):
            assert boundary <= at <= boundary + 8, (place, said)
            # Nobody is answered (no recent data): place x 300 s / 1 agent.
            assert text == (
                f"U bent {spoken_position(place)} in de rij. "
                f"De verwachte wachttijd is ongeveer {place * 5} minuten."
            )
        # Each is followed by the wait message, well before the next minute.
        pairs = list(zip(said[::2], said[1::2], strict=True))
        assert all(
            STANDING_TEXT in first and second.startswith(WAIT_TEXTS) for (_, first), (_, second) in pairs
        )
        assert all(later - earlier < 15 for (earlier, _), (later, _) in pairs)
    assert sorted(places) == [1, 2, 3]


def test_wait_histories_age_on_the_request_clock() -> None:
    kept = WaitHistories(ttl_s=60)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
    history = WaitHistory(4, 90.0, 200.0)
    assert kept.recent("voorkempen", start) is None
    assert kept.remember("voorkempen", start, history) == history
    assert kept.recent("voorkempen", start + timedelta(seconds=59)) == history
    assert kept.recent("voorkempen", start + timedelta(seconds=60)) is None  # a minute old
    assert kept.recent("voorkempen", start - timedelta(seconds=1)) is None  # the clock went back
    assert kept.recent("kempen-zuid", start) is None


def test_wait_histories_keep_nothing_with_no_time_to_live() -> None:
    kept = WaitHistories(ttl_s=0)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
    kept.remember("voorkempen", start, NO_HISTORY)
    assert kept.recent("voorkempen", start) is None


def test_estimate_from_the_call_log(estimate_line: Line) -> None:
    """Answered calls in the call log make the estimate: waits of 120, 180 and 240 s, mean 180 s,
    less the 60 s this caller waited: 2 minutes."""
    estimate_line.agents("voorkempen", 2)
    now = estimate_line.clock()
    with estimate_line.runtime.session() as session:
        for number, wait in enumerate((120, 180, 240)):
            arrived = now - timedelta(minutes=20 - number)
            play(session, f"CA{number + 900:032x}", "voorkempen", arrived, answered(wait, 300))
    body = _wait(estimate_line, 60, "&announced=0", QueuePosition="3", CurrentQueueSize="5")
    assert f"<Say {_VOICE}>{POSITION} De verwachte wachttijd is ongeveer 2 minuten.</Say>" in body
