"""Micro-batching of concurrent requests onto one worker thread.

Transformer encoders are far cheaper per text in batches, and both classifier detectors of a
check should share one encoder pass. ``MicroBatcher.submit`` is awaited by many concurrent
callers; their items are collected for at most ``max_wait_ms`` (or until ``max_batch`` items),
run as one call of ``fn`` on a dedicated single worker thread (so the event loop never blocks
and torch/onnxruntime never oversubscribe the cores), and each caller gets back exactly the
results for its own items, in order. When the worker is idle, or ``max_batch`` items are
pending, the flush happens on the next loop tick (taking everything pending), so a lone request
pays no waiting time and requests started together (e.g. with ``asyncio.gather``) share one
batch; while the worker is busy, new items wait at most ``max_wait_ms``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from guard.budget import LOAD, WorkBudget, budget_scope

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _LoopState(Generic[T, R]):
    pending: list[tuple[list[T], asyncio.Future[list[R]]]] = field(default_factory=list)
    count: int = 0
    handle: asyncio.Handle | asyncio.TimerHandle | None = None
    in_flight: int = 0


def _unique(item: object) -> Hashable:
    """Without a key function no two items are the same work."""
    return object()


class MicroBatcher(Generic[T, R]):
    """Batch ``fn(items) -> results`` (same length, same order) across concurrent callers."""

    def __init__(
        self,
        fn: Callable[[list[T]], list[R]],
        max_batch: int = 64,
        max_wait_ms: float = 3.0,
        name: str = "guard-ml",
        cost: Callable[[T], int] | None = None,
        max_batch_cost: int = 0,
        key: Callable[[T], Hashable] | None = None,
    ) -> None:
        self._fn = fn
        self._cost = cost
        self._key = key
        self.max_batch_cost = max_batch_cost
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState[T, R]] = (
            weakref.WeakKeyDictionary()
        )
        self.batches_run = 0

    def _state(self, loop: asyncio.AbstractEventLoop) -> _LoopState[T, R]:
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        return state

    async def submit(self, items: Sequence[T]) -> list[R]:
        if not items:
            return []
        loop = asyncio.get_running_loop()
        state = self._state(loop)
        fut: asyncio.Future[list[R]] = loop.create_future()
        state.pending.append((list(items), fut))
        state.count += len(items)
        if state.count >= self.max_batch or state.in_flight == 0:
            # Flush on the next tick: every request started in this tick (e.g. both detectors
            # of one check, or a burst from gather) joins the same batch.
            if state.handle is None or isinstance(state.handle, asyncio.TimerHandle):
                if state.handle is not None:
                    state.handle.cancel()
                state.handle = loop.call_soon(self._flush, loop)
        elif state.handle is None:
            state.handle = loop.call_later(self.max_wait, self._flush, loop)
        LOAD.enter()  # queued work counts towards saturation until its caller is answered
        try:
            return await fut
        finally:
            LOAD.leave()

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        state = self._state(loop)
        if state.handle is not None:
            state.handle.cancel()
            state.handle = None
        pending, state.pending = self._take(state.pending)
        state.count = sum(len(chunk) for chunk, _ in state.pending)
        if not pending:
            return
        state.in_flight += 1
        loop.create_task(self._run(loop, state, pending))

    def _take(self, pending: list[tuple[list[T], asyncio.Future[list[R]]]]
              ) -> tuple[list[tuple[list[T], asyncio.Future[list[R]]]],
                         list[tuple[list[T], asyncio.Future[list[R]]]]]:
        """(callers for this batch, callers left waiting). With a ``cost``, the cheapest
        callers go first and a batch stops at ``max_batch_cost``: one request's long text
        (cut into many pieces) cannot hold the worker while short requests time out behind it.
        """
        pending = [(chunk, fut) for chunk, fut in pending if not fut.done()]
        if self._cost is None or not self.max_batch_cost:
            return pending, []
        cost, key = self._cost, self._key or _unique
        order = sorted(pending, key=lambda p: sum(cost(x) for x in p[0]))
        taken: list[tuple[list[T], asyncio.Future[list[R]]]] = []
        seen: set[Hashable] = set()
        total = items = 0
        for caller in order:
            # Items the batch already holds (same key: the same text for another head) are
            # free: the batch function computes them once.
            size = sum(cost(x) for x in caller[0] if key(x) not in seen)
            if taken and (total + size > self.max_batch_cost
                          or items + len(caller[0]) > self.max_batch):
                continue
            taken.append(caller)
            seen.update(key(x) for x in caller[0])
            total, items = total + size, items + len(caller[0])
        left = [p for p in pending if not any(p is t for t in taken)]
        return taken, left

    async def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        state: _LoopState[T, R],
        pending: list[tuple[list[T], asyncio.Future[list[R]]]],
    ) -> None:
        # Callers that timed out (their future is cancelled) are dropped when the worker gets
        # to the batch, not computed; a running batch stops at the encoder's next checkpoint
        # once every caller is gone.
        budget = WorkBudget(should_stop=lambda: all(fut.done() for _, fut in pending))

        def work() -> tuple[list[tuple[list[T], asyncio.Future[list[R]]]], list[R]]:
            try:
                live = [(chunk, fut) for chunk, fut in pending if not fut.done()]
                items = [x for chunk, _ in live for x in chunk]
                if not items:
                    return live, []
                with budget_scope(budget):
                    results = self._fn(items)
                if len(results) != len(items):
                    raise RuntimeError(f"batch function returned {len(results)} for {len(items)}")
                return live, results
            finally:
                LOAD.leave()

        try:
            LOAD.enter()
            live, results = await loop.run_in_executor(self._executor, work)
        except BaseException as exc:
            for _, fut in pending:
                if not fut.done():
                    fut.set_exception(exc)
        else:
            pos = 0
            for chunk, fut in live:
                if not fut.done():
                    fut.set_result(results[pos : pos + len(chunk)])
                pos += len(chunk)
        finally:
            self.batches_run += 1
            state.in_flight -= 1
            if state.pending and state.handle is None:
                state.handle = loop.call_soon(self._flush, loop)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
