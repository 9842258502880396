"""Masking of finding spans for ``retention: redacted``.

Findings carry offsets into a *segment* of a message (its string content, the i-th text part,
or a tool call's JSON arguments), never the matched text, so the audit log can mask exactly
what a detector saw. If any finding cannot be placed, redaction refuses (returns ``None``):
storing a half-masked message would defeat the point of the setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from guard.types import Finding, Message

_PART = re.compile(r"^content\[(\d+)\]$")
_TOOL = re.compile(r"^tool_calls\[(\d+)\]\.arguments$")
Spans = dict[tuple[int, str], list[tuple[int, int, str]]]


def redact_messages(
    messages: Sequence[Message], findings: Sequence[Finding]
) -> list[Message] | None:
    """``messages`` with every finding span masked as ``[CATEGORY]``; None if one can't be."""
    spans: Spans = {}
    for f in findings:
        if f.segment is None or not 0 <= f.segment.message_index < len(messages):
            return None
        key = (f.segment.message_index, f.segment.part)
        spans.setdefault(key, []).append((f.start, f.end, f.category))
    out = list(messages)
    for (index, part), items in spans.items():
        masked = _mask_part(out[index], part, items)
        if masked is None:
            return None
        out[index] = masked
    return out


def mask_text(text: str, spans: Sequence[tuple[int, int, str]]) -> str | None:
    """Replace ``[start, end)`` spans (merged when overlapping) by ``[CATEGORY]``."""
    merged: list[list[Any]] = []
    for start, end, category in sorted(spans):
        if not 0 <= start <= end <= len(text):
            return None
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, category])
    result = text
    for start, end, category in reversed(merged):
        result = result[:start] + f"[{str(category).upper()}]" + result[end:]
    return result


def _mask_part(message: Message, part: str, spans: list[tuple[int, int, str]]) -> Message | None:
    content = message.content
    if part == "content" and isinstance(content, str):
        text = mask_text(content, spans)
        return None if text is None else replace(message, content=text)
    if (m := _PART.match(part)) and isinstance(content, tuple):
        i = int(m.group(1))
        if i >= len(content) or not isinstance(content[i].get("text"), str):
            return None
        text = mask_text(str(content[i]["text"]), spans)
        if text is None:
            return None
        parts = list(content)
        parts[i] = {**parts[i], "text": text}
        return replace(message, content=tuple(parts))
    if m := _TOOL.match(part):
        return _mask_tool_call(message, int(m.group(1)), spans)
    return None


def _mask_tool_call(message: Message, i: int, spans: list[tuple[int, int, str]]) -> Message | None:
    calls = message.extra.get("tool_calls")
    if not isinstance(calls, list | tuple) or i >= len(calls):
        return None
    call = dict(calls[i])
    function = dict(call.get("function") or {})
    args = function.get("arguments")
    if not isinstance(args, str):
        return None
    text = mask_text(args, spans)
    if text is None:
        return None
    function["arguments"] = text
    call["function"] = function
    new_calls = list(calls)
    new_calls[i] = call
    return replace(message, extra={**message.extra, "tool_calls": new_calls})
