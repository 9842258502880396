"""Process-wide counts of classifier windows by what became of them, for operators.

The cascade's saving is invisible from outside (a cleared window and an encoded one give the
same decision), so the sidecar exports these as ``guard_sidecar_classifier_windows``: how many
windows a screen cleared, how many the encoder's window cache served, and how many were
encoded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class WindowCounts:
    cleared: int = 0  # skipped by a screen: no head needed them encoded
    cached: int = 0  # served by the encoder's window cache
    encoded: int = 0  # run through the encoder


_LOCK = threading.Lock()
_COUNTS = WindowCounts()


def count(*, cleared: int = 0, cached: int = 0, encoded: int = 0) -> None:
    global _COUNTS
    with _LOCK:
        c = _COUNTS
        _COUNTS = replace(c, cleared=c.cleared + cleared, cached=c.cached + cached,
                          encoded=c.encoded + encoded)


def window_counts() -> WindowCounts:
    """Counts since the process started."""
    return _COUNTS
