"""Twilio's REST API: the client, the helpdesk queues and the status of a call.

Nothing here raises: a failing or unreachable Twilio is logged and reported as ``None`` or
``False``, so a webhook or a scheduled job that needs Twilio carries on without it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from calllog import FINAL_STATUSES
from config import Settings
from service.runtime import Runtime

log = logging.getLogger("ivr.twilio")

# A REST request that hangs must not hold up the scheduler or a webhook for long.
REQUEST_TIMEOUT_S = 10.0
# Network errors from the HTTP library (requests' exceptions are OSErrors) and Twilio's own.
_FAILURES = (TwilioException, OSError)
# Twilio's error 20429 (HTTP 429, too many requests): the request was not processed and is safe
# to retry after backing off. The first pause, doubled each time, unless Twilio sends a
# Retry-After; never more than MAX_PAUSE_S, and never past the request's budget.
FIRST_PAUSE_S = 0.25
MAX_PAUSE_S = 1.0
RETRY_BUDGET_S = 4.0
_deadline: ContextVar[float | None] = ContextVar("twilio_rest_deadline", default=None)


@contextmanager
def rest_budget(seconds: float) -> Iterator[None]:
    """REST requests made in this block (in this thread), retries included, end within ``seconds``."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


# twilio has no type information, so its base class is Any to mypy.
class RetryingHttpClient(HttpClient):  # type: ignore[misc]
    """Retries what Twilio answers with 429, backing off, within a time budget.

    The budget is ``budget`` seconds per request, or what is left of an enclosing
    :func:`rest_budget`, whichever ends first; once it cannot hold another pause the 429 is
    returned (and raised by ``twilio.rest.Client`` as usual).
    """

    def __init__(
        self,
        inner: HttpClient,
        *,
        budget: float = RETRY_BUDGET_S,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(inner.logger, is_async=False, timeout=inner.timeout)
        self.inner = inner
        self._budget = budget
        self._sleep = sleep
        self._clock = clock

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        deadline = self._clock() + self._budget
        outer = _deadline.get()
        if outer is not None:
            deadline = min(deadline, outer)
        pause = FIRST_PAUSE_S
        while True:
            response: Response = self.inner.request(
                method,
                uri,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                timeout=timeout,
                allow_redirects=allow_redirects,
            )
            if response.status_code != 429:
                return response
            wait = min(_retry_after(response) or pause, MAX_PAUSE_S)
            if self._clock() + wait > deadline:
                log.warning("Twilio still answers 429 (too many requests); giving up", extra={"uri": uri})
                return response
            log.info("Twilio answered 429 (too many requests); retrying", extra={"uri": uri, "wait_s": wait})
            self._sleep(wait)
            pause *= 2


def _retry_after(response: Response) -> float | None:
    """The ``Retry-After`` header in seconds (an HTTP date is not worth the wait here)."""
    raw = (response.headers or {}).get("Retry-After")
    try:
        seconds = float(raw) if raw is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def make_client(settings: Settings, http_client: HttpClient | None = None) -> Client | None:
    """The REST client for the configured account, or ``None`` when credentials are missing.

    ``http_client`` replaces the HTTP transport (the simulator's, in tests and dry runs); either
    way a 429 (too many requests) is retried (:class:`RetryingHttpClient`).
    """
    token = settings.twilio_auth_token
    if settings.twilio_account_sid is None or token is None:
        log.warning(
            "TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set: Twilio REST actions are off "
            "(redirecting waiting callers, queue sizes, checking for ended calls)"
        )
        return None
    return Client(
        settings.twilio_account_sid,
        token.get_secret_value(),
        http_client=RetryingHttpClient(http_client or TwilioHttpClient(timeout=REQUEST_TIMEOUT_S)),
    )


def ensure_queue(client: Client, name: str, max_size: int) -> str | None:
    """Make sure the Twilio queue ``name`` exists and holds at most ``max_size`` callers.

    Twilio's documentation gives 100 and 1000 as the default size on different pages, so the
    size is always set explicitly rather than left to the default. Returns the queue's sid, or
    ``None`` when Twilio could not be asked or refused.
    """
    try:
        queue = next((queue for queue in client.queues.list() if queue.friendly_name == name), None)
        if queue is None:
            created = client.queues.create(friendly_name=name, max_size=max_size)
            log.info("Twilio queue created", extra={"queue": name, "max_size": max_size})
            sid: str = created.sid
            return sid
        if queue.max_size != max_size:
            queue.update(max_size=max_size)
            log.info(
                "Twilio queue size changed",
                extra={"queue": name, "max_size": max_size, "was": queue.max_size},
            )
        sid = queue.sid
        return sid
    except _FAILURES:
        log.exception("could not set up the Twilio queue", extra={"queue": name, "max_size": max_size})
        return None


def call_status(client: Client, call_sid: str) -> str | None:
    """Twilio's current status of call ``call_sid`` (``in-progress``, ``completed`` …), or ``None``."""
    try:
        status: str = client.calls(call_sid).fetch().status
    except _FAILURES:
        log.exception("could not fetch the call's status from Twilio", extra={"call_sid": call_sid})
        return None
    return status


@dataclass(frozen=True)
class TwilioCalls:
    """The scheduled jobs' view of Twilio (``service.jobs.Telephony``), over the runtime's REST
    client (read each time: the simulator puts its own in after the app is built)."""

    runtime: Runtime[Any]

    @property
    def available(self) -> bool:
        return self.runtime.twilio is not None

    def ended(self, call_sid: str) -> str | None:
        client = self.runtime.twilio
        status = None if client is None else call_status(client, call_sid)
        return status if status in FINAL_STATUSES else None

    def ensure_queue(self, name: str, max_size: int) -> bool:
        client = self.runtime.twilio
        return client is not None and ensure_queue(client, name, max_size) is not None
