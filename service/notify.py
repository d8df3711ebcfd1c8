"""Announcing each new escalation to ``notify.webhook_url`` (playbook 1.3.2.2, 1.2.3.3), so that a
team can route it to mail or chat.

One JSON POST per escalation, signed with ``IVR_NOTIFY_SECRET``::

    X-Ivr-Timestamp: 1796292000
    X-Ivr-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes, compares
it in constant time, and refuses a timestamp more than five minutes from its clock (a replay). The
body names the escalation, never the citizen's number or a recording URL.

The POSTs run in one background thread per process, fed by a bounded queue: no webhook, API
request or job waits for the receiver. Each attempt may take ``notify.timeout_s``; after a 5xx,
a 429, a timeout or a connection error up to ``notify.retries`` more attempts follow, each after a
longer pause; another 4xx is final. An escalation whose announcement was dropped (queue full,
receiver down through every retry, process stopped) is announced again by the retention job
(:meth:`Notifier.announce_missed`), so a receiver may see an id twice and should key on it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx
from pydantic import SecretStr
from sqlalchemy import select, update

from config import ConfigError, HelpdeskConfig
from escalations import Escalation, EscalationView, escalation
from service.runtime import Runtime

log = logging.getLogger("ivr.notify")

QUEUE_SIZE: Final = 1000
# Pause before the n-th retry: BACKOFF_S * 2^(n-1), at most MAX_BACKOFF_S.
BACKOFF_S: Final = 1.0
MAX_BACKOFF_S: Final = 30.0
# Announcements not confirmed this long after the escalation was stored are sent again, up to a day.
MISSED_AFTER: Final = dt.timedelta(minutes=15)
MISSED_UNTIL: Final = dt.timedelta(days=1)
TIMESTAMP_HEADER: Final = "X-Ivr-Timestamp"
SIGNATURE_HEADER: Final = "X-Ivr-Signature"


def check_notify(config: HelpdeskConfig, secret: SecretStr | None, source: str) -> None:
    """Refuse a config that announces escalations without a secret to sign them with."""
    if config.notify.webhook_url is not None and secret is None:
        raise ConfigError(
            [
                f"{source}: notify.webhook_url: set, but IVR_NOTIFY_SECRET is not: set the shared secret "
                "that signs the announcements, or leave notify.webhook_url out"
            ]
        )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Ivr-Signature`` of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def announcement(found: EscalationView, zone: dt.tzinfo) -> dict[str, Any]:
    """What a receiver is told: the escalation, without the citizen's number or any recording URL."""
    return {
        "event": "escalation.created",
        "id": found.id,
        "helpdesk": found.helpdesk_id,
        "priority": found.priority.value,
        "source": found.source.value,
        "agent": found.agent,
        "created_at": found.created_at.astimezone(zone).isoformat(),
        "status": found.status.value,
        "recording_duration_s": found.recording_duration_s,
    }


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivered: bool
    retry: bool
    reason: str


class Notifier:
    """Announces new escalations from a background thread (``Runtime.escalation_listeners``)."""

    def __init__(
        self,
        runtime: Runtime[Any],
        secret: SecretStr | None,
        *,
        transport: httpx.BaseTransport | None = None,
        queue_size: int = QUEUE_SIZE,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        self._runtime = runtime
        self._secret = secret
        self._queue: queue.Queue[int | None] = queue.Queue(maxsize=queue_size)
        self._backoff_s = backoff_s
        self._client = httpx.Client(transport=transport, follow_redirects=False)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="escalation-notify", daemon=True)
            self._thread.start()

    def stop(self, wait_s: float = 5.0) -> None:
        """Stop after the announcement in progress (what is left is sent again by the retention job)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
            thread.join(wait_s)
        self._client.close()

    def __call__(self, escalation_id: int) -> None:
        """Queue the announcement of ``escalation_id``; never waits (a full queue drops it, logged)."""
        if self._runtime.config.notify.webhook_url is None:
            return
        try:
            self._queue.put_nowait(escalation_id)
        except queue.Full:
            log.warning(
                "escalation announcement dropped: %d waiting; sent again later",
                self._queue.qsize(),
                extra={"escalation": escalation_id},
            )

    def pending(self) -> int:
        return self._queue.qsize()

    def announce_missed(self, now: dt.datetime) -> int:
        """Queue again the escalations of the last day whose announcement was not confirmed."""
        if self._runtime.config.notify.webhook_url is None:
            return 0
        with self._runtime.sessions() as session:
            missed = list(
                session.scalars(
                    select(Escalation.id)
                    .where(
                        Escalation.announced_at.is_(None),
                        Escalation.created_at >= now - MISSED_UNTIL,
                        Escalation.created_at < now - MISSED_AFTER,
                    )
                    .order_by(Escalation.id)
                )
            )
        for escalation_id in missed:
            self(escalation_id)
        return len(missed)

    def _work(self) -> None:
        while not self._stopping.is_set():
            escalation_id = self._queue.get()
            if escalation_id is None:
                return
            try:
                self._announce(escalation_id)
            except Exception:
                log.exception("escalation not announced", extra={"escalation": escalation_id})

    def _announce(self, escalation_id: int) -> None:
        rt = self._runtime
        notify = rt.config.notify
        if notify.webhook_url is None:
            return
        if self._secret is None:
            log.error(
                "escalation not announced: IVR_NOTIFY_SECRET is not set", extra={"escalation": escalation_id}
            )
            return
        with rt.sessions() as session:
            found = escalation(session, escalation_id)
        body = json.dumps(announcement(found, rt.config.zone), separators=(",", ":")).encode()
        attempts = notify.retries + 1
        for attempt in range(1, attempts + 1):
            outcome = self._post(notify.webhook_url, body, notify.timeout_s)
            if outcome.delivered:
                with rt.session() as session:
                    session.execute(
                        update(Escalation)
                        .where(Escalation.id == escalation_id)
                        .values(announced_at=rt.clock())
                        .execution_options(synchronize_session=False)
                    )
                log.info("escalation announced", extra={"escalation": escalation_id, "attempts": attempt})
                return
            if not outcome.retry or attempt == attempts or self._stopping.is_set():
                log.warning(
                    "escalation not announced: %s after %d attempts",
                    outcome.reason,
                    attempt,
                    extra={"escalation": escalation_id},
                )
                return
            self._stopping.wait(min(self._backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))

    def _post(self, url: str, body: bytes, timeout_s: float) -> _Outcome:
        assert self._secret is not None  # noqa: S101 - checked by the caller
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret.get_secret_value(), timestamp, body),
        }
        try:
            response = self._client.post(url, content=body, headers=headers, timeout=timeout_s)
        except httpx.TimeoutException:
            return _Outcome(delivered=False, retry=True, reason="no answer in time")
        except httpx.TransportError as exc:
            return _Outcome(delivered=False, retry=True, reason=f"not reached ({type(exc).__name__})")
        status = response.status_code
        if 200 <= status < 300:
            return _Outcome(delivered=True, retry=False, reason="")
        return _Outcome(delivered=False, retry=status >= 500 or status == 429, reason=f"answered {status}")
