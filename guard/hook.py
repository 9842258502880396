"""``guard.wrap(client)``: guard an existing OpenAI-compatible client without changing call sites.

``client.chat.completions.create(...)`` is checked before (the prompt) and after (the
completion). A block raises :class:`GuardBlocked` carrying the decision; a rewrite sends the
rewritten prompt upstream and returns the rewritten completion. Works with ``OpenAI`` and
``AsyncOpenAI`` (and any client shaped like them).

Streams are guarded incrementally with the sidecar's hold-back window
(:mod:`guard.hook_stream`): no unchecked character reaches the caller.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from guard import hook_stream
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
            return hook_stream.stream(self._guard, iter(response), ctx)
        messages = _completion_messages(response)
        if not messages:
            return response
        return _rewritten_response(response, self._guard.check_output(messages, context=ctx))

    async def _acreate(self, **kwargs: Any) -> Any:
        ctx = _context(kwargs, self._context)
        kwargs = _prepared(await self._guard.acheck_input(kwargs["messages"], context=ctx), kwargs)
        response = await self._inner.create(**kwargs)
        if kwargs.get("stream"):
            return hook_stream.astream(self._guard, response.__aiter__(), ctx)
        messages = _completion_messages(response)
        if not messages:
            return response
        decision = await self._guard.acheck_output(messages, context=ctx)
        return _rewritten_response(response, decision)


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
