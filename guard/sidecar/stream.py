"""Streamed chat completions as SSE: pass-through, or guarded by the core's streaming guard.

Without output rules the upstream's chunks are relayed as they come. With output rules the
core (:mod:`guard.engine.stream`) decides what each choice may release; this module only
reads the upstream and frames events. For a streamed answer a reader task keeps pulling
upstream chunks while a check runs, so checks batch whatever arrived meanwhile; an assembled
(non-streamed) answer is checked between reads, the chunks waiting in the socket meanwhile.

On block mid-stream: a final chunk with ``finish_reason: "content_filter"`` per open choice,
then (``block_response: error``) an error event, then ``[DONE]``; the upstream is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import replace
from typing import Any, Protocol

import anyio
from fastapi.responses import StreamingResponse

from guard.engine.stream import Chunk, StreamLimits
from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure, blocked_error, envelope
from guard.sidecar.responses import DONE, SSE_HEADERS, decision_headers, guard_info, sse
from guard.sidecar.state import SidecarState
from guard.sidecar.upstream import Target, UpstreamStream
from guard.telemetry import UPSTREAM_CALL, UPSTREAM_FIRST_CHUNK
from guard.types import CheckContext, Decision, Message, Stage

_END = object()
IDLE_CHECK_S = 0.02
"""A streamed answer's text that waits for a check not yet due (``stream_check_chars``) is
checked anyway once the upstream has sent nothing for this long: the check rate saves CPU
while tokens pour in, and must not hold text back from the client while the model pauses."""


class ChunkAdapter(Protocol):
    """Another API's stream chunks as chat chunks for the core, and back (legacy
    completions); ``outbound`` returns None for a chunk that API has no use for."""

    def inbound(self, chunk: dict[str, Any]) -> dict[str, Any]: ...

    def outbound(self, chunk: dict[str, Any]) -> dict[str, Any] | None: ...


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


OpenedStream = tuple[AsyncExitStack, UpstreamStream]
"""An upstream stream whose headers arrived: the stack that closes it, and its events."""


async def open_upstream_stream(
    state: SidecarState, target: Target, body: Mapping[str, Any], headers: Mapping[str, str],
    *, operation: str = "chat/completions",
) -> OpenedStream:
    """Open the upstream stream; a failure before the first byte raises UpstreamFailure (the
    route can still answer 502/504; see :func:`upstream_failed`). Closing the stack closes
    the connection."""
    stack = AsyncExitStack()
    started = time.perf_counter()
    state.telemetry.mark(UPSTREAM_CALL)
    try:
        events = await stack.enter_async_context(state.upstreams.stream(
            target, body, headers, operation=operation, mark=state.telemetry.mark))
    except BaseException:
        await stack.aclose()
        raise
    state.telemetry.mark(UPSTREAM_FIRST_CHUNK)
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    return stack, events


def relay_response(state: SidecarState, guard: Guard, context: CheckContext, target: Target,
                   opened: OpenedStream, input_decision: Decision | None, *,
                   adapter: ChunkAdapter | None = None) -> StreamingResponse:
    """The SSE response relaying an opened upstream stream (guarded when output rules apply)."""
    stack, events = opened
    if guard.has_output_rules(context):
        relay = GuardedStream(state, guard, context, events, target, adapter).run()
    else:
        relay = _passthrough(events, target, guard, context)

    async def body_iter() -> AsyncIterator[bytes]:
        try:
            async for chunk in relay:
                yield chunk
        finally:
            await stack.aclose()

    return GuardStreamingResponse(body_iter(), media_type="text/event-stream",
                                  headers={**SSE_HEADERS, **events.headers,
                                           **decision_headers(input_decision)})


async def upstream_failed(state: SidecarState, guard: Guard, context: CheckContext,
                          target: Target, exc: UpstreamFailure) -> None:
    """Count and audit an upstream that failed before answering (the client gets 502/504)."""
    state.metrics.upstream_errors.labels(target.name, str(exc.status)).inc()
    await guard.arecord_unchecked(context, replace(
        exc.facts, http_status=exc.status, upstream_error=exc.message,
        upstream_status=exc.upstream_status))


async def _passthrough(events: UpstreamStream, target: Target, guard: Guard,
                       context: CheckContext) -> AsyncIterator[bytes]:
    """Relay events as they come, coalescing whatever queued up while the client was written.

    httpx yields one item per chunked-encoding chunk, so a bursty upstream would cost one
    send per token; a reader task plus a drain of its queue turns bursts into single writes.
    Nothing is checked, but the stream still gets an output record saying how it ended.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue()
    released = 0
    end, error = "client_disconnected", None

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
                    end = "completed"
                    yield b"".join(out) + DONE
                    return
                if isinstance(item, UpstreamFailure):
                    end, error = "upstream_failed", item.message
                    yield b"".join(out) + sse(item.envelope()) + DONE
                    return
                out.extend(event.raw for event in item)
                released += sum(_content_chars(event.data) for event in item)
            yield b"".join(out)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        with anyio.CancelScope(shield=True):  # a disconnect cancels us: still audit it
            await guard.arecord_unchecked(context, replace(
                events.facts, upstream_status=200, http_status=200, upstream_error=error,
                stream_chars_released=released, stream_end=end))


