"""The once-a-minute jobs: staffing watch (min_agents and the forecast), reaper, Twilio queue sizes,
and the scheduler itself."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from twilio.rest import Client

from agents import Presence, PresenceStatus, presence, set_presence
from app import create_app
from calllog import set_invitations
from calls import QueueEntry, enter_queue
from config import HelpdeskConfig
from ivr.twiml import Renderer
from outbound import claim_next, start_attempt
from planning import Forecast, forecast_helpdesk
from service.jobs import Job, Jobs
from service.reload import ConfigWatcher
from service.runtime import Runtime
from simulator import TwilioSimulator
from staffing import Alert, StaffingReason, alerts
from tests.ivr.conftest import BASE, BRUSSELS, CONFIG, TOKEN, Clock, make_settings
from tests.ivr.rest_sim import ACCOUNT, rest_simulator
from tests.outbound.seed import add_list, entries

WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
AVAILABLE, BREAK, OFFLINE = PresenceStatus.AVAILABLE, PresenceStatus.BREAK, PresenceStatus.OFFLINE
OUTBOUND = PresenceStatus.OUTBOUND


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Instance:
    """One app instance: its runtime, its jobs and its clock (the scheduler is not started)."""

    app: FastAPI
    runtime: Runtime[Renderer]
    jobs: Jobs
    clock: Clock

    def staff(self, helpdesk: str, count: int, status: PresenceStatus = AVAILABLE) -> None:
        with self.runtime.session() as session:
            for number in range(count):
                set_presence(session, helpdesk, f"agent-{number}", status, self.clock())

    def alerts(self, helpdesk: str) -> list[Alert]:
        with self.runtime.session() as session:
            return alerts(session, helpdesk)

    def tick(self, at: str) -> list[Job]:
        self.clock.set_local(at)
        return self.jobs.run_tick(self.clock())


def instance(db_url: str, sim: TwilioSimulator | None = None) -> Instance:
    settings = make_settings(db_url)
    if sim is not None:
        settings = settings.model_copy(update={"twilio_account_sid": ACCOUNT})
    clock = Clock()
    app = create_app(
        settings, clock=clock, twilio_http_client=None if sim is None else sim.rest_http_client()
    )
    return Instance(app=app, runtime=app.state.runtime, jobs=app.state.jobs, clock=clock)


@pytest.fixture
def desk(migrated_db_url: str) -> Iterator[Instance]:
    one = instance(migrated_db_url)
    yield one
    one.runtime.engine.dispose()


@pytest.fixture
def sim() -> Iterator[TwilioSimulator]:
    with rest_simulator(WEDNESDAY_10) as sim:
        yield sim


@pytest.fixture
def connected(migrated_db_url: str, sim: TwilioSimulator) -> Iterator[Instance]:
    one = instance(migrated_db_url, sim)
    yield one
    one.runtime.engine.dispose()


def staffing_records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str, int, int]]:
    return [
        (r.levelname, r.getMessage(), vars(r)["helpdesk"], vars(r)["agents"], vars(r)["required"])
        for r in caplog.records
        if r.name == "ivr.staffing"
    ]


# ---------------------------------------------------------------- staffing watch


def test_open_with_too_few_agents_alerts_once(desk: Instance, caplog: pytest.LogCaptureFixture) -> None:
    desk.staff("voorkempen", 1)
    desk.staff("kempen-zuid", 2)

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        ran = [desk.tick("2026-12-02 10:00"), desk.tick("2026-12-02 10:00:40"), desk.tick("2026-12-02 10:01")]

    # The complaints' overdue list is logged at the first tick of the day only.
    assert ran == [
        [Job.STAFFING_WATCH, Job.RETENTION, Job.COMPLAINTS_OVERDUE],
        [],
        [Job.STAFFING_WATCH, Job.RETENTION],
    ]
    assert staffing_records(caplog) == [
        (
            "WARNING",
            "too few agents logged in: voorkempen has 1 of the 2 required while open",
            "voorkempen",
            1,
            2,
        )
    ]
    assert desk.alerts("voorkempen") == [Alert("voorkempen", utc("2026-12-02 09:00"), 1, 2, None)]
    assert desk.alerts("kempen-zuid") == []


def test_agents_on_break_do_not_count(desk: Instance) -> None:
    desk.staff("voorkempen", 3, BREAK)
    desk.staff("kempen-zuid", 2)

    desk.tick("2026-12-02 10:00")

    assert desk.alerts("voorkempen") == [Alert("voorkempen", utc("2026-12-02 09:00"), 0, 2, None)]


def test_agents_calling_citizens_do_not_count(desk: Instance) -> None:
    # Playbook 1.2.1 asks for 2 agents taking calls; agents phoning citizens (1.5) take none.
    desk.staff("voorkempen", 1)
    with desk.runtime.session() as session:
        for name in ("Bert", "Carla"):
            set_presence(session, "voorkempen", name, PresenceStatus.OUTBOUND, desk.clock())
    desk.staff("kempen-zuid", 2)

    desk.tick("2026-12-02 10:00")
    with desk.runtime.session() as session:
        set_presence(session, "voorkempen", "Bert", AVAILABLE, desk.clock())
    desk.tick("2026-12-02 10:01")

    assert desk.alerts("voorkempen") == [
        Alert("voorkempen", utc("2026-12-02 09:00"), 1, 2, utc("2026-12-02 09:01"))
    ]


def test_recovery_ends_the_alert_with_an_info(desk: Instance, caplog: pytest.LogCaptureFixture) -> None:
    desk.staff("voorkempen", 1)
    desk.staff("kempen-zuid", 2)
    desk.tick("2026-12-02 10:00")
    desk.staff("voorkempen", 2)
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        desk.tick("2026-12-02 10:05")
        desk.tick("2026-12-02 10:06")

    assert staffing_records(caplog) == [
        ("INFO", "staffing recovered: voorkempen has 2 agents logged in (2 required)", "voorkempen", 2, 2)
    ]
    assert desk.alerts("voorkempen") == [
        Alert("voorkempen", utc("2026-12-02 09:00"), 1, 2, utc("2026-12-02 09:05"))
    ]


def test_closing_ends_the_alert(desk: Instance, caplog: pytest.LogCaptureFixture) -> None:
    desk.staff("voorkempen", 1)
    desk.staff("kempen-zuid", 2)

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        desk.tick("2026-12-02 15:59")
        desk.tick("2026-12-02 16:00")

    assert [record[:2] for record in staffing_records(caplog)] == [
        ("WARNING", "too few agents logged in: voorkempen has 1 of the 2 required while open"),
        ("INFO", "staffing alert ended: voorkempen closed"),
    ]
    assert desk.alerts("voorkempen") == [
        Alert("voorkempen", utc("2026-12-02 14:59"), 1, 2, utc("2026-12-02 15:00"))
    ]


@pytest.mark.parametrize(
    "at",
    ["2026-12-02 21:00", "2026-12-02 08:59", "2026-12-06 10:00", "2026-12-25 10:00"],
    ids=["evening", "before-opening", "sunday", "christmas"],
)
def test_no_alert_while_closed(desk: Instance, at: str, caplog: pytest.LogCaptureFixture) -> None:
    desk.staff("voorkempen", 1)

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        ran = desk.tick(at)

    assert ran == [Job.STAFFING_WATCH, Job.RETENTION, Job.COMPLAINTS_OVERDUE]
    assert staffing_records(caplog) == []
    assert (desk.alerts("voorkempen"), desk.alerts("kempen-zuid")) == ([], [])


def test_two_instances_alert_once_for_the_same_minute(
    migrated_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    instances = [instance(migrated_db_url), instance(migrated_db_url)]
    instances[0].staff("voorkempen", 1)
    instances[0].staff("kempen-zuid", 2)
    start = threading.Barrier(len(instances))
    ran: list[list[Job]] = []
    lock = threading.Lock()

    def run(one: Instance) -> None:
        one.clock.set_local("2026-12-02 10:00:01")
        start.wait(timeout=10)
        jobs = one.jobs.run_tick(one.clock())
        with lock:
            ran.append(jobs)

    threads = [threading.Thread(target=run, args=(one,)) for one in instances]
    try:
        with caplog.at_level(logging.INFO, logger="ivr.staffing"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        stored = instances[1].alerts("voorkempen")
    finally:
        for one in instances:
            one.runtime.engine.dispose()

    # Each job ran once for the minute, in one instance or the other.
    assert sorted(job for jobs in ran for job in jobs) == sorted(
        [Job.STAFFING_WATCH, Job.RETENTION, Job.COMPLAINTS_OVERDUE]
    )
    assert [record[:3] for record in staffing_records(caplog)] == [
        ("WARNING", "too few agents logged in: voorkempen has 1 of the 2 required while open", "voorkempen")
    ]
    assert stored == [Alert("voorkempen", utc("2026-12-02 09:00"), 1, 2, None)]


def test_a_reload_that_drops_a_helpdesk_ends_its_alert(
    desk: Instance, example_config: HelpdeskConfig
) -> None:
    desk.staff("kempen-zuid", 2)
    desk.tick("2026-12-02 10:00")
    desk.runtime.config = example_config.model_copy(update={"helpdesks": example_config.helpdesks[1:]})

    desk.tick("2026-12-02 10:01")

    assert desk.alerts("voorkempen") == [
        Alert("voorkempen", utc("2026-12-02 09:00"), 0, 2, utc("2026-12-02 09:01"))
    ]


def _invite(one: Instance, helpdesk: str, day: str, count: int) -> None:
    with one.runtime.session() as session:
        set_invitations(session, helpdesk, date.fromisoformat(day), count)


def _reasons(one: Instance) -> dict[str, float]:
    text = TestClient(one.app, base_url=BASE).get("/metrics").text
    return {
        f"{sample.labels['helpdesk']}/{sample.labels['reason']}": sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "ivr_staffing_alert"
    }


# Tuesday's 40,000 invitations: with the playbook's prior, 0.05 x 0.35 of them call on Wednesday
# (+1), 700 calls over 09:00-16:00, 100 an hour of 250 s each (240 s talk + 10 s wrap-up): about
# 7 agents busy, and the forecast needs FORECAST_NEED to answer 80 % within 60 s.
FORECAST_NEED = 8


def test_fewer_agents_than_the_forecast_alert_with_their_own_reason(
    desk: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    _invite(desk, "voorkempen", "2026-12-01", 40000)
    desk.staff("voorkempen", 1)
    desk.staff("kempen-zuid", 2)

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        desk.tick("2026-12-02 10:00")
        gauges_below_min = _reasons(desk)
        desk.staff("voorkempen", 4)
        desk.tick("2026-12-02 10:01")
        gauges_below_forecast = _reasons(desk)
        desk.staff("voorkempen", FORECAST_NEED)
        desk.tick("2026-12-02 10:02")

    assert staffing_records(caplog) == [
        (
            "WARNING",
            "too few agents logged in: voorkempen has 1 of the 2 required while open",
            "voorkempen",
            1,
            2,
        ),
        (
            "WARNING",
            "too few agents logged in for the forecast: voorkempen has 4 of the "
            f"{FORECAST_NEED} needed this hour",
            "voorkempen",
            4,
            FORECAST_NEED,
        ),
        (
            "INFO",
            f"staffing recovered: voorkempen has {FORECAST_NEED} agents logged in ({FORECAST_NEED} required)",
            "voorkempen",
            FORECAST_NEED,
            FORECAST_NEED,
        ),
    ]
    assert desk.alerts("voorkempen") == [
        Alert(
            "voorkempen", utc("2026-12-02 09:00"), 1, 2, utc("2026-12-02 09:01"), StaffingReason.MIN_AGENTS
        ),
        Alert(
            "voorkempen",
            utc("2026-12-02 09:01"),
            4,
            FORECAST_NEED,
            utc("2026-12-02 09:02"),
            StaffingReason.FORECAST,
        ),
    ]
    assert (gauges_below_min["voorkempen/min_agents"], gauges_below_min["voorkempen/forecast"]) == (1.0, 0.0)
    assert (gauges_below_forecast["voorkempen/min_agents"], gauges_below_forecast["voorkempen/forecast"]) == (
        0.0,
        1.0,
    )


def test_the_forecast_is_read_once_an_hour_per_helpdesk(
    desk: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[tuple[str, date]] = []
    real = forecast_helpdesk

    def counted(session: Session, helpdesk_id: str, *args: Any) -> Forecast:
        read.append((helpdesk_id, args[-1]))
        return real(session, helpdesk_id, *args)

    monkeypatch.setattr("service.jobs.forecast_helpdesk", counted)
    for at in (
        "2026-12-02 10:00",
        "2026-12-02 10:01",
        "2026-12-02 10:59",
        "2026-12-02 11:00",
        "2026-12-02 18:00",
    ):
        desk.tick(at)

    # Open at 10 and 11 (both helpdesks), closed at 18: no forecast is needed then.
    assert read == [("voorkempen", date(2026, 12, 2)), ("kempen-zuid", date(2026, 12, 2))] * 2


def test_a_failing_forecast_leaves_the_watch_on_min_agents(
    desk: Instance, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Forecast:
        raise RuntimeError("no forecast today")

    monkeypatch.setattr("service.jobs.forecast_helpdesk", broken)
    _invite(desk, "voorkempen", "2026-12-01", 40000)
    desk.staff("voorkempen", 1)
    desk.staff("kempen-zuid", 2)

    with caplog.at_level(logging.INFO, logger="ivr.staffing"):
        ran = [desk.tick("2026-12-02 10:00"), desk.tick("2026-12-02 10:01")]

    assert [Job.STAFFING_WATCH in jobs for jobs in ran] == [True, True]
    assert [record.getMessage() for record in caplog.records if record.name == "ivr.staffing"] == [
        "no forecast for the staffing watch this hour: voorkempen",
        "no forecast for the staffing watch this hour: kempen-zuid",
        "too few agents logged in: voorkempen has 1 of the 2 required while open",
    ]
    assert desk.alerts("voorkempen") == [Alert("voorkempen", utc("2026-12-02 09:00"), 1, 2, None)]


# ---------------------------------------------------------------- reaper


def test_the_reaper_logs_out_agents_and_frees_queue_places_of_ended_calls(
    connected: Instance, sim: TwilioSimulator
) -> None:
    ended_agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/hangup")
    live_agent = sim.place_call(from_="+32490000002", to="+3233100199", path="/hold")
    ended_caller = sim.place_call(from_="+32470000001", to="+3233100100", path="/hangup")
    live_caller = sim.place_call(from_="+32470000002", to="+3233100100", path="/hold")
    recent_caller = sim.place_call(from_="+32470000003", to="+3233100100", path="/hangup")
    sim.run(until=WEDNESDAY_10 + timedelta(seconds=20))
    changed: list[str] = []
    connected.runtime.presence_listeners.append(changed.append)
    with connected.runtime.session() as session:
        set_presence(session, "voorkempen", "An", AVAILABLE, WEDNESDAY_10, call_sid=ended_agent.sid)
        set_presence(session, "voorkempen", "Bart", BREAK, WEDNESDAY_10, call_sid=live_agent.sid)
        set_presence(session, "voorkempen", "Chris", AVAILABLE, WEDNESDAY_10)
        enter_queue(session, ended_caller.sid, "voorkempen", local("2026-12-02 09:49"))
        enter_queue(session, live_caller.sid, "voorkempen", local("2026-12-02 09:45"))
        enter_queue(session, recent_caller.sid, "kempen-zuid", local("2026-12-02 09:51"))
    sim.rest_requests.clear()

    ran = connected.tick("2026-12-02 10:01")

    assert ran == [
        Job.STAFFING_WATCH,
        Job.REAPER,
        Job.QUEUES,
        Job.RETENTION,
        # With REST access: closed escalations' recordings still at Twilio (none here).
        Job.ESCALATIONS,
        Job.COMPLAINTS_OVERDUE,
    ]
    calls = f"/2010-04-01/Accounts/{ACCOUNT}/Calls"
    assert [(r.method, r.path) for r in sim.rest_requests if "/Calls/" in r.path] == [
        ("GET", f"{calls}/{ended_agent.sid}.json"),
        ("GET", f"{calls}/{live_agent.sid}.json"),
        ("GET", f"{calls}/{live_caller.sid}.json"),
        ("GET", f"{calls}/{ended_caller.sid}.json"),
    ]
    now = local("2026-12-02 10:01")
    with connected.runtime.session() as session:
        assert presence(session, "voorkempen") == [
            Presence("An", OFFLINE, None, now),
            Presence("Bart", BREAK, live_agent.sid, WEDNESDAY_10),
            Presence("Chris", AVAILABLE, None, WEDNESDAY_10),
        ]
        left = {entry.call_sid: (entry.left_at, entry.result) for entry in session.query(QueueEntry)}
    assert left == {
        ended_caller.sid: (now, "reaped-completed"),
        live_caller.sid: (None, None),
        recent_caller.sid: (None, None),
    }
    assert changed == ["voorkempen"]


def test_the_reaper_puts_the_people_of_an_ended_agent_call_back_on_their_list(
    connected: Instance, sim: TwilioSimulator
) -> None:
    ended_agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/hangup")
    sim.run(until=WEDNESDAY_10 + timedelta(seconds=20))
    with connected.runtime.session() as session:
        set_presence(session, "voorkempen", "An", OUTBOUND, WEDNESDAY_10, call_sid=ended_agent.sid)
        list_id = add_list(session, "voorkempen", ["+32470000001", "+32470000002"], WEDNESDAY_10)
        claimed = claim_next(session, "voorkempen", "An", ended_agent.sid, WEDNESDAY_10)
        assert claimed is not None
        start_attempt(session, claimed, "voorkempen", "An", ended_agent.sid, WEDNESDAY_10)

    assert Job.REAPER in connected.tick("2026-12-02 10:01")
    with connected.runtime.session() as session:
        assert [row.status for row in presence(session, "voorkempen")] == [OFFLINE]
        assert entries(session, list_id)[0] == ("+32470000001", "pending", None, 1, None)


def test_the_reaper_leaves_calls_twilio_cannot_tell_about(
    connected: Instance, sim: TwilioSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = "CA" + "e" * 32
    connected.staff("kempen-zuid", 2)
    with connected.runtime.session() as session:
        set_presence(session, "voorkempen", "An", AVAILABLE, WEDNESDAY_10, call_sid=unknown)

    with caplog.at_level(logging.ERROR, logger="ivr.twilio"):
        ran = connected.tick("2026-12-02 10:01")

    assert Job.REAPER in ran
    assert [(r.message, vars(r)["call_sid"]) for r in caplog.records] == [
        ("could not fetch the call's status from Twilio", unknown)
    ]
    with connected.runtime.session() as session:
        assert presence(session, "voorkempen") == [Presence("An", AVAILABLE, unknown, WEDNESDAY_10)]


def test_without_rest_access_only_the_staffing_watch_runs(desk: Instance) -> None:
    assert desk.runtime.twilio is None
    assert desk.tick("2026-12-02 10:00") == [Job.STAFFING_WATCH, Job.RETENTION, Job.COMPLAINTS_OVERDUE]


# ---------------------------------------------------------------- Twilio queue sizes


ALL_QUEUES = [
    ("voorkempen", 200),
    ("voorkempen_returning", 200),
    ("kempen-zuid", 200),
    ("kempen-zuid_returning", 200),
]


def _queues(sim: TwilioSimulator) -> list[tuple[str, int]]:
    client = Client(ACCOUNT, TOKEN, http_client=sim.rest_http_client())
    return [(queue.friendly_name, queue.max_size) for queue in client.queues.list()]


def test_queues_are_sized_once_per_config_load(
    connected: Instance, sim: TwilioSimulator, example_config: HelpdeskConfig
) -> None:
    first = connected.tick("2026-12-02 10:00")
    sized = _queues(sim)
    sim.rest_requests.clear()
    second = connected.tick("2026-12-02 10:01")
    untouched = [r for r in sim.rest_requests if "/Queues" in r.path]
    voorkempen = example_config.helpdesks[0]
    smaller = voorkempen.model_copy(update={"queue": voorkempen.queue.model_copy(update={"max_size": 50})})
    connected.runtime.config = example_config.model_copy(
        update={"helpdesks": (smaller, *example_config.helpdesks[1:])}
    )
    sim.rest_requests.clear()
    third = connected.tick("2026-12-02 10:02")

    assert (Job.QUEUES in first, Job.QUEUES in second, Job.QUEUES in third) == (True, False, True)
    # Each helpdesk's own queue and its returning queue (citizens ringing back, taken first).
    assert sized == ALL_QUEUES
    assert untouched == []
    assert [(r.method, r.path.rsplit("/", 1)[1], dict(r.data)) for r in sim.rest_requests] == [
        ("GET", "Queues.json", {}),
        ("POST", f"{'QU' + '0' * 31 + '1'}.json", {"MaxSize": "50"}),
        ("GET", "Queues.json", {}),
        ("POST", f"{'QU' + '0' * 31 + '2'}.json", {"MaxSize": "50"}),
        ("GET", "Queues.json", {}),
        ("GET", "Queues.json", {}),
    ]
    assert _queues(sim) == [
        ("voorkempen", 50),
        ("voorkempen_returning", 50),
        ("kempen-zuid", 200),
        ("kempen-zuid_returning", 200),
    ]


def test_two_instances_size_the_queues_in_turn(migrated_db_url: str, sim: TwilioSimulator) -> None:
    instances = [instance(migrated_db_url, sim), instance(migrated_db_url, sim)]
    try:
        first = [one.tick("2026-12-02 10:00") for one in instances]
        second = [one.tick("2026-12-02 10:01") for one in instances]
    finally:
        for one in instances:
            one.runtime.engine.dispose()

    assert [Job.QUEUES in ran for ran in first + second] == [True, False, False, True]
    # The first instance creates the four queues; the second finds them sized already.
    assert [r.method for r in sim.rest_requests if "/Queues" in r.path] == [
        *["GET", "POST"] * 4,
        *["GET"] * 4,
    ]
    assert _queues(sim) == ALL_QUEUES


def test_start_up_creates_the_queues_before_the_first_tick(
    migrated_db_url: str, sim: TwilioSimulator
) -> None:
    settings = make_settings(migrated_db_url).model_copy(update={"twilio_account_sid": ACCOUNT})
    app = create_app(settings, clock=Clock(), twilio_http_client=sim.rest_http_client())

    with TestClient(app, base_url=BASE):
        created = _queues(sim)
    app.state.runtime.engine.dispose()

    assert created == ALL_QUEUES


def test_start_up_without_rest_access_asks_twilio_nothing(migrated_db_url: str, sim: TwilioSimulator) -> None:
    app = create_app(make_settings(migrated_db_url), clock=Clock(), twilio_http_client=sim.rest_http_client())

    with TestClient(app, base_url=BASE):
        pass
    app.state.runtime.engine.dispose()

    assert sim.rest_requests == []


def test_a_reload_creates_the_queue_of_a_new_helpdesk(
    migrated_db_url: str, sim: TwilioSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "helpdesk.yaml"
    shutil.copyfile(CONFIG, path)
    shutil.copytree(CONFIG.parent / "media", tmp_path / "media")
    settings = make_settings(migrated_db_url).model_copy(
        update={"twilio_account_sid": ACCOUNT, "ivr_config": path}
    )
    clock = Clock()
    app = create_app(settings, clock=clock, twilio_http_client=sim.rest_http_client())
    with TestClient(app, base_url=BASE):
        watcher: ConfigWatcher[Renderer] = app.state.config_watcher
        watcher.stop()
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("id: kempen-zuid", "id: kempen-noord"), encoding="utf-8")
        # Set-ups are claimed per minute across instances: the reload comes a minute after start-up.
        clock.set_local("2026-12-02 10:01")
        result = watcher.check()
        queues = _queues(sim)
    app.state.runtime.engine.dispose()

    assert result.status == "reloaded"
    assert queues == [*ALL_QUEUES, ("kempen-noord", 200), ("kempen-noord_returning", 200)]


# ---------------------------------------------------------------- the scheduler


def _scheduler_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "APScheduler"]


def test_the_scheduler_runs_with_the_app_lifespan(migrated_db_url: str) -> None:
    settings = make_settings(migrated_db_url).model_copy(update={"ivr_scheduler": True})
    app = create_app(settings, clock=Clock())
    jobs: Jobs = app.state.jobs
    before = _scheduler_threads()

    with TestClient(app, base_url=BASE):
        running = (jobs.running, len(_scheduler_threads()) - len(before))
        next_run = jobs.next_run()
    after = _scheduler_threads()

    assert running == (True, 1)
    assert next_run is not None
    assert (next_run.second, next_run.microsecond) == (0, 0)
    assert timedelta(0) < next_run - datetime.now(UTC) <= timedelta(minutes=1)
    assert (jobs.running, jobs.next_run(), after) == (False, None, before)


def test_no_scheduler_when_switched_off(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url), clock=Clock())
    jobs: Jobs = app.state.jobs
    before = _scheduler_threads()

    with TestClient(app, base_url=BASE):
        during = (jobs.running, _scheduler_threads())

    assert during == (False, before)


def test_a_scheduled_tick_reads_the_app_clock(desk: Instance) -> None:
    desk.staff("kempen-zuid", 2)
    desk.clock.set_local("2026-12-02 10:00:30")

    desk.jobs._scheduled_tick()

    assert desk.alerts("voorkempen") == [Alert("voorkempen", utc("2026-12-02 09:00"), 0, 2, None)]
