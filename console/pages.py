"""The console's routes: sign-in and sign-out at ``/console``, the "Nu" page and its data, assets.

Pages are rendered on the server (Jinja2, ``templates/``); the one script (``static/now.js``)
refreshes "Nu" from ``/console/nu.json`` every 5 seconds. Everything but the sign-in pages and
their stylesheet needs a session; the sign-in forms carry a token bound to a pre-session cookie.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Cookie, Depends, Form, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from config.settings import Role
from console.auth import (
    COOKIE,
    PATH,
    SIGN_IN_COOKIE,
    Rt,
    SessionCookie,
    StaffOnlyError,
    Visitor,
    agent_page_visitor,
    clear_session_cookie,
    csrf_valid,
    data_visitor,
    optional_visitor,
    page_visitor,
    recent_sessions,
    refresh_visitor,
    set_session_cookie,
    set_sign_in_cookie,
    sign_in_csrf_valid,
)
from console.now import FIELD_LABELS, SharedNow
from console.sessions import close_session, new_pre_session, open_session, sign_in_token
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
HERE = Path(__file__).resolve().parent
# A wrong token costs the one who tries it a second: guessing a token of 16 characters or more
# at that pace is hopeless, and a typing colleague hardly notices. (The API itself has no delay.)
FAILED_SIGN_IN_DELAY_S: Final = 1.0
# The assets the pages load, and whether they need a session: the stylesheet and icon also serve
# the sign-in page.
ASSETS: Final[dict[str, tuple[str, bool]]] = {
    "console.css": ("text/css; charset=utf-8", False),
    "favicon.svg": ("image/svg+xml", False),
    "now.js": ("text/javascript; charset=utf-8", True),
    "beheer.css": ("text/css; charset=utf-8", True),
    "figures.js": ("text/javascript; charset=utf-8", True),
    "figures.css": ("text/css; charset=utf-8", True),
}

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
router = APIRouter(prefix=PATH, include_in_schema=False)
PageVisitor = Annotated[Visitor, Depends(page_visitor)]
SignInCookie = Annotated[str | None, Cookie(alias=SIGN_IN_COOKIE)]
Made = TypeVar("Made")


def _secure(rt: Runtime[Any]) -> bool:
    return rt.settings.public_base_url.startswith("https://")


def home(visitor: Visitor) -> str:
    """Where a signed-in visitor starts: "Nu" for staff, the info scripts for agents."""
    return f"{PATH}/nu" if visitor.staff else f"{PATH}/info"


def sign_in_page(
    request: Request,
    rt: Runtime[Any],
    pre_session_id: str | None,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    """A sign-in form with its CSRF token; a browser without a pre-session cookie gets one."""
    known = pre_session_id or new_pre_session()
    response = templates.TemplateResponse(
        request,
        template,
        {"visitor": None, "sign_in_csrf": sign_in_token(known), **context},
        status_code=status,
    )
    if known != pre_session_id:
        set_sign_in_cookie(response, known, secure=_secure(rt))
    return response


def _sign_in_page(
    request: Request,
    rt: Runtime[Any],
    pre_session_id: str | None,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return sign_in_page(
        request, rt, pre_session_id, "sign_in.html", {"error": error, "notice": notice}, status=status
    )


@router.get("", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    rt: Rt,
    visitor: Annotated[Visitor | None, Depends(optional_visitor)],
    pre_session_id: SignInCookie = None,
    afgemeld: str | None = None,
) -> Response:
    """The sign-in form; a signed-in browser goes straight to its first page."""
    if visitor is not None:
        return RedirectResponse(home(visitor), status_code=303)
    notice = "U bent afgemeld." if afgemeld is not None else None
    return _sign_in_page(request, rt, pre_session_id, notice=notice)


@router.post("", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    rt: Rt,
    pre_session_id: SignInCookie = None,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Sign in with a token of ``IVR_API_TOKENS``: a session of its role, in a cookie."""
    if not sign_in_csrf_valid(pre_session_id, csrf):
        log.info("console sign-in refused: no valid sign-in form token")
        return refused(request, None, back=PATH)
    role = rt.settings.ivr_api_tokens.role_of(token.strip()) if token.strip() else None
    if role is None:
        await asyncio.sleep(FAILED_SIGN_IN_DELAY_S)
        log.info("console sign-in refused")
        return _sign_in_page(
            request,
            rt,
            pre_session_id,
            error="Dit token is niet juist. Controleer het en probeer opnieuw.",
            status=401,
        )
    session_id = await run_in_threadpool(_open, rt, role)
    log.info("console sign-in", extra={"role": role})
    response = RedirectResponse(f"{PATH}/nu", status_code=303)
    set_session_cookie(response, session_id, secure=_secure(rt))
    return response


