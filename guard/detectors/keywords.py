"""``keywords``: blocklists that survive leetspeak, homoglyphs, invisible characters and spacing.

Terms and texts both go through the aggressive normaliser, so ``k1ll``, ``кill``, ``k i l l``
and ``ki\u200bll`` all meet ``kill``. Whole-word matching by default keeps "skill" clean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from guard.budget import CHECK_EVERY, checkpoint
from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.normalize import Level, normalize, skeleton
from guard.types import Finding


class KeywordsSettings(DetectorSettings):
    words: tuple[str, ...] = ()
    files: tuple[Path, ...] = Field(default=(), description="Word lists, one term per line.")
    category: str = "blocklist"
    match: str = Field(default="word", pattern="^(word|substring)$")
    normalize: Level = Level.AGGRESSIVE
    score: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _not_empty(self) -> KeywordsSettings:
        if not self.words and not self.files:
            raise ValueError("give at least one of 'words' or 'files'")
        for f in self.files:
            if not f.is_file():
                raise ValueError(f"word list not found: {f}")
        return self


def _load_terms(settings: KeywordsSettings) -> list[str]:
    terms = list(settings.words)
    for path in settings.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                terms.append(line)
    return terms


class KeywordsDetector(SyncDetector):
    name = "keywords"

    def __init__(self, settings: KeywordsSettings) -> None:
        self.settings = settings
        terms = sorted({skeleton(t, settings.normalize) for t in _load_terms(settings)} - {""},
                       key=len, reverse=True)
        # A lookahead finds overlapping candidates; word boundaries are checked afterwards,
        # because a spaced-out run ("k i l l a man") has boundaries the regex cannot see.
        self._regex = re.compile("(?=(" + "|".join(re.escape(t) for t in terms) + "))")
        # Spaced-out letters ("k i l l") double a term's length in the text as sent.
        spaced = 2 if settings.normalize is Level.AGGRESSIVE else 1
        self.max_match_chars: int | None = max((len(t) for t in terms), default=0) * spaced

    def detect_one(self, text: str) -> list[Finding]:
        norm = normalize(text, self.settings.normalize)
        findings: list[Finding] = []
        covered_until = -1
        checkpoint(self.name)
        for n, match in enumerate(self._regex.finditer(norm.text)):
            if n % CHECK_EVERY == CHECK_EVERY - 1:
                checkpoint(self.name)
            s, e = match.start(1), match.end(1)
            if s < covered_until:
                continue
            if self.settings.match == "word" and not (norm.is_boundary(s)
                                                      and norm.is_boundary(e)):
                continue
            covered_until = e
            start, end = norm.span(s, e)
            findings.append(
                Finding(
                    detector=self.name,
                    category=self.settings.category,
                    score=self.settings.score,
                    start=start,
                    end=end,
                    explanation="blocklisted term",
                )
            )
        return findings


def build(settings: Mapping[str, Any]) -> KeywordsDetector:
    return KeywordsDetector(KeywordsSettings.model_validate(settings))
