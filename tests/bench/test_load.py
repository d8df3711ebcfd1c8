"""The load generator's pieces: loopback only, Twilio's signature, the next URL from TwiML."""

from __future__ import annotations

import re

import pytest
from twilio.request_validator import RequestValidator

from bench.load import (
    BadTwiMLError,
    NextUrls,
    NotLoopbackError,
    Target,
    local_url,
    loopback_url,
    next_urls,
    percentile,
    sign,
)

PUBLIC = "https://helpdesk.example.org"
ENQUEUE = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="nl-BE">Welkom</Say>'
    '<Enqueue action="https://helpdesk.example.org/twilio/queue-exit?helpdesk=voorkempen&amp;v=ab12" '
    'maxQueueSize="200" method="POST" '
    'waitUrl="https://helpdesk.example.org/twilio/wait?helpdesk=voorkempen&amp;v=ab12" '
    'waitUrlMethod="POST">voorkempen</Enqueue></Response>'
)
DIAL = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Dial action="https://helpdesk.example.org/twilio/central-result?helpdesk=voorkempen&amp;'
    'reason=wait_timeout&amp;v=ab12" method="POST" timeout="30"><Number>+3227138700</Number></Dial>'
    "</Response>"
)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            ENQUEUE,
            NextUrls(
                wait_url=f"{PUBLIC}/twilio/wait?helpdesk=voorkempen&v=ab12",
                enqueue_action=f"{PUBLIC}/twilio/queue-exit?helpdesk=voorkempen&v=ab12",
            ),
            id="enqueue",
        ),
        pytest.param(
            DIAL,
            NextUrls(
                dial_action=f"{PUBLIC}/twilio/central-result?helpdesk=voorkempen&reason=wait_timeout&v=ab12"
            ),
            id="dial",
        ),
        pytest.param("<Response><Leave/></Response>", NextUrls(leaves_queue=True), id="leave"),
        pytest.param("<Response><Say>Gesloten</Say><Hangup/></Response>", NextUrls(), id="closing"),
        pytest.param("<Response/>", NextUrls(), id="empty"),
    ],
)
def test_next_urls_from_twiml(document: str, expected: NextUrls) -> None:
    assert next_urls(document) == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param("Internal Server Error", "not XML", id="text"),
        pytest.param('{"detail": "invalid"}', "not XML", id="json"),
        pytest.param("<html><body/></html>", "root element is <html>", id="html"),
    ],
)
def test_an_answer_that_is_not_twiml_is_refused(document: str, message: str) -> None:
    with pytest.raises(BadTwiMLError, match=message):
        next_urls(document)


def test_signature_is_what_twilio_validator_accepts() -> None:
    url = f"{PUBLIC}/twilio/wait?helpdesk=voorkempen&v=ab12"
    params = {"CallSid": "CA" + "1" * 32, "QueueTime": "60", "To": "+3233100100"}
    signature = sign("secret-token", url, params)
    assert signature == RequestValidator("secret-token").compute_signature(url, params)
    assert RequestValidator("secret-token").validate(url, params, signature)
    assert not RequestValidator("other-token").validate(url, params, signature)
    assert not RequestValidator("secret-token").validate(url, params | {"QueueTime": "120"}, signature)


def test_url_as_written_is_sent_to_the_local_address() -> None:
    url = f"{PUBLIC}/twilio/queue-exit?helpdesk=voorkempen&v=ab12"
    assert (
        local_url(url, PUBLIC, "http://127.0.0.1:8123")
        == "http://127.0.0.1:8123/twilio/queue-exit?helpdesk=voorkempen&v=ab12"
    )


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://elsewhere.example.org/twilio/wait", id="other-host"),
        pytest.param("https://helpdesk.example.org.evil.test/twilio/wait", id="prefix-of-host"),
    ],
)
def test_url_not_on_the_public_base_is_refused(url: str) -> None:
    with pytest.raises(BadTwiMLError, match=re.escape("is not on https://helpdesk.example.org")):
        local_url(url, PUBLIC, "http://127.0.0.1:8123")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://127.0.0.1:8000", "http://127.0.0.1:8000", id="port"),
        pytest.param("http://127.0.0.1:8000/", "http://127.0.0.1:8000", id="trailing-slash"),
        pytest.param("http://127.0.0.1", "http://127.0.0.1", id="no-port"),
    ],
)
def test_loopback_base_url_is_accepted(url: str, expected: str) -> None:
    assert loopback_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://localhost:8000", id="localhost-name"),
        pytest.param("http://10.0.0.5:8000", id="private-address"),
        pytest.param("https://helpdesk.example.org", id="public-host"),
        pytest.param("https://127.0.0.1:8000", id="https"),
        pytest.param("http://127.0.0.1.example.org:8000", id="loopback-prefix"),
        pytest.param("http://user@127.0.0.1:8000", id="userinfo"),
        pytest.param("http://127.0.0.1:8000/twilio", id="path"),
        pytest.param("http://0.0.0.0:8000", id="any-address"),
    ],
)
def test_non_loopback_base_url_is_refused(url: str) -> None:
    with pytest.raises(NotLoopbackError, match=re.escape("is not http://127.0.0.1")):
        loopback_url(url)
    with pytest.raises(NotLoopbackError):
        Target(base_url=url, public_base_url=PUBLIC, token="t")


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        pytest.param([], 0.99, 0.0, id="none"),
        pytest.param([0.3], 0.5, 0.3, id="one"),
        pytest.param([0.4, 0.1, 0.3, 0.2], 0.5, 0.2, id="median-of-four"),
        pytest.param([float(n) for n in range(1, 101)], 0.99, 99.0, id="p99-of-100"),
        pytest.param([float(n) for n in range(1, 201)], 0.99, 198.0, id="p99-of-200"),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == expected
