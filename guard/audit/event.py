"""The audit record: one :class:`AuditEvent` per guarded check, built from a ``Decision``.

The event is the compliance contract: what was checked (tenant, route, model, stage), under
which policy (name, version, content hash), what every rule said (enforce and shadow), how long
each detector took, and what was done. Content is kept only as the policy's retention allows:

- ``none`` (default): no message text at all;
- ``redacted``: the original messages with every finding span masked as ``[CATEGORY]``;
- ``full``: the messages exactly as checked.

Secrets never enter an event: ``extra`` is read through an allow-list (no headers, no API keys),
upstream URLs lose their user-info and query string, and user ids are HMAC-SHA256 pseudonyms
keyed by the installation secret (:mod:`guard.secret`) unless hashing is switched off. The
chain fields (``seq``, ``prev_hash``, ``hash``, ``sig``) are filled in by the sink when the
event is appended (see :mod:`guard.audit.chain`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
)

from guard.audit.redact import redact_messages
from guard.secret import AUDIT_USER_ID, Secret, secret_from_env
from guard.types import Action, Decision, Message, RequestFacts, Retention

SCHEMA_VERSION = 1
_SECRETISH = re.compile(
    r"(?i)(bearer\s+[A-Za-z0-9._~+/=-]+|sk-[A-Za-z0-9_-]{8,}|api[_-]?key[=:]\s*\S+)"
)


class RuleRecord(BaseModel):
    """One evaluated rule in an audit event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    action: str
    mode: str
    fired: bool
    max_score: float = 0.0
    error: str | None = None
    failed_open: bool = False


class FindingRecord(BaseModel):
    """One finding: location and score only, never the matched text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detector: str
    category: str
    score: float
    start: int
    end: int
    rule: str | None = None
    message_index: int | None = None
    part: str | None = None


Verdict = Literal["confirmed", "false_positive", "escalated"]
REVIEW_STAGE = "review"


class ReviewRecord(BaseModel):
    """A human review of one decision (``stage: review`` events; see :mod:`guard.audit.review`).

    A review is appended to the same hash chain as the decisions, so ``guard audit verify``
    covers who judged what, and when, exactly as it covers the decisions themselves.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: str
    decision_seq: int | None = None
    verdict: Verdict
    comment: str = ""
    reviewer: str
    role: str


class AuditEvent(BaseModel):
    """One guarded check, as stored in the audit log (one JSON object per record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    seq: int = 0
    decision_id: str
    ts: datetime
    request_id: str | None = None
    tenant: str | None = None
    route: str | None = None
    model: str | None = None
    upstream: str | None = None
    user: str | None = None
    stage: str
    action: str
    shadow_action: str = "allow"
    policy_name: str
    policy_version: int
    policy_hash: str
    rules: tuple[RuleRecord, ...] = ()
    rule_ids: tuple[str, ...] = ()
    shadow_rule_ids: tuple[str, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    detector_scores: dict[str, float] = {}
    latency_ms: dict[str, float] = {}
    stream_chars_released: int | None = None
    stream_end: str | None = None
    upstream_status: int | None = None
    upstream_error: str | None = None
    upstream_member: str | None = None
    upstream_attempts: int | None = None
    http_status: int | None = None
    upstream_started_ms: float | None = None
    upstream_cancelled_ms: float | None = None
    retention: Retention = "none"
    messages: tuple[dict[str, Any], ...] | None = None
    reload: dict[str, Any] | None = None  # stage "reload": trigger, old/new policy hashes
    prev_hash: str = ""
    hash: str = ""
    sig: str | None = None
    review: ReviewRecord | None = None

    @field_serializer("ts")
    def _ts(self, ts: datetime) -> str:
        return format_ts(ts)

    @model_serializer(mode="wrap")
    def _omit_absent_review(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Decision records carry no ``review`` key at all: their stored form (and hash) is
        the same as before reviews existed."""
        data: dict[str, Any] = handler(self)
        if data.get("review") is None:
            data.pop("review", None)
        return data


