"""Settings and behaviour every remote detector shares.

The API key never appears in a policy: the policy names an environment variable
(``api_key_env``) and the key is read from it when the detector is built, so a missing key is
a load error that points at that field. The key lives in the detector's request headers only.
Results are cached per text (bounded LRU keyed by a hash of the detector's configuration and
the text), like local detectors' results are recomputed identically: a retried conversation
does not pay a remote call twice. Failures are never cached; they raise
:class:`~guard.errors.DetectorError` so the engine applies the rule's ``on_error`` and records
it in the decision.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Mapping, Sequence

from pydantic import Field, field_validator

from guard.detectors.base import DetectorSettings
from guard.detectors.remote.http import HttpCaller, RetryPolicy
from guard.errors import DetectorError
from guard.lru import LRU
from guard.types import Finding

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class RemoteSettings(DetectorSettings):
    api_key_env: str | None = Field(
        default=None, pattern=ENV_NAME,
        description="Name of the environment variable holding the API key (never the key).")
    timeout_ms: int = Field(default=5000, gt=0, le=120_000, description="Per HTTP attempt.")
    max_retries: int = Field(default=2, ge=0, le=10)
    backoff_ms: int = Field(default=200, ge=0, le=30_000)
    max_concurrency: int = Field(default=8, ge=1, le=256)
    cache_size: int = Field(default=2048, ge=0, le=1_000_000)

    @field_validator("api_key_env")
    @classmethod
    def _key_is_set(cls, name: str | None) -> str | None:
        if name is not None and not os.environ.get(name):
            raise ValueError(f"environment variable {name} is not set (it must hold the API key)")
        return name

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class RemoteDetector:
    """Base: subclasses implement :meth:`_fetch` for the texts the cache does not hold."""

    name = "remote"

    def __init__(self, settings: RemoteSettings, headers: Mapping[str, str]) -> None:
        self.settings = settings
        self.http = HttpCaller(
            self.name,
            RetryPolicy(settings.timeout_ms / 1000, settings.max_retries,
                        settings.backoff_ms / 1000),
            settings.max_concurrency,
            dict(headers),
        )
        self.cache: LRU[str, list[Finding]] = LRU(settings.cache_size)
        config = settings.model_dump(mode="json", exclude={"cache_size", "max_concurrency"})
        self._salt = json.dumps([self.name, config], sort_keys=True).encode()

    def _key(self, text: str) -> str:
        data = self._salt + b"\0" + text.encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        keys = [self._key(t) for t in texts]
        known: dict[str, list[Finding]] = {}
        todo: dict[str, str] = {}  # key -> text, each distinct text fetched once
        for key, text in zip(keys, texts, strict=True):
            cached = self.cache.get(key)
            if cached is not None:
                known[key] = cached
            else:
                todo.setdefault(key, text)
        if todo:
            fetched = await self._fetch(list(todo.values()))
            for key, found in zip(todo, fetched, strict=True):
                known[key] = found
                self.cache.put(key, found)
        return [known[k] for k in keys]

    async def _fetch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Default: one request per text, concurrently (the HTTP layer caps concurrency)."""
        return list(await asyncio.gather(*(self._fetch_one(t) for t in texts)))

    async def _fetch_one(self, text: str) -> list[Finding]:
        raise NotImplementedError


def bearer(settings: RemoteSettings) -> dict[str, str]:
    key = settings.api_key()
    return {"Authorization": f"Bearer {key}"} if key else {}


def whole(detector: str, category: str, score: float, text: str, why: str) -> Finding:
    return Finding(detector, category, max(0.0, min(1.0, score)), 0, len(text), why)


def malformed(detector: str, why: str) -> DetectorError:
    """The error for an answer that does not follow the API (the answer itself is not quoted:
    it may echo the checked text)."""
    return DetectorError(detector, f"malformed answer: {why}")
