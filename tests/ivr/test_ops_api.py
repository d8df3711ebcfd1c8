"""Health, readiness, hold music and the ops presence endpoint."""

from __future__ import annotations

import io
import wave

import pytest
from httpx2 import Response

from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Line


def test_health(line: Line) -> None:
    response = line.client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_the_database_answers(line: Line) -> None:
    response = line.client.get("/ready")
    assert (response.status_code, response.json()) == (200, {"config": "loaded", "database": "reachable"})


@pytest.mark.parametrize(
    ("start", "seconds", "frames"), [(0, 39, 39 * 8000), (25, 10, 10 * 8000), (29, 5, 5 * 8000)]
)
def test_hold_music_is_cut_to_the_asked_length(line: Line, start: int, seconds: int, frames: int) -> None:
    response = line.client.get(f"/media/hold/voorkempen.wav?start={start}&seconds={seconds}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getnframes()) == (8000, 1, frames)


def test_hold_music_continues_from_the_offset(line: Line) -> None:
    whole = line.client.get("/media/hold/voorkempen.wav?start=0&seconds=30").content
    tail = line.client.get("/media/hold/voorkempen.wav?start=10&seconds=5").content
    with wave.open(io.BytesIO(whole)) as a, wave.open(io.BytesIO(tail)) as b:
        a.setpos(10 * 8000)
        assert a.readframes(5 * 8000) == b.readframes(5 * 8000)


@pytest.mark.parametrize(
    "url",
    ["/media/hold/kempen-zuid.wav", "/media/hold/nobody.wav", "/media/hold/voorkempen.wav?seconds=0"],
    ids=["no-music-configured", "unknown-helpdesk", "zero-seconds"],
)
def test_hold_music_refuses_what_does_not_exist(line: Line, url: str) -> None:
    assert line.client.get(url).status_code in {404, 422}


def _presence(line: Line, token: str | None, status: str = "available", desk: str = "voorkempen") -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return line.client.put(f"/api/presence/{desk}/an", json={"status": status}, headers=headers)


def test_presence_needs_a_token(line: Line) -> None:
    response = _presence(line, None)
    assert response.status_code == 401
    assert _presence(line, "not-a-token-of-anyone").status_code == 401


def test_presence_needs_the_ops_role(line: Line) -> None:
    assert _presence(line, SUPERVISOR_TOKEN).status_code == 403


def test_presence_changes_what_routing_sees(line: Line) -> None:
    response = _presence(line, OPS_TOKEN)
    assert response.json() == {
        "helpdesk": "voorkempen",
        "agents_logged_in": 1,
        "callers_waiting": 0,
    }
    queued = line.post("/twilio/voice", line.call())
    assert "<Enqueue " in queued.text
    on_break = _presence(line, OPS_TOKEN, "break")
    assert on_break.json()["agents_logged_in"] == 0
    assert on_break.json()["callers_waiting"] == 1
    forwarded = line.post("/twilio/voice", line.call())
    assert "reason=no_agents" in forwarded.text


@pytest.mark.parametrize(
    ("desk", "status", "code"),
    [("nobody", "available", 404), ("voorkempen", "asleep", 422)],
    ids=["unknown-helpdesk", "unknown-status"],
)
def test_presence_refuses_bad_input(line: Line, desk: str, status: str, code: int) -> None:
    assert _presence(line, OPS_TOKEN, status, desk).status_code == code
