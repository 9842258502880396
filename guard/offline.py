"""Process defaults that keep Guard's entry points from waiting on the network.

Called by the ``guard`` command (hence ``guard serve``) before anything third-party loads, never
on ``import guard``: a library must not change its host's environment. ``huggingface_hub``
retries a hub id for ~23 s without ``HF_HUB_OFFLINE``; ``tldextract`` (Presidio's e-mail
recognizer) would fetch the Public Suffix List. ``setdefault`` keeps an operator's explicit
choice (``HF_HUB_OFFLINE=0`` to download hub models). The library path gets the same
guarantee for the PSL without the environment: see :func:`offline_tldextract`.
"""

from __future__ import annotations

import os


def configure_offline_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def offline_tldextract() -> None:
    """Make tldextract use its bundled suffix list unless the host configured it.

    Presidio's e-mail recognizer calls ``tldextract.extract``, whose default extractor would
    download the list on first use; an extractor with no URLs reads the bundled snapshot.
    """
    if "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS" in os.environ:
        return
    import tldextract.tldextract as tld

    if tld.TLD_EXTRACTOR.suffix_list_urls:
        tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=())
