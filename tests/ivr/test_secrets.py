"""Tokens and signatures: constant-time comparison, no secret in the logs, the public URL behind a proxy."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Any, cast

import pytest
import twilio.request_validator
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.types import ASGIApp
from twilio.request_validator import RequestValidator
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import create_app
from config.settings import ApiTokens
from database import upgrade
from tests.conftest import _new_database
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, TOKEN, Clock, make_settings

CALL = {"CallSid": "CA" + "1" * 32, "From": "+32470123456", "To": "+3233100100", "CallStatus": "ringing"}
PRESENTED_TOKEN = "presented-but-unknown-token-0123"
PIN = "73952846"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    with _new_database("sqlite", tmp_path_factory.mktemp("secrets")) as url:
        upgrade(url)
        yield create_app(make_settings(url), clock=Clock())


def _sign(url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(TOKEN).compute_signature(url, params))


class CountingCompare:
    def __init__(self, compare: Any) -> None:
        self.compare = compare
        self.calls = 0

    def __call__(self, first: Any, second: Any) -> bool:
        self.calls += 1
        return bool(self.compare(first, second))


TOKENS = ApiTokens.parse(
    "supervisor:first-token-0123456789,ops:second-token-0123456789,supervisor:third-token-0123456789"
)


@pytest.mark.parametrize(
    ("presented", "role"),
    [
        pytest.param("first-token-0123456789", "supervisor", id="first"),
        pytest.param("second-token-0123456789", "ops", id="middle"),
        pytest.param("third-token-0123456789", "supervisor", id="last"),
        pytest.param("second-token-012345678", None, id="prefix-of-one"),
        pytest.param("", None, id="empty"),
        pytest.param("tökén-with-ünïcode-0123", None, id="unicode"),
    ],
)
def test_every_api_token_is_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch, presented: str, role: str | None
) -> None:
    """No early exit on a match: the time taken does not tell which entry matched or came close."""
    counting = CountingCompare(hmac.compare_digest)
    monkeypatch.setattr("config.settings.hmac.compare_digest", counting)
    assert TOKENS.role_of(presented) == role
    assert counting.calls == 3


@pytest.mark.parametrize(
    "signature",
    [pytest.param("right", id="right"), pytest.param("wrong", id="wrong")],
)
def test_twilio_signatures_are_compared_by_the_constant_time_compare(
    monkeypatch: pytest.MonkeyPatch, signature: str
) -> None:
    counting = CountingCompare(twilio.request_validator.compare)
    monkeypatch.setattr(twilio.request_validator, "compare", counting)
    url = f"{BASE}/twilio/voice"
    sent = _sign(url, CALL) if signature == "right" else "A" * 28
    assert RequestValidator(TOKEN).validate(url, CALL, sent) is (signature == "right")
    # Once for the URL with its default port and once without: both always computed and compared.
    assert counting.calls == 2


def test_twilios_compare_does_not_stop_at_the_first_difference() -> None:
    """It walks the whole string: equal length, any difference, the same work (twilio.request_validator)."""
    seen: list[tuple[str, str]] = []

    class Recording(str):
        def __eq__(self, other: object) -> bool:
            seen.append((str(self), str(other)))
            return str.__eq__(self, other)

        __hash__ = str.__hash__

    first = [Recording(char) for char in "xbcd"]
    assert twilio.request_validator.compare(first, "abcd") is False
    assert seen == [("x", "a"), ("b", "b"), ("c", "c"), ("d", "d")]


def test_no_secret_is_logged_while_handling_requests(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(app, base_url=BASE) as client:
        voice = f"{BASE}/twilio/voice"
        signed = {"X-Twilio-Signature": _sign(voice, CALL)}
        assert client.post("/twilio/voice", data=CALL, headers=signed).status_code == 200
        unknown = {**CALL, "To": "+3200000000"}
        signed = {"X-Twilio-Signature": _sign(voice, unknown)}
        assert client.post("/twilio/voice", data=unknown, headers=signed).status_code == 200
        refused = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": TOKEN})
        assert refused.status_code == 403
        for token, status in ((OPS_TOKEN, 200), (SUPERVISOR_TOKEN, 200), (PRESENTED_TOKEN, 401)):
            response = client.get("/api/agents", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == status
        ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
        agent = {"helpdesk": "voorkempen", "code": "4711", "name": "An Peeters", "pin": PIN}
        assert client.post("/api/agents", json=agent, headers=ops).status_code == 201
        login = {**CALL, "To": "+3233100199", "Digits": PIN}
        pin_url = f"{BASE}/twilio/agent/pin?helpdesk=voorkempen&code=4711"
        signed = {"X-Twilio-Signature": _sign(pin_url, login)}
        logged_in = client.post("/twilio/agent/pin?helpdesk=voorkempen&code=4711", data=login, headers=signed)
        assert "/twilio/agent/next" in logged_in.text
    # The log is not silent: the unknown number was reported, so a leak would have been seen.
    assert "call to a number no helpdesk has" in caplog.messages
    logged = caplog.text + "".join(repr(vars(record)) for record in caplog.records)
    assert "agent logged in" in caplog.messages
    for secret in (TOKEN, OPS_TOKEN, SUPERVISOR_TOKEN, PRESENTED_TOKEN, PIN):
        assert secret not in logged


def _behind_proxy(app: FastAPI, trusting: bool) -> ASGIApp:
    # uvicorn rewrites scheme and host from X-Forwarded-* for trusted proxies; either way the
    # signature is checked against PUBLIC_BASE_URL.
    if not trusting:
        return app
    return cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts="*"))


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "proxy.internal",
    "X-Forwarded-For": "54.1.2.3",
}


@pytest.mark.parametrize(
    "trusting", [pytest.param(True, id="proxy-trusted"), pytest.param(False, id="plain")]
)
@pytest.mark.parametrize(
    "client_address",
    [pytest.param("10.0.0.1", id="from-the-proxy"), pytest.param("203.0.113.9", id="from-afar")],
)
@pytest.mark.parametrize(
    ("signed_for", "status"),
    [
        pytest.param(f"{BASE}/twilio/voice", 200, id="public-url-passes"),
        pytest.param("https://proxy.internal/twilio/voice", 403, id="forwarded-host-refused"),
        pytest.param("http://10.0.0.5:8000/twilio/voice", 403, id="internal-address-refused"),
    ],
)
def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(
    app: FastAPI, trusting: bool, client_address: str, signed_for: str, status: int
) -> None:
    with TestClient(
        _behind_proxy(app, trusting), base_url="http://10.0.0.5:8000", client=(client_address, 50000)
    ) as client:
        headers = {**FORWARDED, "X-Twilio-Signature": _sign(signed_for, CALL)}
        response = client.post("/twilio/voice", data=CALL, headers=headers)
    assert response.status_code == status


def test_the_app_under_test_has_the_token(app: FastAPI) -> None:
    assert app.state.runtime.settings.twilio_auth_token == SecretStr(TOKEN)
