"""The built-in echo upstream, used only when no upstream is configured.

It lets ``guard serve`` answer on its first run (README quick start) without any model: the
completion repeats the last user message. It runs in-process behind ``httpx.ASGITransport``
and is announced as such in the logs and in ``/readyz`` so nobody mistakes it for a model.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ECHO_BASE_URL = "http://guard-echo.invalid/v1"
ECHO_MODELS = ("echo",)


def _last_user_text(messages: Any) -> str:
    for msg in reversed(messages if isinstance(messages, list) else []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return "" if content is None else str(content)
    return ""


async def _chat(request: Request) -> Response:
    body = await request.json()
    text = "Echo: " + _last_user_text(body.get("messages"))
    model = str(body.get("model", "echo"))
    cid, created = f"chatcmpl-echo-{uuid.uuid4().hex[:12]}", int(time.time())
    words = len(text.split())
    if body.get("stream") is True:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return "data: " + json.dumps({
                "id": cid, "object": "chat.completion.chunk", "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"
        pieces = [chunk({"role": "assistant", "content": ""})]
        pieces += [chunk({"content": w}) for w in text.split(" ") for w in (w + " ",)]
        pieces.append(chunk({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            pieces.append("data: " + json.dumps({
                "id": cid, "object": "chat.completion.chunk", "created": created,
                "model": model, "choices": [],
                "usage": {"prompt_tokens": words, "completion_tokens": words,
                          "total_tokens": 2 * words}}) + "\n\n")
        pieces.append("data: [DONE]\n\n")
        return Response("".join(pieces), media_type="text/event-stream")
    return JSONResponse({
        "id": cid, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": words, "completion_tokens": words, "total_tokens": 2 * words},
    })


async def _models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [
        {"id": m, "object": "model", "created": 0, "owned_by": "guard-echo"}
        for m in ECHO_MODELS]})


echo_app = Starlette(routes=[
    Route("/v1/chat/completions", _chat, methods=["POST"]),
    Route("/v1/models", _models, methods=["GET"]),
])
