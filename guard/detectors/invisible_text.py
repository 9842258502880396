"""``invisible_text``: characters a reader cannot see but a model reads.

Unicode tag characters (U+E0000 block) spell out a whole hidden instruction ("ASCII
smuggling"), bidi overrides reorder what a reviewer sees, runs of zero-width characters hide
payloads or split words, runs of variation selectors encode bytes after an innocent emoji, and
private-use characters carry meaning only to whoever picked them.
Each run becomes one finding whose span covers exactly the invisible characters, so a
``rewrite`` rule with ``method: redact`` strips them and leaves the visible text intact.

Legitimate uses are left alone: the tag sequence of a subdivision flag emoji (🏴 + tags +
CANCEL TAG), a single joiner inside an emoji or a word (ZWJ/ZWNJ in Persian or Hindi), and a
single emoji/text presentation selector (U+FE0F after ❤).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from guard.detectors.base import DetectorSettings, SyncDetector
from guard.types import Finding

TAG_CHARACTERS = "tag_characters"
BIDI_CONTROL = "bidi_control"
ZERO_WIDTH = "zero_width"
PRIVATE_USE = "private_use"
VARIATION_SELECTORS = "variation_selectors"

_BLACK_FLAG = "\U0001F3F4"
_CANCEL_TAG = "\U000E007F"
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u034f")
_JOINERS = frozenset("\u200c\u200d")


def _kind(ch: str) -> str | None:
    cp = ord(ch)
    if 0xE0000 <= cp <= 0xE007F:
        return TAG_CHARACTERS
    if ch in _BIDI:
        return BIDI_CONTROL
    if ch in _ZERO_WIDTH:
        return ZERO_WIDTH
    if 0xE0100 <= cp <= 0xE01EF or 0xFE00 <= cp <= 0xFE0F:
        return VARIATION_SELECTORS
    if 0xE000 <= cp <= 0xF8FF or 0xF0000 <= cp <= 0x10FFFF:
        return PRIVATE_USE
    return None


class InvisibleTextSettings(DetectorSettings):
    tags: bool = True
    bidi: bool = True
    zero_width: bool = True
    private_use: bool = True
    variation_selectors: bool = True
    zero_width_min_run: int = Field(
        default=2, ge=1, le=64,
        description="Zero-width runs shorter than this are ignored (a lone joiner is common).")


class InvisibleTextDetector(SyncDetector):
    name = "invisible_text"

    def __init__(self, settings: InvisibleTextSettings) -> None:
        self.settings = settings
        self._enabled = {
            TAG_CHARACTERS: settings.tags,
            BIDI_CONTROL: settings.bidi,
            ZERO_WIDTH: settings.zero_width,
            PRIVATE_USE: settings.private_use,
            VARIATION_SELECTORS: settings.variation_selectors,
        }

    def detect_one(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        i, n = 0, len(text)
        while i < n:
            kind = _kind(text[i])
            if kind is None:
                i += 1
                continue
            j = i + 1
            while j < n and _kind(text[j]) == kind:
                j += 1
            finding = self._judge(text, kind, i, j)
            if finding is not None:
                findings.append(finding)
            i = j
        return findings

    def _judge(self, text: str, kind: str, start: int, end: int) -> Finding | None:
        if not self._enabled[kind]:
            return None
        length = end - start
        if kind == TAG_CHARACTERS:
            if _is_flag_sequence(text, start, end):
                return None
            return Finding(self.name, kind, 1.0, start, end,
                           f"{length} Unicode tag character(s): hidden text")
        if kind == BIDI_CONTROL:
            return Finding(self.name, kind, 0.9, start, end,
                           f"{length} bidirectional override/isolate character(s)")
        if kind == ZERO_WIDTH:
            if length < self.settings.zero_width_min_run:
                return None
            if length == 1 and text[start] in _JOINERS:
                return None
            score = min(1.0, 0.5 + 0.1 * length)
            return Finding(self.name, kind, score, start, end,
                           f"run of {length} zero-width character(s)")
        if kind == VARIATION_SELECTORS:
            # one selector after a character picks its glyph (emoji vs text style); a run, or
            # any supplementary selector (U+E0100..), encodes bytes ("variation selector
            # smuggling")
            if length == 1 and ord(text[start]) < 0xE0100:
                return None
            return Finding(self.name, kind, 1.0, start, end,
                           f"{length} variation selector(s) carrying hidden data")
        return Finding(self.name, kind, 0.6, start, end,
                       f"{length} private-use character(s)")


def _is_flag_sequence(text: str, start: int, end: int) -> bool:
    """🏴 + 2..6 tag letters/digits + CANCEL TAG: a subdivision flag such as England's."""
    return (
        start > 0
        and text[start - 1] == _BLACK_FLAG
        and text[end - 1] == _CANCEL_TAG
        and 3 <= end - start <= 7
    )


def build(settings: Mapping[str, Any]) -> InvisibleTextDetector:
    return InvisibleTextDetector(InvisibleTextSettings.model_validate(settings))
