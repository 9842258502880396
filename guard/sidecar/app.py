"""The sidecar's app factory: ``create_app(config, ...) -> FastAPI``.

Collaborators are injected so tests and embedders choose them: ``recorder`` (audit; default
``guard.audit.open_recorder(config.audit_url)``), ``telemetry`` (spans/metrics from injected
OTel providers; default no-op), ``http_client`` (the shared upstream client), ``guards`` (ready
policies by path). The lifespan starts the recorder and loads detectors in the background;
``/readyz`` turns 200 once they are loaded (and while the in-flight limit is not reached).
Middleware, outermost first: shutdown drain, snapshot pin (hot reload), operator-endpoint
auth, admission (in-flight and body limits), tenant quotas.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from guard.detectors.registry import DetectorRegistry
from guard.guard import Guard
from guard.recording import DecisionRecorder
from guard.sidecar.config import SidecarConfig
from guard.sidecar.depth import JSONDepthMiddleware
from guard.sidecar.drain import Drain, DrainMiddleware
from guard.sidecar.errors import install_handlers
from guard.sidecar.exposure import OperatorAuthMiddleware, check_exposure
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.limits import AdmissionMiddleware
from guard.sidecar.quota_store import MemoryQuotaStore, PostgresQuotaStore, open_quota_store
from guard.sidecar.quotas import QuotaMiddleware
from guard.sidecar.reload import ConfigSource, Reloader, install_sighup
from guard.sidecar.routes import (
    admin,
    chat,
    check,
    completions,
    embeddings,
    health,
    litellm,
    messages,
    moderations,
    responses,
)
from guard.sidecar.snapshot import SnapshotMiddleware
from guard.sidecar.state import SidecarState
from guard.sidecar.upstream import Upstreams
from guard.telemetry import Telemetry

log = logging.getLogger("guard.sidecar")


def create_app(
    config: SidecarConfig | None = None, *, recorder: DecisionRecorder | None = None,
    audit: bool = True, telemetry: Telemetry | None = None,
    http_client: httpx.AsyncClient | None = None, guards: Mapping[str, Guard] | None = None,
    registry: DetectorRegistry | None = None, warmup: bool = True,
    config_source: ConfigSource | None = None, handle_sighup: bool = False,
    quota_store: MemoryQuotaStore | PostgresQuotaStore | None = None,
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
        config_source: re-reads the config on reload (``guard serve``: the config file plus
            its command-line overrides); without it a reload re-reads the policy files only.
        handle_sighup: reload on SIGHUP (the process's main thread only: ``guard serve``).
        quota_store: counters of the tenant limits; default: PostgreSQL when the audit URL
            is, else in memory (per replica).

    Raises:
        ConfigError: a non-loopback host without tenant keys (see guard.sidecar.exposure).
    """
    config = config or SidecarConfig()
    check_exposure(config)
    owned_recorder: Any = None
    if recorder is None and audit:
        from guard.audit import open_recorder

        owned_recorder = recorder = open_recorder(config.audit_url)
    state = SidecarState(
        config, upstreams=Upstreams(config, client=http_client,
                                    max_connections=max(64, config.server.max_in_flight * 2)),
        guards=guards, recorder=recorder, telemetry=telemetry, registry=registry)

    reloader = Reloader(state, config_source)
    quotas = quota_store or open_quota_store(config.audit_url or os.environ.get(
        "GUARD_AUDIT_URL"))
    drain = Drain()
    console = _console(config, recorder)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned_recorder is not None:
            await owned_recorder.start()
        if handle_sighup:
            install_sighup(reloader)
        if state.upstreams.echo:
            log.warning("no upstream configured: answering with the built-in ECHO upstream "
                        "(test mode, no model is called)")
        for target in state.upstreams.targets:
            log.info("upstream %s -> %s (models %s)", target.name,
                     ", ".join(m.config.base_url for m in target.members),
                     ", ".join(target.models))
        if warmup:
            state.start_warmup()
        try:
            yield
        finally:
            await quotas.aclose()
            await state.aclose()
            if console is not None:
                await console[0].aclose()
            if owned_recorder is not None:
                await owned_recorder.aclose()

    app = FastAPI(title="Guard sidecar", version="0.1.0", lifespan=lifespan,
                  default_response_class=SafeJSONResponse,
                  description="OpenAI-compatible guarding proxy. Every error uses OpenAI's "
                  "error envelope; blocks have code 'content_filter'.")
    app.state.sidecar = state
    app.state.reloader = reloader
    app.state.drain = drain
    install_handlers(app)
    for module in (chat, completions, embeddings, responses, messages, moderations, check,
                   litellm, health, admin):
        app.include_router(module.router)
    if console is not None:
        app.mount("/console", console[1])
    server = config.server
    if quotas.shared is False and any(t.limits for t in config.tenants.values()):
        log.info("tenant limits are counted per replica (audit store is not PostgreSQL)")

    def current_config() -> SidecarConfig:
        return state.config

    # Outermost last: drain -> snapshot pin -> operator auth -> admission -> quotas -> routes.
    app.add_middleware(QuotaMiddleware, config=current_config, store=quotas,
                       metrics=state.metrics)
    app.add_middleware(JSONDepthMiddleware)  # inside admission: bodies are capped first
    app.add_middleware(AdmissionMiddleware, max_in_flight=server.max_in_flight,
                       max_body_bytes=server.max_body_bytes, retry_after_s=server.retry_after_s,
                       metrics=state.metrics, load=state.load)
    app.add_middleware(OperatorAuthMiddleware, config=current_config)
    app.add_middleware(SnapshotMiddleware, current=lambda: state.snapshot)
    app.add_middleware(DrainMiddleware, drain=drain)
    return app


def _console(config: SidecarConfig, recorder: DecisionRecorder | None) -> tuple[Any, Any] | None:
    """The compliance console (``config.console``), writing reviews through ``recorder``."""
    if config.console is None:
        return None
    from guard.console.server import console_for_sidecar

    return console_for_sidecar(config.console, audit_url=config.audit_url, recorder=recorder)
