"""The library hook and the sidecar release the same chunks for the same upstream stream.

Both run the core's streaming guard (``guard.engine.stream``); this test drives each over a
real stub upstream (HTTP) with the real ``openai`` client and compares what reached the
caller, choice by choice: text, refusals, tool calls and finish reasons, with ``n=2``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from guard import Guard, GuardBlocked
from guard.sidecar.app import create_app
from guard.sidecar.config import ServerConfig, SidecarConfig, UpstreamConfig
from tests.sidecar.conftest import MemoryRecorder, ServerThread
from tests.support.stub_upstream import StubUpstream

POLICY = """name: parity
version: 1
settings: {stream_window_chars: 16}
rules:
  - id: mask-keys
    stages: [output]
    detector: secrets
    action: rewrite
  - id: no-bomb
    stages: [output]
    detector: keywords
    settings: {words: [bomb recipe], category: violence}
    action: block
"""
KEY = "AKIAIOSFODNN7EXAMPLE"
USER = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def stub() -> Iterator[StubUpstream]:
    with StubUpstream() as server:
        yield server


@pytest.fixture(scope="module")
def policy_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "parity.yaml"
    path.write_text(POLICY)
    return path


@pytest.fixture(scope="module")
def sidecar_url(stub: StubUpstream, policy_path: Path) -> Iterator[str]:
    config = SidecarConfig(policy=str(policy_path), server=ServerConfig(warm_moderation=False),
                           upstreams={"stub": UpstreamConfig(base_url=stub.base_url)})
    server = ServerThread(create_app(config, recorder=MemoryRecorder())).start()
    yield f"{server.url}/v1"
    server.stop()


@pytest.fixture(scope="module")
def guard(policy_path: Path) -> Iterator[Guard]:
    g = Guard.from_file(policy_path)
    yield g
    g.close()


def summary(chunks: list[Any]) -> dict[int, dict[str, Any]]:
    """What the caller saw per choice: role, text, refusal, tool calls, finish reason."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            seen = out.setdefault(choice.index, {"role": None, "text": "", "refusal": "",
                                                 "tools": {}, "finish": None})
            delta = choice.delta
            seen["role"] = delta.role or seen["role"]
            seen["text"] += delta.content or ""
            seen["refusal"] += delta.refusal or ""
            for call in delta.tool_calls or []:
                tool = seen["tools"].setdefault(call.index, {"id": None, "name": "", "args": ""})
                tool["id"] = call.id or tool["id"]
                if call.function is not None:
                    tool["name"] += call.function.name or ""
                    tool["args"] += call.function.arguments or ""
            seen["finish"] = choice.finish_reason or seen["finish"]
    return out


def via_hook(guard: Guard, stub: StubUpstream, **kwargs: Any) -> list[Any]:
    client = guard.wrap(openai.OpenAI(base_url=stub.base_url, api_key="sk", max_retries=0))
    return list(client.chat.completions.create(model="m", messages=USER, stream=True, **kwargs))


def via_sidecar(url: str, **kwargs: Any) -> list[Any]:
    client = openai.OpenAI(base_url=url, api_key="sk", max_retries=0)
    return list(client.chat.completions.create(model="m", messages=USER, stream=True, **kwargs))


def test_two_choices_are_guarded_separately_and_alike(guard: Guard, stub: StubUpstream,
                                                      sidecar_url: str) -> None:
    stub.reset()
    stub.choices = [f"first answer, key {KEY} then more words to stream",
                    "second answer is plain and rather long, with nothing to mask"]
    hook, sidecar = summary(via_hook(guard, stub, n=2)), summary(via_sidecar(sidecar_url, n=2))
    assert hook == sidecar
    assert sorted(hook) == [0, 1]
    assert KEY not in hook[0]["text"] and "first answer, key " in hook[0]["text"]
    assert hook[1]["text"] == stub.choices[1]  # not merged into choice 0
    assert hook[0]["finish"] == hook[1]["finish"] == "stop"
    assert hook[0]["role"] == hook[1]["role"] == "assistant"


def test_tool_calls_are_assembled_checked_and_rewritten_alike(
        guard: Guard, stub: StubUpstream, sidecar_url: str) -> None:
    stub.reset()
    stub.reply = "calling the tool"
    stub.tool_calls = [{"id": "call_1", "type": "function",
                        "function": {"name": "store", "arguments": f'{{"key": "{KEY}"}}'}}]
    hook, sidecar = summary(via_hook(guard, stub)), summary(via_sidecar(sidecar_url))
    assert hook == sidecar
    tool = hook[0]["tools"][0]
    assert tool["id"] == "call_1" and tool["name"] == "store"
    assert KEY not in tool["args"] and tool["args"].startswith('{"key": ')
    assert hook[0]["finish"] == "tool_calls"


def test_block_mid_stream_releases_no_forbidden_text_in_either(
        guard: Guard, stub: StubUpstream, sidecar_url: str) -> None:
    stub.reset()
    stub.choices = ["a harmless start, then the bomb recipe follows here",
                    "the other choice is fine"]
    with pytest.raises(GuardBlocked) as blocked:
        list(via_hook(guard, stub, n=2))
    assert blocked.value.decision.fired_rules[0].rule_id == "no-bomb"
    with pytest.raises(openai.APIError):
        via_sidecar(sidecar_url, n=2)
