"""What the "Beheer" page says, in Dutch: the config, the week's hours, closures and agents.

The figures come from the functions the API and ``ivr check-config`` use (``service.reload``,
``schedules.Schedule.week`` and ``coming_holidays``, ``service.live``); this module only puts
them into words, as ``console.now`` does for "Nu".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Final

from agents import AgentState, PresenceStatus
from agents.accounts import MAX_NAME_LENGTH
from config import Helpdesk
from console.now import STATUS_WORDS, moment
from schedules import DayPlan, Schedule
from schedules.describe import DAY_NAMES_NL, MONTH_NAMES_NL, describe_date_nl
from service.live import HelpdeskLive

NOTE_EXCEPTION: Final = "uitzondering"
STATUS_ORDER: Final = (
    PresenceStatus.AVAILABLE,
    PresenceStatus.BREAK,
    PresenceStatus.OUTBOUND,
    PresenceStatus.OFFLINE,
)
RELOADED: Final = {
    "reloaded": "De configuratie is opnieuw geladen: versie {version}.",
    "unchanged": "De configuratie is ongewijzigd: versie {version} blijft in gebruik.",
    "refused": "Het bestand werd geweigerd; versie {version} blijft in gebruik. De fouten staan hieronder.",
}


@dataclass(frozen=True, slots=True)
class DayRow:
    """One day as ``ivr check-config`` lists it: the date, the hours that apply, and why."""

    day: str
    # The ranges ("09:00-12:30"), none on a closed day.
    hours: list[str]
    note: str


@dataclass(frozen=True, slots=True)
class ScheduleView:
    days: list[DayRow]
    # None: the schedule keeps no holiday calendar (check-config then lists none either).
    holidays: list[str] | None


@dataclass(frozen=True, slots=True)
class DeskView:
    id: str
    name: str
    numbers: str
    opening: str
    closed_by_ops: str | None
    schedule: ScheduleView


@dataclass(frozen=True, slots=True)
class AgentView:
    helpdesk: str
    code: str
    name: str
    enabled: bool
    status: str
    status_text: str


@dataclass(frozen=True, slots=True)
class ConfigView:
    file: str | None
    version: str
    loaded_at: str
    errors: tuple[str, ...]
    reloadable: bool


@dataclass(frozen=True, slots=True)
class Failed:
    """A form sent back with problems: which one, what it held (never a PIN), and per field why."""

    form: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        """The id of the page's part that holds the form."""
        kind, _, rest = self.form.partition(":")
        if kind == "add":
            return "add-agent"
        if kind in {"close", "reopen"}:
            return f"beheer-{rest}"
        return "agent-" + rest.replace(":", "-")


def day_row(plan: DayPlan) -> DayRow:
    """A day of the week as ``ivr check-config`` shows it (``cli.main._day_line``), in Dutch."""
    hours = [str(span) for span in plan.ranges]
    note = {"exception": NOTE_EXCEPTION, "holiday": plan.holiday or "", "weekday": ""}[plan.source]
    if plan.source == "weekday" and plan.holiday:
        note = f"{plan.holiday}, gewone uren"
    day = plan.day
    return DayRow(
        day=f"{DAY_NAMES_NL[day.weekday()]} {day.day} {MONTH_NAMES_NL[day.month - 1]}", hours=hours, note=note
    )


def schedule_view(schedule: Schedule, first: date, days: int = 7) -> ScheduleView:
    """The coming ``days`` and the next holidays, taken as ``ivr check-config`` takes them."""
    coming = schedule.coming_holidays(first)
    holidays = None if coming is None else [f"{describe_date_nl(day)}: {name}" for day, name in coming]
    return ScheduleView(days=[day_row(plan) for plan in schedule.week(first, days)], holidays=holidays)


def closure_text(desk: HelpdeskLive, now: datetime, zone: tzinfo) -> str | None:
    """Since when and by whom ops closed the helpdesk (the audit's name), or ``None``."""
    if desk.closure is None:
        return None
    state = desk.closure
    ending = "" if state.closure.until is not None else ", tot ops heropenen"
    return f"Gesloten sinds {moment(state.closed_at, now, zone)} door {state.closed_by}{ending}."


def agent_view(agent: AgentState) -> AgentView:
    return AgentView(
        helpdesk=agent.helpdesk_id,
        code=agent.code,
        name=agent.name,
        enabled=agent.enabled,
        status=agent.status.value,
        status_text=STATUS_WORDS[agent.status],
    )


