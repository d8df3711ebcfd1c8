"""The console on an app with a fixed clock and a migrated database, and a browser-like client;
for the browser tests a fresh Chromium profile per test and the screenshots' folder (``browsing``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from playwright.sync_api import BrowserContext

from app import create_app
from console.auth import COOKIE, SIGN_IN_COOKIE
from console.sessions import sign_in_token
from service.runtime import Runtime
from tests.console.browsing import browser_context, screenshots_folder
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings

CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def form_csrf(page: str) -> str:
    """The CSRF token of the (first) form on ``page``."""
    found = CSRF_FIELD.search(page)
    assert found is not None
    return found.group(1)


def sign_in_with_token(client: TestClient, token: str) -> Response:
    """Sign ``client`` in with ``token`` as a browser does: the form (its CSRF token and
    pre-session cookie) first."""
    form = client.get("/console", follow_redirects=False)
    assert form.status_code == 200
    data = {"token": token, "csrf": form_csrf(form.text)}
    return client.post("/console", data=data, follow_redirects=False)


@dataclass
class Console:
    client: TestClient
    runtime: Runtime[Any]
    clock: Clock

    def sign_in(self, token: str = SUPERVISOR_TOKEN) -> Response:
        """Sign in as a browser does: the form (and its pre-session cookie) first."""
        return self.client.post(
            "/console", data={"token": token, "csrf": self.sign_in_csrf("/console")}, follow_redirects=False
        )

    def sign_in_csrf(self, form: str) -> str:
        """The sign-in form's token: read from the form, or (already signed in, the form is not
        shown) derived from the pre-session cookie the form set."""
        page = self.client.get(form, follow_redirects=False)
        if page.status_code == 200:
            return form_csrf(page.text)
        pre_session: str | None = self.client.cookies.get(SIGN_IN_COOKIE)
        assert pre_session is not None
        return sign_in_token(pre_session)

    def sign_in_agent(self, helpdesk: str, code: str, pin: str) -> Response:
        """Sign in as an agent from the agents' form."""
        return self.client.post(
            "/console/medewerker",
            data={
                "helpdesk": helpdesk,
                "code": code,
                "pin": pin,
                "csrf": self.sign_in_csrf("/console/medewerker"),
            },
            follow_redirects=False,
        )

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


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    yield from browser_context(tmp_path / "profile")


@pytest.fixture(scope="module")
def screenshots() -> Iterator[Path]:
    yield from screenshots_folder()


__all__ = ["OPS_TOKEN", "SUPERVISOR_TOKEN", "Console"]
