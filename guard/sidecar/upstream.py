"""Calls to the upstream model APIs through one shared, pooled ``httpx.AsyncClient``.

One client for the whole process keeps TCP/TLS connections warm (a fresh client per request
costs a handshake each time, which is most of the sidecar's latency budget). A model resolves
to a :class:`Target`: an upstream group (several members, failover) or a single upstream (a
group of one). Each request tries members in the group's order (priority, or drawn by weight)
and moves on after a connect error, a connection dropped before the answer, 429 or 5xx, as
long as nothing has reached the client (streams: until the first chunk has arrived), within
``max_attempts`` and ``deadline_s``; a circuit breaker per upstream skips members that keep
failing. Failures are translated here, once, into
:class:`~guard.sidecar.errors.UpstreamFailure` (504 timeout, 502 otherwise, 429 passed on
with its rate-limit headers), so the routes never see an ``httpx`` exception.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import json
import logging
import random
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from guard.errors import ConfigError
from guard.sidecar.config import SidecarConfig, UpstreamConfig
from guard.sidecar.echo import ECHO_BASE_URL, ECHO_MODELS, echo_app
from guard.sidecar.errors import SidecarError, UpstreamFailure
from guard.sidecar.jsonutil import dumps, may_hold_surrogate, scrub
from guard.sidecar.metrics import SidecarMetrics
from guard.sidecar.upstreams.breaker import Breaker, BreakerState
from guard.sidecar.upstreams.relay import relayed
from guard.sidecar.upstreams.styles import (
    auth_headers,
    bearer,
    endpoint_url,
    lists_models,
    models_url,
)
from guard.telemetry import UPSTREAM_END
from guard.types import RequestFacts

# Client headers that describe the client-sidecar hop or carry the client's own credentials;
# everything else (x-stainless-*, user-agent, openai-*) is passed on.
_HOP_HEADERS = frozenset({
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade",
    "te", "trailer", "proxy-authorization", "authorization", "accept-encoding", "cookie",
    "x-api-key", "api-key",
})
_FORWARD_PREFIXES = ("x-stainless-", "openai-", "anthropic-", "user-agent", "x-request-id",
                     "traceparent", "tracestate")
ANTHROPIC_VERSION = "2023-06-01"
_T = TypeVar("_T")
# Event types that end a stream of the Responses and Anthropic APIs (they send no [DONE]).
_FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed",
                           "message_stop"})
log = logging.getLogger("guard.sidecar.upstream")


@dataclass(frozen=True, slots=True)
class Member:
    """One upstream as a member of a target, with its (shared) circuit breaker."""

    name: str
    config: UpstreamConfig
    breaker: Breaker
    weight: float = 1.0

    @property
    def is_echo(self) -> bool:
        return self.config.base_url == ECHO_BASE_URL


@dataclass(frozen=True, slots=True)
class Target:
    """Where one model's requests go: an upstream group, or one upstream (a group of one)."""

    name: str
    members: tuple[Member, ...]
    models: tuple[str, ...]
    strategy: str = "priority"
    max_attempts: int = 1
    deadline_s: float = 3600.0
    is_group: bool = False

    @property
    def label(self) -> str:
        """What the audit's ``upstream`` says before a member answered."""
        return f"group:{self.name}" if self.is_group else self.members[0].config.base_url

    @property
    def is_echo(self) -> bool:
        return any(m.is_echo for m in self.members)

    def serves(self, model: str) -> bool:
        return (any(fnmatch.fnmatchcase(model, p) for p in self.models)
                or any(model in m.config.aliases for m in self.members))

    def order(self, rng: random.Random) -> list[Member]:
        """Members in the order to try: as configured, or a random order drawn by weight
        (Efraimidis-Spirakis: sort by ``u ** (1 / weight)``)."""
        if self.strategy != "weighted":
            return list(self.members)
        return sorted(self.members, key=lambda m: rng.random() ** (1.0 / m.weight),
                      reverse=True)


@dataclass(slots=True)
class UpstreamReply:
    """A non-stream answer: the JSON, the headers to relay, the facts for the audit."""

    data: dict[str, Any]
    headers: dict[str, str]
    facts: RequestFacts


