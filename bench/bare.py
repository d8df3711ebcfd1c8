"""The bare baseline of ``make bench``: FastAPI answering fixed TwiML to any webhook.

No signature check, no parsing, no database: what the same server settings cost per request
when the application does nothing.
"""

from __future__ import annotations

from fastapi import FastAPI, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Say language="nl-BE" '
    'voice="Google.nl-BE-Standard-A">Al onze medewerkers zijn in gesprek. Even geduld, u wordt zo '
    'snel mogelijk geholpen.</Say><Pause length="50"/></Response>'
)


def create_app() -> FastAPI:
    app = FastAPI(title="bare TwiML baseline")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # A coroutine, like the service's webhooks: no thread hop.
    @app.post("/{path:path}")
    async def webhook(path: str) -> Response:
        return Response(content=TWIML, media_type="text/xml")

    return app
