"""The steps every guarded API route shares, whatever its wire format: check and audit the
input, call the upstream (failures audited), check and audit the output.

Each API module turns its request into :class:`~guard.types.Message` objects and its blocks
into its own shapes; these functions keep the audit order the chat route has (input recorded
before the upstream is called, upstream failures and outputs recorded after).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any, NamedTuple

from fastapi import Request
from fastapi.responses import Response

from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.otel import inject_trace_headers, trace_parent
from guard.sidecar.state import Caller, SidecarState
from guard.sidecar.stream import upstream_failed
from guard.sidecar.upstream import Target, UpstreamReply
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


async def screen_input(state: SidecarState, guard: Guard, messages: Sequence[Message],
                       context: CheckContext, blocked: Blocked
                       ) -> tuple[Decision, Response | None]:
    """Check the input; a block is answered (and audited with its status) at once."""
    decision = await state.check(guard, messages, Stage.INPUT, context, record=False)
    if decision.action is Action.BLOCK:
        response = blocked(decision)
        await guard.arecord(decision, messages, RequestFacts(http_status=response.status_code))
        return decision, response
    await guard.arecord(decision, messages)
    return decision, None


def forward_headers(caller: Caller) -> dict[str, str]:
    headers = dict(caller.headers)
    inject_trace_headers(headers)
    return headers


async def call(state: SidecarState, guard: Guard, context: CheckContext, target: Target,
               body: Mapping[str, Any], headers: Mapping[str, str], operation: str
               ) -> UpstreamReply:
    """One non-stream upstream call (with failover); a failure is counted and audited."""
    started = time.perf_counter()
    try:
        reply = await state.upstreams.chat(target, body, headers, operation=operation)
    except UpstreamFailure as exc:
        await upstream_failed(state, guard, context, target, exc)
        raise
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    return reply


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
