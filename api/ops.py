"""Health and readiness: the endpoints without a business domain of their own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from database import ping
from service.runtime import Runtime, runtime

router = APIRouter()
Rt = Annotated[Runtime[Any], Depends(runtime)]


@router.get("/health", tags=["health"], summary="The process is alive")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", tags=["health"], summary="Config loaded (its file not refused) and database reachable")
async def ready(rt: Rt, response: Response) -> dict[str, object]:
    database = await run_in_threadpool(ping, rt.engine)
    errors = rt.config_errors
    if not database or errors:
        response.status_code = 503
    answer: dict[str, object] = {"config": "loaded", "database": "reachable" if database else "unreachable"}
    if errors:
        # The last good config still serves, but the file on disk is refused: fix it before a restart.
        answer["config_errors"] = list(errors)
    return answer
