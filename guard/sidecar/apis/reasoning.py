"""Reasoning text of a chat completion (DeepSeek R1's ``reasoning_content``) as checked text.

It is split off into an assistant message of its own, so output rules see it like content
(whatever the segmenter knows about message fields), and its rewritten text goes back in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from guard.types import Message

FIELD = "reasoning_content"


def split(messages: Sequence[Mapping[str, Any]]) -> tuple[tuple[Message, ...], list[int]]:
    """Messages to check: each message without its reasoning, then one assistant message per
    reasoning text; and, for each of those, the index of the message it came from."""
    out: list[Message] = []
    owners: list[int] = []
    reasoning: list[Message] = []
    for i, raw in enumerate(messages):
        text = raw.get(FIELD)
        out.append(Message.from_dict({k: v for k, v in raw.items() if k != FIELD}))
        if isinstance(text, str) and text:
            reasoning.append(Message("assistant", text))
            owners.append(i)
    return (*out, *reasoning), owners


def merge(checked: Sequence[Message], owners: Sequence[int]) -> list[dict[str, Any]]:
    """The (rewritten) messages back as dicts, each with its (rewritten) reasoning in place."""
    count = len(checked) - len(owners)
    out = [m.to_dict() for m in checked[:count]]
    for owner, message in zip(owners, checked[count:], strict=True):
        out[owner][FIELD] = message.content
    return out
