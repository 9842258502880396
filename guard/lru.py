"""One bounded least-recently-used map for the package's caches.

Verdicts by content hash, remote detectors' answers, hashed n-gram rows, encoded windows and
language guesses are all "keep the recent ones, forget the oldest": five hand-written copies of
the same ``OrderedDict`` dance became this one. It is thread-safe (detectors run in worker
threads) and counts its hits and misses, which the verdict cache exposes as metrics.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``size`` entries; ``get`` refreshes an entry, ``put`` evicts the oldest.

    A size of 0 keeps nothing (every ``get`` misses), so a cache can be switched off by
    configuration without a second code path at its callers.
    """

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: K, value: V) -> None:
        if not self.size:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def resize(self, size: int) -> None:
        """A new bound; the oldest entries beyond it go now (0 empties the cache)."""
        with self._lock:
            self.size = max(0, size)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        """The keys, oldest first (a snapshot: the cache may change meanwhile)."""
        with self._lock:
            return iter(list(self._entries))


__all__ = ["LRU"]
