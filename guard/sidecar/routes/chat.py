"""``POST /v1/chat/completions``: check the prompt, call the upstream, check the completion.

The client's JSON is forwarded as sent (tools, response_format, vendor fields ...), with
only ``messages`` replaced when an input rule rewrote them; the upstream's JSON comes back as
returned, with only the checked messages replaced. The typed model validates, it does not
reshape.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import blocked_response, decision_headers
from guard.sidecar.schemas import ERROR_RESPONSES, ChatCompletionRequest, ChatCompletionResponse
from guard.sidecar.state import Caller, SidecarState
from guard.sidecar.stream import GuardStreamingResponse, open_guarded_stream
from guard.sidecar.upstream import Target
from guard.types import Action, CheckContext, Decision, Message, Stage

ROUTE = "/v1/chat/completions"
SSE_EVENT_SCHEMA = {
    "type": "object", "description": "One server-sent event; data is a chunk JSON or [DONE].",
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}},
    "required": ["data"],
}
router = APIRouter()


@router.post(
    ROUTE, response_model=ChatCompletionResponse, responses={
        **ERROR_RESPONSES,
        200: {"description": "A completion (JSON), or an SSE stream when stream=true.",
              "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}},
    },
    summary="OpenAI-compatible chat completions, guarded on the way in and out.",
)
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
    state: SidecarState = request.app.state.sidecar
    caller = state.caller(request.headers)
    raw: dict[str, Any] = await request.json()
    target = state.upstreams.resolve(body.model)
    guard = state.guard_for(caller, model=body.model, route=ROUTE)
    context = state.context(caller, model=body.model, route=ROUTE, user=body.user,
                            upstream=target.config.base_url)
    with ExitStack() as stack:
        stack.enter_context(state.telemetry.request_span(
            headers=dict(request.headers), model=body.model, tenant=caller.tenant, route=ROUTE,
            request_id=caller.request_id, provider=target.name))
        response = await _handle(state, guard, caller, context, target, body, raw)
        if isinstance(response, GuardStreamingResponse):
            # The request span stays open (and current) until the last byte is sent, so the
            # stream's output checks are its children; the response closes it.
            response.close_after = stack.pop_all()
        return response


async def _handle(state: SidecarState, guard: Guard, caller: Caller, context: CheckContext,
                  target: Target, body: ChatCompletionRequest, raw: dict[str, Any]) -> Response:
    stream = body.stream is True
    n = body.n or 1
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    original = tuple(Message.from_dict(m) for m in scrub(raw["messages"]))
    # Checked even without input rules (then it is a cheap "allow"): every request, including
    # one whose upstream then fails, leaves an audit record.
    input_decision = await state.check(guard, original, Stage.INPUT, context, record=False)
    if input_decision.action is Action.BLOCK:
        response = blocked_response(guard, input_decision, model=body.model, stream=stream,
                                    n=n, include_usage=include_usage)
        await state.record(guard, input_decision, original,
                           {"http_status": response.status_code})
        return response
    if input_decision.action is Action.REWRITE:
        raw = {**raw, "messages": [m.to_dict() for m in input_decision.messages]}
    forward_headers = dict(caller.headers)
    state.telemetry.inject_headers(forward_headers)
    if stream:
        return await open_guarded_stream(state, guard, context, target, raw, forward_headers,
                                         input_decision, original)
    started = time.perf_counter()
    try:
        completion = await state.upstreams.chat(target, raw, forward_headers)
    except UpstreamFailure as exc:
        state.metrics.upstream_errors.labels(target.name, str(exc.status)).inc()
        await state.record(guard, input_decision, original, {
            "http_status": exc.status, "upstream_error": exc.message,
            "upstream_status": exc.upstream_status})
        raise
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    await state.record(guard, input_decision, original, {"upstream_status": 200})
    return await _check_completion(state, guard, context, body, completion, input_decision)


async def _check_completion(state: SidecarState, guard: Guard, context: CheckContext,
                            body: ChatCompletionRequest, completion: dict[str, Any],
                            input_decision: Decision | None) -> Response:
    choices = [c for c in completion["choices"] if isinstance(c, dict)]
    messages = [c.get("message") or {} for c in choices]
    if not guard.policy.has_rules(Stage.OUTPUT, context) or not messages:
        return SafeJSONResponse(completion, headers=decision_headers(input_decision))
    assistant = scrub([{**m, "role": "assistant"} for m in messages if isinstance(m, dict)])
    decision = await state.check(guard, assistant, Stage.OUTPUT, context,
                                 extra={"upstream_status": 200})
    if decision.action is Action.BLOCK:
        return blocked_response(guard, decision, model=str(completion.get("model", body.model)),
                                stream=False, n=len(choices))
    if decision.action is Action.REWRITE:
        for choice, original, rewritten in zip(choices, messages, decision.messages,
                                               strict=False):
            choice["message"] = {**original, **rewritten.to_dict(), "role": original.get(
                "role", "assistant")}
    strongest = decision if input_decision is None or \
        decision.action.severity >= input_decision.action.severity else input_decision
    return SafeJSONResponse(completion, headers=decision_headers(strongest))
