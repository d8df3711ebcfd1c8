"""The info scripts in the console (playbook 1.3.1, 1.3.2.2): agents and staff search and read
them (``/console/info``); ops add, change and delete them, also straight from an escalation
(``/console/info/nieuw?escalatie=7``). Agents also see their own escalations, read-only
(``/console/mijn-vragen``). The figures and texts are those of ``GET /api/info-scripts``: the
same ``infoscripts`` functions answer both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from console.auth import PATH, Rt, Visitor, agent_page_visitor, csrf_valid
from console.pages import not_for_this_role, refused, templates
from escalations import EscalationView, Status, UnknownEscalationError, escalation, escalations
from infoscripts import (
    Draft,
    Entry,
    InfoScriptError,
    UnknownInfoScriptError,
    add_entry,
    change_entry,
    delete_entry,
    entries,
    entry,
    search,
    split_tags,
)
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
router = APIRouter(prefix=PATH, include_in_schema=False)
AnyVisitor = Annotated[Visitor, Depends(agent_page_visitor)]
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RESULTS: Final = 20
STATUS_WORDS: Final[dict[Status, str]] = {
    Status.OPEN: "nog niet opgenomen",
    Status.IN_PROGRESS: "in behandeling",
    Status.ANSWERED: "beantwoord",
    Status.FORWARDED: "doorgestuurd",
}
FIELD_ERRORS: Final = {
    "question": "De vraag moet 1 tot 300 tekens lang zijn.",
    "answer": "Het antwoord moet 1 tot 6000 tekens lang zijn.",
    "tags": "Geef hoogstens 10 trefwoorden van hoogstens 30 tekens.",
}


@dataclass(frozen=True, slots=True)
class Shown:
    """An entry as the pages show it: the helpdesk's name, where it came from, in Dutch."""

    entry: Entry
    helpdesk: str
    source: str


def _helpdesk_of(visitor: Visitor) -> str | None:
    """Agents see the entries for every helpdesk and for their own; staff see all."""
    return visitor.agent.helpdesk_id if visitor.agent is not None else None


def _shown(rt: Runtime[Any], found: Entry) -> Shown:
    desk = rt.config.helpdesk(found.helpdesk_id) if found.helpdesk_id is not None else None
    source = {
        "playbook": f"draaiboek {found.playbook_section}",
        "escalation": f"doorgegeven vraag {found.escalation_id}",
        "team": "eigen documentatie",
    }[found.source]
    return Shown(entry=found, helpdesk=desk.name if desk is not None else "alle helpdesks", source=source)


def _page(
    request: Request, template: str, visitor: Visitor, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"visitor": visitor, "helpdesks": [], **context}, status_code=status
    )


def _unreachable(exc: SQLAlchemyError) -> HTTPException:
    log.warning("database unreachable: console shows no info scripts", exc_info=exc)
    return HTTPException(status_code=503, detail="database unreachable")


@router.get("/info", response_class=HTMLResponse)
def info_page(request: Request, rt: Rt, visitor: AnyVisitor, q: str = "") -> HTMLResponse:
    """Info: a search box and the entries matching it, best first (all entries without a query)."""
    query = q.strip()[:200]
    try:
        with rt.sessions() as session:
            if query:
                found = [
                    hit.entry
                    for hit in search(session, query, helpdesk_id=_helpdesk_of(visitor), limit=RESULTS)
                ]
            else:
                found = entries(session, helpdesk_id=_helpdesk_of(visitor))
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    return _page(request, "info.html", visitor, query=query, results=[_shown(rt, item) for item in found])


@router.get("/info/nieuw", response_class=HTMLResponse)
def new_form(request: Request, rt: Rt, visitor: AnyVisitor, escalatie: int | None = None) -> HTMLResponse:
    """Ops: the form for a new entry; from an escalation, with its helpdesk and note filled in."""
    if not visitor.acts:
        return not_for_this_role(request, visitor)
    draft = Draft(question="", answer="")
    origin: EscalationView | None = None
    if escalatie is not None:
        try:
            with rt.sessions() as session:
                origin = escalation(session, escalatie)
        except UnknownEscalationError:
            raise HTTPException(status_code=404, detail=f"no escalation {escalatie}") from None
        except SQLAlchemyError as exc:
            raise _unreachable(exc) from None
        draft = Draft(
            question="", answer=origin.note or "", helpdesk_id=origin.helpdesk_id, escalation_id=origin.id
        )
    return _form(request, rt, visitor, draft, origin=origin)


def _form(
    request: Request,
    rt: Runtime[Any],
    visitor: Visitor,
    draft: Draft,
    *,
    entry_id: int | None = None,
    origin: EscalationView | None = None,
    error: str | None = None,
) -> HTMLResponse:
    desks = [(desk.id, desk.name) for desk in rt.config.helpdesks]
    return _page(
        request,
        "info_form.html",
        visitor,
        status=422 if error else 200,
        draft=draft,
        tags=", ".join(draft.tags),
        entry_id=entry_id,
        origin=origin,
        origin_status=STATUS_WORDS[origin.status] if origin is not None else None,
        desks=desks,
        error=error,
    )


def _draft(
    rt: Runtime[Any], question: str, answer: str, tags: str, helpdesk: str, escalation_id: str
) -> Draft:
    desk = helpdesk if helpdesk and rt.config.helpdesk(helpdesk) is not None else None
    return Draft(
        question=question,
        answer=answer,
        tags=split_tags(tags),
        helpdesk_id=desk,
        escalation_id=int(escalation_id) if escalation_id.isdigit() else None,
    )


