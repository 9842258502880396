"""Calls to OpenAI-compatible upstreams through one shared, pooled ``httpx.AsyncClient``.

One client for the whole process keeps TCP/TLS connections warm (a fresh client per request
costs a handshake each time, which is most of the sidecar's latency budget). Failures are
translated here, once, into :class:`~guard.sidecar.errors.UpstreamFailure`: 504 for a
timeout, 502 for everything else, so the routes never see an ``httpx`` exception.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from guard.sidecar.config import SidecarConfig, UpstreamConfig
from guard.sidecar.echo import ECHO_BASE_URL, ECHO_MODELS, echo_app
from guard.sidecar.errors import SidecarError, UpstreamFailure
from guard.sidecar.jsonutil import dumps

# Client headers that describe the client-sidecar hop or carry the client's own credentials;
# everything else (x-stainless-*, user-agent, openai-*) is passed on.
_HOP_HEADERS = frozenset({
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade",
    "te", "trailer", "proxy-authorization", "authorization", "accept-encoding", "cookie",
    "x-api-key", "api-key",
})
_FORWARD_PREFIXES = ("x-stainless-", "openai-", "user-agent", "x-request-id", "traceparent",
                     "tracestate")


@dataclass(frozen=True, slots=True)
class Target:
    """Where one model's requests go."""

    name: str
    config: UpstreamConfig

    @property
    def is_echo(self) -> bool:
        return self.config.base_url == ECHO_BASE_URL


class Upstreams:
    """Model-name routing plus the HTTP calls; owns (or borrows) the shared client."""

    def __init__(self, config: SidecarConfig, *, client: httpx.AsyncClient | None = None,
                 max_connections: int = 256) -> None:
        upstreams = dict(config.upstreams)
        self.echo = not upstreams
        if self.echo:
            upstreams = {"echo": UpstreamConfig(base_url=ECHO_BASE_URL, models=("*",))}
        self.targets = [Target(name, cfg) for name, cfg in upstreams.items()]
        # With tenants, the client's bearer key is a *Guard* key: never pass it upstream.
        self._may_forward_auth = not config.tenants
        self._own_client = client is None
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        self.client = client or httpx.AsyncClient(limits=limits, timeout=None)
        self._echo_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=echo_app), base_url=ECHO_BASE_URL)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()
        await self._echo_client.aclose()

    def resolve(self, model: str) -> Target:
        for target in self.targets:
            if target.config.serves(model):
                return target
        raise SidecarError(404, f"The model '{model}' does not exist or is not served here.",
                           code="model_not_found", param="model")

    def _client_for(self, target: Target) -> httpx.AsyncClient:
        return self._echo_client if target.is_echo else self.client

    def _headers(self, target: Target, incoming: Mapping[str, str]) -> dict[str, str]:
        headers = {k: v for k, v in incoming.items()
                   if k.lower() not in _HOP_HEADERS and k.lower().startswith(_FORWARD_PREFIXES)}
        key = target.config.api_key()
        if key:
            headers["authorization"] = f"Bearer {key}"
        elif (target.config.forward_client_auth and self._may_forward_auth
              and "authorization" in incoming):
            headers["authorization"] = incoming["authorization"]
        headers.update(target.config.headers)
        headers["content-type"] = "application/json"
        return headers

    def _timeout(self, target: Target) -> httpx.Timeout:
        cfg = target.config
        return httpx.Timeout(cfg.timeout_s, connect=cfg.connect_timeout_s)

    def _url(self, target: Target, path: str) -> str:
        return f"{target.config.base_url}{path}"

    async def chat(self, target: Target, body: Mapping[str, Any],
                   headers: Mapping[str, str]) -> dict[str, Any]:
        """Non-stream completion; returns the upstream's JSON, or raises UpstreamFailure."""
        client = self._client_for(target)
        try:
            resp = await client.post(self._url(target, "/chat/completions"),
                                     content=dumps(body),
                                     headers=self._headers(target, headers),
                                     timeout=self._timeout(target))
        except httpx.HTTPError as exc:
            raise _transport_failure(target, exc) from exc
        if resp.status_code >= 400:
            raise _status_failure(target, resp.status_code, resp.content)
        try:
            data = resp.json()
        except ValueError as exc:
            raise UpstreamFailure(502, f"Upstream '{target.name}' returned invalid JSON.",
                                  code="upstream_bad_response",
                                  upstream_status=resp.status_code) from exc
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise UpstreamFailure(502, f"Upstream '{target.name}' returned no choices.",
                                  code="upstream_bad_response",
                                  upstream_status=resp.status_code)
        return data

    @asynccontextmanager
    async def stream(self, target: Target, body: Mapping[str, Any],
                     headers: Mapping[str, str]) -> AsyncIterator[AsyncIterator[list[Event]]]:
        """Open a streamed completion; yields an iterator of batches of SSE events.

        Errors before the first byte raise UpstreamFailure (the route can still answer with
        a status code); errors mid-stream raise UpstreamFailure from the iterator.
        """
        client = self._client_for(target)
        request = client.build_request(
            "POST", self._url(target, "/chat/completions"), content=dumps(body),
            headers=self._headers(target, headers), timeout=self._timeout(target))
        try:
            resp = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _transport_failure(target, exc) from exc
        try:
            if resp.status_code >= 400:
                raw = await _read_capped(resp)
                raise _status_failure(target, resp.status_code, raw)
            yield _events(target, resp)
        finally:
            await resp.aclose()

    async def list_models(self, wait_s: float = 3.0) -> list[dict[str, Any]]:
        """Union of every upstream's ``/models`` (plus explicitly configured model names)."""
        results = await asyncio.gather(*(self._models(t, wait_s) for t in self.targets))
        seen: dict[str, dict[str, Any]] = {}
        for target, models in zip(self.targets, results, strict=True):
            for card in models:
                seen.setdefault(card["id"], card)
            for pattern in target.config.models:
                if not any(c in pattern for c in "*?["):
                    seen.setdefault(pattern, {"id": pattern, "object": "model", "created": 0,
                                              "owned_by": target.name})
        return list(seen.values())

    async def _models(self, target: Target, wait_s: float) -> list[dict[str, Any]]:
        if target.is_echo:
            return [{"id": m, "object": "model", "created": 0, "owned_by": "guard-echo"}
                    for m in ECHO_MODELS]
        try:
            resp = await self.client.get(self._url(target, "/models"), timeout=wait_s,
                                         headers=self._headers(target, {}))
            data = resp.json().get("data", []) if resp.status_code == 200 else []
        except (httpx.HTTPError, ValueError, AttributeError):
            return []
        return [dict(c, owned_by=c.get("owned_by", target.name)) for c in data
                if isinstance(c, dict) and isinstance(c.get("id"), str)]

    async def probe(self, wait_s: float = 2.0) -> dict[str, Any]:
        """Reachability of every upstream (any HTTP answer counts as reachable)."""
        async def one(target: Target) -> tuple[str, dict[str, Any]]:
            if target.is_echo:
                return target.name, {"reachable": True, "kind": "echo (built-in)"}
            started = time.perf_counter()
            try:
                resp = await self.client.get(self._url(target, "/models"), timeout=wait_s,
                                             headers=self._headers(target, {}))
            except httpx.HTTPError as exc:
                return target.name, {"reachable": False, "error": type(exc).__name__}
            return target.name, {"reachable": True, "status": resp.status_code,
                                 "latency_ms": round((time.perf_counter() - started) * 1e3, 1)}
        return dict(await asyncio.gather(*(one(t) for t in self.targets)))


