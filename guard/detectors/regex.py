"""``regex``: policy-declared patterns, matched on normalised text, reported on the original."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from guard.budget import CHECK_EVERY, checkpoint
from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.normalize import Level, normalize
from guard.detectors.spans import longest, pattern_width
from guard.types import Finding


class Pattern(DetectorSettings):
    """One pattern and the category it reports."""

    category: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    ignore_case: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class RegexSettings(DetectorSettings):
    patterns: tuple[Pattern, ...] = Field(min_length=1)
    normalize: Level = Level.BASIC
    max_match_chars: int | None = Field(
        default=None, ge=1, le=4096,
        description="Longest text a match can cover; required on output rules whose "
        "patterns are unbounded (+, *, {n,}), so the stream hold-back covers every match.")


class RegexDetector(SyncDetector):
    name = "regex"

    def __init__(self, settings: RegexSettings) -> None:
        self.settings = settings
        self._compiled = [
            (p, re.compile(p.pattern, re.IGNORECASE if p.ignore_case else 0))
            for p in settings.patterns
        ]
        self.max_match_chars = longest(
            (pattern_width(p.pattern, c.flags) for p, c in self._compiled),
            settings.max_match_chars)

    def detect_one(self, text: str) -> list[Finding]:
        norm = normalize(text, self.settings.normalize)
        findings = []
        for pattern, compiled in self._compiled:
            checkpoint(self.name)
            for n, match in enumerate(compiled.finditer(norm.text)):
                if n % CHECK_EVERY == CHECK_EVERY - 1:
                    checkpoint(self.name)
                if match.end() == match.start():
                    continue
                start, end = norm.span(match.start(), match.end())
                findings.append(
                    Finding(
                        detector=self.name,
                        category=pattern.category,
                        score=pattern.score,
                        start=start,
                        end=end,
                        explanation=f"pattern for {pattern.category!r} matched",
                    )
                )
        return findings



def build(settings: Mapping[str, Any]) -> RegexDetector:
    return RegexDetector(RegexSettings.model_validate(settings))