# The notice of each action, by the ``gedaan`` key of the redirect: fixed texts, into which only
# a known helpdesk's name and an agent code of digits are put.
NOTICES: Final = {
    "gesloten": "{desk} is gesloten.",
    "heropend": "{desk} is weer open volgens de openingsuren.",
    "toegevoegd": "Medewerker {code} is toegevoegd aan {desk}.",
    "pincode": "Medewerker {code} van {desk} heeft een nieuwe pincode.",
    "ingeschakeld": "Medewerker {code} van {desk} kan zich weer aanmelden.",
    "uitgeschakeld": "Medewerker {code} van {desk} kan zich niet meer aanmelden en is afgemeld.",
    **{
        f"status-{status.value}": f"Medewerker {{code}} van {{desk}}: {word}."
        for status, word in STATUS_WORDS.items()
    },
}
_DIGITS = re.compile(r"[0-9]{1,8}")


def notice_text(query: Mapping[str, str], helpdesks: Sequence[Helpdesk]) -> str | None:
    done = query.get("gedaan")
    if done is None:
        return None
    if done.startswith("herladen-"):
        status, version = done.removeprefix("herladen-"), query.get("versie", "")
        text = RELOADED.get(status)
        return (
            text.format(version=version)
            if text is not None and re.fullmatch(r"[0-9a-f]{1,64}", version)
            else None
        )
    names = {desk.id: desk.name for desk in helpdesks}
    desk, code = names.get(query.get("helpdesk", "")), query.get("code", "")
    text = NOTICES.get(done)
    if text is None or desk is None or ("{code}" in text and _DIGITS.fullmatch(code) is None):
        return None
    return text.format(desk=desk, code=code)


CLOSURE_FIELDS: Final = ("reason", "until", "message")
# routing.closure_problems and parse_until word their problems in English for the API and the
# command line; the console says the same in Dutch. Each pattern is tested against the real text.
_CLOSURE_DUTCH: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = [
    (re.compile(r"give the reason of the closure"), lambda _: "Geef de reden van de sluiting."),
    (re.compile(r"at most (\d+) characters"), lambda m: f"Ten hoogste {m[1]} tekens."),
    (
        re.compile(r"control characters \(such as line breaks\) are not allowed"),
        lambda _: "Geen regeleinden of andere stuurtekens.",
    ),
    (re.compile(r"the text is empty"), lambda _: "De tekst is leeg."),
    (
        re.compile(r'"(.*)" is not a local time like .*'),
        lambda m: f"„{m[1]}” is geen tijd zoals 14:00 of 2026-12-15T14:00.",
    ),
    (
        re.compile(r'"(.*)" \((\d{4}-\d\d-\d\d \d\d:\d\d)\) is not in the future'),
        lambda m: f"„{m[1]}” ({m[2]}) ligt niet in de toekomst.",
    ),
    (
        re.compile(r"unknown placeholder (\{[^}]*\}); use one of (.*)"),
        lambda m: f"Onbekende plaatshouder {m[1]}; gebruik {m[2]}.",
    ),
    (
        re.compile(r"(\{[^}]*\}) may only be used in (\w+)"),
        lambda m: f"{m[1]} mag alleen in de boodschap {m[2]}.",
    ),
]


def closure_problem_nl(problem: str) -> tuple[str, str]:
    """The field of a closure problem and the problem in Dutch (the English text when unknown)."""
    name, _, text = problem.partition(": ")
    for pattern, dutch in _CLOSURE_DUTCH:
        found = pattern.fullmatch(text)
        if found is not None:
            return name, dutch(found)
    if "{" in text or "}" in text:
        return name, "De accolades { } staan niet goed: elke { hoort bij een plaatshouder zoals {website}."
    return name, text


CODE_PROBLEM: Final = "Geef een code van 3 tot 8 cijfers."
PIN_PROBLEM: Final = "Geef een pincode van 4 tot 8 cijfers."
DISABLED_PROBLEM: Final = "Deze medewerker is uitgeschakeld: schakel eerst in, of kies afgemeld."
NAME_PROBLEM: Final = f"Geef een naam van 1 tot {MAX_NAME_LENGTH} tekens, zonder regeleinden of tabs."
