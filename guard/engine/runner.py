"""Run the detectors a check needs, concurrently, each on the segments its rules look at.

A detector that raises or times out does not fail the check: its error is returned and each
rule that depends on it resolves it through its own ``on_error`` (fail closed or open).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from guard.budget import DetectorCancelled, WorkBudget, budget_scope
from guard.detectors.base import Detector, ScoresFrom
from guard.engine.segments import Segment
from guard.types import Finding


@dataclass
class DetectorJob:
    detector: Detector
    segment_ids: list[int]
    timeout_s: float
    rule_timeouts_s: dict[str, float] = field(default_factory=dict)
    max_chars: int | None = None
    min_score: float = 0.0  # the lowest threshold of the job's rules at this stage


@dataclass
class DetectorResult:
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    error: str | None = None
    latency_ms: float = 0.0


SpanFactory = Callable[[str], AbstractContextManager[object]]


async def _detect(job: DetectorJob, texts: list[str]) -> list[list[Finding]]:
    if job.min_score > 0 and isinstance(job.detector, ScoresFrom):
        return await job.detector.detect_from(texts, job.min_score)
    return await job.detector.detect(texts)


async def _run_one(job: DetectorJob, segments: Sequence[Segment],
                   span: SpanFactory) -> DetectorResult:
    texts = scan_prefix([segments[i].text for i in job.segment_ids], job.max_chars)
    started = time.perf_counter()
    result = DetectorResult()
    budget = WorkBudget.for_timeout(job.timeout_s)
    with span(job.detector.name), budget_scope(budget):
        try:
            found = await asyncio.wait_for(_detect(job, texts), job.timeout_s)
            if len(found) != len(texts):
                raise RuntimeError(f"returned {len(found)} results for {len(texts)} texts")
            result.findings = dict(zip(job.segment_ids, found, strict=True))
        except (TimeoutError, DetectorCancelled):
            result.error = f"timed out after {job.timeout_s * 1000:.0f} ms"
        except Exception as exc:  # any detector failure is resolved by the rule's on_error
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            budget.cancel()  # work still running in a thread stops at its next checkpoint
    result.latency_ms = (time.perf_counter() - started) * 1000
    return result


def scan_prefix(texts: list[str], max_chars: int | None) -> list[str]:
    """The first ``max_chars`` characters of ``texts`` taken in order (the rest cut off):
    the bounded share of a request one detector scans (policy ``max_scan_chars``)."""
    if max_chars is None or sum(len(t) for t in texts) <= max_chars:
        return texts
    out, left = [], max_chars
    for text in texts:
        out.append(text[:left])
        left -= len(out[-1])
    return out


async def run_detectors(jobs: Sequence[DetectorJob], segments: Sequence[Segment],
                        span: SpanFactory | None = None) -> list[DetectorResult]:
    """Run all jobs concurrently; results are in the order of ``jobs``."""
    factory: SpanFactory = span or (lambda _name: nullcontext())
    return list(await asyncio.gather(*(_run_one(j, segments, factory) for j in jobs)))
