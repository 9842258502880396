"""Admission control as plain ASGI middleware: in-flight limit and request-body cap.

Both run before FastAPI parses anything, so an overloaded sidecar sheds load cheaply (429
with ``Retry-After``) instead of queueing work it cannot finish, and a 10 MB body is refused
(413) without being buffered. Health, readiness and metrics are never limited: an orchestrator
probing a busy pod must not conclude it is dead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from guard.sidecar.errors import envelope
from guard.sidecar.metrics import SidecarMetrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXEMPT = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")


KNOWN_ROUTES = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/embeddings",
                          "/v1/responses", "/v1/messages", "/v1/moderations", "/v1/guard/check",
                          "/v1/models", "/beta/litellm_basic_guardrail_api"})


@dataclass(slots=True)
class Load:
    """Requests being served now against the in-flight limit (readiness reads it)."""

    limit: int
    in_flight: int = 0

    @property
    def saturated(self) -> bool:
        return self.in_flight >= self.limit


class TooLarge(StarletteHTTPException):
    """Raised from ``receive`` when the body passes the cap; FastAPI re-raises HTTPExceptions
    from body parsing unchanged, so this becomes a 413 envelope, not a 400. An internal signal
    of the ASGI layer (Starlette needs its own type), never seen by a caller of Guard."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds {limit} bytes.")


async def _send_error(send: Send, status: int, message: str, code: str,
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(envelope(message, code=code)).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class AdmissionMiddleware:
    """Bounded concurrency + body-size cap + per-route request metrics."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int, max_body_bytes: int,
                 retry_after_s: int, metrics: SidecarMetrics, load: Load | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.retry_after = str(retry_after_s).encode()
        self.metrics = metrics
        self.load = load or Load(max_in_flight)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in KNOWN_ROUTES else "other"
        if self.load.saturated:
            self.metrics.rejected.labels("busy").inc()
            self.metrics.requests.labels(route, "429").inc()
            await _send_error(send, 429, "The guard sidecar is at its in-flight limit; retry.",
                              "rate_limit_exceeded", [(b"retry-after", self.retry_after)])
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(send, route)
            return
        self.load.in_flight += 1
        self.metrics.in_flight.inc()
        started = time.perf_counter()
        status = {"code": 500}
        received = 0
        started_response = False

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise TooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, capped_receive, tracking_send)
        except TooLarge:
            if started_response:
                raise
            status["code"] = 413
            await self._too_large(send, route, count=False)
        finally:
            self.load.in_flight -= 1
            self.metrics.in_flight.dec()
            self.metrics.requests.labels(route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)

    async def _too_large(self, send: Send, route: str, count: bool = True) -> None:
        self.metrics.rejected.labels("too_large").inc()
        if count:
            self.metrics.requests.labels(route, "413").inc()
        await _send_error(send, 413, f"Request body exceeds {self.max_body_bytes} bytes.",
                          "request_too_large")
