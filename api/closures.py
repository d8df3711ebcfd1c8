"""Close a helpdesk at once, and reopen it: operations staff, for an incident at a centre.

``POST /api/helpdesks/{id}/closure`` closes it (until a local time, or until reopened), ``DELETE``
reopens it; supervisors may read the closure and the audit log. Every change is written to
``closure_audit`` with who made it: the API token's role and its place in ``IVR_API_TOKENS``
(never the token itself).
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from api.auth import Credentials, require_role
from api.errors import REFUSED
from calls import AuditEntry, ClosureState, closure_audit, closures
from config import Helpdesk, HelpdeskConfig
from service.actions import ClosureRefusedError, close_now, reopen_now
from service.runtime import Runtime, runtime

log = logging.getLogger("ivr.closures")
router = APIRouter(prefix="/api", tags=["operations"])
Rt = Annotated[Runtime[Any], Depends(runtime)]
OPS = [Depends(require_role("ops"))]
SUPERVISION = [Depends(require_role("supervisor", "ops"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown helpdesk, or (read, reopen) not closed"}
}


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(description="why, for the audit log and the live state (1 to 200 characters)")
    until: str | None = Field(
        default=None,
        description='local time: "14:00" (today) or "2026-12-15T14:00", in the future; null: until reopened',
    )
    message: str | None = Field(
        default=None,
        description="replaces the closing message while closed; the closing message's placeholders",
    )


class ClosureOut(BaseModel):
    helpdesk: str
    reason: str
    until: datetime | None = Field(description="local time with offset; null: until reopened")
    message: str | None
    closed_at: datetime
    closed_by: str

    @classmethod
    def of(cls, state: ClosureState, config: HelpdeskConfig) -> ClosureOut:
        closure = state.closure
        return cls(
            helpdesk=state.helpdesk_id,
            reason=closure.reason,
            until=closure.until.astimezone(config.zone) if closure.until is not None else None,
            message=closure.message,
            closed_at=state.closed_at.astimezone(config.zone),
            closed_by=state.closed_by,
        )


class AuditOut(BaseModel):
    at: datetime
    helpdesk: str
    action: str = Field(description="close, reopen, or expired")
    until: datetime | None
    reason: str | None
    message: str | None
    who: str

    @classmethod
    def of(cls, entry: AuditEntry, config: HelpdeskConfig) -> AuditOut:
        return cls(
            at=entry.at.astimezone(config.zone),
            helpdesk=entry.helpdesk_id,
            action=entry.action,
            until=entry.until.astimezone(config.zone) if entry.until is not None else None,
            reason=entry.reason,
            message=entry.message,
            who=entry.who,
        )


def api_caller(rt: Runtime[Any], credentials: HTTPAuthorizationCredentials | None) -> str:
    """Who called, for the audit log: ``api:<role>#<n>``, the token's place in ``IVR_API_TOKENS``."""
    presented = credentials.credentials.encode() if credentials is not None else b""
    found = "api:unknown"
    for number, (role, secret) in enumerate(rt.settings.ivr_api_tokens.tokens, start=1):
        # Every token compared in constant time, as require_role does.
        if hmac.compare_digest(presented, secret.get_secret_value().encode()):
            found = f"api:{role}#{number}"
    return found


def _desk(rt: Runtime[Any], helpdesk_id: str) -> Helpdesk:
    desk = rt.config.helpdesk(helpdesk_id)
    if desk is None:
        raise HTTPException(status_code=404, detail=f"unknown helpdesk {helpdesk_id!r}")
    return desk


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: closure not read or changed", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


@router.post(
    "/helpdesks/{helpdesk_id}/closure",
    summary="Close a helpdesk now (until a local time, or until reopened)",
    status_code=201,
    dependencies=OPS,
    responses={**REFUSED, **NOT_FOUND},
)
def close(helpdesk_id: str, body: ClosureIn, rt: Rt, credentials: Credentials) -> ClosureOut:
    desk = _desk(rt, helpdesk_id)
    try:
        state = close_now(
            rt,
            desk.id,
            reason=body.reason,
            until=body.until,
            message=body.message,
            who=api_caller(rt, credentials),
        )
    except ClosureRefusedError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return ClosureOut.of(state, rt.config)


@router.delete(
    "/helpdesks/{helpdesk_id}/closure",
    summary="Reopen a helpdesk closed by ops",
    status_code=204,
    dependencies=OPS,
    responses=NOT_FOUND,
)
def reopen(helpdesk_id: str, rt: Rt, credentials: Credentials) -> Response:
    desk = _desk(rt, helpdesk_id)
    try:
        reopened = reopen_now(rt, desk.id, who=api_caller(rt, credentials))
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if not reopened:
        raise HTTPException(status_code=404, detail=f"helpdesk {desk.id!r} is not closed")
    return Response(status_code=204)


@router.get(
    "/helpdesks/{helpdesk_id}/closure",
    summary="The closure of a helpdesk, while it applies",
    dependencies=SUPERVISION,
    responses=NOT_FOUND,
)
def closure(helpdesk_id: str, rt: Rt) -> ClosureOut:
    desk = _desk(rt, helpdesk_id)
    now = rt.clock()
    try:
        with rt.sessions() as session:
            state = closures(session).get(desk.id)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if state is None or not state.closure.applies(now):
        raise HTTPException(status_code=404, detail=f"helpdesk {desk.id!r} is not closed")
    return ClosureOut.of(state, rt.config)


@router.get(
    "/closures/audit",
    summary="Every close and reopen, newest first, with who did it",
    dependencies=SUPERVISION,
)
def audit(
    rt: Rt,
    helpdesk: Annotated[str | None, Query(description="only this helpdesk")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    try:
        with rt.sessions() as session:
            entries = closure_audit(session, helpdesk, limit)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return [AuditOut.of(entry, rt.config) for entry in entries]
