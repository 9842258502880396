"""Streams hold back a match in progress, not a fixed width: prose goes out word by word.

A stream used to hold back the longest span any output pattern can match (128 characters for
the secrets detector) at all times, which set the time to first token. Pattern detectors now
say where a match that more text could complete starts (partial matching with the ``regex``
module), so only that part is held; the guarantee itself (no character of a masked or blocked
span is sent) is checked here at the core and over HTTP in ``tests/security``.
"""

from __future__ import annotations

from typing import Any

import pytest
import regex

from guard import Guard
from guard.detectors.pii import PiiDetector, PiiSettings
from guard.detectors.secrets import SecretsDetector, SecretsSettings
from guard.detectors.spans import hold_start, open_match_start
from guard.engine.stream import StreamGuard
from guard.types import CheckContext
from tests.engine.test_stream_guard import chunk

KEY = "sk-proj-" + "Q7r2Lm9Xv4Tb8Nc1Pd6Wf3Hj5Ks0Yg2Za8Ue4Ri7Oo1Ip3As6Dd9Fg2Hh"
PHONE = "+33 6 12 34 56 78"
LEAD = "Here is a long and perfectly harmless introduction to the answer. "

POLICY = """name: spans
version: 1
settings: {stream_window_chars: 0}
rules:
  - id: keys
    stages: [output]
    detector: secrets
    action: rewrite
  - id: pii
    stages: [output]
    detector: pii
    settings: {nlp: patterns}
    action: rewrite
"""


def test_a_partial_match_is_held_from_its_start() -> None:
    secrets = SecretsDetector(SecretsSettings())
    text = LEAD + KEY[:12]
    assert secrets.open_span(text, len(text)) == len(LEAD)


def test_a_complete_match_that_reaches_the_end_stays_open() -> None:
    secrets = SecretsDetector(SecretsSettings())
    text = LEAD + KEY  # a longer key would still be this one
    assert secrets.open_span(text, len(text)) == len(LEAD)


def test_text_ending_between_words_holds_nothing() -> None:
    secrets = SecretsDetector(SecretsSettings())
    assert secrets.open_span(LEAD, len(LEAD)) == len(LEAD)
    unfinished = LEAD + "photosynth"
    assert secrets.open_span(unfinished, len(unfinished)) == len(LEAD)  # only the word


def test_a_match_in_progress_inside_an_earlier_complete_one_is_found() -> None:
    four_digits = [regex.compile(r"\d{3}-\d{4}")]
    text = "call 123-4567-89"  # "123-4567" is complete; "567-89" may become "567-8901"
    assert open_match_start(four_digits, text, len(text), 64) == text.index("567")


def test_the_scan_looks_back_the_declared_width_only() -> None:
    """A longer span was matched, whole, by an earlier check: its rewrite holds it."""
    key = [regex.compile(r"sk-[A-Za-z0-9]{20,}")]
    recent = "x " * 50 + "sk-aaaa"
    assert open_match_start(key, recent, len(recent), 64) == 100
    older = "sk-" + "a" * 200
    assert open_match_start(key, older, len(older), 64) == len(older)


@pytest.mark.parametrize("text,held", [
    ("Call me at " + PHONE[:8], PHONE[:8]),
    ("Write to jane.doe@exa", "jane.doe@exa"),
    ("My IBAN is FR76 3000 6000 01", "FR76 3000 6000 01"),
    ("The year 2024 was a good one. ", ""),
])
def test_pii_patterns_hold_identifiers_in_progress(text: str, held: str) -> None:
    pii = PiiDetector(PiiSettings(nlp="patterns"))
    pii.warmup()  # the first detection builds the analyzer, and with it the expressions
    assert text[pii.open_span(text, len(text)):] == held


def test_pii_holds_its_width_until_a_detection_built_the_analyzer() -> None:
    """Building Presidio takes a while: never on the stream's event loop."""
    pii = PiiDetector(PiiSettings(nlp="patterns", max_match_chars=40))
    assert pii.open_span(LEAD, len(LEAD)) == len(LEAD) - 40
    pii.detect_batch(["nothing personal here"])
    assert pii.open_span(LEAD, len(LEAD)) == len(LEAD)


def test_with_ner_names_keep_the_declared_width() -> None:
    pii = PiiDetector(PiiSettings())  # spaCy NER: a name has no pattern to match partially
    assert pii.open_span(LEAD, len(LEAD)) == len(LEAD) - 64


def test_detectors_without_open_spans_hold_their_width() -> None:
    class Fixed:
        max_match_chars = 20

    assert hold_start([Fixed(), SecretsDetector(SecretsSettings())], LEAD, len(LEAD)) == \
        len(LEAD) - 20
    assert hold_start([object()], LEAD, len(LEAD)) == len(LEAD)


@pytest.fixture
def guard(write_policy: Any) -> Any:
    g = Guard.from_file(write_policy(POLICY))
    yield g
    g.close()


async def _stream(guard: Guard, pieces: list[str]) -> tuple[str, int | None]:
    """Feed ``pieces`` one at a time; (text released, characters fed at the first release)."""
    await guard.warmup()  # as the sidecar does at startup: the pii analyzer is built
    core: StreamGuard = guard.open_stream(CheckContext())
    out, first = "", None
    fed = 0
    for piece in pieces:
        core.ingest(chunk(0, content=piece))
        fed += len(piece)
        step = await core.release()
        for c in step.chunks:
            text = c["choices"][0]["delta"].get("content") or ""
            if text and first is None:
                first = fed
            out += text
    step = await core.finish()
    out += "".join(c["choices"][0]["delta"].get("content") or "" for c in step.chunks)
    return out, first


@pytest.mark.asyncio
async def test_prose_is_released_word_by_word(guard: Guard) -> None:
    words = [w + " " for w in LEAD.split()]
    out, first = await _stream(guard, words)
    assert out == LEAD
    assert first is not None and first <= len(words[0]) + len(words[1])  # not 128 characters


@pytest.mark.asyncio
@pytest.mark.parametrize("secret", [KEY, PHONE, "jane.doe@example.com"])
async def test_no_character_of_a_span_in_progress_is_released(guard: Guard, secret: str) -> None:
    text = LEAD + secret + " and more text after it."
    out, _ = await _stream(guard, [text[i:i + 3] for i in range(0, len(text), 3)])
    assert out.startswith(LEAD) and out.endswith(" and more text after it.")
    masked = out[len(LEAD):-len(" and more text after it.")]
    assert masked and not any(secret[i:i + 3] in masked for i in range(len(secret) - 2))
