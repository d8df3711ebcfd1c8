"""Hostile Twilio requests: whatever is posted, signed or not, no route fails.

Every answer is a 403 (bad signature), a 413 (a body larger than any Twilio webhook) or TwiML a
Twilio call can follow: a citizen never hears "an application error has occurred".
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st
from starlette.datastructures import ImmutableMultiDict
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from app import create_app
from config import load_config
from database import upgrade
from ivr.signature import MAX_FORM_BYTES
from tests.conftest import _new_database
from tests.ivr.conftest import BASE, TOKEN, Clock, make_settings

ROUTES = (
    "/twilio/voice",
    "/twilio/wait",
    "/twilio/queue-exit",
    "/twilio/forward",
    "/twilio/central-result",
    "/twilio/status",
    "/twilio/agent",
    "/twilio/agent/start",
    "/twilio/agent/code",
    "/twilio/agent/pin",
    "/twilio/agent/next",
    "/twilio/agent/connect",
    "/twilio/agent/after",
    "/twilio/agent/menu",
    "/twilio/agent/outbound/next",
    "/twilio/agent/outbound/screen",
    "/twilio/agent/outbound/after",
    "/twilio/agent/outbound/outcome",
    "/twilio/menu",
    "/twilio/agent/escalation",
    "/twilio/escalation",
    "/twilio/escalation/recorded",
    "/twilio/recording-status",
)
# 23 routes x 720 examples: 16,560 requests per run.
EXAMPLES_PER_ROUTE = 720

# config/helpdesk.yaml with a shared number's menu, so that /twilio/menu meets one too.
CONFIG = Path(__file__).resolve().parents[2] / "config" / "examples" / "choice-menu.yaml"
_CONFIG = load_config(CONFIG)
NUMBERS = sorted(
    {number for desk in _CONFIG.helpdesks for number in (*desk.numbers, *desk.agent_numbers)}
    | {menu.number for menu in _CONFIG.menus}
)
HELPDESKS = sorted(desk.id for desk in _CONFIG.helpdesks)
PARAMETERS = (
    "CallSid",
    "From",
    "To",
    "QueueTime",
    "QueueResult",
    "QueuePosition",
    "CurrentQueueSize",
    "DialCallStatus",
    "DialCallDuration",
    "DialCallSid",
    "SequenceNumber",
    "CallStatus",
    "CallDuration",
    "Timestamp",
    "Digits",
    "AnsweredBy",
    "SpeechResult",
    "Confidence",
)
KNOWN_VALUES = (
    *NUMBERS,
    *HELPDESKS,
    "CA" + "0" * 32,
    "completed",
    "busy",
    "no-answer",
    "failed",
    "canceled",
    "ringing",
    "in-progress",
    "bridged",
    "hangup",
    "redirected",
    "queue-full",
    "system-error",
    "leave",
    "human",
    "machine_start",
    "1",
    "9",
    "12345678",
    "-1",
    "0",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999999999",
    "3.7",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, int() agrees, the PIN check must not care
    "²",  # a digit to str.isdigit(), not to int()
    "\x00",
)
FAIL_SAFE = "webhook failed; answering the fail-safe"

# Text a client can send: any character UTF-8 can carry.
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
values = st.one_of(
    st.sampled_from(KNOWN_VALUES),
    texts,
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda char, count: char * count, st.characters(codec="utf-8"), st.integers(100, 600)),
)
names = st.one_of(st.sampled_from(PARAMETERS), st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
# A list, not a dict: names repeat, as a hostile client may send them. One form in ten is padded
# past the 64 KiB limit.
forms = st.tuples(
    st.lists(st.tuples(names, values), max_size=12),
    st.sampled_from(("form",) * 9 + ("padded",)),
    st.sampled_from(PARAMETERS),
).map(lambda drawn: drawn[0] + [(drawn[2], "9" * MAX_FORM_BYTES)] if drawn[1] == "padded" else drawn[0])
queries = st.lists(
    st.tuples(st.one_of(st.sampled_from(("helpdesk", "code", "reason", "v", "attempt")), texts), values),
    max_size=4,
).map(lambda pairs: [(name, value[:200]) for name, value in pairs])
# Most requests are signed right, so that most reach the routes; the rest are refused.
SIGNATURE_KINDS = ("valid",) * 7 + ("missing", "other-url", "text")
signatures = st.tuples(
    st.sampled_from(SIGNATURE_KINDS),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=40),
).map(lambda drawn: drawn[1] if drawn[0] == "text" else drawn[0])


class FailSafeRecords(logging.Handler):
    """Counts the answers the app-wide fail-safe had to give: a route that failed outright."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == FAIL_SAFE:
            self.failures.append(f"{getattr(record, 'path', '?')}: {record.exc_text or record.exc_info}")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, FailSafeRecords]]:
    """One app for the module, on a migrated SQLite file of its own (agents log in on it)."""
    with _new_database("sqlite", tmp_path_factory.mktemp("hostile")) as url:
        upgrade(url)
        app = create_app(make_settings(url).model_copy(update={"ivr_config": CONFIG}), clock=Clock())
        records = FailSafeRecords()
        logger = logging.getLogger("ivr")
        logger.addHandler(records)
        try:
            with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
                yield client, records
        finally:
            logger.removeHandler(records)


