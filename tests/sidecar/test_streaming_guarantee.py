"""The headline guarantee: no byte a blocking rule would stop ever reaches a streaming client.

End to end (openai client -> sidecar -> stub upstream over HTTP) for the scripted cases, and
property-based on the hold-back itself for arbitrary chunkings of the same texts.
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guard.detectors.registry import DetectorRegistry
from guard.engine.holdback import HoldBack
from guard.guard import Guard
from guard.types import Decision
from tests.sidecar.conftest import POLICIES, Sidecar, SidecarFactory
from tests.support.stub_upstream import StubUpstream

USER = [{"role": "user", "content": "tell me something"}]
FORBIDDEN = "FORBIDDEN PHRASE"


def stream_chunks(sidecar: Sidecar) -> tuple[list[openai.types.chat.ChatCompletionChunk],
                                             Exception | None]:
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk", max_retries=0)
    received = []
    error: Exception | None = None
    try:
        for chunk in client.chat.completions.create(model="stub-model", messages=USER,
                                                    stream=True):
            received.append(chunk)
    except openai.APIError as exc:
        error = exc
    return received, error


def contents(chunks: list[openai.types.chat.ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].delta.content or "" for c in chunks if c.choices]


def test_pii_is_masked_chunk_by_chunk(sidecar: Sidecar, stub: StubUpstream) -> None:
    # The e-mail and the phone number are split across upstream chunks on purpose.
    stub.chunks = ["Sure! You can write to jo", "hn.doe@exa", "mple.com or call ",
                   "+1 415", " 555 0100", " during office hours, Monday to Friday, ",
                   "and we will answer as quickly as we can."]
    stub.chunk_delay = 0.05  # tokens trickle in, as from a real model
    received, error = stream_chunks(sidecar)
    assert error is None
    pieces = [p for p in contents(received) if p]
    text = "".join(pieces)
    assert text == ("Sure! You can write to <EMAIL_ADDRESS> or call <PHONE_NUMBER> during "
                    "office hours, Monday to Friday, and we will answer as quickly as we can.")
    assert len(pieces) >= 2  # released incrementally, not in one final blob
    for piece in pieces:
        assert "@" not in piece and "555" not in piece
    assert received[-1].choices[0].finish_reason == "stop"


def test_harmful_turn_midstream_stops_with_content_filter(sidecar: Sidecar,
                                                          stub: StubUpstream) -> None:
    stub.chunks = ["Here is a harmless intro about chemistry class and safety rules. ",
                   "Then, the FORBI", "DDEN PHR", "ASE follows, ", "and more text after it."]
    stub.chunk_delay = 0.05
    received, error = stream_chunks(sidecar)
    assert isinstance(error, openai.APIError)  # the error event after the final chunk
    text = "".join(contents(received))
    assert FORBIDDEN not in text
    for piece in contents(received):
        assert "FORBI" not in piece and "PHR" not in piece
    assert text.startswith("Here is a harmless intro")  # what was cleared did stream
    assert received[-1].choices[0].finish_reason == "content_filter"
    record = sidecar.recorder.records[-1]
    assert record.decision.action == "block"
    assert record.facts.stream_chars_released == len(text)


def test_refusal_mode_midstream_block_has_no_error_event(sidecar_factory: SidecarFactory,
                                                         stub: StubUpstream) -> None:
    sidecar = sidecar_factory("refusal.yaml")
    stub.chunks = ["A perfectly fine beginning of an answer, then ", "FORBIDDEN PHRASE", "."]
    received, error = stream_chunks(sidecar)
    assert error is None
    assert FORBIDDEN not in "".join(contents(received))
    assert received[-1].choices[0].finish_reason == "content_filter"


def test_short_answer_is_released_at_end(sidecar: Sidecar, stub: StubUpstream) -> None:
    stub.reply = "Hi."
    received, error = stream_chunks(sidecar)
    assert error is None and "".join(contents(received)) == "Hi."


# --- property: any chunking of the same completion -------------------------------------------

TEXTS = [
    "Intro text that is harmless. Then FORBIDDEN PHRASE and the rest of the answer.",
    "Write to jane.roe@example.org or +44 207 946 0958 today, thanks a lot for asking!",
    "FORBIDDEN PHRASE right at the start",
    "short bob@x.io",
]


@pytest.fixture(scope="module")
def strict_guard(registry: DetectorRegistry) -> Guard:
    return Guard.from_file(Path(POLICIES / "strict.yaml"), registry=registry)


async def run_holdback(guard: Guard, pieces: list[str], window: int,
                       cap: int = 0) -> tuple[str, bool]:
    async def check(text: str) -> Decision:
        return await guard.acheck([{"role": "assistant", "content": text}], stage="output",
                                  record=False)

    hold = HoldBack(check, window=window, lookbehind=window, max_check_chars=cap)
    out = []
    for piece in pieces:
        hold.feed(piece)
        while hold.releasable():
            release = await hold.advance()
            out.append(release.text)
            if release.blocked:
                return "".join(out), True
    while hold.releasable(final=True):
        release = await hold.advance(final=True)
        out.append(release.text)
        if release.blocked:
            return "".join(out), True
    assert hold.released == len(hold.text)
    return "".join(out), False


def chunkings(text: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, len(text)), max_size=12).map(
        lambda cuts: [text[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)],
                                                strict=True)])


@pytest.mark.asyncio
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), index=st.integers(0, len(TEXTS) - 1), cap=st.sampled_from([0, 33, 50]))
async def test_holdback_never_leaks_for_any_chunking(strict_guard: Guard, data: st.DataObject,
                                                     index: int, cap: int) -> None:
    text = TEXTS[index]
    pieces = data.draw(chunkings(text))
    out, blocked = await run_holdback(strict_guard, pieces, window=32, cap=cap)
    assert FORBIDDEN not in out and "@" not in out
    assert "946" not in out
    if FORBIDDEN in text:
        assert blocked
    else:
        whole = await strict_guard.acheck([{"role": "assistant", "content": text}],
                                          stage="output", record=False)
        assert out == whole.output_text  # chunking does not change the result
