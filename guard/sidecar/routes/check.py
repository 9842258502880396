"""``POST /v1/guard/check``: run a policy on messages without calling any model.

For callers that keep their own model client (batch jobs, other gateways): the answer is the
core's ``Decision.to_dict()``, including the rewritten messages on ``rewrite``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from guard.sidecar.errors import SidecarError
from guard.sidecar.jsonutil import scrub
from guard.sidecar.schemas import ERROR_RESPONSES, GuardCheckRequest, GuardCheckResponse
from guard.sidecar.state import SidecarState
from guard.types import Stage

ROUTE = "/v1/guard/check"
router = APIRouter()


@router.post(ROUTE, response_model=GuardCheckResponse, responses=ERROR_RESPONSES,
             summary="Check messages against the policy (no model call).")
async def guard_check(body: GuardCheckRequest, request: Request) -> dict[str, Any]:
    state: SidecarState = request.app.state.sidecar
    caller = state.caller(request.headers)
    if body.messages is None and body.input is None:
        raise SidecarError(400, "Give 'messages' or 'input'.", param="messages",
                           code="invalid_request")
    messages: Any
    if body.messages is not None:
        messages = scrub([m.model_dump(exclude_none=True) for m in body.messages])
    else:
        messages = [{"role": "user" if body.stage == "input" else "assistant",
                     "content": scrub(body.input)}]
    if caller.tenant is None and body.tenant is not None and not state.config.auth_required:
        caller = type(caller)(body.tenant, caller.request_id, caller.headers)
    route = body.route or ROUTE
    guard = state.guard_for(caller, model=body.model, route=route)
    context = state.context(caller, model=body.model, route=route)
    with state.telemetry.request_span(headers=dict(request.headers), operation="guard.check",
                                      model=body.model, tenant=caller.tenant, route=route,
                                      request_id=caller.request_id):
        decision = await state.check(guard, messages, Stage(body.stage), context,
                                     record=body.record)
    return decision.to_dict()