def _error(draft: Draft) -> str:
    if not 1 <= len(" ".join(draft.question.split())) <= 300:
        return FIELD_ERRORS["question"]
    if not 1 <= len(draft.answer.strip()) <= 6000:
        return FIELD_ERRORS["answer"]
    return FIELD_ERRORS["tags"]


Text = Annotated[str, Form(max_length=7000)]


@router.post("/info/nieuw", response_class=HTMLResponse)
def add(
    request: Request,
    rt: Rt,
    visitor: AnyVisitor,
    csrf: Annotated[str | None, Form()] = None,
    question: Text = "",
    answer: Text = "",
    tags: Text = "",
    helpdesk: Annotated[str, Form(max_length=40)] = "",
    escalation_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Ops: store a new entry and show it."""
    if not csrf_valid(visitor, csrf):
        return refused(request, visitor)
    if not visitor.acts:
        return not_for_this_role(request, visitor)
    draft = _draft(rt, question, answer, tags, helpdesk, escalation_id)
    try:
        with rt.session() as session:
            if draft.escalation_id is not None:
                escalation(session, draft.escalation_id)
            added = add_entry(session, draft, now=rt.clock(), who=f"console:{visitor.role_name}")
    except InfoScriptError:
        return _form(request, rt, visitor, draft, error=_error(draft))
    except UnknownEscalationError:
        return _form(
            request,
            rt,
            visitor,
            Draft(draft.question, draft.answer, draft.tags, draft.helpdesk_id),
            error="Die doorgegeven vraag bestaat niet.",
        )
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script added", extra={"info_script": added.id, "who": f"console:{visitor.role_name}"})
    return RedirectResponse(f"{PATH}/info/{added.id}", status_code=303)


@router.get("/info/{entry_id}", response_class=HTMLResponse)
def one(request: Request, rt: Rt, visitor: AnyVisitor, entry_id: EntryId) -> HTMLResponse:
    """One entry in full."""
    found = _entry_for(rt, visitor, entry_id)
    return _page(request, "info_entry.html", visitor, item=_shown(rt, found))


def _entry_for(rt: Runtime[Any], visitor: Visitor, entry_id: int) -> Entry:
    try:
        with rt.sessions() as session:
            found = entry(session, entry_id)
    except UnknownInfoScriptError:
        raise HTTPException(status_code=404, detail=f"no info script {entry_id}") from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    mine = _helpdesk_of(visitor)
    if mine is not None and found.helpdesk_id not in (None, mine):
        raise HTTPException(status_code=404, detail=f"no info script {entry_id}")
    return found


@router.get("/info/{entry_id}/wijzigen", response_class=HTMLResponse)
def edit_form(request: Request, rt: Rt, visitor: AnyVisitor, entry_id: EntryId) -> HTMLResponse:
    """Ops: the form to change an entry."""
    if not visitor.acts:
        return not_for_this_role(request, visitor)
    found = _entry_for(rt, visitor, entry_id)
    draft = Draft(found.question, found.answer, found.tags, found.helpdesk_id, found.escalation_id)
    return _form(request, rt, visitor, draft, entry_id=entry_id)


@router.post("/info/{entry_id}/wijzigen", response_class=HTMLResponse)
def edit(
    request: Request,
    rt: Rt,
    visitor: AnyVisitor,
    entry_id: EntryId,
    csrf: Annotated[str | None, Form()] = None,
    question: Text = "",
    answer: Text = "",
    tags: Text = "",
    helpdesk: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Ops: store the changed entry and show it."""
    if not csrf_valid(visitor, csrf):
        return refused(request, visitor)
    if not visitor.acts:
        return not_for_this_role(request, visitor)
    draft = _draft(rt, question, answer, tags, helpdesk, "")
    try:
        with rt.session() as session:
            change_entry(session, entry_id, draft, now=rt.clock(), who=f"console:{visitor.role_name}")
    except InfoScriptError:
        return _form(request, rt, visitor, draft, entry_id=entry_id, error=_error(draft))
    except UnknownInfoScriptError:
        raise HTTPException(status_code=404, detail=f"no info script {entry_id}") from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script changed", extra={"info_script": entry_id, "who": f"console:{visitor.role_name}"})
    return RedirectResponse(f"{PATH}/info/{entry_id}", status_code=303)


@router.post("/info/{entry_id}/verwijderen", response_class=HTMLResponse)
def remove(
    request: Request,
    rt: Rt,
    visitor: AnyVisitor,
    entry_id: EntryId,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Ops: delete the entry."""
    if not csrf_valid(visitor, csrf):
        return refused(request, visitor)
    if not visitor.acts:
        return not_for_this_role(request, visitor)
    try:
        with rt.session() as session:
            delete_entry(session, entry_id)
    except UnknownInfoScriptError:
        raise HTTPException(status_code=404, detail=f"no info script {entry_id}") from None
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    log.info("info script deleted", extra={"info_script": entry_id, "who": f"console:{visitor.role_name}"})
    return RedirectResponse(f"{PATH}/info", status_code=303)


@router.get("/mijn-vragen", response_class=HTMLResponse)
def my_questions(request: Request, rt: Rt, visitor: AnyVisitor) -> Response:
    """An agent's own escalations, read-only: when, where it stands, the colleague's note."""
    if visitor.agent is None:
        return not_for_this_role(request, visitor)
    try:
        with rt.sessions() as session:
            mine = escalations(session, helpdesk_id=visitor.agent.helpdesk_id, agent=visitor.agent.code)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    zone = rt.config.zone
    rows = [
        {
            "id": item.id,
            "created": f"{item.created_at.astimezone(zone):%d/%m/%Y %H:%M}",
            "status": STATUS_WORDS[item.status],
            "note": item.note or "–",
        }
        for item in mine
    ]
    return _page(request, "my_questions.html", visitor, rows=rows)
