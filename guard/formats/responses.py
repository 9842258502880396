"""OpenAI Responses API items <-> checked messages (shared by the sidecar and the hook).

Input: ``instructions`` (system), ``input`` as a string or items: messages (``input_text`` /
``output_text`` parts), ``function_call`` (arguments, as a tool call) and
``function_call_output`` (a ``tool`` message, so ``prompt_attack`` sees indirect injection).
Output: message items (``output_text`` parts), reasoning items (summary and reasoning text),
``function_call`` arguments. Rewritten texts go back in place; nothing else changes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guard.types import Message

_TEXT_PARTS = ("input_text", "output_text", "text")


@dataclass
class Place:
    """Where a checked message's text lives in the request or response JSON."""

    kind: str                      # "instructions" | "input" | "parts" | "output_call" | ...
    index: int = 0
    parts: tuple[int, ...] = ()


def request_messages(raw: dict[str, Any]) -> tuple[tuple[Message, ...], list[Place]]:
    messages: list[Message] = []
    places: list[Place] = []
    if isinstance(raw.get("instructions"), str):
        messages.append(Message("system", raw["instructions"]))
        places.append(Place("instructions"))
    items = raw.get("input")
    if isinstance(items, str):
        messages.append(Message("user", items))
        places.append(Place("input"))
        return tuple(messages), places
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "function_call_output" and isinstance(item.get("output"), str):
            messages.append(Message("tool", item["output"],
                                    {"tool_call_id": item.get("call_id")}))
            places.append(Place("output", i))
        elif kind == "function_call" and isinstance(item.get("arguments"), str):
            messages.append(_call_message(item))
            places.append(Place("call", i))
        elif kind == "message" and isinstance(item.get("content"), str):
            messages.append(Message(str(item.get("role", "user")), item["content"]))
            places.append(Place("content", i))
        elif kind == "message" and isinstance(item.get("content"), list):
            parts, texts = _text_parts(item["content"])
            if parts:
                messages.append(Message(str(item.get("role", "user")), texts))
                places.append(Place("parts", i, parts))
    return tuple(messages), places


def rewrite_request(raw: dict[str, Any], messages: Sequence[Message],
                    places: Sequence[Place]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    for message, place in zip(messages, places, strict=True):
        if place.kind == "instructions":
            out["instructions"] = message.content
        elif place.kind == "input":
            out["input"] = message.content
        else:
            _put(out["input"][place.index], message, place)
    return out


def response_messages(data: dict[str, Any]) -> tuple[tuple[Message, ...], list[Place]]:
    """Assistant messages to check, one per text of the output items."""
    messages: list[Message] = []
    places: list[Place] = []
    for i, item in enumerate(data.get("output") or []):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "function_call" and isinstance(item.get("arguments"), str):
            messages.append(_call_message(item))
            places.append(Place("call", i))
        elif kind == "message" and isinstance(item.get("content"), list):
            parts, texts = _text_parts(item["content"])
            if parts:
                messages.append(Message("assistant", texts))
                places.append(Place("parts", i, parts))
        elif kind == "reasoning":
            for key in ("summary", "content"):
                parts, texts = _text_parts(item.get(key) or [], ("summary_text",
                                                                 "reasoning_text"))
                if parts:
                    messages.append(Message("assistant", texts))
                    places.append(Place(key, i, parts))
    return tuple(messages), places


def rewrite_response(data: dict[str, Any], messages: Sequence[Message],
                     places: Sequence[Place]) -> None:
    for message, place in zip(messages, places, strict=True):
        _put(data["output"][place.index], message, place)


def _call_message(item: dict[str, Any]) -> Message:
    return Message("assistant", None, {"tool_calls": [{
        "id": item.get("call_id"), "type": "function",
        "function": {"name": item.get("name", ""), "arguments": item["arguments"]}}]})


def _text_parts(parts: list[Any], kinds: tuple[str, ...] = _TEXT_PARTS
                ) -> tuple[tuple[int, ...], tuple[dict[str, Any], ...]]:
    idx = tuple(j for j, p in enumerate(parts) if isinstance(p, dict)
                and p.get("type") in kinds and isinstance(p.get("text"), str))
    return idx, tuple({"type": "text", "text": parts[j]["text"]} for j in idx)


def _put(item: dict[str, Any], message: Message, place: Place) -> None:
    if place.kind == "output":
        item["output"] = message.content
    elif place.kind == "content":
        item["content"] = message.content
    elif place.kind == "call":
        calls = message.extra.get("tool_calls") or [{}]
        item["arguments"] = calls[0].get("function", {}).get("arguments", item["arguments"])
    else:
        key = "content" if place.kind == "parts" else place.kind
        texts = message.content if isinstance(message.content, tuple) else ()
        for j, part in zip(place.parts, texts, strict=False):
            item[key][j]["text"] = part.get("text", "")
