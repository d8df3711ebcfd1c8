"""Who is signed in to the console: the session cookie, its roles and the CSRF check.

The cookie holds the session's random id and nothing else; the database says which role it has
(``console.sessions``). Its flags: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no
other site's page sends it), ``Secure`` when ``PUBLIC_BASE_URL`` is https, limited to
``/console`` and to the session's 8 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Cookie, Depends, HTTPException, Response

from config.settings import Role
from console.sessions import LIFETIME, csrf_matches, csrf_token, signed_in
from service.runtime import Runtime, runtime

COOKIE: Final = "ivr_console"
PATH: Final = "/console"
SIGN_IN: Final = PATH
ROLE_NAMES: Final[dict[Role, str]] = {"supervisor": "supervisor", "ops": "operations"}


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in browser: its role and the CSRF token its forms carry."""

    role: Role
    session_id: str
    csrf: str

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def acts(self) -> bool:
        """Operations staff also change things; supervisors only look (as in the API)."""
        return self.role == "ops"


Rt = Annotated[Runtime[Any], Depends(runtime)]
SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]


def visitor_of(rt: Runtime[Any], session_id: str | None) -> Visitor | None:
    """The visitor with this session id now, or ``None`` (no cookie, unknown, expired, signed out)."""
    if not session_id:
        return None
    with rt.session() as session:
        found = signed_in(session, session_id, rt.clock())
    if found is None:
        return None
    return Visitor(role=found.role, session_id=session_id, csrf=csrf_token(session_id))


def optional_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor | None:
    return visitor_of(rt, session_id)


def page_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """A page's visitor; without a session the browser is sent to the sign-in page."""
    visitor = visitor_of(rt, session_id)
    if visitor is None:
        raise HTTPException(status_code=303, detail="sign in first", headers={"Location": SIGN_IN})
    return visitor


def data_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """The visitor of a script's request: 401 without a session (the script then signs in again)."""
    visitor = visitor_of(rt, session_id)
    if visitor is None:
        raise HTTPException(status_code=401, detail="sign in first")
    return visitor


def csrf_valid(visitor: Visitor, presented: str | None) -> bool:
    return presented is not None and csrf_matches(visitor.session_id, presented)


def set_session_cookie(response: Response, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(LIFETIME.total_seconds()),
        path=PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path=PATH, secure=secure, httponly=True, samesite="strict")
