"""What the "Nu" page shows, in Dutch: the live state of ``service.live`` put into words.

The page is rendered from these values once and then refreshed from the same values as JSON
(``static/now.js`` only copies the texts into place), so the words and figures are made in one
place and the script holds no formatting of its own.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from pydantic import TypeAdapter

from agents import AgentState, PresenceStatus
from service.live import HelpdeskLive, LiveState, RecentLive
from service.runtime import Runtime
from staffing import StaffingReason

_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
STATUS_WORDS = {
    PresenceStatus.AVAILABLE: "beschikbaar",
    PresenceStatus.BREAK: "pauze",
    PresenceStatus.OUTBOUND: "belt uit",
    PresenceStatus.OFFLINE: "afgemeld",
}
NOTHING = "–"


def moment(when: datetime, now: datetime, zone: tzinfo) -> str:
    """``17:00`` on the day of ``now``, else ``wo 3 dec 08:00`` (local time)."""
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return clock
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {clock}"


def wait_text(seconds: int | None) -> str:
    """``2:05`` (minutes and seconds), or a dash when nobody waits."""
    if seconds is None:
        return NOTHING
    return f"{seconds // 60}:{seconds % 60:02d}"


def opening_text(desk: HelpdeskLive, now: datetime, zone: tzinfo) -> str:
    """Open or closed, and until when; a closure by ops beats the opening hours."""
    if desk.closure is not None:
        until = desk.closure.closure.until
        text = "Gesloten door ops" + (f" tot {moment(until, now, zone)}" if until is not None else "")
        return f"{text} ({desk.closure.closure.reason})"
    if desk.open_now:
        return "Open" + (f" tot {moment(desk.next_closing, now, zone)}" if desk.next_closing else "")
    return "Gesloten" + (f", opent {moment(desk.next_opening, now, zone)}" if desk.next_opening else "")


def alert_text(desk: HelpdeskLive) -> str:
    """The staffing alert and why (playbook 1.2.1: ``queue.min_agents`` while open, and the peaks
    the forecast expects this hour), or "Geen"."""
    if desk.staffing_reason is StaffingReason.MIN_AGENTS:
        return f"Te weinig medewerkers: {desk.agents_logged_in} beschikbaar, minimum {desk.min_agents}"
    if desk.staffing_reason is StaffingReason.FORECAST:
        return (
            f"Te weinig medewerkers voor de prognose: {desk.agents_logged_in} beschikbaar, "
            f"{desk.agents_required} nodig dit uur"
        )
    return "Geen"


@dataclass(frozen=True, slots=True)
class HelpdeskView:
    id: str
    name: str
    alert: bool
    # Field name (the page's ``data-field``) → text, in the order the page shows them.
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class AgentRow:
    helpdesk: str
    code: str
    name: str
    status: str
    since: str
    calls_today: str


@dataclass(frozen=True, slots=True)
class NowView:
    updated: str
    helpdesks: list[HelpdeskView]
    agents: list[AgentRow]


# The figures of a helpdesk, labelled as the page shows them.
FIELD_LABELS = {
    "opening": "Helpdesk",
    "central": "Centrale helpdesk",
    "available": "Beschikbaar",
    "on_break": "Pauze",
    "outbound": "Belt uit",
    "waiting": "Wachtende bellers",
    "returning": "Waarvan terugbellers",
    "longest_wait": "Langste wachttijd",
    "alert": "Personeelsalarm",
}


def now_view(
    helpdesks: Sequence[HelpdeskLive], agents: Sequence[AgentState], now: datetime, zone: tzinfo
) -> NowView:
    """The "Nu" page's texts for the live state read at ``now``."""
    names = {desk.id: desk.name for desk in helpdesks}
    on_break = Counter(agent.helpdesk_id for agent in agents if agent.status is PresenceStatus.BREAK)
    views = [
        HelpdeskView(
            id=desk.id,
            name=desk.name,
            alert=desk.staffing_reason is not None,
            fields={
                "opening": opening_text(desk, now, zone),
                "central": "Open" if desk.central_open_now else "Gesloten",
                "available": str(desk.agents_logged_in),
                "on_break": str(on_break[desk.id]),
                "outbound": str(desk.agents_outbound),
                "waiting": str(desk.callers_waiting),
                "returning": str(desk.callers_returning),
                "longest_wait": wait_text(desk.longest_wait_s),
                "alert": alert_text(desk),
            },
        )
        for desk in helpdesks
    ]
    rows = [
        AgentRow(
            helpdesk=names.get(agent.helpdesk_id, agent.helpdesk_id),
            code=agent.code,
            name=agent.name,
            status=_agent_status(agent),
            since=moment(agent.since, now, zone) if agent.since is not None else NOTHING,
            calls_today=str(agent.calls_taken_today),
        )
        for agent in agents
    ]
    return NowView(updated=f"{now.astimezone(zone):%H:%M:%S}", helpdesks=views, agents=rows)


def _agent_status(agent: AgentState) -> str:
    words = STATUS_WORDS[agent.status]
    if agent.on_call_now:
        words += ", in gesprek"
    if not agent.enabled:
        words += " (uitgeschakeld)"
    return words


_NOW_JSON = TypeAdapter(NowView)


class SharedNow:
    """The "Nu" page's texts of the live reading every page of this process shares
    (:class:`service.live.RecentLive`, at most a second old), put into words and encoded as JSON
    once per reading rather than once per page."""

    def __init__(self, live: RecentLive | None = None) -> None:
        self._live = live if live is not None else RecentLive()
        self._lock = threading.Lock()
        self._made: tuple[LiveState, NowView, bytes] | None = None

    def _of(self, rt: Runtime[Any]) -> tuple[NowView, bytes]:
        state = self._live.read(rt)
        with self._lock:
            made = self._made
            if made is None or made[0] is not state:
                view = now_view(state.helpdesks, state.agents, state.now, rt.config.zone)
                made = (state, view, _NOW_JSON.dump_json(view))
                self._made = made
            return made[1], made[2]

    def forget(self) -> None:
        """Drop the shared reading, so that the next page shows a change made here at once."""
        self._live.forget()

    def view(self, rt: Runtime[Any]) -> NowView:
        """The texts of the page (raises ``SQLAlchemyError`` when the database cannot be read)."""
        return self._of(rt)[0]

    def encoded(self, rt: Runtime[Any]) -> bytes:
        """The same texts as JSON, for the page's script."""
        return self._of(rt)[1]

    def recent_encoded(self, rt: Runtime[Any]) -> bytes | None:
        """:meth:`encoded` if the shared reading is still recent, else ``None`` (never reads)."""
        made = self._made
        if made is None or self._live.recent(rt) is not made[0]:
            return None
        return made[2]
