"""The call-log API: tokens and roles, date checks, and CSV that says exactly what the JSON says."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from app import create_app
from calllog import KPI_COLUMNS
from complaints import COMPLAINT_COLUMNS, Complaint
from escalations import ESCALATION_COLUMNS, Escalation
from outbound import OUTBOUND_COLUMNS
from tests.calllog.conftest import abandoned, answered, local, overflowed, play, sid
from tests.calllog.test_calllog_kpis import build_calls
from tests.conftest import _new_database
from tests.ivr.conftest import BASE, BRUSSELS, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings, runtime_of
from tests.outbound.test_outbound_figures import build_calls as build_outbound_calls

PERIOD = {"helpdesk": "voorkempen", "from": "2026-12-01", "to": "2026-12-02"}
# (helpdesk, local time stored, priority): two of the agents' and one of central's in the period.
ESCALATIONS = [
    ("voorkempen", "2026-12-01T10:30:00", "normal"),
    ("voorkempen", "2026-12-01T23:59:59", "normal"),
    ("voorkempen", "2026-12-02T09:15:00", "urgent"),
    ("voorkempen", "2026-12-03T00:00:00", "normal"),
    ("kempen-zuid", "2026-12-01T11:00:00", "normal"),
]


def build_follow_ups(session: Session) -> None:
    """The escalations above, and a complaint received on 1 December and answered on the 2nd."""
    for number, (helpdesk, at, priority) in enumerate(ESCALATIONS, start=1):
        stored = dt.datetime.fromisoformat(at).replace(tzinfo=BRUSSELS)
        session.add(
            Escalation(
                token=f"{number:032x}",
                helpdesk_id=helpdesk,
                priority=priority,
                source="central" if priority == "urgent" else "agent",
                recording_call_sid=f"CA{number:032x}",
                recording_status="completed",
                status="open",
                created_at=stored,
                updated_at=stored,
            )
        )
    noon = dt.datetime(2026, 12, 1, 12, tzinfo=BRUSSELS)
    session.add(
        Complaint(
            helpdesk_id="voorkempen",
            received_on=dt.date(2026, 12, 1),
            channel="phone",
            name="Jan Peeters",
            contact="+32470111201",
            description="Geen tijdslot",
            category="too_few_slots",
            scope="local",
            status="answered",
            outcome="founded",
            answered_on=dt.date(2026, 12, 2),
            answer_channel="phone",
            created_at=noon,
            created_by="api:ops#1",
            updated_at=noon,
            updated_by="api:ops#1",
            closed_at=noon,
        )
    )


def _app(db_url: str) -> FastAPI:
    app: FastAPI = create_app(make_settings(db_url), clock=Clock())
    return app


@pytest.fixture(scope="module")
def client(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app on a database of this module's own, loaded once: the tests through it only read."""
    with _new_database(
        db_backend, tmp_path_factory.mktemp("calllog-api"), template=_migrated_template
    ) as url:
        app = _app(url)
        with TestClient(app, base_url=BASE) as test_client:
            with app.state.runtime.session() as session:
                build_calls(session)
                build_outbound_calls(session)
                build_follow_ups(session)
                play(session, sid(400), "voorkempen", local("2026-10-25T02:30:00+02:00"), abandoned(3))
                play(session, sid(401), "voorkempen", local("2026-10-25T02:30:00+01:00"), answered(8, 30))
                play(
                    session,
                    sid(402),
                    "voorkempen",
                    local("2026-10-25T10:00:00+01:00"),
                    overflowed("no_agents"),
                )
            yield test_client