def _signature(kind: str, url: str, form: list[tuple[str, str]]) -> str | None:
    params = ImmutableMultiDict(form)
    match kind:
        case "valid":
            return str(RequestValidator(TOKEN).compute_signature(url, params))
        case "missing":
            return None
        case "other-url":
            # Signed for the address the proxy forwarded to, not the public one.
            other = url.replace(BASE, "http://10.0.0.5:8000", 1)
            return str(RequestValidator(TOKEN).compute_signature(other, params))
    return kind


@pytest.mark.parametrize("route", ROUTES)
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None)
@given(form=forms, query=queries, signature=signatures)
def test_every_answer_is_403_413_or_twiml(
    hostile: tuple[TestClient, FailSafeRecords],
    route: str,
    form: list[tuple[str, str]],
    query: list[tuple[str, str]],
    signature: str,
) -> None:
    client, records = hostile
    path = route + (f"?{urlencode(query)}" if query else "")
    body = urlencode(form).encode()
    sent = _signature(signature, f"{BASE}{path}", form)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if sent is not None:
        headers["X-Twilio-Signature"] = sent
    before = len(records.failures)

    response = client.post(path, content=body, headers=headers)
    event(f"status {response.status_code}")

    if len(body) > MAX_FORM_BYTES:
        assert response.status_code == 413
    elif signature != "valid":
        # A random text equal to the right signature is not a case worth a branch.
        assert response.status_code == 403
    else:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        assert ET.fromstring(response.content).tag == "Response"
    assert records.failures[before:] == []


def test_the_fail_safe_counter_sees_a_failing_route(hostile: tuple[TestClient, FailSafeRecords]) -> None:
    """The counter above is not blind: the app-wide fail-safe reports through it."""
    _client, records = hostile
    before = len(records.failures)
    logging.getLogger("ivr").error(FAIL_SAFE, extra={"path": "/twilio/voice"})
    assert records.failures[before:] == ["/twilio/voice: None"]


def test_the_signed_requests_reach_the_routes(hostile: tuple[TestClient, FailSafeRecords]) -> None:
    """A signed request with unicode, repeated names and a query is accepted: the signing above is right."""
    client, _records = hostile
    form = [("To", "+3233100100"), ("From", "€ ✓"), ("From", "second"), ("x", "")]
    path = "/twilio/wait?" + urlencode([("helpdesk", "voorkempen"), ("é", "ü ")])
    signature = _signature("valid", f"{BASE}{path}", form)
    assert signature is not None
    response = client.post(
        path,
        content=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    assert response.status_code == 200
    assert ET.fromstring(response.content).tag == "Response"


def test_the_route_list_is_every_twilio_route(hostile: tuple[TestClient, FailSafeRecords]) -> None:
    client, _records = hostile
    app = client.app
    assert isinstance(app, FastAPI)
    assert sorted(twilio_paths(app)) == sorted(ROUTES)


def twilio_paths(app: FastAPI) -> list[str]:
    """The paths of the webhook routes under ``/twilio``: plain Starlette routes, the first of the
    app's (FastAPI's documentation routes and the API routers come after them)."""
    paths = [route.path if type(route) is Route else "" for route in app.routes]
    count = next(index for index, path in enumerate(paths) if not path.startswith("/twilio/"))
    assert not any(path.startswith("/twilio") for path in paths[count:])
    return paths[:count]
