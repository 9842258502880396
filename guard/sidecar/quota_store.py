"""Counters behind the per-tenant limits: in memory (one replica) or in PostgreSQL (shared).

Each counter is ``(scope, kind, window)`` → value, where ``window`` is the start of a fixed
window in epoch seconds (the minute for requests, the UTC day for tokens). ``take`` adds only
if the result stays within the limit, atomically, so two replicas racing for the last request
of a minute cannot both get it: PostgreSQL does it in one ``INSERT ... ON CONFLICT DO UPDATE
... WHERE`` statement.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

KEEP_WINDOWS_S = 2 * 86400  # counters older than this are deleted


class QuotaStore(Protocol):
    async def take(self, scope: str, kind: str, window: int, amount: int, limit: int
                   ) -> tuple[bool, int]:
        """Add ``amount`` if the total stays <= ``limit``: (taken, total after)."""
        ...

    async def add(self, scope: str, kind: str, window: int, amount: int) -> int:
        """Add ``amount`` (may be negative, a correction) unconditionally; the new total."""
        ...

    async def aclose(self) -> None: ...


class MemoryQuotaStore:
    """Per-process counters (replicas do not share them)."""

    shared = False

    def __init__(self) -> None:
        self._values: dict[tuple[str, str, int], int] = {}
        self._pruned = time.time()

    async def take(self, scope: str, kind: str, window: int, amount: int, limit: int
                   ) -> tuple[bool, int]:
        self._prune()
        key = (scope, kind, window)
        value = self._values.get(key, 0)
        if value + amount > limit:
            return False, value
        self._values[key] = value + amount
        return True, value + amount

    async def add(self, scope: str, kind: str, window: int, amount: int) -> int:
        key = (scope, kind, window)
        self._values[key] = self._values.get(key, 0) + amount
        return self._values[key]

    def _prune(self) -> None:
        now = time.time()
        if now - self._pruned < 60:
            return
        self._pruned = now
        for key in [k for k in self._values if k[2] < now - KEEP_WINDOWS_S]:
            del self._values[key]

    async def aclose(self) -> None:
        self._values.clear()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS guard_quota_counters (
    scope TEXT NOT NULL, kind TEXT NOT NULL, window_start BIGINT NOT NULL,
    value BIGINT NOT NULL, PRIMARY KEY (scope, kind, window_start)
)
"""
_TAKE = """
INSERT INTO guard_quota_counters AS c (scope, kind, window_start, value)
VALUES (%(scope)s, %(kind)s, %(window)s, %(amount)s)
ON CONFLICT (scope, kind, window_start)
DO UPDATE SET value = c.value + EXCLUDED.value WHERE c.value + EXCLUDED.value <= %(limit)s
RETURNING value
"""
_ADD = """
INSERT INTO guard_quota_counters AS c (scope, kind, window_start, value)
VALUES (%(scope)s, %(kind)s, %(window)s, %(amount)s)
ON CONFLICT (scope, kind, window_start) DO UPDATE SET value = c.value + EXCLUDED.value
RETURNING value
"""
_SCHEMA_LOCK = 0x67756172640001  # "guard" + 1 (the audit schema uses "guard")


class PostgresQuotaStore:
    """Counters in the audit database, shared by every replica (psycopg 3, async)."""

    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self._pruned = 0.0

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                await conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    async def _one(self, sql: str, params: dict[str, Any]) -> int | None:
        async with self._lock:
            conn = await self._connection()
            now = time.time()
            if now - self._pruned > 3600:
                self._pruned = now
                await conn.execute("DELETE FROM guard_quota_counters WHERE window_start < %s",
                                   (int(now) - KEEP_WINDOWS_S,))
            cur = await conn.execute(sql, params)
            row = await cur.fetchone()
            return None if row is None else int(row[0])

    async def take(self, scope: str, kind: str, window: int, amount: int, limit: int
                   ) -> tuple[bool, int]:
        if amount > limit:
            return False, await self.add(scope, kind, window, 0)
        value = await self._one(_TAKE, {"scope": scope, "kind": kind, "window": window,
                                        "amount": amount, "limit": limit})
        if value is None:  # the WHERE refused the update: over the limit
            return False, await self.add(scope, kind, window, 0)
        return True, value

    async def add(self, scope: str, kind: str, window: int, amount: int) -> int:
        value = await self._one(_ADD, {"scope": scope, "kind": kind, "window": window,
                                       "amount": amount})
        assert value is not None
        return value

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def open_quota_store(audit_url: str | None) -> MemoryQuotaStore | PostgresQuotaStore:
    """Shared counters when the audit store is PostgreSQL, else per-process ones."""
    if audit_url and audit_url.startswith(("postgresql://", "postgres://")):
        return PostgresQuotaStore(audit_url)
    return MemoryQuotaStore()
