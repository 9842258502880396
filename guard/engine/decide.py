"""From detector results to a decision: thresholds, precedence, shadow mode, fail-open/closed.

This module is pure (no I/O): the same inputs always give the same decision, which is what
makes ``guard audit replay`` and policy tests trustworthy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from guard.engine.rewrite import Edit, apply_edits, edits_for
from guard.engine.runner import DetectorResult
from guard.engine.segments import Segment
from guard.engine.segments import replace as replace_segments
from guard.policy.compiled import Rule
from guard.types import Action, Finding, Message, Mode, RuleOutcome, SegmentRef, Stage


def evaluate_rule(rule: Rule, stage: Stage, result: DetectorResult,
                  segments: Sequence[Segment], timeout_s: float | None = None) -> RuleOutcome:
    """One rule's outcome. ``timeout_s`` is the rule's own budget: a shared detector job that
    answered later than that is a timeout *for this rule* (resolved by its ``on_error``)."""
    spec = rule.spec
    error = result.error
    if error is None and timeout_s is not None and result.latency_ms > timeout_s * 1000:
        error = f"timed out after {timeout_s * 1000:.0f} ms"
    if error is not None:
        fail_closed = spec.on_error == "block"
        return RuleOutcome(
            rule_id=spec.id,
            action=Action.BLOCK if fail_closed else spec.outcome,
            mode=spec.mode,
            fired=fail_closed,
            error=error,
            failed_open=not fail_closed,
        )
    roles = rule.roles(stage)
    hits: list[Finding] = []
    for seg_id, findings in result.findings.items():
        segment = segments[seg_id]
        if segment.ref.role not in roles:
            continue
        for f in findings:
            threshold = rule.threshold_for(f.category)
            if threshold is not None and f.score >= threshold and rule.acts_on(f, segment.text):
                hits.append(segment.locate(replace(f, rule=spec.id)))
    return RuleOutcome(rule_id=spec.id, action=spec.outcome, mode=spec.mode, fired=bool(hits),
                       findings=tuple(hits))


def combine(outcomes: Sequence[RuleOutcome]) -> tuple[Action, Action]:
    """(enforced action, action with shadow rules enforced too)."""
    enforced = Action.strongest(o.action for o in outcomes if o.fired and o.mode is Mode.ENFORCE)
    shadow = Action.strongest(o.action for o in outcomes if o.fired)
    return enforced, shadow


def rewrite_messages(messages: Sequence[Message], rules: Mapping[str, Rule],
                     outcomes: Sequence[RuleOutcome], segments: Sequence[Segment],
                     salt: bytes) -> tuple[Message, ...]:
    """Apply every enforced, fired rewrite rule's spans to the conversation."""
    edits: dict[SegmentRef, list[Edit]] = {}
    for outcome in outcomes:
        if not (outcome.fired and outcome.mode is Mode.ENFORCE
                and outcome.action is Action.REWRITE and outcome.error is None):
            continue
        spec = rules[outcome.rule_id].spec.rewrite
        for f in outcome.findings:
            if f.segment is not None:
                edits.setdefault(f.segment, []).extend(edits_for([f], spec))
    if not edits:
        return tuple(messages)
    texts = {s.ref: s.text for s in segments}
    new_texts = {ref: apply_edits(texts[ref], es, salt) for ref, es in edits.items()}
    return replace_segments(messages, new_texts)
