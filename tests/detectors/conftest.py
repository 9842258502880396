"""Real local HTTP servers that speak the remote detectors' APIs (not mocked methods).

One uvicorn server in a thread on 127.0.0.1 serves, all at once: an OpenAI-compatible
``/v1/chat/completions`` with guard-model answers in each family's format (with or without
log-probabilities), ``/v1/moderations``, Azure Content Safety ``text:analyze`` and
``text:shieldPrompt``, a TEI ``/predict`` and a vLLM ``/classify``. A request whose text
contains "bomb" or "ignore all previous instructions" is judged unsafe / an attack.

Faults, set per test on the ``services`` fixture: ``slow`` (sleep ``slow_seconds``),
``flaky`` (``fail_first`` answers of 503, or 429 with ``status``, then normal), ``down``
(always 500), ``malformed`` (200 with a body that does not follow the API), ``not_json``.
Every request is recorded (path, headers, JSON body).
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

API_KEY = "test-key-123"


def _unsafe(text: str) -> bool:
    low = text.lower()
    return "bomb" in low or "ignore all previous instructions" in low


@dataclass
class Services:
    url: str = ""
    fault: str | None = None
    fail_first: int = 0
    status: int = 503
    slow_seconds: float = 1.0
    logprobs: bool = True
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.fault, self.fail_first, self.status = None, 0, 503
        self.slow_seconds, self.logprobs = 1.0, True
        self.requests.clear()


def _chat_answer(model: str, messages: list[dict[str, Any]], body: dict[str, Any],
                 with_logprobs: bool) -> dict[str, Any]:
    text = " ".join(str(m.get("content", "")) for m in messages
                    if m.get("role") in ("user", "assistant"))
    bad = _unsafe(text)
    p = 0.93 if bad else 0.04
    if model.startswith("llama-guard"):
        content, yes, no = ("unsafe\nS9" if bad else "safe"), "unsafe", "safe"
    elif model.startswith("qwen3guard"):
        content = ("Safety: Unsafe\nCategories: Violent" if bad
                   else "Safety: Safe\nCategories: None")
        yes, no = " Unsafe", " Safe"
    elif model.startswith("shieldgemma") or model.startswith("granite"):
        assert model.startswith("shieldgemma") or "chat_template_kwargs" in body
        content, yes, no = ("Yes" if bad else "No"), "Yes", "No"
    else:  # policy prompt: the verdict format the detector asked for in the system message
        assert messages[0]["role"] == "system" and "JSON" in messages[0]["content"]
        content = ('{"violation": 1, "categories": ["weapons"], "rationale": "explosives"}'
                   if bad else '{"violation": 0, "categories": [], "rationale": "fine"}')
        yes, no = "1", "0"
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": content}}
    if with_logprobs and body.get("logprobs"):
        first = yes if bad else no
        choice["logprobs"] = {"content": [{
            "token": first, "logprob": math.log(max(p, 1 - p)),
            "top_logprobs": [{"token": yes, "logprob": math.log(p)},
                             {"token": no, "logprob": math.log(1 - p)}]}]}
    return {"id": "cmpl-1", "object": "chat.completion", "model": model, "choices": [choice]}


def _app(state: Services) -> FastAPI:
    app = FastAPI()

    async def gate(request: Request, header: str, expected: str) -> tuple[Any, Response | None]:
        body = await request.json()
        state.requests.append({"path": request.url.path, "query": str(request.url.query),
                               "headers": dict(request.headers), "json": body})
        if request.headers.get(header) != expected:
            return body, JSONResponse({"error": {"message": "bad key"}}, status_code=401)
        if state.fault == "slow":
            await asyncio.sleep(state.slow_seconds)
        if state.fault == "down":
            return body, JSONResponse({"error": "boom"}, status_code=500)
        if state.fault == "flaky" and state.fail_first > 0:
            state.fail_first -= 1
            headers = {"Retry-After": "0"} if state.status == 429 else {}
            return body, JSONResponse({"error": "busy"}, status_code=state.status,
                                      headers=headers)
        if state.fault == "not_json":
            return body, PlainTextResponse("<html>gateway error</html>")
        if state.fault == "malformed":
            return body, JSONResponse({"unexpected": True})
        return body, None

    bearer = f"Bearer {API_KEY}"

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body, early = await gate(request, "authorization", bearer)
        if early is not None:
            return early
        return JSONResponse(_chat_answer(body["model"], body["messages"], body, state.logprobs))

    @app.post("/v1/moderations")
    async def moderations(request: Request) -> Response:
        body, early = await gate(request, "authorization", bearer)
        if early is not None:
            return early
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        results = []
        for text in inputs:
            bad = _unsafe(text)
            scores = {"hate": 0.01, "hate/threatening": 0.0, "violence": 0.2 if bad else 0.01,
                      "violence/graphic": 0.0, "illicit": 0.95 if bad else 0.02,
                      "illicit/violent": 0.9 if bad else 0.0, "sexual": 0.0,
                      "sexual/minors": 0.0, "self-harm": 0.0, "harassment": 0.01}
            results.append({"flagged": bad, "categories": {k: v > 0.5 for k, v in scores.items()},
                            "category_scores": scores})
        return JSONResponse({"id": "modr-1", "model": body["model"], "results": results})

    @app.post("/contentsafety/text:analyze")
    async def analyze(request: Request) -> Response:
        body, early = await gate(request, "ocp-apim-subscription-key", API_KEY)
        if early is not None:
            return early
        bad = _unsafe(body["text"])
        return JSONResponse({"blocklistsMatch": [], "categoriesAnalysis": [
            {"category": "Hate", "severity": 0}, {"category": "SelfHarm", "severity": 0},
            {"category": "Sexual", "severity": 0},
            {"category": "Violence", "severity": 4 if bad else 0}]})

    @app.post("/contentsafety/text:shieldPrompt")
    async def shield(request: Request) -> Response:
        body, early = await gate(request, "ocp-apim-subscription-key", API_KEY)
        if early is not None:
            return early
        return JSONResponse({
            "userPromptAnalysis": {"attackDetected": _unsafe(body["userPrompt"])},
            "documentsAnalysis": [{"attackDetected": _unsafe(d)} for d in body["documents"]]})

    @app.post("/predict")
    async def predict(request: Request) -> Response:
        body, early = await gate(request, "authorization", bearer)
        if early is not None:
            return early
        inputs = body["inputs"] if isinstance(body["inputs"], list) else [body["inputs"]]
        out = []
        for text in inputs:
            p = 0.97 if _unsafe(text) else 0.03
            out.append([{"label": "MALICIOUS", "score": p}, {"label": "BENIGN", "score": 1 - p}])
        return JSONResponse(out)

    @app.post("/classify")
    async def classify(request: Request) -> Response:
        body, early = await gate(request, "authorization", bearer)
        if early is not None:
            return early
        data = []
        for i, text in enumerate(body["input"]):
            p = 0.97 if _unsafe(text) else 0.03
            data.append({"index": i, "label": "MALICIOUS" if p > 0.5 else "BENIGN",
                         "probs": [1 - p, p], "num_classes": 2})
        return JSONResponse({"id": "classify-1", "object": "list", "data": data})

    return app


@pytest.fixture(scope="session")
def _services_server() -> Iterator[Services]:
    state = Services()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(_app(state), log_level="critical", access_log=False,
                                           lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "test server did not start"
        time.sleep(0.01)
    yield state
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def services(_services_server: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    _services_server.reset()
    monkeypatch.setenv("GUARD_TEST_API_KEY", API_KEY)
    yield _services_server
    _services_server.reset()
