"""Escalations through the API (on SQLite and PostgreSQL): the list with the number masked, the
audited contact reveal, the recording streamed from a fake Twilio without a trace of Twilio in
the answer, closing deletes the recording (or leaves it to the retention job when Twilio fails),
the status transitions, and the roles on every route."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from app import create_app
from calllog import CallRecord
from escalations import (
    ContactReveal,
    NewEscalation,
    Priority,
    RecordingReport,
    RecordingStatus,
    Source,
    record_escalation,
)
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, TOKEN, Clock, make_settings

ACCOUNT = "AC" + "7" * 32
AUDIO = b"RIFF" + bytes(range(256)) * 300
CITIZEN = "+32470123456"
_SIDS = itertools.count(1)


@dataclass
class FakeTwilio:
    """Twilio's REST API as far as recordings go: the audio GET (httpx) and the DELETE (twilio)."""

    audio_status: int = 200
    delete_status: int = 204
    unreachable: bool = False
    deleted: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if self.unreachable:
                raise httpx.ConnectError("connection refused", request=request)
            assert request.url.host == "api.twilio.com"
            assert request.headers["authorization"] == httpx.BasicAuth(ACCOUNT, TOKEN)._auth_header
            prefix = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/"
            assert request.url.path.startswith(prefix)
            assert request.url.path.endswith(".wav")
            self.fetched.append(request.url.path.removeprefix(prefix).removesuffix(".wav"))
            if self.audio_status != 200:
                return httpx.Response(self.audio_status, json={"code": 20404, "message": "not found"})
            return httpx.Response(200, content=AUDIO, headers={"Content-Type": "audio/x-wav"})

        return httpx.MockTransport(answer)

    def http_client(self) -> HttpClient:
        fake = self

        class Client(HttpClient):  # type: ignore[misc]
            def request(
                self,
                method: str,
                url: str,
                params: Mapping[str, object] | None = None,
                data: Mapping[str, object] | None = None,
                headers: Mapping[str, str] | None = None,
                auth: tuple[str, str] | None = None,
                timeout: float | None = None,
                allow_redirects: bool = False,
            ) -> TwilioResponse:
                assert auth == (ACCOUNT, TOKEN)
                if method != "DELETE":  # the queue set-up at start: not this test's concern
                    return TwilioResponse(500, '{"code": 20500, "message": "Internal"}')
                sid = url.rsplit("/", 1)[1].removesuffix(".json")
                if fake.delete_status == 204:
                    fake.deleted.append(sid)
                    return TwilioResponse(204, "")
                return TwilioResponse(fake.delete_status, '{"code": 20500, "message": "Internal"}')

        return Client(logging.getLogger("tests.twilio"), is_async=False)


