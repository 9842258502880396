"""The console's shared state: config, authenticator, log reader, recorder, verify status.

One :class:`Console` per app. The reader is opened on first use (the sidecar's recorder may
be creating the log at that moment); the recorder is the sidecar's own when mounted there, so
reviews and decisions share one writer, or one the console owns when served on its own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard.audit import hmac_key_from_env
from guard.audit.chain import VerifyResult
from guard.audit.event import AuditEvent
from guard.audit.sinks import open_store, resolve_url
from guard.audit.sinks.base import redact_url
from guard.console.auth import Authenticator, load_secret
from guard.console.config import ConsoleConfig
from guard.console.store import Reader, open_reader
from guard.errors import ConfigError

log = logging.getLogger("guard.console")


@dataclass(slots=True)
class VerifyStatus:
    """The last full-chain verification started from the console."""

    running: bool = False
    started: float | None = None
    finished: float | None = None
    result: VerifyResult | None = None
    error: str | None = None


class Console:
    """Everything the console routes need (see module docstring)."""

    def __init__(
        self, config: ConsoleConfig, *, audit_url: str | None = None, recorder: Any = None,
        owns_recorder: bool = False, secret: bytes | None = None,
        hmac_key: bytes | None = None,
    ) -> None:
        if not config.can_log_in:
            raise ConfigError("console: no users and no admin keys configured, nobody could "
                              "log in (add console.users; see docs/console.md)")
        self.config = config
        self.audit_url = resolve_url(audit_url)
        self.auth = Authenticator(config, secret if secret is not None else load_secret(config))
        self.recorder = recorder
        self.owns_recorder = owns_recorder
        self.hmac_key = hmac_key if hmac_key is not None else hmac_key_from_env()
        self.verify_status = VerifyStatus()
        self._reader: Reader | None = None
        self._lock = threading.Lock()
        self._verified = threading.Event()
        self._overview_cache: dict[str, tuple[float, Any]] = {}

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start an owned recorder; a log this process may only read (an auditor's copy, a
        read-only database role) leaves the console read-only instead of failing."""
        if self.owns_recorder and self.recorder is not None:
            try:
                await self.recorder.start()
            except Exception as exc:
                log.warning("console: cannot write to %s (%s): reviews are disabled",
                            redact_url(self.audit_url), redact_url(str(exc)))
                self.recorder = None

    async def aclose(self) -> None:
        if self.owns_recorder and self.recorder is not None:
            await self.recorder.aclose()
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    @property
    def reader(self) -> Reader:
        with self._lock:
            if self._reader is None:
                self._reader = open_reader(self.audit_url)
            return self._reader

    # --- reviews ----------------------------------------------------------------------------

    @property
    def can_record(self) -> bool:
        return self.recorder is not None and hasattr(self.recorder, "submit")

    async def append(self, event: AuditEvent) -> None:
        """Append ``event`` to the chain through the recorder; returns once committed."""
        await self.recorder.submit(event, wait=True)

    # --- replay candidates ------------------------------------------------------------------

    def candidate_policies(self) -> list[str]:
        """Policy files directly inside the allow-listed directory (never another path)."""
        if not self.config.policies_dir:
            return []
        root = Path(self.config.policies_dir)
        if not root.is_dir():
            return []
        return sorted(p.name for p in root.iterdir()
                      if p.is_file() and p.suffix in (".yaml", ".yml")
                      and not p.name.endswith((".cases.yaml", ".cases.yml")))

    def candidate_path(self, name: str) -> Path | None:
        """The path of candidate ``name`` if it is one of :meth:`candidate_policies`."""
        if name not in self.candidate_policies():
            return None
        assert self.config.policies_dir is not None
        root = Path(self.config.policies_dir).resolve()
        path = (root / name).resolve()
        return path if path.parent == root else None  # a symlink out of the directory: no

    # --- full verification ------------------------------------------------------------------

    def start_verify(self) -> bool:
        """Verify the whole chain in a background thread; False if one is already running."""
        status = self.verify_status
        with self._lock:
            if status.running:
                return False
            status.running, status.started, status.error = True, time.time(), None
            self._verified.clear()
        threading.Thread(target=self._verify, name="guard-console-verify", daemon=True).start()
        return True

    def _verify(self) -> None:
        status = self.verify_status
        try:
            with open_store(self.audit_url) as store:
                status.result = store.verify_chain(self.hmac_key)
        except Exception as exc:  # a broken store is a result to show, not a crash
            status.error = f"{type(exc).__name__}: {redact_url(str(exc))}"
        finally:
            status.finished = time.time()
            status.running = False
            self._verified.set()

    async def wait_verify(self, seconds: float) -> None:
        """Wait up to ``seconds`` for a running verification (small logs finish at once)."""
        await asyncio.to_thread(self._verified.wait, seconds)

    def cached(self, key: str, ttl_s: float, compute: Any) -> Any:
        hit = self._overview_cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < ttl_s:
            return hit[1]
        value = compute()
        self._overview_cache[key] = (now, value)
        return value
