"""Without an upstream, every API answers from the built-in echo upstream (first-run
experience), guarded like any other upstream."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest

from guard.detectors.registry import DetectorRegistry
from guard.sidecar.app import create_app
from guard.sidecar.config import SidecarConfig
from tests.sidecar.conftest import POLICIES, QUIET, MemoryRecorder, ServerThread


@pytest.fixture(scope="module")
def url(registry: DetectorRegistry) -> Iterator[str]:
    config = SidecarConfig(policy=str(POLICIES / "strict.yaml"), server=QUIET)
    server = ServerThread(create_app(config, recorder=MemoryRecorder(), registry=registry))
    server.start()
    yield server.url
    server.stop()


def test_openai_apis_answer_from_echo(url: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk", max_retries=0)
    reply = client.completions.create(model="echo", prompt="mail ann@example.com")
    assert reply.choices[0].text.strip() == "Echo: mail <EMAIL_ADDRESS>"
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="echo", prompt="hello there", stream=True) if c.choices)
    assert streamed.strip() == "Echo: hello there"
    vectors = client.embeddings.create(model="echo", input=["a", "b"]).data
    assert len(vectors) == 2 and vectors[0].embedding != vectors[1].embedding
    response = client.responses.create(model="echo", input="mail bob@example.org")
    assert response.output_text == "Echo: mail <EMAIL_ADDRESS>"
    events = list(client.responses.create(model="echo", input="hi", stream=True))
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text.strip() == "Echo: hi"


def test_anthropic_messages_answer_from_echo(url: str) -> None:
    client = anthropic.Anthropic(base_url=url, api_key="k", max_retries=0)
    message = client.messages.create(model="echo", max_tokens=10,
                                     messages=[{"role": "user", "content": "hi there"}])
    assert message.content[0].text == "Echo: hi there"  # type: ignore[union-attr]
    with client.messages.stream(model="echo", max_tokens=10,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        assert stream.get_final_message().content[0].text.strip() == "Echo: hi"  # type: ignore[union-attr]
