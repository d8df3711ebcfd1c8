"""Citizens who ring back after a call of ours they missed (playbook 1.5.2), driven by the Twilio
simulator against the real app: they hear ``returning_call`` instead of the welcome and the next
agent takes them before the callers who waited longer; outside the window they are ordinary
callers. The missed calls are written as the agent line writes them (``outbound_attempts``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from agents import create_agent
from calllog import CallRecord
from calls import QueueEntry, enter_queue
from cli.simulate import Deployment
from config import HelpdeskConfig
from messages import DEFAULT_TEXTS
from outbound.tables import Outcome
from simulator import SimCall
from tests.ivr.conftest import BRUSSELS, CONFIG
from tests.outbound.attempts import add_attempt

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
RETURNING = "+32470555123"
WELCOME = (
    "Welkom bij de helpdesk van het COVID-vaccinatiecentrum van Brecht, Malle, Schilde en Zoersel. "
    "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand."
)
RETURNING_CALL = DEFAULT_TEXTS["returning_call"].format(municipalities="Brecht, Malle, Schilde en Zoersel")


# What the agent's * does while no caller is connected is not documented: both ways, as the
# agent line's own simulated tests.
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


def _missed(deployment: Deployment, hours_ago: float) -> int:
    """A call of ours to RETURNING that rang out unanswered ``hours_ago``."""
    with deployment.runtime.session() as session:
        return add_attempt(
            session,
            helpdesk_id="voorkempen",
            number=RETURNING,
            key=deployment.runtime.caller_key,
            started_at=WEDNESDAY - timedelta(hours=hours_ago),
            outcome=Outcome.NO_ANSWER,
        )


def _login(deployment: Deployment, code: str, pin: str, at: datetime, caller: str) -> SimCall:
    return deployment.sim.place_call(
        from_=caller, to=AGENT_LINE, at=at, path="/twilio/agent", digits=[(2, f"{code}#"), (2, f"{pin}#")]
    )


def _said(call: SimCall) -> list[str]:
    return [event.data["text"] for event in call.events if event.kind == "say"]


def _answers(deployment: Deployment) -> list[tuple[str, str | None, bool]]:
    """Each caller in the order of arrival: who answered, and whether in the returning queue."""
    with deployment.runtime.session() as session:
        rows = session.execute(
            select(QueueEntry.call_sid, QueueEntry.answered_by, QueueEntry.returning_queue).order_by(
                QueueEntry.enqueued_at
            )
        ).all()
    return [(str(sid), by, bool(returning)) for sid, by, returning in rows]


def _answered_at(deployment: Deployment, call: SimCall) -> datetime:
    with deployment.runtime.session() as session:
        answered: datetime | None = session.execute(
            select(QueueEntry.answered_at).where(QueueEntry.call_sid == call.sid)
        ).scalar_one()
    assert answered is not None
    return answered


def _returned(deployment: Deployment, call: SimCall) -> int | None:
    with deployment.runtime.session() as session:
        found: int | None = session.execute(
            select(CallRecord.returning_attempt_id).where(CallRecord.call_sid == call.sid)
        ).scalar_one()
    return found


def _scenario(deployment: Deployment) -> tuple[SimCall, SimCall, SimCall]:
    """An agent talking to a first caller; an ordinary caller waits when the one who missed our
    call rings; the second agent logs in after both. Returns (first, waiting, ringing back)."""
    sim = deployment.sim
    _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    first = sim.place_call(
        from_="+32471111110", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=40), talk_seconds=240
    )
    waiting = sim.place_call(
        from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=60), talk_seconds=60
    )
    ringing_back = sim.place_call(
        from_=RETURNING, to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=90), talk_seconds=60
    )
    _login(deployment, "102", "5678", WEDNESDAY + timedelta(seconds=120), "+32470000102")
    sim.run(until=WEDNESDAY + timedelta(minutes=4))
    return first, waiting, ringing_back


def test_a_citizen_ringing_back_within_the_window_is_put_through_first(deployment: Deployment) -> None:
    attempt = _missed(deployment, hours_ago=2)

    first, waiting, ringing_back = _scenario(deployment)

    assert deployment.sim.errors == []
    assert RETURNING_CALL in _said(ringing_back)
    assert WELCOME not in _said(ringing_back)
    assert WELCOME in _said(waiting)
    # The second agent takes the caller who rang back, not the one who had waited 30 s longer;
    # that one next.
    assert _answers(deployment) == [
        (first.sid, "101", False),
        (waiting.sid, "102", False),
        (ringing_back.sid, "102", True),
    ]
    assert _answered_at(deployment, ringing_back) < _answered_at(deployment, waiting)
    # The call log links the call to the missed one, by its id (never the number).
    assert _returned(deployment, ringing_back) == attempt
    assert _returned(deployment, waiting) is None


def test_outside_the_window_the_same_caller_is_an_ordinary_caller(deployment: Deployment) -> None:
    _missed(deployment, hours_ago=73)

    first, waiting, ringing_back = _scenario(deployment)

    assert deployment.sim.errors == []
    assert WELCOME in _said(ringing_back)
    assert RETURNING_CALL not in _said(ringing_back)
    # First come, first served: the second agent takes the caller who waited longer.
    assert _answers(deployment) == [
        (first.sid, "101", False),
        (waiting.sid, "102", False),
        (ringing_back.sid, "102", False),
    ]
    assert _answered_at(deployment, waiting) < _answered_at(deployment, ringing_back)
    assert _returned(deployment, ringing_back) is None


def test_with_nobody_waiting_an_idle_agent_takes_the_caller_at_once(deployment: Deployment) -> None:
    # The agent waits on the helpdesk's own queue: the caller who rings back joins it, at its
    # head, rather than a queue nobody dials until the agent's wait ends.
    attempt = _missed(deployment, hours_ago=2)
    sim = deployment.sim
    _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    ringing_back = sim.place_call(
        from_=RETURNING, to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=40), talk_seconds=60
    )
    sim.run(until=WEDNESDAY + timedelta(minutes=2))

    assert deployment.sim.errors == []
    assert RETURNING_CALL in _said(ringing_back)
    assert _answers(deployment) == [(ringing_back.sid, "101", False)]
    with deployment.runtime.session() as session:
        wait = session.execute(
            select(QueueEntry.queue_time).where(QueueEntry.call_sid == ringing_back.sid)
        ).scalar_one()
    assert wait == 0
    assert _returned(deployment, ringing_back) == attempt


def _agent_requests(deployment: Deployment, call: SimCall, path: str) -> list[datetime]:
    return [
        webhook.at
        for webhook in deployment.sim.webhooks
        if webhook.call_sid == call.sid and urlsplit(webhook.url).path == path
    ]


def test_an_agent_never_circles_on_an_empty_returning_queue_while_others_wait(deployment: Deployment) -> None:
    # The record says a caller waits in the returning queue, but Twilio's queue is empty: another
    # agent took them a moment ago, or their end was missed. The agent tries it briefly, then
    # takes the caller waiting in the helpdesk's own queue.
    sim = deployment.sim
    with deployment.runtime.session() as session:
        enter_queue(session, "CA" + "f" * 32, "voorkempen", WEDNESDAY, returning_queue=True)
    agent = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    # Logged in with the PIN (at 9 s); waiting before the agent's first dial (at 25 s).
    waiting = sim.place_call(
        from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=12), talk_seconds=60
    )
    sim.run(until=WEDNESDAY + timedelta(minutes=2))

    assert deployment.sim.errors == []
    [first_dial, second_dial, *_] = _agent_requests(deployment, agent, "/twilio/agent/next")
    # The returning queue for its 10 s (and Twilio's 5), then straight to the own queue.
    assert timedelta(seconds=15) <= second_dial - first_dial <= timedelta(seconds=16)
    assert {sid: (by, returning) for sid, by, returning in _answers(deployment)} == {
        "CA" + "f" * 32: (None, True),
        waiting.sid: ("101", False),
    }
    assert _answered_at(deployment, waiting) - second_dial <= timedelta(seconds=1)
    assert (
        "Er wacht op dit ogenblik niemand. Druk 9 voor een pauze of 7 om burgers van de belijsten te "
        "bellen, of blijf aan de lijn." not in _said(agent)
    )


def test_when_the_last_agent_leaves_a_citizen_ringing_back_goes_to_central_too(
    deployment: Deployment,
) -> None:
    # The REST redirect of the waiting callers takes both queues' callers, each once.
    _missed(deployment, hours_ago=2)
    sim = deployment.sim
    agent = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    first = sim.place_call(
        from_="+32471111110", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=30), talk_seconds=600
    )
    waiting = sim.place_call(
        from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=60), talk_seconds=60
    )
    ringing_back = sim.place_call(
        from_=RETURNING, to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=70), talk_seconds=60
    )
    sim.run(until=WEDNESDAY + timedelta(seconds=100))
    assert _answers(deployment) == [
        (first.sid, "101", False),
        (waiting.sid, None, False),
        (ringing_back.sid, None, True),
    ]
    left_at = sim.now
    sim.hang_up(agent.sid)
    sim.run(until=left_at + timedelta(seconds=30))

    assert deployment.sim.errors == []
    redirects = [r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]
    redirected = sorted(r.path.rsplit("/", 1)[1].removesuffix(".json") for r in redirects)
    assert redirected == sorted([waiting.sid, ringing_back.sid])
    for call in (waiting, ringing_back):
        dial = next(event for event in call.events if event.kind == "dial")
        assert dial.data["Number"] == "+3227138700"
        assert dial.at - left_at <= timedelta(seconds=5)
    assert first.sid not in redirected
