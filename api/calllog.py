"""Supervisor API of the call log: KPIs, their time series, the call list (JSON or CSV) and the
invitations sent per day (PRODUCT.md "Interfaces" and "Metrics").

Next to the call KPIs: the escalations and one-and-done (playbook 1.4.2) in every period and
bucket, the calls to citizens (playbook 1.5) and the complaints register (playbook 1.4.3.3) of a
period; the series gives the complaints per day (null in shorter buckets: they have dates only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Annotated, Any, Final, Literal

import pydantic.dataclasses
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.types import DecoratedCallable
from pydantic import BaseModel, ConfigDict, Field, GetPydanticSchema, TypeAdapter, create_model

from api.auth import require_role
from api.call_list_schemas import FiguresOut
from api.errors import REFUSED
from calllog import (
    CALL_COLUMNS,
    MAX_LIMIT,
    OVERFLOW_REASONS,
    CallEntry,
    Cell,
    InvalidCursorError,
    Kpis,
    MenuKpis,
    Step,
    call_row,
    list_calls,
    list_invitations,
    menu_summary,
    set_invitations,
    to_csv,
    wait_distribution,
)
from complaints import ComplaintFigures
from config import HelpdeskConfig
from escalations import EscalationFigures
from service.reports import (
    BadPeriodError,
    UnknownHelpdeskError,
    check_buckets,
    check_period,
    period_csv,
    period_figures_of,
    report_name,
    series_csv,
    series_figures,
)
from service.runtime import Runtime, runtime

router = APIRouter(prefix="/api", tags=["metrics"])
Rt = Annotated[Runtime[Any], Depends(runtime)]
readers = [Depends(require_role("supervisor", "ops"))]

CSV_TYPE: Final = "text/csv; charset=utf-8"
CSV_RESPONSE: Final[dict[str, object]] = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "JSON, or CSV on request",
}

HelpdeskQuery = Annotated[
    str | None, Query(description="helpdesk id; all helpdesks when left out", max_length=40)
]
FromQuery = Annotated[dt.date, Query(alias="from", description="first local date, YYYY-MM-DD")]
ToQuery = Annotated[dt.date, Query(alias="to", description="last local date (included), YYYY-MM-DD")]
FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="csv for CSV; the Accept header text/csv does the same"),
]


# One count per overflow reason; the OpenAPI document names each reason.
_BY_REASON: Final[dict[str, Any]] = dict.fromkeys(OVERFLOW_REASONS, int)
OverflowByReason = create_model("OverflowByReason", **_BY_REASON)


@pydantic.dataclasses.dataclass(frozen=True)
class KpisOut(Kpis):
    """The KPIs of PRODUCT.md "Metrics"; ratios 0..1 to 4 decimals, seconds to 1 decimal."""

    # Kpis's mapping, checked and described as one count per reason.
    overflowed_by_reason: Annotated[
        Mapping[str, int], GetPydanticSchema(lambda _, handler: handler(OverflowByReason))
    ]
    escalations: Annotated[
        int,
        Field(
            description="escalations stored (by the agents and central's urgent questions, playbook 1.3.2.2)"
        ),
    ]
    escalations_urgent: Annotated[
        int, Field(description="of those, central's urgent questions (playbook 1.2.3.3)")
    ]
    one_and_done: Annotated[
        float | None,
        Field(
            description="1 - (escalations - escalations_urgent) / answered: the share of answered calls "
            "that needed no colleague (playbook 1.4.2); null when nothing was answered"
        ),
    ]

    @classmethod
    def of(cls, kpis: Kpis, escalated: EscalationFigures) -> KpisOut:
        return cls(
            **vars(kpis),
            escalations=escalated.escalations,
            escalations_urgent=escalated.escalations_urgent,
            one_and_done=escalated.one_and_done,
        )


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    helpdesk: str | None
    from_: dt.date = Field(alias="from")
    to: dt.date


class ComplaintsOut(BaseModel):
    """The complaints register's figures of the period (playbook 1.4.3.3)."""

    received: int = Field(description="complaints received in the period (by their date of receipt)")
    answered: int = Field(description="complaints given their final answer in the period")
    answered_in_time: float | None = Field(
        description="of those answered, the share answered within 45 calendar days of receipt; null when none"
    )

    @classmethod
    def of(cls, figures: ComplaintFigures) -> ComplaintsOut:
        return cls(
            received=figures.received, answered=figures.answered, answered_in_time=figures.answered_in_time
        )


class MetricsOut(Period):
    kpis: KpisOut
    outbound: FiguresOut = Field(
        description="the calls to citizens from the call lists placed in the period (playbook 1.5)"
    )
    complaints: ComplaintsOut = Field(description="the complaints register of the period (playbook 1.4.3.3)")


