"""A simulated Twilio for the REST side of the service: calls that end or hold, and its REST API.

The simulated calls run against a tiny TwiML app, not the service: the tests here are about
what the service asks Twilio's REST API, with calls in known states.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from simulator import TwilioSimulator
from tests.ivr.conftest import BASE, TOKEN

ACCOUNT = "AC" + "0" * 32


def twiml_app() -> FastAPI:
    """``/hangup`` ends the call at once, ``/hold`` keeps it going for ten minutes."""
    app = FastAPI()

    def xml(body: str) -> Response:
        return Response(f"<?xml version='1.0'?><Response>{body}</Response>", media_type="text/xml")

    @app.post("/hangup")
    def hangup() -> Response:
        return xml("<Hangup/>")

    @app.post("/hold")
    def hold() -> Response:
        return xml('<Pause length="600"/>')

    @app.post("/twilio/status")
    def status() -> Response:
        return Response(status_code=204)

    return app


@contextmanager
def rest_simulator(start: datetime) -> Iterator[TwilioSimulator]:
    with TestClient(twiml_app(), base_url=BASE) as client:
        yield TwilioSimulator(
            client, public_base_url=BASE, auth_token=TOKEN, start=start, account_sid=ACCOUNT
        )
