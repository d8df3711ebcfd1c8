"""``GET /metrics`` (Prometheus, no auth) and ``GET /api/helpdesks`` (supervisor or ops)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from agents import PresenceStatus, set_presence
from app import create_app
from calls import enter_queue
from service.operations import LeaveQueue
from staffing import StaffingReason, raise_alert
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, Line, make_settings

UNREACHABLE_DB = "postgresql+psycopg://ivr@127.0.0.1:1/ivr"


def samples(line: Line) -> dict[tuple[str, str], float]:
    response = line.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    # The staffing alert has a series per reason: keyed as helpdesk/reason.
    return {
        (
            sample.name,
            "/".join(filter(None, (sample.labels.get("helpdesk", ""), sample.labels.get("reason")))),
        ): (sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def waiting_since(line: Line, helpdesk: str, *local_times: str) -> None:
    with line.runtime.session() as session:
        for number, text in enumerate(local_times):
            clock = Clock()
            clock.set_local(text)
            enter_queue(session, f"CA{number:032x}", helpdesk, clock())


def helpdesks(line: Line, token: str = SUPERVISOR_TOKEN) -> list[dict[str, object]]:
    response = line.client.get("/api/helpdesks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body: list[dict[str, object]] = response.json()
    return body


# ---------------------------------------------------------------- /metrics


def test_metrics_while_open_with_too_few_agents(line: Line) -> None:
    line.agents("voorkempen", 1)
    line.agents("kempen-zuid", 3)
    line.waiting("voorkempen", 2)

    assert samples(line) == {
        ("ivr_helpdesk_open", "voorkempen"): 1.0,
        ("ivr_helpdesk_open", "kempen-zuid"): 1.0,
        ("ivr_agents_logged_in", "voorkempen"): 1.0,
        ("ivr_agents_logged_in", "kempen-zuid"): 3.0,
        ("ivr_agents_outbound", "voorkempen"): 0.0,
        ("ivr_agents_outbound", "kempen-zuid"): 0.0,
        ("ivr_callers_waiting", "voorkempen"): 2.0,
        ("ivr_callers_waiting", "kempen-zuid"): 0.0,
        ("ivr_callers_returning", "voorkempen"): 0.0,
        ("ivr_callers_returning", "kempen-zuid"): 0.0,
        ("ivr_staffing_alert", "voorkempen/min_agents"): 1.0,
        ("ivr_staffing_alert", "voorkempen/forecast"): 0.0,
        ("ivr_staffing_alert", "kempen-zuid/min_agents"): 0.0,
        ("ivr_staffing_alert", "kempen-zuid/forecast"): 0.0,
        ("ivr_helpdesk_closed", "voorkempen"): 0.0,
        ("ivr_helpdesk_closed", "kempen-zuid"): 0.0,
        ("ivr_complaints_overdue", "voorkempen"): 0.0,
        ("ivr_complaints_overdue", "kempen-zuid"): 0.0,
        ("ivr_database_up", ""): 1.0,
        ("ivr_writes_pending", ""): 0.0,
        ("ivr_writes_dead_lettered_total", ""): 0.0,
    }


def test_metrics_while_closed_raise_no_staffing_alert(line: Line) -> None:
    line.agents("voorkempen", 1)
    line.clock.set_local("2026-12-02 21:00")

    found = samples(line)

    assert {
        key: value for key, value in found.items() if key[0] in ("ivr_helpdesk_open", "ivr_staffing_alert")
    } == {
        ("ivr_helpdesk_open", "voorkempen"): 0.0,
        ("ivr_helpdesk_open", "kempen-zuid"): 0.0,
        ("ivr_staffing_alert", "voorkempen/min_agents"): 0.0,
        ("ivr_staffing_alert", "voorkempen/forecast"): 0.0,
        ("ivr_staffing_alert", "kempen-zuid/min_agents"): 0.0,
        ("ivr_staffing_alert", "kempen-zuid/forecast"): 0.0,
    }
    assert found[("ivr_agents_logged_in", "voorkempen")] == 1.0


def test_metrics_need_no_token(line: Line) -> None:
    response = line.client.get("/metrics", headers={"Authorization": "Bearer not-a-token-of-anyone"})

    assert response.status_code == 200
    assert "# TYPE ivr_agents_logged_in gauge" in response.text.splitlines()


def test_two_apps_in_one_process_keep_their_own_gauges(line: Line, migrated_db_url: str) -> None:
    other = create_app(make_settings(migrated_db_url), clock=line.clock)
    line.agents("voorkempen", 2)

    with TestClient(other, base_url=BASE) as client:
        other_text = client.get("/metrics").text

    assert samples(line)[("ivr_agents_logged_in", "voorkempen")] == 2.0
    assert other_text.count("ivr_agents_logged_in{") == 2


def test_metrics_count_the_writes_not_yet_committed(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url, group_commit=True), clock=Clock())
    with TestClient(app, base_url=BASE) as client:
        runtime = app.state.runtime
        gone = LeaveQueue(call_sid="CA" + "1" * 32, now=runtime.clock(), result="hangup")
        with runtime.writer._flushing:  # the writer is busy with a batch
            webhook = threading.Thread(target=runtime.writer.submit_and_wait, args=([gone],))
            webhook.start()
            while runtime.writer.pending() == 0:
                time.sleep(0.001)
            text = client.get("/metrics").text
        webhook.join(5)
        after = client.get("/metrics").text
    runtime.engine.dispose()
    assert "ivr_writes_pending 1.0" in text.splitlines()
    assert "ivr_writes_pending 0.0" in after.splitlines()


@pytest.fixture
def no_database() -> Iterator[Line]:
    clock = Clock()
    app = create_app(make_settings(UNREACHABLE_DB), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield Line(client=client, runtime=app.state.runtime, clock=clock)


def test_metrics_without_a_database_answer_what_they_can(no_database: Line) -> None:
    assert samples(no_database) == {
        ("ivr_helpdesk_open", "voorkempen"): 1.0,
        ("ivr_helpdesk_open", "kempen-zuid"): 1.0,
        ("ivr_database_up", ""): 0.0,
        ("ivr_writes_pending", ""): 0.0,
        ("ivr_writes_dead_lettered_total", ""): 0.0,
    }


def _calling_citizens(line: Line, helpdesk: str, count: int) -> None:
    with line.runtime.session() as session:
        for number in range(count):
            set_presence(session, helpdesk, f"outbound-{number}", PresenceStatus.OUTBOUND, line.clock())


def test_metrics_show_agents_calling_citizens_and_returning_callers_apart(line: Line) -> None:
    # Playbook 1.5: agents calling citizens take no callers; citizens ringing back are taken first.
    line.agents("voorkempen", 1)
    _calling_citizens(line, "voorkempen", 2)
    line.waiting("voorkempen", 1)
    with line.runtime.session() as session:
        enter_queue(session, "CA" + "9" * 32, "voorkempen", line.clock(), returning_queue=True)

    found = samples(line)

    assert {key: value for key, value in found.items() if key[1].split("/")[0] == "voorkempen"} == {
        ("ivr_helpdesk_open", "voorkempen"): 1.0,
        ("ivr_agents_logged_in", "voorkempen"): 1.0,
        ("ivr_agents_outbound", "voorkempen"): 2.0,
        ("ivr_callers_waiting", "voorkempen"): 2.0,
        ("ivr_callers_returning", "voorkempen"): 1.0,
        # Three agents logged in, but only one takes callers: fewer than the 2 required.
        ("ivr_staffing_alert", "voorkempen/min_agents"): 1.0,
        ("ivr_staffing_alert", "voorkempen/forecast"): 0.0,
        ("ivr_helpdesk_closed", "voorkempen"): 0.0,
        ("ivr_complaints_overdue", "voorkempen"): 0.0,
    }


# ---------------------------------------------------------------- /api/helpdesks


def test_live_state_shows_agents_calling_citizens_and_returning_callers_apart(line: Line) -> None:
    line.agents("kempen-zuid", 1)
    _calling_citizens(line, "kempen-zuid", 1)
    with line.runtime.session() as session:
        enter_queue(session, "CA" + "9" * 32, "kempen-zuid", line.clock(), returning_queue=True)

    _, kempen_zuid = helpdesks(line)

    assert {
        key: kempen_zuid[key]
        for key in (
            "agents_logged_in",
            "agents_outbound",
            "callers_waiting",
            "callers_returning",
            "staffing_alert",
        )
    } == {
        "agents_logged_in": 1,
        "agents_outbound": 1,
        "callers_waiting": 1,
        "callers_returning": 1,
        "staffing_alert": True,
    }


def test_live_state_of_every_helpdesk(line: Line) -> None:
    line.agents("voorkempen", 1)
    line.agents("kempen-zuid", 2)
    waiting_since(line, "voorkempen", "2026-12-02 09:58:00", "2026-12-02 09:59:30")

    assert helpdesks(line) == [
        {
            "id": "voorkempen",
            "name": "Vaccinatiecentrum Voorkempen",
            "open_now": True,
            "central_open_now": True,
            "agents_logged_in": 1,
            "agents_outbound": 0,
            "callers_waiting": 2,
            "callers_returning": 0,
            "longest_wait_s": 120,
            "next_opening": "2026-12-03T09:00:00+01:00",
            "next_closing": "2026-12-02T16:00:00+01:00",
            "min_agents": 2,
            "staffing_alert": True,
            "closure": None,
            "staffing_reason": "min_agents",
            "agents_required": 2,
        },
        {
            "id": "kempen-zuid",
            "name": "Vaccinatiecentrum Kempen Zuid",
            "open_now": True,
            "central_open_now": True,
            "agents_logged_in": 2,
            "agents_outbound": 0,
            "callers_waiting": 0,
            "callers_returning": 0,
            "longest_wait_s": None,
            "next_opening": "2026-12-02T13:30:00+01:00",
            "next_closing": "2026-12-02T12:30:00+01:00",
            "min_agents": 2,
            "staffing_alert": False,
            "closure": None,
            "staffing_reason": None,
            "agents_required": None,
        },
    ]


def _forecast_alert(line: Line, helpdesk: str, agents: int, required: int) -> None:
    """The staffing watch's alert of the forecast, as it records it."""
    with line.runtime.session() as session:
        raise_alert(session, helpdesk, line.clock(), agents, required, StaffingReason.FORECAST)


