"""A small, real OpenAI-compatible HTTP server for tests and benchmarks.

Why a real server: the sidecar, the ``openai`` client (which uses ``httpx2``) and the library
hook must be exercised over real sockets, with real chunked SSE framing and real connection
faults; a mock transport cannot drop a TCP connection halfway through a stream.

Python API (stable; other engineers depend on it)::

    from tests.support.stub_upstream import StubUpstream

    with StubUpstream() as stub:                 # uvicorn in a thread on 127.0.0.1:<free port>
        client = openai.OpenAI(base_url=stub.base_url, api_key="sk-test")   # base_url ends in /v1
        stub.reply = "scripted answer"           # None (default): echo "Echo: <last user text>"
        stub.chunks = ["scr", "ipted"]           # exact stream chunk boundaries (overrides reply)
        stub.choices = ["first", "second"]       # stream: one text per choice (n > 1), interleaved
        stub.tool_calls = [{"id": "call_1", "type": "function",
                            "function": {"name": "f", "arguments": "{\\"a\\": 1}"}}]
        stub.fault = "slow"                      # None | "slow" | "error" | "drop" | "malformed"
        stub.slow_seconds = 2.0                  # delay before the response ("slow")
        stub.error_status = 500                  # status of "error" (body: OpenAI error envelope)
        stub.error_message = "..."               # message in that envelope
        stub.chunk_delay = 0.01                  # seconds between stream chunks
        stub.first_token_delay = 0.25            # seconds before the first content (paced model)
        stub.pace_non_stream = True              # non-stream waits as long as the stream takes
        stub.vary_reply = True                   # a fresh nonce every 20 words of each reply
        stub.reject_stream = True                # 400 to stream: true (a JSON-only endpoint)
        stub.disconnects                         # requests the client closed before the end
        stub.extra_fields = {"service_tier": "x"}  # merged into every completion / chunk
        stub.reasoning = ["Let me ", "think."]  # DeepSeek R1 style: message.reasoning_content,
                                                 # streamed as reasoning_content deltas first
        stub.extra_delta = {"audio": {"id": "a"}}  # merged into every streamed content delta
                                                 # (logprobs per content chunk when asked)
        stub.response_headers = {"x-ratelimit-remaining-requests": "9"}  # on chat answers
        stub.error_headers = {"retry-after": "3"}  # on "error" answers
        stub.requests[-1].json                   # every request received (RecordedRequest)
        stub.requests[-1].query                  # its raw query string ("api-version=...")
        stub.reset()                             # back to defaults, requests cleared

Or without a context manager: ``stub = StubUpstream().start()`` ... ``stub.stop()``.
In pytest, wrap it in a fixture (``yield`` inside ``with StubUpstream() as stub``).

Faults, stream and non-stream:

- ``slow``: sleep ``slow_seconds`` before the response (stream: before the first chunk).
- ``error``: ``error_status`` with ``{"error": {...}}`` (before any stream chunk).
- ``drop``: non-stream: headers and half a body, then the TCP connection is closed;
  stream: the first chunk(s) (``drop_after_chunks``, default 1), then closed, no ``[DONE]``.
- ``malformed``: non-stream: a 200 body that is not JSON; stream: after ``drop_after_chunks``
  good chunks, a ``data:`` line that is not JSON, then the rest and ``[DONE]``.

``faults`` (a list) is consumed one entry per chat request before ``fault`` applies, so a test
can fail exactly the first request.

Endpoints: ``POST /v1/chat/completions``, ``GET /v1/models`` (``models``), ``POST
/v1/moderations`` (nothing flagged), ``POST /v1/completions`` (legacy; ``reply``/``chunks``
or an echo of the prompt), ``POST /v1/embeddings`` (one small vector per input), ``POST
/v1/responses`` (Responses API, stream or not: ``reasoning``, ``reply``/``chunks``,
``tool_calls`` as reasoning, message and function_call items), ``POST /v1/messages``
(Anthropic Messages, stream or not: thinking, text and tool_use blocks from the same script).
Standalone, for benchmarks and manual runs
(``--reply-words N``: N words of English prose, also available as ``prose(N)``)::

    python -m tests.support.stub_upstream --port 18080 [--reply-words 300] [--chunk-delay 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

import uvicorn

Fault = Literal["slow", "error", "drop", "malformed"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

__all__ = ["Fault", "RecordedRequest", "StubUpstream", "prose"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the stub received: headers lower-cased, ``json`` parsed when possible."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    query: str = ""


@dataclass
class _Script:
    reply: str | None = None
    chunks: list[str] | None = None
    choices: list[str] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    fault: Fault | None = None
    faults: list[Fault | None] = field(default_factory=list)
    slow_seconds: float = 2.0
    error_status: int = 500
    error_message: str = "stub upstream failure"
    chunk_delay: float = 0.0
    first_token_delay: float = 0.0
    pace_non_stream: bool = False
    vary_reply: bool = False
    reject_stream: bool = False
    drop_after_chunks: int = 1
    extra_fields: dict[str, Any] = field(default_factory=dict)
    reasoning: list[str] | None = None
    extra_delta: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    error_headers: dict[str, str] = field(default_factory=dict)
    models: list[str] = field(default_factory=lambda: ["stub-model", "stub-model-2"])


class _Abort(Exception):
    """Raised inside the ASGI app to make uvicorn close the connection mid-response."""


_WORD = re.compile(r"\S+\s*|\s+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text) or [""]


def _last_user_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    for msg in reversed(messages if isinstance(messages, list) else []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


class StubUpstream:
    """An OpenAI-compatible upstream on 127.0.0.1, scripted through attributes (see module doc)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 tls: tuple[str, str] | None = None) -> None:
        """``tls``: (certificate chain file, key file) to serve HTTPS instead of HTTP."""
        self._script = _Script()
        self._tls = tls
        self.requests: list[RecordedRequest] = []
        self.disconnects: list[RecordedRequest] = []
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    # --- scripting: attribute access is forwarded to the script so reset() is one line ---
    def __getattr__(self, name: str) -> Any:
        script = self.__dict__.get("_script")
        if script is not None and name in _Script.__dataclass_fields__:
            return getattr(script, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _Script.__dataclass_fields__:
            setattr(self._script, name, value)
        else:
            object.__setattr__(self, name, value)

    def reset(self) -> None:
        """Restore the default script (echo, no fault) and forget recorded requests."""
        self._script = _Script()
        self.requests.clear()
        self.disconnects.clear()

    # --- lifecycle ---
    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("stub upstream is not started")
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        """Root URL, without ``/v1``."""
        return f"{'http' if self._tls is None else 'https'}://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI base URL (``.../v1``), what ``openai.OpenAI(base_url=...)`` expects."""
        return f"{self.url}/v1"

    def start(self) -> StubUpstream:
        """Bind a socket, start uvicorn in a daemon thread and wait until it accepts."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._sock = sock
        config = uvicorn.Config(
            self._app, log_level="critical", access_log=False, lifespan="off", interface="asgi3",
            timeout_graceful_shutdown=1, timeout_keep_alive=30,
            ssl_certfile=None if self._tls is None else self._tls[0],
            ssl_keyfile=None if self._tls is None else self._tls[1],
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="stub-upstream", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("stub upstream did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and join its thread (in-flight slow requests are cut)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = None

    def __enter__(self) -> StubUpstream:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- ASGI app ---
    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        self.requests.append(RecordedRequest(scope["method"], path, headers, body, parsed,
                                             query))
        if path.endswith("/models") and scope["method"] == "GET":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "stub"}
                    for m in self._script.models]
            await _json(send, 200, {"object": "list", "data": data})
        elif path.endswith("/moderations"):
            await _json(send, 200, {"id": "modr-stub", "model": "stub", "results": []})
        elif path.endswith("/v1/messages") and isinstance(parsed, dict):
            await self._watched(self._thinking(self._messages(parsed, send)), receive)
        elif path.endswith("/v1/responses") and isinstance(parsed, dict):
            await self._watched(self._thinking(self._responses(parsed, send)), receive)
        elif path.endswith("/embeddings") and isinstance(parsed, dict):
            await self._watched(self._thinking(self._embeddings(parsed, send)), receive)
        elif path.endswith("/v1/completions") and isinstance(parsed, dict):
            await self._watched(self._thinking(self._legacy(parsed, send)), receive)
        elif path.endswith("/chat/completions") and scope["method"] == "POST":
            if not isinstance(parsed, dict):
                await _json(send, 400, _error("body is not a JSON object", 400))
                return
            await self._watched(self._chat(parsed, send), receive)
        else:
            await _json(send, 404, _error(f"no route {path}", 404))

    async def _thinking(self, answer: Awaitable[None]) -> None:
        """The other APIs wait ``first_token_delay`` before answering at all (chat paces its
        own stream: headers and role first, then the delay)."""
        if self._script.first_token_delay:
            await asyncio.sleep(self._script.first_token_delay)
        await answer

    async def _watched(self, answer: Awaitable[None], receive: Receive) -> None:
        """Serve a request while watching for the client closing the connection early
        (what a cancelled upstream call looks like from the model's side)."""
        request = self.requests[-1]
        finished = False

        async def watch() -> None:
            message = await receive()
            if message.get("type") == "http.disconnect" and not finished:
                self.disconnects.append(request)

        watcher = asyncio.create_task(watch())
        try:
            await answer
            finished = True
        finally:
            if finished:
                watcher.cancel()

    async def _chat(self, body: dict[str, Any], send: Send) -> None:
        script = self._script
        fault = script.faults.pop(0) if script.faults else script.fault
        if fault == "slow":
            await asyncio.sleep(script.slow_seconds)
        if fault == "error":
            await _json(send, script.error_status, _error(script.error_message,
                                                          script.error_status),
                        script.error_headers)
            return
        if script.reject_stream and body.get("stream") is True:
            await _json(send, 400, _error("stream is not supported for this model", 400))
            return
        text: str | None = script.reply
        if text is None and script.choices:
            text = script.choices[0]
        if text is None and script.chunks is not None:
            text = "".join(script.chunks)
        if text is None and not script.tool_calls:
            text = "Echo: " + _last_user_text(body)
        if script.vary_reply and text:
            text = vary(text)
        model = str(body.get("model", "stub-model"))
        if body.get("stream") is True:
            await self._stream(body, model, text, fault, send)
        else:
            await self._complete(body, model, text, fault, send)

    async def _complete(
        self, body: dict[str, Any], model: str, text: str | None, fault: Fault | None,
        send: Send,
    ) -> None:
        script = self._script
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if script.reasoning is not None:
            message["reasoning_content"] = "".join(script.reasoning)
        finish = "stop"
        if script.tool_calls:
            message["tool_calls"] = script.tool_calls
            finish = "tool_calls"
        prompt_tokens = len(_words(_last_user_text(body)))
        completion_tokens = len(_words(text or ""))
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
            "created": int(time.time()), "model": model, "system_fingerprint": "fp_stub",
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
            **script.extra_fields,
        }
        raw = json.dumps(payload).encode()
        if script.first_token_delay:
            await asyncio.sleep(script.first_token_delay)
        if script.pace_non_stream and script.chunk_delay:
            await asyncio.sleep(script.chunk_delay * completion_tokens)
        if fault == "malformed":
            raw = b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess'
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(raw)).encode()), *_encode(script.response_headers)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if fault == "drop":
            await send({"type": "http.response.body", "body": raw[: len(raw) // 2],
                        "more_body": True})
            raise _Abort("dropped by stub")
        await send({"type": "http.response.body", "body": raw})

    async def _stream(
        self, body: dict[str, Any], model: str, text: str | None, fault: Fault | None,
        send: Send,
    ) -> None:
        script = self._script
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> bytes:
            logprobs = None
            if isinstance(delta.get("content"), str) and delta["content"]:
                delta = {**delta, **script.extra_delta}
                if body.get("logprobs") is True:
                    logprobs = {"content": [{"token": delta["content"], "logprob": -0.5,
                                             "bytes": None, "top_logprobs": []}],
                                "refusal": None}
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created,
                   "model": model, "system_fingerprint": "fp_stub",
                   "choices": [{"index": index, "delta": delta, "logprobs": logprobs,
                                "finish_reason": finish}], **script.extra_fields}
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"reasoning_content": r}) for r in script.reasoning or []]
        pieces = script.chunks if script.chunks is not None else (
            _words(text) if text else [])
        others = [_words(t) for t in (script.choices or [])[1:]]
        events += [chunk({"role": "assistant", "content": ""}, index=i)
                   for i in range(1, len(others) + 1)]
        texts = [pieces, *others]
        for step in range(max(len(w) for w in texts)):   # round-robin over the choices
            events += [chunk({"content": words[step]}, index=index)
                       for index, words in enumerate(texts) if step < len(words)]
        events += [chunk({}, "stop", index=i) for i in range(1, len(others) + 1)]
        for i, call in enumerate(script.tool_calls or []):
            fn = call.get("function", {})
            args = str(fn.get("arguments", ""))
            events.append(chunk({"tool_calls": [{
                "index": i, "id": call.get("id"), "type": "function",
                "function": {"name": fn.get("name"), "arguments": ""}}]}))
            step = max(1, len(args) // 3)
            events += [chunk({"tool_calls": [{"index": i, "function": {
                "arguments": args[j:j + step]}}]}) for j in range(0, len(args), step)]
        events.append(chunk({}, "tool_calls" if script.tool_calls else "stop"))
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            p, c = len(_words(_last_user_text(body))), len(pieces)
            usage = {"id": cid, "object": "chat.completion.chunk", "created": created,
                     "model": model, "choices": [],
                     "usage": {"prompt_tokens": p, "completion_tokens": c,
                               "total_tokens": p + c}}
            events.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
        events.append(b"data: [DONE]\n\n")
        if fault == "malformed":
            events.insert(script.drop_after_chunks + 1, b'data: {"id": "broken", "choi\n\n')
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
                   *_encode(script.response_headers)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        loop = asyncio.get_running_loop()
        first = 0.0
        for n, event in enumerate(events):
            if fault == "drop" and n > script.drop_after_chunks:
                raise _Abort("dropped by stub")
            if n == 1:  # headers and role at once, then think
                if script.first_token_delay:
                    await asyncio.sleep(script.first_token_delay)
                first = loop.time()
            elif n and script.chunk_delay:
                # Paced on the clock, as a model emits tokens at a rate: sleeping a fixed
                # delay per chunk drifted (~0.5 ms a chunk), so a streamed answer took longer
                # than the same answer unstreamed and skewed stream-versus-JSON comparisons.
                await asyncio.sleep(max(0.0, first + (n - 1) * script.chunk_delay - loop.time()))
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def _embeddings(self, body: dict[str, Any], send: Send) -> None:
        """One deterministic 4-dimensional vector per input text."""
        texts = body.get("input")
        items = texts if isinstance(texts, list) else [texts]
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(len(str(t))), float(i), 0.5, -0.25]}
                for i, t in enumerate(items)]
        tokens = sum(len(_words(str(t))) for t in items)
        await _json(send, 200, {"object": "list", "data": data, "model": body.get("model"),
                                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    async def _messages(self, body: dict[str, Any], send: Send) -> None:
        """Anthropic Messages API: a thinking block (``reasoning``), a text block (``reply`` /
        ``chunks`` / echo of the last user text) and tool_use blocks (``tool_calls``)."""
        script = self._script
        last = ""
        for msg in body.get("messages") or []:
            content = msg.get("content") if isinstance(msg, dict) else None
            if isinstance(content, str):
                last = content
            elif isinstance(content, list):
                texts = []
                for block in content:
                    if not isinstance(block, dict):
                        continue
                    if block.get("type") == "text":
                        texts.append(str(block.get("text", "")))
                    elif block.get("type") == "tool_result":
                        inner = block.get("content")
                        texts.append(inner if isinstance(inner, str) else " ".join(
                            str(b.get("text", "")) for b in inner or [] if isinstance(b, dict)))
                last = " ".join(texts)
        text = script.reply if script.reply is not None else (
            "".join(script.chunks) if script.chunks is not None else "Echo: " + last)
        pieces = script.chunks if script.chunks is not None else _words(text)
        blocks: list[dict[str, Any]] = []
        if script.reasoning is not None:
            blocks.append({"type": "thinking", "thinking": "".join(script.reasoning),
                           "signature": "sig"})
        blocks.append({"type": "text", "text": text})
        for call in script.tool_calls or []:
            fn = call.get("function", {})
            blocks.append({"type": "tool_use", "id": call.get("id"), "name": fn.get("name"),
                           "input": json.loads(fn.get("arguments") or "{}")})
        message = {"id": f"msg_{uuid.uuid4().hex[:12]}", "type": "message",
                   "role": "assistant", "model": str(body.get("model", "stub-model")),
                   "content": blocks, "stop_reason": "tool_use" if script.tool_calls
                   else "end_turn", "stop_sequence": None,
                   "usage": {"input_tokens": len(_words(last)),
                             "output_tokens": len(_words(text))}}
        if body.get("stream") is not True:
            await _json(send, 200, message, script.response_headers)
            return
        events: list[dict[str, Any]] = [
            {"type": "message_start", "message": {**message, "content": [],
                                                  "stop_reason": None}},
            {"type": "ping"}]
        for i, block in enumerate(blocks):
            if block["type"] == "thinking":
                events.append({"type": "content_block_start", "index": i,
                               "content_block": {"type": "thinking", "thinking": "",
                                                 "signature": ""}})
                events += [{"type": "content_block_delta", "index": i, "delta": {
                    "type": "thinking_delta", "thinking": r}} for r in script.reasoning or []]
                events.append({"type": "content_block_delta", "index": i,
                               "delta": {"type": "signature_delta", "signature": "sig"}})
            elif block["type"] == "text":
                events.append({"type": "content_block_start", "index": i,
                               "content_block": {"type": "text", "text": ""}})
                events += [{"type": "content_block_delta", "index": i, "delta": {
                    "type": "text_delta", "text": p}} for p in pieces]
            else:
                args = json.dumps(block["input"])
                step = max(1, len(args) // 3)
                events.append({"type": "content_block_start", "index": i, "content_block": {
                    **block, "input": {}}})
                events += [{"type": "content_block_delta", "index": i, "delta": {
                    "type": "input_json_delta", "partial_json": args[j:j + step]}}
                    for j in range(0, len(args), step)]
            events.append({"type": "content_block_stop", "index": i})
        events += [{"type": "message_delta", "delta": {"stop_reason": message["stop_reason"],
                                                       "stop_sequence": None},
                    "usage": {"output_tokens": len(pieces)}},
                   {"type": "message_stop"}]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"),
                                *_encode(script.response_headers)]})
        for event in events:
            if script.chunk_delay:
                await asyncio.sleep(script.chunk_delay)
            await send({"type": "http.response.body", "more_body": True,
                        "body": b"event: " + event["type"].encode() + b"\ndata: "
                        + json.dumps(event).encode() + b"\n\n"})
        await send({"type": "http.response.body", "body": b""})

    async def _responses(self, body: dict[str, Any], send: Send) -> None:
        """OpenAI Responses API: a reasoning item (``reasoning``), a message (``reply`` /
        ``chunks`` / echo of the last input text) and function calls (``tool_calls``)."""
        script = self._script
        items = body.get("input")
        last = items if isinstance(items, str) else ""
        for item in items if isinstance(items, list) else []:
            content = item.get("content") if isinstance(item, dict) else None
            if isinstance(content, str):
                last = content
            elif isinstance(content, list):
                last = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            elif isinstance(item, dict) and isinstance(item.get("output"), str):
                last = item["output"]
        text = script.reply if script.reply is not None else (
            "".join(script.chunks) if script.chunks is not None else "Echo: " + last)
        pieces = script.chunks if script.chunks is not None else _words(text)
        rid, model = f"resp_{uuid.uuid4().hex[:12]}", str(body.get("model", "stub-model"))
        output: list[dict[str, Any]] = []
        if script.reasoning is not None:
            output.append({"type": "reasoning", "id": "rs_1", "summary": [
                {"type": "summary_text", "text": "".join(script.reasoning)}]})
        output.append({"type": "message", "id": "msg_1", "role": "assistant",
                       "status": "completed", "content": [
                           {"type": "output_text", "text": text, "annotations": []}]})
        for i, call in enumerate(script.tool_calls or []):
            fn = call.get("function", {})
            output.append({"type": "function_call", "id": f"fc_{i}", "call_id": call.get("id"),
                           "name": fn.get("name"), "arguments": fn.get("arguments", ""),
                           "status": "completed"})
        usage = {"input_tokens": len(_words(last)), "output_tokens": len(_words(text)),
                 "total_tokens": len(_words(last)) + len(_words(text)),
                 "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens_details": {"reasoning_tokens": 0}}
        response = {"id": rid, "object": "response", "created_at": int(time.time()),
                    "model": model, "status": "completed", "output": output, "error": None,
                    "incomplete_details": None, "parallel_tool_calls": True,
                    "tool_choice": "auto", "tools": [], "usage": usage}
        if body.get("stream") is not True:
            await _json(send, 200, response)
            return
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": {**response, "status": "in_progress",
                                                      "output": [], "usage": None}},
            {"type": "response.in_progress", "response": {**response, "status": "in_progress",
                                                          "output": [], "usage": None}}]
        for oi, item in enumerate(output):
            events.append({"type": "response.output_item.added", "output_index": oi,
                           "item": {**item, **({"content": []} if "content" in item else {}),
                                    **({"summary": []} if "summary" in item else {}),
                                    **({"arguments": ""} if "arguments" in item else {})}})
            if item["type"] == "reasoning":
                part = item["summary"][0]
                events.append({"type": "response.reasoning_summary_part.added",
                               "item_id": item["id"], "output_index": oi, "summary_index": 0,
                               "part": {"type": "summary_text", "text": ""}})
                events += [{"type": "response.reasoning_summary_text.delta",
                            "item_id": item["id"], "output_index": oi, "summary_index": 0,
                            "delta": r} for r in script.reasoning or []]
                events += [{"type": "response.reasoning_summary_text.done",
                            "item_id": item["id"], "output_index": oi, "summary_index": 0,
                            "text": part["text"]},
                           {"type": "response.reasoning_summary_part.done",
                            "item_id": item["id"], "output_index": oi, "summary_index": 0,
                            "part": part}]
            elif item["type"] == "message":
                ids = {"item_id": item["id"], "output_index": oi, "content_index": 0}
                events.append({"type": "response.content_part.added", **ids,
                               "part": {"type": "output_text", "text": "",
                                        "annotations": []}})
                events += [{"type": "response.output_text.delta", **ids, "delta": p,
                            "logprobs": []} for p in pieces]
                events += [{"type": "response.output_text.done", **ids, "text": text,
                            "logprobs": []},
                           {"type": "response.content_part.done", **ids,
                            "part": item["content"][0]}]
            else:
                args = item["arguments"]
                step = max(1, len(args) // 3)
                events += [{"type": "response.function_call_arguments.delta",
                            "item_id": item["id"], "output_index": oi,
                            "delta": args[j:j + step]} for j in range(0, len(args), step)]
                events.append({"type": "response.function_call_arguments.done",
                               "item_id": item["id"], "output_index": oi, "arguments": args})
            events.append({"type": "response.output_item.done", "output_index": oi,
                           "item": item})
        events.append({"type": "response.completed", "response": response})
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        for n, event in enumerate(events):
            if script.chunk_delay:
                await asyncio.sleep(script.chunk_delay)
            data = json.dumps({**event, "sequence_number": n}).encode()
            await send({"type": "http.response.body", "more_body": True,
                        "body": b"event: " + event["type"].encode() + b"\ndata: " + data
                        + b"\n\n"})
        await send({"type": "http.response.body", "body": b""})

    async def _legacy(self, body: dict[str, Any], send: Send) -> None:
        """Legacy ``/v1/completions``: the scripted reply (or an echo of the prompt)."""
        script = self._script
        prompt = body.get("prompt")
        text = script.reply if script.reply is not None else (
            "".join(script.chunks) if script.chunks is not None else
            "Echo: " + (prompt if isinstance(prompt, str) else " | ".join(map(str, prompt or []))))
        model = str(body.get("model", "stub-model"))
        cid, created = f"cmpl-{uuid.uuid4().hex[:12]}", int(time.time())
        if body.get("stream") is not True:
            await _json(send, 200, {
                "id": cid, "object": "text_completion", "created": created, "model": model,
                "choices": [{"index": 0, "text": text, "logprobs": None,
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": len(_words(text)),
                          "total_tokens": 1 + len(_words(text))}})
            return
        pieces = script.chunks if script.chunks is not None else _words(text)
        events = [{"index": 0, "text": p, "logprobs": None, "finish_reason": None}
                  for p in pieces]
        events.append({"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"})
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        for event in events:
            obj = {"id": cid, "object": "text_completion", "created": created, "model": model,
                   "choices": [event]}
            if script.chunk_delay:
                await asyncio.sleep(script.chunk_delay)
            await send({"type": "http.response.body", "more_body": True,
                        "body": b"data: " + json.dumps(obj).encode() + b"\n\n"})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


def vary(text: str, every: int = 20) -> str:
    """``text`` with a fresh reference inserted every ``every`` words, so no two replies (and
    no two windows of them) are the same: a benchmark must not measure a cache on repeats."""
    words = text.split(" ")
    for i in range(len(words) - 1, 0, -1):
        if i % every == 0:
            words.insert(i, f"(ref {uuid.uuid4().hex[:6]})")
    return " ".join(words)


def _error(message: str, status: int) -> dict[str, Any]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def _json(send: Send, status: int, payload: Any,
                headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
        *_encode(headers or {})]})
    await send({"type": "http.response.body", "body": raw})