def _open(rt: Runtime[Any], role: Role) -> str:
    with rt.session() as session:
        return open_session(session, role, rt.clock())


@router.post("/afmelden")
def sign_out(
    request: Request, rt: Rt, session_id: SessionCookie = None, csrf: Annotated[str | None, Form()] = None
) -> Response:
    """End the session everywhere (it is removed from the database) and clear the cookie."""
    visitor = agent_page_visitor(rt, session_id)
    if not csrf_valid(visitor, csrf):
        return refused(request, visitor)
    with rt.session() as session:
        close_session(session, visitor.session_id)
    recent_sessions.forget(visitor.session_id)
    log.info("console sign-out", extra={"role": visitor.role})
    response = RedirectResponse(f"{PATH}?afgemeld", status_code=303)
    clear_session_cookie(response, secure=_secure(rt))
    return response


def refused(request: Request, visitor: Visitor | None, *, back: str | None = None) -> HTMLResponse:
    """The 403 page of a form without its valid CSRF token: nothing was changed."""
    return templates.TemplateResponse(
        request,
        "refused.html",
        {
            "visitor": visitor,
            "helpdesks": [],
            "back": back or (home(visitor) if visitor is not None else PATH),
            "reason": "csrf",
        },
        status_code=403,
    )


def _refused(request: Request, visitor: Visitor) -> HTMLResponse:
    return refused(request, visitor)


def not_for_this_role(request: Request, visitor: Visitor) -> HTMLResponse:
    """The 403 page of a page or form this visitor's role may not use."""
    return templates.TemplateResponse(
        request,
        "refused.html",
        {"visitor": visitor, "helpdesks": [], "back": home(visitor), "reason": "role"},
        status_code=403,
    )


async def staff_only_page(request: Request, exc: Exception) -> Response:
    """The answer to ``StaffOnlyError``: the 403 page for an agent on a staff page."""
    if not isinstance(exc, StaffOnlyError):  # registered for it alone (app.py)
        raise exc
    return not_for_this_role(request, exc.visitor)


async def shared_now(request: Request) -> SharedNow:
    """The app's "Nu" texts, shared by its pages for at most a second (``console.now``)."""
    shared: SharedNow = request.app.state.console_now
    return shared


Shared = Annotated[SharedNow, Depends(shared_now)]


def _now(make: Callable[[], Made]) -> Made:
    try:
        return make()
    except SQLAlchemyError:
        log.warning("database unreachable: console shows no live state", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None


@router.get("/nu", response_class=HTMLResponse)
def now_page(request: Request, rt: Rt, shared: Shared, visitor: PageVisitor) -> HTMLResponse:
    """Nu: every helpdesk open or closed, its agents and waiting callers, and the agents' table."""
    view = _now(lambda: shared.view(rt))
    return templates.TemplateResponse(
        request,
        "now.html",
        {"visitor": visitor, "view": view, "labels": FIELD_LABELS, "helpdesks": view.helpdesks},
    )


async def now_data(request: Request) -> Response:
    """``GET /console/nu.json``: the texts of the "Nu" page (a ``NowView``), for its script's refresh.

    Every open page asks every 5 s (fifty pages: ten requests a second, ``make bench-metrics``),
    so it is a plain Starlette route among the app's first, like the webhooks, with no
    dependencies to solve, and runs on the event loop; only a session not checked lately, or a
    shared reading not recent, is read in a thread. Without a session: 401, as ``data_visitor``.
    """
    rt: Runtime[Any] = request.app.state.runtime
    await refresh_visitor(rt, request.cookies.get(COOKIE))
    shared: SharedNow = request.app.state.console_now
    encoded = shared.recent_encoded(rt)
    if encoded is None:
        encoded = await run_in_threadpool(_now, lambda: shared.encoded(rt))
    return Response(encoded, media_type="application/json")


# Put by the app among its first routes (app.py), before the API's routers.
refresh_routes = [Route(f"{PATH}/nu.json", now_data, methods=["GET"])]


@router.get("/static/{name}")
def asset(rt: Rt, name: str, session_id: SessionCookie = None) -> FileResponse:
    """One of the console's own files; only the stylesheet without a session."""
    known = ASSETS.get(name)
    if known is None:
        raise HTTPException(status_code=404, detail="no such file")
    media_type, needs_session = known
    if needs_session:
        data_visitor(rt, session_id)
    return FileResponse(HERE / "static" / name, media_type=media_type)
