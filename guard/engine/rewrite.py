"""Apply ``rewrite`` rules to the spans they found: mask, redact, replace or hash."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from guard.policy.schema import RewriteSpec
from guard.types import Finding

_FALLBACK_SALT = b"guard-default-salt"


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    category: str
    spec: RewriteSpec


def pseudonym(value: str, category: str, salt_env: str) -> str:
    """A stable, keyed pseudonym: the same value maps to the same token under one salt."""
    salt = os.environ.get(salt_env, "").encode() or _FALLBACK_SALT
    digest = hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()[:10]
    return f"<{category}:{digest}>"


def _replacement(text: str, edit: Edit, salt_env: str) -> str:
    method = edit.spec.method
    if method == "mask":
        return f"<{edit.category}>"
    if method == "redact":
        return ""
    if method == "replace":
        return edit.spec.replacement or ""
    return pseudonym(text[edit.start:edit.end], edit.category, salt_env)


def merge_edits(edits: Sequence[Edit]) -> list[Edit]:
    """Overlapping spans become one edit (the earliest, longest one decides the method)."""
    ordered = sorted(edits, key=lambda e: (e.start, -(e.end - e.start)))
    merged: list[Edit] = []
    for edit in ordered:
        if merged and edit.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Edit(last.start, max(last.end, edit.end), last.category, last.spec)
        else:
            merged.append(edit)
    return merged


def apply_edits(text: str, edits: Sequence[Edit], salt_env: str) -> str:
    out = []
    pos = 0
    for edit in merge_edits(edits):
        out.append(text[pos:edit.start])
        out.append(_replacement(text, edit, salt_env))
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def edits_for(findings: Sequence[Finding], spec: RewriteSpec) -> list[Edit]:
    return [Edit(f.start, f.end, f.category, spec) for f in findings if f.end > f.start]
