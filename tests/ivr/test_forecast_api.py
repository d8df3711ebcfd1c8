"""``GET /api/forecast``: roles, refusals, the prior without history, and a forecast learned from
the synthetic ten weeks (tests/planning/synthetic.py) with a planned batch after them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from app import create_app
from config import load_config
from tests.conftest import _new_database
from tests.ivr.conftest import (
    BASE,
    CONFIG,
    OPS_TOKEN,
    SUPERVISOR_TOKEN,
    Clock,
    assert_refused,
    make_settings,
    runtime_of,
)
from tests.planning.synthetic import generate

WEEK = {"helpdesk": "voorkempen", "from": "2026-11-16", "to": "2026-11-22"}


@pytest.fixture(scope="module")
def client(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """Ten weeks of voorkempen's calls up to Sunday 15 November 2026, and Monday 16 November's morning."""
    with _new_database(
        db_backend, tmp_path_factory.mktemp("forecast-api"), template=_migrated_template
    ) as url:
        clock = Clock()
        clock.set_local("2026-11-16 10:00:00")
        app: FastAPI = create_app(make_settings(url), clock=clock)
        with TestClient(app, base_url=BASE) as test_client:
            with app.state.runtime.session() as session:
                generate(session, load_config(CONFIG), "voorkempen", dt.date(2026, 9, 7), weeks=10)
            planned = {"helpdesk": "voorkempen", "date": "2026-11-20", "count": 8000}
            headers = {"Authorization": f"Bearer {OPS_TOKEN}"}
            assert test_client.post("/api/invitations", json=planned, headers=headers).status_code == 200
            yield test_client


@pytest.fixture(scope="module")
def document(client: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


def _get(client: TestClient, token: str | None = SUPERVISOR_TOKEN, **params: str) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/forecast", params=params, headers=headers)


def test_a_forecast_needs_a_valid_token(client: TestClient) -> None:
    missing, wrong = _get(client, None, **WEEK), _get(client, "no-such-token-0123456789", **WEEK)
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_supervisors_and_ops_may_read_it(client: TestClient, token: str) -> None:
    assert _get(client, token, **WEEK).status_code == 200


def test_another_role_is_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = runtime_of(client).settings.ivr_api_tokens
    monkeypatch.setattr(
        type(tokens), "role_of", lambda self, token: "agent" if token == "agent-token" else None
    )
    refused = _get(client, "agent-token", **WEEK)
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs the supervisor or ops role"})


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param(
            {"from": "2026-11-22", "to": "2026-11-16"},
            "from (2026-11-22) is after to (2026-11-16)",
            id="reversed",
        ),
        pytest.param(
            {"from": "2026-11-16", "to": "2027-02-16"}, "the period is longer than 92 days", id="93-days"
        ),
        pytest.param(
            {"helpdesk": "nergens"},
            "unknown helpdesk 'nergens'; the helpdesks are voorkempen, kempen-zuid",
            id="unknown-helpdesk",
        ),
        pytest.param({"step": "week"}, [["query", "step"]], id="unknown-step"),
        pytest.param({"from": "16-11-2026"}, [["query", "from"]], id="not-a-date"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    client: TestClient,
    document: schemathesis.BaseSchema,
    params: dict[str, str],
    detail: str | list[list[str]],
) -> None:
    assert_refused(_get(client, **(WEEK | params)), detail, document, "/api/forecast")


def test_the_week_is_learned_per_day_with_the_planned_batch(client: TestClient) -> None:
    body = _get(client, **WEEK).json()
    days = {bucket["start"][:10]: bucket for bucket in body["buckets"]}

    assert (body["basis"], body["history_days"], body["history_from"], body["history_to"]) == (
        "learned",
        59,
        "2026-09-07",
        "2026-11-15",
    )
    assert body["model"]["contact_rate"] == pytest.approx(0.05, rel=0.10)
    assert (body["model"]["wrap_up_s"], body["model"]["service_level_s"], body["model"]["min_agents"]) == (
        10,
        60,
        2,
    )
    assert body["model"]["handle_s"] == pytest.approx(body["model"]["talk_s"] + 10, abs=0.1)
    assert list(days) == [f"2026-11-{day}" for day in range(16, 23)]
    assert days["2026-11-16"]["start"] == "2026-11-16T00:00:00+01:00"
    # Sunday closed; the planned batch of Friday 20 November raises Friday and Saturday.
    assert (
        days["2026-11-22"]["open"],
        days["2026-11-22"]["offered"],
        days["2026-11-22"]["agents_needed"],
    ) == (
        False,
        0.0,
        0,
    )
    assert days["2026-11-20"]["invitations"] == 8000
    assert days["2026-11-21"]["offered"] > 3 * days["2026-11-19"]["offered"]
    assert days["2026-11-21"]["agents_needed"] > days["2026-11-19"]["agents_needed"] >= 2


def test_per_hour_the_day_is_spread_over_its_hours_and_needs_the_busiest(client: TestClient) -> None:
    daily = _get(client, **(WEEK | {"to": "2026-11-21"})).json()["buckets"]
    hourly = _get(client, **(WEEK | {"to": "2026-11-21", "step": "hour"})).json()["buckets"]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for bucket in hourly:
        by_day.setdefault(bucket["start"][:10], []).append(bucket)

    for day in daily:
        hours = by_day[day["start"][:10]]
        assert len(hours) == 24
        assert sum(hour["offered"] for hour in hours) == pytest.approx(day["offered"], abs=0.1 * len(hours))
        assert max(hour["agents_needed"] for hour in hours) == day["agents_needed"]
        assert {hour["invitations"] for hour in hours} == {None}
    saturday = by_day["2026-11-21"]
    assert [hour["start"][11:13] for hour in saturday if hour["open"]] == ["09", "10", "11"]
    assert all(hour["agents_needed"] >= 2 for hour in saturday if hour["open"])
    assert {hour["agents_needed"] for hour in saturday if not hour["open"]} == {0}


def test_without_history_the_prior_is_used(client: TestClient) -> None:
    body = _get(client, **(WEEK | {"helpdesk": "kempen-zuid"})).json()

    assert (body["basis"], body["history_days"], body["history_from"]) == ("prior", 0, None)
    model = body["model"]
    assert (model["contact_rate"], model["lag_profile"], model["talk_s"], model["patience_s"]) == (
        0.05,
        [0.1, 0.35, 0.2, 0.13, 0.1, 0.07, 0.05],
        240.0,
        120.0,
    )
    assert {bucket["offered"] for bucket in body["buckets"]} == {0.0}
    assert [bucket["agents_needed"] for bucket in body["buckets"]] == [2, 2, 2, 2, 2, 0, 0]


def test_the_openapi_document_describes_the_answer(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/forecast"]["get"]
    schemas = document["components"]["schemas"]

    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/ForecastOut"
    )
    for name in ("ModelOut", "ForecastBucketOut"):
        assert [
            key for key, field in schemas[name]["properties"].items() if not field.get("description")
        ] == []
