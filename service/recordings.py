"""The escalations' recordings at Twilio: the audio, fetched with the service's credentials and
passed on to the supervisor, and its deletion once the escalation closed.

The browser never sees a Twilio URL, the account SID or a credential: the service asks Twilio
(HTTP basic auth with ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``) and streams the answer's
body. The audio is requested as ``.wav`` (Twilio's documented media file; the only format of an
encrypted recording); a redirect Twilio may answer with is followed, and httpx drops the
credentials when it leads to another host.

Deleting goes through the twilio library (``Runtime.twilio``): Twilio answers 204, or 404 for a
recording it no longer has, which is as good. Anything else leaves the recording to the
retention job, which tries again every minute (:func:`delete_closed_recordings`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import httpx
from fastapi import HTTPException
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from config import Settings
from escalations import recording_deleted, recording_to_delete, recordings_to_delete
from service.runtime import Runtime

log = logging.getLogger("ivr.escalations")

API_BASE: Final = "https://api.twilio.com/2010-04-01"
# Connecting and each read of the audio; a two-minute recording is about 2 MB.
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
CHUNK_BYTES: Final = 64 * 1024
# Deletions retried per retention tick: bounded so that the tick ends well before the next one.
DELETE_LIMIT: Final = 50


class RecordingsNotConfiguredError(RuntimeError):
    """No Twilio credentials: recordings cannot be fetched."""


class TwilioUnreachableError(RuntimeError):
    """Twilio did not answer, or answered with an error; the message says which, without a URL."""


class RecordingGoneError(LookupError):
    """Twilio no longer has the recording."""


@dataclass(frozen=True)
class Audio:
    """A recording being received from Twilio: its type and its bytes, read as they are sent."""

    media_type: str
    response: httpx.Response

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self.response.iter_bytes(CHUNK_BYTES)
        finally:
            self.response.close()

    def close(self) -> None:
        self.response.close()


class Recordings:
    """Fetches recordings from Twilio and deletes them; ``twilio`` gives the REST client of the
    moment (``Runtime.twilio``), ``transport`` replaces the network (the simulator's
    ``httpx_transport()`` in tests and ``ivr simulate``)."""

    def __init__(
        self,
        settings: Settings,
        twilio: Callable[[], Client | None],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        token = settings.twilio_auth_token
        self._account = settings.twilio_account_sid
        self._auth = (
            (self._account, token.get_secret_value()) if self._account and token is not None else None
        )
        self._twilio = twilio
        self._client = httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=True)

    @property
    def available(self) -> bool:
        return self._auth is not None

    @property
    def can_delete(self) -> bool:
        return self._twilio() is not None

    def audio(self, recording_sid: str) -> Audio:
        """Start receiving the recording; the caller closes it (reading it to the end does)."""
        if self._auth is None:
            raise RecordingsNotConfiguredError("TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set")
        url = f"{API_BASE}/Accounts/{self._account}/Recordings/{recording_sid}.wav"
        request = self._client.build_request("GET", url)
        try:
            response = self._client.send(request, auth=self._auth, stream=True)
        except httpx.TimeoutException:
            raise TwilioUnreachableError("Twilio did not answer in time") from None
        except httpx.TransportError as exc:
            raise TwilioUnreachableError(f"Twilio could not be reached ({type(exc).__name__})") from None
        if response.status_code == 200:
            return Audio(response.headers.get("content-type", "audio/x-wav"), response)
        response.close()
        if response.status_code == 404:
            raise RecordingGoneError(recording_sid)
        if response.status_code in (401, 403):
            raise TwilioUnreachableError(f"Twilio refused the service's credentials ({response.status_code})")
        raise TwilioUnreachableError(f"Twilio answered {response.status_code}")

    def delete(self, recording_sid: str) -> bool:
        """Delete the recording at Twilio; ``True`` once Twilio no longer has it."""
        client = self._twilio()
        if client is None:
            log.warning("recording not deleted: Twilio REST is off (no credentials)")
            return False
        try:
            client.recordings(recording_sid).delete()
        except TwilioRestException as exc:
            if exc.status == 404:
                return True
            log.warning("recording not deleted: Twilio answered %s; retried later", exc.status)
            return False
        except Exception as exc:
            log.warning("recording not deleted: %s; retried later", type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        self._client.close()


def recording_response(
    recordings: Recordings, sid: str | None, escalation_id: int, filename: str
) -> StreamingResponse:
    """The answer that streams escalation ``escalation_id``'s recording ``sid`` from Twilio, for
    the API and the console alike: never cached, never a Twilio URL. ``HTTPException`` 404 when
    there is none (``sid`` None) or Twilio no longer has it, 503 when Twilio is not configured,
    502 when Twilio fails."""
    if sid is None:
        raise HTTPException(
            status_code=404, detail=f"escalation {escalation_id} has no recording to listen to"
        )
    try:
        audio = recordings.audio(sid)
    except RecordingsNotConfiguredError:
        raise HTTPException(
            status_code=503, detail="Twilio is not configured: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
        ) from None
    except RecordingGoneError:
        raise HTTPException(
            status_code=404, detail=f"Twilio no longer has the recording of escalation {escalation_id}"
        ) from None
    except TwilioUnreachableError as exc:
        log.warning("recording not fetched: %s", exc, extra={"escalation": escalation_id})
        raise HTTPException(status_code=502, detail=f"recording not fetched: {exc}") from None
    return StreamingResponse(
        audio.chunks(),
        media_type=audio.media_type,
        headers={"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{filename}"'},
        background=BackgroundTask(audio.close),
    )


def delete_closed_recording(rt: Runtime[Any], recordings: Recordings, escalation_id: int) -> bool:
    """Delete the recording of the escalation just closed; ``False`` leaves it to the retention job.

    Twilio is asked outside any transaction: a slow answer must not hold a database lock.
    """
    with rt.sessions() as session:
        sid = recording_to_delete(session, escalation_id)
    if sid is None:
        return False
    if not recordings.delete(sid):
        return False
    with rt.session() as session:
        recording_deleted(session, escalation_id, rt.clock())
    log.info("recording deleted at Twilio", extra={"escalation": escalation_id})
    return True


def delete_closed_recordings(rt: Runtime[Any], recordings: Recordings, now: dt.datetime) -> int:
    """Delete the recordings of closed escalations that Twilio still holds; returns how many.

    Stops at the first failure: Twilio is then most likely down, and the next tick tries again.
    """
    if not recordings.can_delete:
        return 0
    with rt.sessions() as session:
        pending = recordings_to_delete(session, DELETE_LIMIT)
    deleted = 0
    for escalation_id, sid in pending:
        if not recordings.delete(sid):
            break
        with rt.session() as session:
            recording_deleted(session, escalation_id, now)
        deleted += 1
    return deleted