def format_ts(ts: datetime) -> str:
    """Fixed-width UTC ISO-8601 (``2026-01-31T12:00:00.000000Z``): sorts correctly as text."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class EventOptions:
    """How events are built: user-id hashing and its key.

    ``user_key`` is the installation secret's :data:`~guard.secret.AUDIT_USER_ID` subkey;
    when hashing is on and none is given, the secret configured by the environment is used
    (created at first use). There is no unkeyed or publicly keyed fallback.
    """

    hash_user_ids: bool = True
    user_key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_secret(cls, secret: Secret | None, *, hash_user_ids: bool = True) -> EventOptions:
        """Options keyed by ``secret`` (``None``: the environment's, resolved now)."""
        if not hash_user_ids:
            return cls(hash_user_ids=False)
        return cls(True, (secret or secret_from_env()).derive(AUDIT_USER_ID))


def build_event(
    decision: Decision,
    *,
    original: Sequence[Message],
    retention: Retention,
    facts: RequestFacts | None = None,
    options: EventOptions | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Turn a decision (plus the edge's request facts) into an unchained audit event."""
    options = options or EventOptions()
    facts = facts or RequestFacts()
    ctx = decision.context
    return AuditEvent(
        decision_id=decision.id,
        ts=now or datetime.now(UTC),
        request_id=ctx.request_id,
        tenant=ctx.tenant,
        route=ctx.route,
        model=ctx.model,
        upstream=safe_url(facts.upstream or ctx.upstream),
        user=_user(ctx.user, options),
        stage=str(decision.stage),
        action=str(decision.action),
        shadow_action=str(decision.shadow_action),
        policy_name=decision.policy.name,
        policy_version=decision.policy.version,
        policy_hash=decision.policy.hash,
        rules=tuple(RuleRecord.model_validate(r.to_dict()) for r in decision.rules),
        rule_ids=tuple(r.rule_id for r in decision.fired_rules),
        shadow_rule_ids=tuple(r.rule_id for r in decision.shadow_rules),
        findings=tuple(_finding(f.to_dict()) for r in decision.rules for f in r.findings),
        detector_scores=_detector_scores(decision),
        latency_ms={k: round(float(v), 3) for k, v in decision.latency_ms.items()},
        stream_chars_released=facts.stream_chars_released,
        stream_end=facts.stream_end,
        upstream_status=facts.upstream_status,
        upstream_error=_scrub(facts.upstream_error),
        http_status=facts.http_status,
        upstream_member=facts.upstream_member,
        upstream_attempts=facts.upstream_attempts,
        upstream_started_ms=_ms(facts.upstream_started_ms),
        upstream_cancelled_ms=_ms(facts.upstream_cancelled_ms),
        retention=retention,
        messages=_content(decision, original, retention),
    )


def _ms(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _content(
    decision: Decision, original: Sequence[Message], retention: Retention
) -> tuple[dict[str, Any], ...] | None:
    if retention == "full":
        return tuple(m.to_dict() for m in original)
    if retention == "redacted":
        findings = [f for r in decision.rules for f in r.findings]
        masked = redact_messages(original, findings)
        if masked is None and decision.action is Action.REWRITE:
            masked = list(decision.messages)  # a finding we cannot place: the core's rewrite
        return None if masked is None else tuple(m.to_dict() for m in masked)
    return None


def _detector_scores(decision: Decision) -> dict[str, float]:
    scores: dict[str, float] = {}
    for rule in decision.rules:
        for f in rule.findings:
            scores[f.detector] = round(max(scores.get(f.detector, 0.0), float(f.score)), 4)
    return scores


def _finding(data: dict[str, Any]) -> FindingRecord:
    data.pop("explanation", None)  # free text from a detector may quote the match
    return FindingRecord.model_validate(data)


def hash_user(user: str, key: bytes) -> str:
    """Keyed pseudonym of a user id, so the log can group by user without storing who."""
    return "hmac:" + hmac.new(key, user.encode(), hashlib.sha256).hexdigest()[:32]


def _user(user: str | None, options: EventOptions) -> str | None:
    if user is None or not options.hash_user_ids:
        return user
    key = options.user_key or secret_from_env().derive(AUDIT_USER_ID)
    return hash_user(user, key)


def safe_url(url: str | None) -> str | None:
    """``url`` without credentials or query string (where API keys like ``?key=`` live)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _scrub(text: str | None) -> str | None:
    return None if text is None else _SECRETISH.sub("[REDACTED]", text)[:1000]

