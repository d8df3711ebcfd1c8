"""The "Beheer" page of operations staff: the config served, the hours, closures and agents.

It shows what ``GET /api/config`` and ``ivr check-config`` show (the served config's version and
the problems of a refused edit; per helpdesk the coming week's hours and the next holidays) and
lets ops do what the API lets them do, through the same functions (``service.actions``,
``service.reload``): reload the config, close a helpdesk now and reopen it, add an agent, give a
new PIN, allow or refuse an agent's logins and set an agent's presence. Supervisors see the page
without a single form; a form they send anyway is refused (403) and changes nothing.

Every action is a POST form carrying the session's CSRF token. A good one is answered with a
redirect (303) back to the page and a notice; a bad one with the page again, the form as it was
sent (never a PIN: the service gives no PIN out, as the API) and the problem next to its field,
in Dutch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError

from agents import (
    AgentDataError,
    DuplicateAgentError,
    PresenceStatus,
    UnknownAgentError,
    validate_code,
    validate_name,
    validate_pin,
)
from agents.accounts import MAX_NAME_LENGTH
from config import Helpdesk
from console.auth import PATH, Visitor, csrf_valid, page_visitor
from console.now import STATUS_WORDS, SharedNow, moment, opening_text
from console.ops_view import (
    CLOSURE_FIELDS,
    CODE_PROBLEM,
    DISABLED_PROBLEM,
    NAME_PROBLEM,
    PIN_PROBLEM,
    STATUS_ORDER,
    ConfigView,
    DeskView,
    Failed,
    agent_view,
    closure_problem_nl,
    closure_text,
    notice_text,
    schedule_view,
)
from console.pages import templates
from service.actions import (
    AgentDisabledError,
    ClosureRefusedError,
    add_agent,
    allow_logins,
    change_presence,
    close_now,
    new_pin,
    reopen_now,
)
from service.live import agents_live, helpdesks_live
from service.reload import ConfigWatcher, served_config
from service.runtime import Runtime, runtime

log = logging.getLogger("ivr.console")
PAGE: Final = f"{PATH}/beheer"
router = APIRouter(prefix=PAGE, include_in_schema=False)
Rt = Annotated[Runtime[Any], Depends(runtime)]
PageVisitor = Annotated[Visitor, Depends(page_visitor)]
# A form field the browser may leave out (an empty form, a forged request).
Field = Annotated[str | None, Form()]


def _page(
    request: Request, rt: Runtime[Any], visitor: Visitor, *, failed: Failed | None = None
) -> HTMLResponse:
    now = rt.clock()
    config = rt.config
    try:
        live = helpdesks_live(rt, now)
        agents = agents_live(rt, None, now)
    except SQLAlchemyError:
        log.warning("database unreachable: the Beheer page is not shown", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None
    first = now.astimezone(config.zone).date()
    desks = [
        DeskView(
            id=desk.id,
            name=desk.name,
            numbers=", ".join(served_desk.numbers),
            opening=opening_text(desk, now, config.zone),
            closed_by_ops=closure_text(desk, now, config.zone),
            schedule=schedule_view(config.schedule(served_desk), first),
        )
        for desk in live
        # A reload between the two readings may have removed a helpdesk: shown again next time.
        if (served_desk := config.helpdesk(desk.id)) is not None
    ]
    served = served_config(rt)
    view = ConfigView(
        file=served.path.name if served.path is not None else None,
        version=served.version,
        loaded_at=moment(served.loaded_at, now, config.zone),
        errors=served.errors,
        reloadable=_watcher(request) is not None,
    )
    notice = notice_text(request.query_params, config.helpdesks)
    return templates.TemplateResponse(
        request,
        "beheer.html",
        {
            "visitor": visitor,
            "helpdesks": desks,
            "config": view,
            "central": schedule_view(config.central_schedule(), first),
            "central_number": config.central.number,
            "agents": [agent_view(agent) for agent in agents],
            "statuses": [(status.value, STATUS_WORDS[status]) for status in STATUS_ORDER],
            "failed": failed,
            "notice": notice,
            "max_name": MAX_NAME_LENGTH,
        },
        status_code=422 if failed is not None else 200,
    )


@router.get("", response_class=HTMLResponse)
def ops_page(request: Request, rt: Rt, visitor: PageVisitor) -> HTMLResponse:
    """Beheer: the config served, per helpdesk its hours and closure, and the agents."""
    return _page(request, rt, visitor)


def _done(request: Request, action: str, **params: str) -> RedirectResponse:
    """Back to the page with a notice. The shared live reading is dropped first, so that "Nu"
    shows what was just done at once rather than up to a second later (``console.now``)."""
    shared: SharedNow = request.app.state.console_now
    shared.forget()
    return RedirectResponse(f"{PAGE}?{urlencode({'gedaan': action, **params})}", status_code=303)


# --- Who may act ----------------------------------------------------------------------------------


def _refused(request: Request, visitor: Visitor, template: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"visitor": visitor, "helpdesks": []}, status_code=403
    )


def acting(request: Request, visitor: Visitor, csrf: str | None) -> HTMLResponse | None:
    """``None`` when this form may change something; otherwise the 403 page to answer.

    The CSRF token first (a form from elsewhere), then the role: a supervisor only looks.
    """
    if not csrf_valid(visitor, csrf):
        return _refused(request, visitor, "refused.html")
    if not visitor.acts:
        log.warning("console ops action refused to a supervisor", extra={"path": request.url.path})
        return _refused(request, visitor, "ops_refused.html")
    return None


def audit_name(visitor: Visitor) -> str:
    """Who acted, for the closures' audit log: the console, the role and the session (by a short
    hash of its id, which gives nothing of the id away), as the API names a token by its place."""
    return f"console:{visitor.role}@{hashlib.sha256(visitor.session_id.encode()).hexdigest()[:8]}"


def _desk(rt: Runtime[Any], helpdesk_id: str) -> Helpdesk:
    desk = rt.config.helpdesk(helpdesk_id)
    if desk is None:
        raise HTTPException(status_code=404, detail="unknown helpdesk")
    return desk


@contextmanager
def _database() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError:
        log.warning("database unreachable: console ops action not done", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None


@contextmanager
def _on_agent() -> Iterator[None]:
    """An action on one agent: the database as in :func:`_database`, and 404 for an agent that
    is not there (removed meanwhile, or a forged address)."""
    try:
        with _database():
            yield
    except UnknownAgentError:
        raise HTTPException(status_code=404, detail="unknown agent") from None


# --- The config ---------------------------------------------------------------------------------


def _watcher(request: Request) -> ConfigWatcher[Any] | None:
    watcher: ConfigWatcher[Any] | None = request.app.state.config_watcher
    return watcher


@router.post("/configuratie/herladen")
def reload_config(request: Request, visitor: PageVisitor, csrf: Field = None) -> Response:
    """Read the config file now, as ``POST /api/config/reload``."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    watcher = _watcher(request)
    if watcher is None:
        raise HTTPException(status_code=409, detail="the config was given explicitly; there is no file")
    result = watcher.check(force=True)
    return _done(request, f"herladen-{result.status}", versie=result.version)


