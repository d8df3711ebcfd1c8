""" "Nu": the staffing alert's reasons, the live state shared for a second, sessions rechecked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from agents import PresenceStatus, set_presence
from console.auth import SESSION_RECHECK_S, RecentSessions
from console.now import SharedNow
from console.sessions import LIFETIME, ConsoleSession
from service.live import LIVE_TTL_S, RecentLive
from staffing import StaffingReason, raise_alert
from tests.console.conftest import SUPERVISOR_TOKEN, Console


@dataclass
class Ticks:
    """A monotonic clock the test moves."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def _available(console: Console, helpdesk: str, count: int) -> None:
    with console.runtime.session() as session:
        for number in range(count):
            set_presence(session, helpdesk, f"{number + 1:03d}", PresenceStatus.AVAILABLE, console.clock())


def _alerts(console: Console) -> dict[str, tuple[bool, str]]:
    answer = console.client.get("/console/nu.json")
    assert answer.status_code == 200
    return {desk["id"]: (desk["alert"], desk["fields"]["alert"]) for desk in answer.json()["helpdesks"]}


def test_now_gives_the_forecasts_staffing_reason_and_the_floors(console: Console) -> None:
    _available(console, "voorkempen", 1)
    _available(console, "kempen-zuid", 3)
    with console.runtime.session() as session:
        for helpdesk, agents in (("voorkempen", 1), ("kempen-zuid", 3)):
            raise_alert(session, helpdesk, console.clock(), agents, 5, StaffingReason.FORECAST)
    console.sign_in()

    assert _alerts(console) == {
        "voorkempen": (True, "Te weinig medewerkers: 1 beschikbaar, minimum 2"),
        "kempen-zuid": (True, "Te weinig medewerkers voor de prognose: 3 beschikbaar, 5 nodig dit uur"),
    }
    api = console.client.get("/api/helpdesks", headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"})
    assert [(desk["staffing_reason"], desk["agents_required"]) for desk in api.json()] == [
        ("min_agents", 2),
        ("forecast", 5),
    ]


def test_now_shows_no_alert_with_enough_agents(console: Console) -> None:
    _available(console, "voorkempen", 2)
    _available(console, "kempen-zuid", 2)
    console.sign_in()

    assert _alerts(console) == {"voorkempen": (False, "Geen"), "kempen-zuid": (False, "Geen")}


def test_the_pages_share_one_reading_for_at_most_a_second(console: Console) -> None:
    ticks = Ticks()
    app = console.client.app
    assert isinstance(app, FastAPI)
    app.state.console_now = SharedNow(RecentLive(clock=ticks))
    console.sign_in()
    before = _alerts(console)["voorkempen"]
    _available(console, "voorkempen", 2)

    ticks.now += LIVE_TTL_S - 0.01
    shared = _alerts(console)["voorkempen"]
    ticks.now += 0.01
    read_again = _alerts(console)["voorkempen"]

    assert before == shared == (True, "Te weinig medewerkers: 0 beschikbaar, minimum 2")
    assert read_again == (False, "Geen")


def test_a_forgotten_reading_is_read_again_at_once(console: Console) -> None:
    ticks = Ticks()
    live = RecentLive(clock=ticks)
    first = live.read(console.runtime)
    assert live.read(console.runtime) is first

    live.forget()

    assert live.recent(console.runtime) is None
    assert live.read(console.runtime) is not first


def test_a_reading_is_not_shared_across_a_clock_change_or_a_new_config(console: Console) -> None:
    ticks = Ticks()
    live = RecentLive(clock=ticks)
    first = live.read(console.runtime)

    console.clock.set_local("2026-12-02 21:00")
    later = live.read(console.runtime)
    again = live.read(console.runtime)

    assert first.helpdesks[0].open_now is True
    assert later.helpdesks[0].open_now is False
    assert again is later
    console.runtime.config = console.runtime.config.model_copy()
    assert live.read(console.runtime) is not later


def test_a_session_signed_out_elsewhere_stops_working_within_the_recheck(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = Ticks()
    monkeypatch.setattr("console.auth.recent_sessions", RecentSessions(clock=ticks))
    console.sign_in()
    assert console.client.get("/console/nu.json").status_code == 200
    # Another instance signs the session out: its row is gone from the shared database.
    with console.runtime.session() as session:
        session.execute(delete(ConsoleSession))

    ticks.now += SESSION_RECHECK_S - 0.01
    within = console.client.get("/console/nu.json").status_code
    ticks.now += 0.01
    after = console.client.get("/console/nu.json").status_code

    assert (within, after) == (200, 401)


def test_a_remembered_session_still_expires_on_time(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = Ticks()
    monkeypatch.setattr("console.auth.recent_sessions", RecentSessions(clock=ticks))
    console.sign_in()
    assert console.client.get("/console/nu.json").status_code == 200

    console.clock.now += LIFETIME

    assert console.client.get("/console/nu.json").status_code == 401
