"""Frozen value types shared by every stage of the pipeline.

Everything that crosses a module boundary inside Guard is one of these: the sidecar, the
library hook, the CLI and the audit log all speak the same vocabulary, so a decision made in
one place can be explained, audited and replayed in another.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


class Stage(enum.StrEnum):
    """Which direction of a model call is being checked."""

    INPUT = "input"
    OUTPUT = "output"


class Action(enum.StrEnum):
    """Outcome of a check, ordered by severity.

    - ``allow``: nothing to do.
    - ``flag``: let it through, but annotate (audit, headers, metrics).
    - ``rewrite``: let a rewritten version through (masked PII, redacted secrets ...).
    - ``block``: stop it; the model is not called (input) or the completion is withheld (output).

    When several rules fire, the most severe action wins: block > rewrite > flag > allow.
    """

    ALLOW = "allow"
    FLAG = "flag"
    REWRITE = "rewrite"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @classmethod
    def strongest(cls, actions: Any) -> Action:
        """The most severe of ``actions`` (allow when empty)."""
        result = cls.ALLOW
        for action in actions:
            if _SEVERITY[action] > _SEVERITY[result]:
                result = action
        return result


_SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.REWRITE: 2, Action.BLOCK: 3}


class Mode(enum.StrEnum):
    """Whether a rule's action is applied (``enforce``) or only evaluated and audited
    (``shadow``)."""

    ENFORCE = "enforce"
    SHADOW = "shadow"


Retention = Literal["none", "redacted", "full"]
"""How much message content an audit record keeps (the policy's ``retention``)."""

Role = Literal["system", "user", "assistant", "tool", "developer", "function", "tool_definition"]
ROLES: tuple[str, ...] = ("system", "developer", "user", "assistant", "tool", "function",
                          "tool_definition")


@dataclass(frozen=True, slots=True)
class Message:
    """One OpenAI-style chat message.

    ``content`` is kept exactly as the client sent it: a string, a list of content parts
    (``{"type": "text", "text": ...}``, images ...), or None (an assistant turn that only calls
    tools). ``extra`` keeps every other field (``name``, ``tool_calls``, ``tool_call_id`` ...)
    so a rewritten message round-trips without losing anything.
    """

    role: str
    content: str | tuple[Mapping[str, Any], ...] | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Message:
        content = raw.get("content")
        if isinstance(content, list):
            content = tuple(dict(part) for part in content)
        extra = {k: v for k, v in raw.items() if k not in ("role", "content")}
        return cls(role=str(raw.get("role", "user")), content=content, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        content: Any = self.content
        if isinstance(content, tuple):
            content = [dict(part) for part in content]
        return {"role": self.role, "content": content, **self.extra}


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Who is calling, and through what: the inputs to rule scoping and to the audit record."""

    tenant: str | None = None
    model: str | None = None
    route: str | None = None
    user: str | None = None
    request_id: str | None = None
    upstream: str | None = None


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the edge knows about a request beyond the decision, for its audit record.

    Request id and upstream default to the decision's :class:`CheckContext`; the rest is known
    only once the upstream answered (or failed) and the response was sent.
    ``upstream_started_ms`` / ``upstream_cancelled_ms``: when the upstream call was started
    (and, if an input rule running concurrently blocked, cancelled), in ms after the input
    check started; None when it was not started (or not cancelled).
    """

    upstream_status: int | None = None
    upstream_error: str | None = None
    http_status: int | None = None
    stream_chars_released: int | None = None
    upstream: str | None = None
    """The URL that answered, when failover chose a member other than the context's."""
    upstream_member: str | None = None
    upstream_attempts: int | None = None
    stream_end: str | None = None
    """How a stream ended: ``completed``, ``blocked``, ``upstream_failed`` or
    ``client_disconnected`` (the client went away, or the server cut it at shutdown)."""
    upstream_started_ms: float | None = None
    upstream_cancelled_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a detector saw, located by character offsets into the checked text.

    It never carries the matched text itself (that may be a secret or PII): ``start``/``end``
    point into the text segment, so whoever holds the text can recover it. ``rule`` and
    ``segment`` are filled in by the engine once the finding is attributed to a rule and to a
    place in the conversation.
    """

    detector: str
    category: str
    score: float
    start: int
    end: int
    explanation: str = ""
    rule: str | None = None
    segment: SegmentRef | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "detector": self.detector,
            "category": self.category,
            "score": round(self.score, 4),
            "start": self.start,
            "end": self.end,
        }
        if self.explanation:
            data["explanation"] = self.explanation
        if self.rule is not None:
            data["rule"] = self.rule
        if self.segment is not None:
            data["message_index"] = self.segment.message_index
            data["part"] = self.segment.part
        return data


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """Where a text segment lives in a conversation.

    ``part`` is ``"content"`` for a plain string, ``"content[i]"`` for the i-th text part and
    ``"tool_calls[i].arguments"`` for a tool call's JSON arguments.
    """

    message_index: int
    part: str
    role: str


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """Identity of the policy that produced a decision: the audit log's join key."""

    name: str
    version: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """How one evaluated rule came out.

    ``fired`` means its detector found something above the threshold (or, with
    ``on_error: block``, that the detector failed). A shadow rule can fire without affecting
    the decision's ``action``.
    """

    rule_id: str
    action: Action
    mode: Mode
    fired: bool
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    failed_open: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.rule_id,
            "action": str(self.action),
            "mode": str(self.mode),
            "fired": self.fired,
            "max_score": round(max((f.score for f in self.findings), default=0.0), 4),
        }
        if self.error is not None:
            data["error"] = self.error
            data["failed_open"] = self.failed_open
        return data


@dataclass(frozen=True, slots=True)
class Decision:
    """The guard's verdict on one check, with everything needed to explain and audit it.

    ``messages`` holds the rewritten conversation when ``action`` is ``rewrite`` (and the
    unchanged one otherwise), so callers never have to re-apply spans themselves.
    ``shadow_action`` is what the action would have been with shadow rules enforced.
    """

    id: str
    stage: Stage
    action: Action
    policy: PolicyRef
    rules: tuple[RuleOutcome, ...]
    messages: tuple[Message, ...]
    context: CheckContext
    latency_ms: Mapping[str, float]
    shadow_action: Action = Action.ALLOW
    block_message: str | None = None

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK

    @property
    def fired_rules(self) -> tuple[RuleOutcome, ...]:
        return tuple(r for r in self.rules if r.fired and r.mode is Mode.ENFORCE)

    @property
    def shadow_rules(self) -> tuple[RuleOutcome, ...]:
        return tuple(r for r in self.rules if r.fired and r.mode is Mode.SHADOW)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Findings of every fired rule, enforced and shadow."""
        return tuple(f for r in self.rules if r.fired for f in r.findings)

    @property
    def errors(self) -> tuple[RuleOutcome, ...]:
        return tuple(r for r in self.rules if r.error is not None)

    @property
    def output_text(self) -> str | None:
        """The (possibly rewritten) text of the last message, for single-text callers."""
        if not self.messages:
            return None
        content = self.messages[-1].content
        if isinstance(content, str):
            return content
        if isinstance(content, tuple):
            return "".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
        return None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "stage": str(self.stage),
            "action": str(self.action),
            "shadow_action": str(self.shadow_action),
            "policy": self.policy.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "rules": [r.to_dict() for r in self.rules],
            "fired_rules": [r.rule_id for r in self.fired_rules],
            "shadow_rules": [r.rule_id for r in self.shadow_rules],
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
        }
        if self.action is Action.REWRITE:
            data["output"] = self.output_text
            data["messages"] = [m.to_dict() for m in self.messages]
        return data
