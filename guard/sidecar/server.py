"""Run the sidecar app under uvicorn with a shutdown that ends streams and flushes telemetry.

Two things plain ``uvicorn.run`` gets wrong for us: it only learns that shutdown began inside
its own loop (so open streams are cut at the grace deadline with no final event), and after a
SIGTERM it re-raises the signal as soon as it returns, which kills the process before any
``finally`` after it runs (the last seconds of OTel spans were never exported). Here the
:class:`~guard.sidecar.drain.Drain` is told when shutdown starts, and the telemetry providers
are flushed inside the server's own shutdown, before uvicorn re-raises the signal. And uvicorn
wakes ten times a second to look for a shutdown (about 2 ms of CPU per second on an idle
sidecar here); this server wakes once a second, and at once when a shutdown signal arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI

from guard.sidecar.drain import Drain

log = logging.getLogger("guard.sidecar")

IDLE_TICK_S = 1.0
"""Seconds between the server's idle wake-ups (uvicorn's own: 0.1); it still refreshes its
``Date`` header once a second."""
_TICKS_PER_WAKE = 10  # uvicorn counts 0.1 s ticks (``on_tick``: the header every 10th)


class GuardServer(uvicorn.Server):
    """``uvicorn.Server`` that starts the drain and runs ``on_stopped`` hooks at shutdown."""

    def __init__(self, config: uvicorn.Config, *, drain: Drain | None,
                 on_stopped: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.drain = drain
        self.on_stopped = on_stopped
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_WAKE) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_TICK_S)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.drain is not None:
            self.drain.begin(float(self.config.timeout_graceful_shutdown or 0))
        try:
            await super().shutdown(sockets)
        finally:
            if self.on_stopped is not None:
                try:
                    self.on_stopped()
                except Exception:  # never let a flush failure hide the shutdown
                    log.exception("shutdown hook failed")


def serve(app: FastAPI, *, host: str, port: int, grace_s: float, log_level: str,
          on_stopped: Callable[[], None] | None = None) -> None:
    """Serve ``app`` until SIGINT/SIGTERM (see the module docstring)."""
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=max(1, round(grace_s)),
                            server_header=False)
    drain = getattr(app.state, "drain", None)
    GuardServer(config, drain=drain, on_stopped=on_stopped).run()
