"""``GET /api/helpdesks``: the live state of every helpdesk, for supervisors and operations."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from api.auth import require_role
from api.closures import ClosureOut
from service.live import helpdesks_live
from service.runtime import Runtime, runtime

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
    staffing_reason: Literal["min_agents", "forecast"] | None = Field(
        default=None,
        description="why the helpdesk is short of agents now: min_agents (staffing_alert), else forecast "
        "while the staffing watch's alert of the forecast lasts and fewer agents are logged in than the "
        "forecast needs this hour; null when neither",
    )
    agents_required: int | None = Field(
        default=None,
        description="the agents needed for staffing_reason: min_agents, or the forecast's need this hour; "
        "null when staffing_reason is null",
    )


@router.get(
    "/helpdesks",
    summary="Live state of every helpdesk",
    dependencies=[Depends(require_role("supervisor", "ops"))],
)
def helpdesks(rt: Annotated[Runtime[Any], Depends(runtime)]) -> list[HelpdeskNow]:
    config = rt.config
    try:
        live = helpdesks_live(rt, rt.clock())
    except SQLAlchemyError:
        log.warning("database unreachable: no live state", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None
    return [
        HelpdeskNow(
            id=desk.id,
            name=desk.name,
            open_now=desk.open_now,
            central_open_now=desk.central_open_now,
            agents_logged_in=desk.agents_logged_in,
            agents_outbound=desk.agents_outbound,
            callers_waiting=desk.callers_waiting,
            callers_returning=desk.callers_returning,
            longest_wait_s=desk.longest_wait_s,
            next_opening=desk.next_opening,
            next_closing=desk.next_closing,
            min_agents=desk.min_agents,
            staffing_alert=desk.staffing_alert,
            closure=ClosureOut.of(desk.closure, config) if desk.closure is not None else None,
            staffing_reason=desk.staffing_reason.value if desk.staffing_reason is not None else None,
            agents_required=desk.agents_required,
        )
        for desk in live
    ]
