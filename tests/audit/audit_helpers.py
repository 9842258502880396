"""Helpers shared by the audit tests (plain functions, imported by name)."""

from __future__ import annotations

import uuid
from typing import Any

from guard.audit import open_recorder
from guard.types import (
    Action,
    CheckContext,
    Decision,
    Finding,
    Message,
    Mode,
    PolicyRef,
    RuleOutcome,
    SegmentRef,
    Stage,
)

ACTIONS = (Action.ALLOW, Action.FLAG, Action.BLOCK, Action.ALLOW)


def make_decision(
    *,
    action: Action = Action.ALLOW,
    stage: Stage = Stage.INPUT,
    text: str = "hello",
    tenant: str | None = "acme",
    model: str | None = "gpt-4o",
    user: str | None = None,
    findings: tuple[tuple[str, int, int], ...] = (),
    rule_mode: Mode = Mode.ENFORCE,
    policy_version: int = 1,
    decision_id: str | None = None,
    **context: Any,
) -> tuple[Decision, tuple[Message, ...]]:
    """A decision built by hand (for event/chain tests that need exact control)."""
    msgs = (Message(role="user", content=text),)
    found = tuple(
        Finding(detector="regex", category=cat, score=0.9, start=s, end=e, rule="r1",
                segment=SegmentRef(message_index=0, part="content", role="user"))
        for cat, s, e in findings
    )
    fired = bool(found)
    rules = (RuleOutcome(rule_id="r1", action=Action.BLOCK if action is Action.BLOCK else
                         Action.FLAG, mode=rule_mode, fired=fired, findings=found),)
    decision = Decision(
        id=decision_id or uuid.uuid4().hex, stage=stage, action=action,
        policy=PolicyRef(name="unit", version=policy_version, hash="abc123"), rules=rules,
        messages=msgs, context=CheckContext(tenant=tenant, model=model, user=user, **context),
        latency_ms={"regex": 0.5, "total": 0.7},
        shadow_action=action if rule_mode is Mode.SHADOW else Action.ALLOW,
    )
    return decision, msgs


async def fill(url: str, n: int, *, key: bytes | None = None, tenant: str = "acme") -> list[str]:
    """Write ``n`` hand-made decisions through a real recorder; returns their ids."""
    recorder = open_recorder(url, hmac_key=key)
    ids = []
    async with recorder:
        for i in range(n):
            decision, msgs = make_decision(action=ACTIONS[i % len(ACTIONS)], tenant=tenant,
                                           text=f"message {i}")
            await recorder.record(decision, original=msgs, retention="full")
            ids.append(decision.id)
    return ids
