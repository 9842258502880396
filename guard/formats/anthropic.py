"""Anthropic Messages API: content blocks <-> checked messages, and stream stepping.

Each text-bearing block is checked as a message of its own and rewritten in place: ``system``
(system), ``text`` blocks (their turn's role), ``tool_result`` content (``tool``, so indirect
injection is seen as such), ``tool_use`` input (a tool call's JSON arguments), ``thinking``.
In streams each content block is a block of the core stream guard: its ``text_delta`` /
``thinking_delta`` / ``input_json_delta`` events are held back until cleared and released
before its ``content_block_stop``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from guard.formats.events import Chunk, Emit, Settle, Step
from guard.types import Message

Place = tuple[int, int, int]
"""(message index or -1 for ``system``, block index or -1 for a string, sub-block or -1)."""


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
class MessageSteps:
    """Anthropic stream events as steps for the core stream guard, and released core chunks
    back as ``content_block_delta`` events."""

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
