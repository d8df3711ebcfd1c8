"""A whole outbound session on the simulator against the real app (playbook 1.5, issue contract):
an agent works through a reserve list of seven people with one slot — no answer, a voicemail, busy,
"not now", "never again", accepted — and the seventh is never called; the citizen who did not
answer rings back while another caller waits and is put through first. Every figure the service
reports is checked against the simulator's own trace of the legs, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agents import create_agent
from calllog import CallRecord
from calllog.kpis import summary
from calls import QueueEntry
from cli.simulate import Deployment
from config import HelpdeskConfig
from messages import DEFAULT_TEXTS
from outbound import (
    CallList,
    CallListEntry,
    NewList,
    Row,
    create_list,
    list_figures,
    period_figures,
)
from simulator import CallBack, DestinationBehaviour, SimCall, format_timeline
from simulator.records import whole_seconds
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
# The reserve list in its order, and how each person's phone behaves.
NO_ANSWER, VOICEMAIL, BUSY, NOT_NOW, NEVER, ACCEPTS, SEVENTH = (f"+3247012340{n}" for n in range(1, 8))
RINGS_BACK_AFTER = 150  # seconds after our unanswered call
RETURNING_CALL = DEFAULT_TEXTS["returning_call"].format(municipalities="Brecht, Malle, Schilde en Zoersel")


def _people() -> dict[str, DestinationBehaviour]:
    return {
        NO_ANSWER: DestinationBehaviour(
            outcome="no-answer", call_back=CallBack(after=RINGS_BACK_AFTER, talk_seconds=30)
        ),
        VOICEMAIL: DestinationBehaviour(ring_seconds=10, answerer="machine", greeting_seconds=12),
        BUSY: DestinationBehaviour(outcome="busy"),
        NOT_NOW: DestinationBehaviour(ring_seconds=10, talk_seconds=25),
        NEVER: DestinationBehaviour(ring_seconds=15, talk_seconds=20),
        ACCEPTS: DestinationBehaviour(ring_seconds=5, talk_seconds=40),
        SEVENTH: DestinationBehaviour(ring_seconds=5, talk_seconds=40),
    }


@pytest.fixture
def deployment(example_config: HelpdeskConfig, migrated_db_url: str) -> Iterator[Deployment]:
    with Deployment(example_config, CONFIG, WEDNESDAY, migrated_db_url) as running:
        with running.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", WEDNESDAY)
            create_agent(session, "voorkempen", "102", "Bert", "5678", WEDNESDAY)
        for number, behaviour in _people().items():
            running.sim.set_destination(number, behaviour)
        yield running


def _reserve_list(deployment: Deployment) -> int:
    rows = [Row(row=place, number=number) for place, number in enumerate(_people(), start=1)]
    new = NewList("voorkempen", "reserve", "reservelijst woensdag 14 uur", 1, rows)
    with deployment.runtime.session() as session:
        created = create_list(
            session,
            new,
            helpdesks=[desk.id for desk in deployment.config.helpdesks],
            key=deployment.runtime.caller_key,
            now=WEDNESDAY,
            created_by="ops",
        )
    return created.summary.id


def _login(
    deployment: Deployment,
    code: str,
    pin: str,
    at: datetime,
    phone: str,
    keys: list[str],
    hang_up_after: float,
) -> SimCall:
    """An agent calling in: code and PIN, then ``keys`` for the next menus ("" lets one time out)."""
    digits = [(2.0, f"{code}#"), (2.0, f"{pin}#"), *((2.0, key) for key in keys)]
    return deployment.sim.place_call(
        from_=phone, to=AGENT_LINE, at=at, path="/twilio/agent", digits=digits, hang_up_after=hang_up_after
    )


def _session(deployment: Deployment) -> tuple[SimCall, dict[str, SimCall]]:
    """Agent 101 calls the reserve list; agent 102 takes the incoming callers: A from +110 s, and
    B, who waits when the citizen who missed our first call rings back. Returns 101's call and
    the citizens' calls by name."""
    sim = deployment.sim
    # The first menu: 7. After each call: the outcome key if put through, then nothing (the next
    # person): no answer, voicemail, busy, "2" not now, "3" never again, "1" accepted.
    keys = ["7", "", "", "", "2", "", "3", "", "1", ""]
    outbound = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101", keys, hang_up_after=600)
    _login(deployment, "102", "5678", WEDNESDAY + timedelta(seconds=100), "+32470000102", [], 600)
    citizens = {
        "A": sim.place_call(
            from_="+32471111110", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=110), talk_seconds=200
        ),
        "B": sim.place_call(
            from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=250), talk_seconds=30
        ),
    }
    sim.run(until=WEDNESDAY + timedelta(minutes=12))
    back = [call for call in sim.calls.values() if call.from_ == NO_ANSWER and call.parent_sid is None]
    assert len(back) == 1, format_timeline(sim.events, zone=BRUSSELS)
    citizens["rang back"] = back[0]
    return outbound, citizens


def _pressed(call: SimCall) -> list[tuple[datetime, str]]:
    return [(event.at, event.data["Digits"]) for event in call.events if event.kind == "digits"]


def _answered_seconds(leg: SimCall) -> int:
    assert leg.answered_at is not None
    assert leg.ended_at is not None
    return whole_seconds(leg.ended_at - leg.answered_at)


