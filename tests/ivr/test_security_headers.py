"""Security headers on every response: Twilio answers, refusals, the APIs, media and the docs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from twilio.request_validator import RequestValidator

from app import create_app
from database import upgrade
from service.security import SecurityHeaders, security_headers
from tests.conftest import _new_database
from tests.ivr.conftest import BASE, OPS_TOKEN, TOKEN, Clock, make_settings

CSP = "default-src 'none'; frame-ancestors 'none'"
CALL = {"CallSid": "CA" + "0" * 32, "From": "+32470123456", "To": "+3233100100", "CallStatus": "ringing"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _new_database("sqlite", tmp_path_factory.mktemp("security-headers")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(db_url), clock=Clock()), base_url=BASE) as test_client:
        yield test_client


def _signed_voice(client: TestClient) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}/twilio/voice", CALL)
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return dict(response.headers)


def _get(client: TestClient, path: str, status: int, token: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status
    return dict(response.headers)


COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000",
}


@pytest.mark.parametrize(
    ("path", "status", "token", "csp", "cache_control"),
    [
        pytest.param("/health", 200, None, CSP, None, id="health"),
        pytest.param("/nowhere", 404, None, CSP, None, id="not-found"),
        pytest.param("/openapi.json", 200, None, CSP, None, id="openapi"),
        pytest.param("/docs", 200, None, None, None, id="swagger-ui-without-csp"),
        pytest.param("/redoc", 200, None, None, None, id="redoc-without-csp"),
        pytest.param("/api/agents", 200, OPS_TOKEN, CSP, "no-store", id="api-ok"),
        pytest.param("/api/agents", 401, None, CSP, "no-store", id="api-refused"),
        pytest.param("/api/helpdesks", 200, OPS_TOKEN, CSP, "no-store", id="api-live"),
        pytest.param(
            "/media/hold/voorkempen.wav?start=0&seconds=5",
            200,
            None,
            CSP,
            "public, max-age=86400",
            id="media-keeps-its-cache-control",
        ),
    ],
)
def test_get_responses_carry_the_headers(
    client: TestClient, path: str, status: int, token: str | None, csp: str | None, cache_control: str | None
) -> None:
    headers = _get(client, path, status, token)
    assert {name: headers.get(name) for name in COMMON} == COMMON
    assert headers.get("content-security-policy") == csp
    assert headers.get("cache-control") == cache_control


def test_twiml_answers_carry_the_headers(client: TestClient) -> None:
    headers = _signed_voice(client)
    assert {name: headers.get(name) for name in COMMON} == COMMON
    assert headers["content-security-policy"] == CSP
    assert "cache-control" not in headers


def test_a_refused_signature_carries_the_headers(client: TestClient) -> None:
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": "wrong"})
    assert response.status_code == 403
    assert {name: response.headers.get(name) for name in COMMON} == COMMON
    assert response.headers["content-security-policy"] == CSP


def test_no_hsts_when_the_public_url_is_plain_http(db_url: str) -> None:
    settings = make_settings(db_url).model_copy(update={"public_base_url": "http://localhost:8000"})
    with TestClient(create_app(settings, clock=Clock()), base_url="http://localhost:8000") as client:
        headers = _get(client, "/health", 200)
    assert "strict-transport-security" not in headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == CSP


@pytest.mark.parametrize(
    ("path", "https", "expected"),
    [
        pytest.param(
            "/api/calls",
            False,
            [
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
                ("Content-Security-Policy", CSP),
                ("Cache-Control", "no-store"),
            ],
            id="api-over-http",
        ),
        pytest.param(
            "/docs/oauth2-redirect",
            True,
            [
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
                ("Strict-Transport-Security", "max-age=31536000"),
            ],
            id="docs-page-over-https",
        ),
        pytest.param(
            "/apis",
            False,
            [
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
                ("Content-Security-Policy", CSP),
            ],
            id="not-under-api",
        ),
        pytest.param(
            "/docsearch",
            False,
            [
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
                ("Content-Security-Policy", CSP),
            ],
            id="not-the-docs",
        ),
    ],
)
def test_security_headers_by_path(path: str, https: bool, expected: list[tuple[str, str]]) -> None:
    assert security_headers(path, https=https) == expected


def test_the_headers_replace_what_the_app_set_and_keep_the_rest() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = {"Cache-Control": "max-age=60", "X-Frame-Options": "SAMEORIGIN", "ETag": '"1"'}
        await Response(b"{}", media_type="application/json", headers=headers)(scope, receive, send)

    response = TestClient(SecurityHeaders(app, https=False)).get("/api/calls")
    pairs = [(name.lower(), value) for name, value in response.headers.items()]
    assert [value for name, value in pairs if name == "cache-control"] == ["no-store"]
    assert [value for name, value in pairs if name == "x-frame-options"] == ["DENY"]
    assert response.headers["etag"] == '"1"'
    assert "strict-transport-security" not in response.headers
