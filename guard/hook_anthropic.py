"""``guard.wrap(anthropic.Anthropic(...))`` / ``AsyncAnthropic``: ``messages.create`` guarded
both ways, streams through the core stream guard (:mod:`guard.engine.stream`).

The request's ``system``, text, ``tool_result`` and ``tool_use`` blocks are checked before the
call (a rewrite sends the rewritten blocks); the answer's blocks after it (a rewrite returns
them rewritten); a block raises :class:`GuardBlocked`. With ``stream=True`` each content
block's deltas are held back until cleared and released before its ``content_block_stop``,
as in the sidecar. ``messages.stream(...)`` (the SDK's accumulating helper) is refused rather
than passed through unchecked: use ``messages.create(stream=True)``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from guard.engine.stream import StreamGuard
from guard.errors import GuardBlocked
from guard.formats import anthropic as fmt
from guard.formats.events import Chunk, Emit
from guard.types import Action, CheckContext, Decision

if TYPE_CHECKING:
    from guard.guard import Guard


def is_anthropic(client: Any) -> bool:
    """Whether ``client`` is an ``anthropic`` SDK client (duck-typed on its module)."""
    return type(client).__module__.split(".")[0] == "anthropic"


def wrap_anthropic(guard: Guard, client: Any, context: Mapping[str, Any]) -> Any:
    return _GuardedAnthropic(guard, client, context)


def _request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {"messages": list(kwargs.get("messages") or [])}
    if isinstance(kwargs.get("system"), str | list):
        raw["system"] = kwargs["system"]
    return raw


def _prepared(decision: Decision, kwargs: dict[str, Any], raw: dict[str, Any],
              places: list[fmt.Place]) -> dict[str, Any]:
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    if decision.action is Action.REWRITE:
        kwargs = {**kwargs, **fmt.rewrite_request(raw, decision.messages, places)}
    return kwargs


def _checked_response(response: Any, decision: Decision | None, data: dict[str, Any],
                      places: list[fmt.Place]) -> Any:
    if decision is None or decision.action is not Action.REWRITE:
        if decision is not None and decision.action is Action.BLOCK:
            raise GuardBlocked(decision)
        return response
    fmt.rewrite_response(data, decision.messages, places)
    return type(response).model_validate(data)


class _Events:
    """One guarded stream: the SDK's event objects in, released event objects out."""

    def __init__(self, core: StreamGuard) -> None:
        self.core = core
        self.steps = fmt.MessageSteps()
        self.delta_type: Any = None

    async def step(self, event: Any) -> list[Any]:
        data = event.model_dump() if hasattr(event, "model_dump") else dict(event)
        if data.get("type") == "content_block_delta":
            self.delta_type = type(event)
        out: list[Any] = []
        for step in self.steps.inbound(data):
            if isinstance(step, Chunk):
                self.core.ingest(step.chunk)
            elif isinstance(step, Emit):
                out.append(event)
            else:
                out += self._released(await self.core.release(final=True, only=step.index))
        return out + self._released(await self.core.release())

    async def finish(self) -> list[Any]:
        return self._released(await self.core.finish())

    def _released(self, step: Any) -> list[Any]:
        out = []
        for chunk in step.chunks:
            for event in self.steps.released(chunk):
                out.append(event if self.delta_type is None
                           else self.delta_type.model_validate(event))
        if step.blocked is not None:
            raise GuardBlocked(step.blocked)
        return out


class _GuardedMessages:
    def __init__(self, guard: Guard, inner: Any, context: Mapping[str, Any]) -> None:
        self._guard = guard
        self._inner = inner
        self._context = context
        self._async = inspect.iscoroutinefunction(inspect.unwrap(inner.create))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("messages.stream() is not guarded by guard.wrap; use "
                        "messages.create(stream=True)")

    def _ctx(self, kwargs: Mapping[str, Any]) -> CheckContext:
        return CheckContext(**{"model": kwargs.get("model"), **self._context})

    def create(self, **kwargs: Any) -> Any:
        if self._async:
            return self._acreate(**kwargs)
        ctx = self._ctx(kwargs)
        raw = _request(kwargs)
        messages, places = fmt.request_messages(raw)
        kwargs = _prepared(self._guard.check_input(messages, context=ctx), kwargs, raw, places)
        response = self._inner.create(**kwargs)
        if kwargs.get("stream"):
            return self._stream(iter(response), ctx)
        data = response.model_dump()
        out, out_places = fmt.response_messages(data)
        decision = self._guard.check_output(out, context=ctx) if out else None
        return _checked_response(response, decision, data, out_places)

    async def _acreate(self, **kwargs: Any) -> Any:
        ctx = self._ctx(kwargs)
        raw = _request(kwargs)
        messages, places = fmt.request_messages(raw)
        kwargs = _prepared(await self._guard.acheck_input(messages, context=ctx), kwargs, raw,
                           places)
        response = await self._inner.create(**kwargs)
        if kwargs.get("stream"):
            return self._astream(response.__aiter__(), ctx)
        data = response.model_dump()
        out, out_places = fmt.response_messages(data)
        decision = await self._guard.acheck_output(out, context=ctx) if out else None
        return _checked_response(response, decision, data, out_places)

    def _stream(self, events: Iterator[Any], ctx: CheckContext) -> Iterator[Any]:
        guarded = _Events(self._guard.open_stream(ctx))
        for event in events:
            yield from self._guard.call_sync(guarded.step(event))
        yield from self._guard.call_sync(guarded.finish())

    async def _astream(self, events: AsyncIterator[Any], ctx: CheckContext
                       ) -> AsyncIterator[Any]:
        guarded = _Events(self._guard.open_stream(ctx))
        async for event in events:
            for out in await guarded.step(event):
                yield out
        for out in await guarded.finish():
            yield out


class _GuardedAnthropic:
    """Delegates everything to the wrapped client except ``messages.create``."""

    def __init__(self, guard: Guard, client: Any, context: Mapping[str, Any]) -> None:
        self._client = client
        self.guard = guard
        self.messages = _GuardedMessages(guard, client.messages, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


__all__ = ["is_anthropic", "wrap_anthropic"]
