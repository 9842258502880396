"""E-mail addresses written to dodge pattern matchers are found and masked like any other."""

from __future__ import annotations

import asyncio

import pytest

from guard import Guard
from guard.detectors import pii

OBFUSCATED = [
    ("Write to jane.doe [at] example [dot] com please", "jane.doe [at] example [dot] com"),
    ("à jean.dupont (arobase) exemple (point) fr", "jean.dupont (arobase) exemple (point) fr"),
    ("mail jane(at)example(dot)co(dot)uk now", "jane(at)example(dot)co(dot)uk"),
    ("jane.doe [at] example.com", "jane.doe [at] example.com"),
    ("Écrivez à marie [AT] exemple [DOT] fr.", "marie [AT] exemple [DOT] fr"),
    ("IOC: attacker@evil-domain[.]com", "attacker@evil-domain[.]com"),
]

PROSE = [
    "Look at this dot com bubble [at] the time",
    "Meet me [at] the station.",
    "We met at example dot com's office.",
]


@pytest.mark.parametrize("nlp", ["spacy", "patterns"])
def test_obfuscated_addresses_are_e_mail_addresses(nlp: str) -> None:
    det = pii.build({"nlp": nlp})
    texts = [t for t, _ in OBFUSCATED]
    for (text, value), found in zip(OBFUSCATED, asyncio.run(det.detect(texts)), strict=True):
        assert [text[f.start:f.end] for f in found if f.category == "EMAIL_ADDRESS"] == [value]


def test_bracketed_at_in_prose_is_not_an_address() -> None:
    found = asyncio.run(pii.build({"nlp": "patterns"}).detect(PROSE))
    assert all(f.category != "EMAIL_ADDRESS" for fs in found for f in fs)


def test_the_default_policy_masks_it_in_prompts_and_answers() -> None:
    guard = Guard.from_file("default")
    text = "Reach me at jane.doe [at] example [dot] com tomorrow."
    masked = "Reach me at <EMAIL_ADDRESS> tomorrow."
    prompt = guard.check_input([{"role": "user", "content": text}])
    answer = guard.check_output([{"role": "user", "content": "hi"},
                                 {"role": "assistant", "content": text}])
    assert [m.content for m in prompt.messages][-1] == masked
    assert [m.content for m in answer.messages][-1] == masked
