"""``POST /v1/responses`` (OpenAI Responses API), guarded both ways; see
:mod:`guard.sidecar.apis.responses_api` for what is checked."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from guard.guard import Guard
from guard.sidecar.apis import flow
from guard.sidecar.apis import responses_api as api
from guard.sidecar.apis.events import frame
from guard.sidecar.apis.translated import round_trip
from guard.sidecar.errors import blocked_error
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import SSE_HEADERS, decision_headers
from guard.sidecar.routes.chat import SSE_EVENT_SCHEMA
from guard.sidecar.schemas import ERROR_RESPONSES, _Open
from guard.types import Decision

ROUTE = "/v1/responses"
router = APIRouter()


class ResponsesRequest(_Open):
    """``POST /v1/responses``; every field not listed here is forwarded as sent."""

    model: str = Field(min_length=1, max_length=256)
    input: str | list[Any] | None = None
    instructions: str | None = None
    stream: bool | None = False
    user: str | None = None


def _blocked(guard: Guard, model: str, stream: bool) -> flow.Blocked:
    def render(decision: Decision) -> Response:
        headers = decision_headers(decision)
        if guard.block_response == "refusal":
            body = api.refusal_response(model, guard.refusal_message, decision)
            if stream:
                events = [{"type": "response.created", "sequence_number": 0,
                           "response": {**body, "status": "in_progress", "output": []}},
                          {"type": "response.incomplete", "sequence_number": 1,
                           "response": body}]
                return StreamingResponse(iter([frame(e) for e in events]),
                                         media_type="text/event-stream",
                                         headers={**SSE_HEADERS, **headers})
            return SafeJSONResponse(body, headers=headers)
        error = blocked_error(decision.id, [r.rule_id for r in decision.fired_rules],
                              str(decision.stage))
        if str(decision.stage) == "input":
            error["error"]["param"] = "input"
        return SafeJSONResponse(error, status_code=400, headers=headers)
    return render


@router.post(ROUTE, responses={
    **ERROR_RESPONSES, 200: {
        "description": "A response (JSON), or an SSE stream of events when stream=true.",
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}}},
             summary="OpenAI Responses API, guarded on the way in and out.")
async def create_response(body: ResponsesRequest, request: Request) -> Response:
    exchange = flow.open_exchange(request, ROUTE, body.model, body.user)
    state, caller, target, guard, context = exchange
    raw: dict[str, Any] = scrub(await request.json())
    stream = body.stream is True
    blocked = _blocked(guard, body.model, stream)
    with ExitStack() as stack:
        stack.enter_context(flow.request_span(exchange, request, ROUTE, model=body.model,
                                              operation="responses"))
        return await round_trip(exchange, raw, wire=api,
                                events=api.ResponseEvents(), operation="responses", stream=stream,
                                blocked=blocked, span=stack)
