"""The agents API: roles, creating and changing agents, the live view and presence; no PIN leaks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx2 import Response
from sqlalchemy import ColumnClause, Engine, Result, String, column, inspect, select, table

from agents import (
    Presence,
    PresenceStatus,
    caller_key,
    clear_failures,
    end_agent_call,
    is_locked,
    presence,
    record_failure,
    set_presence,
    verify_login,
)
from api.errors import Refusal
from calls import QueueEntry
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Line, build_line

CALLER = "+32470123456"
CALL = "CA" + "a" * 32
AN = {"helpdesk": "voorkempen", "code": "101", "name": "An Peeters", "pin": "482913"}
BART = {"helpdesk": "voorkempen", "code": "102", "name": "Bart", "pin": "551177"}


@pytest.fixture
def api(migrated_db_url: str) -> Iterator[Line]:
    yield from build_line(migrated_db_url)


def send(line: Line, method: str, path: str, token: str | None = OPS_TOKEN, body: Any = None) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return line.client.request(method, path, json=body, headers=headers)


def add(line: Line, agent: dict[str, str]) -> Response:
    return send(line, "POST", "/api/agents", body=agent)


ENDPOINTS = [
    pytest.param("POST", "/api/agents", AN, id="create"),
    pytest.param("GET", "/api/agents", None, id="list"),
    pytest.param("PUT", "/api/agents/voorkempen/101/pin", {"pin": "7351"}, id="reset-pin"),
    pytest.param("PUT", "/api/agents/voorkempen/101/enabled", {"enabled": False}, id="enabled"),
    pytest.param("DELETE", "/api/agents/voorkempen/101", None, id="delete"),
    pytest.param("PUT", "/api/agents/voorkempen/101/presence", {"status": "break"}, id="presence"),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_needs_a_valid_token(api: Line, method: str, path: str, body: Any) -> None:
    missing = send(api, method, path, None, body)
    wrong = send(api, method, path, "not-a-token-of-anyone", body)

    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "missing or invalid token"})


@pytest.mark.parametrize(("method", "path", "body"), [p for p in ENDPOINTS if p.id != "list"])
def test_changes_need_the_ops_role(api: Line, method: str, path: str, body: Any) -> None:
    add(api, AN)

    response = send(api, method, path, SUPERVISOR_TOKEN, body)

    assert (response.status_code, response.json()) == (403, {"detail": "this needs the ops role"})


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_supervisors_and_ops_see_the_agents(api: Line, token: str) -> None:
    add(api, AN)

    response = send(api, "GET", "/api/agents", token)

    assert (response.status_code, [agent["code"] for agent in response.json()]) == (200, ["101"])


def test_create_answers_the_agent_without_pin_or_hash(api: Line) -> None:
    response = add(api, {**AN, "name": "  An Peeters  "})

    assert response.status_code == 201
    assert response.json() == {
        "helpdesk": "voorkempen",
        "code": "101",
        "name": "An Peeters",
        "enabled": True,
        "created_at": "2026-12-02T09:00:00Z",
    }
    with api.runtime.session() as session:
        assert verify_login(session, "voorkempen", "101", "482913") is not None


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**AN, "helpdesk": "nergens"}, 404, "unknown helpdesk 'nergens'"),
        ({**AN, "pin": "123"}, 422, "the PIN must be 4 to 8 digits"),
        ({**AN, "pin": "12345abc"}, 422, "the PIN must be 4 to 8 digits"),
        ({**AN, "code": "1a1"}, 422, "the agent code must be 3 to 8 digits"),
        ({**AN, "name": ""}, 422, "the name must be 1 to 80 printable characters"),
        ({**BART, "code": "101"}, 409, "helpdesk voorkempen already has an agent with code 101"),
    ],
    ids=["unknown-helpdesk", "short-pin", "pin-with-letters", "bad-code", "empty-name", "duplicate-code"],
)
def test_create_refuses(api: Line, body: dict[str, str], status: int, detail: str) -> None:
    add(api, AN)

    response = add(api, body)

    assert (response.status_code, response.json()) == (status, {"detail": detail})
    listed = send(api, "GET", "/api/agents").json()
    assert [(agent["code"], agent["name"]) for agent in listed] == [("101", "An Peeters")]


@pytest.mark.parametrize(
    "body",
    [
        {"helpdesk": "voorkempen", "code": "101", "pin": "482913"},
        {**AN, "pin": 482913},
        {**AN, "extra": "field"},
    ],
    ids=["missing-name", "pin-as-number", "unknown-field"],
)
def test_malformed_bodies_are_refused_without_echoing_them(api: Line, body: dict[str, Any]) -> None:
    response = add(api, body)

    assert response.status_code == 422
    assert "482913" not in response.text
    assert all("input" not in error for error in response.json()["detail"])


def test_a_bad_pin_answers_the_documented_one_line_422(api: Line) -> None:
    response = add(api, {**AN, "pin": "12"})
    document = send(api, "GET", "/openapi.json", token=None).json()

    assert (response.status_code, response.json()) == (422, {"detail": "the PIN must be 4 to 8 digits"})
    assert Refusal.model_validate(response.json()) == Refusal(detail="the PIN must be 4 to 8 digits")
    refused = document["paths"]["/api/agents"]["post"]["responses"]["422"]
    assert refused == {
        "description": "A malformed parameter (a list), or a request that cannot be answered (one line)",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/InvalidRequest"},
                        {"$ref": "#/components/schemas/Refusal"},
                    ],
                    "title": "Response 422 Post Agent Api Agents Post",
                }
            }
        },
    }


def test_only_the_routes_that_check_codes_names_or_pins_declare_the_one_line_422(api: Line) -> None:
    paths = send(api, "GET", "/openapi.json", token=None).json()["paths"]
    operations = [("/api/agents", "post"), ("/api/agents/{helpdesk_id}/{code}/pin", "put")]
    others = [
        ("/api/agents/{helpdesk_id}/{code}/enabled", "put"),
        ("/api/agents/{helpdesk_id}/{code}", "delete"),
        ("/api/agents/{helpdesk_id}/{code}/presence", "put"),
        ("/api/agents", "get"),
    ]

    def schema_of_422(path: str, method: str) -> Any:
        return paths[path][method]["responses"]["422"]["content"]["application/json"]["schema"]

    assert [schema_of_422(path, method).get("anyOf") for path, method in operations] == [
        [{"$ref": "#/components/schemas/InvalidRequest"}, {"$ref": "#/components/schemas/Refusal"}]
    ] * 2
    assert [schema_of_422(path, method) for path, method in others] == [
        {"$ref": "#/components/schemas/HTTPValidationError"}
    ] * 4


def test_the_live_view_counts_calls_of_the_local_day(api: Line) -> None:
    # 00:30 in Brussels is 23:30 UTC the day before: "today" starts at 23:00 UTC.
    api.clock.set_local("2026-12-02 00:30")
    add(api, AN)
    add(api, BART)
    add(api, {**AN, "helpdesk": "kempen-zuid", "name": "Chris"})
    with api.runtime.session() as session:
        set_presence(session, "voorkempen", "101", PresenceStatus.AVAILABLE, api.clock(), call_sid=CALL)
        for number, minute in enumerate((-50, -10, 20)):
            answered = datetime(2026, 12, 1, 23, 0, tzinfo=UTC) + timedelta(minutes=minute)
            session.add(
                QueueEntry(
                    call_sid=f"CA{number:032x}",
                    helpdesk_id="voorkempen",
                    enqueued_at=answered - timedelta(minutes=1),
                    left_at=None if minute > 0 else answered + timedelta(minutes=3),
                    result=None if minute > 0 else "bridged",
                    answered_by="101",
                    answered_at=answered,
                )
            )

    response = send(api, "GET", "/api/agents?helpdesk=voorkempen", SUPERVISOR_TOKEN)

    assert response.status_code == 200
    assert response.json() == [
        {
            "helpdesk": "voorkempen",
            "code": "101",
            "name": "An Peeters",
            "enabled": True,
            "status": "available",
            "since": "2026-12-01T23:30:00Z",
            "calls_taken_today": 1,
            "on_call_now": True,
        },
        {
            "helpdesk": "voorkempen",
            "code": "102",
            "name": "Bart",
            "enabled": True,
            "status": "offline",
            "since": None,
            "calls_taken_today": 0,
            "on_call_now": False,
        },
    ]
    everyone = send(api, "GET", "/api/agents", SUPERVISOR_TOKEN).json()
    assert [(agent["helpdesk"], agent["code"]) for agent in everyone] == [
        ("kempen-zuid", "101"),
        ("voorkempen", "101"),
        ("voorkempen", "102"),
    ]


def test_the_live_view_of_an_unknown_helpdesk_is_404(api: Line) -> None:
    response = send(api, "GET", "/api/agents?helpdesk=nergens", SUPERVISOR_TOKEN)

    assert (response.status_code, response.json()) == (404, {"detail": "unknown helpdesk 'nergens'"})


def test_a_new_pin_replaces_the_old_one(api: Line) -> None:
    add(api, AN)

    response = send(api, "PUT", "/api/agents/voorkempen/101/pin", body={"pin": "7351"})

    assert (response.status_code, response.content) == (204, b"")
    with api.runtime.session() as session:
        assert verify_login(session, "voorkempen", "101", "482913") is None
        assert verify_login(session, "voorkempen", "101", "7351") is not None


@pytest.mark.parametrize(
    ("path", "pin", "status", "detail"),
    [
        ("/api/agents/voorkempen/101/pin", "12", 422, "the PIN must be 4 to 8 digits"),
        ("/api/agents/voorkempen/999/pin", "7351", 404, "helpdesk voorkempen has no agent with code 999"),
        ("/api/agents/nergens/101/pin", "7351", 404, "unknown helpdesk 'nergens'"),
    ],
    ids=["bad-pin", "unknown-agent", "unknown-helpdesk"],
)
def test_pin_reset_refuses(api: Line, path: str, pin: str, status: int, detail: str) -> None:
    add(api, AN)

    response = send(api, "PUT", path, body={"pin": pin})

    assert (response.status_code, response.json()) == (status, {"detail": detail})
    with api.runtime.session() as session:
        assert verify_login(session, "voorkempen", "101", "482913") is not None


def test_disabling_logs_the_agent_out_and_tells_the_listeners(api: Line) -> None:
    heard: list[str] = []
    api.runtime.presence_listeners.append(heard.append)
    add(api, AN)
    send(api, "PUT", "/api/agents/voorkempen/101/presence", body={"status": "available"})

    response = send(api, "PUT", "/api/agents/voorkempen/101/enabled", body={"enabled": False})

    assert (response.status_code, response.json()["enabled"]) == (200, False)
    assert heard == ["voorkempen"]
    with api.runtime.session() as session:
        assert verify_login(session, "voorkempen", "101", "482913") is None
        assert presence(session, "voorkempen") == [Presence("101", PresenceStatus.OFFLINE, None, api.clock())]
    enabled = send(api, "PUT", "/api/agents/voorkempen/101/enabled", body={"enabled": True})
    assert (enabled.json()["enabled"], heard) == (True, ["voorkempen"])


def test_delete_removes_the_agent_and_tells_the_listeners(api: Line) -> None:
    heard: list[str] = []
    api.runtime.presence_listeners.append(heard.append)
    add(api, AN)
    add(api, BART)
    send(api, "PUT", "/api/agents/voorkempen/101/presence", body={"status": "available"})

    response = send(api, "DELETE", "/api/agents/voorkempen/101")

    assert (response.status_code, response.content) == (204, b"")
    assert [agent["code"] for agent in send(api, "GET", "/api/agents").json()] == ["102"]
    assert heard == ["voorkempen"]
    again = send(api, "DELETE", "/api/agents/voorkempen/101")
    assert (again.status_code, again.json()) == (
        404,
        {"detail": "helpdesk voorkempen has no agent with code 101"},
    )
    assert send(api, "POST", "/twilio/voice").status_code == 403  # unrelated routes still guarded


def presence_of(line: Line, status: str, code: str = "101", desk: str = "voorkempen") -> Response:
    return send(line, "PUT", f"/api/agents/{desk}/{code}/presence", body={"status": status})


def test_presence_changes_what_routing_sees(api: Line) -> None:
    add(api, AN)

    response = presence_of(api, "available")

    assert response.json() == {"helpdesk": "voorkempen", "agents_logged_in": 1, "callers_waiting": 0}
    queued = api.post("/twilio/voice", api.call())
    assert "<Enqueue " in queued.text
    on_break = presence_of(api, "break")
    assert on_break.json() == {"helpdesk": "voorkempen", "agents_logged_in": 0, "callers_waiting": 1}
    forwarded = api.post("/twilio/voice", api.call())
    assert "reason=no_agents" in forwarded.text


def test_an_agent_calling_citizens_is_shown_apart_and_takes_no_callers(api: Line) -> None:
    # Playbook 1.5: an agent phoning citizens stays logged in but takes no callers.
    told: list[str] = []
    api.runtime.presence_listeners.append(told.append)
    add(api, AN)
    add(api, BART)
    presence_of(api, "available", code="102")

    response = presence_of(api, "outbound")

    assert response.json() == {"helpdesk": "voorkempen", "agents_logged_in": 1, "callers_waiting": 0}
    assert told == ["voorkempen"]  # one agent fewer takes callers
    agents = send(api, "GET", "/api/agents?helpdesk=voorkempen", SUPERVISOR_TOKEN).json()
    assert [(agent["code"], agent["status"], agent["on_call_now"]) for agent in agents] == [
        ("101", "outbound", False),
        ("102", "available", False),
    ]
    presence_of(api, "break", code="102")
    forwarded = api.post("/twilio/voice", api.call())
    assert "reason=no_agents" in forwarded.text


@pytest.mark.parametrize(
    ("statuses", "heard"),
    [
        (["available"], []),
        (["available", "break"], ["voorkempen"]),
        (["available", "offline"], ["voorkempen"]),
        (["break", "available"], ["voorkempen"]),
    ],
    ids=["available", "break", "offline", "break-then-back"],
)
def test_listeners_hear_of_breaks_and_logouts_only(api: Line, statuses: list[str], heard: list[str]) -> None:
    told: list[str] = []
    api.runtime.presence_listeners.append(told.append)
    add(api, AN)

    for status in statuses:
        assert presence_of(api, status).status_code == 200

    assert told == heard


def test_a_failing_listener_does_not_fail_the_change(api: Line, caplog: pytest.LogCaptureFixture) -> None:
    told: list[str] = []

    def broken(helpdesk_id: str) -> None:
        raise RuntimeError(helpdesk_id)

    api.runtime.presence_listeners.extend([broken, told.append])
    add(api, AN)

    response = presence_of(api, "break")

    assert (response.status_code, told) == (200, ["voorkempen"])
    assert [record.message for record in caplog.records if record.levelno == logging.ERROR] == [
        "presence listener failed"
    ]


def test_a_break_through_the_api_keeps_the_phone_call_that_logs_out(api: Line) -> None:
    add(api, AN)
    with api.runtime.session() as session:
        set_presence(session, "voorkempen", "101", PresenceStatus.AVAILABLE, api.clock(), call_sid=CALL)

    presence_of(api, "break")
    with api.runtime.session() as session:
        logged_out = end_agent_call(session, CALL, api.clock())

    assert [tuple(key) for key in logged_out] == [("voorkempen", "101")]


@pytest.mark.parametrize(
    ("desk", "code", "status", "expected"),
    [
        ("nergens", "101", "available", (404, "unknown helpdesk 'nergens'")),
        ("voorkempen", "999", "available", (404, "helpdesk voorkempen has no agent with code 999")),
        ("voorkempen", "103", "available", (409, "agent 103 of voorkempen is disabled")),
    ],
    ids=["unknown-helpdesk", "unknown-agent", "disabled-agent"],
)
def test_presence_refuses(api: Line, desk: str, code: str, status: str, expected: tuple[int, str]) -> None:
    add(api, AN)
    add(api, {**BART, "code": "103"})
    send(api, "PUT", "/api/agents/voorkempen/103/enabled", body={"enabled": False})

    response = presence_of(api, status, code, desk)

    assert (response.status_code, response.json()) == (expected[0], {"detail": expected[1]})


def test_presence_refuses_an_unknown_status(api: Line) -> None:
    add(api, AN)

    assert presence_of(api, "asleep").status_code == 422


def test_a_disabled_agent_may_still_be_set_offline(api: Line) -> None:
    add(api, AN)
    send(api, "PUT", "/api/agents/voorkempen/101/enabled", body={"enabled": False})

    assert presence_of(api, "offline").json()["agents_logged_in"] == 0


def text_values(engine: Engine) -> list[str]:
    """Every value of every text column of every table in the database."""
    values: list[str] = []
    with engine.connect() as connection:
        inspector = inspect(connection)
        for name in inspector.get_table_names():
            columns: list[ColumnClause[Any]] = [
                column(c["name"]) for c in inspector.get_columns(name) if isinstance(c["type"], String)
            ]
            if columns:
                rows: Result[Any] = connection.execute(select(*columns).select_from(table(name)))
                values += [str(value) for row in rows for value in row if value is not None]
    return values


def test_no_pin_is_stored_or_logged(api: Line, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # every statement and its values
    pins = ["482913", "551177", "73510964", "90817263", "46372819"]
    responses = [
        add(api, AN),
        add(api, BART),
        send(api, "PUT", "/api/agents/voorkempen/101/pin", body={"pin": "73510964"}),
        add(api, {**AN, "pin": "90817263"}),  # refused: duplicate code
        add(api, {**AN, "code": "x", "pin": "46372819"}),  # refused: bad code
    ]
    with api.runtime.session() as session:
        for wrong in ("482913", "90817263", "46372819"):
            if verify_login(session, "voorkempen", "101", wrong) is None:
                record_failure(session, CALLER, api.clock())
        assert verify_login(session, "voorkempen", "102", "551177") is not None
        clear_failures(session, "+32471000000")
        assert is_locked(session, CALLER, api.clock()) is None
    listed = send(api, "GET", "/api/agents")

    stored = text_values(api.runtime.engine)
    # The records' texts with their arguments and any traceback; not their thread ids and
    # timestamps, whose many digits would contain a PIN now and then by chance.
    logged = caplog.text

    assert [r.status_code for r in responses] == [201, 201, 204, 409, 422]
    # The scan did read the tables, and the logs did see the statements.
    assert {"An Peeters", "Bart", caller_key(CALLER)} <= set(stored)
    assert len([value for value in stored if value.startswith("scrypt$")]) == 2
    assert "INSERT INTO agents" in caplog.text
    assert "agent added" in caplog.text
    for pin in pins:
        assert not [value for value in stored if pin in value], pin
        assert pin not in logged, pin
        assert all(pin not in response.text for response in [*responses, listed]), pin
