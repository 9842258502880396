"""A non-streamed answer checked as it arrives: stream from the upstream, answer with JSON.

A client that did not ask for a stream still waits for the whole completion; if the sidecar
asked the upstream for a non-streamed answer too, the output check could only start once the
last token arrived and would add its full cost to the answer's latency. Instead the sidecar
asks the upstream to stream (usage via ``stream_options.include_usage``), the core streaming
guard checks windows while tokens arrive, and the JSON answer is assembled from what the guard
released: only the last window's check is added. The answer has the shape of a non-streamed
upstream answer (``id``, ``object``, ``created``, ``model``, vendor fields, ``choices`` with
``message``/``logprobs``/``finish_reason``, ``usage``). Nothing is sent before the end, so a
block still answers with the normal block response. An upstream that refuses the streamed
request (a 4xx of its own) gets it again as the client sent it, and is read as JSON from then
on: a model endpoint without streaming costs one extra call, once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from fastapi.responses import Response

from guard.engine.stream import Chunk
from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.responses import blocked_response, decision_headers
from guard.sidecar.state import SidecarState
from guard.sidecar.stream import GuardedStream, OpenedStream, upstream_failed
from guard.sidecar.upstream import Target
from guard.types import CheckContext, Decision

_CHUNK_ONLY = frozenset({"object", "choices", "usage"})


def wants_streamed_upstream(guard: Guard, context: CheckContext, target: Target,
                            raw: Mapping[str, Any]) -> bool:
    """Whether a non-streamed request is served from a streamed upstream answer: every member
    of the target allows it, output rules apply (else there is nothing to overlap), and the
    client asked for nothing a stream carries differently (logprobs)."""
    return (all(m.config.stream_upstream for m in target.members) and not target.is_echo
            and guard.has_output_rules(context)
            and not raw.get("logprobs") and raw.get("top_logprobs") is None)


def stream_was_rejected(exc: UpstreamFailure) -> bool:
    """Whether the upstream refused the request as invalid (its own 4xx, not auth, a timeout
    or a rate limit): perhaps for ``stream`` / ``stream_options``, which the client did not
    send, so the request is tried once more as the client sent it."""
    status = exc.upstream_status
    return (status is not None and exc.status == status and 400 <= status < 500
            and status not in (401, 403, 408, 429))


def streamed_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The client's non-streamed request, asking the upstream to stream with usage."""
    return {**raw, "stream": True, "stream_options": {"include_usage": True}}


class Assembly:
    """The non-streamed completion being built from released chunks."""

    def __init__(self) -> None:
        self.template: dict[str, Any] = {}
        self.choices: dict[int, dict[str, Any]] = {}
        self.usage: Any = None

    def add(self, chunk: Chunk) -> None:
        self.template.update({k: v for k, v in chunk.items() if k not in _CHUNK_ONLY})
        if chunk.get("usage") is not None:
            self.usage = chunk["usage"]
        for raw in chunk.get("choices") or []:
            index = raw.get("index", 0)
            choice = self.choices.setdefault(index, {
                "content": [], "refusal": [], "reasoning": [], "tool_calls": [],
                "finish_reason": None})
            delta = raw.get("delta") or {}
            if isinstance(delta.get("content"), str):
                choice["content"].append(delta["content"])
            if isinstance(delta.get("reasoning_content"), str):
                choice["reasoning"].append(delta["reasoning_content"])
            if isinstance(delta.get("refusal"), str):
                choice["refusal"].append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                choice["tool_calls"].append({k: v for k, v in call.items() if k != "index"})
            if raw.get("finish_reason"):
                choice["finish_reason"] = raw["finish_reason"]

    def completion(self) -> dict[str, Any]:
        choices = []
        for index in sorted(self.choices):
            c = self.choices[index]
            message: dict[str, Any] = {
                "role": "assistant",
                "content": "".join(c["content"]) if c["content"] or not c["tool_calls"]
                else None,
                "refusal": "".join(c["refusal"]) or None,
            }
            if c["reasoning"]:
                message["reasoning_content"] = "".join(c["reasoning"])
            if c["tool_calls"]:
                message["tool_calls"] = c["tool_calls"]
            choices.append({"index": index, "message": message, "logprobs": None,
                            "finish_reason": c["finish_reason"] or "stop"})
        return {**self.template, "object": "chat.completion", "choices": choices,
                "usage": self.usage}


async def assembled_completion(state: SidecarState, guard: Guard, context: CheckContext,
                               target: Target, opened: OpenedStream, *, model: str, n: int,
                               input_decision: Decision | None) -> Response:
    """Read the opened upstream stream through the core streaming guard; answer with JSON
    (or the normal output block response)."""
    stack, events = opened
    blocked_status = 200 if guard.block_response == "refusal" else 400
    relay = GuardedStream(state, guard, context, events, target, client_streams=False,
                          blocked_status=blocked_status)
    assembly = Assembly()
    try:
        async with contextlib.aclosing(relay.steps()) as steps:
            async for item in steps:
                if isinstance(item, Decision):
                    return blocked_response(guard, item, stream=False, n=max(n, len(
                        assembly.choices)), model=str(assembly.template.get("model", model)))
                if isinstance(item, UpstreamFailure):
                    await upstream_failed(state, guard, context, target, item)
                    raise item
                for chunk in item:
                    assembly.add(chunk)
    finally:
        await stack.aclose()
    decisions = [c.hold.decision for c in relay.core.choices.values()
                 if c.hold.decision is not None]
    strongest = max([d for d in (input_decision, *decisions) if d is not None],
                    key=lambda d: d.action.severity, default=None)
    return SafeJSONResponse(assembly.completion(), headers={
        **events.headers, **decision_headers(strongest)})
