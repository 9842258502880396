"""The audit port: the one way a decision leaves the core for the audit trail.

The core never imports an audit backend; :class:`~guard.guard.Guard` calls whatever recorder it
was given (``guard.audit.AuditRecorder``, or a test's in-memory one). That keeps ``guard
check`` free of database drivers; request facts known only at the edge (upstream status,
characters released in a stream) travel typed, as :class:`~guard.types.RequestFacts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from guard.types import Decision, Message, RequestFacts, Retention


class DecisionRecorder(Protocol):
    """Receives every decision that should leave an audit trail."""

    async def record(
        self,
        decision: Decision,
        *,
        original: Sequence[Message],
        retention: Retention,
        facts: RequestFacts | None = None,
    ) -> None: ...
