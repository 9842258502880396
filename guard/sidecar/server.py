"""Run the sidecar app under uvicorn with a shutdown that ends streams and flushes telemetry.

Two things plain ``uvicorn.run`` gets wrong for us: it only learns that shutdown began inside
its own loop (so open streams are cut at the grace deadline with no final event), and after a
SIGTERM it re-raises the signal as soon as it returns, which kills the process before any
``finally`` after it runs (the last seconds of OTel spans were never exported). Here the
:class:`~guard.sidecar.drain.Drain` is told when shutdown starts, and the telemetry providers
are flushed inside the server's own shutdown, before uvicorn re-raises the signal.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from guard.sidecar.drain import Drain

log = logging.getLogger("guard.sidecar")


class GuardServer(uvicorn.Server):
    """``uvicorn.Server`` that starts the drain and runs ``on_stopped`` hooks at shutdown."""

    def __init__(self, config: uvicorn.Config, *, drain: Drain | None,
                 on_stopped: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.drain = drain
        self.on_stopped = on_stopped

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
