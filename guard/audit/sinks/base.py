"""What every audit sink does, and the query filter they share.

Sinks are *synchronous* on purpose: the recorder calls them only from its single writer
thread (so SQLite and psycopg never block the event loop), and the CLI calls them directly.
A sink owns the chain head: ``append`` reads the head, links the batch and writes it in one
locked transaction, which is what makes the chain safe with several writers (PostgreSQL row
lock, SQLite ``BEGIN IMMEDIATE``, an ``flock`` for JSONL directories).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guard.audit.chain import Head, Linked, StoredRecord, VerifyResult, verify
from guard.audit.event import AuditEvent


@dataclass(frozen=True, slots=True)
class QueryFilter:
    """Filters of ``guard audit query`` / export / report; ``None`` means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    tenant: str | None = None
    model: str | None = None
    action: str | None = None
    stage: str | None = None
    rule: str | None = None
    policy_name: str | None = None
    policy_version: int | None = None
    limit: int | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        """Exact check on a decoded record (SQL sinks pre-filter, this decides)."""
        for name in ("tenant", "model", "action", "stage", "policy_name", "policy_version"):
            wanted = getattr(self, name)
            if wanted is not None and record.get(name) != wanted:
                return False
        if self.rule is not None:
            rules = list(record.get("rule_ids") or []) + list(record.get("shadow_rule_ids") or [])
            if self.rule not in rules:
                return False
        if self.since is not None or self.until is not None:
            ts = datetime.fromisoformat(str(record["ts"]).replace("Z", "+00:00"))
            if self.since is not None and ts < self.since:
                return False
            if self.until is not None and ts >= self.until:
                return False
        return True


def redact_url(url: str) -> str:
    """``scheme://user:***@host/...``: never print a database password."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", url)


class AuditStore(ABC):
    """A place audit records are appended to and (for most sinks) read back from."""

    url: str
    queryable: bool = True

    @abstractmethod
    def open(self) -> None:
        """Connect / create tables or directories. Idempotent."""

    @abstractmethod
    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        """Chain and durably write ``events`` as one batch; returns them as linked."""

    @abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    @property
    def display_url(self) -> str:
        """The URL with any password masked, for logs and error messages."""
        return redact_url(self.url)

    def contains(self, decision_id: str) -> bool:
        """Whether a record of ``decision_id`` is already stored.

        The recorder asks before retrying a failed batch: if the connection broke *after* the
        commit, the batch is in and must not be written twice.
        """
        return False

    def iter_chain(self) -> Iterator[StoredRecord]:
        """Every record in chain order, for ``verify``."""
        raise NotImplementedError(f"{self.url}: this sink cannot be read back")

    def verify_chain(
        self, key: bytes | None = None, *, checkpoint: Head | None = None,
        allow_empty: bool = False,
    ) -> VerifyResult:
        """Verify the whole log against its head (see :func:`guard.audit.chain.verify`).

        A missing head and an empty log fail (``allow_empty`` accepts a brand-new log);
        ``checkpoint`` is an externally kept head the log must still contain.
        """
        return verify(self.iter_chain(), key=key, head=self.head(), head_after=self.head,
                      require_head=True, allow_empty=allow_empty, checkpoint=checkpoint)

    def head(self) -> Head | None:
        """The separately stored chain head, or None when it is missing (deleted)."""
        return None

    def query(self, flt: QueryFilter) -> Iterator[dict[str, Any]]:
        """Decoded records matching ``flt``, oldest first (default: filter the whole chain)."""
        count = 0
        for stored in self.iter_chain():
            record = json.loads(stored.text)
            if flt.matches(record):
                yield record
                count += 1
                if flt.limit is not None and count >= flt.limit:
                    return

    def __enter__(self) -> AuditStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
