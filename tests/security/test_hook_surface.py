"""Threat: a prompt the guard blocks reaches the model through another door of the client.

``guard.wrap(client)`` used to guard only ``chat.completions.create``: the same prompt went
straight through ``chat.completions.parse``, ``with_raw_response.create``, legacy
``completions``, ``embeddings`` and ``responses``. Now every model-calling method the wrapper
knows checks input and output, and any other door (another API, raw HTTP, a stream it cannot
hold back) raises ``UnguardedCallError`` naming the method — never a silent pass. Real
``openai`` clients against a real stub server on 127.0.0.1; "the model was not reached" is
read from the stub's own request log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from guard import Guard, GuardBlocked
from guard.errors import GuardError, UnguardedCallError
from tests.support.stub_upstream import StubUpstream

POLICY = """name: t
version: 1
rules:
  - id: no-forbidden
    stages: [input, output]
    detector: keywords
    settings: {words: [forbidden]}
    action: block
    scope: {roles: [system, user, assistant, tool]}   # instructions are a system message
  - id: mask-mail
    stages: [input, output]
    detector: regex
    settings:
      max_match_chars: 64
      patterns: [{category: EMAIL, pattern: '[a-z.]+@example\\.com'}]
    action: rewrite
"""
BAD = "please tell me the forbidden thing"
MSGS = [{"role": "user", "content": BAD}]


class Answer(BaseModel):
    text: str


@pytest.fixture
def guard(write_policy: Callable[..., Path]) -> Iterator[Guard]:
    g = Guard.from_file(write_policy(POLICY))
    yield g
    g.close()


@pytest.fixture
def client(guard: Guard, stub: StubUpstream) -> Any:
    return guard.wrap(openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0))


def _msgs(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


CALLS: dict[str, Callable[[Any, str], Any]] = {
    "chat.create": lambda c, t: c.chat.completions.create(model="m", messages=_msgs(t)),
    "chat.parse": lambda c, t: c.chat.completions.parse(model="m", messages=_msgs(t),
                                                        response_format=Answer),
    "chat.raw": lambda c, t: c.chat.completions.with_raw_response.create(
        model="m", messages=_msgs(t)),
    "chat.streaming": lambda c, t: c.chat.completions.with_streaming_response.create(
        model="m", messages=_msgs(t)).__enter__(),
    "completions": lambda c, t: c.completions.create(model="m", prompt=t),
    "embeddings": lambda c, t: c.embeddings.create(model="m", input=[t, "fine"]),
    "responses": lambda c, t: c.responses.create(model="m", input=t),
    "responses.items": lambda c, t: c.responses.create(model="m", input=[
        {"role": "user", "content": [{"type": "input_text", "text": t}]}]),
    "responses.instructions": lambda c, t: c.responses.create(model="m", input="hi",
                                                              instructions=t),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_blocked_input_never_reaches_the_model(client: Any, stub: StubUpstream,
                                               name: str) -> None:
    with pytest.raises(GuardBlocked):
        CALLS[name](client, BAD)
    assert stub.requests == []


@pytest.mark.parametrize("name", ["chat.create", "chat.parse", "chat.raw", "chat.streaming",
                                  "completions", "responses"])
def test_forbidden_output_is_blocked(client: Any, stub: StubUpstream, name: str) -> None:
    stub.reply = '{"text": "here is the forbidden answer"}'
    with pytest.raises(GuardBlocked):
        CALLS[name](client, "hello")
    assert stub.requests  # the model answered; its answer was withheld


def test_rewrites_go_both_ways(client: Any, stub: StubUpstream) -> None:
    out = client.embeddings.create(model="m", input="mail jane@example.com")
    assert len(out.data) == 1
    assert "jane@example.com" not in stub.requests[-1].body.decode()
    stub.reply = "write to bob@example.com"
    resp = client.responses.create(model="m", input="hi")
    assert resp.output_text == "write to <EMAIL>"
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "hi"}])
    assert raw.parse().choices[0].message.content == "write to <EMAIL>"
    assert raw.headers is not None  # the rest of the raw response is still there


@pytest.mark.parametrize("door", [
    lambda c: c.images.generate(model="m", prompt=BAD),
    lambda c: c.beta,
    lambda c: c.post,
    lambda c: c.with_raw_response,
    lambda c: c.chat.with_raw_response,
    lambda c: c.chat.completions.stream,
    lambda c: c.responses.stream,
    lambda c: c.completions.create(model="m", prompt="hi", stream=True),
    lambda c: c.embeddings.create(model="m", input=[[1, 2, 3]]),
    lambda c: c.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "hi"}]).text,
    lambda c: c.with_options(timeout=5).audio,
])
def test_other_doors_are_refused_loudly(client: Any, stub: StubUpstream,
                                        door: Callable[[Any], Any]) -> None:
    with pytest.raises(UnguardedCallError) as err:
        door(client)
    assert isinstance(err.value, GuardError) and err.value.method.startswith("client")
    assert all(r.path.endswith("/chat/completions") for r in stub.requests)


def test_settings_and_models_pass_through(client: Any, stub: StubUpstream) -> None:
    assert str(client.base_url).startswith(stub.base_url)
    assert [m.id for m in client.models.list()] == ["stub-model", "stub-model-2"]
    wrapped = client.with_options(timeout=5)
    with pytest.raises(GuardBlocked):
        wrapped.chat.completions.create(model="m", messages=MSGS)


@pytest.mark.asyncio
async def test_async_client_doors_are_guarded(guard: Guard, stub: StubUpstream) -> None:
    client = guard.wrap(openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0))
    with pytest.raises(GuardBlocked):
        await client.chat.completions.parse(model="m", messages=MSGS, response_format=Answer)
    with pytest.raises(GuardBlocked):
        await client.chat.completions.with_raw_response.create(model="m", messages=MSGS)
    with pytest.raises(GuardBlocked):
        async with client.chat.completions.with_streaming_response.create(
                model="m", messages=MSGS):
            pass
    with pytest.raises(GuardBlocked):
        await client.responses.create(model="m", input=BAD)
    assert stub.requests == []
