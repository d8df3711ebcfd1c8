"""The call lists API (playbook 1.5.2): ops import a helpdesk's list of people to call, close it and
put the people who were not reached back in line; supervisors follow each list's progress and
figures and export it.

``POST /api/call-lists`` takes JSON, or CSV (``Content-Type: text/csv``) with the list's fields as
query parameters. A list with any bad row is refused whole (422), each bad row named. Numbers are
personal data: no answer, export, error or log line carries one in clear, only masked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from api.auth import Credentials, require_role
from api.call_list_schemas import (
    LIST_BODY,
    CallListDetailOut,
    CallListIn,
    CallListOut,
    CreatedOut,
    EntryOut,
    FiguresOut,
    ListRefusal,
    RetriedOut,
    RowProblemOut,
    summary_fields,
)
from api.closures import api_caller
from api.errors import InvalidRequest, Refusal
from calllog import Cell, to_csv
from outbound import (
    MAX_LABEL,
    MAX_PEOPLE,
    ListClosedError,
    ListRefusedError,
    ListState,
    NewList,
    Purpose,
    Row,
    UnknownListError,
    close_list,
    create_list,
    list_detail,
    list_figures,
    list_summaries,
    list_summary,
    read_csv,
    retry_unreached,
)
from service.runtime import Runtime, runtime

log = logging.getLogger("ivr.call_lists")
router = APIRouter(prefix="/api", tags=["call lists"])
Rt = Annotated[Runtime[Any], Depends(runtime)]
OPS = [Depends(require_role("ops"))]
SUPERVISION = [Depends(require_role("supervisor", "ops"))]

# 5,000 people with a 40-character reference each fit about 5 times over.
MAX_BODY: Final = 2 * 1024 * 1024
CSV_TYPE: Final = "text/csv; charset=utf-8"
LIST_ID_MAX: Final = 2**31 - 1
ListId = Annotated[int, Path(ge=1, le=LIST_ID_MAX, description="the list's id")]
REFUSED_LIST: Final[dict[int | str, dict[str, Any]]] = {
    422: {
        "model": InvalidRequest | ListRefusal,
        "description": "A malformed parameter (a list), or a list refused whole with every problem",
    },
    413: {"model": Refusal, "description": f"a body over {MAX_BODY // (1024 * 1024)} MiB"},
}
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {404: {"model": Refusal, "description": "no such list"}}
CLOSED: Final[dict[int | str, dict[str, Any]]] = {
    409: {"model": Refusal, "description": "the list is closed (filled, or by ops)"}
}


@dataclass(frozen=True, slots=True)
class Upload:
    kind: Literal["json", "csv"]
    data: bytes


async def upload(request: Request) -> Upload:
    """The request body, JSON or CSV by its ``Content-Type``, refused past ``MAX_BODY``."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/csv":
        kind: Literal["json", "csv"] = "csv"
    elif media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        kind = "json"
    else:
        raise HTTPException(
            status_code=422,
            detail="send the list as JSON (Content-Type: application/json) or CSV (Content-Type: text/csv)",
        )
    too_large = HTTPException(status_code=413, detail=f"the body is over {MAX_BODY // (1024 * 1024)} MiB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large
        chunks.append(chunk)
    return Upload(kind=kind, data=b"".join(chunks))


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: call list not read or changed", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


def _new_list(
    body: Upload, helpdesk: str | None, purpose: Purpose | None, label: str | None, slots: int | None
) -> NewList:
    given = {"helpdesk": helpdesk, "purpose": purpose, "label": label, "slots": slots}
    if body.kind == "json":
        if any(value is not None for value in given.values()):
            raise HTTPException(
                status_code=422,
                detail="give helpdesk, purpose, label and slots in the JSON body; the query parameters are "
                "for text/csv",
            )
        try:
            parsed = CallListIn.model_validate_json(body.data)
        except ValidationError as exc:
            # Without the input: it may hold a phone number.
            errors = [
                {**error, "loc": ("body", *error["loc"])}
                for error in exc.errors(include_url=False, include_input=False, include_context=False)
            ]
            raise RequestValidationError(errors) from None
        rows = [Row(index, person.number, person.reference) for index, person in enumerate(parsed.people, 1)]
        return NewList(parsed.helpdesk, parsed.purpose.value, parsed.label, parsed.slots, rows)
    if helpdesk is None or purpose is None or label is None:
        missing = [name for name in ("helpdesk", "purpose", "label") if given[name] is None]
        raise RequestValidationError(
            [{"type": "missing", "loc": ("query", name), "msg": "Field required"} for name in missing]
        )
    return NewList(helpdesk, purpose.value, label, slots, read_csv(body.data))


def _refused(refused: ListRefusedError) -> JSONResponse:
    body = ListRefusal(
        detail=f"nothing imported: {refused}",
        rows=[RowProblemOut(row=problem.row, problem=problem.problem) for problem in refused.rows],
    )
    return JSONResponse(status_code=422, content=body.model_dump())


@router.post(
    "/call-lists",
    summary="Import a list of people to call for a helpdesk (JSON, or CSV with the fields as query)",
    status_code=201,
    dependencies=OPS,
    response_model=CreatedOut,
    responses={**REFUSED_LIST},
    openapi_extra=LIST_BODY,
)
def create(
    rt: Rt,
    credentials: Credentials,
    body: Annotated[Upload, Depends(upload)],
    helpdesk: Annotated[
        str | None, Query(max_length=40, description="text/csv only: the helpdesk's id")
    ] = None,
    purpose: Annotated[Purpose | None, Query(description="text/csv only")] = None,
    label: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_LABEL, description="text/csv only: spoken to the agent"),
    ] = None,
    slots: Annotated[
        int | None, Query(ge=1, le=MAX_PEOPLE, description="text/csv only: acceptances that fill the list")
    ] = None,
) -> CreatedOut | JSONResponse:
    config = rt.config
    who = api_caller(rt, credentials)
    try:
        new = _new_list(body, helpdesk, purpose, label, slots)
        with rt.session() as session:
            created = create_list(
                session,
                new,
                helpdesks=[desk.id for desk in config.helpdesks],
                key=rt.caller_key,
                now=rt.clock(),
                created_by=who,
            )
    except ListRefusedError as refused:
        return _refused(refused)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    summary = created.summary
    log.info(
        "call list imported",
        extra={
            "list": summary.id,
            "helpdesk": summary.helpdesk_id,
            "people": summary.progress.people,
            "skipped_do_not_call": created.skipped_do_not_call,
            "who": who,
        },
    )
    return CreatedOut(**summary_fields(summary, config.zone), skipped_do_not_call=created.skipped_do_not_call)


