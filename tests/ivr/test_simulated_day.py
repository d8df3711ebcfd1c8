"""A whole simulated day: 500+ calls over two helpdesks, every outcome and overflow reason, with
duplicated and reordered status callbacks. The KPIs the service reports must equal the KPIs this
test computes on its own from what the simulated Twilio saw happen to each call.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from agents import create_agent
from calllog import Kpis, Thresholds, set_invitations, summary
from cli.simulate import Deployment
from config import HelpdeskConfig
from simulator import DestinationBehaviour, SimCall
from tests.ivr.conftest import BRUSSELS, CONFIG
from tests.ivr.test_voices import unvoiced_says

DAY = datetime(2026, 12, 2, tzinfo=BRUSSELS)  # a Wednesday
CENTRAL = "+3227138700"
LINES = {"voorkempen": "+3233100100", "kempen-zuid": "+3214200200"}
AGENT_LINES = {"voorkempen": "+3233100199", "kempen-zuid": "+3214200299"}
REASONS = ("closed", "no_agents", "queue_full", "wait_timeout", "error")


def at(clock: str) -> datetime:
    return datetime.combine(DAY.date(), time.fromisoformat(clock), tzinfo=BRUSSELS)


# Opening hours as this test knows them (from the example file), kept apart from the service's.
OPEN = {
    "voorkempen": [(at("09:00"), at("16:00"))],
    "kempen-zuid": [(at("09:00"), at("12:30")), (at("13:30"), at("17:00"))],
}
# Agents by phone: (helpdesk, code, PIN, logs in, hangs up).
AGENTS = [
    ("voorkempen", "101", "1234", at("08:58"), at("15:00")),
    ("voorkempen", "102", "5678", at("08:58:30"), at("11:00")),
    ("kempen-zuid", "201", "2468", at("08:59"), at("18:00")),
]


def _config(example: HelpdeskConfig) -> HelpdeskConfig:
    """The example file, with central opening at 09:30 (so the busy message happens before it)
    and Twilio's own queue for Kempen Zuid smaller than ours (so Twilio refuses callers)."""
    central = type(example.central).model_validate(
        {"number": CENTRAL, "hours": {"mon-fri": "09:30-20:00", "sat-sun": "10:00-18:00"}}
    )
    zuid = example.helpdesks[1]
    zuid = zuid.model_copy(update={"queue": zuid.queue.model_copy(update={"max_size": 2})})
    return example.model_copy(update={"central": central, "helpdesks": (example.helpdesks[0], zuid)})


def _agents_logged_in(desk: str, moment: datetime) -> int:
    return sum(
        1 for d, _, _, start, end in AGENTS if d == desk and start + timedelta(seconds=30) < moment < end
    )


def _near_agent_change(moment: datetime) -> bool:
    return any(
        abs((moment - edge).total_seconds()) < 120 for _, _, _, start, end in AGENTS for edge in (start, end)
    )


def _arrivals(rng: random.Random) -> list[tuple[str, datetime, float | None, int]]:
    """(helpdesk, arrival, patience or None, talk seconds) for every citizen call of the day."""
    calls = []
    for desk, count, first, last in (
        ("voorkempen", 300, "08:00", "16:45"),
        ("kempen-zuid", 220, "08:00", "17:45"),
    ):
        span = (at(last) - at(first)).total_seconds()
        for _ in range(count):
            calls.append((desk, at(first) + timedelta(seconds=rng.uniform(0, span))))
    # Bursts: the queue fills up while central is still closed (busy) and while it is open.
    calls += [("voorkempen", at("09:10") + timedelta(seconds=2 * n)) for n in range(14)]
    calls += [("voorkempen", at("10:30") + timedelta(seconds=2 * n)) for n in range(14)]
    calls += [("kempen-zuid", at("10:00") + timedelta(seconds=2 * n)) for n in range(6)]
    result = []
    for desk, arrival in calls:
        moment = arrival.replace(microsecond=0)
        if _near_agent_change(moment):
            continue
        patience = rng.choice([None, None, None, rng.uniform(2, 12), rng.uniform(12, 260)])
        result.append((desk, moment, patience, rng.randint(40, 420)))
    return sorted(result, key=lambda call: call[1])


