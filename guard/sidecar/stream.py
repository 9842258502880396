"""Streamed chat completions: pass-through, or guarded through the hold-back window.

Without output rules the upstream's chunks are relayed as they come. With output rules each
choice's text goes through a :class:`~guard.engine.holdback.HoldBack`: a reader task keeps
pulling upstream chunks while a check runs, so checks batch whatever arrived meanwhile and the
upstream is never stalled by the guard. Tool-call arguments and refusals are held until the
upstream finishes and checked whole (half a JSON object cannot be judged).

On block mid-stream: a final chunk with ``finish_reason: "content_filter"`` per open choice,
then (``block_response: error``) an error event, then ``[DONE]``; the upstream is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import StreamingResponse
from opentelemetry import trace

from guard.engine.holdback import HoldBack
from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure, blocked_error, envelope
from guard.sidecar.jsonutil import scrub
from guard.sidecar.responses import DONE, SSE_HEADERS, decision_headers, guard_info, sse
from guard.sidecar.state import SidecarState
from guard.sidecar.upstream import Event, Target
from guard.types import Action, CheckContext, Decision, Message, Stage

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
    original: tuple[Message, ...],
) -> StreamingResponse:
    """Open the upstream stream (failures here still get a 502/504 status) and relay it."""
    stack = AsyncExitStack()
    started = time.perf_counter()
    try:
        events = await stack.enter_async_context(state.upstreams.stream(target, body, headers))
    except UpstreamFailure as exc:
        await stack.aclose()
        state.metrics.upstream_errors.labels(target.name, str(exc.status)).inc()
        if input_decision is not None:
            await state.record(guard, input_decision, original, {
                "http_status": exc.status, "upstream_error": exc.message,
                "upstream_status": exc.upstream_status})
        raise
    state.metrics.upstream_seconds.labels(target.name).observe(time.perf_counter() - started)
    if input_decision is not None:
        await state.record(guard, input_decision, original, {"upstream_status": 200})
    if guard.policy.has_rules(Stage.OUTPUT, context):
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


@dataclass
class _Choice:
    hold: HoldBack
    tool_calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    refusal: str = ""
    finish_reason: str | None = None
    finished: bool = False


class GuardedStream:
    """One guarded SSE relay (see the module docstring)."""

    def __init__(self, state: SidecarState, guard: Guard, context: CheckContext,
                 events: AsyncIterator[list[Event]], target: Target) -> None:
        self.state = state
        self.guard = guard
        self.context = context
        self.events = events
        self.target = target
        settings = guard.policy.settings
        self.window = settings.stream_window_chars
        server = state.config.server
        detectors = {r.spec.detector for r in guard.policy.rules_for(Stage.OUTPUT, context)}
        self.lookbehind = max([server.stream_lookbehind_chars, self.window,
                               *(server.detector_lookbehind_chars.get(d, 0) for d in detectors)])
        self.choices: dict[int, _Choice] = {}
        self.template: dict[str, Any] = {}
        self.tail: list[dict[str, Any]] = []

    async def _check(self, text: str) -> Decision:
        return await self.state.check(self.guard, [{"role": "assistant", "content": text}],
                                      Stage.OUTPUT, self.context, record=False)

    def _choice(self, index: int) -> _Choice:
        if index not in self.choices:
            self.choices[index] = _Choice(HoldBack(
                self._check, window=self.window, lookbehind=self.lookbehind,
                max_check_chars=self.state.config.server.stream_max_check_chars))
        return self.choices[index]

    def _chunk(self, index: int, delta: dict[str, Any], finish: str | None = None,
               **extra: Any) -> bytes:
        return sse({**self.template, **extra, "choices": [
            {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}]})

    async def _read(self, queue: asyncio.Queue[Any]) -> None:
        try:
            async for batch in self.events:
                for event in batch:
                    queue.put_nowait(event.data)
        except UpstreamFailure as exc:
            await queue.put(exc)
        else:
            await queue.put(_END)

    def _ingest(self, event: dict[str, Any]) -> list[bytes]:
        """Take one upstream chunk in; return what may be sent at once (never content)."""
        self.template = {k: v for k, v in event.items() if k not in ("choices", "usage")}
        out: list[bytes] = []
        choices = event.get("choices")
        if not choices:
            if event.get("usage") is not None:
                self.tail.append(event)
            return out
        for raw in choices:
            if not isinstance(raw, dict):
                continue
            index = raw.get("index", 0) if isinstance(raw.get("index"), int) else 0
            choice = self._choice(index)
            delta = raw.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                choice.hold.feed(scrub(content))
            if isinstance(delta.get("refusal"), str):
                choice.refusal += scrub(delta["refusal"])
            for call in scrub(delta.get("tool_calls") or []):
                _merge_tool_call(choice.tool_calls, call)
            if "role" in delta:
                out.append(self._chunk(index, {"role": delta["role"], "content": ""}))
            if raw.get("finish_reason"):
                choice.finish_reason = raw["finish_reason"]
        return out

    async def run(self) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        reader = asyncio.create_task(self._read(queue), name="guard-stream-reader")
        try:
            async for chunk in self._relay(queue):
                yield chunk
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _relay(self, queue: asyncio.Queue[Any]) -> AsyncIterator[bytes]:
        done = False
        while not done:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            for item in items:
                if item is _END:
                    done = True
                elif isinstance(item, UpstreamFailure):
                    async for chunk in self._fail(item):
                        yield chunk
                    return
                else:
                    for chunk in self._ingest(item):
                        yield chunk
            for index, choice in sorted(self.choices.items()):
                while choice.hold.releasable(final=done):
                    release = await choice.hold.advance(final=done)
                    if release.blocked and release.decision is not None:
                        async for chunk in self._block(release.decision, choice.hold.segment):
                            yield chunk
                        return
                    if release.text:
                        yield self._chunk(index, {"content": release.text})
                    if not done and not queue.empty():
                        break  # take the new chunks in first; they may change the picture
        async for chunk in self._finish():
            yield chunk

    async def _finish(self) -> AsyncIterator[bytes]:
        """Upstream done: check held tool calls/refusals, close every choice, audit."""
        for index, choice in sorted(self.choices.items()):
            if choice.tool_calls or choice.refusal:
                message = {"role": "assistant", "content": choice.refusal or None,
                           "tool_calls": [choice.tool_calls[i] for i in sorted(choice.tool_calls)]}
                if not choice.tool_calls:
                    del message["tool_calls"]
                decision = await self.state.check(self.guard, [message], Stage.OUTPUT,
                                                  self.context, record=False)
                choice.hold.remember(decision, str(message.get("content") or ""))
                if decision.action is Action.BLOCK:
                    async for chunk in self._block(decision, Message.from_dict(message)):
                        yield chunk
                    return
                final = decision.messages[0].to_dict() if decision.messages else message
                for i, call in enumerate(final.get("tool_calls") or []):
                    yield self._chunk(index, {"tool_calls": [{"index": i, **call}]})
                if choice.refusal:
                    yield self._chunk(index, {"refusal": final.get("content") or ""})
            yield self._chunk(index, {}, choice.finish_reason or "stop")
            choice.finished = True
        for event in self.tail:
            yield sse(event)
        yield DONE
        await self._audit(None)

    async def _block(self, decision: Decision, segment: str | Message) -> AsyncIterator[bytes]:
        info = guard_info(decision)
        settings = self.guard.policy.settings
        for index, choice in sorted(self.choices.items()):
            if choice.finished:
                continue
            if settings.block_response == "refusal":
                yield self._chunk(index, {"refusal": settings.refusal_message})
            yield self._chunk(index, {}, "content_filter", guard=info)
            choice.finished = True
        if settings.block_response == "error":
            rule_ids = [r.rule_id for r in decision.fired_rules]
            yield sse(blocked_error(decision.id, rule_ids, "output"))
        yield DONE
        await self._audit(decision, segment)

    async def _fail(self, exc: UpstreamFailure) -> AsyncIterator[bytes]:
        self.state.metrics.upstream_errors.labels(self.target.name, str(exc.status)).inc()
        yield sse(envelope(exc.message, type=exc.type, code=exc.code))
        yield DONE
        await self._audit(None, upstream_error=exc.message)

    async def _audit(self, decision: Decision | None, segment: str | Message | None = None,
                     upstream_error: str | None = None) -> None:
        """Record the stream's decisive check, with the characters sent before it."""
        released = sum(c.hold.sent_chars for c in self.choices.values())
        self.state.telemetry.record_stream_released(trace.get_current_span(), released)
        for choice in self.choices.values():
            self.state.metrics.stream_held.observe(choice.hold.checks)
        if decision is None:
            holds = [c.hold for c in self.choices.values() if c.hold.decision is not None]
            if not holds:
                return
            best = max(holds, key=lambda h: h.decision.action.severity if h.decision else 0)
            decision, segment = best.decision, best.segment
        if decision is None:
            return
        original = segment if isinstance(segment, Message) else Message(
            "assistant", segment or "")
        extra: dict[str, Any] = {"stream_chars_released": released, "http_status": 200}
        if upstream_error:
            extra["upstream_error"] = upstream_error
        await self.state.record(self.guard, decision, [original], extra)


def _merge_tool_call(calls: dict[int, dict[str, Any]], delta: Any) -> None:
    """Accumulate one streamed tool-call delta (arguments arrive in pieces)."""
    if not isinstance(delta, dict):
        return
    index = delta.get("index", 0) if isinstance(delta.get("index"), int) else 0
    call = calls.setdefault(index, {"id": None, "type": "function",
                                    "function": {"name": "", "arguments": ""}})
    if delta.get("id"):
        call["id"] = delta["id"]
    if delta.get("type"):
        call["type"] = delta["type"]
    fn = delta.get("function") or {}
    if fn.get("name"):
        call["function"]["name"] += fn["name"]
    if isinstance(fn.get("arguments"), str):
        call["function"]["arguments"] += fn["arguments"]
