"""Signing in and out of the console, CSRF, roles and headers (TestClient, SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from console.sessions import ConsoleSession
from service.security import CONSOLE_CONTENT_SECURITY_POLICY
from tests.console.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Console

WRONG_TOKEN_MESSAGE = "Dit token is niet juist. Controleer het en probeer opnieuw."


def test_the_sign_in_page_is_a_labelled_dutch_form(console: Console) -> None:
    page = console.client.get("/console")
    assert page.status_code == 200
    assert '<html lang="nl-BE">' in page.text
    assert '<label for="token">Token</label>' in page.text
    assert '<input id="token" name="token" type="password"' in page.text
    assert 'method="post" action="/console"' in page.text


@pytest.mark.parametrize(
    ("token", "role_name"),
    [(SUPERVISOR_TOKEN, "supervisor"), (OPS_TOKEN, "operations")],
    ids=["supervisor", "ops"],
)
def test_a_token_of_either_role_signs_in_and_sees_now(console: Console, token: str, role_name: str) -> None:
    answer = console.sign_in(token)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/nu")
    page = console.client.get("/console/nu")
    assert page.status_code == 200
    assert f"Aangemeld als {role_name}" in page.text


def test_the_database_keeps_a_hash_of_the_session_id_with_its_role_and_8_hours(console: Console) -> None:
    console.sign_in(OPS_TOKEN)
    session_id = console.session_id
    assert session_id is not None
    with console.runtime.session() as session:
        rows = session.execute(select(ConsoleSession)).scalars().all()
        stored = [(row.id_hash, row.role, row.expires_at - row.created_at) for row in rows]
    assert stored == [(hashlib.sha256(session_id.encode()).hexdigest(), "ops", timedelta(hours=8))]


@pytest.mark.parametrize(
    "token",
    ["", "supervisor-token-0123456789aX", "Bearer " + SUPERVISOR_TOKEN],
    ids=["empty", "wrong", "prefixed"],
)
def test_a_wrong_token_gets_the_form_again_with_a_dutch_message_and_401(console: Console, token: str) -> None:
    answer = console.sign_in(token)
    assert answer.status_code == 401
    assert WRONG_TOKEN_MESSAGE in answer.text
    assert '<label for="token">Token</label>' in answer.text
    assert console.session_id is None
    assert "set-cookie" not in answer.headers


def test_a_wrong_token_costs_a_second(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("console.pages.FAILED_SIGN_IN_DELAY_S", 1.0)
    started = time.monotonic()
    assert console.sign_in("not-a-token-of-this-service").status_code == 401
    assert time.monotonic() - started >= 1.0


def test_the_token_is_not_logged(console: Console, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    console.sign_in(SUPERVISOR_TOKEN)
    console.sign_in("wrong-token-0123456789abcdef")
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "console sign-in" in logged
    assert SUPERVISOR_TOKEN not in logged
    assert "wrong-token-0123456789abcdef" not in logged


@pytest.mark.parametrize(
    "path", ["/console/nu", "/console/nu.json", "/console/static/now.js"], ids=["page", "data", "script"]
)
def test_nothing_but_the_sign_in_page_and_its_stylesheet_without_a_session(
    console: Console, path: str
) -> None:
    answer = console.client.get(path, follow_redirects=False)
    if path == "/console/nu":
        assert (answer.status_code, answer.headers["location"]) == (303, "/console")
    else:
        assert answer.status_code == 401
    assert console.client.get("/console/static/console.css").status_code == 200


def test_an_unknown_asset_is_not_found(console: Console) -> None:
    console.sign_in()
    assert console.client.get("/console/static/../pages.py").status_code == 404
    assert console.client.get("/console/static/sessions.py").status_code == 404


def test_a_session_expires_after_8_hours(console: Console) -> None:
    console.sign_in()
    console.clock.now += timedelta(hours=8) - timedelta(seconds=1)
    assert console.client.get("/console/nu.json").status_code == 200
    console.clock.now += timedelta(seconds=1)
    assert console.client.get("/console/nu.json").status_code == 401


def test_the_cookie_is_httponly_secure_strict_for_8_hours_on_the_console(console: Console) -> None:
    cookie = console.sign_in().headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert flags == {
        "httponly": "HttpOnly",
        "max-age": "Max-Age=28800",
        "path": "Path=/console",
        "samesite": "SameSite=strict",
        "secure": "Secure",
    }


def test_signing_out_with_the_csrf_token_revokes_the_session(console: Console) -> None:
    csrf = console.signed_in()
    session_id = console.session_id
    answer = console.client.post("/console/afmelden", data={"csrf": csrf}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console?afgemeld")
    assert "U bent afgemeld." in console.client.get(answer.headers["location"]).text
    # The same id, presented again (a copied cookie), is refused: the session is gone.
    console.client.cookies.set("ivr_console", session_id or "", path="/console")
    assert console.client.get("/console/nu.json").status_code == 401
    with console.runtime.session() as session:
        assert session.execute(select(ConsoleSession)).scalars().all() == []


@pytest.mark.parametrize("csrf", [None, "", "0" * 64], ids=["missing", "empty", "wrong"])
def test_signing_out_without_the_right_csrf_token_is_refused(console: Console, csrf: str | None) -> None:
    console.signed_in()
    answer = console.client.post(
        "/console/afmelden", data={} if csrf is None else {"csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "Er is niets gewijzigd." in answer.text
    assert console.client.get("/console/nu.json").status_code == 200


def test_the_csrf_token_of_another_session_is_refused(console: Console) -> None:
    other = console.signed_in(OPS_TOKEN)
    console.client.cookies.clear()
    console.signed_in(SUPERVISOR_TOKEN)
    answer = console.client.post("/console/afmelden", data={"csrf": other}, follow_redirects=False)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "path", ["/console", "/console/nu", "/console/nu.json", "/console/static/console.css"]
)
def test_console_responses_carry_its_csp_and_no_store(console: Console, path: str) -> None:
    console.sign_in()
    answer = console.client.get(path, follow_redirects=False)
    assert answer.headers["content-security-policy"] == CONSOLE_CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONSOLE_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONSOLE_CONTENT_SECURITY_POLICY
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"


def test_pages_hold_no_inline_script_or_style(console: Console) -> None:
    console.sign_in()
    for path in ("/console", "/console/nu"):
        page = console.client.get(path, follow_redirects=True).text
        assert "<style" not in page
        assert "style=" not in page
        assert "<script>" not in page
        assert re.search(r"\son[a-z]+=", page) is None  # no onclick= and the like


def test_the_api_keeps_its_own_csp(console: Console) -> None:
    answer = console.client.get("/api/helpdesks", headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"})
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
