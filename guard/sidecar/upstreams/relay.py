"""Which upstream response headers reach the client.

Rate-limit state and request ids are what a client needs to back off and to quote in a
support ticket; the rest (cookies, server, the operator's organisation or project ids) stays.
"""

from __future__ import annotations

from collections.abc import Mapping

_PREFIXES = ("x-ratelimit-",)
_NAMES = frozenset({
    "retry-after", "retry-after-ms", "x-request-id", "request-id", "apim-request-id",
    "x-ms-request-id", "openai-processing-ms", "openai-version", "x-ms-region",
})


def relayed(headers: Mapping[str, str]) -> dict[str, str]:
    """The relayable subset of an upstream's response headers (names lower-cased)."""
    return {name.lower(): value for name, value in headers.items()
            if name.lower() in _NAMES or name.lower().startswith(_PREFIXES)}
