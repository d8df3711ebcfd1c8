"""The console's report pages: "Vandaag" (a day's KPIs beside the same weekday a week before,
per hour and the waits) and "Periode" (any period and step, with the API's CSV).

The figures are ``service.reports``'s and ``calllog.wait_distribution``'s, the very functions
behind ``GET /api/metrics``, ``/api/metrics/series`` and ``/api/metrics/waits``; a period the API
refuses is refused here too, with the reason in Dutch on the page (422, or 404 for an unknown
helpdesk) and the form to correct it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, get_args

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from calllog import Step, wait_distribution
from config import HelpdeskConfig
from console.auth import PATH, Rt, Visitor, data_visitor, page_visitor
from console.figures import (
    BUCKET_COLUMNS,
    STEP_WORDS,
    WAIT_COLUMNS,
    bucket_rows,
    chart_data,
    kpi_figures,
    wait_rows,
)
from console.pages import HERE, templates
from service.reports import (
    BadPeriodError,
    UnknownHelpdeskError,
    check_buckets,
    check_period,
    period_figures_of,
    report_name,
    series_csv,
    series_figures,
)
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
router = APIRouter(prefix=PATH, include_in_schema=False)
PageVisitor = Annotated[Visitor, Depends(page_visitor)]
# Query values as typed: checked here, so that a wrong one gets the page with its reason.
Text = Annotated[str | None, Query(max_length=40)]
STEPS: Final[tuple[Step, ...]] = get_args(Step)
PERIOD_DAYS: Final = 7
WEEK: Final = dt.timedelta(days=7)
CSV_TYPE: Final = "text/csv; charset=utf-8"
# The API's reasons, in Dutch.
PROBLEMS: Final = {
    "is after": "De begindatum ligt na de einddatum.",
    "must lie between": "Kies datums tussen 2000 en 2999.",
    "longer than": "Een periode is hoogstens 366 dagen.",
    "buckets": "Te veel stappen voor deze periode: kies een langere stap of een kortere periode.",
    "unknown helpdesk": "Deze helpdesk bestaat niet.",
}


class ProblemError(Exception):
    """A query the report refuses: shown on the page with this text and status."""

    def __init__(self, text: str, status: int = 422) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


@dataclass
class Choice:
    """The report asked for: the helpdesk (``None``: all), the period and the step."""

    helpdesk: str | None
    first: dt.date
    last: dt.date
    step: Step = "hour"
    # The query as typed, to put back into the form when it is refused.
    typed: dict[str, str] = field(default_factory=dict)


def _date(text: str | None, default: dt.date, name: str) -> dt.date:
    if text is None or text == "":
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ProblemError(f"{name} is geen datum: schrijf ze als JJJJ-MM-DD (bv. 2026-12-01).") from None


def _check(config: HelpdeskConfig, choice: Choice, *, buckets: bool) -> None:
    try:
        check_period(config, choice.helpdesk, choice.first, choice.last)
        if buckets:
            check_buckets(config, choice.first, choice.last, choice.step)
    except UnknownHelpdeskError:
        raise ProblemError(PROBLEMS["unknown helpdesk"], 404) from None
    except BadPeriodError as exc:
        text = next((dutch for key, dutch in PROBLEMS.items() if key in str(exc)), str(exc))
        raise ProblemError(text) from None


def _today(rt: Runtime[Any]) -> dt.date:
    return rt.clock().astimezone(rt.config.zone).date()


def _desks(config: HelpdeskConfig) -> list[tuple[str, str]]:
    return [(desk.id, desk.name) for desk in config.helpdesks]


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"helpdesks": [], **context}, status_code=status)


def _unreadable() -> ProblemError:
    log.warning("database unreachable: console shows no figures", exc_info=True)
    return ProblemError("De service kan de cijfers nu niet lezen. Probeer het zo dadelijk opnieuw.", 503)


@router.get("/vandaag", response_class=HTMLResponse)
def today_page(
    request: Request, rt: Rt, visitor: PageVisitor, helpdesk: Text = None, dag: Text = None
) -> HTMLResponse:
    """Vandaag: the day's KPIs beside the same weekday last week, per hour, and the waits."""
    config = rt.config
    typed = {"helpdesk": helpdesk or "", "dag": dag or ""}
    context: dict[str, Any] = {"visitor": visitor, "desks": _desks(config), "typed": typed}
    try:
        day = _date(dag, _today(rt), "De dag")
        choice = Choice(helpdesk or None, day, day, "hour", typed)
        _check(config, choice, buckets=True)
        _check(config, Choice(choice.helpdesk, day - WEEK, day - WEEK), buckets=False)
        try:
            with rt.session() as session:
                today = period_figures_of(session, config, choice.helpdesk, day, day)
                week_before = period_figures_of(session, config, choice.helpdesk, day - WEEK, day - WEEK)
                buckets = series_figures(session, config, choice.helpdesk, day, day, "hour")
                bands = wait_distribution(session, choice.helpdesk, day, day)
        except SQLAlchemyError:
            raise _unreadable() from None
    except ProblemError as problem:
        return _render(request, "vandaag.html", {**context, "problem": problem.text}, problem.status)
    context |= {
        "problem": None,
        "day": day,
        "week_before": day - WEEK,
        "is_today": day == _today(rt),
        "helpdesk": choice.helpdesk,
        "kpis": kpi_figures(today, week_before),
        "columns": BUCKET_COLUMNS,
        "rows": bucket_rows(buckets, "hour", one_day=True),
        "wait_columns": WAIT_COLUMNS,
        "waits": wait_rows(bands),
        "chart": chart_data(buckets, bands, config.timezone, "hour"),
    }
    return _render(request, "vandaag.html", context)


