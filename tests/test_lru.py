"""The package's one bounded LRU map (verdicts, remote answers, n-gram rows, windows, languages)."""

from __future__ import annotations

import threading

from guard.lru import LRU


def test_evicts_the_least_recently_used_and_counts_hits() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent: "b" goes first
    lru.put("c", 3)
    assert list(lru) == ["a", "c"] and len(lru) == 2
    assert lru.get("b") is None
    assert (lru.hits, lru.misses) == (1, 1)
    lru.put("a", 10)  # replacing refreshes too
    lru.put("d", 4)
    assert list(lru) == ["a", "d"] and lru.get("a") == 10


def test_size_zero_keeps_nothing() -> None:
    lru: LRU[str, int] = LRU(0)
    lru.put("a", 1)
    assert len(lru) == 0 and lru.get("a") is None and lru.misses == 1


def test_stays_bounded_under_threads() -> None:
    lru: LRU[int, int] = LRU(50)

    def work(offset: int) -> None:
        for i in range(2000):
            lru.put(offset + i % 120, i)
            lru.get(offset + (i * 7) % 120)

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(lru) == 50 == len(set(lru))
    assert lru.hits + lru.misses == 4 * 2000


def test_resize_drops_the_oldest_and_zero_empties() -> None:
    """A cache shrunk at run time (benches set ``Encoder.cache_size = 0`` to time real
    encoding) must not serve what it held before."""
    lru: LRU[str, int] = LRU(3)
    for k, v in (("a", 1), ("b", 2), ("c", 3)):
        lru.put(k, v)
    lru.resize(2)
    assert list(lru) == ["b", "c"]
    lru.resize(0)
    assert len(lru) == 0 and lru.get("c") is None
    lru.put("d", 4)
    assert len(lru) == 0
    lru.resize(2)
    lru.put("d", 4)
    assert lru.get("d") == 4
