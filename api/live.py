"""``GET /api/helpdesks``: the live state of every helpdesk, for supervisors and operations."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from agents import agents_outbound
from api.auth import require_role
from api.closures import ClosureOut
from calls import closures, line_state, longest_wait, returning_waiting
from service.runtime import Runtime, runtime
from staffing import understaffed

log = logging.getLogger("ivr.live")
router = APIRouter(prefix="/api", tags=["supervisor"])


class HelpdeskNow(BaseModel):
    id: str
    name: str
    open_now: bool = Field(description="open by its hours right now")
    central_open_now: bool = Field(description="the central back-up takes calls right now")
    agents_logged_in: int = Field(description="agents available to take callers (not on break)")
    agents_outbound: int = Field(
        description="agents calling citizens from the call lists: logged in, taking no callers, "
        "not counted in agents_logged_in nor for the staffing alert"
    )
    callers_waiting: int
    callers_returning: int = Field(
        description="of callers_waiting, those ringing back after a call of ours they missed "
        "(the returning queue, taken first)"
    )
    longest_wait_s: int | None = Field(
        description="seconds the longest-waiting caller has waited; null if none"
    )
    next_opening: datetime | None = Field(description="local time with offset; null if not within 400 days")
    next_closing: datetime | None = Field(description="local time with offset; null if not within 400 days")
    min_agents: int = Field(description="agents needed while open (queue.min_agents)")
    staffing_alert: bool = Field(description="open with fewer agents logged in than min_agents")
    closure: ClosureOut | None = Field(
        default=None, description="the closure set by ops while it applies (it beats the hours); else null"
    )


@router.get(
    "/helpdesks",
    summary="Live state of every helpdesk",
    dependencies=[Depends(require_role("supervisor", "ops"))],
)
def helpdesks(rt: Annotated[Runtime[Any], Depends(runtime)]) -> list[HelpdeskNow]:
    config = rt.config
    now = rt.clock()
    central_open = config.central_schedule().is_open(now)
    try:
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
    except SQLAlchemyError:
        log.warning("database unreachable: no live state", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None
    answer = []
    for desk in config.helpdesks:
        schedule = config.schedule(desk)
        open_now = schedule.is_open(now)
        line, wait = lines[desk.id]
        outbound, returning = apart[desk.id]
        answer.append(
            HelpdeskNow(
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
                closure=ClosureOut.of(closed[desk.id], config) if desk.id in closed else None,
            )
        )
    return answer
