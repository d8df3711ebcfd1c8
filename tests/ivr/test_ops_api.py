"""Health, readiness and hold music."""

from __future__ import annotations

import io
import wave

import pytest

from tests.ivr.conftest import Line


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
