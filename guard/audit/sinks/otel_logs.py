"""OpenTelemetry log export: each chained audit record becomes one OTel log record.

URL ``otel:`` (or ``otel://``) makes OTel the only sink; ``open_recorder(logger_provider=...)``
adds it next to a local store instead. The chain is still computed (in memory, per process)
and its ``seq``/``hash`` travel as attributes, so a collector-side store can re-verify order.
The log body is the record's canonical JSON; the ``guard.*`` attributes make it filterable.
A logger provider is injected; only the URL form falls back to the global one, since naming
``otel:`` is an explicit choice of the process-wide OTel setup.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opentelemetry import _logs

from guard.audit.chain import GENESIS, Linked, link
from guard.audit.event import AuditEvent
from guard.audit.sinks.base import AuditStore

EVENT_NAME = "guard.audit.decision"


class OtelLogStore(AuditStore):
    """Writes audit records as OTel log records (cannot be read back: not queryable)."""

    queryable = False

    def __init__(self, url: str, logger_provider: _logs.LoggerProvider | None = None) -> None:
        self.url = url
        provider = logger_provider or _logs.get_logger_provider()
        self._logger = provider.get_logger("guard.audit")
        self._lock = threading.Lock()
        self._head = (0, GENESIS)

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        with self._lock:
            linked = link(events, self._head[0], self._head[1], key)
            if linked:
                self._head = (linked[-1].seq, linked[-1].hash)
        self.export(linked)
        return linked

    def export(self, linked: Sequence[Linked]) -> None:
        """Emit already-linked records (used as a secondary exporter after a local store)."""
        for item in linked:
            self._logger.emit(
                timestamp=_ns(item.event.ts),
                body=item.text,
                attributes=log_attributes(item),
                event_name=EVENT_NAME,
            )


def log_attributes(item: Linked) -> dict[str, Any]:
    """Flat ``guard.*`` attributes of one record (no content)."""
    r = item.record
    attrs: dict[str, Any] = {
        "guard.audit.seq": item.seq,
        "guard.audit.hash": item.hash,
        "guard.decision.id": r["decision_id"],
        "guard.stage": r["stage"],
        "guard.decision.action": r["action"],
        "guard.decision.shadow_action": r["shadow_action"],
        "guard.policy.name": r["policy_name"],
        "guard.policy.version": r["policy_version"],
        "guard.policy.hash": r["policy_hash"],
        "guard.rule.ids": list(r.get("rule_ids") or []),
        "guard.shadow.rule.ids": list(r.get("shadow_rule_ids") or []),
    }
    optional = {"guard.tenant": r.get("tenant"), "gen_ai.request.model": r.get("model"),
                "guard.route": r.get("route")}
    attrs.update({k: v for k, v in optional.items() if v is not None})
    return attrs


def _ns(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000_000)
