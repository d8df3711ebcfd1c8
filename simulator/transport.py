"""How the simulator reaches the application: signed webhooks and media downloads over HTTP."""

from __future__ import annotations

import io
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urljoin

from twilio.request_validator import RequestValidator

XML_CONTENT_TYPES = frozenset({"text/xml", "application/xml"})


class AppResponse(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...


class AppClient(Protocol):
    """What the simulator needs of an HTTP client: ``httpx.Client``, or a FastAPI ``TestClient``."""

    def get(self, url: str, *, headers: Mapping[str, str] = ...) -> AppResponse: ...
    def post(self, url: str, *, data: Mapping[str, str], headers: Mapping[str, str]) -> AppResponse: ...


class OutsideApplicationError(Exception):
    """A URL that is not on the application's public base URL; offline, nothing else is reachable."""


@dataclass(frozen=True)
class Reply:
    method: str
    url: str  # as signed: for GET it includes the parameters
    signature: str
    status_code: int
    content_type: str
    body: str


class AppTransport:
    """Sends requests to the application as Twilio would, through the given HTTP client.

    URLs are signed as the public URLs Twilio would request (``public_base_url`` + path) and sent to
    the client as paths, so the client may point anywhere (a TestClient, a local server).
    """

    def __init__(self, client: AppClient, *, public_base_url: str, auth_token: str) -> None:
        self._client = client
        self.base_url = public_base_url.rstrip("/")
        self._validator = RequestValidator(auth_token)

    def on_app(self, path: str) -> str:
        """The public URL of a path of the application (the base URL may carry a path prefix)."""
        return self.base_url + "/" + path.lstrip("/")

    def absolute(self, reference: str, *, relative_to: str) -> str:
        """A URL from TwiML, resolved against the document it appears in, as Twilio does."""
        return urljoin(relative_to, reference)

    def display(self, url: str) -> str:
        """The URL as operators read it: a path when it is on the application."""
        return (url[len(self.base_url) :] or "/") if self._is_ours(url) else url

    def signature(self, url: str, params: dict[str, str]) -> str:
        return str(self._validator.compute_signature(url, params))

    def webhook(self, method: str, url: str, params: dict[str, str]) -> Reply:
        if method == "GET":
            signed_url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url
            signature = self.signature(signed_url, {})
            response = self._client.get(self._path(signed_url), headers={"X-Twilio-Signature": signature})
        else:
            signed_url = url
            signature = self.signature(url, params)
            response = self._client.post(
                self._path(url), data=params, headers={"X-Twilio-Signature": signature}
            )
        return Reply(
            method=method,
            url=signed_url,
            signature=signature,
            status_code=response.status_code,
            content_type=_media_type(response),
            body=response.text,
        )

    def media_seconds(self, url: str) -> float:
        """Download audio the way ``<Play>`` does (GET, no parameters, unsigned) and measure it.

        Raises ``ValueError`` with the reason Twilio would fail the call.
        """
        response = self._client.get(self._path(url))
        if not 200 <= response.status_code < 300:
            raise ValueError(f"GET {self.display(url)} answered HTTP {response.status_code}")
        media_type = _media_type(response)
        if not media_type.startswith("audio/"):
            raise ValueError(f"GET {self.display(url)} is {media_type or 'untyped'}, not audio")
        try:
            with wave.open(io.BytesIO(response.content), "rb") as audio:
                return audio.getnframes() / audio.getframerate()
        except (wave.Error, EOFError) as error:
            raise ValueError(
                f"GET {self.display(url)} is not a WAV file the simulator can measure ({error})"
            ) from None

    def _is_ours(self, url: str) -> bool:
        return url == self.base_url or url.startswith((self.base_url + "/", self.base_url + "?"))

    def _path(self, url: str) -> str:
        if not self._is_ours(url):
            raise OutsideApplicationError(
                f"{url} is not on the application ({self.base_url}); the simulator reaches nothing else"
            )
        path = url[len(self.base_url) :]
        return path if path.startswith("/") else "/" + path


def _media_type(response: AppResponse) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()
