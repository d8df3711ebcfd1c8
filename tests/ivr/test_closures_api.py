"""Closing a helpdesk now and reopening it through the API: roles, input, the call flow, the live
state, ``/metrics`` and the audit log (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx2 import Response

from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Line
from tests.ivr.test_golden_twiml import assert_golden

CLOSURE = "/api/helpdesks/voorkempen/closure"
MESSAGE = "Door een technisch probleem is ons vaccinatiecentrum vandaag gesloten. Kijk op {website}."
SPOKEN = (
    "Door een technisch probleem is ons vaccinatiecentrum vandaag gesloten. Kijk op www.laatjevaccineren.be."
)


def send(line: Line, method: str, path: str, token: str | None = OPS_TOKEN, body: Any = None) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return line.client.request(method, path, json=body, headers=headers)


def close(line: Line, desk: str = "voorkempen", **body: Any) -> Response:
    return send(line, "POST", f"/api/helpdesks/{desk}/closure", body={"reason": "stroompanne", **body})


@pytest.mark.parametrize(
    ("method", "body"), [("POST", {"reason": "stroompanne"}), ("DELETE", None)], ids=["close", "reopen"]
)
def test_changes_need_the_ops_role(line: Line, method: str, body: Any) -> None:
    assert send(line, method, CLOSURE, None, body).status_code == 401
    refused = send(line, method, CLOSURE, SUPERVISOR_TOKEN, body)
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs the ops role"})


def test_close_read_reopen_and_the_audit_log(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    closed = close(line, until="14:00", message=MESSAGE)
    assert closed.status_code == 201
    assert closed.json() == {
        "helpdesk": "voorkempen",
        "reason": "stroompanne",
        "until": "2026-12-02T14:00:00+01:00",
        "message": MESSAGE,
        "closed_at": "2026-12-02T10:00:00+01:00",
        "closed_by": "api:ops#1",
    }
    assert send(line, "GET", CLOSURE, SUPERVISOR_TOKEN).json() == closed.json()

    line.clock.set_local("2026-12-02 10:05")
    assert send(line, "DELETE", CLOSURE).status_code == 204
    again = send(line, "DELETE", CLOSURE)
    assert (again.status_code, again.json()) == (404, {"detail": "helpdesk 'voorkempen' is not closed"})
    assert send(line, "GET", CLOSURE, SUPERVISOR_TOKEN).status_code == 404

    audit = send(line, "GET", "/api/closures/audit?helpdesk=voorkempen", SUPERVISOR_TOKEN).json()
    assert [(e["at"], e["action"], e["until"], e["reason"], e["message"], e["who"]) for e in audit] == [
        ("2026-12-02T10:05:00+01:00", "reopen", None, "stroompanne", None, "api:ops#1"),
        (
            "2026-12-02T10:00:00+01:00",
            "close",
            "2026-12-02T14:00:00+01:00",
            "stroompanne",
            MESSAGE,
            "api:ops#1",
        ),
    ]


def test_an_expired_closure_stops_applying_and_is_noted_when_next_changed(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    line.agents("voorkempen", 1)
    assert close(line, until="10:30").status_code == 201
    line.clock.set_local("2026-12-02 10:30")

    assert send(line, "GET", CLOSURE, SUPERVISOR_TOKEN).status_code == 404
    live = send(line, "GET", "/api/helpdesks", SUPERVISOR_TOKEN).json()
    assert [desk["closure"] for desk in live] == [None, None]
    answer = line.post("/twilio/voice", line.call())
    assert "<Enqueue" in answer.text

    assert close(line, reason="staking").status_code == 201
    audit = send(line, "GET", "/api/closures/audit", SUPERVISOR_TOKEN).json()
    assert [(e["at"], e["action"], e["reason"], e["who"]) for e in audit] == [
        ("2026-12-02T10:30:00+01:00", "close", "staking", "api:ops#1"),
        ("2026-12-02T10:30:00+01:00", "expired", "stroompanne", "-"),
        ("2026-12-02T10:00:00+01:00", "close", "stroompanne", "api:ops#1"),
    ]


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        (
            CLOSURE,
            {"reason": "x", "until": "09:00"},
            422,
            'until: "09:00" (2026-12-02 09:00) is not in the future',
        ),
        (
            CLOSURE,
            {"reason": "x", "until": "morgen"},
            422,
            'until: "morgen" is not a local time like "14:00" or "2026-12-15T14:00"',
        ),
        (CLOSURE, {"reason": " "}, 422, "reason: give the reason of the closure"),
        (
            CLOSURE,
            {"reason": "x", "message": "Bel {central_number}."},
            422,
            "message: {central_number} may only be used in overflow_wait",
        ),
        ("/api/helpdesks/nergens/closure", {"reason": "x"}, 404, "unknown helpdesk 'nergens'"),
    ],
    ids=["past", "not-a-time", "no-reason", "central-number", "unknown-helpdesk"],
)
def test_bad_input_is_refused_clearly(line: Line, path: str, body: Any, status: int, detail: str) -> None:
    response = send(line, "POST", path, body=body)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert send(line, "GET", "/api/closures/audit", SUPERVISOR_TOKEN).json() == []


def test_unknown_fields_are_refused(line: Line) -> None:
    response = send(line, "POST", CLOSURE, body={"reason": "x", "who": "me"})
    assert response.status_code == 422


def test_a_closure_beats_open_hours_and_agents(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    line.agents("voorkempen", 2)
    line.agents("kempen-zuid", 2)
    close(line)
    close(line, "kempen-zuid", message=MESSAGE)

    # voorkempen routes to central while closed, and central is open.
    routed = line.post("/twilio/voice", line.call(to="+3233100100"))
    assert (
        '<Dial action="https://helpdesk.example.org/twilio/central-result?helpdesk=voorkempen&amp;reason=closed'
        in routed.text
    )
    # kempen-zuid plays the closing message while closed: the closure's own message.
    played = line.post("/twilio/voice", line.call(to="+3214200200"))
    assert_golden("arrival-ops-closure-message", played.text)
    assert SPOKEN in played.text


def test_the_closing_message_when_the_closure_has_none(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    line.agents("kempen-zuid", 2)
    close(line, "kempen-zuid")
    played = line.post("/twilio/voice", line.call(to="+3214200200"))
    # The same document as when it is closed by its hours.
    assert_golden("arrival-closed-closing-message", played.text)


def test_waiting_callers_leave_at_their_next_wait_url(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    line.agents("kempen-zuid", 2)
    call = line.call(to="+3214200200")
    assert "<Enqueue" in line.post("/twilio/voice", call).text
    wait = {**call, "QueueTime": "20", "QueueSid": "QU" + "1" * 32, "CurrentQueueSize": "1"}
    assert "<Leave" not in line.post("/twilio/wait?helpdesk=kempen-zuid", wait).text

    close(line, "kempen-zuid", message=MESSAGE)

    assert line.post("/twilio/wait?helpdesk=kempen-zuid", wait).text.endswith(
        "<Response><Leave /></Response>"
    )
    exit_ = {**call, "QueueResult": "leave", "QueueTime": "40"}
    after = line.post("/twilio/queue-exit?helpdesk=kempen-zuid", exit_)
    assert SPOKEN in after.text
    assert after.text.endswith("<Hangup /></Response>")


def test_live_state_and_metrics_show_the_closure(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    close(line, message=MESSAGE)

    live = send(line, "GET", "/api/helpdesks", SUPERVISOR_TOKEN).json()
    assert [(desk["id"], desk["open_now"], desk["closure"]) for desk in live] == [
        (
            "voorkempen",
            True,
            {
                "helpdesk": "voorkempen",
                "reason": "stroompanne",
                "until": None,
                "message": MESSAGE,
                "closed_at": "2026-12-02T10:00:00+01:00",
                "closed_by": "api:ops#1",
            },
        ),
        ("kempen-zuid", True, None),
    ]
    metrics = line.client.get("/metrics").text
    assert 'ivr_helpdesk_closed{helpdesk="voorkempen"} 1.0' in metrics
    assert 'ivr_helpdesk_closed{helpdesk="kempen-zuid"} 0.0' in metrics

    send(line, "DELETE", CLOSURE)
    assert 'ivr_helpdesk_closed{helpdesk="voorkempen"} 0.0' in line.client.get("/metrics").text
