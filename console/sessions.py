"""Sign-in sessions of the web console, kept in the database.

Every instance behind the load balancer must know a session another one opened, and signing out
must end it everywhere at once; so a session is a row, not a signed cookie. The row holds only
a hash of the session's id: the id itself is the bearer secret, and lives in the browser's
cookie alone, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from config.settings import ROLES, Role
from database import Base, UtcDateTime

# Who a session is: staff, with the role of the token they signed in with, or an agent (agent
# code and PIN), who reads the info scripts and their own escalations only.
ConsoleRole = Literal["supervisor", "ops", "agent"]
AGENT: Final = "agent"

# How long a session lasts after signing in: a working day, then sign in again.
LIFETIME: Final = dt.timedelta(hours=8)
# 256 bits of randomness: guessing a live session is out of reach.
_ID_BYTES: Final = 32


class ConsoleSession(Base):
    """One signed-in browser: the role its token had (or ``agent`` with the agent's helpdesk and
    code), until ``expires_at`` or sign-out."""

    __tablename__ = "console_sessions"

    # SHA-256 of the session id, hex: the id is random, so a plain hash is enough (no salt).
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    agent_helpdesk: Mapped[str | None] = mapped_column(String(40))
    agent_code: Mapped[str | None] = mapped_column(String(8))


@dataclass(frozen=True, slots=True)
class AgentId:
    """An agent signed in to the console: the helpdesk and the agent's code there."""

    helpdesk_id: str
    code: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: who (the role, and the agent for an agent's) and until when."""

    role: ConsoleRole
    created_at: dt.datetime
    expires_at: dt.datetime
    agent: AgentId | None = None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session: Session, role: Role, now: dt.datetime) -> str:
    """Store a new session of ``role`` from ``now`` and return its id (the cookie's value).

    Expired sessions are removed on the way: signing in is rare, so this keeps the table small
    without a job of its own. Never commits.
    """
    return _open(session, role, None, now)


def open_agent_session(session: Session, agent: AgentId, now: dt.datetime) -> str:
    """Store a new session of ``agent`` from ``now`` and return its id. Never commits."""
    return _open(session, AGENT, agent, now)


def _open(session: Session, role: str, agent: AgentId | None, now: dt.datetime) -> str:
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    session_id = secrets.token_urlsafe(_ID_BYTES)
    session.add(
        ConsoleSession(
            id_hash=_hash(session_id),
            role=role,
            created_at=now,
            expires_at=now + LIFETIME,
            agent_helpdesk=agent.helpdesk_id if agent is not None else None,
            agent_code=agent.code if agent is not None else None,
        )
    )
    session.flush()
    return session_id


def signed_in(session: Session, session_id: str, now: dt.datetime) -> SignedIn | None:
    """The live session with this id at ``now``; ``None`` if unknown, expired or signed out."""
    row = session.execute(
        select(ConsoleSession).where(ConsoleSession.id_hash == _hash(session_id))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= now:
        return None
    if row.role == AGENT:
        if row.agent_helpdesk is None or row.agent_code is None:
            return None
        agent = AgentId(helpdesk_id=row.agent_helpdesk, code=row.agent_code)
        return SignedIn(role="agent", created_at=row.created_at, expires_at=row.expires_at, agent=agent)
    role = next((known for known in ROLES if known == row.role), None)
    if role is None:
        return None
    return SignedIn(role=role, created_at=row.created_at, expires_at=row.expires_at)


def close_session(session: Session, session_id: str) -> None:
    """End the session with this id (signing out); unknown ids are ignored. Never commits."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _hash(session_id)))


def csrf_token(session_id: str) -> str:
    """The token every changing form of this session carries.

    Derived from the session's secret id, so it is bound to the session, needs no storage, and
    cannot be computed by a page of another site (which never sees the cookie).
    """
    return hmac.new(session_id.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_id: str, presented: str) -> bool:
    """Whether ``presented`` is this session's CSRF token (compared in constant time)."""
    return hmac.compare_digest(csrf_token(session_id).encode(), presented.encode())


def new_pre_session() -> str:
    """The id of a browser that has not signed in yet (the sign-in forms' cookie)."""
    return secrets.token_urlsafe(_ID_BYTES)


def sign_in_token(pre_session_id: str) -> str:
    """The token the sign-in forms carry: bound to the browser's pre-session cookie, so that a
    page of another site cannot sign a browser in to an account of its choosing (login CSRF).
    Keyed apart from the session's token, so one never passes for the other."""
    return hmac.new(pre_session_id.encode(), b"console-sign-in", hashlib.sha256).hexdigest()


def sign_in_token_matches(pre_session_id: str, presented: str) -> bool:
    return hmac.compare_digest(sign_in_token(pre_session_id).encode(), presented.encode())
