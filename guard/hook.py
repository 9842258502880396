"""``guard.wrap(client)``: guard an existing OpenAI-compatible client without changing call sites.

Every model-calling method the wrapper knows is checked before (the input) and after (the
output): ``chat.completions.create`` and ``.parse``, their ``with_raw_response`` and
``with_streaming_response`` twins, legacy ``completions.create``, ``embeddings.create``
(input only) and ``responses.create`` (input and output text). A block raises
:class:`GuardBlocked` carrying the decision; a rewrite sends the rewritten input upstream and
returns the rewritten output. Works with ``OpenAI`` and ``AsyncOpenAI`` (and any client shaped
like them).

Anything else that could reach a model — another API, raw ``post``/``request``, a stream the
wrapper cannot hold back, token-id input — raises :class:`UnguardedCallError` naming the
method: a guard that silently passed unknown calls would be bypassed by the first one.
Plain settings (``api_key``, ``base_url``, ``timeout`` ...), ``models`` and ``moderations``
pass through; ``with_options``/``copy`` return a wrapped client.

Chat streams are guarded incrementally with the sidecar's hold-back window
(:mod:`guard.hook_stream`): no unchecked character reaches the caller.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guard import hook_stream
from guard.errors import GuardBlocked, UnguardedCallError
from guard.types import Action, CheckContext, Decision, Message

if TYPE_CHECKING:
    from guard.guard import Guard


def wrap_client(guard: Guard, client: Any, **context: Any) -> Any:
    from guard import hook_anthropic  # the anthropic client has its own surface

    if hook_anthropic.is_anthropic(client):
        return hook_anthropic.wrap_anthropic(guard, client, context)
    return _GuardedClient(guard, client, context, "client")


def _context(kwargs: Mapping[str, Any], base: Mapping[str, Any]) -> CheckContext:
    return CheckContext(**{"model": kwargs.get("model"), **base})


def _copied(response: Any) -> Any:
    return response.model_copy(deep=True) if hasattr(response, "model_copy") \
        else copy.deepcopy(response)


def _texts(value: Any, method: str) -> list[str]:
    """A str or list of str (token-id input cannot be checked: refused)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise UnguardedCallError(method, "with token-id input cannot be checked")


# --- what each API sends and returns, as messages -----------------------------------------


@dataclass(frozen=True)
class _Api:
    """How one API's input and output map to messages, and rewrites back."""

    name: str
    inputs: Callable[[dict[str, Any]], list[Message]]
    rewrite_inputs: Callable[[dict[str, Any], Decision], dict[str, Any]]
    outputs: Callable[[Any], list[Message]] = lambda _r: []
    rewrite_outputs: Callable[[Any, Decision], Any] = lambda r, _d: r
    streams: bool = False


def _chat_inputs(kwargs: dict[str, Any]) -> list[Message]:
    return [m if isinstance(m, Message) else Message.from_dict(m) for m in kwargs["messages"]]


def _chat_rewrite_inputs(kwargs: dict[str, Any], decision: Decision) -> dict[str, Any]:
    return {**kwargs, "messages": [m.to_dict() for m in decision.messages]}


def _chat_outputs(response: Any) -> list[Message]:
    out = []
    for choice in getattr(response, "choices", None) or []:
        msg = choice.message
        raw = msg.model_dump(exclude_none=True, exclude={"parsed"}) \
            if hasattr(msg, "model_dump") else dict(msg)
        raw.pop("parsed", None)
        raw.setdefault("role", "assistant")
        out.append(Message.from_dict(raw))
    return out


def _chat_rewrite_outputs(response: Any, decision: Decision) -> Any:
    response = _copied(response)
    for choice, new in zip(response.choices, decision.messages, strict=True):
        choice.message.content = new.content if isinstance(new.content, str) else None
        if hasattr(choice.message, "parsed"):
            choice.message.parsed = None  # parsed from the text before it was rewritten
        new_calls = new.extra.get("tool_calls")
        if new_calls and getattr(choice.message, "tool_calls", None):
            for call, new_call in zip(choice.message.tool_calls, new_calls, strict=True):
                call.function.arguments = new_call["function"]["arguments"]
    return response


def _prompt_inputs(kwargs: dict[str, Any]) -> list[Message]:
    return [Message("user", t) for t in _texts(kwargs.get("prompt", ""), "completions.create")]


