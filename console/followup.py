"""The "Opvolging" (follow-up) page: escalated questions to listen to and handle (playbook 1.3.2.2,
1.2.3.3), complaints with their 45-day deadline (1.4.3.3) and the call lists' progress (1.5.2).

Read with the functions the API's ``/api/escalations``, ``/api/complaints`` and
``/api/call-lists`` call, in their order: escalations still to handle first (urgent, then the
longest waiting), complaints overdue first, open call lists first. An escalation's recording
plays in the page from a console route that fetches it from Twilio with the service's own
credentials, as ``GET /api/escalations/{id}/recording`` does: no Twilio URL or credential reaches
the browser. Handling follows the API's roles: supervisors and ops both handle escalations.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from complaints import Category, Channel, ComplaintView, complaints
from complaints import Status as ComplaintStatus
from config.settings import Role
from console.auth import PATH, Rt, Visitor, csrf_valid, data_visitor, page_visitor
from console.now import moment
from console.pages import templates
from console.plan import day_text, problem_page
from escalations import (
    CLOSED,
    MAX_NOTE,
    NEXT,
    Change,
    EscalationClosedError,
    EscalationView,
    Priority,
    RecordingStatus,
    Status,
    TransitionRefusedError,
    UnknownEscalationError,
    escalations,
    recording_sid,
    update_escalation,
)
from outbound import ListSummary, OutboundFigures, list_figures, list_summaries
from service.recordings import Recordings, delete_closed_recording, recording_response
from service.runtime import Runtime

log = logging.getLogger("ivr.console")
router = APIRouter(prefix=PATH, include_in_schema=False)
PageVisitor = Annotated[Visitor, Depends(page_visitor)]

FOLLOW_UP: Final = f"{PATH}/opvolging"
# Who handles escalations: as the API (``PATCH /api/escalations/{id}``), supervisors and ops.
HANDLERS: Final[frozenset[Role]] = frozenset({"supervisor", "ops"})
# The closed escalations and complaints shown below the open ones, latest first.
CLOSED_SHOWN: Final = 20
# The call lists shown, as the API's list does by default.
LISTS_SHOWN: Final = 100
ID_MAX: Final = 2**31 - 1

ESCALATION_STATUS: Final = {
    Status.OPEN: "open",
    Status.IN_PROGRESS: "in behandeling",
    Status.ANSWERED: "beantwoord",
    Status.FORWARDED: "doorgestuurd",
}
# What choosing a status says in the handling form.
STATUS_CHOICES: Final = {
    Status.IN_PROGRESS: "In behandeling nemen",
    Status.ANSWERED: "Beantwoord: de burger werd teruggebeld",
    Status.FORWARDED: "Doorgestuurd",
}
RECORDING_MISSING: Final = {
    RecordingStatus.ABSENT: "Geen opname: er werd niets ingesproken.",
    RecordingStatus.FAILED: "Geen opname: de opname is mislukt.",
    RecordingStatus.DELETED: "Opname gewist bij Twilio na het afsluiten.",
}
CATEGORIES: Final = {
    Category.TOO_FEW_SLOTS: "te weinig vaccinatiemomenten",
    Category.TOO_MANY_INVITED: "te veel genodigden",
    Category.ORGANISATION: "organisatie",
    Category.STAFF_ATTITUDE: "houding van het personeel",
    Category.WRONG_INFORMATION: "foute informatie",
    Category.OTHER: "andere",
}
CHANNELS: Final = {
    Channel.PHONE: "telefoon",
    Channel.EMAIL: "e-mail",
    Channel.DESK: "onthaal",
    Channel.CENTRAL: "centrale helpdesk",
    Channel.LETTER: "brief",
}
COMPLAINT_STATUS: Final = {
    ComplaintStatus.OPEN: "open",
    ComplaintStatus.ANSWERED: "beantwoord",
    ComplaintStatus.FORWARDED: "doorgestuurd naar de Vlaamse overheid",
}
PURPOSES: Final = {
    "reserve": "reservelijst",
    "reschedule": "afspraken verzetten",
    "volunteers": "vrijwilligers",
}
LIST_STATES: Final = {"open": "open", "filled": "gevuld", "closed": "gesloten door ops"}


def may_handle(visitor: Visitor) -> bool:
    return visitor.role in HANDLERS


@dataclass(frozen=True, slots=True)
class EscalationRow:
    id: int
    helpdesk: str
    urgent: bool
    priority: str
    source: str
    contact: str
    received: str
    status: str
    closed: bool
    note: str | None
    audible: bool
    recording_missing: str
    duration: str
    choices: dict[str, str]


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: int
    helpdesk: str
    received: str
    channel: str
    category: str
    status: str
    deadline: str
    due: str
    overdue: bool
    description: str | None


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    helpdesk: str
    label: str
    purpose: str
    state: str
    figures: dict[str, str]


@dataclass(frozen=True, slots=True)
class FollowUpView:
    open_escalations: list[EscalationRow]
    closed_escalations: list[EscalationRow]
    complaints: list[ComplaintRow]
    closed_complaints: list[ComplaintRow]
    lists: list[ListRow]


# The figures of a call list, labelled as the page shows them (the API's names as keys).
LIST_FIGURES: Final = {
    "people": "Mensen op de lijst",
    "pending": "Nog te bellen",
    "people_called": "Gebeld",
    "reached": "Bereikt",
    "accepted": "Aanvaard",
    "slots": "Plaatsen",
    "attempts": "Oproepen",
    "no_answer": "Niet opgenomen",
}


def _duration(seconds: int | None) -> str:
    return "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


def escalation_row(
    item: EscalationView, names: dict[str, str], now: dt.datetime, zone: dt.tzinfo
) -> EscalationRow:
    current = item.status
    urgent = item.priority is Priority.URGENT
    return EscalationRow(
        id=item.id,
        helpdesk=names.get(item.helpdesk_id, item.helpdesk_id),
        urgent=urgent,
        priority="dringend" if urgent else "normaal",
        source="centrale helpdesk" if item.agent is None else f"medewerker {item.agent}",
        contact=item.contact_masked or "onbekend",
        received=moment(item.created_at, now, zone),
        status=ESCALATION_STATUS[current],
        closed=current in CLOSED,
        note=item.note,
        audible=item.audible,
        recording_missing=RECORDING_MISSING.get(item.recording_status, ""),
        duration=_duration(item.recording_duration_s),
        choices={
            status.value: text
            for status, text in STATUS_CHOICES.items()
            if status in NEXT[current] and status is not current
        },
    )


def complaint_row(item: ComplaintView, names: dict[str, str], today: dt.date) -> ComplaintRow:
    if item.status is not ComplaintStatus.OPEN:
        due = "afgesloten" if item.answered_on is None else f"beantwoord op {day_text(item.answered_on)}"
    elif item.deadline < today:
        late = (today - item.deadline).days
        due = f"termijn verstreken, {late} dag{'en' if late != 1 else ''} te laat"
    elif item.deadline == today:
        due = "termijn verstrijkt vandaag"
    else:
        left = (item.deadline - today).days
        due = f"nog {left} dag{'en' if left != 1 else ''}"
    return ComplaintRow(
        id=item.id,
        helpdesk=names.get(item.helpdesk_id, item.helpdesk_id),
        received=day_text(item.received_on),
        channel=CHANNELS[item.channel],
        category=CATEGORIES[item.category],
        status=COMPLAINT_STATUS[item.status],
        deadline=day_text(item.deadline),
        due=due,
        overdue=item.overdue,
        description=item.description,
    )


def list_row(summary: ListSummary, figures: OutboundFigures, names: dict[str, str]) -> ListRow:
    progress = summary.progress
    return ListRow(
        id=summary.id,
        helpdesk=names.get(summary.helpdesk_id, summary.helpdesk_id),
        label=summary.label,
        purpose=PURPOSES.get(summary.purpose, summary.purpose),
        state=LIST_STATES[summary.state],
        figures={
            "people": str(progress.people),
            "pending": str(progress.pending),
            "people_called": str(figures.people_called),
            "reached": str(figures.reached),
            "accepted": str(progress.accepted),
            "slots": "–" if summary.slots is None else str(summary.slots),
            "attempts": str(figures.attempts),
            "no_answer": str(figures.no_answer),
        },
    )


def follow_up_view(rt: Runtime[Any]) -> FollowUpView:
    """The page's rows, read at the runtime's now."""
    config, now = rt.config, rt.clock()
    zone = config.zone
    today = now.astimezone(zone).date()
    names = {desk.id: desk.name for desk in config.helpdesks}
    with rt.sessions() as session:
        found = escalations(session)
        registered = complaints(session, today)
        summaries = list_summaries(session, None, None, LISTS_SHOWN)
        lists = [list_row(summary, list_figures(session, summary.id), names) for summary in summaries]
    rows = [escalation_row(item, names, now, zone) for item in found]
    open_complaints = [item for item in registered if item.status is ComplaintStatus.OPEN]
    # Overdue first (their deadline nearest), then the other open ones, by deadline.
    open_complaints.sort(key=lambda item: (not item.overdue, item.deadline, item.id))
    closed_complaints = sorted(
        (item for item in registered if item.status is not ComplaintStatus.OPEN),
        key=lambda item: (item.closed_at or item.updated_at, item.id),
        reverse=True,
    )[:CLOSED_SHOWN]
    return FollowUpView(
        open_escalations=[row for row in rows if not row.closed],
        closed_escalations=[row for row in rows if row.closed][:CLOSED_SHOWN],
        complaints=[complaint_row(item, names, today) for item in open_complaints],
        closed_complaints=[complaint_row(item, names, today) for item in closed_complaints],
        lists=lists,
    )


def _escalation_id(text: str) -> int | None:
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def _unknown(request: Request, visitor: Visitor, text: str) -> HTMLResponse:
    return problem_page(request, visitor, f"Er is geen escalatie {text}.", status=404)


def _unreachable() -> HTTPException:
    log.warning("database unreachable: console shows no follow-up", exc_info=True)
    return HTTPException(status_code=503, detail="database unreachable")


@router.get("/opvolging", response_class=HTMLResponse)
def follow_up_page(
    request: Request, rt: Rt, visitor: PageVisitor, behandeld: str | None = None
) -> HTMLResponse:
    """Opvolging: escalations to listen to and handle, complaints and their deadlines, call lists."""
    try:
        view = follow_up_view(rt)
    except SQLAlchemyError:
        raise _unreachable() from None
    handled = _escalation_id(behandeld) if behandeld is not None else None
    notice = None
    if handled is not None:
        shown = [row for row in view.open_escalations + view.closed_escalations if row.id == handled]
        notice = f"Escalatie {handled} is nu {shown[0].status}." if shown else None
    return templates.TemplateResponse(
        request,
        "followup.html",
        {
            "visitor": visitor,
            "helpdesks": [],
            "view": view,
            "handles": may_handle(visitor),
            "notice": notice,
            "list_labels": LIST_FIGURES,
            "max_note": MAX_NOTE,
        },
    )


@router.post("/opvolging/escalaties/{escalation_id}", response_class=HTMLResponse)
def handle_escalation(
    request: Request,
    rt: Rt,
    visitor: PageVisitor,
    escalation_id: str,
    csrf: Annotated[str | None, Form()] = None,
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Take, note or close an escalation (as ``PATCH /api/escalations/{id}``); closing deletes its
    recording at Twilio."""
    if not csrf_valid(visitor, csrf) or not may_handle(visitor):
        return templates.TemplateResponse(
            request, "refused.html", {"visitor": visitor, "helpdesks": []}, status_code=403
        )
    number = _escalation_id(escalation_id)
    if number is None:
        return _unknown(request, visitor, escalation_id)
    chosen = next((known for known in Status if known.value == status), None)
    text = note.strip()
    if (status and chosen is None) or len(text) > MAX_NOTE or (chosen is None and not text):
        return problem_page(
            request,
            visitor,
            f"Kies een nieuwe status of schrijf een notitie (hoogstens {MAX_NOTE} tekens). "
            "Er is niets gewijzigd.",
            status=422,
            title="Niet uitgevoerd",
        )
    who = f"console:{visitor.role}"
    try:
        with rt.session() as session:
            changed = update_escalation(
                session, number, Change(status=chosen, note=text or None), now=rt.clock(), who=who
            )
    except UnknownEscalationError:
        return _unknown(request, visitor, escalation_id)
    except (EscalationClosedError, TransitionRefusedError):
        return problem_page(
            request,
            visitor,
            f"Escalatie {number} kan niet meer zo veranderen: ze werd intussen afgesloten of is al in "
            "behandeling. Er is niets gewijzigd.",
            status=409,
            title="Niet uitgevoerd",
        )
    except SQLAlchemyError:
        raise _unreachable() from None
    log.info(
        "escalation handled",
        extra={
            "helpdesk": changed.helpdesk_id,
            "escalation": number,
            "status": changed.status.value,
            "who": who,
        },
    )
    if changed.status in CLOSED:
        try:
            delete_closed_recording(rt, _recordings(request), number)
        except SQLAlchemyError:
            log.warning("recording deletion not recorded; retried by the retention job", exc_info=True)
    return RedirectResponse(f"{FOLLOW_UP}?behandeld={number}#esc-{number}", status_code=303)


def _recordings(request: Request) -> Recordings:
    found: Recordings = request.app.state.recordings
    return found


@router.get("/opvolging/escalaties/{escalation_id}/opname")
def escalation_recording(
    request: Request, rt: Rt, visitor: Annotated[Visitor, Depends(data_visitor)], escalation_id: str
) -> Response:
    """The spoken question, fetched from Twilio by the service and streamed (as the API does);
    401 without a session (it is loaded by the page's audio player, not opened as a page)."""
    number = _escalation_id(escalation_id)
    if number is None:
        return _unknown(request, visitor, escalation_id)
    try:
        with rt.sessions() as session:
            sid = recording_sid(session, number)
    except UnknownEscalationError:
        return _unknown(request, visitor, escalation_id)
    except SQLAlchemyError:
        raise _unreachable() from None
    return recording_response(_recordings(request), sid, number, f"escalatie-{number}.wav")
