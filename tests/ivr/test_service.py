"""The Twilio webhooks are plain Starlette routes in the FastAPI app: dependency overrides,
refusals and fail-safes as for any other route."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

from app import create_app
from ivr.endpoints import verified_form
from ivr.signature import FormParams
from routing import fail_safe as fail_safe_decision
from service.security import security_headers
from tests.ivr.conftest import Line, make_settings
from tests.ivr.test_hostile_input import ROUTES, twilio_paths
from tests.ivr.test_webhook_safety import PINNED_PARAMS, PINNED_SIGNATURE


def test_every_webhook_is_a_starlette_route_under_twilio(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url))
    try:
        assert type(app) is FastAPI
        assert sorted(twilio_paths(app)) == sorted(ROUTES)
    finally:
        app.state.runtime.engine.dispose()


def test_dependency_overrides_reach_a_webhook(line: Line) -> None:
    """An unsigned request passes once the signature check is overridden (as a test of an app
    built on this one would), and is refused again once the override is gone."""
    app = line.client.app
    assert isinstance(app, FastAPI)
    seen: list[str] = []

    def accept_unsigned() -> FormParams:
        seen.append("override")
        return FormParams(PINNED_PARAMS.items())

    unsigned = {"X-Twilio-Signature": "not a signature"}
    app.dependency_overrides[verified_form] = accept_unsigned
    try:
        response = line.client.post("/twilio/voice", data=PINNED_PARAMS, headers=unsigned)
    finally:
        app.dependency_overrides.clear()
    assert (response.status_code, seen) == (200, ["override"])
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert line.client.post("/twilio/voice", data=PINNED_PARAMS, headers=unsigned).status_code == 403


def test_a_failure_outside_the_decision_gets_the_fail_safe(
    line: Line, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("parsing failed")

    monkeypatch.setattr("ivr.webhooks.parse_params", broken)
    response = line.post("/twilio/voice", PINNED_PARAMS, signature=PINNED_SIGNATURE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    fail_safe = fail_safe_decision(line.runtime.config, None, line.clock())
    # The verified form is known: the caller keeps its own number toward central.
    expected = line.runtime.renderer.unknown_number(fail_safe, PINNED_PARAMS["From"], PINNED_PARAMS["To"])
    assert (
        response.text
        == expected
        == (
            '<?xml version="1.0" encoding="UTF-8"?><Response>'
            '<Dial callerId="+32470123456" timeout="30">+3227138700</Dial></Response>'
        )
    )
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("ivr", "webhook failed; answering the fail-safe")
    ]
    headers = dict(security_headers("/twilio/voice", https=True))
    assert {name: response.headers[name] for name in headers} == headers


def test_a_refusal_is_fastapis_answer(line: Line) -> None:
    response = line.client.post("/twilio/voice", data=PINNED_PARAMS, headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 403
    assert json.loads(response.text) == {"detail": "invalid Twilio signature"}
    assert response.headers["x-frame-options"] == "DENY"


def test_other_methods_go_through_fastapi(line: Line) -> None:
    response = line.client.get("/twilio/voice")
    assert response.status_code == 405
    assert response.headers["x-content-type-options"] == "nosniff"
