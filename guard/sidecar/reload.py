"""Hot reload of the sidecar config and its policies (SIGHUP or ``POST /admin/reload``).

A reload is validate-then-swap: the config is read again from its source, every policy it
names is loaded and its detectors warmed, and only then is a new
:class:`~guard.sidecar.snapshot.Snapshot` made current. Any error (bad YAML, unknown field, a
policy naming an unknown detector, an exposure the startup check would refuse) leaves the
running version untouched and is reported with its file, line and field. Requests in flight
finish on the version they started with.

What a reload changes: policies (content and routing), tenants and their keys and limits, the
admin keys, and the per-request server settings (stream windows, moderation threshold). What
needs a restart, because sockets, pools and the audit store are built once: ``upstreams``,
``audit_url`` and ``server.host/port/max_in_flight/max_body_bytes/retry_after_s/
shutdown_grace_s``. Changes to those are kept at their running value and listed in the result
as ``restart_required``.

Every attempt, successful or not, is an audit event (stage ``reload``) with the old and new
policy hashes, sent through the app's recorder, and is counted in ``guard_sidecar_reloads``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from guard.detectors.base import run_sync
from guard.errors import ConfigError, GuardError, PolicyError
from guard.guard import Guard
from guard.sidecar.config import SidecarConfig
from guard.sidecar.errors import SidecarError
from guard.sidecar.exposure import check_exposure
from guard.sidecar.snapshot import Snapshot
from guard.sidecar.state import SidecarState

log = logging.getLogger("guard.sidecar")

ConfigSource = Callable[[], SidecarConfig]
RESTART_ONLY_SERVER = ("host", "port", "max_in_flight", "max_body_bytes", "retry_after_s",
                       "shutdown_grace_s")


class ReloadFailed(SidecarError):
    """The new config or a policy is invalid; the running version stays (422 envelope)."""

    def __init__(self, error: GuardError) -> None:
        extra: dict[str, Any] = {}
        if isinstance(error, PolicyError):
            extra = {"file": error.file, "line": error.line, "field": error.field}
        super().__init__(422, f"Reload refused, still serving the previous version: {error}",
                         code="invalid_config", extra=extra)
        self.error = error


@dataclass(frozen=True)
class ReloadResult:
    version: int
    trigger: str
    policies: dict[str, dict[str, str | None]]
    config_hash: dict[str, str]
    restart_required: tuple[str, ...] = ()
    changed: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": "reloaded", "version": self.version, "trigger": self.trigger,
                "changed": self.changed, "policies": self.policies,
                "config_hash": self.config_hash, "restart_required": list(self.restart_required)}


class Reloader:
    """Builds and swaps snapshots for one :class:`SidecarState` (one reload at a time)."""

    def __init__(self, state: SidecarState, source: ConfigSource | None = None) -> None:
        self.state = state
        self.source = source
        self._lock = asyncio.Lock()

    async def reload(self, trigger: str, *, request_id: str | None = None) -> ReloadResult:
        """Reload now; raises :class:`ReloadFailed` (old version kept) on any invalid input."""
        async with self._lock:
            old = self.state.snapshot
            try:
                try:
                    snapshot, restart = await self._build(old)
                except GuardError:
                    raise
                except Exception as exc:  # unreadable file, a loader bug: still a refusal
                    raise ConfigError(f"{type(exc).__name__}: {exc}") from exc
            except GuardError as exc:
                self.state.metrics.reloads.labels("failed", trigger).inc()
                log.error("reload (%s) refused, still serving version %d: %s", trigger,
                          old.version, exc)
                await self._audit(trigger, request_id, old, None, error=str(exc))
                raise ReloadFailed(exc) from None
            self.state.swap(snapshot)
            self.state.metrics.reloads.labels("ok", trigger).inc()
            self.state.metrics.config_version.set(snapshot.version)
            old_hashes, new_hashes = old.policy_hashes(), snapshot.policy_hashes()
            policies = {p: {"old": old_hashes.get(p), "new": new_hashes.get(p)}
                        for p in dict.fromkeys([*old_hashes, *new_hashes])}
            result = ReloadResult(
                version=snapshot.version, trigger=trigger, policies=policies,
                config_hash={"old": old.config_hash, "new": snapshot.config_hash},
                restart_required=restart,
                changed=old_hashes != new_hashes or old.config_hash != snapshot.config_hash)
            log.info("reload (%s): now serving version %d (%s)%s", trigger, snapshot.version,
                     "changed" if result.changed else "unchanged",
                     f"; restart needed for {', '.join(restart)}" if restart else "")
            await self._audit(trigger, request_id, old, snapshot, result=result)
            return result

    async def _build(self, old: Snapshot) -> tuple[Snapshot, tuple[str, ...]]:
        fresh = await run_sync(self.source) if self.source is not None else old.config
        config, restart = _keep_restart_only(old.config, fresh)
        check_exposure(config)
        guards: dict[str, Guard] = {}
        for path in config.policy_files():
            guard = await run_sync(self.state._load, path)
            previous = old.guards.get(path)
            if previous is not None and previous.policy.hash == guard.policy.hash:
                guard = previous  # unchanged: keep the warmed instance
            guards[path] = guard
        try:
            await asyncio.gather(*(g.warmup() for g in guards.values()))
        except Exception as exc:  # a detector that cannot load must not go live
            raise ConfigError(f"detector warmup failed: {type(exc).__name__}: {exc}") from exc
        return Snapshot(config, guards, version=old.version + 1), restart

    async def _audit(self, trigger: str, request_id: str | None, old: Snapshot,
                     new: Snapshot | None, *, result: ReloadResult | None = None,
                     error: str | None = None) -> None:
        recorder = self.state.recorder
        submit = getattr(recorder, "submit", None)
        if submit is None:  # a bare DecisionRecorder has no way to take non-decision events
            log.info("reload not audited: the recorder takes decisions only")
            return
        from guard.audit.event import AuditEvent

        shown = new or old
        default = shown.guards.get(shown.config.policy)
        policy = default.policy if default is not None else None
        details: dict[str, Any] = {
            "trigger": trigger, "ok": error is None, "version": shown.version,
            "policies": result.policies if result else {
                p: {"old": h, "new": None} for p, h in old.policy_hashes().items()},
            "config_hash": result.config_hash if result else {"old": old.config_hash,
                                                              "new": None},
        }
        if result is not None and result.restart_required:
            details["restart_required"] = list(result.restart_required)
        if error is not None:
            details["error"] = error[:2000]
        event = AuditEvent(
            decision_id=f"reload_{uuid.uuid4().hex}", ts=datetime.now(UTC),
            request_id=request_id, route="/admin/reload" if trigger == "admin" else None,
            stage="reload", action="reload" if error is None else "reload_failed",
            policy_name=policy.name if policy else "", policy_version=policy.version if policy
            else 0, policy_hash=policy.hash if policy else "", reload=details)
        try:
            await submit(event)
        except Exception:  # the reload itself stands; the gap is logged loudly
            log.exception("reload audit event could not be recorded")


def _keep_restart_only(running: SidecarConfig, fresh: SidecarConfig
                       ) -> tuple[SidecarConfig, tuple[str, ...]]:
    """``fresh`` with the fields that need a restart set back to their running values."""
    changed: list[str] = []
    if fresh.upstreams != running.upstreams:
        changed.append("upstreams")
    if fresh.audit_url != running.audit_url:
        changed.append("audit_url")
    server_update: dict[str, Any] = {}
    for name in RESTART_ONLY_SERVER:
        if getattr(fresh.server, name) != getattr(running.server, name):
            changed.append(f"server.{name}")
            server_update[name] = getattr(running.server, name)
    config = fresh.model_copy(update={
        "upstreams": running.upstreams, "audit_url": running.audit_url,
        "server": fresh.server.model_copy(update=server_update)})
    return config, tuple(changed)


def install_sighup(reloader: Reloader) -> bool:
    """Reload on SIGHUP; False where signals cannot be handled (not the main thread)."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def run() -> None:
        try:
            await reloader.reload("sighup")
        except ReloadFailed:
            pass  # logged, counted and audited by reload()

    def on_hup() -> None:
        task = loop.create_task(run(), name="guard-reload")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        log.warning("SIGHUP reload unavailable here; use POST /admin/reload")
        return False
    log.info("reload on SIGHUP enabled (pid %d)", os.getpid())
    return True
