"""The complaints register (playbook 1.4.3.3): supervisors and ops register complaints, handle them
within 45 calendar days, draft the final answer and export the quarter for the Flemish government.

The complainant's name, contact details and the description are personal data: they appear only in
the answers about one complaint or the list, never in the quarterly export, an error or a log line.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from api.auth import SUPERVISION, Credentials, Rt
from api.closures import api_caller
from api.errors import ID_MAX, REFUSED, NoInputEcho, Refusal, not_found
from complaints import (
    MAX_CONTACT,
    MAX_NAME,
    MAX_TEXT,
    Category,
    Change,
    Channel,
    ComplaintClosedError,
    ComplaintRefusedError,
    ComplaintView,
    NewComplaint,
    Outcome,
    Scope,
    Status,
    UnknownComplaintError,
    answer_letter,
    complaint,
    complaints,
    create_complaint,
    export_csv,
    parse_quarter,
    quarter_complaints,
    update_complaint,
)
from service.runtime import Runtime

log = logging.getLogger("ivr.complaints")


router = APIRouter(prefix="/api/complaints", tags=["complaints"], route_class=NoInputEcho)
ComplaintId = Annotated[int, Path(ge=1, le=ID_MAX, description="the complaint's id")]
NOT_FOUND: Final = not_found("no such complaint")
CLOSED: Final[dict[int | str, dict[str, Any]]] = {
    409: {"model": Refusal, "description": "the complaint was answered or forwarded: it changes no more"}
}


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helpdesk: str = Field(max_length=40, description="the helpdesk (vaccination centre) that registers it")
    received_on: dt.date = Field(
        description="the day the complaint was received (local date), not in the future"
    )
    channel: Channel = Field(
        description="how it came in: phone, email, desk (the centre's reception) or central_helpdesk "
        "(not letter)"
    )
    name: str = Field(min_length=1, max_length=MAX_NAME, description="the complainant's name (personal data)")
    contact: str = Field(
        min_length=1,
        max_length=MAX_CONTACT,
        description="the complainant's contact details: phone, e-mail or address (personal data)",
    )
    description: str = Field(min_length=1, max_length=MAX_TEXT, description="the complaint (personal data)")
    category: Category = Field(
        description="too_few_slots, too_many_invited, organisation (queues, corona measures …), "
        "staff_attitude, wrong_information, or other"
    )
    scope: Scope = Field(
        description="local: about the centre's own work; central: about the central services (invitation "
        "lists, the booking tool, the central helpdesk or 1700), forwarded to the Flemish level at once"
    )


class ComplaintChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    investigation: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="what was investigated; omitted: unchanged",
    )
    actions: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="the actions taken, quoted in the draft answer; omitted: unchanged",
    )
    outcome: Outcome | None = Field(default=None, description="founded, partly_founded or unfounded")
    answered_on: dt.date | None = Field(
        default=None,
        description="the day of the final answer (not before received_on, not in the future): closes the "
        "complaint; needs the outcome and answer_channel, now or before",
    )
    answer_channel: Channel | None = Field(
        default=None, description="how the final answer went: phone, email or letter"
    )


class ComplaintOut(BaseModel):
    id: int = Field(description="the complaint's id (its number in the register)")
    helpdesk: str = Field(description="the helpdesk that registered it")
    received_on: dt.date = Field(description="the day it was received")
    channel: Channel = Field(description="how it came in")
    name: str | None = Field(description="the complainant's name; null once erased after retention")
    contact: str | None = Field(description="the complainant's contact details; null once erased")
    description: str | None = Field(description="the complaint; null once erased")
    category: Category = Field(description="what it is about")
    scope: Scope = Field(description="local (the centre's work) or central (the central services)")
    status: Status = Field(
        description="open; answered (final answer given); forwarded (central services: sent to the "
        "Flemish level)"
    )
    forwarded_to: str | None = Field(
        description="where a central-services complaint was sent; null for local ones"
    )
    investigation: str | None = Field(description="what was investigated")
    actions: str | None = Field(description="the actions taken")
    outcome: Outcome | None = Field(description="founded, partly_founded or unfounded; null until decided")
    answered_on: dt.date | None = Field(description="the day of the final answer; null while open")
    answer_channel: Channel | None = Field(description="how the final answer went")
    deadline: dt.date = Field(description="the last day for the final answer: received_on + 45 calendar days")
    overdue: bool = Field(description="open with the deadline within 7 days or past")
    days_to_answer: int | None = Field(description="calendar days from receipt to the final answer")
    within_deadline: bool | None = Field(
        description="answered within 45 days; false for an open one past its deadline; else null"
    )
    created_at: dt.datetime = Field(description="when it was registered (local time with offset)")
    created_by: str = Field(
        description="who registered it: api:<role>#<n>, the token's place in IVR_API_TOKENS"
    )
    updated_at: dt.datetime = Field(description="the last change (local time with offset)")
    updated_by: str = Field(description="who made the last change")
    closed_at: dt.datetime | None = Field(
        description="when it was answered or forwarded; retention runs from here"
    )
    erased_at: dt.datetime | None = Field(description="when the personal data were erased; null before")

    @classmethod
    def of(cls, found: ComplaintView, zone: dt.tzinfo) -> ComplaintOut:
        def local(value: dt.datetime | None) -> dt.datetime | None:
            return value.astimezone(zone) if value is not None else None

        return cls(
            id=found.id,
            helpdesk=found.helpdesk_id,
            received_on=found.received_on,
            channel=found.channel,
            name=found.name,
            contact=found.contact,
            description=found.description,
            category=found.category,
            scope=found.scope,
            status=found.status,
            forwarded_to=found.forwarded_to,
            investigation=found.investigation,
            actions=found.actions,
            outcome=found.outcome,
            answered_on=found.answered_on,
            answer_channel=found.answer_channel,
            deadline=found.deadline,
            overdue=found.overdue,
            days_to_answer=found.days_to_answer,
            within_deadline=found.within_deadline,
            created_at=found.created_at.astimezone(zone),
            created_by=found.created_by,
            updated_at=found.updated_at.astimezone(zone),
            updated_by=found.updated_by,
            closed_at=local(found.closed_at),
            erased_at=local(found.erased_at),
        )


def _today(rt: Runtime[Any]) -> tuple[dt.datetime, dt.date]:
    now = rt.clock()
    return now, now.astimezone(rt.config.zone).date()


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: complaints not read or changed", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


def _known_helpdesk(rt: Runtime[Any], helpdesk_id: str) -> None:
    if rt.config.helpdesk(helpdesk_id) is None:
        raise HTTPException(status_code=422, detail=f"unknown helpdesk {helpdesk_id!r}")


@router.post(
    "",
    summary="Register a complaint (central-services ones are forwarded to the Flemish level)",
    status_code=201,
    dependencies=SUPERVISION,
    responses=REFUSED,
)
def register(body: ComplaintIn, rt: Rt, credentials: Credentials) -> ComplaintOut:
    _known_helpdesk(rt, body.helpdesk)
    now, today = _today(rt)
    new = NewComplaint(
        helpdesk_id=body.helpdesk,
        received_on=body.received_on,
        channel=body.channel,
        name=body.name,
        contact=body.contact,
        description=body.description,
        category=body.category,
        scope=body.scope,
    )
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            created = create_complaint(session, new, now=now, today=today, who=who)
    except ComplaintRefusedError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info(
        "complaint registered",
        extra={
            "helpdesk": created.helpdesk_id,
            "complaint": created.id,
            "status": created.status.value,
            "who": who,
        },
    )
    return ComplaintOut.of(created, rt.config.zone)


@router.get(
    "",
    summary="The complaints, oldest received first; overdue=true: the open ones due within 7 days or late",
    dependencies=SUPERVISION,
    responses=REFUSED,
)
def listing(
    rt: Rt,
    helpdesk: Annotated[str | None, Query(max_length=40, description="only this helpdesk")] = None,
    status: Annotated[Status | None, Query(description="only open, answered or forwarded ones")] = None,
    overdue: Annotated[
        bool, Query(description="only open complaints whose deadline is within 7 days or past")
    ] = False,
) -> list[ComplaintOut]:
    if helpdesk is not None:
        _known_helpdesk(rt, helpdesk)
    _, today = _today(rt)
    try:
        with rt.sessions() as session:
            found = complaints(session, today, helpdesk_id=helpdesk, status=status, overdue=overdue)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return [ComplaintOut.of(item, rt.config.zone) for item in found]


@router.get(
    "/export",
    summary="The quarter's register for the Flemish government: CSV without personal data",
    dependencies=SUPERVISION,
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "RFC 4180 CSV: id, helpdesk, received_on, channel, category, local_or_central, "
            "outcome, answered_on, days_to_answer, within_deadline; one row per complaint received in the "
            "quarter, by receipt",
        },
        **REFUSED,
    },
)
def export(
    rt: Rt,
    quarter: Annotated[str, Query(max_length=6, description='the quarter of receipt, like "2026Q4"')],
) -> Response:
    try:
        parse_quarter(quarter)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"quarter: {exc}") from None
    _, today = _today(rt)
    try:
        with rt.sessions() as session:
            found = quarter_complaints(session, quarter, today)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return Response(
        content=export_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="complaints-{quarter}.csv"'},
    )


@router.get(
    "/{complaint_id}", summary="One complaint", dependencies=SUPERVISION, responses={**REFUSED, **NOT_FOUND}
)
def one(rt: Rt, complaint_id: ComplaintId) -> ComplaintOut:
    _, today = _today(rt)
    try:
        with rt.sessions() as session:
            found = complaint(session, complaint_id, today)
    except UnknownComplaintError:
        raise HTTPException(status_code=404, detail=f"no complaint {complaint_id}") from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return ComplaintOut.of(found, rt.config.zone)


@router.patch(
    "/{complaint_id}",
    summary="Record the investigation, actions, outcome and final answer of an open complaint",
    dependencies=SUPERVISION,
    responses={**REFUSED, **NOT_FOUND, **CLOSED},
)
def handle(
    rt: Rt, complaint_id: ComplaintId, body: ComplaintChange, credentials: Credentials
) -> ComplaintOut:
    now, today = _today(rt)
    change = Change(
        investigation=body.investigation,
        actions=body.actions,
        outcome=body.outcome,
        answered_on=body.answered_on,
        answer_channel=body.answer_channel,
    )
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            changed = update_complaint(session, complaint_id, change, now=now, today=today, who=who)
    except UnknownComplaintError:
        raise HTTPException(status_code=404, detail=f"no complaint {complaint_id}") from None
    except ComplaintClosedError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except ComplaintRefusedError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info(
        "complaint handled",
        extra={
            "helpdesk": changed.helpdesk_id,
            "complaint": changed.id,
            "status": changed.status.value,
            "who": who,
        },
    )
    return ComplaintOut.of(changed, rt.config.zone)


@router.get(
    "/{complaint_id}/answer-letter",
    summary="A Dutch draft of the final answer: the outcome, and where to go if not satisfied",
    dependencies=SUPERVISION,
    response_class=PlainTextResponse,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "the draft, plain text",
        },
        **REFUSED,
        **NOT_FOUND,
        409: {"model": Refusal, "description": "no outcome yet, or forwarded to the Flemish level"},
    },
)
def letter(rt: Rt, complaint_id: ComplaintId) -> PlainTextResponse:
    _, today = _today(rt)
    try:
        with rt.sessions() as session:
            found = complaint(session, complaint_id, today)
    except UnknownComplaintError:
        raise HTTPException(status_code=404, detail=f"no complaint {complaint_id}") from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if found.status is Status.FORWARDED:
        raise HTTPException(
            status_code=409, detail=f"complaint {complaint_id} was forwarded to the Flemish level"
        )
    if found.outcome is None:
        raise HTTPException(status_code=409, detail=f"complaint {complaint_id} has no outcome yet")
    desk = rt.config.helpdesk(found.helpdesk_id)
    centre = desk.name if desk is not None else found.helpdesk_id
    return PlainTextResponse(answer_letter(found, centre))
