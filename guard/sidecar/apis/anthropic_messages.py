"""Anthropic Messages API (``/v1/messages``): content blocks <-> checked messages, its stream
events, and its error shape ``{"type": "error", "error": {"type", "message"}}``.

Each text-bearing block is checked as a message of its own and rewritten in place: ``system``
(system), ``text`` blocks (their turn's role), ``tool_result`` content (``tool``, so indirect
injection is seen as such), ``tool_use`` input (a tool call's JSON arguments), ``thinking``.

Streams: each content block is a block of the core stream guard; its ``text_delta`` /
``thinking_delta`` / ``input_json_delta`` events are held back until cleared, and released
before its ``content_block_stop``. A block mid-stream ends with an ``error`` event
(``block_response: error``; the anthropic SDK raises) or, with ``refusal``, a
``message_delta`` whose ``stop_reason`` is ``refusal``, then ``message_stop``.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from guard.sidecar.apis.events import Chunk, Emit, Settle, Step
from guard.sidecar.errors import SidecarError, UpstreamFailure
from guard.sidecar.responses import guard_info
from guard.types import Decision, Message

Place = tuple[int, int, int]
"""(message index or -1 for ``system``, block index or -1 for a string, sub-block or -1)."""


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message, **extra}}


_KINDS = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
          500: "api_error", 502: "api_error", 503: "overloaded_error", 504: "api_error"}


def from_sidecar_error(exc: SidecarError) -> dict[str, Any]:
    return error_body(_KINDS.get(exc.status, "api_error"), exc.message,
                      **({"code": exc.code} if exc.code else {}))


def blocked_body(decision: Decision) -> dict[str, Any]:
    rules = [r.rule_id for r in decision.fired_rules]
    where = "prompt" if str(decision.stage) == "input" else "completion"
    return error_body("invalid_request_error",
                      f"The {where} was blocked by the guard policy (rules: "
                      f"{', '.join(rules) or 'policy'}; decision {decision.id}).",
                      code="content_filter", rule_ids=rules, decision_id=decision.id,
                      stage=str(decision.stage))


def refusal_message(model: str, text: str, decision: Decision) -> dict[str, Any]:
    return {"id": f"msg_guard{uuid.uuid4().hex[:16]}", "type": "message", "role": "assistant",
            "model": model, "content": [{"type": "text", "text": text}],
            "stop_reason": "refusal", "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0}, "guard": guard_info(decision)}


def _block_messages(role: str, blocks: Any, where: int,
                    out: list[Message], places: list[Place]) -> None:
    if isinstance(blocks, str):
        out.append(Message(role, blocks))
        places.append((where, -1, -1))
        return
    for j, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            out.append(Message(role, block["text"]))
            places.append((where, j, -1))
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            out.append(Message("assistant", block["thinking"]))
            places.append((where, j, -1))
        elif kind == "tool_use" and isinstance(block.get("input"), dict):
            out.append(Message("assistant", None, {"tool_calls": [{
                "id": block.get("id"), "type": "function", "function": {
                    "name": block.get("name", ""), "arguments": json.dumps(block["input"])}}]}))
            places.append((where, j, -1))
        elif kind == "tool_result":
            content = block.get("content")
            if isinstance(content, str):
                out.append(Message("tool", content, {"tool_call_id": block.get("tool_use_id")}))
                places.append((where, j, -1))
            for k, sub in enumerate(content if isinstance(content, list) else []):
                if isinstance(sub, dict) and sub.get("type") == "text" and isinstance(
                        sub.get("text"), str):
                    out.append(Message("tool", sub["text"]))
                    places.append((where, j, k))


def request_messages(raw: dict[str, Any]) -> tuple[tuple[Message, ...], list[Place]]:
    out: list[Message] = []
    places: list[Place] = []
    _block_messages("system", raw.get("system"), -1, out, places)
    for i, message in enumerate(raw.get("messages") or []):
        if isinstance(message, dict):
            _block_messages(str(message.get("role", "user")), message.get("content"), i, out,
                            places)
    return tuple(out), places


def response_messages(data: dict[str, Any]) -> tuple[tuple[Message, ...], list[Place]]:
    out: list[Message] = []
    places: list[Place] = []
    _block_messages("assistant", data.get("content"), 0, out, places)
    return tuple(out), places


def _put(container: Any, block_index: int, sub: int, message: Message,
         parent: dict[str, Any], key: str) -> None:
    if block_index < 0:
        parent[key] = message.content
        return
    block = container[block_index]
    kind = block.get("type")
    if kind == "tool_use":
        calls = message.extra.get("tool_calls") or [{}]
        args = calls[0].get("function", {}).get("arguments")
        try:
            block["input"] = json.loads(args) if isinstance(args, str) else block["input"]
        except ValueError:
            block["input"] = {"_guard_rewritten": args}
    elif kind == "thinking":
        block["thinking"] = message.content
    elif kind == "tool_result":
        if sub < 0:
            block["content"] = message.content
        else:
            block["content"][sub]["text"] = message.content
    else:
        block["text"] = message.content


def rewrite_request(raw: dict[str, Any], messages: Sequence[Message],
                    places: Sequence[Place]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    for message, (i, j, k) in zip(messages, places, strict=True):
        if i < 0:
            _put(out.get("system"), j, k, message, out, "system")
        else:
            turn = out["messages"][i]
            _put(turn.get("content"), j, k, message, turn, "content")
    return out


def rewrite_response(data: dict[str, Any], messages: Sequence[Message],
                     places: Sequence[Place]) -> None:
    for message, (_, j, k) in zip(messages, places, strict=True):
        _put(data.get("content"), j, k, message, data, "content")


# --- streams ------------------------------------------------------------------------------

_DELTA_FIELDS = {"text_delta": "text", "thinking_delta": "thinking",
                 "input_json_delta": "partial_json"}


@dataclass
class MessageEvents:
    """:class:`~guard.sidecar.apis.events.EventAdapter` for Anthropic stream events."""

    kinds: dict[int, str] = field(default_factory=dict)
    open_blocks: set[int] = field(default_factory=set)

    def inbound(self, event: dict[str, Any]) -> list[Step]:
        kind = event.get("type")
        index = event.get("index")
        if kind == "content_block_start" and isinstance(index, int):
            self.open_blocks.add(index)
        if kind == "content_block_delta" and isinstance(index, int):
            delta = event.get("delta") or {}
            name = _DELTA_FIELDS.get(str(delta.get("type")))
            if name is None:  # signature_delta ...: the block's text is complete
                return [Settle(index), Emit(event)]
            self.kinds[index] = str(delta["type"])
            text = delta.get(name)
            return [Chunk({"choices": [{"index": index, "delta": {
                "content": text if isinstance(text, str) else ""}}]})]
        if kind == "content_block_stop" and isinstance(index, int):
            self.open_blocks.discard(index)
            return [Settle(index), Emit(event)]
        if kind in ("message_delta", "message_stop"):
            return [*(Settle(i) for i in sorted(self.kinds)), Emit(event)]
        return [Emit(event)]

    def released(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for choice in chunk.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            index = choice.get("index", 0)
            kind = self.kinds.get(index)
            if text and kind is not None:
                out.append({"type": "content_block_delta", "index": index,
                            "delta": {"type": kind, _DELTA_FIELDS[kind]: text}})
        return out

    def emit(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        return [event]

    def blocked(self, decision: Decision, mode: str, message: str) -> list[dict[str, Any]]:
        if mode == "error":
            return [blocked_body(decision)]
        out: list[dict[str, Any]] = [{"type": "content_block_stop", "index": i}
                                     for i in sorted(self.open_blocks)]
        index = max([*self.kinds, *self.open_blocks], default=-1) + 1
        out += [{"type": "content_block_start", "index": index,
                 "content_block": {"type": "text", "text": ""}},
                {"type": "content_block_delta", "index": index,
                 "delta": {"type": "text_delta", "text": message}},
                {"type": "content_block_stop", "index": index},
                {"type": "message_delta", "delta": {"stop_reason": "refusal",
                                                    "stop_sequence": None},
                 "usage": {"output_tokens": 0}, "guard": guard_info(decision)},
                {"type": "message_stop"}]
        return out

    def failed(self, exc: UpstreamFailure) -> list[dict[str, Any]]:
        return [from_sidecar_error(exc)]


def refusal_events(model: str, text: str, decision: Decision) -> list[dict[str, Any]]:
    """A request blocked before the upstream, as a stream (``block_response: refusal``)."""
    message = refusal_message(model, text, decision)
    start = {**message, "content": [], "stop_reason": None}
    start.pop("guard")
    return [{"type": "message_start", "message": start},
            *MessageEvents().blocked(decision, "refusal", text)]


