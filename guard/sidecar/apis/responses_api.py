"""OpenAI Responses API (``/v1/responses``) in the sidecar: refusal shape and stream events
(item translation: :mod:`guard.formats.responses`).

Streams: every text block (an output text part, a summary part, a reasoning text part, a
call's arguments) is a block of the core stream guard, its ``*.delta`` events held back until
cleared; ``*.done`` events, ``output_item.done`` and the final ``response.completed`` carry
the rewritten text. A block mid-stream ends with an ``error`` event (``block_response:
error``) and ``response.incomplete`` (``incomplete_details.reason: content_filter``).
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from guard.formats.responses import (
    Place,
    request_messages,
    response_messages,
    rewrite_request,
    rewrite_response,
)
from guard.sidecar.apis.events import Chunk, Emit, Settle, Step
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.responses import guard_info
from guard.types import Decision

__all__ = ["Place", "ResponseEvents", "refusal_response", "request_messages",
           "response_messages", "rewrite_request", "rewrite_response"]


def refusal_response(model: str, message: str, decision: Decision) -> dict[str, Any]:
    """A blocked request as a Responses object (``block_response: refusal``)."""
    return {"id": f"resp_guard{uuid.uuid4().hex[:16]}", "object": "response",
            "created_at": int(time.time()), "model": model, "status": "incomplete",
            "incomplete_details": {"reason": "content_filter"}, "error": None,
            "output": [_refusal_item(message)], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], "guard": guard_info(decision)}


def _refusal_item(message: str) -> dict[str, Any]:
    return {"type": "message", "id": f"msg_guard{uuid.uuid4().hex[:12]}", "role": "assistant",
            "status": "completed", "content": [{"type": "refusal", "refusal": message}]}


# --- streams ------------------------------------------------------------------------------

_DELTAS = {"response.output_text.delta": ("c", "content_index"),
           "response.reasoning_summary_text.delta": ("s", "summary_index"),
           "response.reasoning_text.delta": ("r", "content_index"),
           "response.function_call_arguments.delta": ("a", "")}
_DONES = {"response.output_text.done": ("c", "content_index", "text"),
          "response.reasoning_summary_text.done": ("s", "summary_index", "text"),
          "response.reasoning_text.done": ("r", "content_index", "text"),
          "response.function_call_arguments.done": ("a", "", "arguments")}
_FINAL = ("response.completed", "response.incomplete", "response.failed")
Key = tuple[int, str, int]


def _int(event: dict[str, Any], name: str) -> int:
    value = event.get(name)
    return value if isinstance(value, int) else 0


@dataclass
class ResponseEvents:
    """:class:`~guard.sidecar.apis.events.EventAdapter` for Responses API stream events."""

    blocks: dict[Key, int] = field(default_factory=dict)
    keys: dict[int, Key] = field(default_factory=dict)
    templates: dict[Key, dict[str, Any]] = field(default_factory=dict)
    texts: dict[Key, str] = field(default_factory=dict)
    done_items: dict[int, dict[str, Any]] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)
    sequence: int = 0

    def _key(self, event: dict[str, Any], kind: str, index_field: str) -> Key:
        sub = _int(event, index_field) if index_field else 0
        return (_int(event, "output_index"), kind, sub)

    def _block(self, key: Key) -> int:
        if key not in self.blocks:
            self.blocks[key] = len(self.blocks)
            self.keys[self.blocks[key]] = key
            self.texts[key] = ""
        return self.blocks[key]

    def inbound(self, event: dict[str, Any]) -> list[Step]:
        kind = event.get("type")
        if kind in ("response.created", "response.in_progress") and isinstance(
                event.get("response"), dict):
            self.response = event["response"]
        if kind in _DELTAS:
            letter, index_field = _DELTAS[kind]
            key = self._key(event, letter, index_field)
            block = self._block(key)
            self.templates[key] = {k: v for k, v in event.items()
                                   if k not in ("delta", "logprobs", "obfuscation")}
            delta = event.get("delta")
            text = delta if isinstance(delta, str) else ""
            return [Chunk({"choices": [{"index": block, "delta": {"content": text}}]})]
        if kind in _DONES:
            letter, index_field, _ = _DONES[kind]
            key = self._key(event, letter, index_field)
            return [Settle(self._block(key)), Emit(event)]
        if kind in _FINAL:
            return [*(Settle(b) for b in sorted(self.keys)), Emit(event)]
        return [Emit(event)]

    def _out(self, event: dict[str, Any]) -> dict[str, Any]:
        if "sequence_number" in event:
            event = {**event, "sequence_number": self.sequence}
            self.sequence += 1
        return event

    def released(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for choice in chunk.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            key = self.keys.get(choice.get("index", -1))
            if not text or key is None:
                continue
            self.texts[key] += text
            event = {**self.templates[key], "delta": text}
            if event.get("type") == "response.output_text.delta":
                event["logprobs"] = []
            out.append(self._out(event))
        return out

    def emit(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        event = copy.deepcopy(event)
        kind = event.get("type")
        if kind in _DONES:
            letter, index_field, text_field = _DONES[kind]
            key = self._key(event, letter, index_field)
            event[text_field] = self.texts.get(key, "")
        elif kind == "response.content_part.done" and isinstance(event.get("part"), dict):
            key = (_int(event, "output_index"), "c", _int(event, "content_index"))
            if key in self.texts and "text" in event["part"]:
                event["part"]["text"] = self.texts[key]
        elif kind == "response.reasoning_summary_part.done" and isinstance(
                event.get("part"), dict):
            key = (_int(event, "output_index"), "s", _int(event, "summary_index"))
            if key in self.texts:
                event["part"]["text"] = self.texts[key]
        elif kind == "response.output_item.done" and isinstance(event.get("item"), dict):
            self._rewrite_item(_int(event, "output_index"), event["item"])
            self.done_items[_int(event, "output_index")] = event["item"]
        elif kind in _FINAL and isinstance(event.get("response"), dict):
            for i, item in enumerate(event["response"].get("output") or []):
                if isinstance(item, dict):
                    self._rewrite_item(i, item)
        return [self._out(event)]

    def _rewrite_item(self, index: int, item: dict[str, Any]) -> None:
        for (oi, letter, sub), text in self.texts.items():
            if oi != index:
                continue
            if letter == "a":
                item["arguments"] = text
                continue
            key = {"c": "content", "s": "summary", "r": "content"}[letter]
            parts = item.get(key)
            if isinstance(parts, list) and sub < len(parts) and isinstance(parts[sub], dict):
                parts[sub]["text"] = text

    def blocked(self, decision: Decision, mode: str, message: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if mode == "error":
            rules = ", ".join(r.rule_id for r in decision.fired_rules) or "policy"
            out.append({"type": "error", "code": "content_filter", "param": None,
                        "sequence_number": 0, "message": f"The completion was blocked by the "
                        f"guard policy (rules: {rules}; decision {decision.id})."})
        output = [self.done_items[i] for i in sorted(self.done_items)]
        if mode == "refusal":
            output.append(_refusal_item(message))
        response = {**self.response, "status": "incomplete", "output": output,
                    "incomplete_details": {"reason": "content_filter"},
                    "guard": guard_info(decision)}
        out.append({"type": "response.incomplete", "response": response,
                    "sequence_number": 0})
        return [self._out(e) for e in out]

    def failed(self, exc: UpstreamFailure) -> list[dict[str, Any]]:
        return [self._out({"type": "error", "code": exc.code, "message": exc.message,
                           "param": None, "sequence_number": 0})]
