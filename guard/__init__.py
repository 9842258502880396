"""Guard: policy-as-code guardrails around any LLM endpoint."""

from __future__ import annotations

from guard.offline import configure_offline_env

configure_offline_env()

from guard.errors import (  # noqa: E402
    ConfigError,
    DetectorError,
    GuardBlocked,
    GuardError,
    PolicyError,
)
from guard.guard import Guard  # noqa: E402
from guard.types import (  # noqa: E402
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
]