class BucketOut(BaseModel):
    start: dt.datetime = Field(description="first instant of the bucket, local time with its UTC offset")
    kpis: KpisOut
    complaints: ComplaintsOut | None = Field(
        description="the complaints register of the day (step day); null in shorter buckets"
    )


class SeriesOut(Period):
    step: Step
    timezone: str
    buckets: list[BucketOut]


@pydantic.dataclasses.dataclass(frozen=True)
class CallOut(CallEntry):
    """One call; the caller's number only masked."""


class CallsOut(Period):
    calls: list[CallOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last page")


# The calls as call_row writes them: their times in local time with the UTC offset.
_CALLS_OUT: Final = TypeAdapter(list[CallOut])


class InvitationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    helpdesk: str = Field(max_length=40)
    date: dt.date = Field(description="the day the letters go out; a future date is a planned batch")
    count: int = Field(ge=0, le=10_000_000)


class InvitationsOut(BaseModel):
    helpdesk: str
    date: dt.date
    count: int


class InvitationListOut(Period):
    invitations: list[InvitationsOut] = Field(description="one entry per helpdesk and date, by date")


def _period(config: HelpdeskConfig, helpdesk: str | None, first: dt.date, last: dt.date) -> None:
    try:
        check_period(config, helpdesk, first, last)
    except UnknownHelpdeskError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except BadPeriodError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "csv"
    accepted = (part.split(";")[0].strip().lower() for part in request.headers.get("accept", "").split(","))
    return "text/csv" in accepted


def _csv(columns: Sequence[str], rows: list[dict[str, Cell]], name: str) -> Response:
    return csv_response(to_csv(columns, rows), name)


def csv_response(content: str, name: str) -> Response:
    return Response(
        content=content,
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _report(
    path: str, summary: str, model: type[BaseModel], csv_headers: Mapping[str, object] | None = None
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A GET of a report: for supervisors and ops, answered as ``model`` or as CSV."""
    ok = CSV_RESPONSE if csv_headers is None else {**CSV_RESPONSE, "headers": csv_headers}
    return router.get(
        path, summary=summary, dependencies=readers, response_model=model, responses={200: ok, **REFUSED}
    )


@_report("/metrics", "Call KPIs of a helpdesk (or all) for a range of local dates", MetricsOut)
def get_metrics(
    rt: Rt,
    request: Request,
    first: FromQuery,
    last: ToQuery,
    helpdesk: HelpdeskQuery = None,
    format_: FormatQuery = None,
) -> MetricsOut | Response:
    config = rt.config
    _period(config, helpdesk, first, last)
    with rt.session() as session:
        found = period_figures_of(session, config, helpdesk, first, last)
    if _wants_csv(request, format_):
        return csv_response(
            period_csv(helpdesk, first, last, found), report_name("metrics", helpdesk, first, last)
        )
    return MetricsOut(
        helpdesk=helpdesk,
        from_=first,
        to=last,
        kpis=KpisOut.of(found.kpis, found.escalations),
        outbound=FiguresOut.of(found.outbound),
        complaints=ComplaintsOut.of(found.complaints),
    )


class MenuKpisOut(BaseModel):
    """A shared number's menu: calls that reached it, and the calls per choice key and per way of
    choosing (dtmf, speech, default); ``no_choice``: hung up in the menu."""

    number: str
    name: str | None
    menu_offered: int
    choices: dict[str, int]
    by_how: dict[str, int]
    no_choice: int


class MenusOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    menus: list[MenuKpisOut]


MenuQuery = Annotated[
    str | None, Query(description="the menu's number (E.164); every menu when left out", max_length=32)
]


@router.get(
    "/metrics/menus",
    summary="The menus of shared numbers: calls that reached each and the calls per choice",
    dependencies=readers,
    response_model=MenusOut,
    responses=REFUSED,
)
def get_menu_metrics(rt: Rt, first: FromQuery, last: ToQuery, menu: MenuQuery = None) -> MenusOut:
    config = rt.config
    _period(config, None, first, last)
    menus = config.menus if menu is None else tuple(m for m in config.menus if m.number == menu)
    if menu is not None and not menus:
        raise HTTPException(status_code=404, detail=f"no menu answers {menu!r}")
    out: list[MenuKpisOut] = []
    with rt.session() as session:
        for shared in menus:
            keys = [choice.key for choice in shared.choices]
            kpis: MenuKpis = menu_summary(session, shared.id, keys, first, last, config.zone)
            out.append(MenuKpisOut(number=shared.number, name=shared.name, **vars(kpis)))
    return MenusOut(from_=first, to=last, menus=out)


class WaitBandOut(BaseModel):
    """The calls that waited at least ``from_s`` and less than ``to_s`` seconds in the queue."""

    from_s: int
    to_s: int | None = Field(description="excluded; null for the last band (every longer wait)")
    calls: int
    answered: int
    abandoned: int
    overflowed: int


class WaitsOut(Period):
    bands: list[WaitBandOut] = Field(
        description="every band, shortest waits first; the calls that entered the queue with a known wait"
    )


@router.get(
    "/metrics/waits",
    summary="The distribution of waits: the calls that entered the queue per band of waiting time",
    dependencies=readers,
    response_model=WaitsOut,
    responses=REFUSED,
)
def get_waits(rt: Rt, first: FromQuery, last: ToQuery, helpdesk: HelpdeskQuery = None) -> WaitsOut:
    _period(rt.config, helpdesk, first, last)
    with rt.session() as session:
        bands = wait_distribution(session, helpdesk, first, last)
    return WaitsOut(
        helpdesk=helpdesk, from_=first, to=last, bands=[WaitBandOut(**asdict(band)) for band in bands]
    )


@_report(
    "/metrics/series",
    "Call KPIs per 15 minutes, hour or day of local time (empty buckets included)",
    SeriesOut,
)
def get_series(
    rt: Rt,
    request: Request,
    first: FromQuery,
    last: ToQuery,
    step: Annotated[Step, Query(description="bucket length")] = "hour",
    helpdesk: HelpdeskQuery = None,
    format_: FormatQuery = None,
) -> SeriesOut | Response:
    config = rt.config
    _period(config, helpdesk, first, last)
    try:
        check_buckets(config, first, last, step)
    except BadPeriodError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    with rt.session() as session:
        buckets = series_figures(session, config, helpdesk, first, last, step)
    if _wants_csv(request, format_):
        return csv_response(series_csv(buckets), report_name(f"series-{step}", helpdesk, first, last))
    return SeriesOut(
        helpdesk=helpdesk,
        from_=first,
        to=last,
        step=step,
        timezone=config.timezone,
        buckets=[
            BucketOut(
                start=bucket.start,
                kpis=KpisOut.of(bucket.kpis, bucket.escalations),
                complaints=ComplaintsOut.of(bucket.complaints) if bucket.complaints is not None else None,
            )
            for bucket in buckets
        ],
    )


@_report(
    "/calls",
    "The call log, by arrival, a page at a time (caller numbers masked)",
    CallsOut,
    csv_headers={"X-Next-Cursor": {"description": "CSV only: cursor of the next page, absent on the last"}},
)
def get_calls(
    rt: Rt,
    request: Request,
    first: FromQuery,
    last: ToQuery,
    helpdesk: HelpdeskQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
    format_: FormatQuery = None,
) -> CallsOut | Response:
    config = rt.config
    _period(config, helpdesk, first, last)
    try:
        with rt.session() as session:
            page = list_calls(session, helpdesk, first, last, limit=limit, cursor=cursor)
    except InvalidCursorError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    if _wants_csv(request, format_):
        response = _csv(
            CALL_COLUMNS,
            [call_row(call, config.zone) for call in page.calls],
            report_name("calls", helpdesk, first, last),
        )
        if page.next_cursor is not None:
            response.headers["X-Next-Cursor"] = page.next_cursor
        return response
    return CallsOut(
        helpdesk=helpdesk,
        from_=first,
        to=last,
        calls=_CALLS_OUT.validate_python([call_row(call, config.zone) for call in page.calls]),
        next_cursor=page.next_cursor,
    )


@router.get(
    "/invitations",
    summary="The invitation batches of a range of dates, sent and planned",
    dependencies=readers,
    responses=REFUSED,
)
def get_invitations(
    rt: Rt, first: FromQuery, last: ToQuery, helpdesk: HelpdeskQuery = None
) -> InvitationListOut:
    _period(rt.config, helpdesk, first, last)
    with rt.session() as session:
        batches = list_invitations(session, helpdesk, first, last)
    return InvitationListOut(
        helpdesk=helpdesk,
        from_=first,
        to=last,
        invitations=[
            InvitationsOut(helpdesk=batch.helpdesk_id, date=batch.date, count=batch.count)
            for batch in batches
        ],
    )


@router.post(
    "/invitations",
    summary="How many invitation letters go out on a day, past or planned (the same day again replaces it)",
    dependencies=[Depends(require_role("ops"))],
    responses=REFUSED,
)
def post_invitations(rt: Rt, body: InvitationsIn) -> InvitationsOut:
    if rt.config.helpdesk(body.helpdesk) is None:
        raise HTTPException(status_code=422, detail=f"unknown helpdesk {body.helpdesk!r}")
    with rt.session() as session:
        set_invitations(session, body.helpdesk, body.date, body.count)
    return InvitationsOut(helpdesk=body.helpdesk, date=body.date, count=body.count)
