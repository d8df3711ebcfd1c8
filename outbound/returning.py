"""Citizens who ring back (playbook 1.5.2: "Hou er rekening mee dat mensen die een gemiste oproep
zien van jullie ... ook zullen inbellen"): whether a caller is returning a call of ours they did
not answer.

A caller returns an attempt of the helpdesk when the latest call the helpdesk placed to the
caller's number within the window before now, among those that rang, went unanswered (MISSED:
no answer, busy, a machine). A later call that reached the person ends the link: they spoke with
us since. Calls still ringing (no outcome yet) and calls that failed before ringing (``failed``:
the person never saw them) do not count either way. The number is looked up by the call log's
keyed hash, never in clear.

The read is one indexed lookup (``ix_outbound_attempts_number_hash_started_at``), built here and
folded by the service into the arrival's read of the line state (``calls.line_states_with``), so
that an ordinary arrival costs no extra round trip. These functions take the caller's session
and never commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, bindparam, case, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from database import UtcDateTime
from outbound.tables import MISSED, OutboundAttempt, Outcome

_MISSED = sorted(outcome.value for outcome in MISSED)


def window_start(now: dt.datetime, window_hours: int) -> dt.datetime:
    """The first instant of the window before ``now`` in which a missed call counts."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    if window_hours < 1:
        raise ValueError(f"the window must be at least 1 hour, got {window_hours}")
    return now - dt.timedelta(hours=window_hours)


def returning_query(prefix: str = "") -> ScalarSelect[Any]:
    """The id of the attempt a caller returns, or NULL: a scalar subquery whose bind parameters
    are ``number_hash``, ``helpdesk_id``, ``since`` and ``until``, each named after ``prefix``
    (:func:`returning_params` gives their values)."""
    number_hash = bindparam(f"{prefix}number_hash", type_=String())
    helpdesk_id = bindparam(f"{prefix}helpdesk_id", type_=String())
    since = bindparam(f"{prefix}since", type_=UtcDateTime())
    until = bindparam(f"{prefix}until", type_=UtcDateTime())
    attempt = OutboundAttempt
    return (
        select(case((attempt.outcome.in_(_MISSED), attempt.id), else_=None))
        .where(
            attempt.number_hash == number_hash,
            attempt.started_at > since,
            attempt.started_at <= until,
            attempt.helpdesk_id == helpdesk_id,
            attempt.outcome.is_not(None),
            attempt.outcome != Outcome.FAILED.value,
        )
        .order_by(attempt.started_at.desc(), attempt.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def returning_params(
    number_hash: str, helpdesk_id: str, now: dt.datetime, window_hours: int
) -> dict[str, object]:
    """The values of :func:`returning_query`'s parameters (without the prefix)."""
    return {
        "number_hash": number_hash,
        "helpdesk_id": helpdesk_id,
        "since": window_start(now, window_hours),
        "until": now,
    }


def returning_attempt(
    session: Session, number_hash: str, helpdesk_id: str, now: dt.datetime, window_hours: int
) -> int | None:
    """The id of the unanswered attempt of ``helpdesk_id`` that the caller with ``number_hash``
    returns at ``now``, within ``window_hours`` (``outbound.callback_window_hours``); ``None``
    when the caller is not returning a call of ours."""
    found: int | None = session.execute(
        select(returning_query()), returning_params(number_hash, helpdesk_id, now, window_hours)
    ).scalar_one()
    return found
