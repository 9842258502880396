from __future__ import annotations

import asyncio
import threading
import time

import pytest

from guard.ml.batcher import MicroBatcher


@pytest.mark.asyncio
async def test_each_caller_gets_its_own_results_in_one_batch() -> None:
    calls: list[list[int]] = []
    threads: set[str] = set()

    def fn(items: list[int]) -> list[int]:
        calls.append(list(items))
        threads.add(threading.current_thread().name)
        return [x * 10 for x in items]

    b: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=1000, max_wait_ms=5)
    inputs = [[i, i + 100] for i in range(20)]
    results = await asyncio.gather(*(b.submit(x) for x in inputs))
    assert results == [[i * 10, (i + 100) * 10] for i in range(20)]
    assert len(calls) < 20  # concurrent callers were batched together
    assert sum(len(c) for c in calls) == 40
    assert threads and all(t.startswith("guard-ml") for t in threads)  # off the event loop
    b.close()


@pytest.mark.asyncio
async def test_errors_reach_every_waiting_caller() -> None:
    def fn(items: list[int]) -> list[int]:
        raise ValueError("boom")

    b: MicroBatcher[int, int] = MicroBatcher(fn)
    res = await asyncio.gather(b.submit([1]), b.submit([2]), return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in res)
    assert await b.submit([]) == []
    b.close()


@pytest.mark.asyncio
async def test_busy_worker_waits_at_most_max_wait_or_max_batch() -> None:
    sizes: list[int] = []

    def fn(items: list[int]) -> list[int]:
        sizes.append(len(items))
        time.sleep(0.2 if len(sizes) == 1 else 0.0)
        return items

    slow: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=4, max_wait_ms=5000)
    first = asyncio.ensure_future(slow.submit([0]))
    await asyncio.sleep(0.05)  # the first batch is now running on the worker
    t0 = time.perf_counter()
    res = await asyncio.gather(*(slow.submit([i]) for i in range(1, 11)))
    assert [r[0] for r in res] == list(range(1, 11))
    assert await first == [0]
    assert time.perf_counter() - t0 < 2.0  # max_batch reached: no 5 s wait
    assert sizes == [1, 10]  # the burst formed one batch
    slow.close()
