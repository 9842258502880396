"""Wiring: the console mounted in the sidecar, or served alone for auditors.

In the sidecar the console writes reviews through the sidecar's own audit recorder (one writer,
one chain). Alone, it opens a recorder on the same audit URL; SQLite (``BEGIN IMMEDIATE``),
PostgreSQL (head row lock) and JSONL (``flock``) all keep one chain with several writers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from guard.console.app import create_console_app
from guard.console.config import ConsoleConfig
from guard.console.state import Console

PREFIX = "/console"


def console_for_sidecar(
    config: ConsoleConfig | None, *, audit_url: str | None, recorder: Any
) -> tuple[Console, FastAPI] | None:
    """The console and its app to mount at ``/console``, or None when not configured."""
    if config is None or not config.enabled:
        return None
    console = Console(config, audit_url=audit_url, recorder=recorder)
    return console, create_console_app(console)


def create_standalone_app(
    config: ConsoleConfig, *, audit_url: str | None, recorder: Any = None,
    secret: bytes | None = None,
) -> FastAPI:
    """``guard console``: the console at ``/console`` (``/`` redirects there).

    Args:
        config: the ``console:`` section.
        audit_url: the log to read and to append reviews to.
        recorder: an audit recorder to use; default: one opened on ``audit_url`` and owned
            (started and flushed) by this app.
        secret: session secret (default: from the config's env variable or secret file).
    """
    owns = recorder is None
    if recorder is None:
        from guard.audit import open_recorder

        recorder = open_recorder(audit_url)
    console = Console(config, audit_url=audit_url, recorder=recorder, owns_recorder=owns,
                      secret=secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await console.start()
        try:
            yield
        finally:
            await console.aclose()

    app = FastAPI(title="Guard compliance console", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.console = console

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", 307)

    app.mount(PREFIX, create_console_app(console))
    return app
