"""Health, readiness, hold music and the small ops API (presence until the agent line exists)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from agents import PresenceStatus, set_presence
from calls import line_state
from database import ping
from ivr.media import MAX_SLICE_SECONDS
from ivr.runtime import Runtime, runtime

router = APIRouter()
Rt = Annotated[Runtime, Depends(runtime)]
bearer = HTTPBearer(auto_error=False)


def require_ops(rt: Rt, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """401 without a valid token, 403 for a token of another role."""
    role = rt.settings.ivr_api_tokens.role_of(credentials.credentials) if credentials else None
    if role is None:
        raise HTTPException(
            status_code=401, detail="missing or invalid token", headers={"WWW-Authenticate": "Bearer"}
        )
    if role != "ops":
        raise HTTPException(status_code=403, detail="this needs the ops role")


@router.get("/health", tags=["health"], summary="The process is alive")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", tags=["health"], summary="Config loaded and database reachable")
async def ready(rt: Rt, response: Response) -> dict[str, object]:
    database = await run_in_threadpool(ping, rt.engine)
    if not database:
        response.status_code = 503
    return {"config": "loaded", "database": "reachable" if database else "unreachable"}


@router.get(
    "/media/hold/{helpdesk_id}.wav",
    tags=["media"],
    summary="Hold music cut to length",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}},
)
def hold_music(
    rt: Rt,
    helpdesk_id: str,
    start: Annotated[int, Query(ge=0, le=86_400)] = 0,
    seconds: Annotated[int, Query(ge=1, le=MAX_SLICE_SECONDS)] = 60,
) -> Response:
    track = rt.renderer.hold_music.tracks.get(helpdesk_id)
    if track is None:
        raise HTTPException(status_code=404, detail="no hold music for this helpdesk")
    # Same URL, same bytes: let Twilio's media cache keep it.
    return Response(
        content=track.slice(start, seconds),
        media_type="audio/wav",
        headers={"Cache-Control": "public, max-age=86400"},
    )


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["available", "break", "offline"]


class LineOut(BaseModel):
    helpdesk: str
    agents_logged_in: int
    callers_waiting: int


@router.put(
    "/api/presence/{helpdesk_id}/{agent}",
    tags=["ops"],
    summary="Set an agent's presence (available, break, offline)",
    dependencies=[Depends(require_ops)],
)
def put_presence(rt: Rt, helpdesk_id: str, agent: str, body: PresenceIn) -> LineOut:
    if rt.config.helpdesk(helpdesk_id) is None:
        raise HTTPException(status_code=404, detail=f"unknown helpdesk {helpdesk_id!r}")
    if not 1 <= len(agent) <= 80:
        raise HTTPException(status_code=422, detail="agent name must be 1 to 80 characters")
    with rt.session() as session:
        set_presence(session, helpdesk_id, agent, PresenceStatus(body.status), rt.clock())
        agents, waiting = line_state(session, helpdesk_id)
    return LineOut(helpdesk=helpdesk_id, agents_logged_in=agents, callers_waiting=waiting)
