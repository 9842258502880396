"""Refuse deeply nested JSON before anything recursive touches it.

JSON parsers, pydantic, the scrubber and every walker of a request are recursive: ~900 levels
of ``[[[[...]]]]`` in a content part turned into a ``RecursionError``, a 500 and thousands of
log lines per request. The body is already buffered and size-capped (``limits.py``); this
middleware scans it once, iteratively (strings skipped, brackets counted), and answers 400
with the OpenAI envelope when it nests deeper than ``max_depth``. No legitimate chat request
comes close: a tool's JSON schema nested 20 objects deep is about 45 levels.
"""

from __future__ import annotations

import json
import logging
import re

from guard.sidecar.errors import envelope
from guard.sidecar.limits import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 64
# Possessive runs: a 3.9 MB string is one match in ~25 ms, not a per-character alternation
# (0.5 s), and an unterminated string cannot backtrack.
_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def json_depth(body: bytes, limit: int) -> int:
    """Nesting depth of the JSON text ``body`` (stops counting once past ``limit``)."""
    depth = deepest = 0
    for m in _TOKENS.finditer(body):
        ch = m.group()[:1]
        if ch in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


class JSONDepthMiddleware:
    """400 ``nesting_too_deep`` for JSON bodies nested deeper than ``max_depth``."""

    def __init__(self, app: ASGIApp, *, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        depth = json_depth(b"".join(chunks), self.max_depth)
        if depth > self.max_depth:
            log.warning("refused a request body nested deeper than %d levels on %s",
                        self.max_depth, scope.get("path"))
            body = json.dumps(envelope(
                f"The JSON body nests deeper than {self.max_depth} levels.",
                code="nesting_too_deep")).encode()
            await send({"type": "http.response.start", "status": 400, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        pending = list(messages)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        await self.app(scope, replay, send)