@dataclass
class Service:
    client: TestClient
    app: FastAPI
    twilio: FakeTwilio
    clock: Clock
    # The recording SID of each escalation stored by escalate().
    sids: dict[int, str] = field(default_factory=dict)

    def send(
        self, method: str, path: str, token: str | None = SUPERVISOR_TOKEN, body: dict[str, Any] | None = None
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.client.request(method, path, headers=headers, json=body)

    def escalate(
        self, *, priority: Priority = Priority.NORMAL, status: RecordingStatus = RecordingStatus.COMPLETED
    ) -> int:
        number = next(_SIDS)
        call_sid = f"CA{number:032x}"
        runtime = self.app.state.runtime
        now = self.clock()
        with runtime.session() as session:
            if priority is Priority.NORMAL:
                session.add(
                    CallRecord(
                        call_sid=call_sid,
                        helpdesk_id="voorkempen",
                        arrived_at=now - dt.timedelta(minutes=5),
                        open_on_arrival=True,
                        caller_raw=CITIZEN,
                        outcome="answered",
                        entered_queue=True,
                        last_sequence=3,
                    )
                )
                session.flush()
            new = NewEscalation(
                token=f"{number:032x}",
                helpdesk_id="voorkempen",
                priority=priority,
                source=Source.AGENT if priority is Priority.NORMAL else Source.CENTRAL,
                agent="1001" if priority is Priority.NORMAL else None,
                call_sid=call_sid if priority is Priority.NORMAL else None,
                recording_call_sid=f"CA{number + 5000:032x}",
                contact_number=None if priority is Priority.NORMAL else "+3227000000",
            )
            recorded = record_escalation(session, new, RecordingReport(f"RE{number:032x}", status, 21), now)
        assert recorded.escalation_id is not None
        self.sids[recorded.escalation_id] = f"RE{number:032x}"
        return recorded.escalation_id


def build(db_url: str, *, account: str | None = ACCOUNT) -> Iterator[Service]:
    twilio = FakeTwilio()
    clock = Clock()
    settings = make_settings(db_url).model_copy(update={"twilio_account_sid": account})
    app = create_app(
        settings,
        clock=clock,
        twilio_http_client=twilio.http_client(),
        recordings_transport=twilio.transport(),
    )
    with TestClient(app, base_url=BASE) as client:
        yield Service(client=client, app=app, twilio=twilio, clock=clock)


@pytest.fixture
def service(migrated_db_url: str) -> Iterator[Service]:
    yield from build(migrated_db_url)


def test_supervisors_list_listen_reveal_and_close(service: Service) -> None:
    agent = service.escalate()
    urgent = service.escalate(priority=Priority.URGENT)
    listed = service.send("GET", "/api/escalations?helpdesk=voorkempen")
    assert listed.status_code == 200
    assert [(e["id"], e["priority"], e["status"]) for e in listed.json()] == [
        (urgent, "urgent", "open"),
        (agent, "normal", "open"),
    ]
    first = listed.json()[1]
    assert first == {
        "id": agent,
        "helpdesk": "voorkempen",
        "priority": "normal",
        "source": "agent",
        "agent": "1001",
        "call_sid": first["call_sid"],
        "contact_masked": "+32 4** ** ** 56",
        "recording_status": "completed",
        "recording_duration_s": 21,
        "recording_available": True,
        "status": "open",
        "note": None,
        "created_at": "2026-12-02T10:00:00+01:00",
        "updated_at": "2026-12-02T10:00:00+01:00",
        "updated_by": None,
        "closed_at": None,
        "recording_deleted_at": None,
        "erased_at": None,
    }
    assert CITIZEN not in listed.text
    assert service.send("GET", f"/api/escalations/{agent}").json() == first

    audio = service.send("GET", f"/api/escalations/{agent}/recording")
    assert (audio.status_code, audio.content) == (200, AUDIO)
    assert audio.headers["content-type"] == "audio/x-wav"
    assert audio.headers["cache-control"] == "no-store"
    answer = audio.text + "".join(f"{k}: {v}" for k, v in audio.headers.items())
    for secret in (ACCOUNT, TOKEN, "twilio", service.sids[agent]):
        assert secret not in answer
    assert service.sids[agent] not in listed.text

    revealed = service.send("GET", f"/api/escalations/{agent}/contact")
    assert revealed.json() == {"id": agent, "contact": CITIZEN}
    with service.app.state.runtime.sessions() as session:
        audit = [(row.escalation_id, row.by) for row in session.query(ContactReveal)]
    assert audit == [(agent, "api:supervisor#2")]

    taken = service.send("PATCH", f"/api/escalations/{agent}", body={"status": "in_progress"})
    assert (taken.json()["status"], taken.json()["updated_by"]) == ("in_progress", "api:supervisor#2")
    service.clock.now += dt.timedelta(minutes=30)
    closed = service.send(
        "PATCH", f"/api/escalations/{agent}", OPS_TOKEN, {"status": "answered", "note": "Teruggebeld"}
    )
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["note"], body["updated_by"]) == ("answered", "Teruggebeld", "api:ops#1")
    assert (body["closed_at"], body["recording_deleted_at"]) == (
        "2026-12-02T10:30:00+01:00",
        "2026-12-02T10:30:00+01:00",
    )
    assert (body["recording_status"], body["recording_available"]) == ("deleted", False)
    assert service.twilio.fetched == service.twilio.deleted == [service.sids[agent]]
    gone = service.send("GET", f"/api/escalations/{agent}/recording")
    assert (gone.status_code, gone.json()) == (
        404,
        {"detail": f"escalation {agent} has no recording to listen to"},
    )
    again = service.send("PATCH", f"/api/escalations/{agent}", body={"status": "forwarded"})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"escalation {agent} is answered: it changes no more"},
    )
    assert [e["id"] for e in service.send("GET", "/api/escalations?status=open").json()] == [urgent]


def test_a_taken_escalation_does_not_reopen(service: Service) -> None:
    escalation_id = service.escalate()
    service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "in_progress"})
    back = service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "open"})
    assert (back.status_code, back.json()) == (
        409,
        {"detail": f"escalation {escalation_id} is in_progress: it cannot go back to open"},
    )


def test_a_failed_deletion_still_closes_and_the_retention_job_deletes_later(service: Service) -> None:
    escalation_id = service.escalate()
    service.twilio.delete_status = 500
    closed = service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "forwarded"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["recording_status"]) == ("forwarded", "completed")
    assert closed.json()["recording_deleted_at"] is None
    service.twilio.delete_status = 204
    jobs = service.app.state.jobs
    service.clock.now += dt.timedelta(minutes=1)
    assert "escalations" in jobs.run_tick(service.clock())
    after = service.send("GET", f"/api/escalations/{escalation_id}").json()
    assert (after["recording_status"], after["recording_deleted_at"]) == (
        "deleted",
        "2026-12-02T10:01:00+01:00",
    )
    assert service.twilio.deleted == [service.sids[escalation_id]]


def test_a_recording_twilio_no_longer_has_counts_as_deleted(service: Service) -> None:
    escalation_id = service.escalate()
    service.twilio.delete_status = 404
    closed = service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "answered"})
    assert closed.json()["recording_status"] == "deleted"


