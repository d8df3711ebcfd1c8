"""Signatures (403) and the fail-safe: whatever breaks, the caller gets valid TwiML."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest

from routing import ArrivalDecision
from service.reload import file_version
from tests.ivr.conftest import CONFIG, Line, build_line

# A request signed once with the test token for https://helpdesk.example.org/twilio/voice and
# pinned here: if URL reconstruction or parameter handling changes, this stops verifying.
PINNED_PARAMS = {
    "CallSid": "CA" + "0" * 31 + "1",
    "AccountSid": "AC" + "1" * 32,
    "From": "+32470123456",
    "To": "+3233100100",
    "CallStatus": "ringing",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}
PINNED_SIGNATURE = "km4w4IAQPCDhqLtiLqPNIq97Brc="
FORWARD = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://helpdesk.example.org/twilio/'
    f'central-result?helpdesk=voorkempen&amp;reason=error&amp;v={file_version(CONFIG.read_bytes())}" '
    'callerId="+32470123456" method="POST" '
    'timeout="30"><Number>+3227138700</Number></Dial></Response>'
)
TWILIO_ROUTES = [
    "/twilio/voice",
    "/twilio/wait",
    "/twilio/queue-exit",
    "/twilio/central-result",
    "/twilio/status",
]


def test_pinned_signature_is_accepted(line: Line) -> None:
    response = line.post("/twilio/voice", PINNED_PARAMS, signature=PINNED_SIGNATURE)
    assert response.status_code == 200
    assert "<Dial " in response.text  # no agents logged in at 10:00: forwarded


@pytest.mark.parametrize("path", TWILIO_ROUTES, ids=[p.rsplit("/", 1)[1] for p in TWILIO_ROUTES])
@pytest.mark.parametrize(
    "signature",
    [None, "", "km4w4IAQPCDhqLtiLqPNIq97Brd=", "not base64"],
    ids=["missing", "empty", "wrong", "junk"],
)
def test_bad_signature_is_refused(line: Line, path: str, signature: str | None) -> None:
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = line.client.post(path, data=PINNED_PARAMS, headers=headers)
    assert response.status_code == 403


def test_signature_covers_every_parameter(line: Line) -> None:
    tampered = PINNED_PARAMS | {"From": "+32470999999"}
    response = line.post("/twilio/voice", tampered, signature=PINNED_SIGNATURE)
    assert response.status_code == 403


def test_signature_uses_the_public_url_not_the_host_seen(line: Line) -> None:
    # Behind a proxy the app is reached as http://internal:8000; Twilio signed the public URL.
    response = line.client.post(
        "http://internal:8000/twilio/voice",
        data=PINNED_PARAMS,
        headers={"X-Twilio-Signature": PINNED_SIGNATURE},
    )
    assert response.status_code == 200


def test_oversized_body_is_refused(line: Line) -> None:
    params = PINNED_PARAMS | {"Padding": "x" * (70 * 1024)}
    response = line.post("/twilio/voice", params)
    assert response.status_code == 413


def test_exception_in_the_decision_forwards_to_central(line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> ArrivalDecision:
        raise RuntimeError("decision failed")

    monkeypatch.setattr("ivr.webhooks.decide_arrival", broken)
    line.agents("voorkempen", 1)
    response = line.post("/twilio/voice", PINNED_PARAMS, signature=PINNED_SIGNATURE)
    assert response.status_code == 200
    assert response.text == FORWARD


@pytest.fixture
def unreachable_line() -> Iterator[Line]:
    # Nothing listens on port 1: every connection is refused at once.
    yield from build_line("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=1")


def test_unreachable_database_still_forwards_while_central_is_open(unreachable_line: Line) -> None:
    response = unreachable_line.post("/twilio/voice", PINNED_PARAMS, signature=PINNED_SIGNATURE)
    assert response.status_code == 200
    assert response.text == FORWARD


def test_unreachable_database_gives_the_closing_message_when_central_is_closed(
    unreachable_line: Line,
) -> None:
    unreachable_line.clock.set_local("2026-12-02 21:00")
    response = unreachable_line.post("/twilio/voice", unreachable_line.call())
    root = ElementTree.fromstring(response.text)
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert "Onze lijnen zijn op dit ogenblik niet bereikbaar" in (root[0].text or "")


@pytest.mark.parametrize("path", TWILIO_ROUTES[1:], ids=[p.rsplit("/", 1)[1] for p in TWILIO_ROUTES[1:]])
def test_unreachable_database_never_breaks_a_webhook(unreachable_line: Line, path: str) -> None:
    params = unreachable_line.call(
        QueueTime="30", QueueResult="leave", DialCallStatus="busy", CallStatus="completed"
    )
    response = unreachable_line.post(f"{path}?helpdesk=voorkempen", params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert ElementTree.fromstring(response.text).tag == "Response"


def test_a_nul_byte_in_a_parameter_is_dropped(line: Line, caplog: pytest.LogCaptureFixture) -> None:
    params = line.call(CallStatus="completed", SequenceNumber="3", CallDuration="12")
    params["CallSid"] = "CA\x00" + "7" * 32
    with caplog.at_level("ERROR"):
        response = line.post("/twilio/status", params)
    assert response.status_code == 200
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []


@pytest.mark.parametrize(
    ("caller", "own_number"),
    [
        ("+32470123456", True),
        ("+\x1f", False),  # a control character cannot be written in XML at all
        ("+32 470 12 34 56", False),
        ("+", False),
        ("anonymous", False),
        ("Restricted", False),
        ("", False),
        ("sip:citizen@example.org", False),
        ("client:kiosk", False),
    ],
    ids=["e164", "control", "spaces", "plus", "anonymous", "restricted", "empty", "sip", "client"],
)
@pytest.mark.parametrize("to", ["+3233100100", "+3200000000"], ids=["helpdesk", "unknown"])
def test_a_caller_without_a_valid_number_reaches_central_with_the_dialled_number(
    line: Line, caller: str, own_number: bool, to: str
) -> None:
    # No agents logged in at 10:00: the helpdesk forwards, and so does an unknown number.
    response = line.post("/twilio/voice", line.call(to=to, caller=caller))
    assert response.status_code == 200
    dial = ElementTree.fromstring(response.content).find("Dial")
    assert dial is not None
    assert dial.get("callerId") == (caller if own_number else to)


def test_the_caller_id_of_one_caller_is_never_given_to_another(line: Line) -> None:
    callers = ["anonymous", "+32470111111", "Restricted", "+32470222222", "", "+32470111111"]
    seen = []
    for caller in callers:
        response = line.post("/twilio/voice", line.call(caller=caller))
        dial = ElementTree.fromstring(response.content).find("Dial")
        assert dial is not None
        seen.append(dial.get("callerId"))
    assert seen == [
        "+3233100100",
        "+32470111111",
        "+3233100100",
        "+32470222222",
        "+3233100100",
        "+32470111111",
    ]
