"""Guard as a sidecar: an OpenAI-compatible guarding proxy (``guard serve``).

See ``docs/sidecar.md``. Entry points: :func:`create_app` (ASGI app factory) and
:class:`SidecarConfig` / :func:`load_config` (configuration).
"""

from __future__ import annotations

from guard.sidecar.app import create_app
from guard.sidecar.config import SidecarConfig, hash_key, load_config

__all__ = ["SidecarConfig", "create_app", "hash_key", "load_config"]
