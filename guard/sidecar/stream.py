"""Streamed chat completions as SSE: pass-through, or guarded by the core's streaming guard.

Without output rules the upstream's chunks are relayed as they come. With output rules the
core (:mod:`guard.engine.stream`) decides what each choice may release; this module only
reads the upstream and frames events. A reader task keeps pulling upstream chunks while a
check runs, so checks batch whatever arrived meanwhile and the upstream is never stalled.

On block mid-stream: a final chunk with ``finish_reason: "content_filter"`` per open choice,
then (``block_response: error``) an error event, then ``[DONE]``; the upstream is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from fastapi.responses import StreamingResponse

from guard.engine.stream import Chunk, StreamLimits
from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure, blocked_error, envelope
from guard.sidecar.jsonutil import scrub
from guard.sidecar.responses import DONE, SSE_HEADERS, decision_headers, guard_info, sse
from guard.sidecar.state import SidecarState
from guard.sidecar.upstream import Event, Target
from guard.types import CheckContext, Decision, Message, RequestFacts, Stage

_END = object()


class GuardStreamingResponse(StreamingResponse):
    """A stream that closes ``close_after`` (the request span) once it is fully sent.

    Starlette awaits the response in the request's own task, so the span's context tokens are
    reset in the context that set them.
    """

    close_after: ExitStack | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.close_after is not None:
                self.close_after.close()


async def open_guarded_stream(
    state: SidecarState, guard: Guard, context: CheckContext, target: Target,
    body: Mapping[str, Any], headers: Mapping[str, str], input_decision: Decision | None,
) -> StreamingResponse:
    """Open the upstream stream (failures here still get a 502/504 status) and relay it."""
    try:
        opened = await open_upstream_stream(state, target, body, headers)
    except UpstreamFailure as exc:
        await upstream_failed(state, guard, context, target, exc)
        raise
    return relay_response(state, guard, context, target, opened, input_decision)


OpenedStream = tuple[AsyncExitStack, AsyncIterator[list[Event]]]
"""An upstream stream whose headers arrived: the stack that closes it, and its events."""


async def open_upstream_stream(
    state: SidecarState, target: Target, body: Mapping[str, Any], headers: Mapping[str, str],
) -> OpenedStream:
    """Open the upstream stream; a failure before the first byte raises UpstreamFailure (the
    route can still answer 502/504; see :func:`upstream_failed`). Closing the stack closes
    the connection."""
    stack = AsyncExitStack()
    started = time.perf_counter()
    try:
        events = await stack.enter_async_context(state.upstreams.stream(target, body, headers))
    except BaseException:
        await stack.aclose()
        raise
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    return stack, events


def relay_response(state: SidecarState, guard: Guard, context: CheckContext, target: Target,
                   opened: OpenedStream, input_decision: Decision | None) -> StreamingResponse:
    """The SSE response relaying an opened upstream stream (guarded when output rules apply)."""
    stack, events = opened
    if guard.has_output_rules(context):
        relay = GuardedStream(state, guard, context, events, target).run()
    else:
        relay = _passthrough(events, target)

    async def body_iter() -> AsyncIterator[bytes]:
        try:
            async for chunk in relay:
                yield chunk
        finally:
            await stack.aclose()

    return GuardStreamingResponse(body_iter(), media_type="text/event-stream",
                                  headers={**SSE_HEADERS, **decision_headers(input_decision)})


async def upstream_failed(state: SidecarState, guard: Guard, context: CheckContext,
                          target: Target, exc: UpstreamFailure) -> None:
    """Count and audit an upstream that failed before answering (the client gets 502/504)."""
    state.metrics.upstream_errors.labels(target.name, str(exc.status)).inc()
    await guard.arecord_upstream_failure(context, RequestFacts(
        http_status=exc.status, upstream_error=exc.message, upstream_status=exc.upstream_status))


async def _passthrough(events: AsyncIterator[list[Event]], target: Target
                       ) -> AsyncIterator[bytes]:
    """Relay events as they come, coalescing whatever queued up while the client was written.

    httpx yields one item per chunked-encoding chunk, so a bursty upstream would cost one
    send per token; a reader task plus a drain of its queue turns bursts into single writes.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def read() -> None:
        try:
            async for batch in events:
                queue.put_nowait(batch)
        except UpstreamFailure as exc:
            queue.put_nowait(exc)
        else:
            queue.put_nowait(_END)

    reader = asyncio.create_task(read(), name="guard-stream-passthrough")
    try:
        while True:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            out: list[bytes] = []
            for item in items:
                if item is _END:
                    yield b"".join(out) + DONE
                    return
                if isinstance(item, UpstreamFailure):
                    yield b"".join(out) + sse(item.envelope()) + DONE
                    return
                out.extend(event.raw for event in item)
            yield b"".join(out)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