class _AttemptFailed(Exception):
    """One member's try failed: the error to give if it is the last, and what to do next."""

    def __init__(self, error: SidecarError, *, outcome: str, retryable: bool,
                 member_fault: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.outcome = outcome
        self.retryable = retryable
        self.member_fault = member_fault


@dataclass(slots=True)
class _Opened:
    """A stream whose first batch of events has arrived."""

    response: httpx.Response
    events: AsyncIterator[list[Event]]
    first: list[Event]
    headers: dict[str, str]


class Upstreams:
    """Model-name routing, failover and the HTTP calls; owns (or borrows) the shared client."""

    def __init__(self, config: SidecarConfig, *, client: httpx.AsyncClient | None = None,
                 max_connections: int = 256, rng: random.Random | None = None) -> None:
        upstreams = dict(config.upstreams)
        self.echo = not upstreams
        if self.echo:
            upstreams = {"echo": UpstreamConfig(base_url=ECHO_BASE_URL, models=("*",))}
        self.metrics: SidecarMetrics | None = None
        self.breakers = {name: Breaker(cfg.breaker, on_change=self._breaker_changed(name))
                         for name, cfg in upstreams.items()}
        self.members = {name: Member(name, cfg, self.breakers[name])
                        for name, cfg in upstreams.items()}
        in_groups = {m.upstream for g in config.upstream_groups.values() for m in g.members}
        self.targets = [
            Target(name, tuple(Member(m.upstream, upstreams[m.upstream],
                                      self.breakers[m.upstream], m.weight)
                               for m in group.members),
                   group.models, group.strategy, group.attempts, group.deadline_s,
                   is_group=True)
            for name, group in config.upstream_groups.items()
        ] + [Target(name, (member,), member.config.models)
             for name, member in self.members.items() if name not in in_groups]
        self._rng = rng or random.Random()
        # With tenants, the client's bearer key is a *Guard* key: never pass it upstream.
        self._may_forward_auth = not config.tenants
        self._own_client = client is None
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        transport: httpx.AsyncBaseTransport | None = None
        if client is None and config.server.http_client == "aiohttp":
            try:
                from guard.sidecar.upstreams.aiohttp_transport import AiohttpTransport
            except ImportError as exc:
                raise ConfigError("server.http_client: aiohttp (the default) needs the aiohttp "
                                  "package: install it, or set server.http_client: httpx"
                                  ) from exc
            transport = AiohttpTransport(max_connections=max_connections)
        # With the aiohttp transport, proxies from the environment are aiohttp's to apply
        # (httpx would route proxied URLs around the transport).
        self.client = client or httpx.AsyncClient(limits=limits, timeout=None,
                                                  transport=transport,
                                                  trust_env=transport is None)
        self._echo_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=echo_app), base_url=ECHO_BASE_URL)

    def attach_metrics(self, metrics: SidecarMetrics) -> None:
        """Report attempts, failovers and breaker states on ``metrics`` from now on."""
        self.metrics = metrics
        for name, breaker in self.breakers.items():
            metrics.upstream_breaker_state.labels(name).set(int(breaker.state))

    def _breaker_changed(self, name: str) -> Callable[[BreakerState], None]:
        def changed(state: BreakerState) -> None:
            if self.metrics is not None:
                self.metrics.upstream_breaker_state.labels(name).set(int(state))
                self.metrics.upstream_breaker_transitions.labels(name, str(state)).inc()
        return changed

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()
        await self._echo_client.aclose()

    def resolve(self, model: str) -> Target:
        for target in self.targets:
            if target.serves(model):
                return target
        raise SidecarError(404, f"The model '{model}' does not exist or is not served here.",
                           code="model_not_found", param="model")

    def _client_for(self, member: Member) -> httpx.AsyncClient:
        return self._echo_client if member.is_echo else self.client

    def _headers(self, member: Member, incoming: Mapping[str, str]) -> dict[str, str]:
        headers = {k: v for k, v in incoming.items()
                   if k.lower() not in _HOP_HEADERS and k.lower().startswith(_FORWARD_PREFIXES)}
        cfg = member.config
        key = cfg.api_key()
        if not key and cfg.forward_client_auth and self._may_forward_auth:
            key = bearer(incoming) or incoming.get("x-api-key")
        headers.update(auth_headers(cfg, key))
        if cfg.style == "anthropic":
            headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
        headers.update(cfg.headers)
        headers["content-type"] = "application/json"
        return headers

    def _timeout(self, member: Member) -> httpx.Timeout:
        cfg = member.config
        return httpx.Timeout(cfg.timeout_s, connect=cfg.connect_timeout_s)

    # --- failover --------------------------------------------------------------------------

    def _plan(self, target: Target) -> Iterator[Member]:
        """Members to try, in order, cycling, skipping open breakers, at most max_attempts."""
        order = target.order(self._rng)
        given = 0
        for member in itertools.islice(itertools.cycle(order),
                                       len(order) * target.max_attempts):
            if given >= target.max_attempts:
                return
            if member.breaker.allow():
                given += 1
                yield member

    def _count(self, target: Target, member: Member, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.upstream_attempts.labels(target.name, member.name, outcome).inc()

    async def _failover(self, target: Target, body: Mapping[str, Any],
                        headers: Mapping[str, str],
                        once: Callable[[Member, dict[str, Any], dict[str, str], str],
                                       Awaitable[_T]],
                        ) -> tuple[_T, Member, RequestFacts]:
        """Try members until one answers; returns its result, the member and audit facts."""
        client_model = str(body.get("model", ""))
        deadline = time.monotonic() + target.deadline_s
        plan = self._plan(target)
        tried: list[Member] = []
        last: SidecarError | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                last = last or UpstreamFailure(
                    504, f"Upstream '{target.name}' gave no answer within {target.deadline_s:g} "
                    "s.", code="upstream_timeout")
                break
            member = next(plan, None)
            if member is None:
                break
            if tried and self.metrics is not None:
                self.metrics.upstream_failovers.labels(target.name, tried[-1].name).inc()
            tried.append(member)
            upstream_body = {**body, "model": member.config.upstream_model(client_model)}
            try:
                async with asyncio.timeout(remaining):
                    result = await _unexpected_as_failure(member, once(
                        member, upstream_body, self._headers(member, headers), client_model))
            except _AttemptFailed as failed:
                (member.breaker.failure if failed.member_fault else member.breaker.success)()
                self._count(target, member, failed.outcome)
                last = failed.error
                if failed.retryable:
                    continue
                break
            except TimeoutError:
                member.breaker.failure()
                self._count(target, member, "deadline")
                last = UpstreamFailure(504, f"Upstream '{target.name}' gave no answer within "
                                       f"{target.deadline_s:g} s.", code="upstream_timeout")
                break
            except BaseException:
                member.breaker.abandon()
                raise
            member.breaker.success()
            self._count(target, member, "ok")
            return result, member, _facts(target, member, len(tried))
        if last is None:
            retry_in = min(m.breaker.retry_in() for m in target.members)
            last = UpstreamFailure(
                502, f"Upstream '{target.name}' is unavailable: every member's circuit "
                "breaker is open.", code="upstream_unavailable",
                headers={"x-should-retry": "false", "retry-after": str(max(1, round(retry_in)))})
        if isinstance(last, UpstreamFailure) and tried:
            last.facts = _facts(target, tried[-1], len(tried))
        raise last

    # --- chat completions ------------------------------------------------------------------

    async def chat(self, target: Target, body: Mapping[str, Any],
                   headers: Mapping[str, str], *, operation: str = "chat/completions",
                   ) -> UpstreamReply:
        """Non-stream call of ``operation`` (an OpenAI path: ``chat/completions``,
        ``completions``, ``embeddings``), with failover; raises UpstreamFailure (or a 4xx
        passed on). Completions must have ``choices``."""
        async def once(member: Member, body: dict[str, Any], headers: dict[str, str],
                       client_model: str) -> tuple[dict[str, Any], dict[str, str]]:
            return await self._post_once(member, operation, body, headers, client_model)

        (data, relay), _, facts = await self._failover(target, body, headers, once)
        return UpstreamReply(data, relay, facts)

    async def _post_once(self, member: Member, operation: str, body: dict[str, Any],
                         headers: dict[str, str], client_model: str,
                         ) -> tuple[dict[str, Any], dict[str, str]]:
        client = self._client_for(member)
        try:
            resp = await client.post(endpoint_url(member.config, operation, str(body["model"])),
                                     content=dumps(body), headers=headers,
                                     timeout=self._timeout(member))
        except httpx.HTTPError as exc:
            raise _transport_failure(member, exc) from exc
        relay = relayed(resp.headers)
        if resp.status_code >= 400:
            raise _status_failure(member, resp.status_code, resp.content, relay)
        try:
            data = resp.json()
        except ValueError as exc:
            raise _AttemptFailed(UpstreamFailure(
                502, f"Upstream '{member.name}' returned invalid JSON.",
                code="upstream_bad_response", upstream_status=resp.status_code),
                outcome="bad_response", retryable=False, member_fault=True) from exc
        if not isinstance(data, dict) or (operation.endswith("completions")
                                          and not isinstance(data.get("choices"), list)):
            raise _AttemptFailed(UpstreamFailure(
                502, f"Upstream '{member.name}' returned no choices.",
                code="upstream_bad_response", upstream_status=resp.status_code),
                outcome="bad_response", retryable=False, member_fault=True)
        if client_model != body["model"]:
            data["model"] = client_model  # an alias: answer under the name the client used
        return data, relay

    @asynccontextmanager
    async def stream(self, target: Target, body: Mapping[str, Any],
                     headers: Mapping[str, str], *, operation: str = "chat/completions",
                     mark: Callable[[str], None] | None = None,
                     ) -> AsyncIterator[UpstreamStream]:
        """Open a streamed completion (with failover until the first chunk has arrived);
        yields an async iterator of batches of SSE events, with ``headers`` to relay and
        ``facts`` for the audit. ``mark`` is told when the last event has been read
        (:data:`~guard.telemetry.UPSTREAM_END`).

        Errors before the first chunk raise UpstreamFailure (the route can still answer with
        a status code); errors later raise UpstreamFailure from the iterator.
        """
        async def once(member: Member, body: dict[str, Any], headers: dict[str, str],
                       client_model: str) -> _Opened:
            return await self._open_once(member, operation, body, headers, client_model)

        opened, member, facts = await self._failover(target, body, headers, once)
        try:
            yield UpstreamStream(opened, member, self._count_for(target, member), facts,
                                 mark=mark)
        finally:
            await opened.response.aclose()

    def _count_for(self, target: Target, member: Member) -> Callable[[str], None]:
        return lambda outcome: self._count(target, member, outcome)

    async def _open_once(self, member: Member, operation: str, body: dict[str, Any],
                         headers: dict[str, str], client_model: str) -> _Opened:
        client = self._client_for(member)
        request = client.build_request(
            "POST", endpoint_url(member.config, operation, str(body["model"])),
            content=dumps(body), headers=headers, timeout=self._timeout(member))
        try:
            resp = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _transport_failure(member, exc) from exc
        events: AsyncGenerator[list[Event], None] | None = None
        try:
            relay = relayed(resp.headers)
            if resp.status_code >= 400:
                try:
                    raw = await _read_capped(resp)
                except httpx.HTTPError:
                    raw = b""  # the status says enough; the body was cut
                raise _status_failure(member, resp.status_code, raw, relay)
            rename = client_model if client_model != body["model"] else None
            events = _events(member.name, resp, rename)
            try:
                first = await anext(events)
            except StopAsyncIteration:
                first = []
            except UpstreamFailure as exc:
                timeout = exc.status == 504
                raise _AttemptFailed(exc, outcome="timeout" if timeout else "dropped",
                                     retryable=not timeout, member_fault=True) from exc
            return _Opened(resp, events, first, relay)
        except BaseException:
            if events is not None:
                await events.aclose()
            await resp.aclose()
            raise

    # --- models and probes -----------------------------------------------------------------

    async def list_models(self, wait_s: float = 3.0) -> list[dict[str, Any]]:
        """Union of every upstream's ``/models`` plus configured names and aliases."""
        members = list(self.members.values())
        results = await asyncio.gather(*(self._models(m, wait_s) for m in members))
        seen: dict[str, dict[str, Any]] = {}

        def add(name: str, owner: str) -> None:
            if not any(c in name for c in "*?["):
                seen.setdefault(name, {"id": name, "object": "model", "created": 0,
                                       "owned_by": owner})

        for member, models in zip(members, results, strict=True):
            for card in models:
                seen.setdefault(card["id"], card)
            for name in [*member.config.aliases, *member.config.models]:
                add(name, member.name)
        for target in self.targets:
            for pattern in target.models:
                add(pattern, target.name)
        return list(seen.values())

    async def _models(self, member: Member, wait_s: float) -> list[dict[str, Any]]:
        if member.is_echo:
            return [{"id": m, "object": "model", "created": 0, "owned_by": "guard-echo"}
                    for m in ECHO_MODELS]
        if not lists_models(member.config):
            return []
        try:
            resp = await self.client.get(models_url(member.config), timeout=wait_s,
                                         headers=self._headers(member, {}))
            data = resp.json().get("data", []) if resp.status_code == 200 else []
        except (httpx.HTTPError, ValueError, AttributeError):
            return []
        return [dict(c, owned_by=c.get("owned_by", member.name)) for c in data
                if isinstance(c, dict) and isinstance(c.get("id"), str)]

    async def probe(self, wait_s: float = 2.0) -> dict[str, Any]:
        """Reachability of every upstream (any HTTP answer counts) and its breaker state."""
        async def one(member: Member) -> tuple[str, dict[str, Any]]:
            breaker = str(member.breaker.state)
            if member.is_echo:
                return member.name, {"reachable": True, "kind": "echo (built-in)"}
            started = time.perf_counter()
            try:
                resp = await self.client.get(models_url(member.config), timeout=wait_s,
                                             headers=self._headers(member, {}))
            except httpx.HTTPError as exc:
                return member.name, {"reachable": False, "error": type(exc).__name__,
                                     "breaker": breaker}
            return member.name, {"reachable": True, "status": resp.status_code,
                                 "latency_ms": round((time.perf_counter() - started) * 1e3, 1),
                                 "breaker": breaker}
        return dict(await asyncio.gather(*(one(m) for m in self.members.values())))


async def _unexpected_as_failure(member: Member, attempt: Awaitable[_T]) -> _T:
    """An exception outside httpx's own mapping (an HTTP-stack race, say) on the way to an
    upstream is that member's failure (502, logged with its traceback), not a 500 for the
    client; SidecarError (the request's own fault) and cancellation pass through."""
    try:
        return await attempt
    except (_AttemptFailed, SidecarError):
        raise
    except Exception as exc:
        log.warning("upstream %s: unexpected %s", member.name, type(exc).__name__,
                    exc_info=True)
        raise _AttemptFailed(UpstreamFailure(
            502, f"Upstream '{member.name}' failed: {type(exc).__name__}."),
            outcome="error", retryable=True, member_fault=True) from exc


def _facts(target: Target, member: Member, attempts: int) -> RequestFacts:
    """Audit facts of a (possibly failed-over) call."""
    return RequestFacts(upstream=member.config.base_url, upstream_member=member.name,
                        upstream_attempts=attempts)


class UpstreamStream:
    """An upstream stream: batches of events (the first already received), plus ``headers``
    to relay and ``facts`` for the audit. A failure mid-stream counts against the member's
    breaker, then propagates (it cannot be retried: chunks may have reached the client)."""

    def __init__(self, opened: _Opened, member: Member, count: Callable[[str], None],
                 facts: RequestFacts, *, mark: Callable[[str], None] | None = None) -> None:
        self.headers = opened.headers
        self.facts = facts
        self._mark = mark
        self.member = member
        self._opened = opened
        self._count = count
        self._it = self._iterate()

    def __aiter__(self) -> UpstreamStream:
        return self

    async def __anext__(self) -> list[Event]:
        return await self._it.__anext__()

    async def _iterate(self) -> AsyncIterator[list[Event]]:
        if self._opened.first:
            yield self._opened.first
        try:
            async for batch in self._opened.events:
                yield batch
        except UpstreamFailure:
            self.member.breaker.failure()
            self._count("failed_mid_stream")
            raise
        if self._mark is not None:
            self._mark(UPSTREAM_END)


@dataclass(frozen=True, slots=True)
class Event:
    """One upstream SSE ``data`` event: parsed (lone surrogates scrubbed), and as the raw
    line for cheap relaying (as sent)."""

    data: dict[str, Any]
    raw: bytes


async def _events(name: str, resp: httpx.Response, rename: str | None = None
                  ) -> AsyncGenerator[list[Event], None]:
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
                        502, f"Upstream '{name}' sent a malformed chunk.",
                        code="upstream_bad_response") from exc
                if isinstance(obj, dict) and "error" in obj:
                    raise UpstreamFailure(502, f"Upstream '{name}' failed mid-stream.",
                                          upstream_status=resp.status_code)
                if isinstance(obj, dict):
                    if obj.get("type") in _FINAL_EVENTS:
                        saw_done = True  # the Responses and Anthropic APIs send no [DONE]
                    if rename is not None and "model" in obj:
                        obj["model"] = rename
                        data = dumps(obj)
                    # Scrubbed only where the bytes could hold a lone surrogate: scrubbing
                    # every chunk of every stream was a few percent of the sidecar's CPU.
                    parsed = scrub(obj) if may_hold_surrogate(data) else obj
                    batch.append(Event(parsed, b"data: " + data + b"\n\n"))
                    if saw_done:
                        break
            if batch:
                yield batch
            if saw_done:
                break
    except httpx.TimeoutException as exc:
        raise UpstreamFailure(504, f"Upstream '{name}' timed out mid-stream.",
                              code="upstream_timeout") from exc
    except httpx.HTTPError as exc:
        raise UpstreamFailure(502, f"Upstream '{name}' dropped the stream: "
                              f"{type(exc).__name__}.") from exc
    if not saw_done:
        # A stream that ends without [DONE] may be cut short; say so rather than pretend.
        raise UpstreamFailure(502, f"Upstream '{name}' ended the stream early.")


