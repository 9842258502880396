"""OpenTelemetry providers for ``guard serve``, configured from the standard OTEL_* env vars.

The library never touches global providers (see :mod:`guard.telemetry`); the *process* that
``guard serve`` starts is ours, so here we build providers and inject them. With
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the per-signal variants) set, spans and metrics go over
OTLP/HTTP to a collector (``deploy/otel-collector.yaml``); otherwise telemetry is a no-op.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

from guard.telemetry import Telemetry

log = logging.getLogger("guard.sidecar")
_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")


def telemetry_from_env(env: Mapping[str, str] | None = None
                       ) -> tuple[Telemetry, Callable[[], None]]:
    """(telemetry, shutdown) — OTLP exporters when an endpoint is configured, else no-op."""
    env = os.environ if env is None else env
    if not any(env.get(v) for v in _ENDPOINT_VARS) or env.get("OTEL_SDK_DISABLED") == "true":
        return Telemetry(), lambda: None
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:  # pragma: no cover - exporter is in requirements.txt
        log.warning("OTLP endpoint set but exporter not installed (%s); telemetry off", exc)
        return Telemetry(), lambda: None
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "guard-sidecar")})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    meter_provider = MeterProvider(resource=resource, metric_readers=[
        PeriodicExportingMetricReader(OTLPMetricExporter())])

    def shutdown() -> None:
        tracer_provider.shutdown()
        meter_provider.shutdown()

    log.info("OpenTelemetry: exporting spans and metrics over OTLP/HTTP")
    return Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider), shutdown
