"""Tamper evidence: a SHA-256 hash chain over audit records, optionally HMAC-signed.

Each record's ``hash`` is ``sha256(canonical JSON of the record without hash/sig)``, and the
record includes ``seq`` (1, 2, 3 ...) and ``prev_hash`` (the previous record's hash;
:data:`GENESIS` for the first). So:

- editing a record changes its hash (``content edited``);
- deleting one leaves a gap in ``seq`` (``record N missing``);
- inserting or reordering breaks ``seq`` order or the ``prev_hash`` link;
- truncating the tail is caught by the sink's *head* (last seq + hash, stored apart).

Without a key, someone with write access could recompute every hash after an edit; with
``GUARD_AUDIT_HMAC_KEY`` set each record also carries ``sig = HMAC-SHA256(key, hash)``, which
cannot be forged without the key. The canonical form is ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``, so verification never depends on pydantic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guard.audit.event import AuditEvent

GENESIS = "0" * 64
HMAC_ENV = "GUARD_AUDIT_HMAC_KEY"


def canonical(record: Mapping[str, Any]) -> str:
    """The canonical JSON text of ``record`` (the exact bytes that are hashed / stored)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 over the record without its own ``hash`` and ``sig`` fields."""
    body = {k: v for k, v in record.items() if k not in ("hash", "sig")}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def sign(digest: str, key: bytes) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Linked:
    """An event placed in the chain: its ``seq``, ``hash`` and stored JSON text."""

    event: AuditEvent
    seq: int
    hash: str
    text: str
    record: dict[str, Any]


def link(
    events: Sequence[AuditEvent], head_seq: int, head_hash: str, key: bytes | None
) -> list[Linked]:
    """Chain ``events`` after the head ``(head_seq, head_hash)``; called inside the sink lock."""
    out: list[Linked] = []
    prev = head_hash or GENESIS
    seq = head_seq
    for event in events:
        seq += 1
        record = event.model_dump(mode="json", exclude={"hash", "sig"})
        record.update(seq=seq, prev_hash=prev)
        body = canonical(record)
        digest = hashlib.sha256(body.encode()).hexdigest()
        sig = sign(digest, key) if key else None
        record["hash"], record["sig"] = digest, sig
        # Append hash/sig to the already-canonical body instead of serialising twice: the
        # stored text need not be canonical, verify re-canonicalises without these two keys.
        text = f'{body[:-1]},"hash":"{digest}","sig":{json.dumps(sig)}}}'
        out.append(Linked(event, seq, digest, text, record))
        prev = digest
    return out


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as read back from a sink, with where it lives (for error messages).

    ``columns`` are a SQL sink's indexed columns, checked against the JSON so that a query
    cannot be fooled by editing a column alone.
    """

    location: str
    text: str
    columns: Mapping[str, Any] | None = None


