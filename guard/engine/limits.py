"""Bounded work per check: one request must never hold the detectors (or memory) hostage.

A multi-megabyte prompt or ten thousand messages would otherwise cost minutes of CPU and
gigabytes of memory, during which every other request times out. The policy caps the
messages checked and the characters each detector scans; past a cap it either blocks the
request or checks a bounded part of it (``on_limit: scan_prefix``). Either way the decision
carries a ``guard.limits`` rule outcome, so the audit log says what was (not) checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from guard.engine.runner import DetectorJob
from guard.engine.segments import Segment
from guard.policy.schema import PolicySettings
from guard.types import Action, Mode, RuleOutcome

LIMITS_RULE = "guard.limits"


def limit_messages(segments: list[Segment], n_messages: int,
                   settings: PolicySettings) -> tuple[list[Segment], str | None]:
    """Segments to check and, past ``max_messages``, what was exceeded. With
    ``scan_prefix`` only the most recent messages are kept (the prompt is usually last)."""
    if n_messages <= settings.max_messages:
        return segments, None
    reason = f"max_messages: {n_messages} messages > {settings.max_messages}"
    first = n_messages - settings.max_messages
    return [s for s in segments if s.ref.message_index >= first], reason


def limit_chars(jobs: Sequence[DetectorJob], segments: Sequence[Segment],
                settings: PolicySettings) -> str | None:
    """Cap every job at ``max_scan_chars``; say which limit was reached, if any."""
    longest = 0
    for job in jobs:
        job.max_chars = settings.max_scan_chars
        longest = max(longest, sum(len(segments[i].text) for i in job.segment_ids))
    if longest <= settings.max_scan_chars:
        return None
    return f"max_scan_chars: {longest} characters > {settings.max_scan_chars}"


def limit_outcome(reasons: Sequence[str], settings: PolicySettings) -> RuleOutcome:
    """The audited outcome of reaching a limit: a block, or a visible partial check."""
    block = settings.on_limit == "block"
    return RuleOutcome(
        rule_id=LIMITS_RULE, action=Action.BLOCK if block else Action.FLAG, mode=Mode.ENFORCE,
        fired=True, error="; ".join(reasons) + ("" if block else " (scanned a prefix)"),
        failed_open=not block)