@dataclass
class Seen:
    """What happened to one call, as Twilio (the simulator) saw it."""

    desk: str
    arrival: datetime
    outcome: str
    reason: str | None = None
    wait: int | None = None
    talk: int | None = None
    entered_queue: bool = False


def _is_open(desk: str, moment: datetime) -> bool:
    return any(start <= moment < end for start, end in OPEN[desk])


def _talk_times(agents: Iterable[SimCall]) -> dict[str, int]:
    """Talk time per caller's sid: how long each bridge lasted, as the simulator measured it (the
    application hears it from the <Queue url> request and the caller's bridged Enqueue action)."""
    return {
        event.data["DialCallSid"]: int(event.data["DialCallDuration"])
        for agent in agents
        for event in agent.events
        if event.kind == "dial-result" and "DialCallDuration" in event.data and "DialCallSid" in event.data
    }


def _classify(
    desk: str, call: SimCall, talks: dict[str, int], outage: tuple[datetime, datetime] | None = None
) -> Seen:
    events = call.events
    kinds = [event.kind for event in events]
    said = [event.data.get("text", "") for event in events if event.kind == "say"]
    results = [event for event in events if event.kind == "queue-result"]
    welcomed = bool(said) and said[0].startswith(
        ("Welkom bij de helpdesk van het COVID-vaccinatiecentrum van", "Welkom bij de vaccinatiehelpdesk")
    )
    seen = Seen(desk=desk, arrival=call.started_at, outcome="in_progress", entered_queue=welcomed)
    wait = int(results[0].data["QueueTime"]) if results and "QueueTime" in results[0].data else None
    dialled = [event for event in events if event.kind == "dial" and event.data.get("Number") == CENTRAL]
    if dialled:
        seen.outcome = "overflowed"
        if results:
            result = results[0].data["QueueResult"]
            seen.wait = wait
            if result == "leave":
                # Left for the long wait only while agents were still logged in.
                agents = _agents_logged_in(desk, results[0].at)
                seen.reason = "wait_timeout" if agents and wait is not None and wait >= 175 else "no_agents"
            elif result == "redirected":
                seen.reason = "no_agents"
            elif result == "queue-full":
                seen.reason = "queue_full"
            else:
                seen.reason = "error"
        elif outage is not None and outage[0] <= call.started_at < outage[1]:
            seen.reason = "error"  # the database was down: the fail-safe forwards to central
        elif not _is_open(desk, call.started_at):
            seen.reason = "closed"
        elif _agents_logged_in(desk, call.started_at) == 0:
            seen.reason = "no_agents"
        else:
            seen.reason = "queue_full"
    elif "bridged" in kinds:
        seen.outcome, seen.wait = "answered", wait
        seen.talk = talks.get(call.sid)
    elif results and results[0].data["QueueResult"] == "hangup":
        seen.outcome, seen.wait = "abandoned", wait
    elif said and "Onze lijnen zijn op dit ogenblik niet bereikbaar" in said[-1]:
        seen.outcome = "closing_message"  # also after Twilio refused the queue while central was closed
    elif said and "Al onze lijnen zijn op dit ogenblik bezet" in said[-1]:
        seen.outcome = "busy_message"
    elif welcomed:
        seen.outcome, seen.wait = "abandoned", 0  # hung up during the welcome, before the queue
    return seen


