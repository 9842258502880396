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
from typing import Protocol

import regex

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


class OpenSpans(Protocol):
    """A pattern detector that can say where a match still in progress may start.

    ``max_match_chars`` alone makes a stream hold back that many characters at all times; a
    detector that knows its patterns says instead where, in the text so far, a match that text
    still to come could complete or extend begins (``end`` when nowhere): ordinary prose is
    then released up to its last word while a half-sent key or phone number is held whole.
    """

    max_match_chars: int | None

    def open_span(self, text: str, end: int) -> int: ...


def open_match_start(patterns: Iterable[regex.Pattern[str]], text: str, end: int,
                     width: int) -> int:
    """Earliest start, within ``width`` characters before ``end``, of a match of any of
    ``patterns`` in ``text[:end]`` that more text could complete or lengthen: a partial match
    (the pattern ran out of text) or a complete one that reaches ``end``; ``end`` when none.

    Overlapping candidates are tried, so a match in progress that starts inside an earlier,
    shorter complete one is not skipped; the look-behind before ``end - width`` stays visible.
    """
    lo = max(0, end - width)
    best = end
    for pattern in patterns:
        for m in pattern.finditer(text, lo, end, partial=True, overlapped=True):
            if m.start() >= best:
                break
            if m.partial or m.end() == end:
                best = m.start()
                break
    return best


def hold_start(detectors: Iterable[object], text: str, end: int) -> int:
    """Where the stream must start holding ``text[:end]`` back for these detectors: the
    earliest open span of those that know their patterns (:class:`OpenSpans`), and
    ``end - max_match_chars`` for the other pattern detectors; ``end`` when none applies."""
    start = end
    for detector in detectors:
        width = getattr(detector, "max_match_chars", None)
        if not width:
            continue
        open_span = getattr(detector, "open_span", None)
        at = open_span(text, end) if callable(open_span) else end - int(width)
        start = min(start, max(0, at))
    return start
