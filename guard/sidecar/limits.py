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


KNOWN_ROUTES = frozenset({"/v1/chat/completions", "/v1/moderations", "/v1/guard/check",
                          "/v1/models", "/beta/litellm_basic_guardrail_api"})


class TooLarge(StarletteHTTPException):
    """Raised from ``receive`` when the body passes the cap; FastAPI re-raises HTTPExceptions
    from body parsing unchanged, so this becomes a 413 envelope, not a 400."""

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
                 retry_after_s: int, metrics: SidecarMetrics) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self.retry_after = str(retry_after_s).encode()
        self.metrics = metrics
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in KNOWN_ROUTES else "other"
        if self.in_flight >= self.max_in_flight:
            self.metrics.rejected.labels("busy").inc()
            self.metrics.requests.labels(route, "429").inc()
            await _send_error(send, 429, "The guard sidecar is at its in-flight limit; retry.",
                              "rate_limit_exceeded", [(b"retry-after", self.retry_after)])
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(send, route)
            return
        self.in_flight += 1
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
            self.in_flight -= 1
            self.metrics.in_flight.dec()
            self.metrics.requests.labels(route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)

    async def _too_large(self, send: Send, route: str, count: bool = True) -> None:
        self.metrics.rejected.labels("too_large").inc()
        if count:
            self.metrics.requests.labels(route, "413").inc()
        await _send_error(send, 413, f"Request body exceeds {self.max_body_bytes} bytes.",
                          "request_too_large")
