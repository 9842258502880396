"""``topics`` on the real shared encoder (all-MiniLM-L6-v2 from its wheel), no mocks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from guard.detectors import topics

TOPICS: list[dict[str, Any]] = [
    {"name": "politics",
     "description": "Elections, political parties, politicians and government policy debates.",
     "examples": ["Who should I vote for in the next election?",
                  "Pour qui devrais-je voter aux prochaines élections ?"]},
    {"name": "cooking",
     "description": "Recipes, ingredients and how to cook dishes.",
     "examples": ["How long should I bake a chicken?", "Comment réussir une pâte à crêpes ?"]},
]


@pytest.fixture(scope="module")
def deny() -> topics.TopicsDetector:
    return topics.build({"topics": TOPICS})


def _scores(det: topics.TopicsDetector, text: str) -> dict[str, float]:
    return {f.category: f.score for f in asyncio.run(det.detect([text]))[0]}


def test_deny_mode_names_the_topic(deny: topics.TopicsDetector) -> None:
    scores = _scores(deny, "Which party will win the parliamentary elections this year?")
    assert scores.get("politics", 0.0) >= 0.5
    assert scores.get("cooking", 0.0) < scores["politics"]
    french = _scores(deny, "Pour quel candidat voter à l'élection présidentielle ?")
    assert french.get("politics", 0.0) >= 0.5


def test_unrelated_text_scores_low(deny: topics.TopicsDetector) -> None:
    scores = _scores(deny, "How do I reverse a linked list in C?")
    assert max(scores.values(), default=0.0) < 0.5


def test_span_points_at_the_window_on_topic(deny: topics.TopicsDetector) -> None:
    filler = "The quarterly report covers storage usage, network traffic and uptime. " * 12
    text = filler + "By the way, who should I vote for in the next presidential election?"
    (finding,) = [f for f in asyncio.run(deny.detect([text]))[0] if f.category == "politics"]
    assert finding.score >= 0.5
    assert finding.start > 0 and "vote for" in text[finding.start:finding.end]


def test_allow_mode_flags_off_topic_text() -> None:
    det = topics.build({"topics": TOPICS[1:], "mode": "allow"})
    on = _scores(det, "What temperature should the oven be for a lasagna?")
    off = _scores(det, "Explain the causes of the French Revolution.")
    assert off.get("off_topic", 0.0) > on.get("off_topic", 0.0)
    assert off["off_topic"] >= 0.5


@pytest.mark.parametrize(
    "settings",
    [{"topics": []}, {"topics": [TOPICS[0], TOPICS[0]]},
     {"topics": TOPICS, "floor": 0.5, "ceiling": 0.1}, {"topics": TOPICS, "mode": "block"}],
)
def test_invalid_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        topics.build(settings)
