"""A bounded cache of detector verdicts, so no text is checked twice by the same detector.

Every turn of a conversation resends the system prompt and the earlier turns; without a cache
the guard re-runs every detector on all of them each time, and a conversation's 10th turn
costs ten times its first. Entries are keyed by SHA-256 over (policy content hash, detector
instance, message role, exact text) and hold only that key and the detector's findings
(category, score, character span, a fixed explanation): no text. The policy hash in the key
means a new policy version never sees verdicts made under another; a detector error is never
cached. The cache is an LRU bounded by entry count; hits and misses are counted for metrics.
``Guard`` uses it for input checks only (completions are new text, and each streaming check
sees a different window, which would only evict the conversation's entries).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from guard.detectors.base import Detector
from guard.engine.runner import DetectorJob, DetectorResult, SpanFactory, run_detectors
from guard.engine.segments import Segment
from guard.lru import LRU
from guard.settings import settings
from guard.types import Finding


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    max_entries: int
    hits: int
    misses: int


class VerdictCache:
    """LRU of detector findings by content hash (see the module docstring)."""

    def __init__(self, max_entries: int = 8192) -> None:
        self._entries: LRU[bytes, tuple[Finding, ...]] = LRU(max_entries)

    @property
    def max_entries(self) -> int:
        return self._entries.size

    @property
    def hits(self) -> int:
        return self._entries.hits

    @property
    def misses(self) -> int:
        return self._entries.misses

    @staticmethod
    def key(policy_hash: str, detector: Detector, role: str, text: str) -> bytes:
        h = hashlib.sha256()
        for part in (policy_hash, detector.name, instance_token(detector), role):
            h.update(part.encode())
            h.update(b"\x00")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.digest()

    def get(self, key: bytes) -> tuple[Finding, ...] | None:
        return self._entries.get(key)

    def put(self, key: bytes, findings: Sequence[Finding]) -> None:
        self._entries.put(key, tuple(findings))

    def keys(self) -> list[bytes]:
        """The digests held (no text is ever kept)."""
        return list(self._entries)

    def stats(self) -> CacheStats:
        return CacheStats(len(self._entries), self.max_entries, self.hits, self.misses)

    def clear(self) -> None:
        self._entries.clear()


_TOKENS = itertools.count(1)
_TOKEN_ATTR = "_guard_verdict_cache_token"


def instance_token(detector: Detector) -> str:
    """A token unique to one detector instance for the life of the process.

    ``id()`` is not: once a Guard and its detectors are collected, a new detector (another
    rule's regex, say) can get the same address and would be served the old one's verdicts.
    A detector that takes no attributes (``__slots__``) gets a fresh token per call, which
    simply never hits the cache.
    """
    token = getattr(detector, _TOKEN_ATTR, None)
    if isinstance(token, str):
        return token
    token = f"d{next(_TOKENS)}"
    try:
        object.__setattr__(detector, _TOKEN_ATTR, token)
    except (AttributeError, TypeError):
        pass
    return token


_SHARED: VerdictCache | None = None
_SHARED_LOCK = threading.Lock()


def shared_cache() -> VerdictCache:
    """The process-wide cache (``GUARD_VERDICT_CACHE_ENTRIES``), shared by every Guard."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = VerdictCache(settings().verdict_cache_entries)
        return _SHARED


async def run_cached(cache: VerdictCache | None, policy_hash: str, jobs: Sequence[DetectorJob],
                     segments: Sequence[Segment],
                     span: SpanFactory | None = None) -> list[DetectorResult]:
    """:func:`run_detectors`, with each detector run only on the segments the cache lacks."""
    if cache is None or not cache.max_entries:
        return await run_detectors(jobs, segments, span)
    cached: list[dict[int, list[Finding]]] = []
    keys: list[dict[int, bytes]] = []
    to_run: list[DetectorJob] = []
    for job in jobs:
        hits: dict[int, list[Finding]] = {}
        misses: dict[int, bytes] = {}
        for i in job.segment_ids:
            key = cache.key(policy_hash, job.detector, segments[i].ref.role, segments[i].text)
            found = cache.get(key)
            if found is None:
                misses[i] = key
            else:
                hits[i] = list(found)
        cached.append(hits)
        keys.append(misses)
        if misses or not job.segment_ids:
            to_run.append(replace(job, segment_ids=list(misses)))
    ran = iter(await run_detectors(to_run, segments, span) if to_run else [])
    results: list[DetectorResult] = []
    for job, hits, misses in zip(jobs, cached, keys, strict=True):
        if not misses and job.segment_ids:
            results.append(DetectorResult(findings=hits))
            continue
        result = next(ran)
        scanned_whole = job.max_chars is None or sum(
            len(segments[i].text) for i in misses) <= job.max_chars
        if result.error is None and scanned_whole:  # a cut-off scan is no verdict on the text
            for i, key in misses.items():
                cache.put(key, result.findings.get(i, []))
        merged = {**hits, **result.findings}
        result.findings = {i: merged[i] for i in job.segment_ids if i in merged}
        results.append(result)
    return results
