"""Everything one sidecar instance holds: config, guards per policy, upstreams, audit, metrics.

Built once by :func:`guard.sidecar.app.create_app` and shared by every request (``app.state``).
Collaborators arrive by injection (recorder, telemetry, HTTP client, ready-made guards), so a
test or an embedding application decides where audit records, spans and upstream calls go.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guard.detectors.base import run_sync
from guard.detectors.registry import DetectorRegistry, default_registry
from guard.errors import ConfigError
from guard.guard import Guard, InputPhase
from guard.policy.shipped import resolve_policy
from guard.recording import DecisionRecorder
from guard.sidecar.config import SidecarConfig
from guard.sidecar.errors import SidecarError
from guard.sidecar.limits import Load
from guard.sidecar.metrics import SidecarMetrics
from guard.sidecar.snapshot import Snapshot, pinned
from guard.sidecar.upstream import Upstreams
from guard.telemetry import Telemetry
from guard.types import CheckContext, Decision, Message, RequestFacts, Stage

log = logging.getLogger("guard.sidecar")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: tenant (from the API key), request id, incoming headers."""

    tenant: str | None
    request_id: str
    headers: Mapping[str, str]


class SidecarState:
    """Shared per-process state of the sidecar (see module docstring)."""

    def __init__(
        self, config: SidecarConfig, *, upstreams: Upstreams,
        guards: Mapping[str, Guard] | None = None, recorder: DecisionRecorder | None = None,
        telemetry: Telemetry | None = None, registry: DetectorRegistry | None = None,
    ) -> None:
        self.upstreams = upstreams
        self.recorder = recorder
        self.telemetry = telemetry or Telemetry()
        self.metrics = SidecarMetrics()
        upstreams.attach_metrics(self.metrics)
        self.registry = registry or default_registry()
        self.load = Load(config.server.max_in_flight)
        built: dict[str, Guard] = dict(guards or {})
        for path in config.policy_files():
            if path not in built:
                built[path] = self._load(path)
        self._snapshot = Snapshot(config, built)
        self.metrics.watch_caches(lambda: (g.verdicts for g in self.guards.values()))
        self.metrics.watch_classifiers()
        # Upstreams that rejected a streamed request the client sent unstreamed (and answered
        # it as JSON): read as JSON from then on (guard.sidecar.assemble).
        self.unstreamable: set[str] = set()
        self.ready = False
        self.warmup_error: str | None = None
        self.moderation_error: str | None = None
        self._warm_task: asyncio.Task[None] | None = None

    def stream_rejected(self, target: str, reason: str) -> None:
        """Remember that ``target`` answers unstreamed requests only (logged once)."""
        if target not in self.unstreamable:
            self.unstreamable.add(target)
            log.warning("upstream %r rejected a streamed request (%s); its non-streamed "
                        "answers are read as JSON from now on", target, reason)

    # --- versioned parts (see guard.sidecar.snapshot) -------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot (what a request arriving now gets pinned to)."""
        return self._snapshot

    @property
    def config(self) -> SidecarConfig:
        """The config of the request's pinned snapshot (else the latest)."""
        return (pinned.get() or self._snapshot).config

    @property
    def guards(self) -> Mapping[str, Guard]:
        return (pinned.get() or self._snapshot).guards

    def swap(self, snapshot: Snapshot) -> Snapshot:
        """Make ``snapshot`` current for new requests; returns the one it replaces."""
        old, self._snapshot = self._snapshot, snapshot
        return old

    def _load(self, path: str) -> Guard:
        resolved = resolve_policy(path)
        if not resolved.exists():
            raise ConfigError(f"policy file not found: {path}")
        return Guard.from_file(resolved, registry=self.registry, recorder=self.recorder,
                               telemetry=self.telemetry)

    # --- lifecycle -----------------------------------------------------------------------------

    def start_warmup(self) -> None:
        """Load every detector in the background; ``/readyz`` says 503 until it is done."""
        self._warm_task = asyncio.create_task(self._warmup(), name="guard-warmup")

    async def _warmup(self) -> None:
        started = time.perf_counter()
        try:
            await asyncio.gather(*(g.warmup() for g in self.guards.values()))
        except Exception as exc:  # reported by /readyz, not fatal: checks retry the load
            self.warmup_error = f"{type(exc).__name__}: {exc}"
            log.exception("detector warmup failed")
            return
        self.ready = True
        self.metrics.ready.set(1)
        log.info("detectors loaded in %.1f s", time.perf_counter() - started)
        if self.config.server.warm_moderation:
            await self._warm_moderation()  # after ready: it only serves /v1/moderations

    async def _warm_moderation(self) -> None:
        """Load the /v1/moderations classifier too; its absence only disables that route."""
        try:
            detector = await run_sync(self.registry.build, "content_safety", {})
            await detector.detect(["warmup"])
        except Exception as exc:  # reported by /readyz; the route answers 503
            self.moderation_error = f"{type(exc).__name__}: {exc}"
            log.warning("moderation classifier unavailable: %s", self.moderation_error)

    async def wait_ready(self) -> bool:
        """Wait for the background warmup (tests, benchmarks); True when detectors loaded."""
        if self._warm_task is not None:
            await asyncio.shield(self._warm_task)
        return self.ready

    async def aclose(self) -> None:
        if self._warm_task is not None and not self._warm_task.done():
            self._warm_task.cancel()
        await self.upstreams.aclose()
        for g in self.guards.values():
            await g.aclose()

    # --- per request ---------------------------------------------------------------------------

    def caller(self, headers: Mapping[str, str]) -> Caller:
        """Authenticate the bearer key (when tenants are configured) and name the request."""
        tenant: str | None = None
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        key = key or headers.get("x-api-key", "").strip()  # the anthropic client's header
        if self.config.tenants:
            tenant = self.config.tenant_for_key(key) if key else None
        if tenant is None and self.config.auth_required:
            raise SidecarError(401, "Missing or unknown API key." if key else
                               "Missing API key (Authorization: Bearer ...).",
                               type="invalid_request_error", code="invalid_api_key")
        request_id = headers.get("x-request-id") or f"req_{uuid.uuid4().hex}"
        return Caller(tenant, request_id[:128], headers)

    def guard_for(self, caller: Caller, *, model: str | None, route: str) -> Guard:
        return self.guards[self.config.policy_for(tenant=caller.tenant, model=model, route=route)]

    def context(self, caller: Caller, *, model: str | None, route: str,
                user: str | None = None, upstream: str | None = None,
                request_id: str | None = None) -> CheckContext:
        return CheckContext(tenant=caller.tenant, model=model, route=route, user=user,
                            request_id=request_id or caller.request_id, upstream=upstream)

    async def check(self, guard: Guard, messages: str | Sequence[Message | Mapping[str, Any]],
                    stage: Stage, context: CheckContext, *, record: bool = True,
                    facts: RequestFacts | None = None,
                    phase: InputPhase | None = None) -> Decision:
        """One guard check, timed and counted; ``record`` sends it to the audit trail;
        ``phase`` runs only the input rules of that phase (see :meth:`Guard.acheck`)."""
        started = time.perf_counter()
        decision = await guard.acheck(messages, stage=stage, context=context, record=record,
                                      facts=facts, phase=phase)
        self.metrics.check_seconds.labels(str(stage)).observe(time.perf_counter() - started)
        self.metrics.decisions.labels(str(stage), str(decision.action)).inc()
        return decision
