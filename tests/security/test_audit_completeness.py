"""Threat: requests that leave no trace, or a trace that lies about what happened.

An audit log is only evidence if *every* request is in it and each record says how the
request really ended. Before, an upstream 4xx left no record; a stream that the upstream broke
mid-way, that the client abandoned or that shutdown cut left only the input record; moderation
calls were not audited at all. Now each of them leaves an output record with the upstream's
status or error, how the stream ended (``stream_end``) and the characters the client received
(``stream_chars_released``). Real client, real sidecar, real stub upstream over 127.0.0.1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest

from guard import Guard
from guard.types import Stage
from tests.sidecar.conftest import MemoryRecorder, Recorded, SidecarFactory
from tests.support.stub_upstream import StubUpstream, prose

CHAT = {"model": "stub-model", "messages": [{"role": "user", "content": "hello"}]}


def _outputs(recorder: MemoryRecorder, wait_s: float = 5.0) -> list[Recorded]:
    """Output records (written after the response, so poll briefly)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        found = [r for r in recorder.records if r.decision.stage is Stage.OUTPUT]
        if found:
            return found
        time.sleep(0.02)
    return []


def test_upstream_4xx_is_audited(sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    sidecar = sidecar_factory()
    stub.fault, stub.error_status = "error", 400
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(**CHAT)  # type: ignore[call-overload]
    (out,) = _outputs(sidecar.recorder)
    assert out.facts.upstream_status == 400 and out.facts.http_status == 400


@pytest.mark.parametrize("policy", ["strict.yaml", "input-only.yaml"])
def test_mid_stream_upstream_failure_is_audited(sidecar_factory: SidecarFactory,
                                                stub: StubUpstream, policy: str) -> None:
    sidecar = sidecar_factory(policy)
    stub.fault, stub.drop_after_chunks = "drop", 3
    with httpx.stream("POST", f"{sidecar.base_url}/chat/completions",
                      json={**CHAT, "stream": True}, timeout=10) as resp:
        body = resp.read().decode()
    assert "error" in body
    (out,) = _outputs(sidecar.recorder)
    assert out.facts.stream_end == "upstream_failed"
    assert out.facts.upstream_error


@pytest.mark.parametrize("policy", ["strict.yaml", "input-only.yaml"])
def test_client_disconnect_mid_stream_records_released_count(
        sidecar_factory: SidecarFactory, stub: StubUpstream, policy: str) -> None:
    sidecar = sidecar_factory(policy)
    # 30 s of answer: the client must leave while it is still streaming, even when the first
    # output check waits behind other work on a loaded CI machine (8 s was not always enough).
    stub.reply, stub.chunk_delay = prose(1500), 0.02
    with httpx.stream("POST", f"{sidecar.base_url}/chat/completions",
                      json={**CHAT, "stream": True}, timeout=10) as resp:
        received = 0
        for line in resp.iter_lines():
            received += line.startswith("data:")
            if received >= 20:
                break  # the client goes away mid-stream
    (out,) = _outputs(sidecar.recorder)
    assert out.facts.stream_end == "client_disconnected"
    assert out.facts.stream_chars_released is not None and out.facts.stream_chars_released > 0


def test_completed_stream_says_so(sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    sidecar = sidecar_factory("input-only.yaml")
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="k", max_retries=0)
    text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        **CHAT, stream=True) if c.choices)  # type: ignore[call-overload]
    (out,) = _outputs(sidecar.recorder)
    assert out.facts.stream_end == "completed"
    assert out.facts.stream_chars_released == len(text)


def test_moderations_are_audited(sidecar_factory: SidecarFactory) -> None:
    sidecar = sidecar_factory()
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="k", max_retries=0)
    client.moderations.create(input=["I will hurt you badly", "nice weather today"])
    deadline = time.monotonic() + 5
    while not sidecar.recorder.records and time.monotonic() < deadline:
        time.sleep(0.02)
    (record,) = sidecar.recorder.records
    assert record.decision.context.route == "/v1/moderations"
    assert [r.rule_id for r in record.decision.rules] == ["moderations.content_safety"]
    assert len(record.original) == 2


def test_hook_stream_abandoned_by_caller_is_audited(
        stub: StubUpstream, write_policy: Callable[..., Path]) -> None:
    recorder = MemoryRecorder()
    policy = write_policy("name: t\nversion: 1\nsettings: {stream_window_chars: 16}\nrules:\n"
                          "  - id: kw\n    stages: [output]\n    detector: keywords\n"
                          "    settings: {words: [forbidden]}\n    action: block\n")
    guard = Guard.from_file(policy, recorder=recorder)
    stub.reply = prose(200)
    client = guard.wrap(openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0))
    chunks = client.chat.completions.create(**CHAT, stream=True)
    for n, _chunk in enumerate(chunks):
        if n >= 10:
            break
    chunks.close()
    (out,) = _outputs(recorder)
    assert out.facts.stream_end == "client_disconnected"
    assert (out.facts.stream_chars_released or 0) > 0
    guard.close()