# --- Closing and reopening ----------------------------------------------------------------------


def _blank_is_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


@router.post("/helpdesks/{helpdesk_id}/sluiten")
def close_desk(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk_id: str,
    csrf: Field = None,
    reason: Field = None,
    until: Field = None,
    message: Field = None,
) -> Response:
    """Close the helpdesk now, as ``POST /api/helpdesks/{id}/closure``; blank fields are left out."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    desk = _desk(rt, helpdesk_id)
    values = {"reason": reason or "", "until": until or "", "message": message or ""}
    try:
        with _database():
            close_now(
                rt,
                desk.id,
                reason=reason or "",
                until=_blank_is_none(until),
                message=_blank_is_none(message),
                who=audit_name(visitor),
            )
    except ClosureRefusedError as exc:
        errors: dict[str, str] = {}
        for problem in exc.problems:
            name, text = closure_problem_nl(problem)
            key = name if name in CLOSURE_FIELDS else "reason"
            errors[key] = f"{errors[key]} {text}" if key in errors else text
        return _page(request, rt, visitor, failed=Failed(f"close:{desk.id}", values, errors))
    return _done(request, "gesloten", helpdesk=desk.id)


@router.post("/helpdesks/{helpdesk_id}/heropenen")
def reopen_desk(
    request: Request, rt: Rt, visitor: PageVisitor, helpdesk_id: str, csrf: Field = None
) -> Response:
    """Reopen a helpdesk closed by ops, as ``DELETE /api/helpdesks/{id}/closure``."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    desk = _desk(rt, helpdesk_id)
    with _database():
        reopened = reopen_now(rt, desk.id, who=audit_name(visitor))
    if not reopened:
        # Reopened meanwhile (another tab, the API, or the closure ran out): nothing to do.
        return _page(
            request,
            rt,
            visitor,
            failed=Failed(
                f"reopen:{desk.id}", {}, {"reopen": "Deze helpdesk was niet (meer) gesloten door ops."}
            ),
        )
    return _done(request, "heropend", helpdesk=desk.id)


# --- Agents ---------------------------------------------------------------------------------------


