"""Threat: shutdown silently truncates answers and loses telemetry (issue 11, item 18).

A rolling update sends SIGTERM to a pod that is still streaming. With a hard-coded 10 s grace
(against the manifest's 30 s) streams were cut mid-answer, with no error event and no
``[DONE]``: a client cannot tell a truncated answer from a complete one. And uvicorn
re-raises SIGTERM as it returns, which killed the process before the telemetry providers
were flushed, so the last spans were never exported. Now the grace is
``server.shutdown_grace_s``, streams still open near its end get an error event and
``[DONE]``, and spans are flushed inside the shutdown.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from guard.sidecar.config import ServerConfig
from tests.sidecar.conftest import POLICIES, stub, stub_server
from tests.sidecar.test_cli_and_config import start_serve, wait_ready
from tests.support.stub_upstream import StubUpstream

__all__ = ["stub", "stub_server"]


class Collector:
    """A minimal OTLP/HTTP receiver on 127.0.0.1 keeping every exported span."""

    def __init__(self) -> None:
        spans: list[Any] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(body)
                    for resource in request.resource_spans:
                        for scope in resource.scope_spans:
                            spans.extend(scope.spans)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.spans = spans
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def request_ids(self) -> set[str]:
        return {a.value.string_value for s in self.spans for a in s.attributes
                if a.key == "guard.request.id"}


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


def test_grace_is_a_config_key_below_the_manifest() -> None:
    assert ServerConfig().shutdown_grace_s < 30  # deploy/k8s terminationGracePeriodSeconds


def test_open_stream_ends_with_error_event_and_done_and_spans_are_flushed(
    stub: StubUpstream, collector: Collector, tmp_path: Path
) -> None:
    stub.reply = " ".join(f"w{i}" for i in range(200))
    stub.chunk_delay = 0.1  # a 20-second answer
    config = tmp_path / "guard.yaml"
    config.write_text(f"policy: {POLICIES / 'input-only.yaml'}\n"
                      f"upstreams: {{stub: {{base_url: '{stub.base_url}'}}}}\n"
                      "server: {shutdown_grace_s: 3}\n")
    proc, url = start_serve(["--config", str(config), "--no-audit"], tmp_path, env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "60000"})
    try:
        wait_ready(proc, url)
        received: list[str] = []
        with httpx.stream("POST", f"{url}/v1/chat/completions", timeout=30,
                          headers={"x-request-id": "req-shutdown-test"},
                          json={"model": "m", "stream": True,
                                "messages": [{"role": "user", "content": "talk"}]}) as resp:
            lines = resp.iter_lines()
            for line in lines:
                if line.startswith("data:"):
                    received.append(line)
                if len(received) == 3:
                    break
            sent_at = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            received.extend(line for line in lines if line.startswith("data:"))
            ended_after = time.monotonic() - sent_at
        assert received[-1] == "data: [DONE]"
        assert '"code": "shutting_down"' in received[-2]
        assert len(received) < 150  # the answer was really cut short
        assert 1.0 < ended_after < 3.0  # ended at grace - 1 s, not at once, not cut later
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The batch exporter's 60 s schedule never fired: only the shutdown flush can have sent it.
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert "req-shutdown-test" in collector.request_ids(), (len(collector.spans), out[-3000:])


def test_idle_server_exits_promptly(tmp_path: Path, stub: StubUpstream) -> None:
    proc, url = start_serve(["--policy", str(POLICIES / "input-only.yaml"), "--upstream",
                             stub.base_url, "--no-audit"], tmp_path)
    try:
        wait_ready(proc, url)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 5  # the grace is a bound, not a wait
    finally:
        if proc.poll() is None:
            proc.kill()




def _drive(app_started: bool) -> list[dict[str, Any]]:
    """Run one request through DrainMiddleware, cut it, return what the client was sent."""
    import asyncio

    from guard.sidecar.drain import Drain, DrainMiddleware

    sent: list[dict[str, Any]] = []

    async def hanging_app(scope: Any, receive: Any, send: Any) -> None:
        if app_started:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream")]})
            await send({"type": "http.response.body", "body": b"data: {}\n\n",
                        "more_body": True})
        await asyncio.sleep(3600)  # an upstream that never finishes

    async def send(message: Any) -> None:
        sent.append(dict(message))

    async def run() -> None:
        drain = Drain()
        middleware = DrainMiddleware(hanging_app, drain=drain)
        task = asyncio.create_task(middleware({"type": "http"}, None, send))
        await asyncio.sleep(0.05)
        assert await drain.cut_all() == 1
        await asyncio.wait_for(task, 5)  # the request ends, without an exception
        assert not drain.open

    asyncio.run(run())
    return sent


def test_drain_ends_an_open_stream_with_error_and_done() -> None:
    sent = _drive(app_started=True)
    last = sent[-1]
    assert last["more_body"] is False
    assert last["body"].endswith(b"data: [DONE]\n\n") and b'"shutting_down"' in last["body"]


def test_drain_answers_a_request_without_response_with_503() -> None:
    sent = _drive(app_started=False)
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["error"]["code"] == "shutting_down"
