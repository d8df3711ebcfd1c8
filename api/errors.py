"""The two bodies of a 422 in the JSON API, declared once for every router that can answer either.

FastAPI answers a malformed parameter with a list of field errors; a handler refuses a well-formed
request it cannot serve with one line of text. Both share the status code, so the OpenAPI document
lists both schemas under it and a client knows to expect either body. Routers whose bodies carry
secrets or personal data answer the list without the values (``NoInputEcho``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One malformed parameter, as FastAPI reports it."""

    loc: list[str | int] = Field(description="where: query or body, then the parameter's name")
    msg: str
    type: str
    input: Any = None
    ctx: dict[str, Any] = Field(default_factory=dict)


class InvalidRequest(BaseModel):
    """A parameter is missing or malformed: one entry per parameter."""

    detail: list[FieldError]


class Refusal(BaseModel):
    """A well-formed request that cannot be answered: a period the wrong way round or too long, too many
    buckets, a foreign cursor, an unknown helpdesk in a body, an agent code, name or PIN of the wrong
    form."""

    detail: str = Field(min_length=1, description="why, in one line")


# Both kinds of 422 in the document, so that a client knows to expect either body.
REFUSED: Final[dict[int | str, dict[str, Any]]] = {
    422: {
        "model": InvalidRequest | Refusal,
        "description": "A malformed parameter (a list), or a request that cannot be answered (one line)",
    }
}


# The largest id of a register's row (a 32-bit integer column): a larger one in a path is a 422.
ID_MAX: Final = 2**31 - 1


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    """The 404 of a route about one row of a register, ``what`` naming it ("no such complaint")."""
    return {404: {"model": Refusal, "description": what}}


class NoInputEcho(APIRoute):
    """Validation errors without the ``input`` FastAPI normally echoes: it may be a PIN or a
    citizen's or complainant's details."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
                raise RequestValidationError(errors) from None

        return route
