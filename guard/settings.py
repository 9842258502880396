"""Process settings: every ``GUARD_*`` environment variable, read once into one frozen object.

The entry points (``guard serve``, the ``guard`` CLI) and :class:`~guard.guard.Guard` take
their defaults from :func:`settings`, which reads the environment the first time it is called
and never again; an embedding application passes explicit values instead (``Guard(...,
hash_salt=...)``, ``open_recorder(hmac_key=...)``) and need not use the environment at all.
Secrets are kept out of ``repr``.

==========================  ===========================================================
``GUARD_AUDIT_URL``         audit sink URL (default ``sqlite:///./guard-audit.db``)
``GUARD_AUDIT_HMAC_KEY``    signs the audit hash chain
``GUARD_HASH_SALT``         key of pseudonyms (``hash`` rewrite, user ids), else the file:
``GUARD_SECRET_FILE``       per-installation secret file (0600, created at first start),
``GUARD_STATE_DIR``         or ``secret`` in this directory — all three read by
                            :func:`guard.secret.secret_from_env`, once per process
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
    log_level: str = "info"
    verdict_cache_entries: int = 8192

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            audit_url=env.get("GUARD_AUDIT_URL") or None,
            audit_hmac_key=env.get("GUARD_AUDIT_HMAC_KEY") or None,
            log_level=env.get("GUARD_LOG_LEVEL", "info"),
            verdict_cache_entries=int(env.get("GUARD_VERDICT_CACHE_ENTRIES") or 8192),
        )


@functools.cache
def settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