async def _read_capped(resp: httpx.Response, cap: int = 64 * 1024) -> bytes:
    out = b""
    async for chunk in resp.aiter_bytes():
        out += chunk
        if len(out) >= cap:
            break
    return out


def _transport_failure(member: Member, exc: httpx.HTTPError) -> _AttemptFailed:
    """A connection-level failure. A read timeout (the upstream is working on it, slowly) is
    a 504 and not retried; a failed or dropped connection is a 502, worth another member."""
    if isinstance(exc, httpx.ConnectTimeout):
        return _AttemptFailed(UpstreamFailure(
            504, f"Upstream '{member.name}' timed out.", code="upstream_timeout"),
            outcome="connect_error", retryable=True, member_fault=True)
    if isinstance(exc, httpx.PoolTimeout):
        return _AttemptFailed(UpstreamFailure(
            504, f"Upstream '{member.name}' timed out (connection pool full).",
            code="upstream_timeout"), outcome="pool_timeout", retryable=False,
            member_fault=False)
    if isinstance(exc, httpx.TimeoutException):
        return _AttemptFailed(UpstreamFailure(
            504, f"Upstream '{member.name}' timed out.", code="upstream_timeout"),
            outcome="timeout", retryable=False, member_fault=True)
    outcome = "connect_error" if isinstance(exc, httpx.ConnectError) else "dropped"
    return _AttemptFailed(UpstreamFailure(
        502, f"Upstream '{member.name}' failed: {type(exc).__name__}."),
        outcome=outcome, retryable=isinstance(exc, httpx.TransportError), member_fault=True)