def test_live_state_gives_the_forecasts_staffing_reason(line: Line) -> None:
    line.agents("voorkempen", 1)
    line.agents("kempen-zuid", 3)
    _forecast_alert(line, "voorkempen", 1, 5)
    _forecast_alert(line, "kempen-zuid", 3, 5)

    reasons = [
        {key: desk[key] for key in ("id", "staffing_alert", "staffing_reason", "agents_required")}
        for desk in helpdesks(line)
    ]

    # Below min_agents the floor is the reason, whatever the forecast needs (as /metrics has it).
    assert reasons == [
        {"id": "voorkempen", "staffing_alert": True, "staffing_reason": "min_agents", "agents_required": 2},
        {"id": "kempen-zuid", "staffing_alert": False, "staffing_reason": "forecast", "agents_required": 5},
    ]


def test_live_state_drops_the_forecasts_reason_once_enough_agents_are_in_or_closed(line: Line) -> None:
    line.agents("kempen-zuid", 3)
    _forecast_alert(line, "kempen-zuid", 3, 4)
    line.agents("kempen-zuid", 4)

    _, enough = helpdesks(line)
    with line.runtime.session() as session:
        set_presence(session, "kempen-zuid", "agent-3", PresenceStatus.BREAK, line.clock())
    line.clock.set_local("2026-12-02 21:00")
    _, closed = helpdesks(line)

    assert (enough["staffing_reason"], enough["agents_required"]) == (None, None)
    assert (closed["open_now"], closed["staffing_reason"], closed["agents_required"]) == (False, None, None)


