"""The HTTP client every remote detector uses: timeouts, retries with backoff, a concurrency cap.

One ``httpx.AsyncClient`` (connection pool) and one semaphore per event loop: both are bound to
the loop they were created on, and the library hook may run checks on short-lived loops.
Retried: 429, 5xx and transport errors (connection refused/reset, read timeout); a
``Retry-After`` header is honoured up to ``max_backoff_s``. Anything else is an error at once.
Error messages name the status and the host, never the request body or a header.
"""

from __future__ import annotations

import asyncio
import random
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from guard.errors import DetectorError

RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_s: float
    max_retries: int
    backoff_s: float
    max_backoff_s: float = 5.0


class HttpCaller:
    """POSTs JSON for one detector, within its limits."""

    def __init__(self, detector: str, retry: RetryPolicy, max_concurrency: int,
                 headers: dict[str, str]) -> None:
        self.detector = detector
        self.retry = retry
        self.max_concurrency = max_concurrency
        self._headers = headers
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    def _state(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        state = self._per_loop.get(loop)
        if state is None or state[0].is_closed:
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.retry.timeout_s),
                headers=self._headers,
                limits=httpx.Limits(max_connections=self.max_concurrency),
                trust_env=False,
            )
            state = (client, asyncio.Semaphore(self.max_concurrency))
            self._per_loop[loop] = state
        return state

    async def post_json(self, url: str, payload: Any) -> Any:
        client, gate = self._state()
        host = urlsplit(url).netloc
        last = ""
        for attempt in range(self.retry.max_retries + 1):
            retry_after: float | None = None
            async with gate:
                try:
                    response = await client.post(url, json=payload)
                except httpx.TimeoutException:
                    last = f"timed out after {self.retry.timeout_s * 1000:.0f} ms ({host})"
                except httpx.TransportError as exc:
                    last = f"{type(exc).__name__} talking to {host}"
                else:
                    if response.status_code < 400:
                        try:
                            return response.json()
                        except ValueError:
                            raise DetectorError(
                                self.detector, f"{host} answered with invalid JSON") from None
                    last = f"HTTP {response.status_code} from {host}"
                    if response.status_code not in RETRIED_STATUS:
                        raise DetectorError(self.detector, last)
                    retry_after = _retry_after(response)
            if attempt < self.retry.max_retries:
                await asyncio.sleep(self._backoff(attempt, retry_after))
        raise DetectorError(self.detector,
                            f"{last}; gave up after {self.retry.max_retries + 1} attempts")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry.max_backoff_s)
        delay = self.retry.backoff_s * (2 ** attempt)
        return float(min(delay * (0.5 + random.random() / 2), self.retry.max_backoff_s))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
