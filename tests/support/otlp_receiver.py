"""A real OTLP/HTTP receiver on 127.0.0.1, decoding the protobuf the SDK exporters send.

Stands in for an OpenTelemetry collector (a third-party service): it keeps every log record
(``POST /v1/logs``) and every span (``POST /v1/traces``), and accepts metrics unread;
``fail_next`` makes it refuse the next N requests with a non-retryable 400 to test what the
sender does with a refused batch. ``bench/timeline.py`` reads the sidecar's spans through it.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@dataclass
class Received:
    body: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    event_name: str


@dataclass
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    events: list[tuple[str, int]]


@dataclass
class Receiver:
    url: str
    records: list[Received] = field(default_factory=list)
    spans: list[ReceivedSpan] = field(default_factory=list)
    fail_next: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind) if kind else None


def _spans(request: ExportTraceServiceRequest) -> Iterator[ReceivedSpan]:
    for rs in request.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                yield ReceivedSpan(
                    span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex(),
                    span.name, span.start_time_unix_nano, span.end_time_unix_nano,
                    {a.key: _value(a.value) for a in span.attributes},
                    [(e.name, e.time_unix_nano) for e in span.events])


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            with state.lock:
                if state.fail_next > 0:
                    state.fail_next -= 1
                    state.refused += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                if self.path == "/v1/logs":
                    request = ExportLogsServiceRequest.FromString(raw)
                    for rl in request.resource_logs:
                        resource = {a.key: _value(a.value) for a in rl.resource.attributes}
                        for sl in rl.scope_logs:
                            for rec in sl.log_records:
                                state.records.append(Received(
                                    rec.body.string_value,
                                    {a.key: _value(a.value) for a in rec.attributes},
                                    resource, rec.event_name))
                elif self.path == "/v1/traces":
                    state.spans.extend(_spans(ExportTraceServiceRequest.FromString(raw)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
