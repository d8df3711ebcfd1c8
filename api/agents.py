"""The agents API: operations staff manage agents and their presence, supervisors follow them.

PINs come in (create, reset) and never go out: no response, log line or validation error
carries one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict

from agents import (
    Agent,
    AgentDataError,
    AgentState,
    DuplicateAgentError,
    PresenceStatus,
    UnknownAgentError,
    remove_agent,
)
from api.auth import require_role
from api.errors import REFUSED, NoInputEcho
from service.actions import AgentDisabledError, add_agent, allow_logins, change_presence, new_pin
from service.live import agents_live
from service.runtime import Runtime, runtime

log = logging.getLogger("ivr")


router = APIRouter(prefix="/api/agents", tags=["agents"], route_class=NoInputEcho)
Rt = Annotated[Runtime[Any], Depends(runtime)]
OPS = [Depends(require_role("ops"))]
SUPERVISION = [Depends(require_role("supervisor", "ops"))]


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helpdesk: str
    code: str
    name: str
    pin: str


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: str


class EnabledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["available", "break", "outbound", "offline"]


class AgentOut(BaseModel):
    helpdesk: str
    code: str
    name: str
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(
            helpdesk=agent.helpdesk_id,
            code=agent.code,
            name=agent.name,
            enabled=agent.enabled,
            created_at=agent.created_at,
        )


class AgentStateOut(BaseModel):
    helpdesk: str
    code: str
    name: str
    enabled: bool
    status: Literal["available", "break", "outbound", "offline"]
    since: datetime | None
    calls_taken_today: int
    on_call_now: bool

    @classmethod
    def of(cls, state: AgentState) -> AgentStateOut:
        return cls(
            helpdesk=state.helpdesk_id,
            code=state.code,
            name=state.name,
            enabled=state.enabled,
            status=state.status.value,
            since=state.since,
            calls_taken_today=state.calls_taken_today,
            on_call_now=state.on_call_now,
        )


class LineOut(BaseModel):
    helpdesk: str
    agents_logged_in: int
    callers_waiting: int


def _known_helpdesk(rt: Runtime[Any], helpdesk_id: str) -> None:
    if rt.config.helpdesk(helpdesk_id) is None:
        raise HTTPException(status_code=404, detail=f"unknown helpdesk {helpdesk_id!r}")


@contextmanager
def _as_http() -> Iterator[None]:
    try:
        yield
    except DuplicateAgentError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except UnknownAgentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except AgentDataError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.post("", status_code=201, summary="Add an agent to a helpdesk", dependencies=OPS, responses=REFUSED)
def post_agent(rt: Rt, body: AgentIn) -> AgentOut:
    _known_helpdesk(rt, body.helpdesk)
    with _as_http():
        agent = add_agent(rt, body.helpdesk, body.code, body.name, body.pin)
    return AgentOut.of(agent)


@router.get("", summary="Every agent with status and today's calls", dependencies=SUPERVISION)
def get_agents(
    rt: Rt, helpdesk: Annotated[str | None, Query(description="only this helpdesk")] = None
) -> list[AgentStateOut]:
    if helpdesk is not None:
        _known_helpdesk(rt, helpdesk)
    return [AgentStateOut.of(state) for state in agents_live(rt, helpdesk, rt.clock())]


@router.put(
    "/{helpdesk_id}/{code}/pin",
    status_code=204,
    response_class=Response,
    summary="Give an agent a new PIN",
    dependencies=OPS,
    responses=REFUSED,
)
def put_pin(rt: Rt, helpdesk_id: str, code: str, body: PinIn) -> None:
    _known_helpdesk(rt, helpdesk_id)
    with _as_http():
        new_pin(rt, helpdesk_id, code, body.pin)


@router.put(
    "/{helpdesk_id}/{code}/enabled",
    summary="Allow or refuse an agent's logins (refusing also takes the agent offline)",
    dependencies=OPS,
)
def put_enabled(rt: Rt, helpdesk_id: str, code: str, body: EnabledIn) -> AgentOut:
    _known_helpdesk(rt, helpdesk_id)
    with _as_http():
        agent = allow_logins(rt, helpdesk_id, code, body.enabled)
    return AgentOut.of(agent)


@router.delete(
    "/{helpdesk_id}/{code}",
    status_code=204,
    response_class=Response,
    summary="Remove an agent (also takes the agent offline)",
    dependencies=OPS,
)
def delete_agent(rt: Rt, helpdesk_id: str, code: str) -> None:
    _known_helpdesk(rt, helpdesk_id)
    with _as_http(), rt.session() as session:
        remove_agent(session, helpdesk_id, code, rt.clock())
    log.info("agent removed", extra={"helpdesk": helpdesk_id, "agent": code})
    rt.presence_changed(helpdesk_id)


@router.put(
    "/{helpdesk_id}/{code}/presence",
    summary="Set an agent available, on break or offline (agents on another client)",
    dependencies=OPS,
)
def put_presence(rt: Rt, helpdesk_id: str, code: str, body: PresenceIn) -> LineOut:
    _known_helpdesk(rt, helpdesk_id)
    try:
        line = change_presence(rt, helpdesk_id, code, PresenceStatus(body.status))
    except UnknownAgentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except AgentDisabledError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return LineOut(
        helpdesk=helpdesk_id, agents_logged_in=line.agents_logged_in, callers_waiting=line.callers_waiting
    )
