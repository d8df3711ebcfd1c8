"""The media Twilio plays: hold music cut to the length of one wait, and recorded messages.

The waitUrl and citizen documents of :mod:`ivr.twiml` point ``<Play>`` here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from ivr.media import MAX_SLICE_SECONDS
from ivr.twiml import Renderer
from service.runtime import Runtime, runtime

router = APIRouter()
Rt = Annotated[Runtime[Renderer], Depends(runtime)]


@router.get(
    "/media/hold/{helpdesk_id}.wav",
    tags=["media"],
    summary="Hold music cut to length (8 kHz mono); at most the helpdesk's announce_every seconds",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}},
)
def hold_music(
    rt: Rt,
    helpdesk_id: str,
    start: Annotated[int, Query(ge=0, le=86_400)] = 0,
    seconds: Annotated[int, Query(ge=1, le=MAX_SLICE_SECONDS)] = 60,
    v: Annotated[str, Query(max_length=64, description="content hash of the music, set by the service")] = "",
) -> Response:
    renderer = rt.renderer
    desk = renderer.config.helpdesk(helpdesk_id)
    if desk is None or helpdesk_id not in renderer.hold_music.tracks:
        raise HTTPException(status_code=404, detail="no hold music for this helpdesk")
    if seconds > desk.queue.announce_every:
        # No waitUrl document holds longer than one interval: a longer slice is never asked by us.
        detail = f"seconds must be at most {desk.queue.announce_every} (announce_every) for this helpdesk"
        raise HTTPException(status_code=422, detail=detail)
    data = renderer.hold_music.slice(helpdesk_id, start, seconds)
    assert data is not None  # noqa: S101 - the track exists, checked above
    # The URL names the content (``v``): Twilio's media cache may keep it.
    return Response(content=data, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


@router.get(
    "/media/audio/{path:path}",
    tags=["media"],
    summary="A message recorded as audio (a local file named in the config)",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}},
)
def audio_message(rt: Rt, path: str) -> Response:
    # Only files the config names are served: the path never reaches the file system.
    audio = rt.renderer.hold_music.audio.get(path)
    if audio is None:
        raise HTTPException(status_code=404, detail="no such audio message")
    return Response(
        content=audio.data,
        media_type="audio/wav",
        headers={"Cache-Control": "public, max-age=3600"},
    )
