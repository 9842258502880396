"""Prompt inputs of the legacy completions and embeddings APIs as checked user messages.

Both take a string or a list of strings; token ids (a list of integers, or of such lists) are
refused, since no detector can read them and passing them unchecked would fail open.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guard.sidecar.errors import SidecarError
from guard.types import Message


def texts(value: Any, param: str) -> list[str]:
    """The strings of a ``prompt`` / ``input`` field; token ids or other shapes are a 400."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list) and value and all(
            isinstance(v, int) or (isinstance(v, list) and all(isinstance(t, int) for t in v))
            for v in value):
        raise SidecarError(400, f"'{param}' as token ids cannot be checked by the guard; send "
                           "text instead.", code="unsupported_input", param=param)
    raise SidecarError(400, f"'{param}' must be a non-empty string or list of strings.",
                       code="invalid_request", param=param)


def as_messages(prompts: Sequence[str]) -> tuple[Message, ...]:
    return tuple(Message("user", p) for p in prompts)


def rewritten(original: Any, messages: Sequence[Message]) -> Any:
    """The field's value with the checked texts put back, in the shape the client sent."""
    new = [m.content if isinstance(m.content, str) else "" for m in messages]
    return new[0] if isinstance(original, str) else new
