"""Agents sign in to the console with their agent code and PIN (``/console/medewerker``).

The same accounts and the same lockout as the agent line (``agents``): five wrong PINs lock for
fifteen minutes. The phone line counts per caller number; the console counts per client address
and per agent account, each with the agent line's counter (``agents.lockouts``), so that neither
one browser trying many codes nor many addresses trying one code gets more than five guesses per
lock. A right PIN clears both counts. An agent's session reads the info scripts and the agent's
own escalations only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from agents import LOCK_MINUTES, clear_failures, is_locked, is_valid_code, record_failure, verify_login
from console import pages
from console.auth import PATH, Rt, Visitor, optional_visitor, set_session_cookie, sign_in_csrf_valid
from console.pages import SignInCookie, _secure, home, refused, sign_in_page
from console.sessions import AgentId, open_agent_session
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
router = APIRouter(prefix=PATH, include_in_schema=False)
WRONG: Final = "Deze medewerkerscode of pincode is niet juist. Controleer ze en probeer opnieuw."
LOCKED: Final = (
    f"U hebt te vaak een verkeerde pincode ingegeven. Probeer het over {LOCK_MINUTES} minuten opnieuw."
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What came of a sign-in: the session's id, or whether it was a wrong PIN or a lockout."""

    session_id: str | None = None
    locked: bool = False


def _form(
    request: Request,
    rt: Runtime[Any],
    pre_session_id: str | None,
    *,
    error: str | None = None,
    helpdesk: str | None = None,
    code: str = "",
    status: int = 200,
) -> HTMLResponse:
    desks = [(desk.id, desk.name) for desk in rt.config.helpdesks]
    context = {"error": error, "desks": desks, "chosen": helpdesk, "code": code}
    return sign_in_page(request, rt, pre_session_id, "agent_sign_in.html", context, status=status)


@router.get("/medewerker", response_class=HTMLResponse)
def agent_sign_in_form(
    request: Request,
    rt: Rt,
    visitor: Annotated[Visitor | None, Depends(optional_visitor)],
    pre_session_id: SignInCookie = None,
) -> Response:
    """The agents' sign-in form: helpdesk, agent code, PIN."""
    if visitor is not None:
        return RedirectResponse(home(visitor), status_code=303)
    return _form(request, rt, pre_session_id)


@router.post("/medewerker", response_class=HTMLResponse)
async def agent_sign_in(
    request: Request,
    rt: Rt,
    pre_session_id: SignInCookie = None,
    csrf: Annotated[str | None, Form()] = None,
    helpdesk: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    pin: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Sign an agent in with code and PIN, under the agent line's lockout rules."""
    if not sign_in_csrf_valid(pre_session_id, csrf):
        log.info("console agent sign-in refused: no valid sign-in form token")
        return refused(request, None, back=f"{PATH}/medewerker")
    address = request.client.host if request.client is not None else "unknown"
    attempt = await run_in_threadpool(_attempt, rt, address, helpdesk, code.strip(), pin.strip())
    shown_code = code.strip() if is_valid_code(code.strip()) else ""
    if attempt.session_id is None:
        if attempt.locked:
            log.warning(
                "console agent sign-in locked after repeated wrong PINs", extra={"helpdesk": helpdesk}
            )
            return _form(
                request, rt, pre_session_id, error=LOCKED, helpdesk=helpdesk, code=shown_code, status=429
            )
        # The token form's delay (read at the call: the tests set it to zero).
        await asyncio.sleep(pages.FAILED_SIGN_IN_DELAY_S)
        log.info("console agent sign-in refused", extra={"helpdesk": helpdesk})
        return _form(request, rt, pre_session_id, error=WRONG, helpdesk=helpdesk, code=shown_code, status=401)
    log.info("console agent sign-in", extra={"helpdesk": helpdesk, "agent": code.strip()})
    response = RedirectResponse(f"{PATH}/info", status_code=303)
    set_session_cookie(response, attempt.session_id, secure=_secure(rt))
    return response


def lockout_keys(address: str, helpdesk: str, code: str) -> tuple[str, str]:
    """The two counts a console sign-in is held to: its client address and the account tried."""
    return f"console-address:{address}", f"console-agent:{helpdesk}/{code}"


def _attempt(rt: Runtime[Any], address: str, helpdesk: str, code: str, pin: str) -> Attempt:
    """Check the PIN in one transaction: a locked address or account is not checked, a wrong PIN
    counts against both, a right one clears both and opens the session."""
    now = rt.clock()
    keys = lockout_keys(address, helpdesk, code)
    with rt.session() as session:
        if any(is_locked(session, key, now) is not None for key in keys):
            return Attempt(locked=True)
        known = rt.config.helpdesk(helpdesk) is not None
        agent = verify_login(session, helpdesk, code, pin) if known else None
        if agent is None:
            locks = [record_failure(session, key, now) for key in keys]
            return Attempt(locked=any(lock is not None for lock in locks))
        for key in keys:
            clear_failures(session, key)
        session_id = open_agent_session(session, AgentId(helpdesk_id=helpdesk, code=code), now)
    return Attempt(session_id=session_id)
