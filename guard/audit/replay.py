"""``guard audit replay``: what would another policy have decided on the logged traffic?

Only records whose policy kept content (``retention: full`` or ``redacted``) can be replayed.
Redacted inputs are replayed as stored (masked), so a rule that keys on the masked text can
only be judged approximately; each change says which retention it came from. The new policy
runs through the real core :class:`guard.Guard` with auditing off, so a replay never writes
to the log it reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from guard.types import CheckContext, Decision


@dataclass(frozen=True, slots=True)
class Change:
    """One record whose outcome differs under the new policy."""

    seq: int
    decision_id: str
    stage: str
    retention: str
    old_action: str
    new_action: str
    old_rules: tuple[str, ...]
    new_rules: tuple[str, ...]

    def describe(self) -> str:
        added = sorted(set(self.new_rules) - set(self.old_rules))
        removed = sorted(set(self.old_rules) - set(self.new_rules))
        rules = " ".join([*(f"+{r}" for r in added), *(f"-{r}" for r in removed)]) or "="
        note = " (redacted input)" if self.retention == "redacted" else ""
        return (f"seq {self.seq} {self.stage} {self.decision_id[:12]}: "
                f"{self.old_action} -> {self.new_action} rules {rules}{note}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "decision_id": self.decision_id, "stage": self.stage,
            "retention": self.retention, "old_action": self.old_action,
            "new_action": self.new_action, "old_rules": list(self.old_rules),
            "new_rules": list(self.new_rules),
        }


@dataclass(slots=True)
class ReplayResult:
    """Totals and the individual changes of a replay."""

    replayed: int = 0
    skipped_no_content: int = 0
    changed_action: int = 0
    changed_rules_only: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"replayed {self.replayed} record(s); skipped {self.skipped_no_content} without "
            f"stored content; {self.changed_action} would change action, "
            f"{self.changed_rules_only} only their fired rules",
        ]
        for (old, new), n in sorted(self.transitions.items()):
            if old != new:
                lines.append(f"  {old} -> {new}: {n}")
        return "\n".join(lines)


async def replay(records: Iterable[dict[str, Any]], guard: Any) -> ReplayResult:
    """Re-check every record with stored content through ``guard`` (a :class:`guard.Guard`)."""
    result = ReplayResult()
    for record in records:
        messages = record.get("messages")
        if not messages:
            result.skipped_no_content += 1
            continue
        context = CheckContext(
            tenant=record.get("tenant"), model=record.get("model"), route=record.get("route"),
            request_id=record.get("request_id"),
        )
        decision: Decision = await guard.acheck(
            list(messages), stage=record["stage"], context=context, record=False
        )
        _compare(record, decision, result)
    return result


def _compare(record: dict[str, Any], decision: Decision, result: ReplayResult) -> None:
    result.replayed += 1
    old_action = str(record["action"])
    new_action = str(decision.action)
    old_rules = tuple(record.get("rule_ids") or ())
    new_rules = tuple(r.rule_id for r in decision.fired_rules)
    result.transitions[(old_action, new_action)] += 1
    if old_action == new_action and set(old_rules) == set(new_rules):
        return
    if old_action != new_action:
        result.changed_action += 1
    else:
        result.changed_rules_only += 1
    result.changes.append(Change(
        seq=int(record.get("seq", 0)), decision_id=str(record["decision_id"]),
        stage=str(record["stage"]), retention=str(record.get("retention", "none")),
        old_action=old_action, new_action=new_action, old_rules=old_rules, new_rules=new_rules,
    ))
