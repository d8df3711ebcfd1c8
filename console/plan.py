"""The "Plan" page (playbook 1.2.1, 1.4.1): a helpdesk's forecast, the week's staffing plan, its
invitation batches and the advice on the planned ones, in Dutch.

The figures come from the functions the API's ``/api/forecast``, ``/api/staffing-plan``,
``/api/invitations`` and ``/api/invitations/advice`` call (``planning``, ``calllog``), for the same
moment and with the same rounding (expected calls to 1 decimal), so the page shows what the API
answers. Too little history is no error: the page says the forecast rests on the playbook's prior.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from calllog import FIRST_REPORT_DATE, LAST_REPORT_DATE, list_invitations
from config import Helpdesk, HelpdeskConfig
from console.auth import PATH, Rt, Visitor, page_visitor
from console.pages import templates
from planning import (
    AdviceReason,
    AgentsOutOfReachError,
    Basis,
    BatchAdvice,
    Forecast,
    Inputs,
    RotaInfeasibleError,
    ShiftRules,
    ShortReason,
    StaffingPlan,
    Step,
    Targets,
    WeekError,
    advice_for,
    forecast_helpdesk,
    most_agents_seen,
    parse_week,
    plan_week,
    week_name,
)
from planning.learning import MIN_HISTORY_DAYS, PRIOR_CONTACT_RATE
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
router = APIRouter(prefix=PATH, include_in_schema=False)
PageVisitor = Annotated[Visitor, Depends(page_visitor)]

# The days ahead the forecast shows (two weeks: this week's and the next one's batches).
FORECAST_DAYS: Final = 14
# The planned batches advised on: those of the API's longest period (92 days) from tomorrow.
ADVICE_DAYS: Final = 92
# The batches sent in the last four weeks still shape the calls (+0 … +6) and the learning.
SENT_DAYS: Final = 28
_DAY: Final = dt.timedelta(days=1)
WEEKDAYS: Final = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAYS_FULL: Final = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS: Final = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
SHORT_REASONS: Final = {
    ShortReason.CLOSED: "de helpdesk is dan gesloten",
    ShortReason.ABOVE_MAX_AGENTS: "er zijn maar {coverable} medewerkers met een account",
    ShortReason.NOT_COVERABLE: "de diensten en middagpauzes geven er hoogstens {coverable}",
}


def day_text(day: dt.date) -> str:
    """``wo 2 dec 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _named(day: dt.date) -> str:
    return f"{WEEKDAYS_FULL[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def decimal(value: float) -> str:
    """An expected number of calls as the API rounds it (1 decimal), with a decimal comma."""
    return f"{round(value, 1):.1f}".replace(".", ",")


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class ForecastRow:
    day: dt.date
    label: str
    open: bool
    invitations: str
    offered: str
    agents_needed: str


@dataclass(frozen=True, slots=True)
class HourRow:
    start: str
    offered: str
    agents_needed: str


@dataclass(frozen=True, slots=True)
class ShiftRow:
    time: str
    lunch: str
    agents: int


@dataclass(frozen=True, slots=True)
class HalfHourRow:
    time: str
    needed: str
    planned: str
    at_lunch: str


@dataclass(frozen=True, slots=True)
class PlanDay:
    label: str
    shifts: list[ShiftRow]
    half_hours: list[HalfHourRow]


@dataclass(frozen=True, slots=True)
class WeekPlan:
    week: str
    previous: str
    next: str
    basis: str
    # The rota, or why there is none (``problem`` and ``uncovered``).
    totals: dict[str, str]
    days: list[PlanDay]
    problem: str | None
    uncovered: list[str]


@dataclass(frozen=True, slots=True)
class BatchRow:
    date: dt.date
    label: str
    count: str
    kind: str


@dataclass(frozen=True, slots=True)
class AdviceRow:
    date: dt.date
    label: str
    invitations: str
    peak: str
    agents_needed: str
    ok: bool
    flags: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PlanView:
    helpdesk: Helpdesk
    helpdesks: list[Helpdesk]
    today: str
    basis: str
    forecast: list[ForecastRow]
    forecast_problem: str | None
    hour_day: str
    hour_day_iso: str
    hours: list[HourRow]
    plan: WeekPlan
    batches: list[BatchRow]
    advice: list[AdviceRow]
    advice_problem: str | None


