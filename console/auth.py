"""Who is signed in to the console: the session cookie, its roles and the CSRF checks.

Staff (supervisors, ops) sign in with a token, agents with their agent code and PIN. Every page
and data route is for staff (``page_visitor``, ``data_visitor``) unless it says agents may open
it too (``agent_page_visitor``: the info scripts, the agent's own escalations). The sign-in forms
carry a token bound to a pre-session cookie (``SIGN_IN_COOKIE``), against login CSRF.

The cookie holds the session's random id and nothing else; the database says which role it has
(``console.sessions``). Its flags: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no
other site's page sends it), ``Secure`` when ``PUBLIC_BASE_URL`` is https, limited to
``/console`` and to the session's 8 hours.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Cookie, Depends, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from console.sessions import (
    LIFETIME,
    AgentId,
    ConsoleRole,
    SignedIn,
    csrf_matches,
    csrf_token,
    sign_in_token_matches,
    signed_in,
)
from service.runtime import Runtime, runtime

COOKIE: Final = "ivr_console"
# A browser's id before it signs in: what the sign-in forms' CSRF token is bound to.
SIGN_IN_COOKIE: Final = "ivr_console_sign_in"
PATH: Final = "/console"
SIGN_IN: Final = PATH
ROLE_NAMES: Final[dict[ConsoleRole, str]] = {
    "supervisor": "supervisor",
    "ops": "operations",
    "agent": "medewerker",
}
# How long a session found signed in is taken as such without asking the database again: the
# longest a session signed out through another instance still works here.
SESSION_RECHECK_S: Final = 5.0


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in browser: its role (and the agent, for an agent's session) and the CSRF token
    its forms carry."""

    role: ConsoleRole
    session_id: str
    csrf: str
    agent: AgentId | None = None

    @property
    def role_name(self) -> str:
        if self.agent is not None:
            return f"medewerker {self.agent.code}"
        return ROLE_NAMES[self.role]

    @property
    def staff(self) -> bool:
        """Supervisors and ops; agents see only the info scripts and their own escalations."""
        return self.agent is None

    @property
    def acts(self) -> bool:
        """Operations staff also change things; supervisors only look (as in the API)."""
        return self.role == "ops"


class StaffOnlyError(HTTPException):
    """An agent's session on a page for staff: the console answers its 403 page (for the agent
    it carries, so the answer needs no second look-up of the session)."""

    def __init__(self, visitor: Visitor) -> None:
        super().__init__(status_code=403, detail="this page is for supervisors and operations staff")
        self.visitor = visitor


Rt = Annotated[Runtime[Any], Depends(runtime)]
SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]


class RecentSessions:
    """The sessions this process found signed in during the last ``ttl_s`` (monotonic clock).

    Every refresh of an open "Nu" page needs its visitor; looking the session up once per
    ``ttl_s`` instead of every time saves a statement per request. The bound: a session signed out
    through another instance is refused here within ``ttl_s``; signed out through this one, at
    once (:meth:`forget`). Expiry is checked on every request against the session's own
    ``expires_at``. Only sessions found live are kept, by the hash of their id, never the id.
    """

    def __init__(self, ttl_s: float = SESSION_RECHECK_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, SignedIn]] = {}

    def recent(self, session_id: str) -> SignedIn | None:
        with self._lock:
            known = self._known.get(_key(session_id))
        if known is None or self._clock() >= known[0]:
            return None
        return known[1]

    def remember(self, session_id: str, found: SignedIn) -> None:
        now = self._clock()
        with self._lock:
            self._known = {key: kept for key, kept in self._known.items() if kept[0] > now}
            self._known[_key(session_id)] = (now + self._ttl_s, found)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._known.pop(_key(session_id), None)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


# One per process, as the sessions' rows are one per database: a session id is random (256 bits),
# so the ids of two apps in one process never meet.
recent_sessions = RecentSessions()


def visitor_of(rt: Runtime[Any], session_id: str | None) -> Visitor | None:
    """The visitor with this session id now, or ``None`` (no cookie, unknown, expired, signed out).

    Read with :data:`recent_sessions`: a session signed out elsewhere may serve ``SESSION_RECHECK_S``
    longer.
    """
    if not session_id:
        return None
    now = rt.clock()
    found = recent_sessions.recent(session_id)
    if found is None:
        with rt.sessions() as session:
            found = signed_in(session, session_id, now)
        if found is None:
            return None
        recent_sessions.remember(session_id, found)
    return _visitor(session_id, found, now)


def _visitor(session_id: str, found: SignedIn, now: datetime) -> Visitor | None:
    if found.expires_at <= now:
        return None
    return Visitor(role=found.role, session_id=session_id, csrf=csrf_token(session_id), agent=found.agent)


def optional_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor | None:
    return visitor_of(rt, session_id)


def agent_page_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """The visitor of a page agents may open too; without a session the browser is sent to the
    sign-in page."""
    visitor = visitor_of(rt, session_id)
    if visitor is None:
        raise HTTPException(status_code=303, detail="sign in first", headers={"Location": SIGN_IN})
    return visitor


def page_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """A staff page's visitor: without a session the browser is sent to the sign-in page, an
    agent's session gets the 403 page."""
    visitor = agent_page_visitor(rt, session_id)
    if not visitor.staff:
        raise StaffOnlyError(visitor)
    return visitor


def data_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """The visitor of a script's request: 401 without a session (the script then signs in again),
    403 for an agent's."""
    visitor = visitor_of(rt, session_id)
    if visitor is None:
        raise HTTPException(status_code=401, detail="sign in first")
    if not visitor.staff:
        raise HTTPException(status_code=403, detail="for supervisors and operations staff")
    return visitor


async def refresh_visitor(rt: Rt, session_id: SessionCookie = None) -> Visitor:
    """:func:`data_visitor` for a page's periodic refresh: a session found live within
    ``SESSION_RECHECK_S`` is taken on the event loop; otherwise it is looked up in a thread."""
    found = recent_sessions.recent(session_id) if session_id else None
    if session_id and found is not None:
        visitor = _visitor(session_id, found, rt.clock())
        if visitor is None:
            raise HTTPException(status_code=401, detail="sign in first")
        if not visitor.staff:
            raise HTTPException(status_code=403, detail="for supervisors and operations staff")
        return visitor
    return await run_in_threadpool(data_visitor, rt, session_id)


def csrf_valid(visitor: Visitor, presented: str | None) -> bool:
    return presented is not None and csrf_matches(visitor.session_id, presented)


def sign_in_csrf_valid(pre_session_id: str | None, presented: str | None) -> bool:
    """Whether a sign-in form carries the token of this browser's pre-session cookie."""
    return (
        bool(pre_session_id)
        and bool(presented)
        and sign_in_token_matches(pre_session_id or "", presented or "")
    )


def set_sign_in_cookie(response: Response, pre_session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        pre_session_id,
        max_age=int(LIFETIME.total_seconds()),
        path=PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )


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
