"""The ``job_ticks`` and ``staffing_alerts`` tables."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class StaffingReason(enum.StrEnum):
    """Why a helpdesk has too few agents: fewer than ``queue.min_agents`` (playbook 1.2.1), or
    fewer than the forecast needs for the current hour."""

    MIN_AGENTS = "min_agents"
    FORECAST = "forecast"


class JobTick(Base):
    """One row per scheduled job and minute: whoever inserts it runs that job for that minute."""

    __tablename__ = "job_ticks"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    tick: Mapped[dt.datetime] = mapped_column(UtcDateTime(), primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class StaffingAlert(Base):
    """A stretch of opening hours during which a helpdesk had fewer agents than it needs.

    Raised at ``tick`` with the agents counted then and the agents ``required`` for ``reason``;
    ``resolved_at`` is the tick at which enough agents were logged in again, the helpdesk closed or
    the reason changed (``NULL`` while the alert lasts).
    """

    __tablename__ = "staffing_alerts"
    __table_args__ = (UniqueConstraint("helpdesk_id", "tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    tick: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    agents: Mapped[int] = mapped_column(Integer())
    required: Mapped[int] = mapped_column(Integer())
    reason: Mapped[str] = mapped_column(String(20), server_default=StaffingReason.MIN_AGENTS.value)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
