"""External anchors for the chain: ``guard audit checkpoint`` and ``verify --checkpoint``.

The head stored next to the records proves the log was not cut short only as long as the head
itself is current; someone who can write the store can restore an older head (with its
signature) together with an older copy of the log. A *checkpoint* is the head copied somewhere
the log's writers cannot reach (a ticket, another system, a notebook): one line of JSON with
``seq``, ``hash`` and the HMAC ``sig`` (when a key is configured). Verifying against it proves
the log still contains that exact record, so nothing up to it was rewritten, deleted or
rolled back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from guard.audit.chain import Head

FORMAT = "guard-audit-checkpoint/1"


def dump(head: Head, key: bytes | None) -> str:
    """The checkpoint of ``head`` as one line of JSON (signed when ``key`` is given)."""
    signed = Head.of(head.seq, head.hash, key)
    return json.dumps({
        "format": FORMAT, "seq": signed.seq, "hash": signed.hash, "sig": signed.sig,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }, separators=(",", ":"))


def load(value: str) -> Head:
    """A checkpoint given inline (the JSON line) or as the path of a file holding it.

    Raises:
        ValueError: neither a readable file nor a checkpoint line.
    """
    text = value.strip()
    if not text.startswith("{"):
        path = Path(value)
        if not path.is_file():
            raise ValueError(f"--checkpoint {value!r}: neither a checkpoint line nor a file")
        text = path.read_text(encoding="utf-8").strip()
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        seq, digest, sig = int(data["seq"]), str(data["hash"]), data.get("sig")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a Guard audit checkpoint: {exc}") from exc
    if seq < 1 or len(digest) != 64:
        raise ValueError(f"not a Guard audit checkpoint: bad seq {seq} or hash {digest!r}")
    return Head(seq, digest, str(sig) if sig is not None else None)