def test_a_reserve_list_session(deployment: Deployment) -> None:
    list_id = _reserve_list(deployment)
    sim = deployment.sim

    outbound, citizens = _session(deployment)

    timeline = format_timeline(sim.events, zone=BRUSSELS)
    assert sim.errors == [], timeline
    legs = sim.dialled_legs(outbound.sid)
    # The list in its order; the list closed with the acceptance: the seventh is never called.
    assert [leg.number for leg in legs] == [NO_ANSWER, VOICEMAIL, BUSY, NOT_NOW, NEVER, ACCEPTS], timeline
    assert all(leg.number != SEVENTH for leg in sim.dialled_legs())
    # Always the helpdesk's own number, with answering-machine detection on the person's leg.
    assert {leg.caller_id for leg in legs} == {CITIZEN_LINE}
    assert {leg.machine_detection for leg in legs} == {"Enable"}
    by_number = {leg.number: leg for leg in legs}
    # 8 rings of 5 s: the <Dial timeout> is outbound.max_rings x outbound.ring_seconds.
    unanswered = by_number[NO_ANSWER]
    assert (unanswered.timeout, unanswered.rings_within_timeout, unanswered.dial_call_status) == (
        40,
        8,
        "no-answer",
    )
    # A machine never hears anything: no message is left, the agent is never put through.
    machine = by_number[VOICEMAIL]
    assert machine.answered_by is not None
    assert machine.answered_by.startswith("machine")
    assert not machine.bridged
    assert not {"Say", "Play", "Record"} & {*machine.served, *machine.ran}
    assert by_number[BUSY].dial_call_status == "busy"
    talked = [leg for leg in legs if leg.bridged]
    assert [leg.number for leg in talked] == [NOT_NOW, NEVER, ACCEPTS]

    with deployment.runtime.session() as session:
        entries = dict(
            session.execute(
                select(CallListEntry.position, CallListEntry.outcome).where(CallListEntry.list_id == list_id)
            ).all()
        )
        closed = session.execute(
            select(CallList.closed_at, CallList.closed_reason).where(CallList.id == list_id)
        ).one()
        figures = list_figures(session, list_id)
        day = period_figures(session, "voorkempen", WEDNESDAY.date(), WEDNESDAY.date(), BRUSSELS)
        returned = session.execute(
            select(CallRecord.returning_attempt_id).where(CallRecord.call_sid == citizens["rang back"].sid)
        ).scalar_one()
        answers = session.execute(
            select(QueueEntry.call_sid, QueueEntry.answered_by, QueueEntry.answered_at).order_by(
                QueueEntry.answered_at
            )
        ).all()
        kpis = summary(session, "voorkempen", WEDNESDAY.date(), WEDNESDAY.date())
    assert entries == {
        1: "no_answer",
        2: "voicemail",
        3: "busy",
        4: "kept",
        5: "do_not_call",
        6: "accepted",
        7: None,
    }
    # Closed the moment the agent pressed 1.
    accepted_at = next(at for at, keys in _pressed(outbound) if keys == "1")
    assert closed.closed_reason == "filled"
    assert abs((closed.closed_at - accepted_at).total_seconds()) < 1

    # Every figure, from the simulator's own trace.
    keyed = [keys for _, keys in _pressed(outbound)]
    from_trace = {
        "people_called": len({leg.number for leg in legs}),
        "attempts": len(legs),
        "reached": len(talked),
        "accepted": keyed.count("1"),
        "kept": keyed.count("2"),
        "do_not_call": keyed.count("3"),
        "wrong_number": keyed.count("4"),
        "no_answer": sum(leg.dial_call_status == "no-answer" for leg in legs),
        "voicemail": sum(bool(leg.answered_by and leg.answered_by.startswith("machine")) for leg in legs),
        "busy_failed": sum(leg.dial_call_status in ("busy", "failed") for leg in legs),
        "lists_filled": 1,
        "fill_s": pytest.approx((accepted_at - WEDNESDAY).total_seconds(), abs=1),
        # Twilio's DialCallDuration: the person's leg from answer to hang-up (with the 2 to 3 s
        # of answering-machine detection before the agent is put through).
        "talk_s": sum(_answered_seconds(sim.calls[leg.sid]) for leg in talked),
    }
    assert asdict(figures) == from_trace
    assert asdict(day) == from_trace
    assert (from_trace["accepted"], from_trace["kept"], from_trace["do_not_call"]) == (1, 1, 1)

    # The citizen who did not answer rang back while B waited: the welcome gave way to
    # returning_call, and agent 102 took them before B, who had waited longer.
    said = [event.data.get("text") for event in citizens["rang back"].events if event.kind == "say"]
    assert RETURNING_CALL in said, timeline
    assert citizens["rang back"].started_at > citizens["B"].started_at
    order = [sid for sid, _, _ in answers]
    assert order.index(citizens["rang back"].sid) < order.index(citizens["B"].sid), timeline
    assert returned is not None
    assert kpis.returning_calls == 1


def test_a_call_back_outside_the_window_is_an_ordinary_call(deployment: Deployment) -> None:
    window = deployment.config.outbound.callback_window_hours
    _reserve_list(deployment)
    deployment.sim.set_destination(
        NO_ANSWER,
        DestinationBehaviour(
            outcome="no-answer", call_back=CallBack(after=window * 3600 + 60, talk_seconds=30)
        ),
    )
    outbound = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101", ["7", "0"], hang_up_after=300)
    deployment.sim.run(until=WEDNESDAY + timedelta(hours=window, minutes=10))

    assert [leg.number for leg in deployment.sim.dialled_legs(outbound.sid)] == [NO_ANSWER]
    back = [
        call
        for call in deployment.sim.calls.values()
        if call.from_ == NO_ANSWER and call.direction == "inbound"
    ]
    said = [event.data.get("text") for call in back for event in call.events if event.kind == "say"]
    assert len(back) == 1
    assert RETURNING_CALL not in said
