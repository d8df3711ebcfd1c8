"""Twilio's REST API: the client, the helpdesk queues and the status of a call.

Nothing here raises: a failing or unreachable Twilio is logged and reported as ``None`` or
``False``, so a webhook or a scheduled job that needs Twilio carries on without it.
"""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config import Settings

log = logging.getLogger("ivr.twilio")

# A REST request that hangs must not hold up the scheduler or a webhook for long.
REQUEST_TIMEOUT_S = 10.0
# A call in one of these states is over for good (twilio-semantics §1, CallStatus).
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Network errors from the HTTP library (requests' exceptions are OSErrors) and Twilio's own.
_FAILURES = (TwilioException, OSError)


def make_client(settings: Settings, http_client: HttpClient | None = None) -> Client | None:
    """The REST client for the configured account, or ``None`` when credentials are missing.

    ``http_client`` replaces the HTTP transport (the simulator's, in tests and dry runs).
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
        http_client=http_client or TwilioHttpClient(timeout=REQUEST_TIMEOUT_S),
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