class GuardedStream:
    """One guarded SSE relay: the core's :class:`~guard.engine.stream.StreamGuard` decides
    what is sent; this class reads the upstream and frames chunks as server-sent events."""

    def __init__(self, state: SidecarState, guard: Guard, context: CheckContext,
                 events: AsyncIterator[list[Event]], target: Target, *,
                 client_streams: bool = True, blocked_status: int = 200) -> None:
        self.state = state
        self.guard = guard
        self.events = events
        self.target = target
        self.client_streams = client_streams
        server = state.config.server
        self.check_chars = (server.stream_check_chars if client_streams
                            else server.assembled_check_chars)
        limits = StreamLimits(lookbehind_chars=server.stream_lookbehind_chars,
                              max_check_chars=server.stream_max_check_chars,
                              detector_lookbehind_chars=server.detector_lookbehind_chars)

        async def check(messages: Sequence[Message]) -> Decision:
            return await state.check(guard, messages, Stage.OUTPUT, context, record=False)

        self.core = guard.open_stream(
            context, limits=limits, check=check,
            facts=RequestFacts(upstream_status=200, http_status=200),
            blocked_facts=RequestFacts(upstream_status=200, http_status=blocked_status),
            client_streams=client_streams)

    async def _read(self, queue: asyncio.Queue[Any]) -> None:
        try:
            async for batch in self.events:
                for event in batch:
                    queue.put_nowait(event.data)
        except UpstreamFailure as exc:
            await queue.put(exc)
        else:
            await queue.put(_END)

    async def run(self) -> AsyncIterator[bytes]:
        """The guarded stream as SSE bytes."""
        async for item in self.steps():
            if isinstance(item, Decision):
                async for chunk in self._block(item):
                    yield chunk
                return
            if isinstance(item, UpstreamFailure):
                yield sse(envelope(item.message, type=item.type, code=item.code))
                yield DONE
                return
            yield sse(item)
        yield DONE

    async def steps(self) -> AsyncIterator[Chunk | Decision | UpstreamFailure]:
        """What the core lets out, in order: chunks to send, then at most one blocking
        decision (audited) or upstream failure (counted and audited) that ends the stream."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        reader = asyncio.create_task(self._read(queue), name="guard-stream-reader")
        try:
            async for item in self._relay(queue):
                yield item
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            for checks in self.core.checks:
                self.state.metrics.stream_held.observe(checks)

    async def _relay(self, queue: asyncio.Queue[Any]
                     ) -> AsyncIterator[Chunk | Decision | UpstreamFailure]:
        done = False
        while not done:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            for item in items:
                if item is _END:
                    done = True
                elif isinstance(item, UpstreamFailure):
                    await self._failed(item)
                    yield item
                    return
                elif isinstance(item, dict):
                    for out in self.core.ingest(scrub(item)):
                        yield out
            if done:
                break
            if not self._due():
                continue
            step = await self.core.release(interrupted=lambda: not queue.empty())
            for out in step.chunks:
                yield out
            if step.blocked is not None:
                yield step.blocked
                return
        step = await self.core.finish()
        for out in step.chunks:
            yield out
        if step.blocked is not None:
            yield step.blocked

    async def _block(self, decision: Decision) -> AsyncIterator[bytes]:
        """Close every open choice with ``content_filter`` (a refusal first, if the policy
        says so), then the error event (``block_response: error``) and ``[DONE]``."""
        info = guard_info(decision)
        for index in self.core.open_choices():
            if self.guard.block_response == "refusal":
                yield sse(self.core.chunk(index, {"refusal": self.guard.refusal_message}))
            yield sse(self.core.chunk(index, {}, "content_filter", guard=info))
        if self.guard.block_response == "error":
            rule_ids = [r.rule_id for r in decision.fired_rules]
            yield sse(blocked_error(decision.id, rule_ids, "output"))
        yield DONE

    def _due(self) -> bool:
        """Whether to check now: at the first release of a choice (time to first token), then
        once ``stream_check_chars`` new characters wait beyond the hold-back window."""
        for choice in self.core.choices.values():
            hold = choice.hold
            if hold.released == 0 or hold.pending >= hold.window + self.check_chars:
                return True
        return False

    async def _failed(self, exc: UpstreamFailure) -> None:
        if not self.client_streams:
            return  # the caller answers with a status and audits it (upstream_failed)
        self.state.metrics.upstream_errors.labels(self.target.name, str(exc.status)).inc()
        await self.core.audit(upstream_error=exc.message)