@dataclass(frozen=True, slots=True)
class Event:
    """One upstream SSE ``data`` event: parsed, and as the raw line for cheap relaying."""

    data: dict[str, Any]
    raw: bytes


async def _events(target: Target, resp: httpx.Response) -> AsyncIterator[list[Event]]:
    """Parse the upstream's SSE stream into batches of events, one batch per network read.

    Batching matters when the upstream bursts (hundreds of small chunks in one read): the
    relay then does one send per read instead of one per token. Stops at ``[DONE]``.
    """
    saw_done = False
    buffer = b""
    try:
        async for raw in resp.aiter_bytes():
            buffer += raw
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            batch: list[Event] = []
            for line in lines:
                line = line.rstrip(b"\r")
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    saw_done = True
                    break
                try:
                    obj = json.loads(data)
                except ValueError as exc:
                    raise UpstreamFailure(
                        502, f"Upstream '{target.name}' sent a malformed chunk.",
                        code="upstream_bad_response") from exc
                if isinstance(obj, dict) and "error" in obj:
                    raise UpstreamFailure(502, f"Upstream '{target.name}' failed mid-stream.",
                                          upstream_status=resp.status_code)
                if isinstance(obj, dict):
                    batch.append(Event(obj, b"data: " + data + b"\n\n"))
            if batch:
                yield batch
            if saw_done:
                break
    except httpx.TimeoutException as exc:
        raise UpstreamFailure(504, f"Upstream '{target.name}' timed out mid-stream.",
                              code="upstream_timeout") from exc
    except httpx.HTTPError as exc:
        raise UpstreamFailure(502, f"Upstream '{target.name}' dropped the stream: "
                              f"{type(exc).__name__}.") from exc
    if not saw_done:
        # A stream that ends without [DONE] may be cut short; say so rather than pretend.
        raise UpstreamFailure(502, f"Upstream '{target.name}' ended the stream early.")


async def _read_capped(resp: httpx.Response, cap: int = 64 * 1024) -> bytes:
    out = b""
    async for chunk in resp.aiter_bytes():
        out += chunk
        if len(out) >= cap:
            break
    return out


def _transport_failure(target: Target, exc: httpx.HTTPError) -> UpstreamFailure:
    """A connection-level failure: 504 for a timeout, 502 for anything else."""
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamFailure(504, f"Upstream '{target.name}' timed out.",
                               code="upstream_timeout")
    return UpstreamFailure(502, f"Upstream '{target.name}' failed: {type(exc).__name__}.")


def _status_failure(target: Target, status: int, raw: bytes) -> SidecarError:
    """Upstream 4xx keeps its status and message (the client's fault); 5xx becomes 502."""
    message = f"Upstream '{target.name}' answered HTTP {status}."
    upstream_error: dict[str, Any] = {}
    try:
        body = json.loads(raw)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            upstream_error = body["error"]
    except ValueError:
        pass
    if 400 <= status < 500 and status not in (401, 403, 408, 429):
        return SidecarError(status, str(upstream_error.get("message") or message),
                            type=str(upstream_error.get("type") or "invalid_request_error"),
                            code=_opt(upstream_error.get("code")),
                            param=_opt(upstream_error.get("param")))
    code = "upstream_timeout" if status == 408 else "upstream_error"
    return UpstreamFailure(504 if status == 408 else 502, message, code=code,
                           upstream_status=status)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
