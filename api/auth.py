"""Bearer-token roles of the JSON APIs (``IVR_API_TOKENS``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config.settings import Role
from service.runtime import Runtime, runtime

bearer = HTTPBearer(auto_error=False)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Rt = Annotated[Runtime[Any], Depends(runtime)]


def require_role(*roles: Role) -> Callable[[Runtime[Any], HTTPAuthorizationCredentials | None], None]:
    """A dependency admitting a token of one of ``roles``: 401 without a valid token, 403 otherwise."""
    if not roles:
        raise ValueError("name at least one role")
    needed = " or ".join(roles)

    def check(rt: Annotated[Runtime[Any], Depends(runtime)], credentials: Credentials) -> None:
        role = rt.settings.ivr_api_tokens.role_of(credentials.credentials) if credentials else None
        if role is None:
            raise HTTPException(
                status_code=401, detail="missing or invalid token", headers={"WWW-Authenticate": "Bearer"}
            )
        if role not in roles:
            raise HTTPException(status_code=403, detail=f"this needs the {needed} role")

    return check


# The routes supervisors and operations staff may both use.
SUPERVISION = [Depends(require_role("supervisor", "ops"))]
