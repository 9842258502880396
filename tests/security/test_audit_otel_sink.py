"""Threat: audit records silently lost. ``guard serve --audit-url otel:`` used to emit every
record into OpenTelemetry's no-op default logger provider: nothing was exported, nothing was
logged, and the operator believed decisions were being audited (issue 11, item 11).

Against a real OTLP/HTTP receiver on 127.0.0.1 these tests prove that:

- the sidecar configures the OTel logs pipeline from the standard ``OTEL_*`` variables, and
  every answered check arrives as a log record carrying the chained audit record;
- without an endpoint, the sidecar refuses to start with a clear error instead of dropping;
- a batch the receiver refuses is retried by the recorder (fail closed), not lost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from guard.audit import open_recorder
from guard.audit.sinks.otel_logs import OtelSinkError
from tests.audit.audit_helpers import make_decision
from tests.audit.test_audit_sidecar import REPO, sidecar
from tests.support.otlp_receiver import otlp_receiver

N = 25


def test_guard_serve_with_otel_audit_exports_every_record(
    tmp_path: Path, light_policy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", f"{receiver.url}/v1/logs")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "guard-audit-test")
        ids = []
        with sidecar(light_policy(), "otel:", tmp_path / "sidecar.log") as (proc, base):
            for i in range(N):
                resp = httpx.post(f"{base}/v1/guard/check", timeout=30, json={
                    "input": "key AKIAIOSFODNN7EXAMPLE" if i % 5 == 0 else f"hello #{i}",
                    "tenant": "acme", "model": "gpt-4o-mini"})
                assert resp.status_code == 200, resp.text
                ids.append(resp.json()["id"])
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
        records = [json.loads(r.body) for r in receiver.records]
        assert [r["seq"] for r in records] == list(range(1, N + 1))
        assert [r["decision_id"] for r in records] == ids
        assert {r["action"] for r in records} == {"allow", "block"}
        first = receiver.records[0]
        assert first.event_name == "guard.audit.decision"
        assert first.attributes["guard.audit.seq"] == 1
        assert first.attributes["guard.audit.hash"] == records[0]["hash"]
        assert first.resource["service.name"] == "guard-audit-test"


def test_guard_serve_with_otel_audit_and_no_endpoint_refuses_to_start(
    tmp_path: Path, light_policy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(OtelSinkError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        open_recorder("otel:")
    proc = subprocess.run(
        [sys.executable, "-m", "guard.cli.main", "serve", "--policy", str(light_policy()),
         "--port", "0", "--audit-url", "otel:"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode != 0
    assert "no OpenTelemetry logs exporter is configured" in proc.stdout + proc.stderr


@pytest.mark.asyncio
async def test_refused_batches_are_retried_not_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    with otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        receiver.fail_next = 2
        recorder = open_recorder("otel:")
        async with recorder:
            for i in range(10):
                decision, msgs = make_decision(text=f"m{i}")
                await recorder.record(decision, original=msgs, retention="none", wait=True)
        assert receiver.refused == 2 and recorder.stats.write_errors == 2
        assert [json.loads(r.body)["seq"] for r in receiver.records] == list(range(1, 11))
