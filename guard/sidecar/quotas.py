"""Per-tenant limits: requests per minute and tokens per day, as ASGI middleware.

Limits come from ``tenants.<name>.limits`` of the pinned config (so a reload changes them).
Before the call, one request is taken from the minute's budget and the prompt's estimated
tokens (characters / 4 of every string in the request body) from the day's; either refused
gives a 429 envelope with ``Retry-After`` and OpenAI's ``x-ratelimit-*`` headers. After the
call, the estimate is corrected by the upstream's reported ``usage`` (chat, completions,
responses, embeddings and Anthropic shapes, streamed or not); when the upstream reports none,
the streamed text is estimated the same way. Windows are fixed (the minute, the UTC day).

Counters live in :mod:`guard.sidecar.quota_store`: shared by all replicas when the audit store
is PostgreSQL, per replica otherwise. A counter store that fails lets the request through
(limits are cost control, not a safety check) and says so in the log and in
``guard_sidecar_quota_errors``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from guard.sidecar.config import SidecarConfig, TenantLimits, hash_key
from guard.sidecar.errors import envelope
from guard.sidecar.exposure import bearer_key
from guard.sidecar.metrics import SidecarMetrics
from guard.sidecar.quota_store import MemoryQuotaStore, PostgresQuotaStore

log = logging.getLogger("guard.sidecar")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

MINUTE, DAY = 60, 86400
CHARS_PER_TOKEN = 4
_USAGE_FIELDS = ("total_tokens", "input_tokens", "output_tokens", "prompt_tokens",
                 "completion_tokens")
_RATE_HEADERS = (b"x-ratelimit-limit-requests", b"x-ratelimit-remaining-requests",
                 b"x-ratelimit-reset-requests", b"x-ratelimit-limit-tokens",
                 b"x-ratelimit-remaining-tokens", b"x-ratelimit-reset-tokens")


def estimate_tokens(chars: int) -> int:
    return max(1, math.ceil(chars / CHARS_PER_TOKEN)) if chars else 0


def _text_chars(node: Any, skip: frozenset[str] = frozenset({"model"})) -> int:
    if isinstance(node, str):
        return len(node)
    if isinstance(node, dict):
        return sum(_text_chars(v) for k, v in node.items() if k not in skip)
    if isinstance(node, list):
        return sum(_text_chars(v) for v in node)
    return 0


def _duration(seconds: float) -> str:
    """OpenAI's reset format: ``1s``, ``6m0s``, ``2h3m4s``."""
    s = max(1, math.ceil(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return (f"{h}h{m}m{sec}s" if h else f"{m}m{sec}s" if m else f"{sec}s")


class UsageMeter:
    """Collects ``usage`` objects (and, as a fallback, delta text) from a response body."""

    def __init__(self) -> None:
        self.usage: dict[str, int] = {}
        self.delta_chars = 0
        self._buffer = b""
        self._json = bytearray()
        self.sse = False

    def feed(self, chunk: bytes) -> None:
        if not self.sse:
            if len(self._json) < 64 * 1024 * 1024:
                self._json.extend(chunk)
            return
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"data:") and (b'"usage"' in line or b'"delta"' in line):
                try:
                    self._take(json.loads(line[5:]))
                except ValueError:
                    continue

    def finish(self) -> None:
        if not self.sse and self._json:
            try:
                self._take(json.loads(bytes(self._json)))
            except ValueError:
                pass
            self._json.clear()

    def _take(self, node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if key == "usage":
                for name in _USAGE_FIELDS:
                    value = node.get(name)
                    if isinstance(value, int) and value >= 0:
                        self.usage[name] = max(self.usage.get(name, 0), value)
                return
            if key == "delta":
                self.delta_chars += _text_chars(node)
                return
            for k, v in node.items():
                self._take(v, k)
        elif isinstance(node, list):
            for v in node:
                self._take(v, key if key == "usage" else "")
        elif isinstance(node, str) and key == "delta":
            self.delta_chars += len(node)

    def tokens(self) -> int | None:
        """Total tokens the upstream reported, or None when it reported none."""
        u = self.usage
        if "total_tokens" in u:
            return u["total_tokens"]
        prompt = max(u.get("input_tokens", 0), u.get("prompt_tokens", 0))
        output = max(u.get("output_tokens", 0), u.get("completion_tokens", 0))
        return prompt + output if u else None


@dataclass
class _Grant:
    scope: str
    tenant: str
    limits: TenantLimits
    headers: list[tuple[bytes, bytes]]
    token_window: int
    estimate: int


class QuotaMiddleware:
    """Enforces and accounts tenant limits on ``POST /v1/*`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, config: Callable[[], SidecarConfig],
                 store: MemoryQuotaStore | PostgresQuotaStore, metrics: SidecarMetrics) -> None:
        self.app = app
        self.config = config
        self.store = store
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or \
                not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        config = self.config()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        key = bearer_key(headers)
        tenant = config.tenant_for_key(key) if key and config.tenants else None
        limits = config.tenants[tenant].limits if tenant else None
        if tenant is None or limits is None or \
                (limits.requests_per_minute is None and limits.tokens_per_day is None):
            await self.app(scope, receive, send)
            return
        body, receive = await _buffer(receive)
        try:
            chars = _text_chars(json.loads(body)) if body else 0
        except ValueError:
            chars = 0  # the route answers the bad JSON with a 400
        scope_key = f"key:{tenant}:{hash_key(key)[7:23]}" if limits.per_key else \
            f"tenant:{tenant}"
        try:
            grant = await self._admit(scope_key, tenant, limits, estimate_tokens(chars), send)
        except Exception:
            self.metrics.quota_errors.inc()
            log.exception("quota store failed; request let through without a limit check")
            await self.app(scope, receive, send)
            return
        if grant is None:
            return
        await self._call(grant, scope, receive, send)

    async def _admit(self, scope_key: str, tenant: str, limits: TenantLimits, estimate: int,
                     send: Any) -> _Grant | None:
        now = time.time()
        minute, day = int(now // MINUTE) * MINUTE, int(now // DAY) * DAY
        headers: list[tuple[bytes, bytes]] = []
        rpm, tpd = limits.requests_per_minute, limits.tokens_per_day
        if rpm is not None:
            ok, used = await self.store.take(scope_key, "requests", minute, 1, rpm)
            reset = minute + MINUTE - now
            headers += [(b"x-ratelimit-limit-requests", str(rpm).encode()),
                        (b"x-ratelimit-remaining-requests", str(max(0, rpm - used)).encode()),
                        (b"x-ratelimit-reset-requests", _duration(reset).encode())]
            if not ok:
                await self._refuse(send, tenant, "requests", reset, headers,
                                   f"Rate limit reached for tenant '{tenant}': {rpm} requests "
                                   "per minute.")
                return None
        if tpd is not None:
            ok, used = await self.store.take(scope_key, "tokens", day, estimate, tpd)
            reset = day + DAY - now
            headers += [(b"x-ratelimit-limit-tokens", str(tpd).encode()),
                        (b"x-ratelimit-remaining-tokens", str(max(0, tpd - used)).encode()),
                        (b"x-ratelimit-reset-tokens", _duration(reset).encode())]
            if not ok:
                if rpm is not None:  # refused: give the request back to the minute
                    await self.store.add(scope_key, "requests", minute, -1)
                await self._refuse(send, tenant, "tokens", reset, headers,
                                   f"Token limit reached for tenant '{tenant}': {tpd} tokens per "
                                   f"day (this request needs about {estimate}).")
                return None
        self.metrics.quota_requests.labels(tenant).inc()
        return _Grant(scope_key, tenant, limits, headers, day, estimate)

    async def _refuse(self, send: Any, tenant: str, limit: str, reset_s: float,
                      headers: list[tuple[bytes, bytes]], message: str) -> None:
        self.metrics.quota_rejected.labels(tenant, limit).inc()
        body = json.dumps(envelope(message, type="rate_limit_error",
                                   code="rate_limit_exceeded")).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(reset_s))).encode()), *headers]})
        await send({"type": "http.response.body", "body": body})

    async def _call(self, grant: _Grant, scope: Scope, receive: Any, send: Any) -> None:
        meter = UsageMeter()
        status = 500

        async def metered_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in _RATE_HEADERS]
                meter.sse = any(k.lower() == b"content-type" and v.startswith(
                    b"text/event-stream") for k, v in kept)
                message = {**message, "headers": [*kept, *grant.headers]}
            elif message["type"] == "http.response.body":
                meter.feed(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, metered_send)
        finally:
            meter.finish()
            reported = meter.tokens()
            if reported is not None:
                actual = reported
            elif status >= 400:  # refused (blocked, invalid, upstream failed): nothing used
                actual = 0
            else:
                actual = grant.estimate + estimate_tokens(meter.delta_chars)
            self.metrics.quota_tokens.labels(grant.tenant).inc(actual)
            if grant.limits.tokens_per_day is not None and actual != grant.estimate:
                try:
                    await self.store.add(grant.scope, "tokens", grant.token_window,
                                         actual - grant.estimate)
                except Exception:
                    self.metrics.quota_errors.inc()
                    log.exception("quota store failed while recording usage")


async def _buffer(receive: Any) -> tuple[bytes, Any]:
    """Read the whole request body (already capped by the admission middleware) and return a
    ``receive`` that replays it, then passes through (disconnect detection keeps working)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # type: ignore[no-any-return]

    return body, replay
