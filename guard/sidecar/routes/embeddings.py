"""``POST /v1/embeddings``: the input checked (and rewritten) before it is embedded; the
vectors come back as the upstream returned them (there is no text to check on the way out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from guard.guard import Guard
from guard.sidecar.apis import flow, prompts
from guard.sidecar.errors import blocked_error
from guard.sidecar.jsonutil import SafeJSONResponse, scrub
from guard.sidecar.responses import decision_headers
from guard.sidecar.schemas import ERROR_RESPONSES, _Open
from guard.sidecar.upstream import UpstreamReply
from guard.types import Action, Decision

ROUTE = "/v1/embeddings"
router = APIRouter()


class EmbeddingRequest(_Open):
    """``POST /v1/embeddings``; every field not listed here is forwarded as sent."""

    model: str = Field(min_length=1, max_length=256)
    input: str | list[Any]
    user: str | None = None


def _blocked(guard: Guard) -> flow.Blocked:
    def render(decision: Decision) -> Response:
        # No refusal shape exists for vectors: a block is always the 400 envelope.
        error = blocked_error(decision.id, [r.rule_id for r in decision.fired_rules], "input")
        error["error"]["param"] = "input"
        return SafeJSONResponse(error, status_code=400, headers=decision_headers(decision))
    return render


@router.post(ROUTE, responses=ERROR_RESPONSES,
             summary="OpenAI embeddings, input guarded; vectors passed through.")
async def create_embedding(body: EmbeddingRequest, request: Request) -> Response:
    exchange = flow.open_exchange(request, ROUTE, body.model, body.user)
    state, caller, target, guard, context = exchange
    raw: dict[str, Any] = scrub(await request.json())
    texts = prompts.texts(raw["input"], "input")
    with flow.request_span(exchange, request, ROUTE, model=body.model, operation="embeddings"):
        async def call(decision: Decision) -> UpstreamReply:
            body = raw if decision.action is not Action.REWRITE else {
                **raw, "input": prompts.rewritten(raw["input"], decision.messages)}
            return await flow.upstream_reply(state, target, body,
                                             flow.forward_headers(caller), "embeddings")

        decision, reply = await flow.checked_call(exchange, prompts.as_messages(texts),
                                                  _blocked(guard), call)
        if isinstance(reply, Response):
            return reply
        return SafeJSONResponse(reply.data, headers={**reply.headers,
                                                     **decision_headers(decision)})
