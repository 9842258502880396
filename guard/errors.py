"""Every exception Guard raises, in one tree.

    GuardError                          base: ``except GuardError`` catches anything of ours
    ├── ConfigError                     bad configuration, found at load time
    │   ├── PolicyError                 a policy file is invalid (file, line, field)
    │   │   └── UnknownDetectorError    a rule names an unregistered detector
    │   ├── DuplicateDetectorError      guard.detectors.registry: a detector name is taken
    │   ├── SecretError                 guard.secret: installation secret missing or exposed
    │   ├── AuditUrlError               guard.audit.sinks: unknown or malformed audit URL
    │   └── OtelSinkError               guard.audit.sinks.otel_logs: no usable OTLP pipeline
    ├── DetectorError                   a detector failed (remote service down, bad answer);
    │   │                               the runner turns it into a rule outcome (on_error)
    │   └── DetectorCancelled           guard.budget: work stopped at a checkpoint
    │                                   because its caller timed out or went away
    ├── GuardBlocked                    a check decided ``block`` (the client wrapper only)
    ├── UnguardedCallError              guard.wrap refuses a client call it cannot guard
    ├── AuditUnavailable                guard.audit.recorder: the audit trail cannot take records
    ├── AuditTampered                   guard.audit.chain: the log's head or chain was altered
    ├── ReviewError                     guard.audit.review: a review that cannot be recorded
    ├── OtelExportFailed                guard.audit.sinks.otel_logs: a batch was refused (retried)
    ├── UsageError                      guard.audit.cli: bad arguments to ``guard audit``
    └── SidecarError                    guard.sidecar.errors: an error with its HTTP status
        ├── UpstreamFailure             the upstream failed (502) or timed out (504)
        └── ReloadFailed                guard.sidecar.reload: a reload was refused (old kept)

The classes outside this module live beside the code that raises them (so the core never
imports an edge) and derive from this tree. ``DuplicateDetectorError`` and ``AuditUrlError``
are also ``ValueError`` for callers written before the tree. A detector's own failure is not
an exception to the caller: it becomes a rule outcome (``error``, ``failed_open``) resolved by
the rule's ``on_error``. A blocked check is a *result* (``Decision.action == "block"``); only
the OpenAI-client wrapper raises ``GuardBlocked``, the only way to stop code that expects a
completion back.
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


class DetectorError(GuardError):
    """A detector could not produce findings (a remote guard model failed or answered
    something unreadable); the runner records it and the rule's ``on_error`` decides."""

    def __init__(self, detector: str, message: str) -> None:
        self.detector = detector
        super().__init__(f"detector {detector!r}: {message}")


class UnknownDetectorError(PolicyError):
    """A rule names a detector that is not registered."""


class GuardBlocked(GuardError):
    """Raised by the OpenAI-client wrapper when a check decides ``block``."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        rules = ", ".join(r.rule_id for r in decision.fired_rules) or "policy"
        super().__init__(f"blocked by guard ({decision.stage} stage, rules: {rules})")


class UnguardedCallError(GuardError):
    """Raised by the OpenAI-client wrapper for a call it cannot check (another API, raw HTTP,
    token-id input, an unsupported stream): refusing loudly beats passing it unchecked."""

    def __init__(self, method: str, why: str = "is not guarded by guard.wrap") -> None:
        self.method = method
        self.why = why
        super().__init__(f"{method} {why}; call it on the unwrapped client if you really "
                         "mean to bypass the guard")
