"""The call lists API: roles, JSON and CSV imports, bad rows refused whole, progress, figures,
close, retry, the export, and no number in clear in any answer or log line (on SQLite and
PostgreSQL)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from app import create_app
from calllog.privacy import caller_hash
from outbound import DoNotCall, Outcome
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, Line, make_settings
from tests.ivr.test_metrics_api import UNREACHABLE_DB
from tests.outbound.call_lists import called, filled, local

LISTS = "/api/call-lists"
PEOPLE = [
    {"number": "0470 11 22 33", "reference": "AFS-1"},
    {"number": "+32 471 22 33 44", "reference": "AFS-2"},
    {"number": "03 310 01 01"},
    {"number": "0032472334455", "reference": "AFS-4"},
]
CLEAR = ["+32470112233", "+32471223344", "+3233100101", "+32472334455"]
BODY = {"helpdesk": "voorkempen", "purpose": "reserve", "label": "reservelijst dinsdag 14 uur", "slots": 1}
CSV = b"number;reference\n0470 11 22 33;AFS-1\n+32 471 22 33 44;AFS-2\n03 310 01 01;\n0032472334455;AFS-4\n"


def send(line: Line, method: str, path: str, token: str | None = OPS_TOKEN, **kwargs: Any) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return line.client.request(method, path, headers=headers, **kwargs)


def import_json(line: Line, **changes: Any) -> Response:
    return send(line, "POST", LISTS, json={**BODY, "people": PEOPLE, **changes})


def import_csv(line: Line, data: bytes = CSV, **query: Any) -> Response:
    params = {"helpdesk": "voorkempen", "purpose": "reserve", "label": "reservelijst dinsdag 14 uur", **query}
    return send(line, "POST", LISTS, params=params, content=data, headers={"Content-Type": "text/csv"})


def created_id(response: Response) -> int:
    assert response.status_code == 201, response.text
    list_id: int = response.json()["id"]
    return list_id


def summary(list_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": list_id,
        "helpdesk": "voorkempen",
        "purpose": "reserve",
        "label": "reservelijst dinsdag 14 uur",
        "slots": 1,
        "state": "open",
        "created_at": "2026-12-02T10:00:00+01:00",
        "created_by": "api:ops#1",
        "closed_at": None,
        "numbers_erased_at": None,
        "progress": {"people": 4, "pending": 4, "claimed": 0, "done": 0, "accepted": 0},
        **changes,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", LISTS), ("POST", f"{LISTS}/1/close"), ("POST", f"{LISTS}/1/retry-unreached")],
    ids=["import", "close", "retry"],
)
def test_changes_need_the_ops_role(line: Line, method: str, path: str) -> None:
    assert send(line, method, path, None, json={**BODY, "people": PEOPLE}).status_code == 401
    refused = send(line, method, path, SUPERVISOR_TOKEN, json={**BODY, "people": PEOPLE})
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs the ops role"})
    assert send(line, "GET", LISTS, SUPERVISOR_TOKEN).json() == []


@pytest.mark.parametrize(
    "path", [LISTS, f"{LISTS}/1", f"{LISTS}/1/export.csv"], ids=["lists", "list", "export"]
)
def test_reading_needs_a_supervisor_or_ops_token(line: Line, path: str) -> None:
    created_id(import_json(line))
    assert send(line, "GET", path, None).status_code == 401
    assert send(line, "GET", path, "not-a-token").status_code == 401
    assert send(line, "GET", path, SUPERVISOR_TOKEN).status_code == 200
    assert send(line, "GET", path, OPS_TOKEN).status_code == 200


def test_a_json_import_and_the_list_it_made(line: Line) -> None:
    response = import_json(line)
    list_id = created_id(response)
    assert response.json() == {**summary(list_id), "skipped_do_not_call": 0}

    detail = send(line, "GET", f"{LISTS}/{list_id}", SUPERVISOR_TOKEN).json()
    assert detail == {
        **summary(list_id),
        "figures": {
            "people_called": 0,
            "attempts": 0,
            "reached": 0,
            "accepted": 0,
            "kept": 0,
            "do_not_call": 0,
            "wrong_number": 0,
            "no_answer": 0,
            "voicemail": 0,
            "busy_failed": 0,
            "lists_filled": 0,
            "fill_s": None,
            "talk_s": 0,
        },
        "entries": [
            {
                "position": 1,
                "masked_number": "+32 4** ** ** 33",
                "reference": "AFS-1",
                "state": "pending",
                "outcome": None,
                "attempts": 0,
                "last_call_at": None,
            },
            {
                "position": 2,
                "masked_number": "+32 4** ** ** 44",
                "reference": "AFS-2",
                "state": "pending",
                "outcome": None,
                "attempts": 0,
                "last_call_at": None,
            },
            {
                "position": 3,
                "masked_number": "+32 3 *** ** 01",
                "reference": None,
                "state": "pending",
                "outcome": None,
                "attempts": 0,
                "last_call_at": None,
            },
            {
                "position": 4,
                "masked_number": "+32 4** ** ** 55",
                "reference": "AFS-4",
                "state": "pending",
                "outcome": None,
                "attempts": 0,
                "last_call_at": None,
            },
        ],
    }


def test_a_csv_import_makes_the_same_list(line: Line) -> None:
    from_json = created_id(import_json(line))
    response = import_csv(line, slots=1)
    from_csv = created_id(response)
    assert response.json() == {**summary(from_csv), "skipped_do_not_call": 0}
    as_json = send(line, "GET", f"{LISTS}/{from_json}").json()
    as_csv = send(line, "GET", f"{LISTS}/{from_csv}").json()
    assert {**as_csv, "id": from_json} == as_json


def test_the_do_not_call_register_is_skipped_and_counted(line: Line) -> None:
    with line.runtime.session() as session:
        for number in CLEAR[1:3]:
            hashed = caller_hash(number, line.runtime.caller_key)
            session.add(DoNotCall(number_hash=hashed, added_at=line.clock(), helpdesk_id="voorkempen"))
    response = import_csv(line)
    assert (response.status_code, response.json()["skipped_do_not_call"]) == (201, 2)
    entries = send(line, "GET", f"{LISTS}/{response.json()['id']}").json()["entries"]
    assert [(entry["position"], entry["reference"]) for entry in entries] == [(1, "AFS-1"), (2, "AFS-4")]


def test_bad_rows_are_refused_all_at_once_and_nothing_is_imported(line: Line) -> None:
    data = (
        b"number,reference\n"
        b"0470 11 22 33,AFS-1\n"
        b"0470 11 22,AFS-2\n"
        b"+32470112233,AFS-3\n"
        b"Jan Peeters,AFS-4\n"
        b"0471 22 33 44," + b"x" * 41 + b"\n"
    )
    response = import_csv(line, data)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "nothing imported: row 3: the number is not valid: check its digits; "
        "row 4: the same number as row 2; row 5: not a phone number; "
        "row 6: the reference has 41 characters; at most 40",
        "rows": [
            {"row": 3, "problem": "the number is not valid: check its digits"},
            {"row": 4, "problem": "the same number as row 2"},
            {"row": 5, "problem": "not a phone number"},
            {"row": 6, "problem": "the reference has 41 characters; at most 40"},
        ],
    }
    assert send(line, "GET", LISTS).json() == []


def test_a_list_of_more_than_5000_is_refused(line: Line) -> None:
    people = [{"number": f"+324700{index:05d}"} for index in range(5001)]
    response = import_json(line, people=people)
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "nothing imported: 5,001 people; a list holds at most 5,000", "rows": []},
    )
    assert send(line, "GET", LISTS).json() == []


@pytest.mark.parametrize(
    ("request_", "status", "body"),
    [
        (
            {"json": {**BODY, "helpdesk": "nergens", "people": PEOPLE}},
            422,
            {
                "detail": "nothing imported: helpdesk: unknown helpdesk 'nergens'; "
                "known: voorkempen, kempen-zuid",
                "rows": [],
            },
        ),
        (
            {"json": {**BODY, "label": "x" * 81, "people": PEOPLE}},
            422,
            {
                "detail": [
                    {
                        "type": "string_too_long",
                        "loc": ["body", "label"],
                        "msg": "String should have at most 80 characters",
                    }
                ]
            },
        ),
        (
            {"json": {**BODY, "people": [{"number": 470112233}]}},
            422,
            {
                "detail": [
                    {
                        "type": "string_type",
                        "loc": ["body", "people", 0, "number"],
                        "msg": "Input should be a valid string",
                    }
                ]
            },
        ),
        (
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
            422,
            {
                "detail": [
                    {
                        "type": "json_invalid",
                        "loc": ["body"],
                        "msg": "Invalid JSON: key must be a string at line 1 column 2",
                    }
                ]
            },
        ),
        (
            {"content": CSV, "headers": {"Content-Type": "text/csv"}, "params": {"label": "x"}},
            422,
            {
                "detail": [
                    {"type": "missing", "loc": ["query", "helpdesk"], "msg": "Field required"},
                    {"type": "missing", "loc": ["query", "purpose"], "msg": "Field required"},
                ]
            },
        ),
        (
            {"json": {**BODY, "people": PEOPLE}, "params": {"helpdesk": "voorkempen"}},
            422,
            {
                "detail": "give helpdesk, purpose, label and slots in the JSON body; "
                "the query parameters are for text/csv"
            },
        ),
        (
            {"content": CSV, "headers": {"Content-Type": "text/plain"}},
            422,
            {
                "detail": "send the list as JSON (Content-Type: application/json) "
                "or CSV (Content-Type: text/csv)"
            },
        ),
        (
            {"content": b"number\n" + b"0470112233\n" * 200_000, "headers": {"Content-Type": "text/csv"}},
            413,
            {"detail": "the body is over 2 MiB"},
        ),
        (
            {
                "content": b"naam,nummer\nJan,0470112233\n",
                "headers": {"Content-Type": "text/csv"},
                "params": BODY,
            },
            422,
            {
                "detail": "nothing imported: line 1: the header must be number,reference (reference may be "
                "left out), not naam,nummer",
                "rows": [],
            },
        ),
    ],
    ids=[
        "unknown-helpdesk",
        "long-label",
        "number-not-a-string",
        "not-json",
        "csv-without-fields",
        "json-with-query",
        "other-content-type",
        "too-large",
        "csv-bad-header",
    ],
)
def test_bad_requests_are_refused_clearly(
    line: Line, request_: dict[str, Any], status: int, body: dict[str, Any]
) -> None:
    response = send(line, "POST", LISTS, **request_)
    assert (response.status_code, response.json()) == (status, body)
    assert send(line, "GET", LISTS).json() == []


def test_progress_and_figures_as_the_agents_call(line: Line) -> None:
    list_id = created_id(import_json(line))
    with line.runtime.session() as session:
        called(session, list_id, 1, local("2026-12-02T10:05:00"), Outcome.NO_ANSWER)
        called(session, list_id, 2, local("2026-12-02T10:06:00"), Outcome.KEPT, talk_s=40)
        called(session, list_id, 3, local("2026-12-02T10:08:00"), None)
    detail = send(line, "GET", f"{LISTS}/{list_id}").json()
    assert detail["progress"] == {"people": 4, "pending": 1, "claimed": 1, "done": 2, "accepted": 0}
    assert [(e["state"], e["outcome"], e["attempts"], e["last_call_at"]) for e in detail["entries"]] == [
        ("done", "no_answer", 1, "2026-12-02T10:05:00+01:00"),
        ("done", "kept", 1, "2026-12-02T10:06:00+01:00"),
        ("claimed", None, 1, "2026-12-02T10:08:00+01:00"),
        ("pending", None, 0, None),
    ]

    line.clock.set_local("2026-12-02 11:00")
    retried = send(line, "POST", f"{LISTS}/{list_id}/retry-unreached")
    assert retried.status_code == 200
    assert (retried.json()["requeued"], retried.json()["progress"]) == (
        1,
        {"people": 4, "pending": 2, "claimed": 1, "done": 1, "accepted": 0},
    )

    with line.runtime.session() as session:
        called(session, list_id, 1, local("2026-12-02T11:01:00"), Outcome.ACCEPTED, talk_s=75)
        filled(session, list_id, local("2026-12-02T11:02:00"))
    detail = send(line, "GET", f"{LISTS}/{list_id}").json()
    assert (detail["state"], detail["closed_at"]) == ("filled", "2026-12-02T11:02:00+01:00")
    assert detail["figures"] == {
        "people_called": 3,
        "attempts": 4,
        "reached": 2,
        "accepted": 1,
        "kept": 1,
        "do_not_call": 0,
        "wrong_number": 0,
        "no_answer": 1,
        "voicemail": 0,
        "busy_failed": 0,
        "lists_filled": 1,
        "fill_s": 3720.0,
        "talk_s": 115,
    }
    refused = send(line, "POST", f"{LISTS}/{list_id}/retry-unreached")
    assert (refused.status_code, refused.json()) == (
        409,
        {"detail": f"call list {list_id} was filled at 2026-12-02 11:02"},
    )


def test_close_then_close_again_and_unknown_lists(line: Line) -> None:
    list_id = created_id(import_json(line))
    line.clock.set_local("2026-12-02 12:30")
    closed = send(line, "POST", f"{LISTS}/{list_id}/close")
    assert (closed.status_code, closed.json()) == (
        200,
        summary(list_id, state="closed", closed_at="2026-12-02T12:30:00+01:00"),
    )
    again = send(line, "POST", f"{LISTS}/{list_id}/close")
    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"call list {list_id} was closed at 2026-12-02 12:30"},
    )
    retry = send(line, "POST", f"{LISTS}/{list_id}/retry-unreached")
    assert retry.status_code == 409
    for method, path in [
        ("GET", f"{LISTS}/999"),
        ("GET", f"{LISTS}/999/export.csv"),
        ("POST", f"{LISTS}/999/close"),
        ("POST", f"{LISTS}/999/retry-unreached"),
    ]:
        missing = send(line, method, path)
        assert (missing.status_code, missing.json()) == (404, {"detail": "no call list 999"})
    assert send(line, "GET", f"{LISTS}/0").status_code == 422
    assert send(line, "GET", f"{LISTS}/{2**31}").status_code == 422


def test_lists_by_helpdesk_and_state(line: Line) -> None:
    first = created_id(import_json(line))
    second = created_id(import_json(line, helpdesk="kempen-zuid"))
    third = created_id(import_json(line))
    assert send(line, "POST", f"{LISTS}/{first}/close").status_code == 200

    def ids(**params: str) -> list[int]:
        response = send(line, "GET", LISTS, SUPERVISOR_TOKEN, params=params)
        assert response.status_code == 200
        return [found["id"] for found in response.json()]

    assert ids() == [second, third, first]
    assert ids(helpdesk="voorkempen") == [third, first]
    assert ids(helpdesk="voorkempen", state="open") == [third]
    assert ids(state="closed") == [first]
    assert ids(limit="1") == [second]
    unknown = send(line, "GET", LISTS, params={"helpdesk": "nergens"})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "unknown helpdesk 'nergens'"})
    assert send(line, "GET", LISTS, params={"state": "half"}).status_code == 422


def test_the_export_holds_no_personal_data(line: Line) -> None:
    list_id = created_id(import_json(line))
    with line.runtime.session() as session:
        called(session, list_id, 2, local("2026-12-02T10:06:00"), Outcome.VOICEMAIL)
    response = send(line, "GET", f"{LISTS}/{list_id}/export.csv", SUPERVISOR_TOKEN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="call-list-{list_id}.csv"'
    assert response.text == (
        "position,reference,state,outcome,attempts,last_call_at\r\n"
        "1,AFS-1,pending,,0,\r\n"
        "2,AFS-2,done,voicemail,1,2026-12-02T10:06:00+01:00\r\n"
        "3,,pending,,0,\r\n"
        "4,AFS-4,pending,,0,\r\n"
    )
    assert list(csv.DictReader(io.StringIO(response.text)))[1]["outcome"] == "voicemail"


def _digits(number: str) -> list[str]:
    national = number.removeprefix("+32")
    return [number, number.removeprefix("+"), "0" + national, national]


def test_no_answer_and_no_log_line_carries_a_number(line: Line, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    list_id = created_id(import_json(line))
    answers = [
        import_json(line, people=[*PEOPLE, PEOPLE[0], {"number": "0470 11 22"}]).text,
        import_json(line, people=[{"number": 470112233}]).text,
        send(line, "GET", LISTS).text,
        send(line, "GET", f"{LISTS}/{list_id}").text,
        send(line, "GET", f"{LISTS}/{list_id}/export.csv").text,
        send(line, "POST", f"{LISTS}/{list_id}/retry-unreached").text,
        send(line, "POST", f"{LISTS}/{list_id}/close").text,
    ]
    logged = [record.getMessage() for record in caplog.records] + [
        str(value) for record in caplog.records for value in vars(record).values()
    ]
    assert any("call list imported" in message for message in logged)
    for number in CLEAR:
        for form in _digits(number):
            assert [answer for answer in answers if form in answer] == []
            assert [message for message in logged if form in message] == []
    assert "4701122" not in "".join(answers)


@pytest.fixture
def no_database() -> Iterator[TestClient]:
    app = create_app(make_settings(UNREACHABLE_DB), clock=Clock())
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", LISTS, {**BODY, "people": PEOPLE}),
        ("GET", LISTS, None),
        ("GET", f"{LISTS}/1", None),
        ("GET", f"{LISTS}/1/export.csv", None),
        ("POST", f"{LISTS}/1/close", None),
        ("POST", f"{LISTS}/1/retry-unreached", None),
    ],
    ids=["import", "lists", "list", "export", "close", "retry"],
)
def test_without_a_database_the_answer_is_503(
    no_database: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = no_database.request(method, path, json=body, headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    assert (response.status_code, response.json()) == (503, {"detail": "database unreachable"})


def test_the_openapi_document_describes_both_bodies_and_every_field(line: Line) -> None:
    document = line.client.get("/openapi.json").json()
    create = document["paths"][LISTS]["post"]
    content = create["requestBody"]["content"]
    assert sorted(content) == ["application/json", "text/csv"]
    assert content["application/json"]["schema"]["examples"][0]["people"][0] == {
        "number": "0470 12 34 56",
        "reference": "AFS-2291",
    }
    assert content["text/csv"]["example"].startswith("number,reference\n")
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreatedOut"
    }
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/InvalidRequest"},
        {"$ref": "#/components/schemas/ListRefusal"},
    ]
    schemas = document["components"]["schemas"]
    for name in (
        "CreatedOut",
        "RetriedOut",
        "CallListDetailOut",
        "ProgressOut",
        "FiguresOut",
        "EntryOut",
        "RowProblemOut",
    ):
        undescribed = [
            key for key, field in schemas[name]["properties"].items() if "description" not in field
        ]
        assert undescribed == [], name
    export = document["paths"][f"{LISTS}/{{list_id}}/export.csv"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["text/csv"]
