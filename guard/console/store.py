"""What the console reads from the audit log, fast enough for millions of records.

The SQL sinks are read with their own SQL: newest-first **keyset pages** (``seq < last seen``,
``ORDER BY seq DESC LIMIT n``) over the ``(column, seq)`` indexes, so page 1 and page 20,000
cost the same; a decision is found by its indexed id; overview counts are ``GROUP BY`` on the
indexed columns. Reviews are the (few) ``stage = 'review'`` rows, read whole. A JSONL log has
no index: it is scanned (fine for the small logs JSONL is meant for).

Readers are synchronous; the routes call them in a worker thread. SQL readers are in
:mod:`guard.console.store_sql`, the JSONL scan in :mod:`guard.console.store_scan`.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from guard.audit.review import Review
from guard.audit.sinks import open_store

log = logging.getLogger("guard.console")


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Filters of the decision list and the review queue (``None``: any)."""

    since: datetime | None = None
    until: datetime | None = None
    tenant: str | None = None
    model: str | None = None
    actions: tuple[str, ...] = ()
    stage: str | None = None
    rule: str | None = None
    policy_version: int | None = None
    reviewed: bool | None = None


@dataclass(slots=True)
class Page:
    """One page of decisions, newest first, and the cursors to its neighbours."""

    records: list[dict[str, Any]]
    older: int | None = None  # pass as ``before`` for the next (older) page
    newer: int | None = None  # pass as ``after`` for the previous (newer) page


@dataclass(slots=True)
class Counts:
    """Exact counts of decisions in a window: by time bucket, tenant and model (x action), and
    how often each enforced rule fired."""

    by_bucket: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_tenant: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_model: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_action: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)


class Reader(Protocol):
    def page(self, flt: ListFilter, reviewed_ids: Sequence[str], *, before: int | None,
             after: int | None, limit: int) -> Page: ...
    def decision(self, decision_id: str) -> dict[str, Any] | None: ...
    def at_seqs(self, seqs: Sequence[int]) -> dict[int, dict[str, Any]]: ...
    def reviews(self) -> dict[str, Review]: ...
    def review_history(self, decision_id: str) -> list[Review]: ...
    def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]: ...
    def counts(self, since: datetime, until: datetime, hourly: bool) -> Counts: ...
    def recent(self, since: datetime, until: datetime, limit: int) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...

def open_reader(url: str) -> Reader:
    """A reader for the log at ``url``; creates the tables and indexes if they are missing."""
    store = open_store(url)
    if not store.queryable:
        raise ValueError(f"{store.display_url}: write-only sink; the console needs a "
                         "queryable log (sqlite, postgresql or jsonl)")
    kind = type(store).__name__
    try:
        store.open()  # schema + indexes (CREATE ... IF NOT EXISTS); reads use their own SQL
    except Exception as exc:
        if kind != "SqliteStore":
            raise
        # a read-only copy: read it as it is (without any index it lacks, pages are slower)
        log.warning("console: %s is read-only (%s); not adding indexes", store.display_url, exc)
    if kind == "SqliteStore":
        from guard.console.store_sql import SqliteDb, SqlReader

        store.close()
        return SqlReader(SqliteDb(str(getattr(store, "path"))))  # noqa: B009
    if kind == "PostgresStore":
        from guard.console.store_sql import PostgresDb, SqlReader

        store.close()
        return SqlReader(PostgresDb(url))
    from guard.console.store_scan import ScanReader

    return ScanReader(store)