def _expected(seen: list[Seen], invitations: int, thresholds: Thresholds) -> dict[str, object]:
    # Rounded half up, as the product documents (Python's round() would round half to even).
    def mean(values: list[int]) -> float | None:
        if not values:
            return None
        return float((Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP))

    def ratio(a: int, b: int) -> float | None:
        return float((Decimal(a) / b).quantize(Decimal("0.0001"), ROUND_HALF_UP)) if b else None

    count = Counter(call.outcome for call in seen)
    answered = [call for call in seen if call.outcome == "answered"]
    abandoned = [call for call in seen if call.outcome == "abandoned"]
    short = [call for call in abandoned if (call.wait or 0) < thresholds.short_abandon]
    queued = [call for call in seen if call.entered_queue]
    offered_open = sum(1 for call in seen if _is_open(call.desk, call.arrival))
    waits = [call.wait for call in queued if call.wait is not None]
    return {
        "offered": len(seen),
        "offered_open": offered_open,
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandoned": len(short),
        "overflowed": count["overflowed"],
        "overflowed_by_reason": {r: sum(1 for c in seen if c.reason == r) for r in REASONS},
        "closing_message": count["closing_message"],
        "busy_message": count["busy_message"],
        "in_progress": count["in_progress"],
        "entered_queue": len(queued),
        # The day's callers were never called by the helpdesk: none of them rings back.
        "returning_calls": 0,
        "reachability": ratio(len(answered), offered_open),
        "service_level": ratio(
            sum(1 for c in answered if (c.wait or 0) <= thresholds.service_level_s), len(queued) - len(short)
        ),
        "asa_s": mean([c.wait or 0 for c in answered]),
        "avg_abandon_wait_s": mean([c.wait or 0 for c in abandoned]),
        "max_wait_s": max(waits) if waits else None,
        "avg_talk_s": mean([c.talk for c in answered if c.talk is not None]),
        "invitations": invitations,
        "contact_rate": ratio(len(seen), invitations),
    }


def _reported(kpis: Kpis) -> dict[str, object]:
    return {name: getattr(kpis, name) for name in _expected([], 1, Thresholds())}


def test_a_day_of_calls_gives_exactly_the_kpis_seen_on_the_line(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    config = _config(example_config)
    rng = random.Random(20261202)  # noqa: S311 - a reproducible scenario, not a secret
    with Deployment(
        config,
        CONFIG,
        at("07:55"),
        migrated_db_url,
        status_events=("initiated", "ringing", "answered", "completed"),
        duplicate_status_callbacks=0.3,
        reorder_status_callbacks=True,
    ) as deployment:
        sim = deployment.sim
        sim.set_destination(CENTRAL, DestinationBehaviour(outcome="answer", ring_seconds=3, talk_seconds=90))
        with deployment.runtime.session() as session:
            for desk, code, pin, _, _ in AGENTS:
                create_agent(session, desk, code, f"Agent {code}", pin, at("07:55"))
            set_invitations(session, "voorkempen", DAY.date(), 6000)
            set_invitations(session, "kempen-zuid", DAY.date(), 4400)
        agents = {}
        for desk, code, pin, start, _ in AGENTS:
            agents[code] = sim.place_call(
                from_=f"+3249900{code}",
                to=AGENT_LINES[desk],
                at=start,
                path="/twilio/agent",
                digits=[(2, f"{code}#"), (2, f"{pin}#")],
            )
        placed: list[tuple[str, SimCall]] = []
        for number, (desk, moment, patience, talk) in enumerate(_arrivals(rng)):
            call = sim.place_call(
                from_=f"+32470{number:06d}",
                to=LINES[desk],
                at=moment,
                hang_up_after=patience,
                talk_seconds=talk,
            )
            placed.append((desk, call))
        for _, code, _, _, end in sorted(AGENTS, key=lambda agent: agent[4]):
            sim.run(until=end)
            sim.hang_up(agents[code].sid)
        sim.run(until=at("20:00"))
        assert list(sim.errors) == []
        assert unvoiced_says(webhook.body for webhook in sim.webhooks) == []

        talks = _talk_times(agents.values())
        seen = [_classify(desk, call, talks) for desk, call in placed]
        by_desk = {desk: [s for s in seen if s.desk == desk] for desk in LINES}
        outcomes = Counter(s.outcome for s in seen)
        assert len(seen) >= 500
        assert outcomes["in_progress"] == 0
        assert set(outcomes) == {"answered", "abandoned", "overflowed", "closing_message", "busy_message"}
        # Every reason but error: nothing fails on this day (a full Twilio queue is queue_full).
        assert {s.reason for s in seen if s.reason} == set(REASONS) - {"error"}
        with deployment.runtime.session() as session:
            for desk, invitations in (("voorkempen", 6000), ("kempen-zuid", 4400)):
                thresholds = Thresholds()
                reported = summary(session, desk, DAY.date(), DAY.date(), thresholds)
                assert _reported(reported) == _expected(by_desk[desk], invitations, thresholds), desk
