"""Escalated questions (playbook 1.3.2.2, 1.5.2, 1.2.3.3): supervisors and ops list them, listen
to the spoken question, see the number to call back (audited) and close them.

The citizen's number is masked everywhere but ``GET /api/escalations/{id}/contact``, which writes
who asked to the audit log. The recording is fetched from Twilio by the service and streamed: no
Twilio URL, account SID or credential reaches the client. Closing an escalation deletes its
recording at Twilio; when Twilio fails, the escalation closes anyway and the retention job
deletes the recording later.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from api.auth import SUPERVISION, Credentials, Rt
from api.closures import api_caller
from api.errors import ID_MAX, REFUSED, NoInputEcho, Refusal, not_found
from escalations import (
    CLOSED,
    MAX_NOTE,
    Change,
    ContactErasedError,
    EscalationClosedError,
    EscalationView,
    NoContactError,
    Priority,
    RecordingStatus,
    Source,
    Status,
    TransitionRefusedError,
    UnknownEscalationError,
    escalation,
    escalations,
    recording_sid,
    reveal_contact,
    update_escalation,
)
from service.recordings import Recordings, delete_closed_recording, recording_response

log = logging.getLogger("ivr.escalations")
router = APIRouter(prefix="/api/escalations", tags=["escalations"], route_class=NoInputEcho)
EscalationId = Annotated[int, Path(ge=1, le=ID_MAX, description="the escalation's id")]
NOT_FOUND: Final = not_found("no such escalation")


async def recordings(request: Request) -> Recordings:
    """The app's Twilio recordings (a coroutine: FastAPI would run a plain function in a thread)."""
    value: Recordings = request.app.state.recordings
    return value


TwilioRecordings = Annotated[Recordings, Depends(recordings)]


class EscalationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status | None = Field(
        default=None,
        description="in_progress (taken), answered (the citizen was called back) or forwarded (passed on); "
        "answered and forwarded close it and delete its recording at Twilio; omitted: unchanged",
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NOTE,
        description="what was done or found; replaces the previous note; omitted: unchanged",
    )


class EscalationOut(BaseModel):
    id: int = Field(description="the escalation's id")
    helpdesk: str = Field(description="the helpdesk (vaccination centre) the question is for")
    priority: Priority = Field(
        description="normal (an agent's question) or urgent (from the central helpdesk)"
    )
    source: Source = Field(description="agent (after a conversation) or central (on the escalation number)")
    agent: str | None = Field(description="the code of the agent who escalated; null for central's questions")
    call_sid: str | None = Field(
        description="the citizen's call it came from, as in GET /api/calls; null for central's questions"
    )
    contact_masked: str | None = Field(
        description="the number to call back, masked (GET /api/escalations/{id}/contact gives it in full); "
        "for an urgent question the number central called from; null when unknown"
    )
    recording_status: RecordingStatus = Field(
        description="pending (Twilio is still processing it), completed, absent (nothing was said), failed, "
        "or deleted (at Twilio, once the escalation closed)"
    )
    recording_duration_s: int | None = Field(
        description="the recording's length in seconds; null until known"
    )
    recording_available: bool = Field(
        description="whether GET /api/escalations/{id}/recording can give the question (pending or completed)"
    )
    status: Status = Field(description="open, in_progress, answered or forwarded (the last two are closed)")
    note: str | None = Field(description="the supervisors' note")
    created_at: dt.datetime = Field(description="when the question was stored (local time with offset)")
    updated_at: dt.datetime = Field(description="the last change (local time with offset)")
    updated_by: str | None = Field(
        description="who made the last change: api:<role>#<n>, the token's place in IVR_API_TOKENS; null "
        "before any"
    )
    closed_at: dt.datetime | None = Field(
        description="when it was answered or forwarded; retention runs from here"
    )
    recording_deleted_at: dt.datetime | None = Field(
        description="when Twilio deleted the recording; null before (a failed deletion is retried)"
    )
    erased_at: dt.datetime | None = Field(
        description="when the number to call back was erased after retention; null before"
    )

    @classmethod
    def of(cls, found: EscalationView, zone: dt.tzinfo) -> EscalationOut:
        def local(value: dt.datetime | None) -> dt.datetime | None:
            return value.astimezone(zone) if value is not None else None

        return cls(
            id=found.id,
            helpdesk=found.helpdesk_id,
            priority=found.priority,
            source=found.source,
            agent=found.agent,
            call_sid=found.call_sid,
            contact_masked=found.contact_masked,
            recording_status=found.recording_status,
            recording_duration_s=found.recording_duration_s,
            recording_available=found.audible,
            status=found.status,
            note=found.note,
            created_at=found.created_at.astimezone(zone),
            updated_at=found.updated_at.astimezone(zone),
            updated_by=found.updated_by,
            closed_at=local(found.closed_at),
            recording_deleted_at=local(found.recording_deleted_at),
            erased_at=local(found.erased_at),
        )


