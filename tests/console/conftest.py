"""The console on an app with a fixed clock and a migrated database, and a browser-like client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from app import create_app
from console.auth import COOKIE
from service.runtime import Runtime
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings

CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Console:
    client: TestClient
    runtime: Runtime[Any]
    clock: Clock

    def sign_in(self, token: str = SUPERVISOR_TOKEN) -> Response:
        return self.client.post("/console", data={"token": token}, follow_redirects=False)

    def signed_in(self, token: str = SUPERVISOR_TOKEN) -> str:
        """Sign in and return the page's CSRF token."""
        assert self.sign_in(token).status_code == 303
        return self.csrf()

    def csrf(self) -> str:
        page = self.client.get("/console/nu")
        assert page.status_code == 200
        found = CSRF_FIELD.search(page.text)
        assert found is not None
        return found.group(1)

    @property
    def session_id(self) -> str | None:
        value: str | None = self.client.cookies.get(COOKIE)
        return value


@pytest.fixture
def console(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    # A wrong token's delay is the subject of one test only; the others need not wait for it.
    monkeypatch.setattr("console.pages.FAILED_SIGN_IN_DELAY_S", 0.0)
    clock = Clock()
    app: FastAPI = create_app(make_settings(migrated_db_url), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield Console(client=client, runtime=app.state.runtime, clock=clock)


__all__ = ["OPS_TOKEN", "SUPERVISOR_TOKEN", "Console"]
