"""Exceptions raised by Guard.

    GuardError
    ├── ConfigError                 bad configuration, found at load time
    │   └── PolicyError             a policy file is invalid (file, line, field)
    │       └── UnknownDetectorError
    ├── DetectorError               a detector failed while checking (resolved by on_error)
    │   └── DetectorTimeout
    ├── UpstreamError               the model behind the sidecar failed
    └── GuardBlocked                a check decided ``block`` (raised by the client wrapper only)

A blocked check is a *result* (``Decision.action == "block"``), not an exception; only the
OpenAI-client wrapper raises ``GuardBlocked``, because that is the only way to stop code that
expects a completion back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guard.types import Decision


class GuardError(Exception):
    """Base class of every Guard exception."""


class ConfigError(GuardError):
    """The configuration (policy, sidecar config) is invalid."""


class PolicyError(ConfigError):
    """A policy file is invalid; the message names the file, the line and the field."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        where = file or "<policy>"
        if line is not None:
            where = f"{where}:{line}"
        prefix = f"{where}: {field}: " if field else f"{where}: "
        super().__init__(prefix + message)


class UnknownDetectorError(PolicyError):
    """A rule names a detector that is not registered."""


class DetectorError(GuardError):
    """A detector could not produce findings."""

    def __init__(self, detector: str, message: str) -> None:
        self.detector = detector
        super().__init__(f"detector {detector!r}: {message}")


class DetectorTimeout(DetectorError):
    """A detector did not answer within its time budget."""


class UpstreamError(GuardError):
    """The upstream model failed (connection, timeout, 5xx, malformed response)."""


class GuardBlocked(GuardError):
    """Raised by the OpenAI-client wrapper when a check decides ``block``."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        rules = ", ".join(r.rule_id for r in decision.fired_rules) or "policy"
        super().__init__(f"blocked by guard ({decision.stage} stage, rules: {rules})")
