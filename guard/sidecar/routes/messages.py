"""``POST /v1/messages`` (Anthropic Messages API) to an Anthropic-style upstream, guarded both
ways; every error, including validation and upstream failures, in Anthropic's error shape.
See :mod:`guard.sidecar.apis.anthropic_messages` for what is checked."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guard.guard import Guard
from guard.sidecar.apis import anthropic_messages as api
from guard.sidecar.apis import flow
from guard.sidecar.apis.events import frame
from guard.sidecar.apis.translated import round_trip
from guard.sidecar.errors import SidecarError
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import SSE_HEADERS, decision_headers
from guard.sidecar.routes.chat import SSE_EVENT_SCHEMA
from guard.sidecar.schemas import ErrorEnvelope
from guard.types import Decision

ROUTE = "/v1/messages"
router = APIRouter()


class AnthropicMessage(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    role: str = Field(pattern="^(user|assistant)$")
    content: str | list[dict[str, Any]]


class MessagesRequest(BaseModel):
    """``POST /v1/messages``; every field not listed here is forwarded as sent."""

    model_config = ConfigDict(strict=True, extra="allow")
    model: str = Field(min_length=1, max_length=256)
    max_tokens: int = Field(ge=1)
    messages: list[AnthropicMessage] = Field(min_length=1)
    system: str | list[dict[str, Any]] | None = None
    stream: bool | None = False


class AnthropicErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    message: str


class AnthropicError(BaseModel):
    """Anthropic's error shape: ``{"type": "error", "error": {"type", "message"}}``."""

    type: str
    error: AnthropicErrorDetail


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The request model's JSON schema with its ``$defs`` inlined (for ``openapi_extra``,
    which FastAPI does not add to the document's components)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A message (JSON), or an SSE stream of message events when "
          "stream=true.", "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}},
    **{code: {"model": AnthropicError, "description": desc} for code, desc in [
        (400, "Invalid request, or blocked by the guard (error.code content_filter)."),
        (401, "Missing or unknown API key."), (404, "Unknown model."),
        (502, "Upstream failed."), (503, "Upstream unavailable."),
        (504, "Upstream timed out.")]},
    **{code: {"model": ErrorEnvelope, "description": desc} for code, desc in [
        (413, "Request body too large (admission middleware, OpenAI envelope)."),
        (429, "Busy or over the tenant's limit (OpenAI envelope; see Retry-After).")]},
}


def _blocked(guard: Guard, model: str, stream: bool) -> flow.Blocked:
    def render(decision: Decision) -> Response:
        headers = decision_headers(decision)
        if guard.block_response == "refusal":
            if stream:
                events = api.refusal_events(model, guard.refusal_message, decision)
                return StreamingResponse(iter([frame(e) for e in events]),
                                         media_type="text/event-stream",
                                         headers={**SSE_HEADERS, **headers})
            return SafeJSONResponse(api.refusal_message(model, guard.refusal_message,
                                                        decision), headers=headers)
        return SafeJSONResponse(api.blocked_body(decision), status_code=400, headers=headers)
    return render


def _error(status: int, kind: str, message: str) -> SafeJSONResponse:
    return SafeJSONResponse(api.error_body(kind, message), status_code=status)


@router.post(ROUTE, responses=_RESPONSES, openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {
        "schema": _inline(MessagesRequest.model_json_schema())}}}},
    summary="Anthropic Messages API, guarded on the way in and out.")
async def create_message(request: Request) -> Response:
    try:
        raw = await request.json()
    except ValueError:
        return _error(400, "invalid_request_error", "The request body is not valid JSON.")
    try:
        body = MessagesRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return _error(400, "invalid_request_error", f"{where}: {first.get('msg')}")
    try:
        return await _handle(request, body, scrub(raw))
    except SidecarError as exc:
        return SafeJSONResponse(api.from_sidecar_error(exc), status_code=exc.status,
                                headers=exc.headers)


async def _handle(request: Request, body: MessagesRequest, raw: dict[str, Any]) -> Response:
    metadata = raw.get("metadata")
    user = metadata.get("user_id") if isinstance(metadata, dict) else None
    exchange = flow.open_exchange(request, ROUTE, body.model,
                                  user if isinstance(user, str) else None)
    state, caller, target, guard, context = exchange
    stream = body.stream is True
    blocked = _blocked(guard, body.model, stream)
    with ExitStack() as stack:
        stack.enter_context(flow.request_span(exchange, request, ROUTE, model=body.model))
        return await round_trip(exchange, raw, wire=api,
                                events=api.MessageEvents(), operation="messages", stream=stream,
                                blocked=blocked, span=stack)