def _period_choice(
    rt: Runtime[Any], helpdesk: str | None, van: str | None, tot: str | None, stap: str | None
) -> Choice:
    config = rt.config
    typed = {"helpdesk": helpdesk or "", "van": van or "", "tot": tot or "", "stap": stap or ""}
    today = _today(rt)
    last = _date(tot, today, "De einddatum")
    first = _date(van, last - dt.timedelta(days=PERIOD_DAYS - 1), "De begindatum")
    step = stap or "day"
    if step not in STEPS:
        raise ProblemError("Kies als stap 15m (kwartier), hour (uur) of day (dag).")
    choice = Choice(helpdesk or None, first, last, step, typed)
    _check(config, choice, buckets=True)
    return choice


def _query(choice: Choice) -> str:
    parts = [f"van={choice.first.isoformat()}", f"tot={choice.last.isoformat()}", f"stap={choice.step}"]
    if choice.helpdesk is not None:
        parts.append(f"helpdesk={choice.helpdesk}")
    return "&".join(parts)


@router.get("/periode", response_class=HTMLResponse)
def period_page(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk: Text = None,
    van: Text = None,
    tot: Text = None,
    stap: Text = None,
) -> HTMLResponse:
    """Periode: any period and step, its KPIs, the figures per step and the API's CSV."""
    config = rt.config
    typed = {"helpdesk": helpdesk or "", "van": van or "", "tot": tot or "", "stap": stap or "day"}
    context: dict[str, Any] = {
        "visitor": visitor,
        "desks": _desks(config),
        "typed": typed,
        "steps": STEP_WORDS,
    }
    try:
        choice = _period_choice(rt, helpdesk, van, tot, stap)
        try:
            with rt.session() as session:
                total = period_figures_of(session, config, choice.helpdesk, choice.first, choice.last)
                buckets = series_figures(
                    session, config, choice.helpdesk, choice.first, choice.last, choice.step
                )
                bands = wait_distribution(session, choice.helpdesk, choice.first, choice.last)
        except SQLAlchemyError:
            raise _unreadable() from None
    except ProblemError as problem:
        return _render(request, "periode.html", {**context, "problem": problem.text}, problem.status)
    context |= {
        "problem": None,
        "choice": choice,
        "typed": {
            **typed,
            "van": choice.first.isoformat(),
            "tot": choice.last.isoformat(),
            "stap": choice.step,
        },
        "kpis": kpi_figures(total),
        "columns": BUCKET_COLUMNS,
        "rows": bucket_rows(buckets, choice.step, one_day=choice.first == choice.last),
        "wait_columns": WAIT_COLUMNS,
        "waits": wait_rows(bands),
        "chart": chart_data(buckets, bands, config.timezone, choice.step),
        "csv": f"{PATH}/periode.csv?{_query(choice)}",
    }
    return _render(request, "periode.html", context)


@router.get("/periode.csv", response_model=None)
def period_csv(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    helpdesk: Text = None,
    van: Text = None,
    tot: Text = None,
    stap: Text = None,
) -> Response:
    """The period's figures per step as CSV: exactly ``GET /api/metrics/series?…&format=csv``."""
    config = rt.config
    try:
        choice = _period_choice(rt, helpdesk, van, tot, stap)
        try:
            with rt.session() as session:
                buckets = series_figures(
                    session, config, choice.helpdesk, choice.first, choice.last, choice.step
                )
        except SQLAlchemyError:
            raise _unreadable() from None
    except ProblemError as problem:
        context = {"visitor": visitor, "desks": _desks(config), "steps": STEP_WORDS, "problem": problem.text}
        typed = {"helpdesk": helpdesk or "", "van": van or "", "tot": tot or "", "stap": stap or "day"}
        return _render(request, "periode.html", {**context, "typed": typed}, problem.status)
    name = report_name(f"series-{choice.step}", choice.helpdesk, choice.first, choice.last)
    return Response(
        content=series_csv(buckets),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


VENDOR: Final = HERE / "static" / "vendor"
VENDOR_TYPES: Final = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@functools.cache
def vendored() -> dict[str, str]:
    """The vendored files the pages load (``static/vendor/VENDORED.toml``), by name: their type."""
    listed = tomllib.loads((VENDOR / "VENDORED.toml").read_text(encoding="utf-8"))["file"]
    names = (entry["name"] for entry in listed)
    return {name: VENDOR_TYPES[suffix] for name in names if (suffix := Path(name).suffix) in VENDOR_TYPES}


@router.get("/static/vendor/{name}", dependencies=[Depends(data_visitor)])
def vendor_asset(name: str) -> FileResponse:
    """A file of a vendored library (the chart library); only with a session."""
    media_type = vendored().get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="no such file")
    return FileResponse(VENDOR / name, media_type=media_type)