_PROSE = (
    "Unit tests give a small team fast feedback on every change. They document what the code "
    "is meant to do, catch regressions before users see them, and make refactoring less "
    "risky. Good tests are small, independent and quick to run, so developers run them "
    "often. Over time the suite becomes a safety net that lets the team move faster with "
    "more confidence, and new colleagues learn the system by reading the tests first."
).split()


_PROSE_FR = (
    "Les tests unitaires donnent à une petite équipe un retour rapide sur chaque modification. "
    "Ils décrivent ce que le code doit faire, repèrent les régressions avant les utilisateurs "
    "et rendent les refontes moins risquées. De bons tests sont courts, indépendants et "
    "rapides, si bien que les développeurs les lancent souvent. Avec le temps, la suite "
    "devient un filet de sécurité qui permet d'avancer plus vite et plus sereinement, et les "
    "nouveaux collègues découvrent le système en lisant d'abord les tests."
).split()


def prose(words: int, lang: str = "en") -> str:
    """``words`` words of plain English or French (benchmarks: realistic text for the
    detectors)."""
    pool = _PROSE_FR if lang == "fr" else _PROSE
    return " ".join(pool[i % len(pool)] for i in range(words))


def main(argv: list[str] | None = None) -> None:
    """Run the stub in the foreground (benchmarks, manual checks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--reply-words", type=int, default=0,
                        help="reply with this many words of English prose instead of echoing")
    parser.add_argument("--reply-lang", choices=("en", "fr"), default="en",
                        help="language of the --reply-words prose")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--first-token-delay", type=float, default=0.0,
                        help="seconds before the first token (stream and non-stream)")
    parser.add_argument("--vary-reply", action="store_true",
                        help="insert a fresh reference every 20 words of each reply")
    parser.add_argument("--pace-non-stream", action="store_true",
                        help="a non-stream answer takes as long as the paced stream")
    args = parser.parse_args(argv)
    stub = StubUpstream(host=args.host, port=args.port)
    if args.reply_words:
        stub.reply = prose(args.reply_words, args.reply_lang)
    stub.chunk_delay = args.chunk_delay
    stub.first_token_delay = args.first_token_delay
    stub.pace_non_stream = args.pace_non_stream
    stub.vary_reply = args.vary_reply
    stub.start()
    print(f"stub upstream listening on {stub.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":
    main()
