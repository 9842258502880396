"""A real OTLP/HTTP logs receiver on 127.0.0.1, decoding the protobuf the SDK exporter sends.

Stands in for an OpenTelemetry collector (a third-party service): it answers ``POST
/v1/logs`` and keeps every log record; ``fail_next`` makes it refuse the next N requests with
a non-retryable 400 to test what the sender does with a refused batch.
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


@dataclass
class Received:
    body: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    event_name: str


@dataclass
class Receiver:
    url: str
    records: list[Received] = field(default_factory=list)
    fail_next: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind) if kind else None


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
