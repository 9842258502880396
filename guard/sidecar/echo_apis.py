"""The echo upstream's answers for the APIs besides chat (legacy completions, embeddings,
Responses, Anthropic Messages), so every endpoint works on a first ``guard serve`` without a
model. Like chat, the answer repeats the last user text; embeddings are a deterministic hash
of the text, not a model's."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text(v.get("text") or v.get("content") or v.get("output"))
                        if isinstance(v, dict) else _text(v) for v in value[-1:])
    return ""


def _words(text: str) -> list[str]:
    return [w + " " for w in text.split(" ")]


def _sse(events: list[dict[str, Any]], done: bool = False) -> Response:
    body = "".join((f"event: {e['type']}\n" if "type" in e and not done else "")
                   + "data: " + json.dumps(e) + "\n\n" for e in events)
    return Response(body + ("data: [DONE]\n\n" if done else ""),
                    media_type="text/event-stream")


async def _completions(request: Request) -> Response:
    body = await request.json()
    text = "Echo: " + _text(body.get("prompt"))
    base = {"id": f"cmpl-echo-{uuid.uuid4().hex[:12]}", "object": "text_completion",
            "created": int(time.time()), "model": str(body.get("model", "echo"))}
    if body.get("stream") is True:
        chunks = [{**base, "choices": [{"index": 0, "text": w, "finish_reason": None}]}
                  for w in _words(text)]
        chunks.append({**base, "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]})
        return _sse(chunks, done=True)
    n = len(text.split())
    return JSONResponse({**base, "choices": [{"index": 0, "text": text, "logprobs": None,
                                              "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": n, "completion_tokens": n,
                                   "total_tokens": 2 * n}})


async def _embeddings(request: Request) -> Response:
    body = await request.json()
    inputs = body.get("input")
    items = inputs if isinstance(inputs, list) else [inputs]
    data = [{"object": "embedding", "index": i, "embedding": [
        b / 255 for b in hashlib.sha256(str(t).encode()).digest()[:8]]}
        for i, t in enumerate(items)]
    return JSONResponse({"object": "list", "data": data, "model": body.get("model", "echo"),
                         "usage": {"prompt_tokens": 0, "total_tokens": 0}})


async def _responses(request: Request) -> Response:
    body = await request.json()
    text = "Echo: " + _text(body.get("input"))
    item = {"type": "message", "id": "msg_echo", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}
    response = {"id": f"resp_echo{uuid.uuid4().hex[:12]}", "object": "response",
                "created_at": int(time.time()), "model": str(body.get("model", "echo")),
                "status": "completed", "output": [item], "error": None,
                "incomplete_details": None, "parallel_tool_calls": True,
                "tool_choice": "auto", "tools": [],
                "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}}
    if body.get("stream") is not True:
        return JSONResponse(response)
    ids = {"item_id": "msg_echo", "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**response, "status": "in_progress",
                                                  "output": []}},
        {"type": "response.output_item.added", "output_index": 0,
         "item": {**item, "content": [], "status": "in_progress"}},
        {"type": "response.content_part.added", **ids,
         "part": {"type": "output_text", "text": "", "annotations": []}},
        *({"type": "response.output_text.delta", **ids, "delta": w, "logprobs": []}
          for w in _words(text)),
        {"type": "response.output_text.done", **ids, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **ids, "part": item["content"][0]},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response}]
    return _sse([{**e, "sequence_number": n} for n, e in enumerate(events)])


async def _messages(request: Request) -> Response:
    body = await request.json()
    turns = [m for m in body.get("messages") or [] if isinstance(m, dict)
             and m.get("role") == "user"]
    text = "Echo: " + (_text(turns[-1].get("content")) if turns else "")
    message = {"id": f"msg_echo{uuid.uuid4().hex[:12]}", "type": "message",
               "role": "assistant", "model": str(body.get("model", "echo")),
               "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
               "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
    if body.get("stream") is not True:
        return JSONResponse(message)
    return _sse([
        {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text",
                                                                      "text": ""}},
        *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta",
                                                                "text": w}}
          for w in _words(text)),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": {"output_tokens": 0}},
        {"type": "message_stop"}])


ROUTES = [Route("/v1/completions", _completions, methods=["POST"]),
          Route("/v1/embeddings", _embeddings, methods=["POST"]),
          Route("/v1/responses", _responses, methods=["POST"]),
          Route("/v1/messages", _messages, methods=["POST"])]
