"""The live state of the helpdesks and their agents, as supervisors see it now.

One reading for every adapter that shows it (the JSON API's ``GET /api/helpdesks`` and
``GET /api/agents``, the web console's "Nu" page), so that their figures are the same by
construction and a page never disagrees with the API it is checked against. A reading takes six
statements in one read-only session, whatever the number of helpdesks, and never waits for a
writer. The console's pages share one reading per process for at most a second (:class:`RecentLive`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time
from typing import Any

from sqlalchemy.orm import Session

from agents import AgentState, agent_states, agents_outbound_by_helpdesk
from calls import ClosureState, QueueNow, closures, line_states, queues_now
from config import HelpdeskConfig
from service.runtime import Runtime
from staffing import StaffingReason, open_alerts, shortfall, understaffed

# How long the console's pages share a reading: "Nu" refreshes every 5 s.
LIVE_TTL_S = 1.0
_NOBODY_WAITS = QueueNow(returning=0, longest_wait_s=None)


@dataclass(frozen=True, slots=True)
class HelpdeskLive:
    """One helpdesk now; times are aware (UTC from the clock, the schedule's own zone otherwise)."""

    id: str
    name: str
    open_now: bool
    central_open_now: bool
    agents_logged_in: int
    agents_outbound: int
    callers_waiting: int
    callers_returning: int
    longest_wait_s: int | None
    next_opening: datetime | None
    next_closing: datetime | None
    min_agents: int
    staffing_alert: bool
    closure: ClosureState | None
    # Why the helpdesk is short of agents now, and how many it needs: ``min_agents`` (the
    # staffing_alert above), else ``forecast`` while the staffing watch's alert of the forecast
    # lasts and fewer agents are available than it needs this hour; ``None`` when neither.
    staffing_reason: StaffingReason | None = None
    agents_required: int | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    """Every helpdesk and every agent, read at ``now`` in one session."""

    now: datetime
    helpdesks: list[HelpdeskLive]
    agents: list[AgentState]


def helpdesks_live(rt: Runtime[Any], now: datetime) -> list[HelpdeskLive]:
    """Every helpdesk of the served config at ``now``, in the config's order.

    Raises ``SQLAlchemyError`` when the database cannot be read: each adapter says so its own way.
    """
    with rt.sessions() as session:
        return _helpdesks(rt.config, session, now)


def _helpdesks(config: HelpdeskConfig, session: Session, now: datetime) -> list[HelpdeskLive]:
    ids = [desk.id for desk in config.helpdesks]
    central_open = config.central_schedule().is_open(now)
    lines = line_states(session, ids)
    queues = queues_now(session, ids, now)
    outbound = agents_outbound_by_helpdesk(session)
    closed = {key: state for key, state in closures(session).items() if state.closure.applies(now)}
    forecast = {
        key: alert.required
        for key, alert in open_alerts(session).items()
        if alert.reason is StaffingReason.FORECAST
    }
    answer = []
    for desk in config.helpdesks:
        schedule = config.schedule(desk)
        open_now = schedule.is_open(now)
        line = lines[desk.id]
        queue = queues.get(desk.id, _NOBODY_WAITS)
        short = shortfall(open_now, line.agents_logged_in, desk.queue.min_agents, forecast.get(desk.id))
        answer.append(
            HelpdeskLive(
                id=desk.id,
                name=desk.name,
                open_now=open_now,
                central_open_now=central_open,
                agents_logged_in=line.agents_logged_in,
                agents_outbound=outbound.get(desk.id, 0),
                callers_waiting=line.callers_waiting,
                callers_returning=queue.returning,
                longest_wait_s=queue.longest_wait_s,
                next_opening=schedule.next_opening(now),
                next_closing=schedule.next_closing(now),
                min_agents=desk.queue.min_agents,
                staffing_alert=understaffed(open_now, line.agents_logged_in, desk.queue.min_agents),
                closure=closed.get(desk.id),
                staffing_reason=short[0] if short is not None else None,
                agents_required=short[1] if short is not None else None,
            )
        )
    return answer


def local_day_start(config: HelpdeskConfig, now: datetime) -> datetime:
    """The start of the helpdesks' local day that ``now`` falls in, whatever the server's zone."""
    zone = config.zone
    return datetime.combine(now.astimezone(zone).date(), day_time(), tzinfo=zone)


def agents_live(rt: Runtime[Any], helpdesk_id: str | None, now: datetime) -> list[AgentState]:
    """Every agent (of ``helpdesk_id`` only, when given) with status, since when and calls today."""
    with rt.sessions() as session:
        return agent_states(session, helpdesk_id, local_day_start(rt.config, now), now)


def live_state(rt: Runtime[Any], now: datetime) -> LiveState:
    """:func:`helpdesks_live` and :func:`agents_live` of every helpdesk, in one session."""
    config = rt.config
    with rt.sessions() as session:
        helpdesks = _helpdesks(config, session, now)
        agents = agent_states(session, None, local_day_start(config, now), now)
    return LiveState(now=now, helpdesks=helpdesks, agents=agents)


class RecentLive:
    """The live state read at most ``ttl_s`` ago, shared by every console page of this process.

    Fifty open "Nu" pages refreshing every 5 s ask ten times a second; one reading a second answers
    them all, so their cost does not grow with the pages. A page may then show a state up to
    ``ttl_s`` old (1 s against a 5-second refresh), and says so: its "Bijgewerkt om" is the time of
    the reading. A reading is reused only for the same config and while the runtime's clock is
    within ``ttl_s`` after it (a clock set back or ahead reads again). One reader at a time: the
    pages that find the reading expired while another one reads wait for it and share it. A failed
    read is not kept.
    """

    def __init__(self, ttl_s: float = LIVE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._ttl = timedelta(seconds=ttl_s)
        self._clock = clock
        self._reading = threading.Lock()
        self._known: tuple[float, object, LiveState] | None = None
        self._forgotten = float("-inf")

    def recent(self, rt: Runtime[Any]) -> LiveState | None:
        """The shared reading if recent, else ``None`` (never reads)."""
        known = self._known
        if known is None:
            return None
        expires, config, state = known
        now = rt.clock()
        if self._clock() < expires and config is rt.config and timedelta(0) <= now - state.now < self._ttl:
            return state
        return None

    def forget(self) -> None:
        """Drop the shared reading: the next page reads again (after a change made here). A reading
        that started before this is not kept either."""
        self._forgotten = self._clock()
        self._known = None

    def read(self, rt: Runtime[Any]) -> LiveState:
        """The shared reading if recent, else a new one at ``rt.clock()`` (blocking)."""
        with self._reading:
            recent = self.recent(rt)
            if recent is not None:
                return recent
            now = rt.clock()
            started = self._clock()
            state = live_state(rt, now)
            if started > self._forgotten:
                self._known = (started + self._ttl_s, rt.config, state)
            return state
