"""Who the agents are: per helpdesk a login code, a name, a hashed PIN and whether they may log in.

Agents dial the agent number of their helpdesk and type their code, then their PIN (PRODUCT.md
"Agent line"; playbook 1.2.2: agents often work from home). Operations staff create agents,
reset a forgotten PIN, disable or remove them; supervisors follow the live state of every agent.
PINs are only ever held as a hash (``agents.pins``); nothing here returns or logs one.

The functions take the caller's session and never commit: the request owns the unit of work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, and_, case, column, delete, func, select, table, update
from sqlalchemy.orm import Session

from agents.pins import dummy_hash, hash_pin, is_valid_code, is_valid_pin, verify_pin
from agents.tables import AgentPresence, AgentRecord, PresenceStatus
from database import UtcDateTime, dialect_insert

MAX_NAME_LENGTH = 80

# The citizen calls an agent answered. The ``calls`` domain owns this table and sits above
# ``agents`` in the layers, so the columns the live view reads are named here instead of
# importing its model (the tests check they match).
_queue_entries = table(
    "queue_entries",
    column("helpdesk_id", String()),
    column("answered_by", String()),
    column("answered_at", UtcDateTime()),
    column("left_at", UtcDateTime()),
)


@dataclass(frozen=True, slots=True)
class Agent:
    helpdesk_id: str
    code: str
    name: str
    enabled: bool
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AgentState:
    """An agent as the supervisor sees it now.

    ``since`` is when the agent entered ``status`` (``None`` for an agent who never logged in);
    ``calls_taken_today`` counts the callers the agent answered since the start of the local day.
    """

    helpdesk_id: str
    code: str
    name: str
    enabled: bool
    status: PresenceStatus
    since: dt.datetime | None
    calls_taken_today: int
    on_call_now: bool


class AgentError(Exception):
    """An agent operation that cannot be done; the message says why and never holds a PIN."""


class DuplicateAgentError(AgentError):
    """The helpdesk already has an agent with this code."""


class UnknownAgentError(AgentError):
    """The helpdesk has no agent with this code."""


class AgentDataError(AgentError, ValueError):
    """A code, name or PIN of the wrong form."""


def validate_code(code: str) -> str:
    if not is_valid_code(code):
        raise AgentDataError("the agent code must be 3 to 8 digits")
    return code


def validate_pin(pin: str) -> str:
    if not is_valid_pin(pin):
        raise AgentDataError("the PIN must be 4 to 8 digits")
    return pin


def validate_name(name: str) -> str:
    """The name as stored: without surrounding blanks, 1 to 80 printable characters."""
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME_LENGTH or not cleaned.isprintable():
        raise AgentDataError(f"the name must be 1 to {MAX_NAME_LENGTH} printable characters")
    return cleaned


def create_agent(
    session: Session, helpdesk_id: str, code: str, name: str, pin: str, now: dt.datetime
) -> Agent:
    """Add an enabled agent to ``helpdesk_id``; ``DuplicateAgentError`` when the code is taken there."""
    values = {
        "helpdesk_id": helpdesk_id,
        "code": validate_code(code),
        "name": validate_name(name),
        "pin_hash": hash_pin(validate_pin(pin)),
        "enabled": True,
        "created_at": now,
    }
    # ON CONFLICT rather than look-then-insert: two requests creating the same code at once must
    # not both succeed, nor fail with a bare integrity error.
    insert = dialect_insert(session, AgentRecord).values(**values)
    row = session.execute(
        insert.on_conflict_do_nothing(index_elements=[AgentRecord.helpdesk_id, AgentRecord.code]).returning(
            AgentRecord.helpdesk_id,
            AgentRecord.code,
            AgentRecord.name,
            AgentRecord.enabled,
            AgentRecord.created_at,
        )
    ).one_or_none()
    if row is None:
        raise DuplicateAgentError(f"helpdesk {helpdesk_id} already has an agent with code {code}")
    return Agent(*row)


def find_agent(session: Session, helpdesk_id: str, code: str) -> Agent | None:
    record = _record(session, helpdesk_id, code)
    return _agent(record) if record is not None else None


def verify_login(session: Session, helpdesk_id: str, code: str, pin: str) -> Agent | None:
    """The enabled agent of ``helpdesk_id`` whose code and PIN these are, else ``None``.

    Exactly one PIN hash is computed whatever the outcome (an unknown code is checked against a
    dummy hash), so the answer time does not tell a caller which codes exist. Counting wrong
    PINs is the agent line's part (``agents.lockouts``): it knows the caller's number.
    """
    record = _record(session, helpdesk_id, code)
    matches = verify_pin(pin, record.pin_hash if record is not None else dummy_hash())
    if record is None or not matches or not record.enabled or not is_valid_pin(pin):
        return None
    return _agent(record)


def reset_pin(session: Session, helpdesk_id: str, code: str, pin: str) -> None:
    """Give the agent a new PIN (the old one stops working at once)."""
    new_hash = hash_pin(validate_pin(pin))
    _require(session, helpdesk_id, code).pin_hash = new_hash


def set_enabled(session: Session, helpdesk_id: str, code: str, enabled: bool, now: dt.datetime) -> Agent:
    """Allow or refuse the agent's logins; a disabled agent is also taken offline at ``now``."""
    record = _require(session, helpdesk_id, code)
    record.enabled = enabled
    if not enabled:
        _take_offline(session, helpdesk_id, code, now)
    session.flush()
    return _agent(record)


