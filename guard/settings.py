"""Process settings: every ``GUARD_*`` environment variable, read once into one frozen object.

The entry points (``guard serve``, the ``guard`` CLI) and :class:`~guard.guard.Guard` take
their defaults from :func:`settings`, which reads the environment the first time it is called
and never again; an embedding application passes explicit values instead (``Guard(...,
hash_salt=...)``, ``open_recorder(hmac_key=...)``) and need not use the environment at all.
Secrets are kept out of ``repr``.

==========================  ===========================================================
``GUARD_AUDIT_URL``         audit sink URL (default ``sqlite:///./guard-audit.db``)
``GUARD_AUDIT_HMAC_KEY``    signs the audit hash chain
``GUARD_HASH_SALT``         salt of the ``hash`` rewrite and of hashed user ids
``GUARD_LOG_LEVEL``         ``guard serve`` log level (default ``info``)
``GUARD_VERDICT_CACHE_ENTRIES``  size of the detector verdict cache (default 8192; 0: off)
``GUARD_UPSTREAM_API_KEY``  key for ``guard serve --upstream`` (read by the upstream config)
``GUARD_CLASSIFIERS_DIR``   classifier manifests and artifacts (``guard.ml``)
``GUARD_ML_*``              classifier runtime tuning (``guard.ml``)
==========================  ===========================================================
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``GUARD_*`` environment at start-up (see the module docstring)."""

    audit_url: str | None = None
    audit_hmac_key: str | None = field(default=None, repr=False)
    hash_salt: str = field(default="", repr=False)
    log_level: str = "info"
    verdict_cache_entries: int = 8192

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            audit_url=env.get("GUARD_AUDIT_URL") or None,
            audit_hmac_key=env.get("GUARD_AUDIT_HMAC_KEY") or None,
            hash_salt=env.get("GUARD_HASH_SALT", ""),
            log_level=env.get("GUARD_LOG_LEVEL", "info"),
            verdict_cache_entries=int(env.get("GUARD_VERDICT_CACHE_ENTRIES") or 8192),
        )

    def secret(self, name: str) -> str:
        """A secret named by a policy (``hash_salt_env``): the known one, else the environment
        variable of that name, read now (callers read it once, at construction)."""
        if name == "GUARD_HASH_SALT":
            return self.hash_salt
        return os.environ.get(name, "")


@functools.cache
def settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
