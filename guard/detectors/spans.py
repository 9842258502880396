"""How long a span a pattern detector can match: what makes the streaming guarantee exact.

A stream holds back ``window`` characters; a forbidden span longer than that would be partly
released before it is complete enough to match. So the effective window is at least the
longest span any output rule can match. Pattern detectors expose ``max_match_chars`` (an int;
``None`` when a pattern is unbounded and the policy declared no maximum, which the policy
loader refuses for output rules); detectors that score text rather than match spans
(classifiers) do not expose it and are covered by their look-behind instead.
"""

from __future__ import annotations

import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterable

UNBOUNDED = 1 << 16
"""A width at or above this is treated as unbounded (``+``, ``*``, ``{n,}``)."""


def pattern_width(pattern: str, flags: int = 0) -> int | None:
    """Longest match of ``pattern`` in characters, or None when unbounded."""
    hi = int(sre_parse.parse(pattern, flags).getwidth()[1])
    return None if hi >= UNBOUNDED else hi


def longest(widths: Iterable[int | None], declared: int | None) -> int | None:
    """The longest of ``widths``, an unbounded one counting as the ``declared`` maximum
    (None when a width is unbounded and nothing was declared)."""
    known: list[int] = []
    for width in widths:
        if width is None and declared is None:
            return None
        known.append(width if width is not None else declared or 0)
    return max(known, default=0)