def _prompt_rewrite(kwargs: dict[str, Any], decision: Decision) -> dict[str, Any]:
    texts = [str(m.content or "") for m in decision.messages]
    return {**kwargs, "prompt": texts[0] if isinstance(kwargs.get("prompt"), str) else texts}


def _text_outputs(response: Any) -> list[Message]:
    return [Message("assistant", c.text or "") for c in getattr(response, "choices", None) or []]


def _text_rewrite_outputs(response: Any, decision: Decision) -> Any:
    response = _copied(response)
    for choice, new in zip(response.choices, decision.messages, strict=True):
        choice.text = str(new.content or "")
    return response


def _embedding_inputs(kwargs: dict[str, Any]) -> list[Message]:
    return [Message("user", t) for t in _texts(kwargs.get("input", ""), "embeddings.create")]


def _embedding_rewrite(kwargs: dict[str, Any], decision: Decision) -> dict[str, Any]:
    texts = [str(m.content or "") for m in decision.messages]
    return {**kwargs, "input": texts[0] if isinstance(kwargs.get("input"), str) else texts}


_RESPONSE_TEXT_PARTS = ("input_text", "output_text", "text")


def _response_inputs(kwargs: dict[str, Any]) -> list[Message]:
    """``instructions`` (as system) and ``input`` (a text, or role/content items)."""
    out = []
    if isinstance(kwargs.get("instructions"), str):
        out.append(Message("system", kwargs["instructions"]))
    items = kwargs.get("input", "")
    if isinstance(items, str):
        return [*out, Message("user", items)]
    for item in items:
        item = dict(item)
        content = item.get("content")
        if isinstance(content, str):
            out.append(Message(str(item.get("role", "user")), content))
        elif isinstance(content, list):
            parts = tuple({"type": "text", "text": p["text"]} for p in content
                          if p.get("type") in _RESPONSE_TEXT_PARTS)
            out.append(Message(str(item.get("role", "user")), parts))
        else:
            raise UnguardedCallError("responses.create", f"with an input item of type "
                                     f"{item.get('type')!r} cannot be checked")
    return out


def _response_rewrite(kwargs: dict[str, Any], decision: Decision) -> dict[str, Any]:
    new = list(decision.messages)
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("instructions"), str):
        kwargs["instructions"] = str(new.pop(0).content or "")
    items = kwargs.get("input", "")
    if isinstance(items, str):
        kwargs["input"] = str(new[0].content or "")
        return kwargs
    rewritten = []
    for item, message in zip(items, new, strict=True):
        item = dict(item)
        if isinstance(message.content, str):
            item["content"] = message.content
        elif isinstance(message.content, tuple):
            texts = iter(p.get("text") for p in message.content)
            item["content"] = [{**p, "text": next(texts)}
                               if p.get("type") in _RESPONSE_TEXT_PARTS else p
                               for p in item["content"]]
        rewritten.append(item)
    kwargs["input"] = rewritten
    return kwargs


def _response_parts(response: Any) -> list[Any]:
    return [part for item in getattr(response, "output", None) or []
            if getattr(item, "type", None) == "message"
            for part in getattr(item, "content", None) or []
            if getattr(part, "type", None) == "output_text"]


def _response_outputs(response: Any) -> list[Message]:
    return [Message("assistant", part.text or "") for part in _response_parts(response)]


def _response_rewrite_outputs(response: Any, decision: Decision) -> Any:
    response = _copied(response)
    for part, new in zip(_response_parts(response), decision.messages, strict=True):
        part.text = str(new.content or "")
    return response


CHAT = _Api("chat.completions", _chat_inputs, _chat_rewrite_inputs, _chat_outputs,
            _chat_rewrite_outputs, streams=True)
COMPLETIONS = _Api("completions", _prompt_inputs, _prompt_rewrite, _text_outputs,
                   _text_rewrite_outputs)
EMBEDDINGS = _Api("embeddings", _embedding_inputs, _embedding_rewrite)
RESPONSES = _Api("responses", _response_inputs, _response_rewrite, _response_outputs,
                 _response_rewrite_outputs)


# --- one guarded call, sync or async -----------------------------------------------------------


def _prepared(api: _Api, decision: Decision, kwargs: dict[str, Any]) -> dict[str, Any]:
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    return api.rewrite_inputs(kwargs, decision) if decision.action is Action.REWRITE else kwargs


def _finished(api: _Api, response: Any, decision: Decision | None) -> Any:
    if decision is None:
        return response
    if decision.action is Action.BLOCK:
        raise GuardBlocked(decision)
    return api.rewrite_outputs(response, decision) if decision.action is Action.REWRITE \
        else response


