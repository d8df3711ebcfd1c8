"""What one running app holds: settings, the loaded config, the database and the clock."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from config import HelpdeskConfig, Settings
from ivr.twiml import Renderer

Clock = Callable[[], datetime]
log = logging.getLogger("ivr")


def system_clock() -> datetime:
    return datetime.now(UTC)


def twilio_token(settings: Settings) -> str:
    """The Auth Token that signs webhooks; a local run without one gets a development token."""
    if settings.twilio_auth_token is not None:
        return settings.twilio_auth_token.get_secret_value()
    token = secrets.token_hex(16)
    # Printed on purpose: the developer needs it to sign requests to a local run. It is random
    # per process and never valid on Twilio.
    print(f"No TWILIO_AUTH_TOKEN set: development token for this run is {token}")
    return token


@dataclass
class Runtime:
    settings: Settings
    config: HelpdeskConfig
    renderer: Renderer
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    validator: RequestValidator

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The request's unit of work: committed at the end, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value
