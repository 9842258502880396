"""Threat: an upstream error leaks a credential or a user's address into telemetry.

Upstream errors often quote what they were sent ("Incorrect API key provided: sk-...",
"quota exceeded for jane@example.com"). Spans and logs are exported to collectors and
dashboards that far more people can read than the audit log, so an upstream's message must be
scrubbed of secrets, e-mail addresses and phone numbers before it reaches a span status, an
exception event, a log line, the audit record or the client. Checked end to end: real
``openai`` client -> real sidecar over HTTP -> real stub upstream, spans from the real OTel SDK
in-memory exporter.
"""

from __future__ import annotations

import logging

import openai
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from guard.redaction import redact_text
from guard.sidecar.app import create_app
from guard.sidecar.config import SidecarConfig, UpstreamConfig
from guard.telemetry import Telemetry
from tests.sidecar.conftest import POLICIES, MemoryRecorder, ServerThread
from tests.support.stub_upstream import StubUpstream

KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
EMAIL = "jane.doe@example.com"
PHONE = "+33 6 12 34 56 78"
LEAKY = f"Incorrect API key provided: {KEY}. Contact {EMAIL} or call {PHONE}."


def _everything_exported(exporter: InMemorySpanExporter) -> str:
    parts = []
    for span in exporter.get_finished_spans():
        parts.append(str(span.status.description))
        parts.extend(str(v) for v in span.attributes.values())
        for event in span.events:
            parts.append(event.name)
            parts.extend(str(v) for v in event.attributes.values())
    return "\n".join(parts)


def test_redact_text_removes_secrets_emails_phones() -> None:
    out = redact_text(LEAKY)
    assert KEY not in out and EMAIL not in out and "12 34 56 78" not in out
    assert "Incorrect API key provided" in out


@pytest.mark.parametrize("status", [400, 401, 500])
def test_upstream_error_is_redacted_in_spans_logs_audit_and_client(
        stub: StubUpstream, status: int, caplog: pytest.LogCaptureFixture) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    recorder = MemoryRecorder()
    cfg = SidecarConfig(policy=str(POLICIES / "strict.yaml"), upstreams={
        "stub": UpstreamConfig(base_url=stub.base_url, timeout_s=5, connect_timeout_s=2)})
    cfg = cfg.model_copy(update={"server": cfg.server.model_copy(
        update={"warm_moderation": False})})
    app = create_app(cfg, recorder=recorder, telemetry=Telemetry(tracer_provider=provider))
    server = ServerThread(app).start()
    stub.fault, stub.error_status, stub.error_message = "error", status, LEAKY
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="k", max_retries=0)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(openai.APIStatusError) as err:
            client.chat.completions.create(
                model="stub-model", messages=[{"role": "user", "content": "hi"}])
    finally:
        server.stop()
    exported = _everything_exported(exporter)
    assert "exception" in exported  # the failure is still on the span, only scrubbed
    audited = "\n".join(str(r.facts.upstream_error) for r in recorder.records)
    for leak in (KEY, EMAIL, "12 34 56 78"):
        assert leak not in exported, f"{leak} in span"
        assert leak not in caplog.text, f"{leak} in logs"
        assert leak not in str(err.value), f"{leak} sent to the client"
        assert leak not in audited
