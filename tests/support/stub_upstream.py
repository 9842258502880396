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
        stub.chunk_delay = 0.01                  # seconds between stream chunks
        stub.first_token_delay = 0.25            # seconds before the first content (paced model)
        stub.pace_non_stream = True              # non-stream waits as long as the stream takes
        stub.vary_reply = True                   # a fresh nonce every 20 words of each reply
        stub.disconnects                         # chat requests the client closed before the end
        stub.extra_fields = {"service_tier": "x"}  # merged into every completion / chunk
        stub.requests[-1].json                   # every request received (RecordedRequest)
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
/v1/moderations`` (nothing flagged). Standalone, for benchmarks and manual runs
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
    chunk_delay: float = 0.0
    first_token_delay: float = 0.0
    pace_non_stream: bool = False
    vary_reply: bool = False
    drop_after_chunks: int = 1
    extra_fields: dict[str, Any] = field(default_factory=dict)
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

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._script = _Script()
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
        return f"http://{self._host}:{self.port}"

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
        self.requests.append(RecordedRequest(scope["method"], path, headers, body, parsed))
        if path.endswith("/models") and scope["method"] == "GET":
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "stub"}
                    for m in self._script.models]
            await _json(send, 200, {"object": "list", "data": data})
        elif path.endswith("/moderations"):
            await _json(send, 200, {"id": "modr-stub", "model": "stub", "results": []})
        elif path.endswith("/chat/completions") and scope["method"] == "POST":
            if not isinstance(parsed, dict):
                await _json(send, 400, _error("body is not a JSON object", 400))
                return
            await self._chat_watched(parsed, receive, send)
        else:
            await _json(send, 404, _error(f"no route {path}", 404))

    async def _chat_watched(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        """Serve a chat request while watching for the client closing the connection early
        (what a cancelled upstream call looks like from the model's side)."""
        request = self.requests[-1]
        finished = False

        async def watch() -> None:
            message = await receive()
            if message.get("type") == "http.disconnect" and not finished:
                self.disconnects.append(request)

        watcher = asyncio.create_task(watch())
        try:
            await self._chat(body, send)
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
            await _json(send, script.error_status, _error("stub upstream failure",
                                                          script.error_status))
            return
        text: str | None = script.reply
        if text is None and script.choices:
            text = script.choices[0]
        if text is None and script.chunks is not None:
            text = "".join(script.chunks)
        if text is None and not script.tool_calls:
            text = "Echo: " + _last_user_text(body)
        if script.vary_reply and text:
            text = _vary(text)
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
                   (b"content-length", str(len(raw)).encode())]
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
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created,
                   "model": model, "system_fingerprint": "fp_stub",
                   "choices": [{"index": index, "delta": delta, "logprobs": None,
                                "finish_reason": finish}], **script.extra_fields}
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        events = [chunk({"role": "assistant", "content": ""})]
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
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for n, event in enumerate(events):
            if fault == "drop" and n > script.drop_after_chunks:
                raise _Abort("dropped by stub")
            if n == 1 and script.first_token_delay:  # headers and role at once, then think
                await asyncio.sleep(script.first_token_delay)
            elif n and script.chunk_delay:
                await asyncio.sleep(script.chunk_delay)
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def _vary(text: str, every: int = 20) -> str:
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


async def _json(send: Send, status: int, payload: Any) -> None:
    raw = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


_PROSE = (
    "Unit tests give a small team fast feedback on every change. They document what the code "
    "is meant to do, catch regressions before users see them, and make refactoring less "
    "risky. Good tests are small, independent and quick to run, so developers run them "
    "often. Over time the suite becomes a safety net that lets the team move faster with "
    "more confidence, and new colleagues learn the system by reading the tests first."
).split()


def prose(words: int) -> str:
    """``words`` words of plain English (benchmarks: realistic text for the detectors)."""
    return " ".join(_PROSE[i % len(_PROSE)] for i in range(words))


def main(argv: list[str] | None = None) -> None:
    """Run the stub in the foreground (benchmarks, manual checks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--reply-words", type=int, default=0,
                        help="reply with this many words of English prose instead of echoing")
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
        stub.reply = prose(args.reply_words)
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
