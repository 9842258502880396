"""Apply ``rewrite`` rules to the spans they found: mask, redact, replace or hash."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from guard.policy.schema import RewriteSpec
from guard.secret import REWRITE_HASH, secret_from_env
from guard.types import Finding


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    category: str
    spec: RewriteSpec


def pseudonym(value: str, category: str, salt_env: str) -> str:
    """A stable, keyed pseudonym: the same value maps to the same token under one secret.

    The key is ``$<salt_env>`` or else the installation's secret file (:mod:`guard.secret`,
    created at first use); there is no public fallback, so pseudonyms cannot be reversed by
    hashing every phone number.
    """
    key = secret_from_env(salt_env).derive(REWRITE_HASH)
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:10]
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