@dataclass
class _Call:
    """One guarded call of ``api``'s method ``label`` (for error messages)."""

    guard: Guard
    api: _Api
    label: str
    base: Mapping[str, Any]

    def _start(self, kwargs: dict[str, Any]) -> tuple[CheckContext, list[Message]]:
        if kwargs.get("stream") and not self.api.streams:
            raise UnguardedCallError(f"{self.label}(stream=True)",
                                     "cannot be held back by guard.wrap")
        try:
            return _context(kwargs, self.base), self.api.inputs(kwargs)
        except UnguardedCallError as exc:
            raise UnguardedCallError(self.label, exc.why) from None

    # sync
    def run(self, fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        ctx, inputs = self._start(kwargs)
        kwargs = _prepared(self.api, self.guard.check_input(inputs, context=ctx), kwargs)
        return ctx, fn(**kwargs), bool(kwargs.get("stream"))

    def output(self, ctx: CheckContext, response: Any, stream: bool) -> Any:
        if stream:
            return hook_stream.stream(self.guard, iter(response), ctx)
        messages = self.api.outputs(response)
        decision = self.guard.check_output(messages, context=ctx) if messages else None
        return _finished(self.api, response, decision)

    # async
    async def arun(self, fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        ctx, inputs = self._start(kwargs)
        decision = await self.guard.acheck_input(inputs, context=ctx)
        kwargs = _prepared(self.api, decision, kwargs)
        return ctx, await fn(**kwargs), bool(kwargs.get("stream"))

    async def aoutput(self, ctx: CheckContext, response: Any, stream: bool) -> Any:
        if stream:
            return hook_stream.astream(self.guard, response.__aiter__(), ctx)
        messages = self.api.outputs(response)
        decision = await self.guard.acheck_output(messages, context=ctx) if messages else None
        return _finished(self.api, response, decision)


def _is_async(method: Any) -> bool:
    # openai decorates its methods; unwrap to see whether the real one is a coroutine.
    return inspect.iscoroutinefunction(inspect.unwrap(method))


class _CheckedResponse:
    """A raw/streaming HTTP response whose ``parse()`` returns the *checked* object; reading
    the body any other way (bytes, lines, text, json) would bypass the output check."""

    _UNCHECKED = frozenset({"read", "text", "json", "content", "iter_bytes", "iter_text",
                            "iter_lines", "iter_raw", "stream_to_file", "aread", "aiter_bytes",
                            "aiter_text", "aiter_lines", "aiter_raw"})

    def __init__(self, inner: Any, checked: Any, label: str) -> None:
        self._inner = inner
        self._checked = checked
        self._label = label

    def parse(self, **_kwargs: Any) -> Any:
        return self._checked

    def __getattr__(self, name: str) -> Any:
        if name in self._UNCHECKED:
            raise UnguardedCallError(f"{self._label}(...).{name}",
                                     "returns the unchecked body; use .parse()")
        return getattr(self._inner, name)


class _ACheckedResponse(_CheckedResponse):
    async def parse(self, **_kwargs: Any) -> Any:
        return self._checked


class _GuardedMethods:
    """``create`` (and ``parse`` for chat) of one API resource, plain, raw or streaming."""

    def __init__(self, guard: Guard, inner: Any, api: _Api, context: Mapping[str, Any],
                 path: str, mode: str = "plain") -> None:
        self._guard, self._inner, self._api = guard, inner, api
        self._context, self._path, self._mode = context, path, mode
        self._methods = ("create", "parse") if api is CHAT else ("create",)

    def _call(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)
        call = _Call(self._guard, self._api, f"{self._path}.{name}", self._context)
        if self._mode == "raw":
            return self._raw(call, method)
        if self._mode == "streaming":
            return self._streaming(call, method)
        if _is_async(method):
            async def acall(**kwargs: Any) -> Any:
                ctx, response, stream = await call.arun(method, kwargs)
                return await call.aoutput(ctx, response, stream)
            return acall

        def run(**kwargs: Any) -> Any:
            ctx, response, stream = call.run(method, kwargs)
            if inspect.isawaitable(response):  # never hand back an unchecked completion
                response.close() if inspect.iscoroutine(response) else None
                raise TypeError("client returned an awaitable: wrap async clients from "
                                "async code")
            return call.output(ctx, response, stream)
        return run

    def _raw(self, call: _Call, method: Any) -> Callable[..., Any]:
        if _is_async(method):
            async def acall(**kwargs: Any) -> Any:
                ctx, raw, stream = await call.arun(method, kwargs)
                checked = await call.aoutput(ctx, await raw.parse(), stream)
                return _ACheckedResponse(raw, checked, call.label)
            return acall

        def run(**kwargs: Any) -> Any:
            ctx, raw, stream = call.run(method, kwargs)
            return _CheckedResponse(raw, call.output(ctx, raw.parse(), stream), call.label)
        return run

    def _streaming(self, call: _Call, method: Any) -> Callable[..., Any]:
        guarded = self

        class _Manager:
            def __init__(self, kwargs: dict[str, Any]) -> None:
                self.kwargs = kwargs
                self.inner: Any = None

            def __enter__(self) -> _CheckedResponse:
                ctx, self.inner, stream = call.run(method, self.kwargs)
                response = self.inner.__enter__()
                return _CheckedResponse(response, call.output(ctx, response.parse(), stream),
                                        call.label)

            def __exit__(self, *exc: Any) -> Any:
                return self.inner.__exit__(*exc) if self.inner is not None else None

            async def __aenter__(self) -> _ACheckedResponse:
                ctx, self.inner, stream = await guarded._no_await(call, method, self.kwargs)
                response = await self.inner.__aenter__()
                checked = await call.aoutput(ctx, await response.parse(), stream)
                return _ACheckedResponse(response, checked, call.label)

            async def __aexit__(self, *exc: Any) -> Any:
                return await self.inner.__aexit__(*exc) if self.inner is not None else None

        return lambda **kwargs: _Manager(kwargs)

    @staticmethod
    async def _no_await(call: _Call, method: Any, kwargs: dict[str, Any]) -> Any:
        """Async streaming-response methods return their context manager without awaiting."""
        ctx, inputs = call._start(kwargs)
        decision = await call.guard.acheck_input(inputs, context=ctx)
        kwargs = _prepared(call.api, decision, kwargs)
        return ctx, method(**kwargs), bool(kwargs.get("stream"))

    def __getattr__(self, name: str) -> Any:
        if name in self._methods:
            return self._call(name)
        if self._mode == "plain" and name in ("with_raw_response", "with_streaming_response"):
            mode = "raw" if name == "with_raw_response" else "streaming"
            return _GuardedMethods(self._guard, getattr(self._inner, name), self._api,
                                   self._context, f"{self._path}.{name}", mode)
        raise UnguardedCallError(f"{self._path}.{name}")


class _Namespace:
    """A wrapped attribute tree: known children are guarded, everything else refused."""

    def __init__(self, path: str, children: Mapping[str, Any]) -> None:
        self._path = path
        self._children = children

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._children:
            return self._children[name]
        raise UnguardedCallError(f"{self._path}.{name}")


_PASS_THROUGH = frozenset({"models", "moderations", "close", "is_closed"})
_REWRAP = frozenset({"with_options", "copy"})
_PLAIN = (str, int, float, bool, type(None), Mapping)


class _GuardedClient:
    """Delegates settings to the wrapped client; guards the model-calling APIs it knows and
    refuses the rest (see the module docstring)."""

    def __init__(self, guard: Guard, client: Any, context: Mapping[str, Any], path: str) -> None:
        self._client = client
        self._context = context
        self.guard = guard

        def methods(inner: Any, api: _Api, name: str) -> _GuardedMethods:
            return _GuardedMethods(guard, inner, api, context, f"{path}.{name}")

        self.chat = _Namespace(f"{path}.chat", {"completions": methods(
            client.chat.completions, CHAT, "chat.completions")})
        self.completions = methods(getattr(client, "completions", None), COMPLETIONS,
                                   "completions")
        self.embeddings = methods(getattr(client, "embeddings", None), EMBEDDINGS, "embeddings")
        self.responses = methods(getattr(client, "responses", None), RESPONSES, "responses")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self._client, name)
        if name in _PASS_THROUGH or isinstance(value, _PLAIN):
            return value
        if name in _REWRAP:
            def rewrapped(*args: Any, **kwargs: Any) -> _GuardedClient:
                return _GuardedClient(self.guard, value(*args, **kwargs), self._context,
                                      f"client.{name}(...)")
            return rewrapped
        if not callable(value) and not hasattr(value, "_client"):
            return value  # settings objects (timeouts, URLs, headers)
        raise UnguardedCallError(f"client.{name}")


__all__ = ["wrap_client"]
