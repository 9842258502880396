"""Graceful shutdown of open responses: streams end with an error event and ``[DONE]``.

At shutdown the server stops accepting connections and waits up to ``server.shutdown_grace_s``
for open requests. A stream still open one second before that deadline would otherwise be cut
mid-event (the client sees a broken connection, not an answer); :class:`DrainMiddleware` ends
it properly instead: one SSE error event (code ``shutting_down``) and ``data: [DONE]``, then it
cancels the request's task. A request that has not started its response gets a 503 envelope.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from guard.sidecar.errors import envelope

log = logging.getLogger("guard.sidecar")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Send], Awaitable[None]]

CUT_MARGIN_S = 1.0
SHUTDOWN_MESSAGE = "The guard sidecar is shutting down; the response was ended early. Retry."


@dataclass(eq=False)
class _Open:
    """One request in progress: its send channel (serialised) and task."""

    send: Send
    task: asyncio.Task[Any] | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    started: bool = False
    sse: bool = False
    ended: bool = False
    cut: bool = False


class Drain:
    """Open requests, and the deadline after which the remaining ones are ended cleanly."""

    def __init__(self) -> None:
        self.open: set[_Open] = set()
        self.deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def begin(self, grace_s: float) -> None:
        """Shutdown started: end what is still open ``grace_s - 1`` seconds from now."""
        if self.deadline is not None:
            return
        delay = max(0.0, grace_s - CUT_MARGIN_S)
        self.deadline = time.monotonic() + delay
        log.info("shutdown: %d open request(s) get %.1f s to finish", len(self.open), delay)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, lambda: loop.create_task(self.cut_all()))

    async def cut_all(self) -> int:
        """End every open response now; returns how many were ended."""
        entries = list(self.open)
        for entry in entries:
            await _cut(entry)
        if entries:
            log.warning("shutdown: ended %d open response(s) with an error event", len(entries))
        return len(entries)


async def _cut(entry: _Open) -> None:
    async with entry.lock:
        if entry.ended:
            return
        entry.cut = entry.ended = True
        try:
            if not entry.started:
                body = json.dumps(envelope(SHUTDOWN_MESSAGE, type="server_error",
                                           code="shutting_down")).encode()
                await entry.send({"type": "http.response.start", "status": 503, "headers": [
                    (b"content-type", b"application/json"), (b"retry-after", b"1"),
                    (b"content-length", str(len(body)).encode())]})
                await entry.send({"type": "http.response.body", "body": body})
            elif entry.sse:
                event = envelope(SHUTDOWN_MESSAGE, type="server_error", code="shutting_down")
                await entry.send({"type": "http.response.body", "more_body": False,
                                  "body": b"data: " + json.dumps(event).encode() +
                                  b"\n\ndata: [DONE]\n\n"})
            else:
                await entry.send({"type": "http.response.body", "body": b"",
                                  "more_body": False})
        except Exception:  # the client is gone: nothing left to tell it
            log.debug("shutdown: client already disconnected", exc_info=True)
    if entry.task is not None:
        entry.task.cancel()


class DrainMiddleware:
    """Registers each HTTP request with the :class:`Drain` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = _Open(send, asyncio.current_task())

        async def guarded_send(message: Message) -> None:
            async with entry.lock:
                if entry.ended:
                    return  # already closed by the drain
                if message["type"] == "http.response.start":
                    entry.started = True
                    entry.sse = any(k.lower() == b"content-type" and
                                    v.startswith(b"text/event-stream")
                                    for k, v in message.get("headers", []))
                elif message["type"] == "http.response.body" and not message.get("more_body"):
                    entry.ended = True
                await send(message)

        self.drain.open.add(entry)
        try:
            await self.app(scope, receive, guarded_send)
        except asyncio.CancelledError:
            if not entry.cut:
                raise
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
        finally:
            self.drain.open.discard(entry)
