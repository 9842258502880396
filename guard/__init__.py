"""Guard: policy-as-code guardrails around any LLM endpoint."""

from __future__ import annotations

from guard.errors import (
    ConfigError,
    GuardBlocked,
    GuardError,
    PolicyError,
    UnguardedCallError,
)
from guard.guard import Guard
from guard.recording import DecisionRecorder
from guard.types import (
    Action,
    CheckContext,
    Decision,
    Finding,
    Message,
    Mode,
    PolicyRef,
    RequestFacts,
    RuleOutcome,
    Stage,
)

__all__ = [
    "Action",
    "CheckContext",
    "ConfigError",
    "Decision",
    "DecisionRecorder",
    "Finding",
    "Guard",
    "GuardBlocked",
    "GuardError",
    "Message",
    "Mode",
    "PolicyError",
    "PolicyRef",
    "RequestFacts",
    "RuleOutcome",
    "Stage",
    "UnguardedCallError",
]