def remove_agent(session: Session, helpdesk_id: str, code: str, now: dt.datetime) -> None:
    """Delete the agent and take them offline at ``now``, so they stop counting as logged in."""
    deleted = session.execute(
        delete(AgentRecord)
        .where(AgentRecord.helpdesk_id == helpdesk_id, AgentRecord.code == code)
        .returning(AgentRecord.id)
    ).scalar_one_or_none()
    if deleted is None:
        raise UnknownAgentError(f"helpdesk {helpdesk_id} has no agent with code {code}")
    _take_offline(session, helpdesk_id, code, now)


def list_agents(session: Session, helpdesk_id: str | None = None) -> list[Agent]:
    """The agents of ``helpdesk_id`` (of every helpdesk when ``None``), by helpdesk and code."""
    query = select(AgentRecord).order_by(AgentRecord.helpdesk_id, AgentRecord.code)
    if helpdesk_id is not None:
        query = query.where(AgentRecord.helpdesk_id == helpdesk_id)
    return [_agent(record) for record in session.scalars(query)]


def agent_states(
    session: Session, helpdesk_id: str | None, day_start: dt.datetime, now: dt.datetime
) -> list[AgentState]:
    """Every agent of ``helpdesk_id`` (every helpdesk when ``None``) with status and today's calls.

    The status comes from ``agent_presence`` (an agent without a row is offline). Calls count when
    the agent answered them between ``day_start`` (the start of the local day) and ``now``; the
    agent is on a call now when one of those has not ended.
    """
    queue = _queue_entries.c
    taken = (
        select(
            queue.helpdesk_id,
            queue.answered_by,
            func.count().label("taken"),
            func.count(case((queue.left_at.is_(None), 1))).label("ongoing"),
        )
        .where(queue.answered_by.is_not(None), queue.answered_at >= day_start, queue.answered_at <= now)
        .group_by(queue.helpdesk_id, queue.answered_by)
        .subquery()
    )
    query = (
        select(
            AgentRecord.helpdesk_id,
            AgentRecord.code,
            AgentRecord.name,
            AgentRecord.enabled,
            AgentPresence.status,
            AgentPresence.since,
            func.coalesce(taken.c.taken, 0),
            func.coalesce(taken.c.ongoing, 0),
        )
        .outerjoin(
            AgentPresence,
            and_(
                AgentPresence.helpdesk_id == AgentRecord.helpdesk_id, AgentPresence.agent == AgentRecord.code
            ),
        )
        .outerjoin(
            taken,
            and_(taken.c.helpdesk_id == AgentRecord.helpdesk_id, taken.c.answered_by == AgentRecord.code),
        )
        .order_by(AgentRecord.helpdesk_id, AgentRecord.code)
    )
    if helpdesk_id is not None:
        query = query.where(AgentRecord.helpdesk_id == helpdesk_id)
    return [
        AgentState(
            helpdesk_id=desk,
            code=code,
            name=name,
            enabled=enabled,
            status=status or PresenceStatus.OFFLINE,
            since=since,
            calls_taken_today=calls,
            on_call_now=ongoing > 0,
        )
        for desk, code, name, enabled, status, since, calls, ongoing in session.execute(query)
    ]


def _record(session: Session, helpdesk_id: str, code: str) -> AgentRecord | None:
    return session.execute(
        select(AgentRecord).where(AgentRecord.helpdesk_id == helpdesk_id, AgentRecord.code == code)
    ).scalar_one_or_none()


def _require(session: Session, helpdesk_id: str, code: str) -> AgentRecord:
    record = _record(session, helpdesk_id, code)
    if record is None:
        raise UnknownAgentError(f"helpdesk {helpdesk_id} has no agent with code {code}")
    return record


def _agent(record: AgentRecord) -> Agent:
    return Agent(record.helpdesk_id, record.code, record.name, record.enabled, record.created_at)


def _take_offline(session: Session, helpdesk_id: str, code: str, now: dt.datetime) -> None:
    # Only an existing presence changes: an agent who never logged in gets no row.
    session.execute(
        update(AgentPresence)
        .where(
            AgentPresence.helpdesk_id == helpdesk_id,
            AgentPresence.agent == code,
            AgentPresence.status != PresenceStatus.OFFLINE,
        )
        .values(status=PresenceStatus.OFFLINE, call_sid=None, since=now)
    )
