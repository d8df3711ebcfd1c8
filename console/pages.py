"""The console's routes: sign-in and sign-out at ``/console``, the "Nu" page and its data, assets.

Pages are rendered on the server (Jinja2, ``templates/``); the one script (``static/now.js``)
refreshes "Nu" from ``/console/nu.json`` every 5 seconds. Everything but the sign-in page and
its stylesheet needs a session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
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
    Rt,
    SessionCookie,
    Visitor,
    clear_session_cookie,
    csrf_valid,
    data_visitor,
    optional_visitor,
    page_visitor,
    recent_sessions,
    refresh_visitor,
    set_session_cookie,
)
from console.now import FIELD_LABELS, SharedNow
from console.sessions import close_session, open_session
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
Made = TypeVar("Made")


def _secure(rt: Runtime[Any]) -> bool:
    return rt.settings.public_base_url.startswith("https://")


def _sign_in_page(
    request: Request, *, error: str | None = None, notice: str | None = None, status: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "sign_in.html", {"error": error, "notice": notice, "visitor": None}, status_code=status
    )


@router.get("", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    visitor: Annotated[Visitor | None, Depends(optional_visitor)],
    afgemeld: str | None = None,
) -> Response:
    """The sign-in form; a signed-in browser goes straight to "Nu"."""
    if visitor is not None:
        return RedirectResponse(f"{PATH}/nu", status_code=303)
    return _sign_in_page(request, notice="U bent afgemeld." if afgemeld is not None else None)


@router.post("", response_class=HTMLResponse)
async def sign_in(request: Request, rt: Rt, token: Annotated[str, Form()] = "") -> Response:
    """Sign in with a token of ``IVR_API_TOKENS``: a session of its role, in a cookie."""
    role = rt.settings.ivr_api_tokens.role_of(token.strip()) if token.strip() else None
    if role is None:
        await asyncio.sleep(FAILED_SIGN_IN_DELAY_S)
        log.info("console sign-in refused")
        return _sign_in_page(
            request,
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
    visitor = page_visitor(rt, session_id)
    if not csrf_valid(visitor, csrf):
        return _refused(request, visitor)
    with rt.session() as session:
        close_session(session, visitor.session_id)
    recent_sessions.forget(visitor.session_id)
    log.info("console sign-out", extra={"role": visitor.role})
    response = RedirectResponse(f"{PATH}?afgemeld", status_code=303)
    clear_session_cookie(response, secure=_secure(rt))
    return response


def _refused(request: Request, visitor: Visitor) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "refused.html",
        {"visitor": visitor, "helpdesks": []},
        status_code=403,
    )


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
