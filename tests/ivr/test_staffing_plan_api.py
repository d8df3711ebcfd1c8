"""``GET /api/staffing-plan`` and ``GET /api/invitations/advice``: roles, refusals, the week planned
from the forecast learned on the synthetic ten weeks (tests/planning/synthetic.py) with planned
batches after them, the CSV tables equal to the JSON, the infeasible answer and the advice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select, update

from agents import create_agent
from app import create_app
from calllog import CallRecord
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

WEEK = {"helpdesk": "voorkempen", "week": "2026-W47"}
# Planned after Monday 16 November 2026 (today): a Tuesday batch peaking on Wednesday (fine), a
# Friday one peaking on the Saturday morning before the closed Sunday, a Saturday one peaking on
# that Sunday, and a large one the next week that needs more agents than ever answered at once.
PLANNED = {"2026-11-17": 8000, "2026-11-20": 8000, "2026-11-21": 500, "2026-11-24": 60000}
# Longer than the example's 09:00-16:00, so that 8-hour shifts with a lunch fit a day; the calls
# still come from 09:00 to 16:00.
WEEKDAY_HOURS = "08:00-18:00"
# The most agents who answered calls in the same hour of the history (set below).
MOST_SEEN = 8


@pytest.fixture(scope="module")
def client(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """Ten weeks of voorkempen's calls up to Sunday 15 November 2026, and Monday 16 November's morning;
    voorkempen open 08:00-18:00 on weekdays."""
    with _new_database(
        db_backend, tmp_path_factory.mktemp("staffing-plan-api"), template=_migrated_template
    ) as url:
        directory = tmp_path_factory.mktemp("staffing-plan-config")
        config = directory / "helpdesk.yaml"
        config.write_text(
            CONFIG.read_text().replace('mon-fri: "09:00-16:00"', f'mon-fri: "{WEEKDAY_HOURS}"', 1)
        )
        shutil.copytree(CONFIG.parent / "media", directory / "media")
        clock = Clock()
        clock.set_local("2026-11-16 10:00:00")
        settings = make_settings(url).model_copy(update={"ivr_config": config})
        app: FastAPI = create_app(settings, clock=clock)
        with TestClient(app, base_url=BASE) as test_client:
            with app.state.runtime.session() as session:
                generate(session, load_config(config), "voorkempen", dt.date(2026, 9, 7), weeks=10)
                # The generator has agent 101 answer everything; here 101 to 108 answer in one hour.
                sids = session.scalars(
                    select(CallRecord.call_sid)
                    .where(
                        CallRecord.arrival_date == dt.date(2026, 11, 12), CallRecord.answered_by.is_not(None)
                    )
                    .order_by(CallRecord.call_sid)
                    .limit(MOST_SEEN)
                ).all()
                for number, sid in enumerate(sids):
                    session.execute(
                        update(CallRecord)
                        .where(CallRecord.call_sid == sid)
                        .values(answered_by=str(101 + number), arrival_minute=600)
                    )
            headers = {"Authorization": f"Bearer {OPS_TOKEN}"}
            for day, count in PLANNED.items():
                batch = {"helpdesk": "voorkempen", "date": day, "count": count}
                assert test_client.post("/api/invitations", json=batch, headers=headers).status_code == 200
            yield test_client


@pytest.fixture(scope="module")
def document(client: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


def _get(
    client: TestClient, path: str = "/api/staffing-plan", token: str | None = SUPERVISOR_TOKEN, **params: str
) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params=params, headers=headers)


ADVICE = {"helpdesk": "voorkempen", "from": "2026-11-16", "to": "2026-11-30"}


@pytest.mark.parametrize(
    ("path", "params"),
    [("/api/staffing-plan", WEEK), ("/api/invitations/advice", ADVICE)],
    ids=["plan", "advice"],
)
def test_a_valid_token_of_supervisor_or_ops_is_needed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, params: dict[str, str]
) -> None:
    missing = _get(client, path, None, **params)
    wrong = _get(client, path, "no-such-token-0123456789", **params)
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert [_get(client, path, token, **params).status_code for token in (SUPERVISOR_TOKEN, OPS_TOKEN)] == [
        200,
        200,
    ]
    tokens = runtime_of(client).settings.ivr_api_tokens
    monkeypatch.setattr(
        type(tokens), "role_of", lambda self, token: "agent" if token == "agent-token" else None
    )
    refused = _get(client, path, "agent-token", **params)
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs the supervisor or ops role"})


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param({"week": "2026-50"}, "week '2026-50' is not written like 2026-W50", id="no-W"),
        pytest.param(
            {"week": "2026-W54"}, "week '2026-W54' does not exist: 2026 has no week 54", id="week-54"
        ),
        pytest.param(
            {"week": "1999-W10"}, "dates must lie between 2000-01-01 and 2999-12-31", id="too-early"
        ),
        pytest.param(
            {"helpdesk": "nergens"},
            "unknown helpdesk 'nergens'; the helpdesks are voorkempen, kempen-zuid",
            id="unknown-helpdesk",
        ),
        pytest.param({"format": "xlsx"}, [["query", "format"]], id="unknown-format"),
        pytest.param({"table": "lunches"}, [["query", "table"]], id="unknown-table"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    client: TestClient,
    document: schemathesis.BaseSchema,
    params: dict[str, str],
    detail: str | list[list[str]],
) -> None:
    assert_refused(_get(client, **(WEEK | params)), detail, document, "/api/staffing-plan")


def _forecast_hours(client: TestClient) -> dict[tuple[str, int], int]:
    params = {"helpdesk": "voorkempen", "from": "2026-11-16", "to": "2026-11-22", "step": "hour"}
    buckets = _get(client, "/api/forecast", **params).json()["buckets"]
    return {
        (bucket["start"][:10], int(bucket["start"][11:13])): bucket["agents_needed"] for bucket in buckets
    }


def test_the_week_is_covered_with_staggered_lunches_near_the_lower_bound(client: TestClient) -> None:
    body = _get(client, **WEEK).json()
    hourly = _forecast_hours(client)

    assert (body["week"], body["from"], body["to"], body["basis"], body["history_days"]) == (
        "2026-W47",
        "2026-11-16",
        "2026-11-22",
        "learned",
        59,
    )
    assert body["max_agents"] is None
    half_hours = body["half_hours"]
    # Monday to Friday 08:00-18:00 (20 half hours), Saturday 09:00-12:00 (6), Sunday closed.
    assert [sum(1 for item in half_hours if item["day"] == f"2026-11-{day}") for day in range(16, 23)] == [
        20,
        20,
        20,
        20,
        20,
        6,
        0,
    ]
    # Both halves of an hour need that hour's agents from the forecast (at least min_agents).
    assert [item["needed"] for item in half_hours] == [
        max(2, hourly[(item["day"], int(item["time"][:2]))]) for item in half_hours
    ]
    assert max(item["needed"] for item in half_hours) >= 5
    assert [item for item in half_hours if item["planned"] < item["needed"]] == []
    # Each lunch keeps the cover: agents at lunch are counted apart from those planned.
    for item in half_hours:
        lunching = [
            shift
            for shift in body["shifts"]
            if shift["day"] == item["day"]
            and shift["lunch_start"] is not None
            and shift["lunch_start"] <= item["time"] < shift["lunch_end"]
        ]
        assert item["at_lunch"] == len(lunching)
    lunches = [shift["lunch_start"] for shift in body["shifts"] if shift["lunch_start"] is not None]
    assert len(set(lunches)) >= 2
    totals = body["totals"]
    hours = sum(_minutes(shift["end"]) - _minutes(shift["start"]) for shift in body["shifts"]) / 60
    assert (totals["agent_hours"], totals["shifts"]) == (pytest.approx(hours), len(body["shifts"]))
    assert totals["lower_bound"] <= totals["agent_hours"] <= 1.05 * totals["lower_bound"]
    assert totals["gap"] <= 0.05


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def test_the_plan_carries_the_advice_on_the_batches_reaching_its_week(client: TestClient) -> None:
    advice = _get(client, **WEEK).json()["advice"]

    assert [(item["date"], [flag["reason"] for flag in item["flags"]]) for item in advice] == [
        ("2026-11-17", []),
        ("2026-11-20", ["peak_before_closed_day"]),
        ("2026-11-21", ["peak_on_closed_day"]),
    ]


def test_the_csv_tables_equal_the_json(client: TestClient) -> None:
    body = _get(client, **WEEK).json()
    half_hours = _get(client, **(WEEK | {"format": "csv"}))
    shifts = _get(client, **(WEEK | {"format": "csv", "table": "shifts"}))

    assert half_hours.headers["content-type"] == "text/csv; charset=utf-8"
    assert shifts.headers["content-disposition"] == (
        'attachment; filename="staffing-plan-voorkempen-2026-W47-shifts.csv"'
    )
    assert list(csv.DictReader(io.StringIO(half_hours.text))) == [
        {key: str(value) for key, value in item.items()} for item in body["half_hours"]
    ]
    assert list(csv.DictReader(io.StringIO(shifts.text))) == [
        {key: "" if value is None else str(value) for key, value in item.items()} for item in body["shifts"]
    ]


def test_a_need_above_the_enabled_agents_names_the_half_hours(
    client: TestClient, document: schemathesis.BaseSchema
) -> None:
    # kempen-zuid has no history: the prior needs min_agents (2) in each open half hour.
    params = {"helpdesk": "kempen-zuid", "week": "2026-W47"}
    assert _get(client, **params).json()["max_agents"] is None
    with runtime_of(client).session() as session:
        create_agent(
            session, "kempen-zuid", "501", "Enige Agent", "482913", dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        )

    response = _get(client, **params)
    detail: dict[str, Any] = response.json()["detail"]
    assert response.status_code == 409
    assert document["/api/staffing-plan"]["GET"].is_valid_response(response)
    # Monday to Friday 09:00-12:30 and 13:30-17:00: 14 half hours a day, each needing 2 of 1.
    assert len(detail["half_hours"]) == 5 * 14
    assert detail["half_hours"][0] == {
        "day": "2026-11-16",
        "time": "09:00",
        "needed": 2,
        "coverable": 1,
        "reason": "above_max_agents",
    }
    assert detail["message"].startswith(
        "no rota covers every half hour: 2026-11-16 09:00 needs 2, but at most 1 agents are available; "
    )


def test_the_advice_route_flags_each_planned_batch(client: TestClient) -> None:
    body = _get(client, "/api/invitations/advice", **ADVICE).json()
    batches = {item["date"]: item for item in body["batches"]}

    assert list(batches) == list(PLANNED)
    assert {day: [flag["reason"] for flag in item["flags"]] for day, item in batches.items()} == {
        "2026-11-17": [],
        "2026-11-20": ["peak_before_closed_day"],
        "2026-11-21": ["peak_on_closed_day"],
        "2026-11-24": ["more_agents_than_ever"],
    }
    assert {
        day: (item["peak_lag"], item["peak_day"], item["peak_open_day"]) for day, item in batches.items()
    } == {
        "2026-11-17": (1, "2026-11-18", "2026-11-18"),
        "2026-11-20": (1, "2026-11-21", "2026-11-21"),
        "2026-11-21": (1, "2026-11-22", "2026-11-23"),
        "2026-11-24": (1, "2026-11-25", "2026-11-25"),
    }
    large = batches["2026-11-24"]
    assert large["agents_needed"] > MOST_SEEN >= batches["2026-11-17"]["agents_needed"]
    assert large["flags"][0]["detail"].endswith(
        f"more than the {MOST_SEEN} the helpdesk has ever had logged in at once"
    )
    assert batches["2026-11-21"]["flags"][0] == {
        "reason": "peak_on_closed_day",
        "detail": "sent 2026-11-21, its calls peak on Sunday 2026-11-22 (+1), when the helpdesk is closed",
        "playbook": "Playbook 1.4.1: letters sent in the morning arrive the next day; batches should "
        'preferably not go out just before a weekend day when the helpdesk is closed ("bij voorkeur niet '
        'net voor een weekenddag als de lokale helpdesk dan niet bereikbaar is").',
    }


def test_the_advice_of_a_period_without_planned_batches_is_empty(client: TestClient) -> None:
    past = _get(client, "/api/invitations/advice", **(ADVICE | {"from": "2026-10-01", "to": "2026-11-16"}))
    assert (past.status_code, past.json()["batches"]) == (200, [])


def test_the_openapi_document_describes_the_answers(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("BatchAdviceOut", "FlagOut", "TotalsOut"):
        assert [
            key for key, field in schemas[name]["properties"].items() if not field.get("description")
        ] == []
