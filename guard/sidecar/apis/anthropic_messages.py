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

import uuid
from dataclasses import dataclass
from typing import Any

from guard.formats.anthropic import (
    MessageSteps,
    request_messages,
    response_messages,
    rewrite_request,
    rewrite_response,
)
from guard.sidecar.errors import SidecarError, UpstreamFailure
from guard.sidecar.responses import guard_info
from guard.types import Decision

__all__ = ["MessageEvents", "blocked_body", "error_body", "from_sidecar_error",
           "refusal_events", "refusal_message", "request_messages", "response_messages",
           "rewrite_request", "rewrite_response"]

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


@dataclass
class MessageEvents(MessageSteps):
    """:class:`~guard.sidecar.apis.events.EventAdapter` for Anthropic stream events."""

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


