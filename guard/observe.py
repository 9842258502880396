"""Hooks through which a check's outcome leaves the core: the audit recorder protocol.

The core never imports an audit backend; it calls whatever recorder it was given. That keeps
``guard check`` free of database drivers and lets the sidecar add request-level facts
(upstream, characters released in a stream) through ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from guard.types import Decision, Message

Retention = Literal["none", "redacted", "full"]


class DecisionRecorder(Protocol):
    """Receives every decision that should leave an audit trail."""

    async def record(
        self,
        decision: Decision,
        *,
        original: Sequence[Message],
        retention: Retention,
        extra: Mapping[str, Any] | None = None,
    ) -> None: ...
