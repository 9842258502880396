"""Scrub free text (error messages) before it reaches spans, logs or audit fields.

An upstream error often echoes what it was sent: the caller's API key ("Incorrect API key
provided: sk-...") or a user's e-mail address. Span status descriptions, exception events
and log lines are exported to places with wider access than the audit log, so every message
that did not come from Guard itself goes through :func:`redact_text` first: credentials (the
``secrets`` detector's formats, high-entropy tokens included), e-mail addresses and phone
numbers become ``[CATEGORY]``.
"""

from __future__ import annotations

import functools
import re

from guard.detectors.secrets import SecretsDetector, SecretsSettings

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d .\-()]{7,}\d(?![\w])")


@functools.lru_cache(maxsize=1)
def _secrets() -> SecretsDetector:
    return SecretsDetector(SecretsSettings())


def redact_text(text: str) -> str:
    """``text`` with secrets, e-mail addresses and phone numbers replaced by ``[CATEGORY]``."""
    spans = [(f.start, f.end, f.category) for f in _secrets().detect_one(text)]
    spans += [(m.start(), m.end(), "EMAIL_ADDRESS") for m in _EMAIL.finditer(text)]
    spans += [(m.start(), m.end(), "PHONE_NUMBER") for m in _PHONE.finditer(text)]
    merged: list[tuple[int, int, str]] = []
    for start, end, category in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
            continue
        merged.append((start, end, category))
    out = text
    for start, end, category in reversed(merged):
        out = out[:start] + f"[{category}]" + out[end:]
    return out
