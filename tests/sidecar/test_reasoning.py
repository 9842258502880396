"""DeepSeek R1's ``reasoning_content`` is checked by output rules and passed through, and
``logprobs`` and unknown delta fields survive a guarded stream (openai client -> sidecar ->
stub upstream, over HTTP)."""

from __future__ import annotations

from typing import Any

import openai

from tests.sidecar.conftest import Sidecar
from tests.support.stub_upstream import StubUpstream

USER = [{"role": "user", "content": "think about it"}]


def _stream(sidecar: Sidecar, **kwargs: Any) -> tuple[list[Any], Exception | None]:
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk", max_retries=0)
    chunks: list[Any] = []
    try:
        for chunk in client.chat.completions.create(model="stub-model", messages=USER,
                                                    stream=True, **kwargs):
            chunks.append(chunk)
    except openai.APIError as exc:
        return chunks, exc
    return chunks, None


def _field(chunks: list[Any], name: str) -> str:
    return "".join(getattr(c.choices[0].delta, name, None) or "" for c in chunks if c.choices)


def test_stream_whose_reasoning_turns_harmful_is_stopped(sidecar: Sidecar,
                                                         stub: StubUpstream) -> None:
    stub.reasoning = ["The user wants help. ", "I could explain the ", "FORBIDDEN ",
                      "PHRASE in detail, ", "step by step, carefully."]
    stub.chunks = ["Here is ", "the answer."]
    chunks, error = _stream(sidecar)
    assert isinstance(error, openai.APIError)
    reasoning = _field(chunks, "reasoning_content")
    assert "FORBIDDEN" not in reasoning and "PHRASE" not in reasoning
    assert _field(chunks, "content") == ""  # the answer after it never went out
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    record = sidecar.recorder.records[-1]
    assert record.decision.action.value == "block"
    assert record.decision.fired_rules[0].rule_id == "harmful.output"


def test_stream_reasoning_is_masked_and_passed_through(sidecar: Sidecar,
                                                       stub: StubUpstream) -> None:
    stub.reasoning = ["I should write to jane", ".doe@example", ".com about this, ",
                      "then answer the question politely."]
    stub.chunks = ["Done: ", "the ", "answer ", "is 42."]
    chunks, error = _stream(sidecar)
    assert error is None
    assert _field(chunks, "reasoning_content") == (
        "I should write to <EMAIL_ADDRESS> about this, then answer the question politely.")
    assert _field(chunks, "content") == "Done: the answer is 42."
    first_content = next(i for i, c in enumerate(chunks) if c.choices[0].delta.content)
    last_reasoning = max(i for i, c in enumerate(chunks)
                         if getattr(c.choices[0].delta, "reasoning_content", None))
    assert last_reasoning < first_content  # reasoning first, as the upstream sent it


def test_non_stream_reasoning_is_checked(sidecar: Sidecar, stub: StubUpstream) -> None:
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk", max_retries=0)
    stub.reasoning = ["Mail bob@example.org first."]
    stub.reply = "All good."
    reply = client.chat.completions.create(model="stub-model", messages=USER)
    message = reply.choices[0].message
    assert message.content == "All good."
    assert (message.model_extra or {}).get("reasoning_content") == "Mail <EMAIL_ADDRESS> first."
    stub.reasoning = ["Let me explain the detonator wiring."]
    try:
        client.chat.completions.create(model="stub-model", messages=USER)
    except openai.BadRequestError as exc:
        assert exc.code == "content_filter"
    else:
        raise AssertionError("harmful reasoning was not blocked")


def test_logprobs_and_unknown_delta_fields_survive(sidecar: Sidecar,
                                                   stub: StubUpstream) -> None:
    stub.chunks = ["alpha ", "beta ", "gamma ", "write to x@example.com ", "delta."]
    stub.extra_delta = {"x_vendor": {"k": 1}}
    chunks, error = _stream(sidecar, logprobs=True)
    assert error is None
    tokens = [t.token for c in chunks if c.choices and c.choices[0].logprobs
              for t in c.choices[0].logprobs.content or []]
    # Every verbatim token came through, in order; the rewritten one did not (it would leak).
    assert tokens == ["alpha ", "beta ", "gamma ", "delta."]
    vendor = [getattr(c.choices[0].delta, "x_vendor", None) for c in chunks if c.choices]
    assert {"k": 1} in vendor
    assert _field(chunks, "content") == "alpha beta gamma write to <EMAIL_ADDRESS> delta."
