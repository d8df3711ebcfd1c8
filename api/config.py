"""The config API of operations staff: what is being served, and a reload on request.

The file is watched and reloaded by :class:`service.reload.ConfigWatcher`; these endpoints show
its state and run one check now.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from api.auth import require_role
from service.reload import ConfigWatcher, served_config
from service.runtime import Runtime, runtime

router = APIRouter(prefix="/api/config", tags=["operations"])
Rt = Annotated[Runtime[Any], Depends(runtime)]

require_ops = require_role("ops")


def _watcher(request: Request) -> ConfigWatcher[Any]:
    watcher: ConfigWatcher[Any] | None = request.app.state.config_watcher
    if watcher is None:
        raise HTTPException(
            status_code=409, detail="the config was given explicitly; there is no file to reload"
        )
    return watcher


@router.get("", summary="ops: the config being served, and the problems of a refused edit")
def config_state(rt: Rt, _: Annotated[None, Depends(require_ops)]) -> dict[str, object]:
    served = served_config(rt)
    return {
        "path": str(served.path) if served.path is not None else None,
        "version": served.version,
        "loaded_at": served.loaded_at.isoformat(),
        "errors": list(served.errors),
    }


@router.post("/reload", summary="ops: reload the config file now")
def reload_now(
    _: Annotated[None, Depends(require_ops)], watcher: Annotated[ConfigWatcher[Any], Depends(_watcher)]
) -> dict[str, object]:
    result = watcher.check(force=True)
    return {"status": result.status, "version": result.version, "errors": list(result.errors)}