def targets_of(config: HelpdeskConfig, desk: Helpdesk) -> Targets:
    """What the helpdesk's staffing must reach (as the API's forecast reads the config)."""
    return Targets(
        service_level=config.staffing.target_service_level,
        within_s=desk.queue.service_level_s,
        min_agents=desk.queue.min_agents,
        wrap_up_s=desk.agent_line.wrap_up,
    )


def basis_text(made: Forecast) -> str:
    """What the forecast rests on, plainly; with too little history, that it is the prior."""
    response = made.response
    if response.basis is Basis.LEARNED:
        since = f" (sinds {day_text(response.history_from)})" if response.history_from is not None else ""
        return (
            f"Geleerd uit {response.history_days} open dagen geschiedenis{since}: "
            f"{decimal(round(response.contact_rate, 4) * 100)} oproepen per 100 uitnodigingen."
        )
    return (
        f"Te weinig geschiedenis voor een eigen voorspelling: {response.history_days} open dagen met "
        f"oproepen, er zijn er minstens {MIN_HISTORY_DAYS} nodig (en de verstuurde uitnodigingen). "
        f"Tot dan rekent de voorspelling met het draaiboek: 1 oproep per "
        f"{round(1 / PRIOR_CONTACT_RATE)} uitnodigingen, gespreid over de dagen na het versturen."
    )


def forecast_rows(made: Forecast) -> list[ForecastRow]:
    return [
        ForecastRow(
            day=bucket.start.date(),
            label=day_text(bucket.start.date()),
            open=bucket.open,
            invitations=str(bucket.invitations or 0),
            offered=decimal(bucket.offered),
            agents_needed=str(bucket.agents_needed),
        )
        for bucket in made.buckets
    ]


def hour_rows(made: Forecast) -> list[HourRow]:
    """The hours the helpdesk is open (in part), as the hourly forecast gives them."""
    return [
        HourRow(
            start=f"{bucket.start:%H:%M}",
            offered=decimal(bucket.offered),
            agents_needed=str(bucket.agents_needed),
        )
        for bucket in made.buckets
        if bucket.open
    ]


def week_plan(
    monday: dt.date, plan: StaffingPlan | None, problem: str | None, uncovered: list[str]
) -> WeekPlan:
    around = {"previous": week_name(monday - 7 * _DAY), "next": week_name(monday + 7 * _DAY)}
    if plan is None:
        return WeekPlan(
            week_name(monday), basis="", totals={}, days=[], problem=problem, uncovered=uncovered, **around
        )
    rota = plan.rota
    days = []
    for offset in range(7):
        day = monday + offset * _DAY
        # The same shift taken by several agents is said once, with how many.
        same: Counter[tuple[str, str]] = Counter(
            (
                f"{clock(shift.start)}–{clock(shift.end)}",
                f"middagpauze {clock(shift.lunch_start)}–{clock(shift.lunch_end)}"
                if shift.lunch_start is not None and shift.lunch_end is not None
                else "geen middagpauze",
            )
            for shift in rota.shifts
            if shift.day == day
        )
        shifts = [ShiftRow(time=time, lunch=lunch, agents=agents) for (time, lunch), agents in same.items()]
        half_hours = [
            HalfHourRow(clock(item.start), str(item.needed), str(item.planned), str(item.at_lunch))
            for item in rota.half_hours
            if item.day == day
        ]
        days.append(PlanDay(label=day_text(day), shifts=shifts, half_hours=half_hours))
    most = "geen grens (nog geen medewerkersaccounts)" if plan.max_agents is None else str(plan.max_agents)
    return WeekPlan(
        week_name(monday),
        basis=basis_text(plan.forecast),
        totals={
            "Diensten": str(len(rota.shifts)),
            "Medewerkersuren": decimal(rota.agent_hours),
            "Ondergrens (geen rooster doet het met minder)": decimal(rota.lower_bound),
            "Medewerkers met een account (hoogstens tegelijk)": most,
        },
        days=days,
        problem=None,
        uncovered=[],
        **around,
    )


