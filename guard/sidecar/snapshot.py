"""One immutable version of what a reload can change: the config and the guards built from it.

A reload builds a whole new :class:`Snapshot` and swaps it in with one assignment, so a request
never sees half of a reload. Each request pins the snapshot current when it arrived
(:class:`SnapshotMiddleware` sets a context variable that every task the request spawns
inherits), and finishes on it even if a reload lands meanwhile: ``SidecarState.config`` and
``SidecarState.guards`` read the pinned snapshot.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from guard.guard import Guard
from guard.sidecar.config import SidecarConfig

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


@dataclass(eq=False)
class Snapshot:
    """Config + guards of one version (``version`` 1 at start, +1 per successful reload)."""

    config: SidecarConfig
    guards: Mapping[str, Guard]
    version: int = 1
    loaded_at: float = field(default_factory=time.time)

    @property
    def config_hash(self) -> str:
        """SHA-256 of the validated config (what changed, not how the file is formatted)."""
        text = json.dumps(self.config.model_dump(mode="json"), sort_keys=True)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def policy_hashes(self) -> dict[str, str]:
        return {path: g.policy.hash for path, g in self.guards.items()}


pinned: ContextVar[Snapshot | None] = ContextVar("guard_sidecar_snapshot", default=None)


class SnapshotMiddleware:
    """Pin the current snapshot for the whole request (streams included)."""

    def __init__(self, app: ASGIApp, *, current: Callable[[], Snapshot]) -> None:
        self.app = app
        self.current = current

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = pinned.set(self.current())
        try:
            await self.app(scope, receive, send)
        finally:
            pinned.reset(token)
