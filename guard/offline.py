"""Defaults that keep Guard from waiting on the network.

Set before any third-party import: ``huggingface_hub`` retries a hub id for ~23 s without
``HF_HUB_OFFLINE``, and ``tldextract`` (used by Presidio's e-mail recognizer) tries to fetch
the Public Suffix List at import unless told not to. ``setdefault`` keeps a user's explicit
choice (``HF_HUB_OFFLINE=0`` to download hub models).
"""

from __future__ import annotations

import os


def configure_offline_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