def _field_problems(checks: Mapping[str, tuple[Callable[[str], str], str, str]]) -> dict[str, str]:
    """Each field checked with the validator the agents' functions use; its Dutch problem if any."""
    problems = {}
    for name, (validate, value, problem) in checks.items():
        try:
            validate(value)
        except AgentDataError:
            problems[name] = problem
    return problems


@router.post("/medewerkers")
def add_agent_form(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    csrf: Field = None,
    helpdesk: Field = None,
    code: Field = None,
    name: Field = None,
    pin: Field = None,
) -> Response:
    """Add an agent, as ``POST /api/agents``."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    values = {"helpdesk": helpdesk or "", "code": code or "", "name": name or ""}
    errors = _field_problems(
        {
            "code": (validate_code, code or "", CODE_PROBLEM),
            "name": (validate_name, name or "", NAME_PROBLEM),
            "pin": (validate_pin, pin or "", PIN_PROBLEM),
        }
    )
    if rt.config.helpdesk(helpdesk or "") is None:
        errors["helpdesk"] = "Kies een helpdesk."
    if not errors:
        try:
            with _database():
                agent = add_agent(rt, helpdesk or "", code or "", name or "", pin or "")
        except DuplicateAgentError:
            errors["code"] = f"Deze helpdesk heeft al een medewerker met code {code}."
        except AgentDataError:  # pragma: no cover - every field was checked above
            errors["code"] = CODE_PROBLEM
        else:
            return _done(request, "toegevoegd", helpdesk=agent.helpdesk_id, code=agent.code)
    return _page(request, rt, visitor, failed=Failed("add", values, errors))


def _agent_form(key: str, helpdesk_id: str, code: str) -> str:
    return f"{key}:{helpdesk_id}:{code}"


@router.post("/medewerkers/{helpdesk_id}/{code}/pincode")
def pin_form(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk_id: str,
    code: str,
    csrf: Field = None,
    pin: Field = None,
) -> Response:
    """Give an agent a new PIN, as ``PUT /api/agents/{helpdesk}/{code}/pin``."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    desk = _desk(rt, helpdesk_id)
    errors = _field_problems({"pin": (validate_pin, pin or "", PIN_PROBLEM)})
    if not errors:
        with _on_agent():
            new_pin(rt, desk.id, code, pin or "")
        return _done(request, "pincode", helpdesk=desk.id, code=code)
    return _page(request, rt, visitor, failed=Failed(_agent_form("pin", desk.id, code), {}, errors))


def _enable(
    request: Request,
    rt: Runtime[Any],
    visitor: Visitor,
    helpdesk_id: str,
    code: str,
    enabled: bool,
    csrf: str | None,
) -> Response:
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    desk = _desk(rt, helpdesk_id)
    with _on_agent():
        allow_logins(rt, desk.id, code, enabled)
    return _done(request, "ingeschakeld" if enabled else "uitgeschakeld", helpdesk=desk.id, code=code)


@router.post("/medewerkers/{helpdesk_id}/{code}/inschakelen")
def enable_form(
    request: Request, rt: Rt, visitor: PageVisitor, helpdesk_id: str, code: str, csrf: Field = None
) -> Response:
    """Allow the agent's logins again, as ``PUT /api/agents/{helpdesk}/{code}/enabled``."""
    return _enable(request, rt, visitor, helpdesk_id, code, True, csrf)


@router.post("/medewerkers/{helpdesk_id}/{code}/uitschakelen")
def disable_form(
    request: Request, rt: Rt, visitor: PageVisitor, helpdesk_id: str, code: str, csrf: Field = None
) -> Response:
    """Refuse the agent's logins (and take the agent offline), as the API does."""
    return _enable(request, rt, visitor, helpdesk_id, code, False, csrf)


@router.post("/medewerkers/{helpdesk_id}/{code}/status")
def presence_form(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk_id: str,
    code: str,
    csrf: Field = None,
    status: Field = None,
) -> Response:
    """Set the agent available, on break, calling out or offline, as ``PUT …/presence``."""
    if (refused := acting(request, visitor, csrf)) is not None:
        return refused
    desk = _desk(rt, helpdesk_id)
    form = _agent_form("status", desk.id, code)
    known = next((choice for choice in PresenceStatus if choice.value == status), None)
    if known is None:
        return _page(request, rt, visitor, failed=Failed(form, {}, {"status": "Kies een status."}))
    try:
        with _on_agent():
            change_presence(rt, desk.id, code, known)
    except AgentDisabledError:
        return _page(
            request,
            rt,
            visitor,
            failed=Failed(
                form,
                {"status": known.value},
                {"status": DISABLED_PROBLEM},
            ),
        )
    return _done(request, f"status-{known.value}", helpdesk=desk.id, code=code)
