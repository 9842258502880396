"""Input rules that can only block run while the upstream call is in flight (input_mode).

The upstream is the real stub HTTP server; the slow input rule is a real detector (a regex
that takes its time, as a classifier does on a busy machine), so the upstream's answer is
ready, or under way, before the rule decides.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard.detectors.registry import DetectorRegistry
from guard.types import Finding
from tests.sidecar.conftest import SidecarFactory
from tests.support.stub_upstream import StubUpstream

FORBIDDEN = "please do the forbidden thing"


def _forbidden() -> str:
    """A fresh forbidden prompt: the verdict cache must not answer before the slow rule."""
    return f"{FORBIDDEN} ({uuid.uuid4().hex})"
REPLY = "UPSTREAM-SECRET-ANSWER " * 8


class SlowRegex:
    """Finds ``pattern`` after ``delay_s``: a block rule slower than the upstream."""

    name = "slow_regex"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.delay_s = float(settings.get("delay_s", 0.5))
        self.pattern = re.compile(str(settings["pattern"]))

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        await asyncio.sleep(self.delay_s)
        return [[Finding(self.name, "attack", 1.0, m.start(), m.end())
                 for m in self.pattern.finditer(t)] for t in texts]


def _policy(tmp_path: Path, mode: str = "parallel") -> str:
    path = tmp_path / f"parallel-{mode}.yaml"
    path.write_text(f"""
name: parallel-{mode}
version: 1
settings: {{input_mode: {mode}, stream_window_chars: 16}}
rules:
  - id: attack.slow
    stages: [input]
    detector: slow_regex
    settings: {{delay_s: 0.6, pattern: forbidden thing}}
    action: block
  - id: output.words
    stages: [output]
    detector: keywords
    settings: {{category: harmful, match: substring, words: ["detonator wiring"]}}
    action: block
""")
    return path.name


@pytest.fixture
def parallel(sidecar_factory: SidecarFactory, registry: DetectorRegistry,
             tmp_path: Path) -> Any:
    if "slow_regex" not in registry:
        registry.register("slow_regex", SlowRegex)

    def make(mode: str = "parallel") -> Any:
        name = _policy(tmp_path, mode)
        import tests.sidecar.conftest as conf
        original = conf.POLICIES
        conf.POLICIES = tmp_path
        try:
            return sidecar_factory(name)
        finally:
            conf.POLICIES = original
    return make


def _wait_for(predicate: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("stream", [False, True])
def test_blocked_prompt_never_lets_an_upstream_byte_through(
        parallel: Any, stub: StubUpstream, stream: bool) -> None:
    sidecar = parallel()
    stub.reply = REPLY  # answered at once, long before the input rule decides
    body = {"model": "stub-model", "stream": stream,
            "messages": [{"role": "user", "content": _forbidden()}]}
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json=body, timeout=10)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "content_filter"
    assert "UPSTREAM" not in resp.text
    assert len(stub.requests) == 1  # the upstream *was* called, concurrently
    record = sidecar.recorder.records[-1]
    assert record.decision.action == "block" and record.facts.http_status == 400
    assert record.facts.upstream_started_ms is not None
    assert [r.rule_id for r in record.decision.fired_rules] == ["attack.slow"]


@pytest.mark.parametrize("stream", [False, True])
def test_cancelled_upstream_request_is_closed(parallel: Any, stub: StubUpstream,
                                              stream: bool) -> None:
    sidecar = parallel()
    stub.reply = REPLY
    stub.first_token_delay = 3.0  # the model is still thinking when the rule blocks
    body = {"model": "stub-model", "stream": stream,
            "messages": [{"role": "user", "content": _forbidden()}]}
    started = time.monotonic()
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json=body, timeout=10)
    assert resp.status_code == 400 and "UPSTREAM" not in resp.text
    assert time.monotonic() - started < 2.5  # the block did not wait for the model
    # The stub itself sees the connection closed before its answer was complete.
    assert _wait_for(lambda: len(stub.disconnects) == 1)
    facts = sidecar.recorder.records[-1].facts
    assert facts.upstream_started_ms is not None and facts.upstream_cancelled_ms is not None
    assert facts.upstream_cancelled_ms >= facts.upstream_started_ms


def test_allowed_prompt_answers_normally_with_audit_of_the_start(
        parallel: Any, stub: StubUpstream) -> None:
    sidecar = parallel()
    stub.reply = "A fine answer."
    body = {"model": "stub-model",
            "messages": [{"role": "user", "content": f"hello {uuid.uuid4().hex}"}]}
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json=body, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"] == "A fine answer."
    records = sidecar.recorder.records
    inputs = [r for r in records if r.decision.stage == "input"]
    assert inputs and inputs[-1].facts.upstream_started_ms is not None
    assert inputs[-1].facts.upstream_cancelled_ms is None
    assert [r.rule_id for r in inputs[-1].decision.rules] == ["attack.slow"]


def test_sequential_mode_never_calls_the_upstream(parallel: Any, stub: StubUpstream) -> None:
    sidecar = parallel("sequential")
    body = {"model": "stub-model", "messages": [{"role": "user", "content": _forbidden()}]}
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json=body, timeout=10)
    assert resp.status_code == 400
    assert stub.requests == []
    assert sidecar.recorder.records[-1].facts.upstream_started_ms is None


OTHER_APIS = [
    ("completions", {"prompt": "{p}"}),
    ("responses", {"input": "{p}"}),
    ("messages", {"max_tokens": 64, "messages": [{"role": "user", "content": "{p}"}]}),
    ("embeddings", {"input": "{p}"}),
]


def _other_body(template: dict[str, Any], prompt: str, stream: bool) -> dict[str, Any]:
    body = json_fill(template, prompt)
    return {"model": "stub-model", **body, **({"stream": True} if stream else {})}


def json_fill(value: Any, prompt: str) -> Any:
    if isinstance(value, str):
        return value.replace("{p}", prompt)
    if isinstance(value, list):
        return [json_fill(v, prompt) for v in value]
    if isinstance(value, dict):
        return {k: json_fill(v, prompt) for k, v in value.items()}
    return value


OTHER_CASES = [(path, template, stream) for path, template in OTHER_APIS
               for stream in (False, True) if not (stream and path == "embeddings")]


@pytest.mark.parametrize(("path", "template", "stream"), OTHER_CASES,
                         ids=[f"{p}-{'stream' if s else 'json'}" for p, _, s in OTHER_CASES])
def test_other_apis_check_input_while_the_upstream_is_called(
        parallel: Any, stub: StubUpstream, path: str, template: dict[str, Any],
        stream: bool) -> None:
    sidecar = parallel()
    stub.reply = REPLY
    stub.first_token_delay = 3.0  # still thinking when the rule blocks: the call is cut
    started = time.monotonic()
    resp = httpx.post(f"{sidecar.base_url}/{path}", json=_other_body(
        template, _forbidden(), stream), timeout=10)
    assert resp.status_code in (200, 400) and "UPSTREAM" not in resp.text
    assert "content_filter" in resp.text or "refus" in resp.text.lower()
    assert time.monotonic() - started < 2.5  # the block did not wait for the model
    assert len(stub.requests) == 1  # the upstream *was* called, concurrently
    record = sidecar.recorder.records[-1]
    assert record.decision.action == "block"
    assert record.facts.upstream_started_ms is not None
    assert record.facts.upstream_cancelled_ms is not None
    assert _wait_for(lambda: len(stub.disconnects) == 1)