def test_the_staffing_reason_is_documented_in_openapi(line: Line) -> None:
    schema = line.client.get("/openapi.json").json()["components"]["schemas"]["HelpdeskNow"]["properties"]

    assert [option.get("enum") for option in schema["staffing_reason"]["anyOf"]] == [
        ["min_agents", "forecast"],
        None,
    ]
    assert "forecast" in schema["staffing_reason"]["description"]
    assert "forecast's need this hour" in schema["agents_required"]["description"]


def test_live_state_when_closed_names_the_next_opening(line: Line) -> None:
    line.agents("voorkempen", 1)
    line.clock.set_local("2026-12-24 21:00")  # Christmas Eve, the eve of a holiday

    voorkempen, kempen_zuid = helpdesks(line, OPS_TOKEN)

    assert {key: voorkempen[key] for key in ("open_now", "central_open_now", "staffing_alert")} == {
        "open_now": False,
        "central_open_now": False,
        "staffing_alert": False,
    }
    # 25 December is a holiday and 26 December a Saturday: voorkempen opens Saturday morning.
    assert (voorkempen["next_opening"], voorkempen["next_closing"]) == (
        "2026-12-26T09:00:00+01:00",
        "2026-12-26T12:00:00+01:00",
    )
    assert (kempen_zuid["next_opening"], kempen_zuid["next_closing"]) == (
        "2026-12-28T09:00:00+01:00",
        "2026-12-28T12:30:00+01:00",
    )


def test_live_state_uses_summer_time_offsets(line: Line) -> None:
    line.clock.set_local("2026-06-03 17:00")

    voorkempen, _ = helpdesks(line)

    assert (voorkempen["next_opening"], voorkempen["next_closing"]) == (
        "2026-06-04T09:00:00+02:00",
        "2026-06-04T16:00:00+02:00",
    )


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-token-of-anyone"}, 401, id="unknown-token"),
        pytest.param({"Authorization": f"Basic {OPS_TOKEN}"}, 401, id="not-bearer"),
        pytest.param({"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}, 200, id="supervisor"),
        pytest.param({"Authorization": f"Bearer {OPS_TOKEN}"}, 200, id="ops"),
    ],
)
def test_live_state_needs_a_supervisor_or_ops_token(line: Line, headers: dict[str, str], status: int) -> None:
    response = line.client.get("/api/helpdesks", headers=headers)

    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_live_state_without_a_database_is_unavailable(no_database: Line) -> None:
    response = no_database.client.get(
        "/api/helpdesks", headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    )

    assert (response.status_code, response.json()) == (503, {"detail": "database unreachable"})
