"""``POST /v1/chat/completions``: check the prompt, call the upstream, check the completion.

The client's JSON is forwarded as sent (tools, response_format, vendor fields ...), with
only ``messages`` replaced when an input rule rewrote them; the upstream's JSON comes back as
returned, with only the checked messages replaced. The typed model validates, it does not
reshape.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from guard.engine.segments import apply_tool_definitions, tool_definitions
from guard.guard import Guard
from guard.sidecar.apis import flow, reasoning
from guard.sidecar.assemble import (
    assembled_completion,
    stream_was_rejected,
    streamed_body,
    wants_streamed_upstream,
)
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import blocked_response, decision_headers
from guard.sidecar.schemas import ERROR_RESPONSES, ChatCompletionRequest, ChatCompletionResponse
from guard.sidecar.state import SidecarState
from guard.sidecar.stream import (
    GuardStreamingResponse,
    OpenedStream,
    open_upstream_stream,
    relay_response,
)
from guard.sidecar.upstream import Target, UpstreamReply
from guard.types import Action, CheckContext, Decision, Message

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
    exchange = flow.open_exchange(request, ROUTE, body.model, body.user)
    raw: dict[str, Any] = await request.json()
    with ExitStack() as stack:
        stack.enter_context(flow.request_span(exchange, request, ROUTE, model=body.model))
        response = await _handle(exchange, body, raw)
        if isinstance(response, GuardStreamingResponse):
            # The request span stays open (and current) until the last byte is sent, so the
            # stream's output checks are its children; the response closes it.
            response.close_after = stack.pop_all()
        return response


async def _handle(exchange: flow.Exchange, body: ChatCompletionRequest,
                  raw: dict[str, Any]) -> Response:
    state, caller, target, guard, context = exchange
    stream = body.stream is True
    n = body.n or 1
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    original = tuple(Message.from_dict(m) for m in scrub(raw["messages"]))
    # Tool definitions are model-read text too (an injection in a description is an attack):
    # checked as one pseudo-message of role ``tool_definition`` after the conversation.
    definitions = tool_definitions(scrub({k: raw.get(k) for k in ("tools", "functions")}))
    if definitions is not None:
        original = (*original, definitions)
    forward_headers = flow.forward_headers(caller)
    assemble = (not stream and target.name not in state.unstreamable
                and wants_streamed_upstream(guard, context, target, raw))

    def blocked(decision: Decision) -> Response:
        return blocked_response(guard, decision, model=body.model, stream=stream, n=n,
                                include_usage=include_usage)

    async def call(decision: Decision) -> UpstreamReply | OpenedStream:
        request = raw
        if decision.action is Action.REWRITE:
            rewritten = decision.messages
            if definitions is not None:
                request = apply_tool_definitions(request, rewritten[-1])
                rewritten = rewritten[:-1]
            request = {**request, "messages": [m.to_dict() for m in rewritten]}
        if not assemble:
            return await _call_upstream(state, target, request, forward_headers, stream=stream)
        try:
            return await _call_upstream(state, target, request, forward_headers, stream=True)
        except UpstreamFailure as exc:
            if not stream_was_rejected(exc):
                raise
            reply = await _call_upstream(state, target, request, forward_headers, stream=False)
            state.stream_rejected(target.name, exc.message)
            return reply

    # Checked even without input rules (then it is a cheap "allow"): every request, including
    # one whose upstream then fails, leaves an audit record.
    input_decision, result = await flow.checked_call(exchange, original, blocked, call)
    if isinstance(result, Response):
        return result
    if isinstance(result, UpstreamReply):
        return await _check_completion(state, guard, context, body, result, input_decision)
    if assemble:
        return await assembled_completion(state, guard, context, target, result,
                                          model=body.model, n=n, input_decision=input_decision)
    return relay_response(state, guard, context, target, result, input_decision)


async def _call_upstream(state: SidecarState, target: Target, raw: dict[str, Any],
                         headers: dict[str, str], *, stream: bool
                         ) -> UpstreamReply | OpenedStream:
    """The upstream call: a completion, or an opened stream (its headers arrived)."""
    if stream:
        body = raw if raw.get("stream") is True else streamed_body(raw)
        return await open_upstream_stream(state, target, body, headers)
    return await flow.upstream_reply(state, target, raw, headers, "chat/completions")


async def _check_completion(state: SidecarState, guard: Guard, context: CheckContext,
                            body: ChatCompletionRequest, reply: UpstreamReply,
                            input_decision: Decision | None) -> Response:
    completion = reply.data
    choices = [c for c in completion["choices"] if isinstance(c, dict)]
    messages = [c.get("message") or {} for c in choices]
    if not guard.has_output_rules(context) or not messages:
        # Nothing to check, but the record still says how the request ended and who answered.
        await guard.arecord_unchecked(context, replace(reply.facts, upstream_status=200,
                                                       http_status=200))
        return SafeJSONResponse(completion, headers={
            **reply.headers, **decision_headers(input_decision)})
    assistant = scrub([{**m, "role": "assistant"} for m in messages if isinstance(m, dict)])
    checked, owners = reasoning.split(assistant)

    def blocked(decision: Decision) -> Response:
        return blocked_response(guard, decision, stream=False, n=len(choices),
                                model=str(completion.get("model", body.model)))

    decision, refused = await flow.screen_output(state, guard, context, checked, reply, blocked)
    if refused is not None:
        return refused
    if decision.action is Action.REWRITE:
        for choice, original, rewritten in zip(choices, messages,
                                               reasoning.merge(decision.messages, owners),
                                               strict=False):
            choice["message"] = {**original, **rewritten, "role": original.get(
                "role", "assistant")}
    # On a tie the output decision is the one reported (flow.strongest keeps the first).
    return SafeJSONResponse(completion, headers={
        **reply.headers, **decision_headers(flow.strongest(decision, input_decision))})
