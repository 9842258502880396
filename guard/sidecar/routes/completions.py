"""``POST /v1/completions`` (legacy): the prompt checked on the way in, ``choices[].text`` on
the way out, streamed with the same hold-back guarantee as chat (the core stream guard)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from guard.guard import Guard
from guard.sidecar.apis import completions, flow, prompts
from guard.sidecar.errors import blocked_error
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import DONE, SSE_HEADERS, decision_headers, guard_info, sse
from guard.sidecar.routes.chat import SSE_EVENT_SCHEMA
from guard.sidecar.schemas import ERROR_RESPONSES, _Open
from guard.sidecar.stream import (
    GuardStreamingResponse,
    OpenedStream,
    open_upstream_stream,
    relay_response,
)
from guard.sidecar.upstream import UpstreamReply
from guard.types import Action, Decision

ROUTE = "/v1/completions"
router = APIRouter()


class CompletionRequest(_Open):
    """``POST /v1/completions``; every field not listed here is forwarded as sent."""

    model: str = Field(min_length=1, max_length=256)
    prompt: str | list[Any]
    stream: bool | None = False
    n: int | None = Field(default=None, ge=1, le=128)
    suffix: str | None = None
    user: str | None = None


def _blocked(guard: Guard, model: str, n: int, stream: bool) -> flow.Blocked:
    def render(decision: Decision) -> Response:
        headers = decision_headers(decision)
        if guard.block_response == "refusal":
            body = completions.refusal(guard.refusal_message, model, n, guard_info(decision))
            if stream:
                chunks = [sse({**body, "choices": [c]}) for c in body["choices"]]
                return StreamingResponse(iter([*chunks, DONE]), media_type="text/event-stream",
                                         headers={**SSE_HEADERS, **headers})
            return SafeJSONResponse(body, headers=headers)
        error = blocked_error(decision.id, [r.rule_id for r in decision.fired_rules],
                              str(decision.stage))
        if str(decision.stage) == "input":
            error["error"]["param"] = "prompt"
        return SafeJSONResponse(error, status_code=400, headers=headers)
    return render


@router.post(ROUTE, responses={
    **ERROR_RESPONSES, 200: {
        "description": "A completion (JSON), or an SSE stream when stream=true.",
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}}},
             summary="OpenAI legacy completions, guarded on the way in and out.")
async def create_completion(body: CompletionRequest, request: Request) -> Response:
    exchange = flow.open_exchange(request, ROUTE, body.model, body.user)
    state, caller, target, guard, context = exchange
    raw: dict[str, Any] = scrub(await request.json())
    texts = prompts.texts(raw["prompt"], "prompt")
    stream = body.stream is True
    blocked = _blocked(guard, body.model, body.n or 1, stream)
    with ExitStack() as stack:
        stack.enter_context(flow.request_span(exchange, request, ROUTE, model=body.model,
                                              operation="text_completion"))
        checked = prompts.as_messages([*texts, *([body.suffix] if body.suffix else [])])
        headers = flow.forward_headers(caller)

        def prepared(decision: Decision) -> dict[str, Any]:
            if decision.action is not Action.REWRITE:
                return raw
            new = decision.messages
            out = {**raw, "prompt": prompts.rewritten(raw["prompt"], new[:len(texts)])}
            if body.suffix:
                out["suffix"] = prompts.rewritten("", new[len(texts):])
            return out

        if stream:
            async def open_stream(decision: Decision) -> OpenedStream:
                return await open_upstream_stream(state, target, prepared(decision), headers,
                                                  operation="completions")

            input_decision, opened = await flow.checked_call(exchange, checked, blocked,
                                                             open_stream)
            if isinstance(opened, Response):
                return opened
            response = relay_response(state, guard, context, target, opened, input_decision,
                                      adapter=completions.CompletionChunks())
            if isinstance(response, GuardStreamingResponse):
                response.close_after = stack.pop_all()
            return response

        async def call(decision: Decision) -> UpstreamReply:
            return await flow.upstream_reply(state, target, prepared(decision), headers,
                                             "completions")

        input_decision, reply = await flow.checked_call(exchange, checked, blocked, call)
        if isinstance(reply, Response):
            return reply
        data = reply.data
        if not guard.has_output_rules(context):
            return SafeJSONResponse(data, headers={**reply.headers,
                                                   **decision_headers(input_decision)})
        choices, messages = completions.choice_messages(data)
        decision, refused = await flow.screen_output(state, guard, context, messages, reply,
                                                     blocked)
        if refused is not None:
            return refused
        if decision.action is Action.REWRITE:
            completions.put_back(choices, decision.messages)
        return SafeJSONResponse(data, headers={
            **reply.headers, **decision_headers(flow.strongest(input_decision, decision))})
