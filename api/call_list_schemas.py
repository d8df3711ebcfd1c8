"""What the call lists API takes and answers, each field described for the OpenAPI document: the
list ops import (JSON, or the CSV the document shows beside it), a list's progress and figures,
every person on it (numbers masked), and a list refused whole with its bad rows."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.errors import Refusal
from outbound import (
    MAX_LABEL,
    MAX_PEOPLE,
    MAX_REFERENCE,
    EntryView,
    ListSummary,
    OutboundFigures,
    Outcome,
    Purpose,
)

EXAMPLE_CSV: Final = "number,reference\n0470 12 34 56,AFS-2291\n+32 471 98 76 54,AFS-2292\n03 310 01 00,\n"
EXAMPLE_JSON: Final[dict[str, Any]] = {
    "helpdesk": "voorkempen",
    "purpose": "reserve",
    "label": "reservelijst dinsdag 14 uur",
    "slots": 1,
    "people": [
        {"number": "0470 12 34 56", "reference": "AFS-2291"},
        {"number": "+32 471 98 76 54", "reference": "AFS-2292"},
        {"number": "03 310 01 00"},
    ],
}


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(
        description="phone number: Belgian when written without country code (0470 12 34 56), "
        "otherwise with it (+31 6 1234 5678)",
        examples=["0470 12 34 56"],
    )
    reference: str | None = Field(
        default=None,
        description=f"ops' own short reference (an appointment or file number, never a name), at most "
        f"{MAX_REFERENCE} characters",
        examples=["AFS-2291"],
    )


class CallListIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_JSON]})

    helpdesk: str = Field(max_length=40, description="the helpdesk's id in the config")
    purpose: Purpose = Field(
        description="reserve: fill a free slot from the reserve list; reschedule: appointments that must "
        "move; volunteers: replace someone absent"
    )
    label: str = Field(
        min_length=1,
        max_length=MAX_LABEL,
        description="spoken to the agent before each call",
        examples=["reservelijst dinsdag 14 uur"],
    )
    slots: int | None = Field(
        default=None,
        ge=1,
        le=MAX_PEOPLE,
        description="how many acceptances fill the list (it then closes by itself); null: everyone is "
        "called once",
    )
    people: list[PersonIn] = Field(
        description=f"in the order they are called, 1 to {MAX_PEOPLE:,}; numbers in the do-not-call "
        "register are left out"
    )


class ProgressOut(BaseModel):
    people: int = Field(description="people on the list")
    pending: int = Field(description="still to be called (again)")
    claimed: int = Field(description="being called by an agent now")
    done: int = Field(description="finished with: see their outcome")
    accepted: int = Field(description="people who accepted")


class CallListOut(BaseModel):
    id: int = Field(description="the list's id, in the paths below /api/call-lists/", examples=[3])
    helpdesk: str = Field(description="the helpdesk's id in the config", examples=["voorkempen"])
    purpose: Purpose = Field(description="reserve, reschedule or volunteers")
    label: str = Field(
        description="spoken to the agent before each call", examples=["reservelijst dinsdag 14 uur"]
    )
    slots: int | None = Field(
        description="acceptances that fill the list; null: everyone is called once", examples=[1]
    )
    state: Literal["open", "filled", "closed"] = Field(
        description="open: being called; filled: closed by itself when its last slot was accepted; "
        "closed: closed by ops"
    )
    created_at: dt.datetime = Field(
        description="local time with its UTC offset", examples=["2026-12-01T09:00:00+01:00"]
    )
    created_by: str = Field(
        description="api:<role>#<n> (the token's place in IVR_API_TOKENS) or cli:<user>",
        examples=["api:ops#1"],
    )
    closed_at: dt.datetime | None = Field(
        description="when it filled or ops closed it, local time; null while open", examples=[None]
    )
    numbers_erased_at: dt.datetime | None = Field(
        description="when the numbers in clear were erased, retention_days after closing; null until then"
    )
    progress: ProgressOut = Field(description="where the people on the list stand")

    @classmethod
    def of(cls, summary: ListSummary, zone: dt.tzinfo) -> CallListOut:
        return cls(**summary_fields(summary, zone))


class CreatedOut(CallListOut):
    skipped_do_not_call: int = Field(
        description="people left out: their number is in the do-not-call register"
    )


class RetriedOut(CallListOut):
    requeued: int = Field(description="people put back in line: no answer, busy, failed or voicemail")


class FiguresOut(BaseModel):
    """Figures of the calls to citizens: of one list over all its calls, or of a helpdesk's calls
    placed in a period (the README's "Call lists" guide defines each)."""

    people_called: int = Field(description="people called at least once")
    attempts: int = Field(description="calls placed")
    reached: int = Field(description="people reached: put through to the agent, or an outcome keyed")
    accepted: int = Field(description="people who accepted (key 1)")
    kept: int = Field(description="people who said not now, but keep me on the list (key 2)")
    do_not_call: int = Field(description="people who said never call me again (key 3)")
    wrong_number: int = Field(description="people who were not the person meant (key 4)")
    no_answer: int = Field(description="calls not answered within the ring time")
    voicemail: int = Field(description="calls a machine answered (hung up, no message left)")
    busy_failed: int = Field(description="calls that were busy or failed")
    lists_filled: int = Field(
        description="lists whose last slot was accepted (of a period: filled in it; of one list: 1 or 0)"
    )
    fill_s: float | None = Field(
        description="mean seconds from a list's creation to its last slot filled; null when none filled"
    )
    talk_s: int = Field(description="the agents' talk time with the people called, seconds")

    @classmethod
    def of(cls, figures: OutboundFigures) -> FiguresOut:
        return cls(**{name: getattr(figures, name) for name in cls.model_fields})


class EntryOut(BaseModel):
    position: int = Field(description="1 is called first")
    masked_number: str = Field(description="the number masked, never in clear", examples=["+32 4** ** ** 56"])
    reference: str | None = Field(description="ops' own reference, as imported", examples=["AFS-2291"])
    state: Literal["pending", "claimed", "done"] = Field(
        description="pending: to be called (again); claimed: an agent is calling them; done: see outcome"
    )
    outcome: Outcome | None = Field(description="how the latest call ended; null before the first ended")
    attempts: int = Field(description="calls placed to this person")
    last_call_at: dt.datetime | None = Field(description="when the latest call was placed, local time")

    @classmethod
    def of(cls, entry: EntryView, zone: dt.tzinfo) -> EntryOut:
        return cls(
            position=entry.position,
            masked_number=entry.masked,
            reference=entry.reference,
            state=entry.state,  # type: ignore[arg-type]
            outcome=Outcome(entry.outcome) if entry.outcome is not None else None,
            attempts=entry.attempts,
            last_call_at=entry.last_call_at.astimezone(zone) if entry.last_call_at is not None else None,
        )


class CallListDetailOut(CallListOut):
    figures: FiguresOut = Field(description="the list's figures over all its calls")
    entries: list[EntryOut] = Field(description="every person on the list, in the order they are called")


class RowProblemOut(BaseModel):
    row: int = Field(
        description="CSV: the line of the file (the header is line 1); JSON: the person's place in people, "
        "from 1"
    )
    problem: str = Field(
        description="what is wrong; never the number itself", examples=["the number is too short"]
    )


class ListRefusal(Refusal):
    """A list refused whole: every problem in ``detail``, the bad rows also one by one."""

    rows: list[RowProblemOut] = Field(default_factory=list, description="each bad row and its problem")


def inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written out where they are used, for a request body that the
    OpenAPI document gives by hand (FastAPI cannot reach a definition's ``$ref`` there)."""
    definitions = schema.pop("$defs", {})

    def resolved(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            beside = {key: resolved(value) for key, value in node.items() if key != "$ref"}
            if reference.startswith("#/$defs/"):
                # What the field says of itself (its description) wins over the definition's.
                return {**resolved(definitions[reference.removeprefix("#/$defs/")]), **beside}
            return beside
        if isinstance(node, list):
            return [resolved(item) for item in node]
        return node

    inlined: dict[str, Any] = resolved(schema)
    return inlined


LIST_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": inline(CallListIn.model_json_schema())},
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "UTF-8, a header line number,reference (reference may be left out), a "
                    "person per line; ; as separator works too. Give helpdesk, purpose, label and slots "
                    "as query parameters.",
                },
                "example": EXAMPLE_CSV,
            },
        },
    }
}


def summary_fields(summary: ListSummary, zone: dt.tzinfo) -> dict[str, Any]:
    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(zone) if value is not None else None

    progress = summary.progress
    return {
        "id": summary.id,
        "helpdesk": summary.helpdesk_id,
        "purpose": Purpose(summary.purpose),
        "label": summary.label,
        "slots": summary.slots,
        "state": summary.state,
        "created_at": summary.created_at.astimezone(zone),
        "created_by": summary.created_by,
        "closed_at": local(summary.closed_at),
        "numbers_erased_at": local(summary.erased_at),
        "progress": ProgressOut(
            people=progress.people,
            pending=progress.pending,
            claimed=progress.claimed,
            done=progress.done,
            accepted=progress.accepted,
        ),
    }
