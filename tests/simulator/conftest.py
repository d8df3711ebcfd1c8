"""A tiny TwiML application for the simulator tests, and simulators that call it.

``TwimlApp`` answers every path from a table of hand-written TwiML (or a function of the posted
parameters), checks ``X-Twilio-Signature`` like a real Twilio webhook would (403 when wrong), and
keeps every request it received. ``/media/…`` paths serve WAV files, unsigned, as ``<Play>`` needs.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from simulator import TwilioSimulator

BASE = "https://ivr.example.be"
TOKEN = "simulator-test-token"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

Handler = Callable[[dict[str, str]], "str | Response"]


def at(seconds: float) -> datetime:
    """The instant ``seconds`` after START."""
    return START + timedelta(seconds=seconds)


def twiml(body: str) -> Response:
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>', media_type="text/xml"
    )


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x00" * round(seconds * rate))
    return buffer.getvalue()


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class TwimlApp:
    """The application under test: ``routes`` maps a path to the body of its ``<Response>``."""

    routes: dict[str, str | Handler] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    status_code: int = 204
    public_base_url: str = BASE

    def __post_init__(self) -> None:
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self._answer, methods=["GET", "POST"])

    def params(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request to ``path``, in order."""
        return [request.params for request in self.received if request.path == path]

    async def _answer(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith("/media/"):
            if path not in self.media:
                return Response(status_code=404)
            return Response(self.media[path], media_type="audio/wav")
        params = {key: str(value) for key, value in (await request.form()).items()}
        url = self.public_base_url + path + (f"?{request.url.query}" if request.url.query else "")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(TOKEN).validate(url, params, signature):
            return Response("bad signature", status_code=403)
        if request.method == "GET":
            params = dict(request.query_params)
        self.received.append(Received(request.method, path, params))
        if path == "/twilio/status" and path not in self.routes:
            return Response(status_code=self.status_code)
        route = self.routes.get(path)
        if route is None:
            return Response("no such route", status_code=404)
        answer = route if isinstance(route, str) else route(params)
        return twiml(answer) if isinstance(answer, str) else answer


@pytest.fixture
def app() -> TwimlApp:
    return TwimlApp()


@pytest.fixture
def client(app: TwimlApp) -> Iterator[TestClient]:
    with TestClient(app.app, base_url="http://testserver") as client:
        yield client


SimulatorFactory = Callable[..., TwilioSimulator]


@pytest.fixture
def make_sim(client: TestClient) -> SimulatorFactory:
    def make(**options: Any) -> TwilioSimulator:
        return TwilioSimulator(client, public_base_url=BASE, auth_token=TOKEN, start=START, **options)

    return make


@pytest.fixture
def sim(make_sim: SimulatorFactory) -> TwilioSimulator:
    return make_sim()
