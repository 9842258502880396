"""``secrets``: credentials that must never reach a model or leave one.

Well-known token formats are matched precisely (they have fixed prefixes); anything else that
looks like a random key is caught by Shannon entropy, which is why the entropy check only
looks at long tokens that mix letters and digits, not at ordinary words or hex colours.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import regex
from pydantic import Field

from guard.budget import CHECK_EVERY, checkpoint
from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.spans import longest, open_match_start, pattern_width
from guard.types import Finding

_KNOWN: tuple[tuple[str, str, float], ...] = (
    ("PRIVATE_KEY",
     r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
     r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)", 1.0),
    ("AWS_ACCESS_KEY", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])", 1.0),
    ("AWS_SECRET_KEY",
     r"(?i)aws_?secret_?(?:access_?)?key\W{0,5}[=:]\s*['\"]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
     0.95),
    ("GITHUB_TOKEN",
     r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{80,})", 1.0),
    ("SLACK_TOKEN", r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}", 1.0),
    ("SLACK_WEBHOOK",
     r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}", 1.0),
    ("OPENAI_API_KEY",
     r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])", 0.95),
    ("ANTHROPIC_API_KEY", r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}", 1.0),
    ("GOOGLE_API_KEY", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", 1.0),
    ("STRIPE_KEY", r"(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}", 1.0),
    ("JWT",
     r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0.95),
    # scheme://user:password@host (postgres, mysql, mongodb+srv, redis, amqp, ftp, https ...)
    ("CONNECTION_STRING_PASSWORD",
     r"(?i)\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"]{0,64}:([^\s@/'\"]{3,128})@[^\s/@'\"]+",
     0.95),
    # ADO.NET / ODBC style: Server=...;User Id=...;Password=...; (a ';' on either side)
    ("CONNECTION_STRING_PASSWORD",
     r"(?i);\s*(?:password|pwd)\s*=\s*([^;'\"\s]{3,128})", 0.9),
    ("CONNECTION_STRING_PASSWORD",
     r"(?i)\b(?:password|pwd)\s*=\s*([^;'\"\s]{3,128})\s*;", 0.9),
    # A UUID is an identifier, not a secret, unless it is introduced as a key or token.
    ("UUID_API_KEY",
     r"(?i)(?:api[\s_-]?key|apikey|x-api-key|access[\s_-]?key|subscription[\s_-]?key|"
     r"secret|token|bearer|auth(?:orization)?|cl[ée] (?:d'api|api|secr[èe]te))"
     r"[^\n]{0,24}?\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b", 0.85),
    ("PASSWORD_ASSIGNMENT",
     r"(?i)(?:password|passwd|pwd|mot de passe|api[_-]?key|secret|token)\s*[=:]\s*['\"]?"
     r"([^\s'\";]{8,})", 0.7),
)

_CANDIDATE = re.compile(r"[A-Za-z0-9+/_=-]{20,}")


def shannon_entropy(token: str) -> float:
    counts = Counter(token)
    n = len(token)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


class SecretsSettings(DetectorSettings):
    entropy: bool = True
    entropy_threshold: float = Field(default=4.2, ge=0.0, le=8.0,
                                     description="Bits per character for generic tokens.")
    min_length: int = Field(default=24, ge=8)
    max_match_chars: int = Field(
        default=128, ge=24, le=4096,
        description="Declared longest secret (several formats are open-ended); the stream "
        "hold-back covers it. Longer keys still match by their first characters: every "
        "open-ended format is recognised from a prefix shorter than this, so the part that "
        "would be released is already inside a masked span. (GitHub and Slack tokens are "
        "open-ended for that reason: their formats' 255-character bounds held every stream's "
        "first token back by 266 characters.)")


class SecretsDetector(SyncDetector):
    name = "secrets"

    def __init__(self, settings: SecretsSettings) -> None:
        self.settings = settings
        self._known = [(cat, re.compile(rx), score) for cat, rx, score in _KNOWN]
        self.max_match_chars: int | None = longest(
            [pattern_width(rx) for _, rx, _ in _KNOWN] + [None], settings.max_match_chars)
        self._open = [regex.compile(rx) for _, rx, _ in _KNOWN]
        if settings.entropy:
            self._open.append(regex.compile(_CANDIDATE.pattern))

    def open_span(self, text: str, end: int) -> int:
        """Where a key still arriving may start in ``text[:end]`` (see ``spans.OpenSpans``)."""
        return open_match_start(self._open, text, end, self.max_match_chars or 0)

    def detect_one(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for category, known, score in self._known:
            checkpoint(self.name)
            for m in known.finditer(text):
                start, end = (m.start(1), m.end(1)) if m.lastindex else (m.start(), m.end())
                if any(s <= start and end <= e for s, e in taken):
                    continue
                taken.append((start, end))
                findings.append(Finding(self.name, category, score, start, end,
                                        f"{category} format"))
        if self.settings.entropy:
            findings.extend(self._high_entropy(text, taken))
        return sorted(findings, key=lambda f: f.start)

    def _high_entropy(self, text: str, taken: list[tuple[int, int]]) -> list[Finding]:
        found = []
        for n, m in enumerate(_CANDIDATE.finditer(text)):
            if n % CHECK_EVERY == CHECK_EVERY - 1:
                checkpoint(self.name)
            token = m.group()
            if len(token) < self.settings.min_length:
                continue
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            kinds = sum(bool(re.search(rx, token)) for rx in ("[a-z]", "[A-Z]", "[0-9]"))
            if kinds < 3 and not re.fullmatch(r"[0-9a-f]{32,}", token):
                continue
            bits = shannon_entropy(token)
            hexy = re.fullmatch(r"[0-9a-fA-F]+", token) is not None
            threshold = self.settings.entropy_threshold - (1.2 if hexy else 0.0)
            if bits >= threshold:
                score = min(1.0, 0.5 + (bits - threshold) / 2)
                found.append(Finding(self.name, "HIGH_ENTROPY_STRING", score, m.start(), m.end(),
                                     f"random-looking token ({bits:.1f} bits/char)"))
        return found


def build(settings: Mapping[str, Any]) -> SecretsDetector:
    return SecretsDetector(SecretsSettings.model_validate(settings))