@pytest.fixture(scope="module")
def document(client: TestClient) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document, to hold each refusal to the body it promises."""
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


@pytest.fixture
def writer(migrated_db_url: str) -> Iterator[TestClient]:
    """An app on a fresh database, for the tests that write."""
    app = _app(migrated_db_url)
    with TestClient(app, base_url=BASE) as test_client:
        with app.state.runtime.session() as session:
            for number in range(31):
                play(session, sid(number), "voorkempen", local("2026-12-01 10:00:00"), abandoned(3))
        yield test_client


def _get(client: TestClient, path: str, token: str | None = SUPERVISOR_TOKEN, **params: str) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params=params, headers=headers)


def _csv(response: Response) -> list[dict[str, str]]:
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


def _as_csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flat(kpis: dict[str, Any]) -> dict[str, str]:
    flat = {name: value for name, value in kpis.items() if name != "overflowed_by_reason"}
    flat.update({f"overflowed_{reason}": count for reason, count in kpis["overflowed_by_reason"].items()})
    return {name: _as_csv_text(value) for name, value in flat.items()}


ENDPOINTS = ["/api/metrics", "/api/metrics/series", "/api/calls"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_reading_needs_a_valid_token(client: TestClient, path: str) -> None:
    missing = _get(client, path, None, **PERIOD)
    wrong = _get(client, path, "no-such-token-0123456789", **PERIOD)
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"


def _refusal(response: Response) -> tuple[int, str | list[list[str]]]:
    """The status and why: a refusal's one line, or where each malformed parameter is."""
    detail = response.json()["detail"]
    return response.status_code, detail if isinstance(detail, str) else [error["loc"] for error in detail]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_supervisors_and_ops_may_read(client: TestClient, path: str, token: str) -> None:
    assert _get(client, path, token, **PERIOD).status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param(
            {"from": "2026-12-02", "to": "2026-12-01"},
            "from (2026-12-02) is after to (2026-12-01)",
            id="reversed",
        ),
        pytest.param(
            {"from": "2026-01-01", "to": "2027-01-02"}, "the period is longer than 366 days", id="367-days"
        ),
        pytest.param(
            {"from": "1999-12-31", "to": "2000-01-01"},
            "dates must lie between 2000-01-01 and 2999-12-31",
            id="before-2000",
        ),
    ],
)
def test_bad_periods_are_refused(
    client: TestClient, document: schemathesis.BaseSchema, path: str, params: dict[str, str], detail: str
) -> None:
    response = _get(client, path, **params)
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert document[path]["GET"].is_valid_response(response)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("params", "where"),
    [
        pytest.param({"from": "2026-12-01"}, ["query", "to"], id="no-to"),
        pytest.param({"from": "1 december", "to": "2026-12-02"}, ["query", "from"], id="not-a-date"),
        pytest.param({"from": "2026-02-30", "to": "2026-03-01"}, ["query", "from"], id="no-such-day"),
        pytest.param({**PERIOD, "format": "xml"}, ["query", "format"], id="unknown-format"),
    ],
)
def test_malformed_queries_are_refused(
    client: TestClient, document: schemathesis.BaseSchema, path: str, params: dict[str, str], where: list[str]
) -> None:
    response = _get(client, path, **params)
    assert _refusal(response) == (422, [where])
    assert document[path]["GET"].is_valid_response(response)


def test_a_leap_year_is_not_too_long(client: TestClient) -> None:
    response = _get(client, "/api/metrics", **{"from": "2028-01-01", "to": "2028-12-31"})
    assert (response.status_code, response.json()["kpis"]["offered"]) == (200, 0)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unknown_helpdesk_is_not_found(client: TestClient, path: str) -> None:
    response = _get(client, path, **{**PERIOD, "helpdesk": "nergens"})
    assert (response.status_code, response.json()) == (404, {"detail": "unknown helpdesk 'nergens'"})