def _content_chars(data: Any) -> int:
    """Characters of completion text in one chunk (every choice's content delta)."""
    if not isinstance(data, dict):
        return 0
    total = 0
    for choice in data.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        content = delta.get("content") if isinstance(delta, dict) else None
        total += len(content) if isinstance(content, str) else 0
    return total


class GuardedStream:
    """One guarded SSE relay: the core's :class:`~guard.engine.stream.StreamGuard` decides
    what is sent; this class reads the upstream and frames chunks as server-sent events."""

    def __init__(self, state: SidecarState, guard: Guard, context: CheckContext,
                 events: UpstreamStream, target: Target,
                 adapter: ChunkAdapter | None = None, *,
                 client_streams: bool = True, blocked_status: int = 200) -> None:
        self.adapter = adapter
        self.state = state
        self.guard = guard
        self.events = events
        self.target = target
        self.client_streams = client_streams
        self._answered_elsewhere = False  # the caller answers (and audits) an upstream failure
        server = state.config.server
        if client_streams:
            self.check_chars = server.stream_check_chars
            limits = StreamLimits(lookbehind_chars=server.stream_lookbehind_chars,
                                  max_check_chars=server.stream_max_check_chars,
                                  detector_lookbehind_chars=server.detector_lookbehind_chars)
        else:
            # Nothing is sent before the end: no first-token cap, and every check reads the
            # answer from (near) its start, so the final check reuses the encoded windows.
            self.check_chars = server.assembled_check_chars
            limits = StreamLimits(lookbehind_chars=server.assembled_lookbehind_chars,
                                  max_check_chars=0, detector_lookbehind_chars={})

        async def check(messages: Sequence[Message]) -> Decision:
            return await state.check(guard, messages, Stage.OUTPUT, context, record=False)

        self.core = guard.open_stream(
            context, limits=limits, check=check,
            facts=replace(events.facts, upstream_status=200, http_status=200),
            blocked_facts=replace(events.facts, upstream_status=200, http_status=blocked_status),
            client_streams=client_streams)

    def _in(self, chunk: dict[str, Any]) -> dict[str, Any]:
        return chunk if self.adapter is None else self.adapter.inbound(chunk)

    def _sse(self, chunk: dict[str, Any]) -> bytes:
        out = chunk if self.adapter is None else self.adapter.outbound(chunk)
        return b"" if out is None else sse(out)

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
        """The guarded stream as SSE bytes: one write per batch the core releases, not one
        per token (a release of 256 characters is some 60 chunks)."""
        # Closed with this generator (a client disconnect): its reader stops and the stream's
        # record is written now, not whenever the event loop finalises it.
        async with contextlib.aclosing(self.steps()) as steps:
            async for item in steps:
                if isinstance(item, Decision):
                    async for chunk in self._block(item):
                        yield chunk
                    return
                if isinstance(item, UpstreamFailure):
                    yield sse(envelope(item.message, type=item.type, code=item.code))
                    yield DONE
                    return
                data = b"".join(self._sse(chunk) for chunk in item)
                if data:
                    yield data
        yield DONE

    async def steps(self) -> AsyncGenerator[list[Chunk] | Decision | UpstreamFailure, None]:
        """What the core lets out, in order: batches of chunks to send, then at most one blocking
        decision (audited) or upstream failure (counted and audited) that ends the stream."""
        reader: asyncio.Task[None] | None = None
        relay: AsyncIterator[list[Chunk] | Decision | UpstreamFailure]
        if self.client_streams:
            queue: asyncio.Queue[Any] = asyncio.Queue()
            reader = asyncio.create_task(self._read(queue), name="guard-stream-reader")
            relay = self._relay(queue)
        else:
            relay = self._relay_between_reads()
        try:
            async for item in relay:
                yield item
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
            if not self.core.recorded and not self._answered_elsewhere:
                # The client went away (or the server cut the stream): still one record, with
                # what was released. Shielded: the disconnect is delivered as a cancellation.
                with anyio.CancelScope(shield=True):
                    await self.core.audit(end="client_disconnected")
            for checks in self.core.checks:
                self.state.metrics.stream_held.observe(checks)

    async def _relay(self, queue: asyncio.Queue[Any]
                     ) -> AsyncIterator[list[Chunk] | Decision | UpstreamFailure]:
        done = False
        owed = False  # releasable text waits for a check that was not due yet
        while not done:
            items: list[Any] = []
            if owed:
                with contextlib.suppress(TimeoutError):  # Queue.get is cancellation-safe
                    items.append(await asyncio.wait_for(queue.get(), IDLE_CHECK_S))
            else:
                items.append(await queue.get())
            while not queue.empty():
                items.append(queue.get_nowait())
            batch: list[Chunk] = []
            for item in items:
                if item is _END:
                    done = True
                elif isinstance(item, UpstreamFailure):
                    if batch:
                        yield batch
                    await self._failed(item)
                    yield item
                    return
                elif isinstance(item, dict):
                    batch.extend(self.core.ingest(self._in(item)))
            if done:
                break
            if items and not self._due():
                if batch:
                    yield batch
                owed = self.client_streams and self._releasable()
                continue
            owed = False
            step = await self.core.release(interrupted=lambda: not queue.empty())
            batch.extend(step.chunks)
            if batch:
                yield batch
            if step.blocked is not None:
                yield step.blocked
                return
        if batch:
            yield batch
        async for item in self._finish():
            yield item

    async def _relay_between_reads(
            self) -> AsyncIterator[list[Chunk] | Decision | UpstreamFailure]:
        """The relay of an assembled answer (the client does not stream): nothing leaves
        before the end, so a check may run between two reads while the upstream's chunks
        wait in the socket, and come in one read after it. No reader task hands each chunk
        over through a queue: against a paced upstream that hand-off was a second event-loop
        wake-up per chunk (``bench/RESULTS-latency.md``)."""
        try:
            async for events in self.events:
                batch: list[Chunk] = []
                for event in events:
                    batch.extend(self.core.ingest(self._in(event.data)))
                step = await self.core.release() if self._due() else None
                if step is not None:
                    batch.extend(step.chunks)
                if batch:
                    yield batch
                if step is not None and step.blocked is not None:
                    yield step.blocked
                    return
        except UpstreamFailure as exc:
            await self._failed(exc)
            yield exc
            return
        async for item in self._finish():
            yield item

    async def _finish(self) -> AsyncIterator[list[Chunk] | Decision]:
        """The upstream is done: the core's last chunks, then its blocking decision if any."""
        step = await self.core.finish()
        if step.chunks:
            yield list(step.chunks)
        if step.blocked is not None:
            yield step.blocked

    async def _block(self, decision: Decision) -> AsyncIterator[bytes]:
        """Close every open choice with ``content_filter`` (a refusal first, if the policy
        says so), then the error event (``block_response: error``) and ``[DONE]``."""
        info = guard_info(decision)
        for index in self.core.open_choices():
            if self.guard.block_response == "refusal":
                yield self._sse(self.core.chunk(index, {"refusal": self.guard.refusal_message}))
            yield self._sse(self.core.chunk(index, {}, "content_filter", guard=info))
        if self.guard.block_response == "error":
            rule_ids = [r.rule_id for r in decision.fired_rules]
            yield sse(blocked_error(decision.id, rule_ids, "output"))
        yield DONE

    def _due(self) -> bool:
        """Whether to check now: at the first release of a streamed choice's text (time to
        first token), then once ``check_chars`` new characters wait beyond the hold-back
        window (content and reasoning each), or (:data:`IDLE_CHECK_S`) the upstream pauses."""
        for choice in self.core.choices.values():
            for hold in (choice.reasoning, choice.hold):
                if hold.pending and ((self.client_streams and hold.released == 0)
                                     or hold.pending >= hold.window + self.check_chars):
                    return True
        return False

    def _releasable(self) -> bool:
        """Whether some choice holds more text than its hold-back window."""
        return any(hold.pending > hold.window for choice in self.core.choices.values()
                   for hold in (choice.reasoning, choice.hold))

    async def _failed(self, exc: UpstreamFailure) -> None:
        if not self.client_streams:
            # The caller answers with a status and audits it (upstream_failed).
            self._answered_elsewhere = True
            return
        self.state.metrics.upstream_errors.labels(self.target.name, str(exc.status)).inc()
        await self.core.audit(upstream_error=exc.message, end="upstream_failed")
