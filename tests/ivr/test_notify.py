"""New escalations announced to ``notify.webhook_url`` (done-when 3): a real local HTTP server
receives a signed JSON POST, a 500 is retried, a 4xx is not, and a receiver that never answers
delays neither an API request nor the next escalation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app import create_app
from config import ConfigError, HelpdeskConfig, load_config
from config.models import Notify
from escalations import (
    Escalation,
    NewEscalation,
    Priority,
    RecordingReport,
    RecordingStatus,
    Source,
    record_escalation,
)
from service.notify import Notifier
from tests.ivr.conftest import BASE, CONFIG, SUPERVISOR_TOKEN, Clock, make_settings

SECRET = "notify-secret-0123456789abcdef"
CENTRAL = "+3227000000"
# Generous: a request or a queued announcement that waited for the silent receiver would take
# its whole timeout (at least a second) or more.
PROMPT_S = 0.5


@dataclass
class Receiver:
    """A local HTTP server answering the queued statuses in turn (then 200); ``silent`` never answers."""

    statuses: list[int] = field(default_factory=list)
    silent: bool = False
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> Iterator[str]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                if receiver.silent:
                    receiver.release.wait(30)
                    return
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/escalations"
        finally:
            self.release.set()
            server.shutdown()
            server.server_close()

    def wait_for(self, count: int, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count


@dataclass
class Announcing:
    app: FastAPI
    client: TestClient
    receiver: Receiver
    clock: Clock
    count: int = 0

    def escalate(self) -> int:
        """Store an urgent question from central and tell the listeners, as the webhooks do."""
        self.count += 1
        runtime = self.app.state.runtime
        new = NewEscalation(
            token=f"{self.count:032x}",
            helpdesk_id="voorkempen",
            priority=Priority.URGENT,
            source=Source.CENTRAL,
            agent=None,
            call_sid=None,
            recording_call_sid=f"CA{self.count:032x}",
            contact_number=CENTRAL,
        )
        with runtime.session() as session:
            report = RecordingReport(f"RE{self.count:032x}", RecordingStatus.COMPLETED, 33)
            recorded = record_escalation(session, new, report, self.clock())
        assert recorded.escalation_id is not None
        runtime.escalation_stored(recorded.escalation_id)
        return recorded.escalation_id

    def announced_at(self, escalation_id: int) -> dt.datetime | None:
        with self.app.state.runtime.sessions() as session:
            announced: dt.datetime | None = session.get_one(Escalation, escalation_id).announced_at
            return announced


def notifying(url: str, *, retries: int = 2) -> HelpdeskConfig:
    config = load_config(CONFIG)
    return config.model_copy(update={"notify": Notify(webhook_url=url, timeout_s=1, retries=retries)})


def build(db_url: str, receiver: Receiver, *, retries: int = 2) -> Iterator[Announcing]:
    for url in receiver.serve():
        clock = Clock()
        settings = make_settings(db_url).model_copy(update={"ivr_notify_secret": SecretStr(SECRET)})
        app = create_app(settings, clock=clock, config=notifying(url, retries=retries))
        with TestClient(app, base_url=BASE) as client:
            yield Announcing(app=app, client=client, receiver=receiver, clock=clock)


def test_the_announcement_arrives_signed_without_the_number(migrated_db_url: str) -> None:
    for service in build(migrated_db_url, Receiver()):
        escalation_id = service.escalate()
        service.receiver.wait_for(1)
        headers, body = service.receiver.received[0]
        timestamp = headers["X-Ivr-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Ivr-Signature"], f"sha256={expected}")
        assert abs(int(timestamp) - time.time()) < 60
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {
            "event": "escalation.created",
            "id": escalation_id,
            "helpdesk": "voorkempen",
            "priority": "urgent",
            "source": "central",
            "agent": None,
            "created_at": "2026-12-02T10:00:00+01:00",
            "status": "open",
            "recording_duration_s": 33,
        }
        assert CENTRAL.encode() not in body
        deadline = time.monotonic() + 5
        while service.announced_at(escalation_id) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert service.announced_at(escalation_id) == service.clock()


def test_a_server_error_is_retried_until_accepted(migrated_db_url: str) -> None:
    for service in build(migrated_db_url, Receiver(statuses=[500])):
        escalation_id = service.escalate()
        service.receiver.wait_for(2)
        first, second = (json.loads(body)["id"] for _, body in service.receiver.received)
        assert first == second == escalation_id


def test_a_refusal_is_not_retried(migrated_db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    for service in build(migrated_db_url, Receiver(statuses=[400, 400])):
        with caplog.at_level(logging.WARNING, logger="ivr.notify"):
            escalation_id = service.escalate()
            service.receiver.wait_for(1)
            deadline = time.monotonic() + 5
            while "escalation not announced" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
        assert "escalation not announced: answered 400 after 1 attempts" in caplog.text
        assert len(service.receiver.received) == 1
        assert service.announced_at(escalation_id) is None


def test_a_receiver_that_never_answers_delays_nothing_else(migrated_db_url: str) -> None:
    for service in build(migrated_db_url, Receiver(silent=True)):
        service.escalate()
        service.receiver.wait_for(1)
        # The receiver now holds the announcement; the next escalation and an API request go on.
        started = time.monotonic()
        second = service.escalate()
        assert time.monotonic() - started < PROMPT_S
        started = time.monotonic()
        listed = service.client.get(
            "/api/escalations", headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
        )
        assert time.monotonic() - started < PROMPT_S
        assert [item["id"] for item in listed.json()] == [1, second]


def test_a_full_queue_drops_the_announcement_and_the_job_sends_it_again(
    migrated_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    for service in build(migrated_db_url, Receiver()):
        runtime = service.app.state.runtime
        stopped = Notifier(runtime, SecretStr(SECRET), queue_size=1)
        runtime.escalation_listeners[:] = [stopped]  # never started: nothing leaves its queue
        with caplog.at_level(logging.WARNING, logger="ivr.notify"):
            service.escalate()
            dropped = service.escalate()
        assert "escalation announcement dropped: 1 waiting; sent again later" in caplog.text
        assert stopped.pending() == 1
        notifier: Notifier = service.app.state.notifier
        service.clock.now += dt.timedelta(minutes=16)
        assert notifier.announce_missed(service.clock()) == 2
        service.receiver.wait_for(2)
        assert sorted(json.loads(body)["id"] for _, body in service.receiver.received) == [1, dropped]
        stopped.stop()


def test_a_webhook_without_a_secret_refuses_to_start(migrated_db_url: str) -> None:
    config = notifying("https://hooks.example.org/ivr")
    with pytest.raises(ConfigError) as refused:
        create_app(make_settings(migrated_db_url), clock=Clock(), config=config)
    assert str(refused.value) == (
        f"{CONFIG}: notify.webhook_url: set, but IVR_NOTIFY_SECRET is not: set the shared secret that "
        "signs the announcements, or leave notify.webhook_url out"
    )
