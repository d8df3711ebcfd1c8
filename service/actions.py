"""What operations staff change, for every adapter that lets them (the JSON API, the web console).

Closing and reopening a helpdesk, adding an agent, a new PIN, allowing or refusing an agent's
logins and setting an agent's presence: each is one function here, with its validation, its unit
of work and what the running service must learn of it afterwards (the closures read again, the
line state forgotten, the presence listeners told). The adapters only check who asks and put the
answer into their own words, so the API and the console cannot do the same thing differently.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from agents import (
    Agent,
    AgentError,
    PresenceStatus,
    UnknownAgentError,
    create_agent,
    find_agent,
    presence,
    reset_pin,
    set_enabled,
    set_presence,
)
from calls import ClosureState, close_helpdesk, line_state, reopen_helpdesk
from routing import LineState, closure_problems, parse_until
from service.runtime import Runtime

# The loggers the API wrote these lines to before the console shared them.
log = logging.getLogger("ivr")
closures_log = logging.getLogger("ivr.closures")


class ClosureRefusedError(ValueError):
    """A closure that may not be stored; ``problems`` as ``routing.closure_problems`` words them,
    each starting with its field (``reason:``, ``until:``, ``message:``)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class AgentDisabledError(AgentError):
    """A disabled agent can only be set offline."""


def close_now(
    rt: Runtime[Any], helpdesk_id: str, *, reason: str, until: str | None, message: str | None, who: str
) -> ClosureState:
    """Close ``helpdesk_id`` at once, until the local time ``until`` (``"14:00"`` or
    ``"2026-12-15T14:00"``) or until reopened; audited as ``who``.

    ``ClosureRefusedError`` with every problem of the input; ``SQLAlchemyError`` when the database
    cannot be written. Every instance applies it within 2 seconds (``service.closures``).
    """
    now = rt.clock()
    problems = closure_problems(reason, message)
    end: datetime | None = None
    if until is not None:
        try:
            end = parse_until(until, now, rt.config.zone)
        except ValueError as exc:
            problems.append(f"until: {exc}")
    if problems:
        raise ClosureRefusedError(problems)
    with rt.session() as session:
        state = close_helpdesk(
            session, helpdesk_id, now=now, reason=reason, until=end, message=message, who=who
        )
    rt.closures.forget()
    closures_log.warning(
        "helpdesk closed by ops", extra={"helpdesk": helpdesk_id, "who": who, "reason": reason}
    )
    return state


def reopen_now(rt: Runtime[Any], helpdesk_id: str, *, who: str) -> bool:
    """Reopen ``helpdesk_id``; whether it was closed (only then is it audited, as ``who``)."""
    with rt.session() as session:
        reopened = reopen_helpdesk(session, helpdesk_id, now=rt.clock(), who=who)
    rt.closures.forget()
    if reopened:
        closures_log.warning("helpdesk reopened by ops", extra={"helpdesk": helpdesk_id, "who": who})
    return reopened


def add_agent(rt: Runtime[Any], helpdesk_id: str, code: str, name: str, pin: str) -> Agent:
    """A new enabled agent; ``AgentDataError`` or ``DuplicateAgentError`` when it cannot be added."""
    with rt.session() as session:
        agent = create_agent(session, helpdesk_id, code, name, pin, rt.clock())
    log.info("agent added", extra={"helpdesk": agent.helpdesk_id, "agent": agent.code})
    return agent


def new_pin(rt: Runtime[Any], helpdesk_id: str, code: str, pin: str) -> None:
    """Give the agent ``pin`` (the old one stops working at once)."""
    with rt.session() as session:
        reset_pin(session, helpdesk_id, code, pin)
    log.info("agent PIN reset", extra={"helpdesk": helpdesk_id, "agent": code})


def allow_logins(rt: Runtime[Any], helpdesk_id: str, code: str, enabled: bool) -> Agent:
    """Allow or refuse the agent's logins; refusing also takes the agent offline at once."""
    with rt.session() as session:
        agent = set_enabled(session, helpdesk_id, code, enabled, rt.clock())
    log.info("agent %s", "enabled" if enabled else "disabled", extra={"helpdesk": helpdesk_id, "agent": code})
    if not enabled:
        rt.presence_changed(helpdesk_id)
    return agent


def change_presence(rt: Runtime[Any], helpdesk_id: str, code: str, status: PresenceStatus) -> LineState:
    """Set the agent ``status`` now; the helpdesk's line state afterwards.

    ``UnknownAgentError``, or ``AgentDisabledError`` for anything but offline of a disabled agent.
    """
    with rt.session() as session:
        agent = find_agent(session, helpdesk_id, code)
        if agent is None:
            raise UnknownAgentError(f"helpdesk {helpdesk_id} has no agent with code {code}")
        if not agent.enabled and status is not PresenceStatus.OFFLINE:
            raise AgentDisabledError(f"agent {code} of {helpdesk_id} is disabled")
        # An agent logged in by phone stays tied to that call, so hanging up still logs them out.
        current = next((p for p in presence(session, helpdesk_id) if p.agent == code), None)
        call_sid = current.call_sid if current is not None and status is not PresenceStatus.OFFLINE else None
        set_presence(session, helpdesk_id, code, status, rt.clock(), call_sid=call_sid)
        line = line_state(session, helpdesk_id)
    rt.lines.forget(helpdesk_id)
    if status is not PresenceStatus.AVAILABLE:
        rt.presence_changed(helpdesk_id)
    return line
