"""Info scripts for agents (playbook 1.3.1, 1.3.2.2): the questions citizens ask and the answer to
give. Ops and team leaders (the ops role) add, change and delete them; supervisors and ops read
and search them (Dutch full-text search, best match first). Agents read them in the console.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.auth import Credentials, require_role
from api.closures import api_caller
from api.errors import REFUSED, Refusal
from escalations import UnknownEscalationError, escalation
from infoscripts import (
    LIST_LIMIT,
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_TAG,
    MAX_TAGS,
    Draft,
    Entry,
    InfoScriptError,
    Source,
    UnknownInfoScriptError,
    add_entry,
    change_entry,
    delete_entry,
    entries,
    entry,
    search,
)
from service.runtime import Runtime, runtime

log = logging.getLogger("ivr.info_scripts")
router = APIRouter(prefix="/api/info-scripts", tags=["info scripts"])
Rt = Annotated[Runtime[Any], Depends(runtime)]
READERS = [Depends(require_role("supervisor", "ops"))]
KEEPERS = [Depends(require_role("ops"))]
ID_MAX: Final = 2**31 - 1
EntryId = Annotated[int, Path(ge=1, le=ID_MAX, description="the info script's id")]
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": Refusal, "description": "no such info script"}
}


class InfoScriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="the citizen's question")
    answer: str = Field(min_length=1, max_length=MAX_ANSWER, description="what the agent answers")
    tags: list[Annotated[str, Field(max_length=MAX_TAG)]] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="words that also find it (stored in lower case)",
    )
    helpdesk: str | None = Field(
        default=None, max_length=40, description="only for this helpdesk's agents; null: every helpdesk"
    )
    escalation: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        description="the escalation this answers (on adding only; ignored on a change)",
    )


class InfoScriptOut(BaseModel):
    id: int
    question: str
    answer: str
    tags: list[str]
    helpdesk: str | None = Field(description="null: for every helpdesk")
    source: Source = Field(description="playbook (the seed), escalation (from an answered one) or team")
    playbook_section: str | None = Field(description="the playbook's section, for the seed's entries")
    escalation: int | None = Field(description="the escalation it came from")
    created_at: dt.datetime = Field(description="local time with offset")
    created_by: str = Field(description="api:<role>#<n>, console:operations or seed:playbook")
    updated_at: dt.datetime
    updated_by: str
    rank: float | None = Field(
        default=None, description="with q: how well it matches (higher is better, within this answer only)"
    )

    @classmethod
    def of(cls, found: Entry, zone: dt.tzinfo, rank: float | None = None) -> InfoScriptOut:
        return cls(
            id=found.id,
            question=found.question,
            answer=found.answer,
            tags=list(found.tags),
            helpdesk=found.helpdesk_id,
            source=found.source,
            playbook_section=found.playbook_section,
            escalation=found.escalation_id,
            created_at=found.created_at.astimezone(zone),
            created_by=found.created_by,
            updated_at=found.updated_at.astimezone(zone),
            updated_by=found.updated_by,
            rank=rank,
        )


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: info scripts not read or changed", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


def _unknown(entry_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no info script {entry_id}")


def _draft(rt: Runtime[Any], session: Session, body: InfoScriptIn) -> Draft:
    if body.helpdesk is not None and rt.config.helpdesk(body.helpdesk) is None:
        raise HTTPException(status_code=422, detail=f"unknown helpdesk {body.helpdesk!r}")
    if body.escalation is not None:
        try:
            escalation(session, body.escalation)
        except UnknownEscalationError:
            raise HTTPException(status_code=422, detail=f"no escalation {body.escalation}") from None
    return Draft(
        question=body.question,
        answer=body.answer,
        tags=tuple(body.tags),
        helpdesk_id=body.helpdesk,
        escalation_id=body.escalation,
    )


@router.get(
    "",
    summary="The info scripts, or with q those matching it, best first (Dutch full-text search)",
    dependencies=READERS,
    responses=REFUSED,
)
def listing(
    rt: Rt,
    q: Annotated[
        str | None,
        Query(max_length=200, description="words to search for: every word of 3 letters or more is needed"),
    ] = None,
    helpdesk: Annotated[
        str | None, Query(max_length=40, description="only what this helpdesk's agents see")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 50,
) -> list[InfoScriptOut]:
    if helpdesk is not None and rt.config.helpdesk(helpdesk) is None:
        raise HTTPException(status_code=422, detail=f"unknown helpdesk {helpdesk!r}")
    zone = rt.config.zone
    try:
        with rt.sessions() as session:
            if q is not None and q.strip():
                return [
                    InfoScriptOut.of(hit.entry, zone, hit.rank)
                    for hit in search(session, q, helpdesk_id=helpdesk, limit=limit)
                ]
            return [
                InfoScriptOut.of(item, zone) for item in entries(session, helpdesk_id=helpdesk, limit=limit)
            ]
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None


@router.get(
    "/{entry_id}", summary="One info script", dependencies=READERS, responses={**REFUSED, **NOT_FOUND}
)
def one(rt: Rt, entry_id: EntryId) -> InfoScriptOut:
    try:
        with rt.sessions() as session:
            found = entry(session, entry_id)
    except UnknownInfoScriptError:
        raise _unknown(entry_id) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return InfoScriptOut.of(found, rt.config.zone)


@router.post(
    "",
    summary="Add an info script (ops)",
    status_code=201,
    dependencies=KEEPERS,
    responses=REFUSED,
)
def add(rt: Rt, body: InfoScriptIn, credentials: Credentials) -> InfoScriptOut:
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            added = add_entry(session, _draft(rt, session, body), now=rt.clock(), who=who)
    except InfoScriptError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script added", extra={"info_script": added.id, "who": who})
    return InfoScriptOut.of(added, rt.config.zone)


@router.put(
    "/{entry_id}",
    summary="Change an info script's question, answer, tags and helpdesk (ops)",
    dependencies=KEEPERS,
    responses={**REFUSED, **NOT_FOUND},
)
def change(rt: Rt, entry_id: EntryId, body: InfoScriptIn, credentials: Credentials) -> InfoScriptOut:
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            changed = change_entry(session, entry_id, _draft(rt, session, body), now=rt.clock(), who=who)
    except UnknownInfoScriptError:
        raise _unknown(entry_id) from None
    except InfoScriptError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script changed", extra={"info_script": entry_id, "who": who})
    return InfoScriptOut.of(changed, rt.config.zone)


@router.delete(
    "/{entry_id}",
    summary="Delete an info script (ops)",
    status_code=204,
    dependencies=KEEPERS,
    responses={**REFUSED, **NOT_FOUND},
)
def remove(rt: Rt, entry_id: EntryId, credentials: Credentials) -> Response:
    who = api_caller(rt, credentials)
    try:
        with rt.session() as session:
            delete_entry(session, entry_id)
    except UnknownInfoScriptError:
        raise _unknown(entry_id) from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script deleted", extra={"info_script": entry_id, "who": who})
    return Response(status_code=204)
