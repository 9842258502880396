"""Conversation <-> text segments: what detectors see, and how rewrites go back in place.

A message can hold several texts (content parts, tool-call arguments); each is checked and
rewritten on its own, so spans are always offsets into one contiguous string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guard.types import Message, SegmentRef

_PART = re.compile(r"^content\[(\d+)\]$")
_TOOL = re.compile(r"^tool_calls\[(\d+)\]\.arguments$")


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Replace lone surrogates (valid JSON, invalid Unicode) with U+FFFD, keeping offsets.

    Tokenizers and UTF-8 encoders raise on them, which would turn a crafted request into a
    detector error instead of a decision.
    """
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Segment:
    ref: SegmentRef
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", scrub(self.text))


def to_messages(messages: str | Sequence[Message | Mapping[str, Any]], *,
                default_role: str) -> tuple[Message, ...]:
    """Accept a bare string, Message objects or OpenAI-style dicts."""
    if isinstance(messages, str):
        return (Message(role=default_role, content=messages),)
    out = []
    for m in messages:
        if isinstance(m, Message):
            out.append(m)
        elif isinstance(m, Mapping):
            out.append(Message.from_dict(m))
        else:
            raise TypeError(f"expected a message dict or Message, got {type(m).__name__}")
    return tuple(out)


def extract(messages: Sequence[Message]) -> list[Segment]:
    segments: list[Segment] = []
    for i, message in enumerate(messages):
        content = message.content
        if isinstance(content, str):
            segments.append(Segment(SegmentRef(i, "content", message.role), content))
        elif isinstance(content, tuple):
            for j, part in enumerate(content):
                text = part.get("text") if part.get("type", "text") == "text" else None
                if isinstance(text, str):
                    segments.append(Segment(SegmentRef(i, f"content[{j}]", message.role), text))
        for j, call in enumerate(message.extra.get("tool_calls") or ()):
            args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
            if isinstance(args, str) and args:
                segments.append(
                    Segment(SegmentRef(i, f"tool_calls[{j}].arguments", message.role), args))
    return segments


def replace(messages: Sequence[Message],
            new_texts: Mapping[SegmentRef, str]) -> tuple[Message, ...]:
    """Return ``messages`` with the given segments' texts replaced."""
    by_message: dict[int, dict[str, str]] = {}
    for ref, text in new_texts.items():
        by_message.setdefault(ref.message_index, {})[ref.part] = text
    out = []
    for i, message in enumerate(messages):
        changes = by_message.get(i)
        out.append(message if not changes else _replace_in(message, changes))
    return tuple(out)


def _replace_in(message: Message, changes: Mapping[str, str]) -> Message:
    content: Any = message.content
    extra = dict(message.extra)
    if "content" in changes:
        content = changes["content"]
    if isinstance(content, tuple):
        parts = [dict(p) for p in content]
        for part_ref, text in changes.items():
            m = _PART.match(part_ref)
            if m:
                parts[int(m.group(1))]["text"] = text
        content = tuple(parts)
    tool_changes = {int(m.group(1)): t for p, t in changes.items() if (m := _TOOL.match(p))}
    if tool_changes:
        calls = [dict(c) for c in extra.get("tool_calls") or ()]
        for j, text in tool_changes.items():
            calls[j] = {**calls[j], "function": {**calls[j].get("function", {}), "arguments": text}}
        extra["tool_calls"] = calls
    return Message(role=message.role, content=content, extra=extra)