@pytest.mark.parametrize(
    ("twilio", "status", "detail"),
    [
        (
            FakeTwilio(unreachable=True),
            502,
            "recording not fetched: Twilio could not be reached (ConnectError)",
        ),
        (FakeTwilio(audio_status=500), 502, "recording not fetched: Twilio answered 500"),
        (
            FakeTwilio(audio_status=401),
            502,
            "recording not fetched: Twilio refused the service's credentials (401)",
        ),
        (FakeTwilio(audio_status=404), 404, "Twilio no longer has the recording of escalation {id}"),
    ],
    ids=["unreachable", "server-error", "credentials", "gone"],
)
def test_twilio_failing_gives_a_clear_answer_without_twilio_details(
    service: Service, twilio: FakeTwilio, status: int, detail: str
) -> None:
    escalation_id = service.escalate()
    service.twilio.unreachable = twilio.unreachable
    service.twilio.audio_status = twilio.audio_status
    answer = service.send("GET", f"/api/escalations/{escalation_id}/recording")
    assert (answer.status_code, answer.json()) == (status, {"detail": detail.format(id=escalation_id)})
    assert ACCOUNT not in answer.text
    assert "twilio.com" not in answer.text


def test_without_twilio_credentials_the_recording_is_unavailable(migrated_db_url: str) -> None:
    for service in build(migrated_db_url, account=None):
        escalation_id = service.escalate()
        answer = service.send("GET", f"/api/escalations/{escalation_id}/recording")
        assert (answer.status_code, answer.json()) == (
            503,
            {"detail": "Twilio is not configured: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"},
        )
        # Closing still works; the recording stays for when credentials are set.
        closed = service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "answered"})
        assert (closed.json()["status"], closed.json()["recording_status"]) == ("answered", "completed")


def test_no_recording_no_number_and_unknown_ids(service: Service) -> None:
    failed = service.escalate(status=RecordingStatus.FAILED)
    assert service.send("GET", f"/api/escalations/{failed}/recording").status_code == 404
    assert service.send("GET", "/api/escalations/999999").json() == {"detail": "no escalation 999999"}
    assert service.send("GET", "/api/escalations/999999/contact").status_code == 404
    assert service.send("GET", "/api/escalations/999999/recording").status_code == 404
    assert service.send("PATCH", "/api/escalations/999999", body={"note": "x"}).status_code == 404
    assert service.send("GET", "/api/escalations?helpdesk=nergens").status_code == 422
    refused = service.send("PATCH", f"/api/escalations/{failed}", body={"status": "closed", "note": CITIZEN})
    assert refused.status_code == 422
    assert CITIZEN not in refused.text


def test_an_erased_number_is_gone(service: Service) -> None:
    escalation_id = service.escalate()
    service.send("PATCH", f"/api/escalations/{escalation_id}", body={"status": "answered"})
    jobs = service.app.state.jobs
    retention = service.app.state.runtime.config.retention_days
    service.clock.now += dt.timedelta(days=retention, minutes=1)
    assert "retention" in jobs.run_tick(service.clock())
    gone = service.send("GET", f"/api/escalations/{escalation_id}/contact")
    assert (gone.status_code, gone.json()) == (
        410,
        {"detail": f"the number of escalation {escalation_id} was erased after retention"},
    )
    masked = service.send("GET", f"/api/escalations/{escalation_id}").json()["contact_masked"]
    assert masked == "+32 4** ** ** 56"


ROUTES = [
    ("GET", "/api/escalations"),
    ("GET", "/api/escalations/1"),
    ("PATCH", "/api/escalations/1"),
    ("GET", "/api/escalations/1/contact"),
    ("GET", "/api/escalations/1/recording"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_supervisor_or_ops_token(service: Service, method: str, path: str) -> None:
    body: dict[str, Any] | None = {} if method == "PATCH" else None
    missing = service.send(method, path, None, body)
    assert (missing.status_code, missing.json()) == (401, {"detail": "missing or invalid token"})
    assert service.send(method, path, "not-a-token-0123456789abcdef", body).status_code == 401
    for token in (SUPERVISOR_TOKEN, OPS_TOKEN):
        assert service.send(method, path, token, body).status_code not in (401, 403)


def test_a_role_outside_supervision_is_refused(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = service.app.state.runtime.settings.ivr_api_tokens
    monkeypatch.setattr(
        type(tokens), "role_of", lambda self, token: "agent" if token == "agent-token" else None
    )
    for method, path in ROUTES:
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        refused = service.send(method, path, "agent-token", body)
        assert (refused.status_code, refused.json()) == (
            403,
            {"detail": "this needs the supervisor or ops role"},
        )


def test_the_openapi_document_describes_every_field(service: Service) -> None:
    document = service.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in ("EscalationChange", "EscalationOut", "ContactOut"):
        undescribed = [
            key for key, spec in schemas[name]["properties"].items() if not spec.get("description")
        ]
        assert undescribed == [], name
    operations = [
        operation
        for path, item in document["paths"].items()
        if path.startswith("/api/escalations")
        for operation in item.values()
    ]
    assert len(operations) == 5
    for operation in operations:
        assert operation["summary"]
        assert [p["name"] for p in operation.get("parameters", []) if not p.get("description")] == []
