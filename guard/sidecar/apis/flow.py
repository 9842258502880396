"""The steps every guarded API route shares, whatever its wire format: check and audit the
input, call the upstream (failures audited), check and audit the output.

Each API module turns its request into :class:`~guard.types.Message` objects and its blocks
into its own shapes; these functions keep the audit order the chat route has (input recorded
before the upstream is called, upstream failures and outputs recorded after).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any, NamedTuple, TypeVar

from fastapi import Request
from fastapi.responses import Response

from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.otel import inject_trace_headers, trace_parent
from guard.sidecar.state import Caller, SidecarState
from guard.sidecar.stream import OpenedStream, upstream_failed
from guard.sidecar.upstream import Target, UpstreamReply
from guard.telemetry import UPSTREAM_CALL, UPSTREAM_END
from guard.types import Action, CheckContext, Decision, Message, RequestFacts, Stage

Blocked = Callable[[Decision], Response]
"""Renders a blocking decision in the API's own shape."""


class Exchange(NamedTuple):
    """What every guarded route resolves before it reads a message: the sidecar, the
    authenticated caller, the upstream target, the policy's guard and the check context."""

    state: SidecarState
    caller: Caller
    target: Target
    guard: Guard
    context: CheckContext


def open_exchange(request: Request, route: str, model: str, user: str | None = None
                  ) -> Exchange:
    """Authenticate the caller, pick the upstream and the policy for ``model`` on ``route``."""
    state: SidecarState = request.app.state.sidecar
    caller = state.caller(request.headers)
    target = state.upstreams.resolve(model)
    guard = state.guard_for(caller, model=model, route=route)
    context = state.context(caller, model=model, route=route, user=user,
                            upstream=target.label)
    return Exchange(state, caller, target, guard, context)


def request_span(exchange: Exchange, request: Request, route: str, *, model: str,
                 operation: str = "chat") -> AbstractContextManager[Any]:
    """The request's span, continuing the client's trace."""
    state, caller, target = exchange.state, exchange.caller, exchange.target
    return state.telemetry.request_span(
        parent=trace_parent(request.headers), operation=operation, model=model,
        tenant=caller.tenant, route=route, request_id=caller.request_id, provider=target.name)


Upstream = TypeVar("Upstream", bound=UpstreamReply | OpenedStream)


async def checked_call(exchange: Exchange, messages: Sequence[Message], blocked: Blocked,
                       start: Callable[[Decision], Coroutine[Any, Any, Upstream]]
                       ) -> tuple[Decision, Response | Upstream]:
    """Check the input and call the upstream; returns the input decision and either the
    block response (already audited) or the upstream's reply / opened stream.

    Rules that rewrite the prompt, and rules in ``input_mode: sequential``, decide before
    ``start`` is called with their decision (the caller writes rewrites into the request).
    The other rules (block/flag only, ``input_mode: parallel``) run while the call is in
    flight: nothing of its answer is read past its headers before they decide, and a block
    cancels the call (its connection closed). The input record is written before anything
    of the answer is read, with when the call started (and was cancelled); an upstream
    failure gets its own record after it.
    """
    state, _, target, guard, context = exchange
    concurrent = guard.has_concurrent_input(context)
    started = time.perf_counter()
    decision = await state.check(guard, messages, Stage.INPUT, context, record=False,
                                 phase="before" if concurrent else None)
    if decision.action is Action.BLOCK:
        return decision, await _refuse(guard, decision, messages, blocked, RequestFacts())
    if not concurrent:
        await guard.arecord(decision, messages)
        return decision, await _audited(exchange, start(decision))
    upstream: asyncio.Task[Upstream] = asyncio.create_task(start(decision),
                                                           name="guard-upstream-call")
    started_ms = (time.perf_counter() - started) * 1e3
    try:
        during = await state.check(guard, messages, Stage.INPUT, context, record=False,
                                   phase="during")
    except BaseException:
        await cancel(upstream)
        raise
    decision = guard.merge_phases(decision, during)
    if decision.action is Action.BLOCK:
        cancelled = await cancel(upstream)
        return decision, await _refuse(guard, decision, messages, blocked, RequestFacts(
            upstream_started_ms=started_ms, upstream_cancelled_ms=(
                (time.perf_counter() - started) * 1e3 if cancelled else None)))
    await guard.arecord(decision, messages, RequestFacts(upstream_started_ms=started_ms))
    return decision, await _audited(exchange, upstream)


async def _refuse(guard: Guard, decision: Decision, messages: Sequence[Message],
                  blocked: Blocked, facts: RequestFacts) -> Response:
    response = blocked(decision)
    await guard.arecord(decision, messages, replace(facts, http_status=response.status_code))
    return response


async def _audited(exchange: Exchange, call: Awaitable[Upstream]) -> Upstream:
    """The call's result; a failure is counted and audited, then raised (502/504)."""
    try:
        return await call
    except UpstreamFailure as exc:
        await upstream_failed(exchange.state, exchange.guard, exchange.context,
                              exchange.target, exc)
        raise


async def cancel(upstream: asyncio.Task[Any]) -> bool:
    """Stop an upstream call: cancel it in flight (httpx closes the connection) or close the
    stream it opened. True when a connection was closed before the answer was complete."""
    if not upstream.done():
        upstream.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await upstream
        return True
    if upstream.cancelled() or upstream.exception() is not None:
        return False
    result = upstream.result()
    if isinstance(result, UpstreamReply):
        return False
    await result[0].aclose()
    return True


async def upstream_reply(state: SidecarState, target: Target, body: Mapping[str, Any],
                headers: Mapping[str, str], operation: str) -> UpstreamReply:
    """One non-stream upstream call (with failover), timed; failures propagate."""
    started = time.perf_counter()
    state.telemetry.mark(UPSTREAM_CALL)
    answer = await state.upstreams.chat(target, body, headers, operation=operation)
    state.telemetry.mark(UPSTREAM_END)
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    return answer


def forward_headers(caller: Caller) -> dict[str, str]:
    headers = dict(caller.headers)
    inject_trace_headers(headers)
    return headers


async def screen_output(state: SidecarState, guard: Guard, context: CheckContext,
                        messages: Sequence[Message], reply: UpstreamReply, blocked: Blocked
                        ) -> tuple[Decision, Response | None]:
    """Check the upstream's answer; a block is answered at once; both are audited."""
    decision = await state.check(guard, messages, Stage.OUTPUT, context, record=False)
    facts = replace(reply.facts, upstream_status=200)
    if decision.action is Action.BLOCK:
        response = blocked(decision)
        await guard.arecord(decision, messages, replace(facts,
                                                        http_status=response.status_code))
        return decision, response
    await guard.arecord(decision, messages, replace(facts, http_status=200))
    return decision, None


def strongest(*decisions: Decision | None) -> Decision | None:
    present = [d for d in decisions if d is not None]
    return max(present, key=lambda d: d.action.severity) if present else None
