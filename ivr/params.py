"""Twilio's webhook parameters, parsed once from the verified form into typed models.

Twilio adds parameters without notice, so unknown ones are ignored; wrongly typed optional
values are dropped rather than failing the call (a citizen must never hear an error).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError


def _int_or_none(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


LenientInt = Annotated[int | None, BeforeValidator(_int_or_none)]


class TwilioParams(BaseModel):
    """The parameters Twilio sends with every voice request."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    call_sid: str = Field("", alias="CallSid", max_length=64)
    from_: str = Field("", alias="From", max_length=128)
    to: str = Field("", alias="To", max_length=128)
    call_status: str = Field("", alias="CallStatus", max_length=32)


class WaitParams(TwilioParams):
    """waitUrl request: how long this caller has waited (the source of truth for timing)."""

    queue_time: LenientInt = Field(None, alias="QueueTime")
    queue_position: LenientInt = Field(None, alias="QueuePosition")
    current_queue_size: LenientInt = Field(None, alias="CurrentQueueSize")


class QueueExitParams(TwilioParams):
    """``<Enqueue action>`` request: why the caller left the queue."""

    queue_result: str = Field("", alias="QueueResult", max_length=64)
    queue_time: LenientInt = Field(None, alias="QueueTime")


class DialResultParams(TwilioParams):
    """``<Dial action>`` request for the leg to the central back-up."""

    dial_call_status: str = Field("", alias="DialCallStatus", max_length=32)
    dial_call_duration: LenientInt = Field(None, alias="DialCallDuration")


class StatusParams(TwilioParams):
    """Status callback of a call (may arrive late, twice or out of order)."""

    sequence_number: LenientInt = Field(None, alias="SequenceNumber")
    call_duration: LenientInt = Field(None, alias="CallDuration")
    timestamp: str = Field("", alias="Timestamp", max_length=64)


P = TypeVar("P", bound=TwilioParams)


def parse_params(model: type[P], form: Mapping[str, str]) -> P:
    """Parse the form; a malformed value of a text field degrades to the empty default."""
    try:
        return model.model_validate(form)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        return model.model_validate({key: value for key, value in form.items() if key not in bad})
