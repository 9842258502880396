"""The sidecar's app factory: ``create_app(config, ...) -> FastAPI``.

Collaborators are injected so tests and embedders choose them: ``recorder`` (audit; default
``guard.audit.open_recorder(config.audit_url)``), ``telemetry`` (spans/metrics from injected
OTel providers; default no-op), ``http_client`` (the shared upstream client), ``guards`` (ready
policies by path). The lifespan starts the recorder and loads detectors in the background;
``/readyz`` turns 200 once they are loaded and every upstream answers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from guard.detectors.registry import DetectorRegistry
from guard.guard import Guard
from guard.observe import DecisionRecorder
from guard.sidecar.config import SidecarConfig
from guard.sidecar.errors import install_handlers
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.limits import AdmissionMiddleware
from guard.sidecar.routes import chat, check, health, litellm, moderations
from guard.sidecar.state import SidecarState
from guard.sidecar.upstream import Upstreams
from guard.telemetry import Telemetry

log = logging.getLogger("guard.sidecar")


def create_app(
    config: SidecarConfig | None = None, *, recorder: DecisionRecorder | None = None,
    audit: bool = True, telemetry: Telemetry | None = None,
    http_client: httpx.AsyncClient | None = None, guards: Mapping[str, Guard] | None = None,
    registry: DetectorRegistry | None = None, warmup: bool = True,
) -> FastAPI:
    """Build the sidecar app.

    Args:
        config: sidecar configuration; default: embedded defaults (default policy, echo).
        recorder: audit recorder; when None and ``audit`` is true, one is opened from
            ``config.audit_url`` (or ``$GUARD_AUDIT_URL``) and started/closed with the app.
        audit: set False to run without any audit trail (benchmarks of the bare proxy).
        telemetry: spans and metrics helper built from injected providers.
        http_client: shared ``httpx.AsyncClient`` for upstream calls (pool owned by caller).
        guards: pre-built guards by policy path (they keep their own recorder).
        registry: detector registry shared by every policy (one model instance per process).
        warmup: load detectors in the background at startup.
    """
    config = config or SidecarConfig()
    owned_recorder: Any = None
    if recorder is None and audit:
        from guard.audit import open_recorder

        owned_recorder = recorder = open_recorder(config.audit_url)
    state = SidecarState(
        config, upstreams=Upstreams(config, client=http_client,
                                    max_connections=max(64, config.server.max_in_flight * 2)),
        guards=guards, recorder=recorder, telemetry=telemetry, registry=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned_recorder is not None:
            await owned_recorder.start()
        if state.upstreams.echo:
            log.warning("no upstream configured: answering with the built-in ECHO upstream "
                        "(test mode, no model is called)")
        for target in state.upstreams.targets:
            log.info("upstream %s -> %s (models %s)", target.name, target.config.base_url,
                     ", ".join(target.config.models))
        if warmup:
            state.start_warmup()
        try:
            yield
        finally:
            await state.aclose()
            if owned_recorder is not None:
                await owned_recorder.aclose()

    app = FastAPI(title="Guard sidecar", version="0.1.0", lifespan=lifespan,
                  default_response_class=SafeJSONResponse,
                  description="OpenAI-compatible guarding proxy. Every error uses OpenAI's "
                  "error envelope; blocks have code 'content_filter'.")
    app.state.sidecar = state
    install_handlers(app)
    for module in (chat, moderations, check, litellm, health):
        app.include_router(module.router)
    server = config.server
    app.add_middleware(AdmissionMiddleware, max_in_flight=server.max_in_flight,
                       max_body_bytes=server.max_body_bytes, retry_after_s=server.retry_after_s,
                       metrics=state.metrics)
    return app
