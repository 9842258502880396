"""Legacy ``/v1/completions``: ``choices[].text`` as assistant messages, and its stream chunks
as chat chunks for the core stream guard (so the hold-back guarantee is the same).

Streamed ``logprobs`` of this API (token lists, not chat's entries) are not passed through a
guarded stream: they would carry the text before any rewrite.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from guard.types import Message


def choice_messages(completion: dict[str, Any]) -> tuple[list[dict[str, Any]],
                                                         tuple[Message, ...]]:
    """The completion's choices and their texts as assistant messages to check."""
    choices = [c for c in completion.get("choices") or [] if isinstance(c, dict)]
    return choices, tuple(Message("assistant", str(c.get("text") or "")) for c in choices)


def put_back(choices: list[dict[str, Any]], messages: Sequence[Message]) -> None:
    """Write the checked (rewritten) texts into the choices; their token logprobs no longer
    match the text, so they are dropped where the text changed."""
    for choice, message in zip(choices, messages, strict=False):
        text = message.content if isinstance(message.content, str) else ""
        if text != choice.get("text"):
            choice["logprobs"] = None
        choice["text"] = text


def refusal(message: str, model: str, n: int, guard_info: dict[str, Any]) -> dict[str, Any]:
    """A blocked request as a ``text_completion`` (``block_response: refusal``)."""
    return {"id": f"cmpl-guard-{uuid.uuid4().hex[:16]}", "object": "text_completion",
            "created": int(time.time()), "model": model,
            "choices": [{"index": i, "text": message, "logprobs": None,
                         "finish_reason": "content_filter"} for i in range(n)],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "guard": guard_info}


class CompletionChunks:
    """:class:`~guard.sidecar.stream.ChunkAdapter` for ``text_completion`` stream chunks."""

    def inbound(self, chunk: dict[str, Any]) -> dict[str, Any]:
        choices = []
        for raw in chunk.get("choices") or []:
            if not isinstance(raw, dict):
                continue
            text = raw.get("text")
            choices.append({"index": raw.get("index", 0),
                            "delta": {"content": text} if isinstance(text, str) else {},
                            "finish_reason": raw.get("finish_reason")})
        return {**chunk, "choices": choices} if "choices" in chunk else dict(chunk)

    def outbound(self, chunk: dict[str, Any]) -> dict[str, Any] | None:
        choices = chunk.get("choices")
        if not choices:
            return chunk  # usage
        out = []
        for c in choices:
            delta = c.get("delta") or {}
            text = delta.get("content") or delta.get("refusal") or ""
            if not text and not c.get("finish_reason"):
                continue  # role-only chunks: this API has none
            out.append({"index": c.get("index", 0), "text": text, "logprobs": None,
                        "finish_reason": c.get("finish_reason")})
        if not out:
            return None
        extra = {k: v for k, v in chunk.items() if k != "choices"}
        return {**extra, "object": "text_completion", "choices": out}