def test_metrics_json(client: TestClient) -> None:
    response = _get(client, "/api/metrics", **PERIOD)
    body = response.json()
    assert (body["helpdesk"], body["from"], body["to"]) == ("voorkempen", "2026-12-01", "2026-12-02")
    assert body["outbound"] == {
        "people_called": 10,
        "attempts": 11,
        "reached": 5,
        "accepted": 1,
        "kept": 1,
        "do_not_call": 1,
        "wrong_number": 1,
        "no_answer": 2,
        "voicemail": 1,
        "busy_failed": 2,
        "lists_filled": 1,
        "fill_s": 780.0,
        "talk_s": 165,
    }
    assert body["kpis"] == {
        "offered": 31,
        "offered_open": 27,
        "answered": 12,
        "abandoned": 7,
        "short_abandoned": 3,
        "overflowed": 6,
        "overflowed_by_reason": {"closed": 2, "no_agents": 1, "queue_full": 1, "wait_timeout": 1, "error": 1},
        "closing_message": 2,
        "busy_message": 1,
        "in_progress": 3,
        "entered_queue": 22,
        "returning_calls": 2,
        "reachability": 0.4444,
        "service_level": 0.3684,
        "asa_s": 63.4,
        "avg_abandon_wait_s": 45.7,
        "max_wait_s": 180,
        "avg_talk_s": 196.4,
        "invitations": 500,
        "contact_rate": 0.062,
        # 1 - (3 - 1) / 12: central's urgent question is not one of the answered calls.
        "escalations": 3,
        "escalations_urgent": 1,
        "one_and_done": 0.8333,
    }
    assert body["complaints"] == {"received": 1, "answered": 1, "answered_in_time": 1.0}


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param({"format": "csv"}, {}, id="format-parameter"),
        pytest.param({}, {"Accept": "text/csv"}, id="accept-header"),
        pytest.param({}, {"Accept": "application/json;q=0.5, text/csv"}, id="accept-list"),
    ],
)
def test_metrics_csv_equals_the_json(
    client: TestClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    as_json = client.get("/api/metrics", params=PERIOD, headers=auth).json()
    as_csv = client.get("/api/metrics", params={**PERIOD, **params}, headers={**auth, **headers})

    (row,) = _csv(as_csv)
    assert list(row) == [
        "helpdesk",
        "from",
        "to",
        *KPI_COLUMNS,
        *ESCALATION_COLUMNS,
        *OUTBOUND_COLUMNS,
        *COMPLAINT_COLUMNS,
    ]
    assert row == {
        "helpdesk": "voorkempen",
        "from": "2026-12-01",
        "to": "2026-12-02",
        **_flat(as_json["kpis"]),
        **{f"outbound_{name}": _as_csv_text(value) for name, value in as_json["outbound"].items()},
        **{f"complaints_{name}": _as_csv_text(value) for name, value in as_json["complaints"].items()},
    }
    assert (
        as_csv.headers["content-disposition"]
        == 'attachment; filename="metrics-voorkempen-2026-12-01-2026-12-02.csv"'
    )


def test_all_helpdesks_when_none_is_named(client: TestClient) -> None:
    body = _get(client, "/api/metrics", **{"from": "2026-12-01", "to": "2026-12-02"}).json()
    assert (body["helpdesk"], body["kpis"]["offered"], body["kpis"]["invitations"]) == (None, 33, 600)
    assert (body["outbound"]["attempts"], body["outbound"]["lists_filled"]) == (12, 2)


@pytest.mark.parametrize("step", ["15m", "hour", "day"])
def test_series_csv_equals_the_json(client: TestClient, step: str) -> None:
    params = {**PERIOD, "step": step}
    as_json = _get(client, "/api/metrics/series", **params).json()
    rows = _csv(_get(client, "/api/metrics/series", **params, format="csv"))

    assert [
        {"start": bucket["start"], **_flat(bucket["kpis"]), **_complaints(bucket["complaints"])}
        for bucket in as_json["buckets"]
    ] == rows
    assert list(rows[0]) == ["start", *KPI_COLUMNS, *ESCALATION_COLUMNS, *COMPLAINT_COLUMNS]
    assert len(rows) == {"15m": 192, "hour": 48, "day": 2}[step]


def _complaints(figures: dict[str, Any] | None) -> dict[str, str]:
    if figures is None:
        return dict.fromkeys(COMPLAINT_COLUMNS, "")
    return {f"complaints_{name}": _as_csv_text(value) for name, value in figures.items()}


def test_the_series_counts_escalations_per_bucket_and_complaints_per_day(client: TestClient) -> None:
    days = _get(client, "/api/metrics/series", **PERIOD, step="day").json()["buckets"]
    assert [
        (b["kpis"]["escalations"], b["kpis"]["escalations_urgent"], b["kpis"]["answered"], b["complaints"])
        for b in days
    ] == [
        (2, 0, days[0]["kpis"]["answered"], {"received": 1, "answered": 0, "answered_in_time": None}),
        (1, 1, days[1]["kpis"]["answered"], {"received": 0, "answered": 1, "answered_in_time": 1.0}),
    ]
    total = _get(client, "/api/metrics", **PERIOD).json()["kpis"]
    assert sum(b["kpis"]["answered"] for b in days) == total["answered"]
    hours = _get(client, "/api/metrics/series", **PERIOD, step="hour").json()["buckets"]
    escalated = [(b["start"], b["kpis"]["escalations"]) for b in hours if b["kpis"]["escalations"]]
    assert escalated == [
        ("2026-12-01T10:00:00+01:00", 1),
        ("2026-12-01T23:00:00+01:00", 1),
        ("2026-12-02T09:00:00+01:00", 1),
    ]
    assert {b["complaints"] is None for b in hours} == {True}


def test_series_on_the_day_summer_time_ends(client: TestClient) -> None:
    body = _get(
        client, "/api/metrics/series", **{"helpdesk": "voorkempen", "from": "2026-10-25", "to": "2026-10-25"}
    ).json()
    assert (body["step"], body["timezone"], len(body["buckets"])) == ("hour", "Europe/Brussels", 25)
    assert [(b["start"], b["kpis"]["offered"]) for b in body["buckets"] if b["kpis"]["offered"]] == [
        ("2026-10-25T02:00:00+02:00", 1),
        ("2026-10-25T02:00:00+01:00", 1),
        ("2026-10-25T10:00:00+01:00", 1),
    ]
    assert [b["kpis"]["overflowed"] for b in body["buckets"]].count(1) == 1


def test_series_refuses_too_many_buckets(client: TestClient, document: schemathesis.BaseSchema) -> None:
    response = _get(
        client, "/api/metrics/series", **{"from": "2026-01-01", "to": "2026-12-31", "step": "15m"}
    )
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "more than 10000 buckets; choose a longer step or a shorter period"},
    )
    assert document["/api/metrics/series"]["GET"].is_valid_response(response)


