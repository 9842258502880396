"""``language``: keep traffic to the languages a deployment supports (or away from some).

Each text is identified whole, and each paragraph of a multi-paragraph text on its own, so a
French paragraph smuggled into an English prompt is found and located. A finding means "this
language is not permitted": category ``language:<code>``, score = the identifier's
probability. Texts shorter than ``min_chars`` letters or identified below ``min_confidence``
are not judged (a two-word greeting is no evidence either way).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.langid import identify, known_languages
from guard.types import Finding

_PARAGRAPH = re.compile(r"\S(?:.|\n(?!\s*\n))*")


class LanguageSettings(DetectorSettings):
    allow: tuple[str, ...] | None = None
    deny: tuple[str, ...] | None = None
    min_chars: int = Field(default=12, ge=1)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_list(self) -> LanguageSettings:
        if (self.allow is None) == (self.deny is None):
            raise ValueError("give exactly one of 'allow' or 'deny' (a list of ISO 639-1 codes)")
        codes = self.allow if self.allow is not None else self.deny
        unknown = sorted(set(codes or ()) - known_languages())
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; use ISO 639-1 (en, fr ...)")
        return self


class LanguageDetector(SyncDetector):
    name = "language"

    def __init__(self, settings: LanguageSettings) -> None:
        self.settings = settings
        self._allow = frozenset(settings.allow) if settings.allow is not None else None
        self._deny = frozenset(settings.deny or ())

    def warmup(self) -> None:
        identify("warm up the language identifier")

    def _forbidden(self, code: str) -> bool:
        if self._allow is not None:
            return code not in self._allow
        return code in self._deny

    def _judge(self, text: str, start: int, end: int) -> Finding | None:
        chunk = text[start:end]
        if sum(ch.isalpha() for ch in chunk) < self.settings.min_chars:
            return None
        guess = identify(chunk)
        if guess.confidence < self.settings.min_confidence or not self._forbidden(guess.code):
            return None
        return Finding(self.name, f"language:{guess.code}", guess.confidence, start, end,
                       f"text identified as {guess.code!r}, which the policy does not permit")

    def detect_one(self, text: str) -> list[Finding]:
        whole = self._judge(text, 0, len(text))
        paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
        findings = [whole] if whole is not None else []
        if len(paragraphs) > 1:
            for start, end in paragraphs:
                part = self._judge(text, start, end)
                if part is not None and (whole is None or part.category != whole.category):
                    findings.append(part)
        return findings


def build(settings: Mapping[str, Any]) -> LanguageDetector:
    return LanguageDetector(LanguageSettings.model_validate(settings))
