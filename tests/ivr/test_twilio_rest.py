"""The REST client and the queue set-up against the simulated Twilio REST API."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from config import Settings
from ivr.twilio_rest import RetryingHttpClient, call_status, ensure_queue, make_client, rest_budget
from simulator import TwilioSimulator
from tests.ivr.conftest import BASE, BRUSSELS, TOKEN
from tests.ivr.rest_sim import ACCOUNT, rest_simulator

QUEUES = f"/2010-04-01/Accounts/{ACCOUNT}/Queues.json"
FIRST_QUEUE = "QU" + "0" * 31 + "1"
START = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)


@pytest.fixture
def sim() -> Iterator[TwilioSimulator]:
    with rest_simulator(START) as sim:
        yield sim


@pytest.fixture
def rest(sim: TwilioSimulator) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=sim.rest_http_client())


def requests(sim: TwilioSimulator) -> list[tuple[str, str, dict[str, str], int]]:
    return [(r.method, r.path, dict(r.data), r.status_code) for r in sim.rest_requests]


def test_a_missing_queue_is_created_with_its_size(sim: TwilioSimulator, rest: Client) -> None:
    sid = ensure_queue(rest, "voorkempen", 200)

    assert sid == FIRST_QUEUE
    assert requests(sim) == [
        ("GET", QUEUES, {}, 200),
        ("POST", QUEUES, {"FriendlyName": "voorkempen", "MaxSize": "200"}, 201),
    ]
    assert [(queue.friendly_name, queue.max_size) for queue in rest.queues.list()] == [("voorkempen", 200)]


def test_a_queue_of_another_size_is_resized(sim: TwilioSimulator, rest: Client) -> None:
    rest.queues.create(friendly_name="kempen-zuid", max_size=20)
    rest.queues.create(friendly_name="voorkempen")  # Twilio's default size
    sim.rest_requests.clear()

    sid = ensure_queue(rest, "voorkempen", 200)

    assert sid == "QU" + "0" * 31 + "2"
    assert requests(sim) == [
        ("GET", QUEUES, {}, 200),
        ("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Queues/{sid}.json", {"MaxSize": "200"}, 200),
    ]
    assert [(queue.friendly_name, queue.max_size) for queue in rest.queues.list()] == [
        ("kempen-zuid", 20),
        ("voorkempen", 200),
    ]


def test_a_queue_of_the_right_size_is_left_alone(sim: TwilioSimulator, rest: Client) -> None:
    rest.queues.create(friendly_name="voorkempen", max_size=200)
    sim.rest_requests.clear()

    assert ensure_queue(rest, "voorkempen", 200) == FIRST_QUEUE
    assert requests(sim) == [("GET", QUEUES, {}, 200)]


def test_a_refused_queue_is_logged_not_raised(
    sim: TwilioSimulator, rest: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ivr.twilio"):
        sid = ensure_queue(rest, "voorkempen", 6000)

    assert sid is None
    assert requests(sim)[-1] == ("POST", QUEUES, {"FriendlyName": "voorkempen", "MaxSize": "6000"}, 400)
    assert [(r.message, getattr(r, "queue", None)) for r in caplog.records] == [
        ("could not set up the Twilio queue", "voorkempen")
    ]


class Unreachable(HttpClient):  # type: ignore[misc]
    """Twilio cannot be reached: every request fails like a refused connection."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.unreachable"), is_async=False)

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> object:
        raise ConnectionRefusedError(111, "Connection refused")


def test_an_unreachable_twilio_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(ACCOUNT, TOKEN, http_client=Unreachable())

    with caplog.at_level(logging.ERROR, logger="ivr.twilio"):
        results = (ensure_queue(client, "voorkempen", 200), call_status(client, "CA" + "1" * 32))

    assert results == (None, None)
    assert [r.message for r in caplog.records] == [
        "could not set up the Twilio queue",
        "could not fetch the call's status from Twilio",
    ]


