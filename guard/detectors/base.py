"""The one detector protocol, and helpers to implement it.

A detector takes a *batch* of texts and returns, for each text, the findings in it. Batching
is part of the contract because the expensive detectors (transformers, Presidio) are much
cheaper per text in batches, and because one check usually covers several messages.

Detectors report *everything* they see with a score; thresholds belong to policy rules, so
one detector instance can serve several rules with different thresholds and run only once.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from guard.budget import LOAD, checkpoint
from guard.types import Finding


@runtime_checkable
class Detector(Protocol):
    """Finds things in texts.

    ``detect`` must not block the event loop: CPU-bound work goes to a worker thread
    (see :func:`run_sync`).
    """

    name: str

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]: ...


@runtime_checkable
class ScoresFrom(Protocol):
    """A detector that can skip work whose result no rule would act on.

    ``detect_from(texts, min_score)`` is ``detect(texts)`` for a caller that acts on no score
    below ``min_score`` (the lowest threshold of the rules reading it at that stage): a score
    below it may come back lower than ``detect`` would give (a classifier cascade reports 0 for
    windows its screen clears), one at or above it must not.
    """

    async def detect_from(self, texts: Sequence[str], min_score: float) -> list[list[Finding]]:
        ...


DetectorFactory = Callable[[Mapping[str, Any]], Detector]
"""Builds a detector from a rule's ``settings`` mapping (validated by the detector itself)."""


class DetectorSettings(BaseModel):
    """Base of every detector's settings model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_T = TypeVar("_T")


async def run_sync(func: Callable[..., _T], *args: Any) -> _T:
    """Run blocking ``func`` in the default thread pool so the event loop stays responsive.

    The caller's context (its :class:`~guard.budget.WorkBudget`) goes with it, so
    the work stops at its next checkpoint once the caller timed out; :data:`LOAD` counts it
    until the thread is really done, not until the caller stops waiting.
    """
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    LOAD.enter()

    def work() -> _T:
        try:
            return ctx.run(functools.partial(func, *args))
        finally:
            LOAD.leave()

    return await loop.run_in_executor(None, work)


class SyncDetector:
    """Adapter base: implement ``detect_one`` (blocking) and get a non-blocking batched detector."""

    name: str = "sync"

    def detect_one(self, text: str) -> list[Finding]:
        raise NotImplementedError

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        out = []
        for text in texts:
            checkpoint(self.name)
            out.append(self.detect_one(text))
        return out

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        if not texts:
            return []
        return await run_sync(self.detect_batch, list(texts))