def flag_texts(advice: BatchAdvice, most_seen: int | None) -> list[tuple[str, str]]:
    """Each flag of a planned batch as a Dutch title and its explanation (playbook 1.4.1, 1.2.1)."""
    texts: list[tuple[str, str]] = []
    lag = f"+{advice.peak_lag} {'dag' if advice.peak_lag == 1 else 'dagen'}"
    for flag in advice.flags:
        match flag.reason:
            case AdviceReason.PEAK_ON_CLOSED_DAY:
                texts.append(
                    (
                        "Piek op een sluitingsdag",
                        f"Verstuurd op {_named(advice.date)}: de oproepen pieken op "
                        f"{_named(advice.peak_day)} ({lag}), wanneer de helpdesk gesloten is. De brieven "
                        "komen de dag na het versturen aan; het draaiboek (1.4.1) vraagt batches bij "
                        "voorkeur niet net voor een weekenddag te versturen als de lokale helpdesk dan "
                        "niet bereikbaar is.",
                    )
                )
            case AdviceReason.PEAK_BEFORE_CLOSED_DAY:
                texts.append(
                    (
                        "Piek vlak voor een sluitingsdag",
                        f"Verstuurd op {_named(advice.date)}: de oproepen pieken op "
                        f"{_named(advice.peak_day)} ({lag}), de dag voor de helpdesk gesloten is "
                        f"({_named(advice.peak_day + _DAY)}). Wie op de piekdag niet doorkomt, kan het de "
                        "dag nadien niet opnieuw proberen (draaiboek 1.4.1).",
                    )
                )
            case AdviceReason.MORE_AGENTS_THAN_EVER:
                texts.append(
                    (
                        "Meer medewerkers dan ooit",
                        f"De oproepen van deze batch alleen vragen {advice.agents_needed} medewerkers "
                        f"tegelijk, meer dan de {most_seen} die ooit tegelijk aangemeld waren. Het "
                        "draaiboek (1.2.1) rekent met pieken van 1 oproep per 20 genodigden en vraagt een "
                        "strikte planning van de medewerkers: verdeel de batch of plan meer medewerkers.",
                    )
                )
    return texts


def advice_rows(advice: tuple[BatchAdvice, ...], most_seen: int | None) -> list[AdviceRow]:
    return [
        AdviceRow(
            date=item.date,
            label=day_text(item.date),
            invitations=str(item.invitations),
            peak=f"{day_text(item.peak_day)} (+{item.peak_lag})",
            agents_needed=str(item.agents_needed),
            ok=item.ok,
            flags=flag_texts(item, most_seen),
        )
        for item in advice
    ]


class NotFoundError(LookupError):
    """A helpdesk, day or week the page does not know; the message says which, in Dutch."""


def _parse_day(text: str | None, default: dt.date) -> dt.date:
    if text is None:
        return default
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise NotFoundError(f"De dag {text!r} is geen datum als 2026-12-02.") from None
    if not FIRST_REPORT_DATE <= day <= LAST_REPORT_DATE:
        raise NotFoundError(f"De dag {text} ligt buiten de periode die de console kent.")
    return day


