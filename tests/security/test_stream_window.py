"""Threat: the start of a forbidden span leaks out of a stream before the span is caught.

A streamed completion is released behind a hold-back window. If a blocking span is longer
than the window, its first characters are sent before enough of it has arrived to match (one
character of a 20-character phrase; most of a 60-character key). The effective window is now
at least the longest span any output rule can match, computed from the rules, and an output
pattern that can match unbounded text must declare its maximum (``max_match_chars``) or the
policy does not load. Checked on both edges, which share ``guard/engine/stream.py``: the
sidecar's SSE (real client -> sidecar -> stub upstream) and the library hook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from guard import Guard, GuardBlocked
from guard.errors import PolicyError
from tests.sidecar.conftest import SidecarFactory
from tests.support.stub_upstream import StubUpstream

PHRASE = "the secret recipe is"  # 20 characters
KEY = "sk-proj-" + "Q7r2Lm9Xv4Tb8Nc1Pd6Wf3Hj5Ks0Yg2Za8Ue4Ri7Oo1Ip3As6Dd9Fg2Hh"  # 60 characters
# Longer than any window: open-ended token formats are recognised from their first characters,
# so the window need only cover the prefix that identifies them, not the whole token.
LONG_TOKEN = "ghp_" + "Xk3Vb9Qm2Lw7Rt5Yn8Pc4Hs6Jd1Fg0Za" * 10  # 334 characters
PHONE = "+33 6 12 34 56 78"  # pattern detectors hold a match in progress, not a fixed width
EMAIL = "jane.doe@example.com"
LEAD = "Here is a long and perfectly harmless introduction to the answer. "
USER = [{"role": "user", "content": "tell me"}]


def _policy(window: int) -> str:
    return (f"name: t\nversion: 1\nsettings: {{stream_window_chars: {window}}}\nrules:\n"
            "  - id: phrase\n    stages: [output]\n    detector: keywords\n"
            f"    settings: {{words: ['{PHRASE}'], normalize: basic}}\n    action: block\n"
            "  - id: keys\n    stages: [output]\n    detector: secrets\n    action: block\n"
            "  - id: pii\n    stages: [output]\n    detector: pii\n"
            "    settings: {nlp: patterns}\n    action: block\n")


def _chars(text: str) -> list[str]:
    return [text[i:i + 3] for i in range(0, len(text), 3)]  # a token is a few characters


def _leaked(received: str) -> bool:
    """Whether any character of the forbidden span (placed right after LEAD) was released."""
    return len(received) > len(LEAD)


@pytest.mark.parametrize("forbidden", [PHRASE, KEY, LONG_TOKEN, PHONE, EMAIL])
def test_sidecar_releases_no_part_of_a_long_span(
        sidecar_factory: SidecarFactory, stub: StubUpstream, write_policy: Callable[..., Path],
        forbidden: str) -> None:
    from guard.sidecar.config import SidecarConfig, UpstreamConfig

    cfg = SidecarConfig(policy=str(write_policy(_policy(1))), upstreams={
        "stub": UpstreamConfig(base_url=stub.base_url, timeout_s=5, connect_timeout_s=2)})
    sidecar = sidecar_factory(config=cfg)
    stub.chunks = _chars(LEAD + forbidden + " and more text after it.")
    stub.chunk_delay = 0.01  # tokens trickle in, so checks run on partial text
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="k", max_retries=0)
    received = ""
    with pytest.raises(openai.APIError):
        for chunk in client.chat.completions.create(model="stub-model", messages=USER,
                                                    stream=True):  # type: ignore[arg-type]
            if chunk.choices:
                received += chunk.choices[0].delta.content or ""
    assert received == LEAD[:len(received)]
    assert not _leaked(received)


@pytest.mark.parametrize("forbidden", [PHRASE, KEY, LONG_TOKEN, PHONE, EMAIL])
def test_hook_releases_no_part_of_a_long_span(
        stub: StubUpstream, write_policy: Callable[..., Path], forbidden: str) -> None:
    guard = Guard.from_file(write_policy(_policy(1)))
    stub.chunks = _chars(LEAD + forbidden + " and more text after it.")
    client = guard.wrap(openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0))
    received = ""
    with pytest.raises(GuardBlocked):
        for chunk in client.chat.completions.create(model="stub-model", messages=USER,
                                                    stream=True):
            if chunk.choices:
                received += chunk.choices[0].delta.content or ""
    assert not _leaked(received)
    guard.close()


def test_window_is_computed_from_the_rules(write_policy: Callable[..., Path]) -> None:
    guard = Guard.from_file(write_policy(_policy(1)))
    assert guard.stream_window >= len(KEY) and guard.stream_window >= len(PHRASE)
    assert guard.stream_window < len(LONG_TOKEN)  # a prefix identifies it


def test_unbounded_output_pattern_must_declare_its_maximum(
        write_policy: Callable[..., Path]) -> None:
    rule = ("  - id: tickets\n    stages: [{stage}]\n    detector: regex\n"
            "    settings:\n      patterns: [{{category: t, pattern: 'TICKET-\\d+'}}]\n"
            "{extra}    action: block\n")
    head = "name: t\nversion: 1\nrules:\n"
    with pytest.raises(PolicyError) as err:
        Guard.from_file(write_policy(head + rule.format(stage="output", extra="")))
    assert err.value.line == 7 and err.value.field == "rules.0.settings.max_match_chars"
    assert "unbounded" in str(err.value)
    Guard.from_file(write_policy(head + rule.format(stage="input", extra="")))  # input: fine
    declared = Guard.from_file(write_policy(head + rule.format(
        stage="output", extra="      max_match_chars: 40\n")))
    assert declared.stream_window >= 40


def test_an_obfuscated_address_split_across_chunks_is_masked_whole(stub: StubUpstream) -> None:
    """``jane.doe [at] example [dot] com`` has no partial match of its own to hold (any last
    word could open one): the shipped policy's 64-character window holds it until it is whole."""
    guard = Guard.from_file("default")
    address = "jane.doe [at] example [dot] com"
    stub.chunks = _chars(LEAD + "Write to " + address + " for the details.")
    client = guard.wrap(openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0))
    received = ""
    for chunk in client.chat.completions.create(model="stub-model", messages=USER,
                                                stream=True):
        if chunk.choices:
            received += chunk.choices[0].delta.content or ""
    assert received == LEAD + "Write to <EMAIL_ADDRESS> for the details."
    guard.close()