def _status_failure(member: Member, status: int, raw: bytes,
                    relay: Mapping[str, str]) -> _AttemptFailed:
    """Upstream 4xx keeps its status and message (the client's fault), 429 too (with its
    rate-limit headers, so the client backs off); 5xx becomes 502; 401/403 (the upstream's
    key, not the client's) 502."""
    message = f"Upstream '{member.name}' answered HTTP {status}."
    upstream_error: dict[str, Any] = {}
    try:
        body = json.loads(raw)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            upstream_error = body["error"]
    except ValueError:
        pass
    if status == 429:
        limited = UpstreamFailure(429, str(upstream_error.get("message") or message),
                                  code="rate_limit_exceeded", upstream_status=429,
                                  headers=relay)
        return _AttemptFailed(limited, outcome="status_429", retryable=True,
                              member_fault=True)
    if 400 <= status < 500 and status not in (401, 403, 408):
        # Still an upstream failure (audited as one), with the upstream's status and fields.
        rejected = UpstreamFailure(
            status, str(upstream_error.get("message") or message),
            type=str(upstream_error.get("type") or "invalid_request_error"),
            code=_opt(upstream_error.get("code")), param=_opt(upstream_error.get("param")),
            upstream_status=status, headers=relay)
        return _AttemptFailed(rejected, outcome="status_4xx", retryable=False,
                              member_fault=False)
    timeout = status == 408
    failure = UpstreamFailure(504 if timeout else 502, message,
                              code="upstream_timeout" if timeout else "upstream_error",
                              upstream_status=status)
    server_side = status >= 500 or timeout
    return _AttemptFailed(failure, outcome="status_5xx" if status >= 500 else f"status_{status}",
                          retryable=server_side, member_fault=server_side)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
