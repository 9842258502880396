"""``guard.wrap(client)``: guard an existing OpenAI-compatible client without changing call sites.

``client.chat.completions.create(...)`` is checked before (the prompt) and after (the
completion). A block raises :class:`GuardBlocked` carrying the decision; a rewrite sends the
rewritten prompt upstream and returns the rewritten completion. Works with ``OpenAI`` and
``AsyncOpenAI`` (and any client shaped like them).

Streams: the library hook collects the stream, checks the whole completion, then replays it
(rewritten if needed) — no unchecked byte reaches the caller. The sidecar streams
incrementally with a hold-back window instead.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from guard.errors import GuardBlocked
from guard.types import Action, CheckContext, Decision, Message

if TYPE_CHECKING:
    from guard.guard import Guard


def wrap_client(guard: Guard, client: Any, **context: Any) -> Any:
    return _GuardedClient(guard, client, context)


def _context(kwargs: Mapping[str, Any], base: Mapping[str, Any]) -> CheckContext:
    return CheckContext(**{"model": kwargs.get("model"), **base})


def _prepared(decision: Decision, kwargs: dict[str, Any]) -> dict[str, Any]:
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    if decision.action is Action.REWRITE:
        kwargs = {**kwargs, "messages": [m.to_dict() for m in decision.messages]}
    return kwargs


def _completion_messages(response: Any) -> list[Message]:
    out = []
    for choice in getattr(response, "choices", None) or []:
        msg = choice.message
        raw = msg.model_dump(exclude_none=True) if hasattr(msg, "model_dump") else dict(msg)
        raw.setdefault("role", "assistant")
        out.append(Message.from_dict(raw))
    return out


def _rewritten_response(response: Any, decision: Decision) -> Any:
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    if decision.action is not Action.REWRITE:
        return response
    response = response.model_copy(deep=True) if hasattr(response, "model_copy") \
        else copy.deepcopy(response)
    for choice, new in zip(response.choices, decision.messages, strict=True):
        choice.message.content = new.content if isinstance(new.content, str) else None
        new_calls = new.extra.get("tool_calls")
        if new_calls and getattr(choice.message, "tool_calls", None):
            for call, new_call in zip(choice.message.tool_calls, new_calls, strict=True):
                call.function.arguments = new_call["function"]["arguments"]
    return response


def _stream_text(chunks: Sequence[Any]) -> str:
    parts = []
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or []:
            content = getattr(choice.delta, "content", None)
            if content:
                parts.append(content)
    return "".join(parts)


def _replay(chunks: list[Any], decision: Decision) -> list[Any]:
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    if decision.action is not Action.REWRITE or not chunks:
        return chunks
    text = decision.output_text or ""
    out: list[Any] = []
    placed = False
    for chunk in chunks:
        chunk = chunk.model_copy(deep=True) if hasattr(chunk, "model_copy") else chunk
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice.delta, "content", None):
                choice.delta.content = "" if placed else text
                placed = True
        out.append(chunk)
    return out


class _GuardedCompletions:
    def __init__(self, guard: Guard, inner: Any, context: Mapping[str, Any]) -> None:
        self._guard = guard
        self._inner = inner
        self._context = context
        # openai decorates create(); unwrap to see whether the real method is a coroutine.
        self._async = inspect.iscoroutinefunction(inspect.unwrap(inner.create))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create(self, **kwargs: Any) -> Any:
        if self._async:
            return self._acreate(**kwargs)
        ctx = _context(kwargs, self._context)
        kwargs = _prepared(self._guard.check_input(kwargs["messages"], context=ctx), kwargs)
        response = self._inner.create(**kwargs)
        if inspect.isawaitable(response):  # never hand back an unchecked completion
            response.close() if inspect.iscoroutine(response) else None
            raise TypeError("client returned an awaitable: wrap async clients from async code")
        if kwargs.get("stream"):
            chunks = list(response)
            decision = self._guard.check_output(_stream_text(chunks), context=ctx)
            return iter(_replay(chunks, decision))
        messages = _completion_messages(response)
        if not messages:
            return response
        return _rewritten_response(response, self._guard.check_output(messages, context=ctx))

    async def _acreate(self, **kwargs: Any) -> Any:
        ctx = _context(kwargs, self._context)
        kwargs = _prepared(await self._guard.acheck_input(kwargs["messages"], context=ctx), kwargs)
        response = await self._inner.create(**kwargs)
        if kwargs.get("stream"):
            chunks = [chunk async for chunk in response]
            decision = await self._guard.acheck_output(_stream_text(chunks), context=ctx)
            return _aiter(_replay(chunks, decision))
        messages = _completion_messages(response)
        if not messages:
            return response
        decision = await self._guard.acheck_output(messages, context=ctx)
        return _rewritten_response(response, decision)


async def _aiter(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


class _GuardedChat:
    def __init__(self, guard: Guard, inner: Any, context: Mapping[str, Any]) -> None:
        self._inner = inner
        self.completions = _GuardedCompletions(guard, inner.completions, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _GuardedClient:
    """Delegates everything to the wrapped client except ``chat.completions.create``."""

    def __init__(self, guard: Guard, client: Any, context: Mapping[str, Any]) -> None:
        self._client = client
        self.guard = guard
        self.chat = _GuardedChat(guard, client.chat, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


__all__ = ["wrap_client"]
