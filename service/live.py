"""The live state of the helpdesks and their agents, as supervisors see it now.

One reading for every adapter that shows it (the JSON API's ``GET /api/helpdesks`` and
``GET /api/agents``, the web console's "Nu" page), so that their figures are the same by
construction and a page never disagrees with the API it is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from agents import AgentState, agent_states, agents_outbound
from calls import ClosureState, closures, line_state, longest_wait, returning_waiting
from config import HelpdeskConfig
from service.runtime import Runtime
from staffing import understaffed


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


def helpdesks_live(rt: Runtime[Any], now: datetime) -> list[HelpdeskLive]:
    """Every helpdesk of the served config at ``now``, in the config's order.

    Raises ``SQLAlchemyError`` when the database cannot be read: each adapter says so its own way.
    """
    config = rt.config
    central_open = config.central_schedule().is_open(now)
    with rt.session() as session:
        lines = {
            desk.id: (line_state(session, desk.id), longest_wait(session, desk.id, now))
            for desk in config.helpdesks
        }
        apart = {
            desk.id: (agents_outbound(session, desk.id), returning_waiting(session, desk.id))
            for desk in config.helpdesks
        }
        closed = {key: state for key, state in closures(session).items() if state.closure.applies(now)}
    answer = []
    for desk in config.helpdesks:
        schedule = config.schedule(desk)
        open_now = schedule.is_open(now)
        line, wait = lines[desk.id]
        outbound, returning = apart[desk.id]
        answer.append(
            HelpdeskLive(
                id=desk.id,
                name=desk.name,
                open_now=open_now,
                central_open_now=central_open,
                agents_logged_in=line.agents_logged_in,
                agents_outbound=outbound,
                callers_waiting=line.callers_waiting,
                callers_returning=returning,
                longest_wait_s=wait,
                next_opening=schedule.next_opening(now),
                next_closing=schedule.next_closing(now),
                min_agents=desk.queue.min_agents,
                staffing_alert=understaffed(open_now, line.agents_logged_in, desk.queue.min_agents),
                closure=closed.get(desk.id),
            )
        )
    return answer


def local_day_start(config: HelpdeskConfig, now: datetime) -> datetime:
    """The start of the helpdesks' local day that ``now`` falls in, whatever the server's zone."""
    zone = config.zone
    return datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)


def agents_live(rt: Runtime[Any], helpdesk_id: str | None, now: datetime) -> list[AgentState]:
    """Every agent (of ``helpdesk_id`` only, when given) with status, since when and calls today."""
    with rt.session() as session:
        return agent_states(session, helpdesk_id, local_day_start(rt.config, now), now)
