"""A circuit breaker per upstream: stop sending traffic to a member that keeps failing.

closed --(failure_threshold consecutive failures)--> open --(cooldown_s)--> half-open: the
next request is let through as a probe (only one at a time); its success closes the breaker,
its failure opens it again for another cooldown. Single-threaded (the event loop), no locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum

from guard.sidecar.config import BreakerConfig


class BreakerState(IntEnum):
    """Numeric values are the ``guard_sidecar_upstream_breaker_state`` gauge's."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2

    def __str__(self) -> str:
        return self.name.lower()


class Breaker:
    """One upstream's breaker; ``on_change(state)`` is told of every transition."""

    def __init__(self, config: BreakerConfig, *,
                 on_change: Callable[[BreakerState], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self._probing = False
        self._on_change = on_change
        self._clock = clock

    def _set(self, state: BreakerState) -> None:
        if state is not self.state:
            self.state = state
            if self._on_change is not None:
                self._on_change(state)

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self.opened_at + self.config.cooldown_s - self._clock())

    def allow(self) -> bool:
        """May a request go to this upstream now? (Takes the probe slot when half-open.)"""
        if self.state is BreakerState.OPEN:
            if self.retry_in() > 0:
                return False
            self._set(BreakerState.HALF_OPEN)
        if self.state is BreakerState.HALF_OPEN:
            if self._probing:
                return False
            self._probing = True
        return True

    def success(self) -> None:
        self.failures = 0
        self._probing = False
        self._set(BreakerState.CLOSED)

    def failure(self) -> None:
        self.failures += 1
        self._probing = False
        if self.state is BreakerState.HALF_OPEN or \
                self.failures >= self.config.failure_threshold:
            self.opened_at = self._clock()
            self._set(BreakerState.OPEN)

    def abandon(self) -> None:
        """A request ended without a verdict (client gone): free the probe slot."""
        self._probing = False
