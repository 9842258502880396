"""Cooperative cancellation for detector work that runs in worker threads.

A thread cannot be killed, so a detector that outlives its timeout would keep a worker (and
the cores) busy while every other request queues behind it. Instead, the engine gives each
detector call a :class:`WorkBudget` (a deadline plus a cancel flag, carried by a context
variable into the worker thread); CPU-heavy detectors call :func:`checkpoint` between
windows, chunks and patterns, which raises :class:`DetectorCancelled` once the call timed out
or was abandoned. :data:`LOAD` counts worker-thread work still running — including work whose
caller gave up — so readiness can report saturation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from guard.errors import DetectorError


class DetectorCancelled(DetectorError):
    """Detector work stopped at a checkpoint because its caller timed out or went away."""

    def __init__(self, detector: str = "detector") -> None:
        super().__init__(detector, "cancelled (time budget exhausted)")


@dataclass
class WorkBudget:
    """When a detector call must stop: ``deadline`` (monotonic seconds) or ``cancel()``."""

    deadline: float | None = None
    should_stop: Callable[[], bool] | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def for_timeout(cls, timeout_s: float) -> WorkBudget:
        return cls(deadline=time.monotonic() + timeout_s)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def exhausted(self) -> bool:
        if self._cancelled.is_set():
            return True
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return True
        return self.should_stop is not None and self.should_stop()


CHECK_EVERY = 256
"""Matches between two checkpoints in a scanning loop (a checkpoint costs a clock read)."""

_CURRENT: ContextVar[WorkBudget | None] = ContextVar("guard_work_budget", default=None)


def current_budget() -> WorkBudget | None:
    return _CURRENT.get()


@contextmanager
def budget_scope(budget: WorkBudget) -> Iterator[WorkBudget]:
    """Make ``budget`` the current one (in this context and the worker threads it starts)."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def checkpoint(detector: str = "detector") -> None:
    """Raise :class:`DetectorCancelled` if the current work's budget is exhausted."""
    budget = _CURRENT.get()
    if budget is not None and budget.exhausted:
        raise DetectorCancelled(detector)


class WorkLoad:
    """Count of detector work items running or queued in worker threads (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    def enter(self) -> None:
        with self._lock:
            self._running += 1

    def leave(self) -> None:
        with self._lock:
            self._running -= 1

    @property
    def running(self) -> int:
        return self._running


LOAD = WorkLoad()
"""Process-wide: detector work in worker threads (readiness reports saturation from it)."""