def _parse_week(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today - today.weekday() * _DAY
    try:
        monday = parse_week(text)
    except WeekError:
        raise NotFoundError(f"De week {text!r} bestaat niet (schrijf ze als 2026-W50).") from None
    if monday < FIRST_REPORT_DATE or monday + 6 * _DAY > LAST_REPORT_DATE:
        raise NotFoundError(f"De week {text} ligt buiten de periode die de console kent.")
    return monday


def plan_view(rt: Runtime[Any], helpdesk: str | None, day: str | None, week: str | None) -> PlanView:
    """The page's figures for ``helpdesk`` (the first one when not given) at the runtime's now."""
    config = rt.config
    desk = config.helpdesks[0] if helpdesk is None else config.helpdesk(helpdesk)
    if desk is None:
        raise NotFoundError(f"Er is geen helpdesk {helpdesk!r}.")
    today = rt.clock().astimezone(config.zone).date()
    hour_day = _parse_day(day, today)
    monday = _parse_week(week, today)
    inputs = Inputs(
        helpdesk_id=desk.id,
        schedule=config.schedule(desk),
        lag_prior=config.staffing.lag_profile,
        targets=targets_of(config, desk),
        today=today,
    )
    rules = ShiftRules.from_staffing(config.staffing)
    with rt.sessions() as session:
        ahead = _forecast(session, inputs, today, today + (FORECAST_DAYS - 1) * _DAY, Step.DAY)
        hours = _forecast(session, inputs, hour_day, hour_day, Step.HOUR)
        plan, problem, uncovered = _plan(session, inputs, monday, rules)
        batches = list_invitations(session, desk.id, today - SENT_DAYS * _DAY, today + ADVICE_DAYS * _DAY)
        try:
            advice = advice_for(session, inputs, today + _DAY, today + ADVICE_DAYS * _DAY)
            advice_problem = None
        except AgentsOutOfReachError as exc:
            advice, advice_problem = (), f"Geen advies: de voorspelling is buiten bereik ({exc})."
        most_seen = most_agents_seen(session, desk.id) if advice else None
    forecast_problem = None
    if isinstance(ahead, str):
        forecast_problem, rows, basis = ahead, [], ""
    else:
        rows, basis = forecast_rows(ahead), basis_text(ahead)
    return PlanView(
        helpdesk=desk,
        helpdesks=list(config.helpdesks),
        today=day_text(today),
        basis=basis,
        forecast=rows,
        forecast_problem=forecast_problem,
        hour_day=day_text(hour_day),
        hour_day_iso=hour_day.isoformat(),
        hours=[] if isinstance(hours, str) else hour_rows(hours),
        plan=week_plan(monday, plan, problem, uncovered),
        batches=[
            BatchRow(
                date=batch.date,
                label=day_text(batch.date),
                count=str(batch.count),
                kind="gepland" if batch.date > today else "verstuurd",
            )
            for batch in batches
        ],
        advice=advice_rows(advice, most_seen),
        advice_problem=advice_problem,
    )


def _forecast(session: Session, inputs: Inputs, first: dt.date, last: dt.date, step: Step) -> Forecast | str:
    try:
        return forecast_helpdesk(
            session,
            inputs.helpdesk_id,
            inputs.schedule,
            inputs.lag_prior,
            inputs.targets,
            first,
            last,
            step,
            inputs.today,
        )
    except AgentsOutOfReachError as exc:
        return f"De voorspelling is buiten bereik: {exc}."


def _plan(
    session: Session, inputs: Inputs, monday: dt.date, rules: ShiftRules
) -> tuple[StaffingPlan | None, str | None, list[str]]:
    try:
        return plan_week(session, inputs, monday, rules), None, []
    except AgentsOutOfReachError as exc:
        return None, f"Geen personeelsplan: de voorspelling is buiten bereik ({exc}).", []
    except RotaInfeasibleError as exc:
        uncovered = [
            f"{day_text(item.day)} {clock(item.start)}: {item.needed} nodig, maar "
            + SHORT_REASONS[item.reason].format(coverable=item.coverable)
            for item in exc.half_hours
        ]
        return None, "Geen rooster dekt elk half uur van deze week:", uncovered


def problem_page(
    request: Request, visitor: Visitor, message: str, *, status: int = 404, title: str = "Niet gevonden"
) -> HTMLResponse:
    """The console's page for what does not exist (404) or was not done (``status``)."""
    return templates.TemplateResponse(
        request,
        "problem.html",
        {"visitor": visitor, "helpdesks": [], "message": message, "title": title},
        status_code=status,
    )


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk: str | None = None,
    dag: str | None = None,
    week: str | None = None,
) -> HTMLResponse:
    """Plan: the forecast, the week's staffing plan, the invitation batches and their advice."""
    try:
        view = plan_view(rt, helpdesk, dag, week)
    except NotFoundError as exc:
        return problem_page(request, visitor, str(exc))
    except SQLAlchemyError:
        log.warning("database unreachable: console shows no plan", exc_info=True)
        raise HTTPException(status_code=503, detail="database unreachable") from None
    return templates.TemplateResponse(
        request, "plan.html", {"visitor": visitor, "helpdesks": [], "view": view}
    )
