"""OpenTelemetry log export: each chained audit record becomes one OTel log record.

URL ``otel:`` (or ``otel://``) makes OTel the only sink; ``open_recorder(logger_provider=...)``
adds it next to a local store instead. The chain is still computed (in memory, per process)
and its ``seq``/``hash`` travel as attributes, so a collector-side store can re-verify order.
The log body is the record's canonical JSON; the ``guard.*`` attributes make it filterable.

Where the records go, for ``otel:``:

1. an injected ``logger_provider``, else the process's global provider when the host app has
   installed an SDK one (records are flushed after every batch);
2. otherwise a logs pipeline of this sink's own, configured from the standard variables
   (:func:`pipeline_from_env`): OTLP/HTTP to ``OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`` or
   ``OTEL_EXPORTER_OTLP_ENDPOINT``, with the usual ``OTEL_EXPORTER_OTLP_*`` headers, timeout
   and certificates, and ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``. Each batch is
   exported synchronously and a failed export raises, so the recorder retries it (fail
   closed) instead of losing it;
3. with neither, building the sink fails with :class:`OtelSinkError`: an audit sink that
   silently drops every record is never started. The process's global OTel state is never
   changed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from opentelemetry import _logs
from opentelemetry.sdk._logs import (
    LoggerProvider,
    LogRecordProcessor,
    ReadableLogRecord,
    ReadWriteLogRecord,
)
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.resources import Resource

from guard.audit.chain import GENESIS, Linked, link
from guard.audit.event import AuditEvent
from guard.audit.sinks.base import AuditStore
from guard.errors import ConfigError, GuardError

EVENT_NAME = "guard.audit.decision"
_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_PROTOCOL_VARS = ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")


class OtelSinkError(ConfigError):
    """``otel:`` was chosen but no OpenTelemetry logs pipeline can carry the records."""


class OtelExportFailed(GuardError):
    """The OTLP endpoint did not accept a batch (the recorder keeps and retries it)."""


class _Collect(LogRecordProcessor):
    """Keeps the records emitted during one ``append`` so they are exported as one batch."""

    def __init__(self) -> None:
        self.records: list[ReadableLogRecord] = []

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        self.records.append(ReadableLogRecord(
            log_record=log_record.log_record, resource=log_record.resource or Resource.create(),
            instrumentation_scope=log_record.instrumentation_scope, limits=log_record.limits))

    def take(self) -> list[ReadableLogRecord]:
        records, self.records = self.records, []
        return records

    def shutdown(self) -> None:
        self.records = []

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def pipeline_from_env(environ: Mapping[str, str] | None = None
                      ) -> tuple[LoggerProvider, LogRecordExporter]:
    """An OTLP/HTTP logs exporter and a provider for it, from the ``OTEL_*`` variables.

    Raises:
        OtelSinkError: no endpoint set, OTel disabled, or a protocol other than HTTP/protobuf.
    """
    env = os.environ if environ is None else environ
    hint = ("set OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) to the "
            "collector's OTLP/HTTP address, or choose another --audit-url")
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        raise OtelSinkError(f"audit URL 'otel:' but OTEL_SDK_DISABLED=true; {hint}")
    if not any(env.get(name) for name in _ENDPOINT_VARS):
        raise OtelSinkError(
            f"audit URL 'otel:' but no OpenTelemetry logs exporter is configured: {hint}")
    protocol = next((env[name] for name in _PROTOCOL_VARS if env.get(name)), "http/protobuf")
    if protocol != "http/protobuf":
        raise OtelSinkError(f"audit URL 'otel:': OTLP protocol {protocol!r} is not supported "
                            "for audit records; use http/protobuf")
    try:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise OtelSinkError(f"audit URL 'otel:' needs opentelemetry-exporter-otlp-proto-http "
                            f"({exc})") from exc
    exporter = OTLPLogExporter()  # reads endpoint, headers, timeout, TLS from the environment
    return LoggerProvider(resource=Resource.create(), shutdown_on_exit=False), exporter


class OtelLogStore(AuditStore):
    """Writes audit records as OTel log records (cannot be read back: not queryable).

    Args:
        url: ``otel:``.
        logger_provider: where to emit; ``None`` uses the global SDK provider if the host set
            one, else builds this sink's own pipeline (:func:`pipeline_from_env`).
        exporter: with ``logger_provider=None``, export through this instead of the
            environment's OTLP/HTTP exporter (a test's in-memory exporter, for instance).
    """

    queryable = False

    def __init__(self, url: str, logger_provider: _logs.LoggerProvider | None = None, *,
                 exporter: LogRecordExporter | None = None) -> None:
        self.url = url
        self._exporter: LogRecordExporter | None = None
        self._collect: _Collect | None = None
        provider = logger_provider
        if provider is None and exporter is None:
            found = _logs.get_logger_provider()
            provider = found if isinstance(found, LoggerProvider) else None
        if provider is None:
            own, self._exporter = (LoggerProvider(resource=Resource.create(),
                                                  shutdown_on_exit=False), exporter) \
                if exporter is not None else pipeline_from_env()
            self._collect = _Collect()
            own.add_log_record_processor(self._collect)
            provider = own
        self._provider = provider
        self._logger = provider.get_logger("guard.audit")
        self._lock = threading.Lock()
        self._head = (0, GENESIS)

    def open(self) -> None:
        return None

    def close(self) -> None:
        if self._exporter is not None:
            self._exporter.shutdown()  # type: ignore[no-untyped-call]
        elif isinstance(self._provider, LoggerProvider):
            self._provider.force_flush()

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        with self._lock:
            linked = link(events, self._head[0], self._head[1], key)
            self.export(linked)
            if linked:  # only once delivered: a retried batch keeps its seqs
                self._head = (linked[-1].seq, linked[-1].hash)
        return linked

    def export(self, linked: Sequence[Linked]) -> None:
        """Emit already-linked records (used as a secondary exporter after a local store).

        Raises:
            OtelExportFailed: this sink's own exporter did not deliver the batch.
        """
        for item in linked:
            self._logger.emit(
                timestamp=_ns(item.event.ts),
                body=item.text,
                attributes=log_attributes(item),
                event_name=EVENT_NAME,
            )
        if self._exporter is not None and self._collect is not None:
            batch = self._collect.take()
            if batch and self._exporter.export(batch) is not LogRecordExportResult.SUCCESS:
                raise OtelExportFailed(f"OTLP export of {len(batch)} audit record(s) failed")
        elif isinstance(self._provider, LoggerProvider) and linked:
            self._provider.force_flush()


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