def test_series_refuses_an_unknown_step(client: TestClient) -> None:
    assert _get(client, "/api/metrics/series", **PERIOD, step="week").status_code == 422


def _all_pages(client: TestClient, fmt: str | None, limit: int) -> tuple[list[dict[str, Any]], int]:
    calls: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {**PERIOD, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        if fmt == "csv":
            response = _get(client, "/api/calls", **params, format="csv")
            calls += _csv(response)
            cursor = response.headers.get("x-next-cursor")
        else:
            body = _get(client, "/api/calls", **params).json()
            calls += body["calls"]
            cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            return calls, pages


def test_call_pages_return_every_call_once_and_csv_equals_the_json(client: TestClient) -> None:
    as_json, pages = _all_pages(client, None, 7)
    as_csv, csv_pages = _all_pages(client, "csv", 7)

    assert (len(as_json), pages, csv_pages) == (31, 5, 5)
    assert len({call["call_sid"] for call in as_json}) == 31
    assert as_csv == [{name: _as_csv_text(value) for name, value in call.items()} for call in as_json]


def test_a_call_in_the_list(client: TestClient) -> None:
    body = _get(client, "/api/calls", **{**PERIOD, "limit": "1"}).json()
    assert body["calls"] == [
        {
            "call_sid": sid(100),
            "helpdesk": "voorkempen",
            "arrived_at": "2026-12-01T00:30:00+01:00",
            "arrival_date": "2026-12-01",
            "open_on_arrival": False,
            "caller": "+32 4** ** ** 56",
            "outcome": "in_progress",
            "overflow_reason": None,
            "entered_queue": False,
            "wait_s": None,
            "answered_by": None,
            "talk_s": None,
            "central_status": None,
            "call_status": None,
            "call_duration_s": None,
            "ended_at": None,
        }
    ]


def test_the_call_list_never_shows_a_number_or_its_hash(client: TestClient) -> None:
    as_json = _get(client, "/api/calls", **{**PERIOD, "limit": "1000"}).text
    as_csv = _get(client, "/api/calls", **{**PERIOD, "limit": "1000"}, format="csv").text
    for text in (as_json, as_csv):
        assert "470123456" not in text
        assert "caller_hash" not in text
        assert "caller_raw" not in text


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"cursor": "bm90LWEtY3Vyc29y"}, "not a cursor of this call list"),
        ({"limit": "0"}, [["query", "limit"]]),
        ({"limit": "1001"}, [["query", "limit"]]),
    ],
    ids=["foreign-cursor", "limit-0", "limit-1001"],
)
def test_call_list_refuses_bad_paging(
    client: TestClient,
    document: schemathesis.BaseSchema,
    params: dict[str, str],
    detail: str | list[list[str]],
) -> None:
    response = _get(client, "/api/calls", **PERIOD, **params)
    assert _refusal(response) == (422, detail)
    assert document["/api/calls"]["GET"].is_valid_response(response)