def test_call_status_follows_the_call(sim: TwilioSimulator, rest: Client) -> None:
    ended = sim.place_call(from_="+32470000001", to="+3233100100", path="/hangup")
    holding = sim.place_call(from_="+32470000002", to="+3233100100", path="/hold")
    later = sim.place_call(
        from_="+32470000003", to="+3233100100", path="/hold", at=START + timedelta(hours=1)
    )
    sim.run(until=START + timedelta(seconds=30))

    assert [call_status(rest, call.sid) for call in (ended, holding, later)] == [
        "completed",
        "in-progress",
        "queued",
    ]
    assert call_status(rest, "CA" + "f" * 32) is None


def _settings(account_sid: str | None, token: str | None) -> Settings:
    return Settings(
        twilio_account_sid=account_sid,
        twilio_auth_token=None if token is None else SecretStr(token),
        public_base_url=BASE,
    )


@pytest.mark.parametrize(
    ("account_sid", "token"),
    [(None, TOKEN), (ACCOUNT, None), (None, None)],
    ids=["no-account-sid", "no-auth-token", "neither"],
)
def test_no_client_without_both_credentials(
    account_sid: str | None, token: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr.twilio"):
        client = make_client(_settings(account_sid, token))

    assert client is None
    assert [r.message for r in caplog.records] == [
        "TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set: Twilio REST actions are off "
        "(redirecting waiting callers, queue sizes, checking for ended calls)"
    ]


def test_client_for_the_configured_account(sim: TwilioSimulator) -> None:
    client = make_client(_settings(ACCOUNT, TOKEN), sim.rest_http_client())

    assert client is not None
    assert (client.account_sid, client.queues.create(friendly_name="voorkempen", max_size=5).max_size) == (
        ACCOUNT,
        5,
    )


def test_client_without_a_transport_gives_up_after_a_timeout() -> None:
    client = make_client(_settings(ACCOUNT, TOKEN))

    assert client is not None
    assert client.http_client.timeout == 10.0


# ---------------------------------------------------------------- 429: too many requests


class FakeTime:
    """A monotonic clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("throttled", "retry_after", "sleeps", "statuses"),
    [
        (1, None, [0.25], [429, 201]),
        (2, None, [0.25, 0.5], [429, 429, 201]),
        (1, 1, [1.0], [429, 201]),
        (1, 30, [1.0], [429, 201]),
        (1, 0, [0.25], [429, 201]),
        # 0.25 + 0.5 + 1 + 1 + 1 = 3.75 s; one more second would pass the 4 s budget.
        (9, None, [0.25, 0.5, 1.0, 1.0, 1.0], [429] * 6),
    ],
    ids=["once", "twice", "retry-after", "retry-after-capped", "retry-after-zero", "gives-up-within-budget"],
)
def test_too_many_requests_is_retried_with_backoff(
    sim: TwilioSimulator, throttled: int, retry_after: int | None, sleeps: list[float], statuses: list[int]
) -> None:
    fake = FakeTime()
    client = Client(
        ACCOUNT,
        TOKEN,
        http_client=RetryingHttpClient(sim.rest_http_client(), sleep=fake.sleep, clock=fake.clock),
    )
    sim.throttle_rest(throttled, retry_after=retry_after)

    refused: tuple[int, int] | None = None
    try:
        client.queues.create(friendly_name="voorkempen")
    except TwilioRestException as error:
        refused = (error.status, error.code)

    assert fake.sleeps == sleeps
    assert [status for *_, status in requests(sim)] == statuses
    assert refused == (None if statuses[-1] == 201 else (429, 20429))


def test_an_enclosing_budget_shortens_the_retries(sim: TwilioSimulator) -> None:
    client = make_client(_settings(ACCOUNT, TOKEN), sim.rest_http_client())
    assert client is not None
    sim.throttle_rest(5)
    started = time.monotonic()

    with rest_budget(0.5), pytest.raises(TwilioRestException):
        client.queues.create(friendly_name="voorkempen")

    # One pause of 0.25 s; the next (0.5 s) would end after the budget.
    assert [status for *_, status in requests(sim)] == [429, 429]
    assert time.monotonic() - started < 0.5