class ContactOut(BaseModel):
    id: int = Field(description="the escalation's id")
    contact: str = Field(
        description="the number to call back in full (E.164); this request is in the audit log"
    )


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: escalations not read or changed", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


def _unknown(escalation_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no escalation {escalation_id}")


@router.get(
    "",
    summary="The escalations: open and in_progress first (urgent, then the longest waiting), then the "
    "closed ones, the latest closed first",
    dependencies=SUPERVISION,
    responses=REFUSED,
)
def listing(
    rt: Rt,
    helpdesk: Annotated[str | None, Query(max_length=40, description="only this helpdesk")] = None,
    status: Annotated[
        Status | None, Query(description="only open, in_progress, answered or forwarded ones")
    ] = None,
) -> list[EscalationOut]:
    if helpdesk is not None and rt.config.helpdesk(helpdesk) is None:
        raise HTTPException(status_code=422, detail=f"unknown helpdesk {helpdesk!r}")
    try:
        with rt.sessions() as session:
            found = escalations(session, helpdesk_id=helpdesk, status=status)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return [EscalationOut.of(item, rt.config.zone) for item in found]


@router.get(
    "/{escalation_id}",
    summary="One escalation (the number masked)",
    dependencies=SUPERVISION,
    responses={**REFUSED, **NOT_FOUND},
)
def one(rt: Rt, escalation_id: EscalationId) -> EscalationOut:
    try:
        with rt.sessions() as session:
            found = escalation(session, escalation_id)
    except UnknownEscalationError:
        raise _unknown(escalation_id) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return EscalationOut.of(found, rt.config.zone)


@router.patch(
    "/{escalation_id}",
    summary="Take, note or close an escalation; closing deletes its recording at Twilio",
    dependencies=SUPERVISION,
    responses={
        **REFUSED,
        **NOT_FOUND,
        409: {
            "model": Refusal,
            "description": "the escalation was answered or forwarded, or cannot go back to open",
        },
    },
)
def handle(
    rt: Rt,
    twilio: TwilioRecordings,
    escalation_id: EscalationId,
    body: EscalationChange,
    credentials: Credentials,
) -> EscalationOut:
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            changed = update_escalation(
                session, escalation_id, Change(status=body.status, note=body.note), now=rt.clock(), who=who
            )
    except UnknownEscalationError:
        raise _unknown(escalation_id) from None
    except (EscalationClosedError, TransitionRefusedError) as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info(
        "escalation handled",
        extra={
            "helpdesk": changed.helpdesk_id,
            "escalation": changed.id,
            "status": changed.status.value,
            "who": who,
        },
    )
    if changed.status in CLOSED:
        try:
            if delete_closed_recording(rt, twilio, escalation_id):
                with rt.sessions() as session:
                    changed = escalation(session, escalation_id)
        except SQLAlchemyError:
            # Closed and committed; the retention job deletes the recording.
            log.warning("recording deletion not recorded; retried by the retention job", exc_info=True)
    return EscalationOut.of(changed, rt.config.zone)


@router.get(
    "/{escalation_id}/contact",
    summary="The number to call back in full; who asked is written to the audit log",
    dependencies=SUPERVISION,
    responses={
        **REFUSED,
        404: {"model": Refusal, "description": "no such escalation, or it never had a number"},
        410: {"model": Refusal, "description": "the number was erased after retention"},
    },
)
def contact(rt: Rt, escalation_id: EscalationId, credentials: Credentials) -> ContactOut:
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            number = reveal_contact(session, escalation_id, now=rt.clock(), who=who)
    except UnknownEscalationError:
        raise _unknown(escalation_id) from None
    except NoContactError:
        raise HTTPException(
            status_code=404, detail=f"escalation {escalation_id} has no number to call back"
        ) from None
    except ContactErasedError:
        raise HTTPException(
            status_code=410, detail=f"the number of escalation {escalation_id} was erased after retention"
        ) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("escalation contact revealed", extra={"escalation": escalation_id, "who": who})
    return ContactOut(id=escalation_id, contact=number)


@router.get(
    "/{escalation_id}/recording",
    summary="The spoken question, fetched from Twilio by the service and streamed (never a Twilio URL)",
    dependencies=SUPERVISION,
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"audio/x-wav": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the recording as Twilio gives it (WAV); not to be cached",
        },
        **REFUSED,
        404: {
            "model": Refusal,
            "description": "no such escalation, or no recording: none yet, none made, or deleted on closing",
        },
        502: {"model": Refusal, "description": "Twilio could not be reached or refused"},
        503: {"model": Refusal, "description": "Twilio is not configured, or the database is unreachable"},
    },
)
def recording(rt: Rt, twilio: TwilioRecordings, escalation_id: EscalationId) -> StreamingResponse:
    try:
        with rt.sessions() as session:
            sid = recording_sid(session, escalation_id)
    except UnknownEscalationError:
        raise _unknown(escalation_id) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return recording_response(twilio, sid, escalation_id, f"escalation-{escalation_id}.wav")