def _invite(client: TestClient, token: str | None, body: dict[str, Any]) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/invitations", json=body, headers=headers)


def test_invitations_need_the_ops_role(writer: TestClient) -> None:
    body = {"helpdesk": "voorkempen", "date": "2026-12-01", "count": 10}
    assert _invite(writer, None, body).status_code == 401
    assert _invite(writer, SUPERVISOR_TOKEN, body).status_code == 403


def test_invitations_given_again_replace_the_day(writer: TestClient) -> None:
    first = _invite(writer, OPS_TOKEN, {"helpdesk": "voorkempen", "date": "2026-12-01", "count": 1000})
    second = _invite(writer, OPS_TOKEN, {"helpdesk": "voorkempen", "date": "2026-12-01", "count": 420})
    kpis = _get(writer, "/api/metrics", **PERIOD).json()["kpis"]

    assert (first.status_code, second.json()) == (
        200,
        {"helpdesk": "voorkempen", "date": "2026-12-01", "count": 420},
    )
    assert (kpis["invitations"], kpis["contact_rate"]) == (420, 0.0738)  # 31 / 420


def test_a_planned_batch_is_accepted_and_listed(writer: TestClient) -> None:
    """A future date is a planned batch (the forecast counts it); the list gives past and planned."""
    for body in (
        {"helpdesk": "voorkempen", "date": "2026-11-30", "count": 900},
        {"helpdesk": "voorkempen", "date": "2027-01-11", "count": 1500},  # the clock says 2026-12-02
        {"helpdesk": "kempen-zuid", "date": "2026-12-07", "count": 700},
        {"helpdesk": "voorkempen", "date": "2027-03-01", "count": 10},  # outside the period asked
    ):
        assert _invite(writer, OPS_TOKEN, body).status_code == 200

    one = _get(
        writer, "/api/invitations", helpdesk="voorkempen", **{"from": "2026-11-01", "to": "2027-01-31"}
    )
    every = _get(writer, "/api/invitations", OPS_TOKEN, **{"from": "2026-12-01", "to": "2027-01-31"})

    assert one.json() == {
        "helpdesk": "voorkempen",
        "from": "2026-11-01",
        "to": "2027-01-31",
        "invitations": [
            {"helpdesk": "voorkempen", "date": "2026-11-30", "count": 900},
            {"helpdesk": "voorkempen", "date": "2027-01-11", "count": 1500},
        ],
    }
    assert every.json()["invitations"] == [
        {"helpdesk": "kempen-zuid", "date": "2026-12-07", "count": 700},
        {"helpdesk": "voorkempen", "date": "2027-01-11", "count": 1500},
    ]


def test_listing_invitations_needs_a_reader(client: TestClient) -> None:
    period = {"from": "2026-12-01", "to": "2026-12-31"}
    assert _get(client, "/api/invitations", None, **period).status_code == 401
    assert _get(client, "/api/invitations", "no-such-token-0123456789", **period).status_code == 401


