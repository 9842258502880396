"""Guard: policy-as-code guardrails around any LLM endpoint."""

from __future__ import annotations

from guard.errors import (
    ConfigError,
    DetectorError,
    GuardBlocked,
    GuardError,
    PolicyError,
    UnguardedCallError,
)
from guard.guard import Guard
from guard.types import (
    Action,
    CheckContext,
    Decision,
    Finding,
    Message,
    Mode,
    PolicyRef,
    RuleOutcome,
    Stage,
)

__all__ = [
    "Action",
    "CheckContext",
    "ConfigError",
    "Decision",
    "DetectorError",
    "Finding",
    "Guard",
    "GuardBlocked",
    "GuardError",
    "Message",
    "Mode",
    "PolicyError",
    "PolicyRef",
    "RuleOutcome",
    "Stage",
    "UnguardedCallError",
]
