"""``GET /api/helpdesks/{id}/contact-card``: a helpdesk's details for the central back-up (playbook 1.6).

JSON by default; the Dutch text alone with ``?format=text`` or ``Accept: text/plain``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_role
from routing.contact_card import ContactCard, contact_card
from service.runtime import Runtime, runtime

router = APIRouter(prefix="/api", tags=["supervisor"])
Rt = Annotated[Runtime[Any], Depends(runtime)]

TEXT_TYPE: Final = "text/plain; charset=utf-8"
TEXT_RESPONSE: Final[dict[str, object]] = {
    "content": {"text/plain": {"schema": {"type": "string"}}},
    "description": "JSON, or the Dutch text on request",
}


class SpecialDayOut(BaseModel):
    date: dt.date
    hours: str = Field(description='in Dutch: "van 9 tot 12 uur" or "gesloten"')
    reason: Literal["exception", "holiday"] = Field(description="a dated exception or an extra closing day")
    holiday: str | None


class RoutingRuleOut(BaseModel):
    situation: Literal["wait_timeout", "queue_full", "no_agents", "closed"]
    to_central: Literal["forward", "announce", "no"] = Field(
        description="forward: the call is put through to central while it is open; announce: the wait "
        "message gives central's number; no: the closing message"
    )
    text: str = Field(description="the rule in Dutch, as on the card")


class ContactCardOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    helpdesk: str
    name: str
    municipalities: list[str]
    numbers: list[str] = Field(description="the numbers citizens dial, E.164")
    email: str | None = Field(description="helpdesks[].email; null when the config gives none")
    opening_hours: str = Field(description="as the closing message's {opening_hours} says them")
    special_days: list[SpecialDayOut] = Field(description="exceptions and extra closing days from `from` on")
    central_hours: str
    rules: list[RoutingRuleOut]
    from_: dt.date = Field(alias="from", description="first date of special_days")
    text: str = Field(description="the whole card in Dutch")

    @classmethod
    def of(cls, card: ContactCard) -> ContactCardOut:
        return cls(
            helpdesk=card.helpdesk,
            name=card.name,
            municipalities=list(card.municipalities),
            numbers=list(card.numbers),
            email=card.email,
            opening_hours=card.opening_hours,
            special_days=[
                SpecialDayOut(date=day.day, hours=day.hours, reason=day.reason, holiday=day.holiday)
                for day in card.special_days
            ],
            central_hours=card.central_hours,
            rules=[
                RoutingRuleOut(situation=rule.situation, to_central=rule.to_central, text=rule.text)
                for rule in card.rules
            ],
            from_=card.first_day,
            text=card.text,
        )


def _wants_text(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "text"
    accepted = (part.split(";")[0].strip().lower() for part in request.headers.get("accept", "").split(","))
    return "text/plain" in accepted


@router.get(
    "/helpdesks/{helpdesk_id}/contact-card",
    summary="A helpdesk's contact card for the central back-up: e-mail, hours, routing rules in words",
    dependencies=[Depends(require_role("supervisor", "ops"))],
    response_model=ContactCardOut,
    responses={200: TEXT_RESPONSE, 404: {"description": "unknown helpdesk"}},
)
def get_contact_card(
    rt: Rt,
    request: Request,
    helpdesk_id: Annotated[str, Path(max_length=40)],
    first: Annotated[
        dt.date | None,
        Query(alias="from", description="first date of the special days, YYYY-MM-DD (default: today)"),
    ] = None,
    format_: Annotated[
        Literal["json", "text"] | None,
        Query(
            alias="format", description="text for the Dutch text; the Accept header text/plain does the same"
        ),
    ] = None,
) -> ContactCardOut | Response:
    config = rt.config
    desk = config.helpdesk(helpdesk_id)
    if desk is None:
        raise HTTPException(status_code=404, detail=f"unknown helpdesk {helpdesk_id!r}")
    card = contact_card(config, desk, first or rt.clock().astimezone(config.zone).date())
    if _wants_text(request, format_):
        return Response(content=card.text + "\n", media_type=TEXT_TYPE)
    return ContactCardOut.of(card)