def test_listing_invitations_needs_a_role_that_reads(
    writer: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Supervisors and ops read the invitations (only ops writes them); any other role is refused."""
    period = {"from": "2026-12-01", "to": "2026-12-31"}
    readers = [
        _get(writer, "/api/invitations", token, **period).status_code
        for token in (SUPERVISOR_TOKEN, OPS_TOKEN)
    ]
    tokens = runtime_of(writer).settings.ivr_api_tokens
    monkeypatch.setattr(
        type(tokens), "role_of", lambda self, token: "agent" if token == "agent-token" else None
    )
    refused = _get(writer, "/api/invitations", "agent-token", **period)

    assert readers == [200, 200]
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs the supervisor or ops role"})


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param(
            {"from": "2026-12-02", "to": "2026-12-01"},
            (422, "from (2026-12-02) is after to (2026-12-01)"),
            id="reversed",
        ),
        pytest.param(
            {"from": "2026-12-01", "to": "2026-12-31", "helpdesk": "nergens"},
            (404, "unknown helpdesk 'nergens'"),
            id="unknown-helpdesk",
        ),
        pytest.param({"from": "2026-12-01"}, (422, [["query", "to"]]), id="no-to"),
    ],
)
def test_listing_invitations_refuses_bad_input(
    client: TestClient, document: schemathesis.BaseSchema, params: dict[str, str], detail: tuple[int, Any]
) -> None:
    response = _get(client, "/api/invitations", **params)
    assert _refusal(response) == detail
    if response.status_code == 422:
        assert document["/api/invitations"]["GET"].is_valid_response(response)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"helpdesk": "nergens", "date": "2026-12-01", "count": 1}, "unknown helpdesk 'nergens'"),
        ({"helpdesk": "voorkempen", "date": "2026-12-01", "count": -1}, [["body", "count"]]),
        ({"helpdesk": "voorkempen", "date": "gisteren", "count": 1}, [["body", "date"]]),
        ({"helpdesk": "voorkempen", "date": "2026-12-01", "count": 1, "extra": 1}, [["body", "extra"]]),
    ],
    ids=["unknown-helpdesk", "negative", "not-a-date", "unknown-field"],
)
def test_invitations_refuse_bad_input(
    writer: TestClient, document: schemathesis.BaseSchema, body: dict[str, Any], detail: str | list[list[str]]
) -> None:
    response = _invite(writer, OPS_TOKEN, body)
    assert _refusal(response) == (422, detail)
    assert document["/api/invitations"]["POST"].is_valid_response(response)


def test_the_openapi_document_describes_json_and_csv(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    responses = {path: document["paths"][path]["get"]["responses"]["200"]["content"] for path in ENDPOINTS}
    assert {path: sorted(content) for path, content in responses.items()} == {
        path: ["application/json", "text/csv"] for path in ENDPOINTS
    }
    assert [responses[path]["application/json"]["schema"]["$ref"] for path in ENDPOINTS] == [
        "#/components/schemas/MetricsOut",
        "#/components/schemas/SeriesOut",
        "#/components/schemas/CallsOut",
    ]
    invitations = document["paths"]["/api/invitations"]["post"]
    assert invitations["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/InvitationsOut"
    )
    assert set(document["components"]["schemas"]["KpisOut"]["properties"]) == {
        *(name for name in KPI_COLUMNS if not name.startswith("overflowed_")),
        "overflowed_by_reason",
        *ESCALATION_COLUMNS,
    }


def test_the_openapi_document_describes_both_kinds_of_422(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [*((path, "get") for path in ENDPOINTS), ("/api/invitations", "post")]
    refused = {
        (path, method): document["paths"][path][method]["responses"]["422"]["content"]["application/json"]
        for path, method in operations
    }
    schemas = document["components"]["schemas"]

    assert {operation: content["schema"]["anyOf"] for operation, content in refused.items()} == {
        operation: [{"$ref": "#/components/schemas/InvalidRequest"}, {"$ref": "#/components/schemas/Refusal"}]
        for operation in operations
    }
    assert (schemas["Refusal"]["required"], schemas["Refusal"]["properties"]["detail"]) == (
        ["detail"],
        {"type": "string", "minLength": 1, "title": "Detail", "description": "why, in one line"},
    )
    assert (schemas["InvalidRequest"]["required"], schemas["InvalidRequest"]["properties"]["detail"]) == (
        ["detail"],
        {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}, "title": "Detail"},
    )
    assert schemas["FieldError"]["required"] == ["loc", "msg", "type"]
