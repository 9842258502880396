"""What a block looks like on the wire: 400 envelope, 200 refusal completion, or SSE.

The policy's ``block_response`` picks the shape. The refusal puts the policy's message in
``content`` *and* ``refusal``: garak and promptfoo read ``content`` (and score a refusal text
as a pass, see clients.md), structured clients read ``refusal``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi.responses import StreamingResponse

from guard.guard import Guard
from guard.sidecar.errors import blocked_error
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.types import Decision

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def decision_headers(decision: Decision | None) -> dict[str, str]:
    if decision is None:
        return {}
    headers = {"x-guard-decision-id": decision.id, "x-guard-action": str(decision.action)}
    rules = [r.rule_id for r in decision.fired_rules]
    if rules:
        headers["x-guard-rules"] = ",".join(rules)
    return headers


def guard_info(decision: Decision) -> dict[str, Any]:
    return {"decision_id": decision.id, "action": str(decision.action),
            "stage": str(decision.stage), "rule_ids": [r.rule_id for r in decision.fired_rules]}


def sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def refusal_completion(guard: Guard, decision: Decision, model: str,
                       n: int = 1) -> dict[str, Any]:
    message = guard.policy.settings.refusal_message
    return {
        "id": f"chatcmpl-guard-{uuid.uuid4().hex[:16]}", "object": "chat.completion",
        "created": int(time.time()), "model": model,
        "choices": [{"index": i, "finish_reason": "content_filter", "logprobs": None,
                     "message": {"role": "assistant", "content": message, "refusal": message}}
                    for i in range(n)],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "guard": guard_info(decision),
    }


def refusal_events(guard: Guard, decision: Decision, model: str, n: int = 1,
                   include_usage: bool = False) -> Iterator[bytes]:
    message = guard.policy.settings.refusal_message
    base = {"id": f"chatcmpl-guard-{uuid.uuid4().hex[:16]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}
    for i in range(n):
        yield sse({**base, "choices": [{"index": i, "finish_reason": None, "delta": {
            "role": "assistant", "content": message, "refusal": message}}]})
        yield sse({**base, "choices": [{"index": i, "delta": {},
                                        "finish_reason": "content_filter"}],
                   "guard": guard_info(decision)})
    if include_usage:
        yield sse({**base, "choices": [], "usage": {"prompt_tokens": 0, "completion_tokens": 0,
                                                    "total_tokens": 0}})
    yield DONE


def blocked_response(guard: Guard, decision: Decision, *, model: str, stream: bool,
                     n: int = 1, include_usage: bool = False,
                     extra_headers: Mapping[str, str] | None = None
                     ) -> SafeJSONResponse | StreamingResponse:
    """The response for a request whose input (or non-streamed output) was blocked."""
    headers = {**decision_headers(decision), **(extra_headers or {})}
    if guard.policy.settings.block_response == "refusal":
        if stream:
            return StreamingResponse(refusal_events(guard, decision, model, n, include_usage),
                                     media_type="text/event-stream",
                                     headers={**SSE_HEADERS, **headers})
        return SafeJSONResponse(refusal_completion(guard, decision, model, n), headers=headers)
    rule_ids = [r.rule_id for r in decision.fired_rules]
    return SafeJSONResponse(blocked_error(decision.id, rule_ids, str(decision.stage)),
                        status_code=400, headers=headers)