@router.get(
    "/call-lists",
    summary="The call lists: open ones first in the order they are called, then closed ones, newest first",
    dependencies=SUPERVISION,
    responses={404: {"model": Refusal, "description": "unknown helpdesk"}},
)
def lists(
    rt: Rt,
    helpdesk: Annotated[str | None, Query(max_length=40, description="only this helpdesk's lists")] = None,
    state: Annotated[ListState | None, Query(description="only open or only closed lists")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CallListOut]:
    config = rt.config
    if helpdesk is not None and config.helpdesk(helpdesk) is None:
        raise HTTPException(status_code=404, detail=f"unknown helpdesk {helpdesk!r}")
    try:
        with rt.sessions() as session:
            found = list_summaries(session, helpdesk, state, limit)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return [CallListOut.of(summary, config.zone) for summary in found]


@router.get(
    "/call-lists/{list_id}",
    summary="A call list: its progress, its figures and every person on it (numbers masked)",
    dependencies=SUPERVISION,
    responses=NOT_FOUND,
)
def call_list(rt: Rt, list_id: ListId) -> CallListDetailOut:
    zone = rt.config.zone
    try:
        with rt.sessions() as session:
            detail = list_detail(session, list_id)
            figures = list_figures(session, list_id) if detail is not None else None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if detail is None or figures is None:
        raise _not_found(list_id)
    return CallListDetailOut(
        **summary_fields(detail.summary, zone),
        figures=FiguresOut.of(figures),
        entries=[EntryOut.of(entry, zone) for entry in detail.entries],
    )


@router.post(
    "/call-lists/{list_id}/close",
    summary="Close a list: nobody on it is called any more",
    dependencies=OPS,
    responses={**NOT_FOUND, **CLOSED},
)
def close(rt: Rt, list_id: ListId, credentials: Credentials) -> CallListOut:
    zone = rt.config.zone
    try:
        with rt.session() as session:
            summary = close_list(session, list_id, rt.clock())
    except UnknownListError:
        raise _not_found(list_id) from None
    except ListClosedError as exc:
        raise HTTPException(status_code=409, detail=exc.describe(zone)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("call list closed by ops", extra={"list": list_id, "who": api_caller(rt, credentials)})
    return CallListOut.of(summary, zone)


@router.post(
    "/call-lists/{list_id}/retry-unreached",
    summary="Put the people not reached (no answer, busy, failed, voicemail) back in line",
    dependencies=OPS,
    responses={**NOT_FOUND, **CLOSED},
)
def retry(rt: Rt, list_id: ListId, credentials: Credentials) -> RetriedOut:
    zone = rt.config.zone
    try:
        with rt.session() as session:
            requeued = retry_unreached(session, list_id, rt.clock())
            summary = list_summary(session, list_id)
    except UnknownListError:
        raise _not_found(list_id) from None
    except ListClosedError as exc:
        raise HTTPException(status_code=409, detail=exc.describe(zone)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if summary is None:
        raise _not_found(list_id)
    log.info(
        "call list: unreached people back in line",
        extra={"list": list_id, "requeued": requeued, "who": api_caller(rt, credentials)},
    )
    return RetriedOut(**summary_fields(summary, zone), requeued=requeued)


EXPORT_COLUMNS: Final = ("position", "reference", "state", "outcome", "attempts", "last_call_at")


@router.get(
    "/call-lists/{list_id}/export.csv",
    summary="A call list as CSV, without personal data: position, reference, state, outcome, attempts, "
    "last call",
    dependencies=SUPERVISION,
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "RFC 4180 CSV"},
        **NOT_FOUND,
    },
)
def export(rt: Rt, list_id: ListId) -> Response:
    zone = rt.config.zone
    try:
        with rt.sessions() as session:
            detail = list_detail(session, list_id)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    if detail is None:
        raise _not_found(list_id)
    rows: list[dict[str, Cell]] = [
        {
            "position": entry.position,
            "reference": entry.reference,
            "state": entry.state,
            "outcome": entry.outcome,
            "attempts": entry.attempts,
            "last_call_at": entry.last_call_at.astimezone(zone).isoformat() if entry.last_call_at else None,
        }
        for entry in detail.entries
    ]
    return Response(
        content=to_csv(EXPORT_COLUMNS, rows),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="call-list-{list_id}.csv"'},
    )


def _not_found(list_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no call list {list_id}")
