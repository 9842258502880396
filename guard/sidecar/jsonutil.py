"""JSON at the sidecar's edges, safe for text that is not valid Unicode.

JSON may carry lone surrogates (``"\\ud800"``): valid JSON, invalid UTF-8. Python decodes them
into ``str`` happily, then fails to encode them (``UnicodeEncodeError``) — a 500 waiting for
the first fuzzer. Bodies are therefore encoded compactly as UTF-8 and, only when that fails,
as ASCII with ``\\u`` escapes, which forwards the client's text unchanged. Detectors get a
scrubbed copy (lone surrogates become U+FFFD, one code point for one, so offsets still hold).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.responses import JSONResponse

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_SOURCE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
"""What a JSON document must contain for ``json.loads`` to give a lone surrogate: a ``\\uD800``
to ``\\uDFFF`` escape, or (bytes are decoded with ``surrogatepass``) a surrogate's UTF-8-style
encoding."""


def may_hold_surrogate(raw: bytes) -> bool:
    """Whether ``json.loads(raw)`` may hold a lone surrogate (false: :func:`scrub` is a no-op)."""
    return _SURROGATE_SOURCE.search(raw) is not None


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, or escaped ASCII JSON when the data holds lone surrogates."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode("ascii")


def scrub(obj: Any) -> Any:
    """A copy of ``obj`` whose strings hold no lone surrogate (each becomes U+FFFD)."""
    if isinstance(obj, str):
        return _LONE_SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, dict):
        return {scrub(k): scrub(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


class SafeJSONResponse(JSONResponse):
    """``JSONResponse`` that survives lone surrogates in upstream or client text."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
