"""The contact card of a local helpdesk for the central back-up helpdesk (playbook 1.6).

Playbook 1.6 asks each centre to keep its details current for the central back-up: an e-mail
address, the opening hours, and whether calls are routed ("routeert") or referred ("doorverwijst")
to the central helpdesk when busy and/or when closed. The card is generated from the config, so
it can never disagree with it: the hours are those ``{opening_hours}`` says in the closing message,
and the rules are those of :mod:`routing.decisions`, in words. Pure: the first date of the card
(from which dated exceptions are shown) is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import phonenumbers

from config.models import Helpdesk, HelpdeskConfig
from messages import join_dutch
from schedules import WeeklyHours, describe_hours_nl
from schedules.describe import describe_date_nl, describe_ranges_nl

TITLE = "Contactgegevens van de lokale helpdesk voor de centrale back-up helpdesk"
CENTRAL = "de centrale helpdesk"
# Playbook 1.2.3.3: the central helpdesk mails its escalations there; citizens only get the number.
EMAIL_NOTE = "alleen voor de centrale helpdesk, niet voor burgers"
EMAIL_MISSING = "niet opgegeven (helpdesks[].email in de configuratie)"
NO_HOURS = "geen vaste openingsuren"


@dataclass(frozen=True)
class SpecialDay:
    """A coming date with other hours than usual: a dated exception or an extra closing day."""

    day: date
    hours: str
    reason: Literal["exception", "holiday"]
    holiday: str | None


@dataclass(frozen=True)
class RoutingRule:
    """One situation in which a caller does not reach a local agent, and what happens then."""

    situation: Literal["wait_timeout", "queue_full", "no_agents", "closed"]
    to_central: Literal["forward", "announce", "no"]
    text: str


@dataclass(frozen=True)
class ContactCard:
    """What the central back-up needs to know of one local helpdesk; ``text`` is the card in Dutch."""

    helpdesk: str
    name: str
    municipalities: tuple[str, ...]
    numbers: tuple[str, ...]
    email: str | None
    opening_hours: str
    special_days: tuple[SpecialDay, ...]
    central_hours: str
    rules: tuple[RoutingRule, ...]
    first_day: date
    text: str


def written_number(e164: str) -> str:
    """A phone number as people write it down in Belgium: "03 310 01 00" for ``+3233100100``."""
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def duration_nl(seconds: int) -> str:
    """A wait in Dutch words: "3 minuten", "1 minuut", "2 minuten en 30 seconden", "45 seconden"."""
    minutes, rest = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} {'minuut' if minutes == 1 else 'minuten'}")
    if rest or not minutes:
        parts.append(f"{rest} {'seconde' if rest == 1 else 'seconden'}")
    return " en ".join(parts)


def routing_rules(config: HelpdeskConfig, desk: Helpdesk) -> tuple[RoutingRule, ...]:
    """The rules of :func:`routing.decisions.decide_arrival` and ``decide_wait`` for ``desk``, in words.

    Each forward to central happens only while central is open (playbook 1.2.3.1); the words say
    what the caller gets otherwise, as the decisions do: keep waiting, the busy message or the
    closing message.
    """
    queue = desk.queue
    outside = f"buiten de uren van {CENTRAL}"
    after = duration_nl(queue.overflow_after)
    if desk.overflow == "route":
        wait_timeout = RoutingRule(
            "wait_timeout",
            "forward",
            f"bij drukte: doorgeschakeld naar {CENTRAL} na {after} wachten; {outside} wacht de beller verder",
        )
    else:
        wait_timeout = RoutingRule(
            "wait_timeout",
            "announce",
            f"bij drukte: doorverwezen naar {CENTRAL} na {after} wachten (de wachtboodschap noemt het "
            f"nummer {written_number(config.central.number)}, de beller wordt niet doorgeschakeld); "
            f"{outside} wacht de beller verder",
        )
    callers = (
        "1 wachtende beller" if queue.lines_per_agent == 1 else f"{queue.lines_per_agent} wachtende bellers"
    )
    queue_full = RoutingRule(
        "queue_full",
        "forward",
        f"bij een volle wachtrij ({callers} per aangemelde medewerker): doorgeschakeld naar {CENTRAL}; "
        f"{outside}: de bezetboodschap",
    )
    no_agents = RoutingRule(
        "no_agents",
        "forward",
        f"als tijdens de openingsuren geen medewerker aangemeld is: doorgeschakeld naar {CENTRAL}; "
        f"{outside}: de sluitingsboodschap",
    )
    if desk.when_closed == "route_to_central":
        closed = RoutingRule(
            "closed",
            "forward",
            f"bij sluiting: doorgeschakeld naar {CENTRAL}; {outside}: de sluitingsboodschap",
        )
    else:
        closed = RoutingRule(
            "closed",
            "no",
            "bij sluiting: niet doorgeschakeld, de sluitingsboodschap met de openingsuren en de website",
        )
    return (wait_timeout, queue_full, no_agents, closed)


def special_days(config: HelpdeskConfig, desk: Helpdesk, first_day: date) -> tuple[SpecialDay, ...]:
    """From ``first_day`` on, the dated exceptions and the extra closing days that change the hours.

    Public holidays are not listed one by one: the opening hours already say what happens on them
    ("behalve op feestdagen"). An extra closing day without ``holidays`` hours keeps its weekday
    hours and is left out.
    """
    schedule = config.schedule(desk)
    extra = desk.holidays.extra if desk.holidays is not None else ()
    days = sorted({day for day in (*desk.exceptions, *extra) if day >= first_day})
    found: list[SpecialDay] = []
    for day in days:
        plan = schedule.plan(day)
        if plan.source == "weekday":
            continue
        found.append(
            SpecialDay(
                day=day,
                hours=describe_ranges_nl(plan.ranges),
                reason=plan.source,
                holiday=plan.holiday if plan.source == "holiday" else None,
            )
        )
    return tuple(found)


def contact_card(config: HelpdeskConfig, desk: Helpdesk, first_day: date) -> ContactCard:
    """The card of ``desk``; dated exceptions are shown from ``first_day`` on.

    The hours are said as the closing message's ``{opening_hours}`` says them (the same
    ``describe_hours_nl`` of the same ``hours``), so the card and the line never differ.
    """
    opening_hours = describe_hours_nl(WeeklyHours.from_days(desk.hours))
    central_hours = describe_hours_nl(WeeklyHours.from_days(config.central.hours))
    days = special_days(config, desk, first_day)
    rules = routing_rules(config, desk)
    lines = [
        TITLE,
        f"Helpdesk: {desk.name}",
        f"Gemeenten: {join_dutch(desk.municipalities)}",
        f"{'Telefoonnummer' if len(desk.numbers) == 1 else 'Telefoonnummers'}: "
        + ", ".join(written_number(number) for number in desk.numbers),
        f"E-mailadres ({EMAIL_NOTE}): {desk.email}" if desk.email else f"E-mailadres: {EMAIL_MISSING}",
        f"Openingsuren: {opening_hours or NO_HOURS}",
    ]
    if days:
        lines.append("Afwijkende dagen:")
        lines += [f"- {describe_date_nl(day.day)}: {day.hours}{_note(day)}" for day in days]
    else:
        lines.append("Afwijkende dagen: geen")
    lines.append(f"Uren van {CENTRAL}: {central_hours or NO_HOURS}")
    lines.append("Routering:")
    lines += [f"- {rule.text}" for rule in rules]
    return ContactCard(
        helpdesk=desk.id,
        name=desk.name,
        municipalities=desk.municipalities,
        numbers=desk.numbers,
        email=desk.email,
        opening_hours=opening_hours,
        special_days=days,
        central_hours=central_hours,
        rules=rules,
        first_day=first_day,
        text="\n".join(lines),
    )


def _note(day: SpecialDay) -> str:
    return f" ({day.holiday})" if day.holiday else ""
