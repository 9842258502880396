"""Unit tests of the core streaming guard, fed OpenAI chunk dicts directly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from guard import Guard
from guard.engine.stream import CLASSIFIER_LOOKBEHIND_CHARS, StreamGuard, StreamLimits
from guard.types import CheckContext, Decision, Message

POLICY = """name: s
version: 1
settings: {stream_window_chars: 8}
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


def chunk(index: int, **delta: Any) -> dict[str, Any]:
    finish = delta.pop("finish", None)
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


@pytest.fixture
def guard(write_policy: Any) -> Any:
    g = Guard.from_file(write_policy(POLICY))
    yield g
    g.close()


async def drive(core: StreamGuard, events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                          Decision | None]:
    out: list[dict[str, Any]] = []
    for event in events:
        out += core.ingest(event)
        step = await core.release()
        out += step.chunks
        if step.blocked:
            return out, step.blocked
    step = await core.finish()
    return out + step.chunks, step.blocked


def texts(out: list[dict[str, Any]]) -> dict[int, str]:
    got: dict[int, str] = {}
    for c in out:
        for ch in c["choices"]:
            got[ch["index"]] = got.get(ch["index"], "") + (ch["delta"].get("content") or "")
    return got


@pytest.mark.asyncio
async def test_choices_are_held_back_and_released_separately(guard: Guard) -> None:
    records: list[tuple[Decision, Message, int, str | None]] = []

    async def record(d: Decision, m: Message, n: int, err: str | None, end: str) -> None:
        records.append((d, m, n, err))

    async def check(msgs: Sequence[Message]) -> Decision:
        return await guard.acheck(msgs, stage="output", record=False)

    core = StreamGuard(check, record, window=8, lookbehind=64)
    words0 = ["my key ", KEY[:8], KEY[8:], " is here, done"]
    events = [chunk(0, role="assistant", content=""), chunk(1, role="assistant", content="")]
    for w in words0:
        events += [chunk(0, content=w), chunk(1, content="x ")]
    events += [chunk(0, finish="stop"), chunk(1, finish="length")]
    out, blocked = await drive(core, events)
    assert blocked is None
    got = texts(out)
    assert KEY not in got[0] and got[0].startswith("my key <") and got[0].endswith("done")
    assert got[1] == "x " * 4
    finishes = {c["choices"][0]["index"]: c["choices"][0]["finish_reason"] for c in out
                if c["choices"][0]["finish_reason"]}
    assert finishes == {0: "stop", 1: "length"}
    assert len(records) == 1 and records[0][2] == core.released_chars == len(got[0]) + 8


@pytest.mark.asyncio
async def test_block_stops_before_the_phrase_and_is_audited_once(guard: Guard) -> None:
    recorded: list[int] = []

    async def record(d: Decision, m: Message, n: int, err: str | None, end: str) -> None:
        recorded.append(n)

    core = guard.open_stream(CheckContext(), limits=StreamLimits(max_check_chars=0))
    core._record = record  # capture the audit call of this stream
    events = [chunk(0, content=w) for w in ["fine text ", "then the bomb", " recipe", " end"]]
    out, blocked = await drive(core, events)
    assert blocked is not None and blocked.fired_rules[0].rule_id == "no-bomb"
    assert "bomb" not in "".join(texts(out).values())
    assert recorded == [core.released_chars]
    assert core.open_choices() == [0]


def test_limits_take_the_largest_lookbehind_of_active_detectors() -> None:
    limits = StreamLimits(window=64, lookbehind_chars=128)
    assert limits.lookbehind(["secrets"]) == 128
    assert limits.lookbehind(["content_safety", "secrets"]) == CLASSIFIER_LOOKBEHIND_CHARS > 128
    assert StreamLimits(window=300).lookbehind([]) == 300


def test_policy_file_fixture(write_policy: Any) -> None:
    assert Path(write_policy(POLICY)).exists()
