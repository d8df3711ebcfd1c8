"""An app on a migrated database with a fixed clock, and a client that signs like Twilio."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from agents import PresenceStatus, set_presence
from app import create_app
from calls import enter_queue
from config import HelpdeskConfig, Settings, load_config
from config.settings import ApiTokens
from ivr.twiml import Renderer
from service.runtime import Runtime

if TYPE_CHECKING:
    import schemathesis

BRUSSELS = ZoneInfo("Europe/Brussels")
TOKEN = "test-auth-token-0123456789abcdef"
BASE = "https://helpdesk.example.org"
CONFIG = Path(__file__).resolve().parents[2] / "config" / "helpdesk.yaml"
OPS_TOKEN = "ops-token-0123456789abcdef"
SUPERVISOR_TOKEN = "supervisor-token-0123456789ab"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS))

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


@dataclass
class Line:
    """Signed Twilio requests against the app, and direct access to its state."""

    client: TestClient
    runtime: Runtime[Renderer]
    clock: Clock
    sid_counter: int = 0

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None) -> Response:
        url = f"{BASE}{path}"
        sig = signature if signature is not None else RequestValidator(TOKEN).compute_signature(url, params)
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": sig})

    def new_sid(self) -> str:
        self.sid_counter += 1
        return f"CA{self.sid_counter:032x}"

    def call(self, to: str = "+3233100100", caller: str = "+32470123456", **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.new_sid(),
            "AccountSid": "AC" + "1" * 32,
            "From": caller,
            "To": to,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def agents(self, helpdesk: str, count: int) -> None:
        with self.runtime.session() as session:
            for number in range(count):
                set_presence(session, helpdesk, f"agent-{number}", PresenceStatus.AVAILABLE, self.clock())

    def waiting(self, helpdesk: str, count: int) -> None:
        with self.runtime.session() as session:
            for _ in range(count):
                enter_queue(session, self.new_sid(), helpdesk, self.clock())


def make_settings(db_url: str, *, group_commit: bool = False) -> Settings:
    """Settings of a test app; each webhook commits its own writes unless ``group_commit``."""
    return Settings(
        database_url=db_url,
        ivr_config=CONFIG,
        twilio_auth_token=SecretStr(TOKEN),
        public_base_url=BASE,
        ivr_api_tokens=ApiTokens.parse(f"ops:{OPS_TOKEN},supervisor:{SUPERVISOR_TOKEN}"),
        ivr_scheduler=False,
        ivr_group_commit=group_commit,
    )


def build_line(db_url: str, config: HelpdeskConfig | None = None) -> Iterator[Line]:
    clock = Clock()
    app: FastAPI = create_app(make_settings(db_url), clock=clock, config=config)
    with TestClient(app, base_url=BASE) as client:
        yield Line(client=client, runtime=app.state.runtime, clock=clock)


@pytest.fixture
def example_config() -> HelpdeskConfig:
    return load_config(CONFIG)


@pytest.fixture
def line(migrated_db_url: str) -> Iterator[Line]:
    yield from build_line(migrated_db_url)


def runtime_of(client: TestClient) -> Runtime[Any]:
    """The runtime of the app ``client`` drives (its ``app.state.runtime``), typed."""
    app = client.app
    assert isinstance(app, FastAPI)
    runtime: Runtime[Any] = app.state.runtime
    return runtime


def assert_refused(
    response: Response, detail: str | list[list[str]], document: schemathesis.BaseSchema, path: str
) -> None:
    """``response`` is a 422 with ``detail`` (the reason, or the locations of the malformed
    parameters) and as the OpenAPI ``document`` describes ``GET path``'s answers."""
    body = response.json()["detail"]
    assert (response.status_code, body if isinstance(body, str) else [error["loc"] for error in body]) == (
        422,
        detail,
    )
    assert document[path]["GET"].is_valid_response(response)
