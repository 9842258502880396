"""``POST /admin/reload``: reload the config and policies (admin key required).

The admin key is checked against ``admin.key_hashes`` of the running config (SHA-256 hashes,
like tenant keys). Without an ``admin`` section the admin API is off (403); SIGHUP still works
for whoever can signal the process.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from guard.sidecar.errors import SidecarError
from guard.sidecar.exposure import bearer_key
from guard.sidecar.reload import Reloader
from guard.sidecar.schemas import ErrorEnvelope
from guard.sidecar.state import SidecarState

router = APIRouter()
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope, "description": desc} for code, desc in [
        (401, "Missing or unknown admin key."),
        (403, "Admin API disabled (no admin keys configured)."),
        (422, "The new config or a policy is invalid (file, line, field); nothing changed."),
    ]
}


@router.post("/admin/reload", responses=ADMIN_RESPONSES,
             summary="Reload config and policies: validated first, swapped atomically.")
async def reload(request: Request) -> dict[str, Any]:
    state: SidecarState = request.app.state.sidecar
    reloader: Reloader = request.app.state.reloader
    config = state.config
    if config.admin is None:
        raise SidecarError(403, "The admin API is disabled: no admin.key_hashes in the config.",
                           type="permission_error", code="admin_disabled")
    key = bearer_key(request.headers)
    if not config.is_admin_key(key):
        raise SidecarError(401, "Missing or unknown admin key (Authorization: Bearer ...).",
                           code="invalid_api_key")
    result = await reloader.reload("admin", request_id=request.headers.get("x-request-id"))
    return result.to_dict()
