"""A helpdesk's recent answered calls, as the estimate of a waiting caller's wait needs them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from calllog.tables import CallRecord
from routing.standing import RECENT_TALKS_S, RECENT_WAITS_S, WaitHistory


def wait_history(session: Session, helpdesk_id: str, now: dt.datetime) -> WaitHistory:
    """The answered waits of the calls that arrived in the last ``RECENT_WAITS_S`` seconds and the
    mean talk time of those of the last ``RECENT_TALKS_S`` seconds, read in one query.

    It reads the calls by arrival time (``ix_call_records_arrived_at``), so its cost grows with the
    calls of the last hours, not with the table.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    record = CallRecord
    answered = and_(record.helpdesk_id == helpdesk_id, record.outcome == "answered")
    waits_since = now - dt.timedelta(seconds=RECENT_WAITS_S)
    waited = case((and_(record.arrived_at >= waits_since, record.wait_s.is_not(None)), record.wait_s))
    count, mean_wait, mean_talk = session.execute(
        select(func.count(waited), func.avg(waited), func.avg(record.talk_s)).where(
            answered, record.arrived_at >= now - dt.timedelta(seconds=RECENT_TALKS_S)
        )
    ).one()
    return WaitHistory(
        answered=int(count),
        mean_wait_s=None if mean_wait is None else float(mean_wait),
        mean_talk_s=None if mean_talk is None else float(mean_talk),
    )
