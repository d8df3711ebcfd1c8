"""Agents on the phone line, driven by the Twilio simulator against the real app.

Two agents log in by code and PIN, callers are served first-in first-out, every answer records
who took it after how long, an agent hanging up is logged out by the status callback, and the
last agent leaving sends exactly the waiting callers to central through the REST API.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from twilio.rest import Client

from agents import PresenceStatus, create_agent, presence, set_presence
from calls import QueueEntry
from cli.simulate import Deployment
from config import HelpdeskConfig
from simulator import SimCall, SimEvent
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
SATURDAY = datetime(2026, 12, 5, 9, 15, tzinfo=BRUSSELS)  # helpdesk open, central opens at 10:00
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
CENTRAL = "+3227138700"


# What the agent's * does while no caller is connected is not documented: every test runs both ways.
@pytest.fixture(params=["ends-dial", "ignored"], ids=["star-ends-the-dial", "star-is-ignored"])
def deployment(
    example_config: HelpdeskConfig, migrated_db_url: str, request: pytest.FixtureRequest
) -> Iterator[Deployment]:
    with Deployment(
        example_config, CONFIG, WEDNESDAY, migrated_db_url, star_while_waiting=request.param
    ) as running:
        with running.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", WEDNESDAY)
            create_agent(session, "voorkempen", "102", "Bert", "5678", WEDNESDAY)
        yield running


def _login(
    deployment: Deployment,
    code: str,
    pin: str,
    at: datetime,
    caller: str,
    *,
    menu: Sequence[tuple[float, str]] = (),
    dial_keys: Sequence[tuple[float, str]] = (),
) -> SimCall:
    """An agent calling in; ``menu``: the keys for the menus after logging in."""
    return deployment.sim.place_call(
        from_=caller,
        to=AGENT_LINE,
        at=at,
        path="/twilio/agent",
        digits=[(2, f"{code}#"), (2, f"{pin}#"), *menu],
        dial_keys=dial_keys,
    )


def _agent_requests(deployment: Deployment, call: SimCall, path: str) -> list[datetime]:
    return [
        webhook.at
        for webhook in deployment.sim.webhooks
        if webhook.call_sid == call.sid and urlsplit(webhook.url).path == path
    ]


def _said(call: SimCall) -> list[str]:
    return [event.data["text"] for event in call.events if event.kind == "say"]


def _states(deployment: Deployment) -> dict[str, PresenceStatus]:
    with deployment.runtime.session() as session:
        return {row.agent: row.status for row in presence(session, "voorkempen")}


def _answers(deployment: Deployment) -> list[tuple[str, str | None, int | None]]:
    with deployment.runtime.session() as session:
        rows = session.execute(
            select(QueueEntry.call_sid, QueueEntry.answered_by, QueueEntry.queue_time).order_by(
                QueueEntry.enqueued_at
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _errors(deployment: Deployment) -> list[SimEvent]:
    return list(deployment.sim.errors)


def test_two_agents_serve_three_callers_first_in_first_out(deployment: Deployment) -> None:
    sim = deployment.sim
    an = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    bert = _login(deployment, "102", "5678", WEDNESDAY + timedelta(seconds=1), "+32470000102")
    callers = [
        sim.place_call(
            from_=f"+3247111111{n}",
            to=CITIZEN_LINE,
            at=WEDNESDAY + timedelta(seconds=60 + 5 * n),
            talk_seconds=90,
        )
        for n in range(3)
    ]
    sim.run(until=WEDNESDAY + timedelta(minutes=6))
    assert _errors(deployment) == []
    answers = _answers(deployment)
    assert [sid for sid, _, _ in answers] == [call.sid for call in callers]
    # The first two are taken at once by the two agents; the third waits for the first agent
    # to finish (90 s of talk) and its wrap-up pause.
    assert {agent for _, agent, _ in answers[:2]} == {"101", "102"}
    assert [wait for _, _, wait in answers[:2]] == [0, 0]
    third_agent, third_wait = answers[2][1], answers[2][2]
    assert third_agent == answers[0][1]
    assert third_wait is not None
    assert 80 <= third_wait <= 120
    assert _states(deployment) == {"101": PresenceStatus.AVAILABLE, "102": PresenceStatus.AVAILABLE}

    sim.hang_up(an.sid)
    sim.run(until=sim.now + timedelta(seconds=5))
    assert _states(deployment)["101"] is PresenceStatus.OFFLINE
    assert _states(deployment)["102"] is PresenceStatus.AVAILABLE
    assert bert.ended_at is None


def test_wrong_pin_is_refused_and_does_not_log_in(deployment: Deployment) -> None:
    call = _login(deployment, "101", "9999", WEDNESDAY, "+32470000101")
    deployment.sim.run(until=WEDNESDAY + timedelta(seconds=40))
    assert _states(deployment) == {}
    said = [event.data.get("text", "") for event in call.events if event.kind == "say"]
    assert "Deze pincode is niet juist. Probeer het opnieuw." in said


def _waiting_scenario(deployment: Deployment, start: datetime) -> tuple[SimCall, list[SimCall]]:
    """One agent by phone talking to a first caller, two more callers waiting."""
    sim = deployment.sim
    agent = _login(deployment, "101", "1234", start, "+32470000101")
    callers = [
        sim.place_call(
            from_=f"+3247222222{n}", to=CITIZEN_LINE, at=start + timedelta(seconds=40 + n), talk_seconds=600
        )
        for n in range(3)
    ]
    sim.run(until=start + timedelta(seconds=90))
    return agent, callers


@pytest.mark.parametrize("throttled", [0, 1], ids=["rest-answers", "rest-answers-429-once"])
def test_last_agent_leaving_sends_exactly_the_waiting_callers_to_central(
    deployment: Deployment, throttled: int
) -> None:
    sim = deployment.sim
    agent, callers = _waiting_scenario(deployment, WEDNESDAY)
    assert [row[1] for row in _answers(deployment)] == ["101", None, None]

    # Twilio's 429 (error 20429) is retried after its Retry-After, within the 5 s.
    sim.throttle_rest(throttled, retry_after=1)
    left_at = sim.now
    sim.hang_up(agent.sid)
    started = time.monotonic()
    sim.run(until=left_at + timedelta(seconds=30))
    took = time.monotonic() - started

    redirects = [r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]
    assert [r.status_code for r in redirects] == [429] * throttled + [200, 200]
    redirected = [r.path.rsplit("/", 1)[1].removesuffix(".json") for r in redirects if r.status_code == 200]
    assert sorted(redirected) == sorted(call.sid for call in callers[1:])
    assert took < 5
    assert all(r.at - left_at <= timedelta(seconds=5) for r in redirects)
    for call in callers[1:]:
        dial = next(event for event in call.events if event.kind == "dial")
        assert dial.data["Number"] == CENTRAL
        assert dial.at - left_at <= timedelta(seconds=5)
    assert _errors(deployment) == []


def test_all_agents_on_break_also_sends_the_waiting_callers_to_central(deployment: Deployment) -> None:
    sim = deployment.sim
    _waiting_scenario(deployment, WEDNESDAY)
    with deployment.runtime.session() as session:
        set_presence(session, "voorkempen", "101", PresenceStatus.BREAK, sim.now)
    deployment.runtime.presence_changed("voorkempen")
    sim.run(until=sim.now + timedelta(seconds=10))
    redirected = [r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]
    assert len(redirected) == 2
    # Nobody is claimed twice: a second notice finds no waiting caller left to redirect.
    deployment.runtime.presence_changed("voorkempen")
    sim.run(until=sim.now + timedelta(seconds=10))
    assert len([r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]) == 2


def test_nobody_is_redirected_while_central_is_closed(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    with Deployment(example_config, CONFIG, SATURDAY, migrated_db_url) as deployment:
        with deployment.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", SATURDAY)
        agent, _ = _waiting_scenario(deployment, SATURDAY)
        deployment.sim.hang_up(agent.sid)
        deployment.sim.run(until=deployment.sim.now + timedelta(seconds=30))
        assert [r for r in deployment.sim.rest_requests if "/Calls/" in r.path and r.method == "POST"] == []


# ---------------------------------------------------------------- the agent's * and the menu

NO_CALLER = (
    "Er wacht op dit ogenblik niemand. Druk 9 voor een pauze of 7 om burgers van de belijsten te bellen, "
    "of blijf aan de lijn."
)
NEXT_CALLER = (
    "Het gesprek is beëindigd. Druk 5 om de vraag van de beller door te geven aan een ervaren collega, "
    "9 voor een pauze, of wacht op de volgende beller."
)
UNAVAILABLE = (
    "De wachtrij is op dit ogenblik niet bereikbaar. U blijft aangemeld en we proberen het "
    "over een halve minuut opnieuw. Druk 9 voor een pauze."
)


@pytest.mark.parametrize("star_after", [None, 5], ids=["no-key", "star-while-waiting"])
def test_a_waiting_agent_gets_the_menu_within_a_minute(
    deployment: Deployment, star_after: int | None
) -> None:
    agent = _login(
        deployment,
        "101",
        "1234",
        WEDNESDAY,
        "+32470000101",
        menu=[(1, "9")],
        dial_keys=[] if star_after is None else [(star_after, "*")],
    )
    deployment.sim.run(until=WEDNESDAY + timedelta(minutes=3))

    [dialled, *_] = _agent_requests(deployment, agent, "/twilio/agent/next")
    [menu] = _agent_requests(deployment, agent, "/twilio/agent/menu")
    # Twilio adds 5 s to the dial's 55; the break key comes 1 s into the menu.
    assert timedelta(seconds=6) <= menu - dialled <= timedelta(seconds=61)
    assert _said(agent)[-2:] == [NO_CALLER, "U bent in pauze. Druk 1 om weer oproepen te ontvangen."]
    assert _states(deployment) == {"101": PresenceStatus.BREAK}
    assert agent.ended_at is None
    assert _errors(deployment) == []


def test_star_during_a_conversation_ends_it_and_the_agent_stays_logged_in(deployment: Deployment) -> None:
    sim = deployment.sim
    # The agent is logged in at +10 s and dials at +26 s; the caller is in the queue by then.
    agent = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101", dial_keys=[(20, "*")])
    caller = sim.place_call(
        from_="+32471111110", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=12), talk_seconds=300
    )
    sim.run(until=WEDNESDAY + timedelta(minutes=2))

    [dialled, *again] = _agent_requests(deployment, agent, "/twilio/agent/next")
    assert caller.ended_at == dialled + timedelta(seconds=20)
    assert NEXT_CALLER in _said(agent)
    assert again != []  # back in the queue after the wrap-up
    assert agent.ended_at is None
    assert _states(deployment) == {"101": PresenceStatus.AVAILABLE}
    assert [row[:2] for row in _answers(deployment)] == [(caller.sid, "101")]
    assert _errors(deployment) == []


def test_an_agent_whose_queue_does_not_exist_backs_off(deployment: Deployment) -> None:
    sim = deployment.sim
    rest = Client(Deployment.ACCOUNT_SID, sim.auth_token, http_client=sim.rest_http_client())
    [queue] = [queue for queue in rest.queues.list() if queue.friendly_name == "voorkempen"]
    rest.queues(queue.sid).delete()
    agent = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    sim.run(until=WEDNESDAY + timedelta(minutes=4))

    dials = _agent_requests(deployment, agent, "/twilio/agent/next")
    requests = [webhook for webhook in sim.webhooks if webhook.call_sid == agent.sid]
    # A dial and its action every 40 s (the message, then 30 s to press a key), not a tight loop:
    # three requests a minute.
    gaps = [round((later - earlier).total_seconds()) for earlier, later in itertools.pairwise(dials)]
    assert gaps == [40] * 5
    assert len([webhook for webhook in requests if webhook.at >= dials[0]]) == 2 * 6
    assert UNAVAILABLE in _said(agent)
    assert agent.ended_at is None
    assert _states(deployment) == {"101": PresenceStatus.AVAILABLE}
    assert _errors(deployment) == []