@dataclass(slots=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``problem`` names the first bad record."""

    ok: bool = True
    count: int = 0
    signed: int = 0
    hmac_checked: bool = False
    last_seq: int = 0
    problem: str | None = None
    bad_seq: int | None = None
    bad_location: str | None = None
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def fail(self, location: str, seq: int | None, reason: str) -> VerifyResult:
        self.ok = False
        self.bad_location = location
        self.bad_seq = seq
        self.problem = f"{location}: {reason}"
        return self


def verify(
    records: Iterable[StoredRecord],
    *,
    key: bytes | None = None,
    head: tuple[int, str] | None = None,
    head_after: Callable[[], tuple[int, str] | None] | None = None,
) -> VerifyResult:
    """Walk the chain in stored order and stop at the first bad record.

    Args:
        records: records in chain order (SQL sinks: by ``seq``; JSONL: file and line order).
        key: HMAC key; when given every record must carry a valid ``sig``.
        head: the sink's separately stored ``(last seq, last hash)``, read *before* the
            records: fewer records than it names means the tail was cut off.
        head_after: re-reads the head *after* the walk, so records appended by a live writer
            during verification are told apart from records nobody acknowledged.
    """
    started = time.perf_counter()
    result = VerifyResult(hmac_checked=key is not None)
    prev_seq, prev_hash = 0, GENESIS
    for stored in records:
        problem = _check_one(stored, prev_seq, prev_hash, key, result)
        if problem is not None:
            seq, reason = problem
            result.fail(stored.location, seq, reason)
            break
        data = json.loads(stored.text)
        prev_seq, prev_hash = int(data["seq"]), str(data["hash"])
        result.count += 1
    result.last_seq = prev_seq
    if result.ok and head is not None:
        _check_head(result, head, head_after, prev_seq, prev_hash)
    if result.signed and key is None:
        result.notes.append("records are HMAC-signed but no key given: signatures not checked")
    result.elapsed_s = time.perf_counter() - started
    return result


def _check_head(
    result: VerifyResult, head: tuple[int, str],
    head_after: Callable[[], tuple[int, str] | None] | None, last_seq: int, last_hash: str,
) -> None:
    if head[0] > last_seq:
        result.fail("end of log", last_seq + 1, f"log truncated: head says seq {head[0]}, last "
                    f"record is seq {last_seq}; records {last_seq + 1}..{head[0]} deleted")
        return
    if head[0] == last_seq:
        if head[1] != last_hash:
            result.fail("end of log", last_seq, "last record does not match the stored head")
        return
    later = head_after() if head_after is not None else head
    if later is None or later[0] < last_seq:
        acked = head[0] if later is None else later[0]
        result.fail("end of log", acked + 1, f"records after seq {acked} (up to {last_seq}) "
                    "were not acknowledged by the head (inserted)")
    else:
        result.notes.append(f"{last_seq - head[0]} record(s) were appended while verifying")


def _check_one(
    stored: StoredRecord, prev_seq: int, prev_hash: str, key: bytes | None, result: VerifyResult
) -> tuple[int | None, str] | None:
    try:
        data = json.loads(stored.text)
        seq = int(data["seq"])
        digest = str(data["hash"])
    except (ValueError, KeyError, TypeError):
        return prev_seq + 1, "record is not valid JSON or lacks seq/hash (edited)"
    expected = prev_seq + 1
    if stored.columns is not None and stored.columns.get("seq") not in (None, seq):
        return int(stored.columns["seq"]), (
            f"row seq {stored.columns['seq']} holds the record of seq {seq} (swapped or moved)")
    if seq > expected:
        gap = f"record seq {expected}" if seq == expected + 1 else f"records {expected}..{seq - 1}"
        return expected, f"{gap} missing or out of order before seq {seq} (deleted or reordered)"
    if seq < expected:
        return seq, f"seq {seq} appears after seq {prev_seq} (inserted, duplicated or reordered)"
    if data.get("prev_hash") != prev_hash:
        return seq, f"seq {seq} does not link to seq {prev_seq} (inserted or reordered)"
    if record_hash(data) != digest:
        return seq, f"seq {seq} hash mismatch (content edited), decision {data.get('decision_id')}"
    if data.get("sig"):
        result.signed += 1
    if key is not None:
        if not data.get("sig"):
            return seq, f"seq {seq} is not signed"
        if not hmac.compare_digest(str(data["sig"]), sign(digest, key)):
            return seq, f"seq {seq} HMAC signature invalid (forged or wrong key)"
    if stored.columns is not None:
        column = _column_mismatch(stored.columns, data)
        if column is not None:
            return seq, f"seq {seq} column {column!r} differs from the hashed record (edited)"
    return None


_COLUMNS = ("decision_id", "tenant", "model", "stage", "action", "policy_name", "policy_version")


def _column_mismatch(columns: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    for name in _COLUMNS:
        if name in columns and columns[name] != data.get(name):
            return name
    if "rule_ids" in columns and columns["rule_ids"] != join_ids(data.get("rule_ids") or ()):
        return "rule_ids"
    if "ts" in columns and _as_dt(columns["ts"]) != _as_dt(data.get("ts")):
        return "ts"
    return None


def join_ids(ids: Iterable[str]) -> str:
    """Rule ids as stored in a SQL column: ``,a,b,`` so ``LIKE '%,a,%'`` finds one."""
    items = list(ids)
    return "," + ",".join(items) + "," if items else ""


def _as_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None
