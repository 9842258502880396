"""The one glob matcher for tenant / model / route scoping.

Used for rules (``scope:`` in a policy) and for choosing policy files and upstreams (the
sidecar's config), so a pattern means the same thing everywhere: case-sensitive shell globs
(``gpt-4o*``, ``team-?``); no patterns match everything; a missing value matches only then.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable


def matches(patterns: Iterable[str] | str | None, value: str | None) -> bool:
    """Whether ``value`` matches any of ``patterns`` (a glob, several, or None for any)."""
    if isinstance(patterns, str):
        patterns = (patterns,)
    wanted = tuple(patterns or ())
    if not wanted:
        return True
    if value is None:
        return False
    return any(fnmatch.fnmatchcase(value, p) for p in wanted)
