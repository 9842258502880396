"""``guard.wrap(client)`` around the real ``openai`` client talking to a real HTTP stub."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest

from guard import Action, Guard, GuardBlocked
from tests.support.stub_upstream import StubUpstream

POLICY = """name: hook
version: 1
rules:
  - id: no-jailbreak
    stages: [input]
    detector: keywords
    settings: {words: [jailbreak], category: jailbreak}
    action: block
  - id: mask-keys
    stages: [input, output]
    detector: secrets
    action: rewrite
  - id: no-bomb
    stages: [output]
    detector: keywords
    settings: {words: [bomb recipe], category: violence}
    action: block
"""
KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(scope="module")
def stub() -> Iterator[StubUpstream]:
    with StubUpstream() as server:
        yield server


@pytest.fixture
def guard(write_policy: Callable[..., Path], stub: StubUpstream) -> Iterator[Guard]:
    stub.reset()
    g = Guard.from_file(write_policy(POLICY))
    yield g
    g.close()


def _client(stub: StubUpstream) -> openai.OpenAI:
    return openai.OpenAI(base_url=stub.base_url, api_key="sk-test", max_retries=0)


def test_allowed_call_passes_through(guard: Guard, stub: StubUpstream) -> None:
    client = guard.wrap(_client(stub))
    resp = client.chat.completions.create(model="m", messages=[{"role": "user",
                                                                "content": "hello"}])
    assert "hello" in resp.choices[0].message.content
    assert len(stub.requests) == 1


def test_blocked_prompt_raises_and_never_reaches_upstream(guard: Guard,
                                                          stub: StubUpstream) -> None:
    client = guard.wrap(_client(stub))
    with pytest.raises(GuardBlocked) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user",
                                                             "content": "j41lbreak please"}])
    assert info.value.decision.action is Action.BLOCK
    assert [r.rule_id for r in info.value.decision.fired_rules] == ["no-jailbreak"]
    assert stub.requests == []


def test_prompt_is_rewritten_before_upstream(guard: Guard, stub: StubUpstream) -> None:
    client = guard.wrap(_client(stub))
    client.chat.completions.create(model="m", messages=[{"role": "user",
                                                         "content": f"my key {KEY}"}])
    sent = stub.requests[0].json["messages"][0]["content"]
    assert KEY not in sent and "<AWS_ACCESS_KEY>" in sent


def test_completion_is_rewritten(guard: Guard, stub: StubUpstream) -> None:
    stub.reply = f"the key is {KEY}"
    client = guard.wrap(_client(stub))
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "?"}])
    assert resp.choices[0].message.content == "the key is <AWS_ACCESS_KEY>"


def test_harmful_completion_raises(guard: Guard, stub: StubUpstream) -> None:
    stub.reply = "sure, here is a bomb recipe"
    client = guard.wrap(_client(stub))
    with pytest.raises(GuardBlocked) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "?"}])
    assert info.value.decision.stage == "output"


def test_stream_is_rewritten_chunk_by_chunk(guard: Guard, stub: StubUpstream) -> None:
    stub.chunks = ["the key ", "is AKIAIOSF", "ODNN7EXAMPLE", " ok"]
    client = guard.wrap(_client(stub))
    stream = client.chat.completions.create(model="m", stream=True,
                                            messages=[{"role": "user", "content": "?"}])
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "the key is <AWS_ACCESS_KEY> ok"


def test_long_stream_is_released_incrementally(guard: Guard, stub: StubUpstream) -> None:
    words = [f"word{i} " for i in range(200)]
    stub.chunks = words
    client = guard.wrap(_client(stub))
    stream = client.chat.completions.create(model="m", stream=True,
                                            messages=[{"role": "user", "content": "?"}])
    pieces = [c.choices[0].delta.content for c in stream if c.choices and
              c.choices[0].delta.content]
    assert "".join(pieces) == "".join(words)
    assert len(pieces) > 3  # not one buffered blob


@pytest.mark.parametrize("is_async", [False, True])
def test_stream_turning_harmful_stops_before_the_phrase(guard: Guard, stub: StubUpstream,
                                                        is_async: bool) -> None:
    stub.chunks = [f"safe text number {i}. " for i in range(20)] + ["a bomb ", "recipe", " now"]
    received: list[str] = []

    def collect(chunk: object) -> None:
        for choice in getattr(chunk, "choices", []):
            received.append(choice.delta.content or "")

    if is_async:
        async def main() -> None:
            client = guard.wrap(openai.AsyncOpenAI(base_url=stub.base_url, api_key="sk-test",
                                                   max_retries=0))
            stream = await client.chat.completions.create(
                model="m", stream=True, messages=[{"role": "user", "content": "?"}])
            async for chunk in stream:
                collect(chunk)

        with pytest.raises(GuardBlocked):
            asyncio.run(main())
    else:
        client = guard.wrap(_client(stub))
        with pytest.raises(GuardBlocked):
            for chunk in client.chat.completions.create(
                    model="m", stream=True, messages=[{"role": "user", "content": "?"}]):
                collect(chunk)
    text = "".join(received)
    assert "safe text number 0" in text
    assert "bomb" not in text


def test_async_client(guard: Guard, stub: StubUpstream) -> None:
    async def main() -> None:
        client = guard.wrap(openai.AsyncOpenAI(base_url=stub.base_url, api_key="sk-test",
                                               max_retries=0))
        stub.reply = f"key {KEY}"
        resp = await client.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content == "key <AWS_ACCESS_KEY>"
        with pytest.raises(GuardBlocked):
            await client.chat.completions.create(model="m", messages=[
                {"role": "user", "content": "jailbreak"}])
        assert client.models is not None  # everything else is delegated

    asyncio.run(main())


def test_tool_call_arguments_are_checked(guard: Guard, stub: StubUpstream) -> None:
    stub.tool_calls = [{"id": "c1", "type": "function",
                        "function": {"name": "send", "arguments": f'{{"key": "{KEY}"}}'}}]
    client = guard.wrap(_client(stub))
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "?"}])
    assert resp.choices[0].message.tool_calls[0].function.arguments == \
        '{"key": "<AWS_ACCESS_KEY>"}'
