"""Incremental guarding of streamed completions for ``guard.wrap(client)``.

Uses the same hold-back window as the sidecar (:mod:`guard.engine.holdback`): text chunks
are released only once the output policy has cleared them in context, rewritten text is what
comes out, and a block raises :class:`GuardBlocked` before any unchecked character is
returned. Tool-call deltas are held until the stream ends and checked whole.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from guard.engine.holdback import HoldBack, Release
from guard.errors import GuardBlocked
from guard.types import CheckContext, Decision, Message, Stage

if TYPE_CHECKING:
    from guard.guard import Guard


class _StreamState:
    """Per-stream bookkeeping shared by the sync and async iterators."""

    def __init__(self, guard: Guard, context: CheckContext) -> None:
        self.guard = guard
        self.context = context
        window = guard.policy.settings.stream_window_chars
        self.holdback = HoldBack(self._check, window=window, lookbehind=max(256, 4 * window))
        self.tool_chunks: list[Any] = []
        self.tool_args: dict[int, list[str]] = {}

    async def _check(self, text: str) -> Decision:
        return await self.guard.acheck(text, stage=Stage.OUTPUT, context=self.context,
                                       record=False)

    def split(self, chunk: Any) -> tuple[str, bool, bool]:
        """(text delta, has tool-call deltas, ends the stream)."""
        text, tools, done = "", False, False
        for choice in getattr(chunk, "choices", None) or []:
            delta = choice.delta
            text += getattr(delta, "content", None) or ""
            for call in getattr(delta, "tool_calls", None) or []:
                tools = True
                args = getattr(getattr(call, "function", None), "arguments", None) or ""
                self.tool_args.setdefault(call.index, []).append(args)
            done = done or choice.finish_reason is not None
        return text, tools, done

    def emit(self, chunk: Any, release: Release) -> Any | None:
        if release.blocked:
            assert release.decision is not None
            raise GuardBlocked(release.decision)
        if not release.text:
            return None
        out = chunk.model_copy(deep=True) if hasattr(chunk, "model_copy") else copy.copy(chunk)
        out.choices = out.choices[:1]
        out.choices[0].delta.content = release.text
        out.choices[0].delta.tool_calls = None
        out.choices[0].finish_reason = None
        return out

    async def check_tools(self) -> None:
        if not self.tool_args:
            return
        calls = [{"id": str(i), "type": "function",
                  "function": {"name": "", "arguments": "".join(parts)}}
                 for i, parts in sorted(self.tool_args.items())]
        decision = await self.guard.acheck(
            [Message(role="assistant", content=None, extra={"tool_calls": calls})],
            stage=Stage.OUTPUT, context=self.context, record=False)
        self.holdback.remember(decision)
        if decision.blocked:
            raise GuardBlocked(decision)

    async def audit(self) -> None:
        decision = self.holdback.decision
        recorder = self.guard.recorder
        if recorder is None or decision is None:
            return
        await recorder.record(decision, original=[Message("assistant", self.holdback.segment)],
                              retention=self.guard.policy.settings.retention,
                              extra={"stream_chars_released": self.holdback.sent_chars})


async def _step(state: _StreamState, chunk: Any) -> list[Any]:
    """Feed one upstream chunk; return the chunks that may now go to the caller."""
    hb = state.holdback
    text, tools, done = state.split(chunk)
    hb.feed(text)
    if tools:
        state.tool_chunks.append(chunk)
        return []
    out: list[Any] = []
    while hb.releasable(final=done):
        released = state.emit(chunk, await hb.advance(final=done))
        if released is not None:
            out.append(released)
    if done:
        await state.check_tools()
        out.extend(state.tool_chunks)
        await state.audit()
    if done or not text:
        out.append(_without_content(chunk, text))
    return out


async def astream(guard: Guard, stream: AsyncIterator[Any],
                  context: CheckContext) -> AsyncIterator[Any]:
    state = _StreamState(guard, context)
    async for chunk in stream:
        for out in await _step(state, chunk):
            yield out


def stream(guard: Guard, chunks: Iterator[Any], context: CheckContext) -> Iterator[Any]:
    """Sync twin of :func:`astream`: upstream reads stay in the caller's thread, checks run on
    the guard's loop."""
    state = _StreamState(guard, context)
    for chunk in chunks:
        yield from guard._run(_step(state, chunk))


def _without_content(chunk: Any, text: str) -> Any:
    """The chunk with its (already released) text removed: role, finish_reason, usage stay."""
    if not text:
        return chunk
    out = chunk.model_copy(deep=True) if hasattr(chunk, "model_copy") else copy.copy(chunk)
    for choice in out.choices:
        choice.delta.content = None
    return out
