"""The SQL audit store: one implementation of append/verify/query for SQLite and PostgreSQL.

The two back ends differ only in their :class:`Dialect` (table names, placeholders, column
types, "insert unless present") and in three small hooks a subclass provides: how a write
transaction takes the chain lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``SELECT ... FOR
UPDATE`` on the head row), how a read snapshot is opened, and how rows are streamed.

Tables: ``<events>`` (one row per record: indexed columns plus the stored JSON) and
``<head>`` (one row, ``id = 1``: the last ``seq``, ``hash`` and the head's HMAC ``sig``). The
head row is created only while the events table is empty, so a deleted head stays deleted and
is reported by ``verify`` (and refused by ``append``) instead of being quietly recreated.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from guard.audit.chain import (
    GENESIS,
    AuditTampered,
    Head,
    Linked,
    StoredRecord,
    VerifyResult,
    join_ids,
    link,
    verify,
)
from guard.audit.event import AuditEvent
from guard.audit.sinks.base import AuditStore, QueryFilter

COLUMNS = (
    "seq", "ts", "decision_id", "tenant", "route", "model", "stage", "action",
    "policy_name", "policy_version", "rule_ids", "shadow_rule_ids", "hash", "record",
)
INDEXES = ("ts", "tenant", "model", "action", "policy_version", "decision_id")
# (column, seq) pairs: the console's newest-first keyset pages stay index-only on big logs.
SEQ_INDEXES = ("stage", "action", "tenant", "model", "policy_version")

_CHECKED = ("seq", "ts", "decision_id", "tenant", "model", "stage", "action", "policy_name",
            "policy_version", "rule_ids")


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between SQL back ends in the statements themselves."""

    events: str
    head: str
    param: str
    seq_type: str
    ts_type: str
    lock_head: str = ""
    insert_ignore: str = "INSERT INTO"
    on_conflict_ignore: str = ""

    def schema(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.events} (seq {self.seq_type} PRIMARY KEY, "
            f"ts {self.ts_type} NOT NULL, decision_id TEXT NOT NULL, tenant TEXT, route TEXT, "
            "model TEXT, stage TEXT NOT NULL, action TEXT NOT NULL, policy_name TEXT NOT NULL, "
            "policy_version INTEGER NOT NULL, rule_ids TEXT NOT NULL, "
            "shadow_rule_ids TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.head} (id INTEGER PRIMARY KEY CHECK (id = 1), "
            f"seq {self.seq_type} NOT NULL, hash TEXT NOT NULL, sig TEXT)",
            *(f"CREATE INDEX IF NOT EXISTS {self.events}_{c} ON {self.events} ({c})"
              for c in INDEXES),
            *(f"CREATE INDEX IF NOT EXISTS {self.events}_{c}_seq ON {self.events} ({c}, seq)"
              for c in SEQ_INDEXES),
        ]

    def init_head(self) -> str:
        """The first head row, only for a store without records (a new log)."""
        return (f"{self.insert_ignore} {self.head} (id, seq, hash) SELECT 1, 0, '{GENESIS}' "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.events}){self.on_conflict_ignore}")

    def insert(self) -> str:
        values = ", ".join([self.param] * len(COLUMNS))
        return f"INSERT INTO {self.events} ({', '.join(COLUMNS)}) VALUES ({values})"


def row(item: Linked) -> tuple[Any, ...]:
    """The column values of one linked record, in :data:`COLUMNS` order."""
    r = item.record
    return (
        item.seq, r["ts"], r["decision_id"], r.get("tenant"), r.get("route"), r.get("model"),
        r["stage"], r["action"], r["policy_name"], r["policy_version"],
        join_ids(r.get("rule_ids") or ()), join_ids(r.get("shadow_rule_ids") or ()),
        item.hash, item.text,
    )


def where(flt: QueryFilter, placeholder: str) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause pre-filtering on indexed columns (exact match is re-checked)."""
    clauses: list[str] = []
    params: list[Any] = []
    for name in ("tenant", "model", "action", "stage", "policy_name", "policy_version"):
        value = getattr(flt, name)
        if value is not None:
            clauses.append(f"{name} = {placeholder}")
            params.append(value)
    if flt.since is not None:
        clauses.append(f"ts >= {placeholder}")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append(f"ts < {placeholder}")
        params.append(flt.until)
    if flt.rule is not None:
        clauses.append(f"(rule_ids LIKE {placeholder} OR shadow_rule_ids LIKE {placeholder})")
        params += [f"%,{flt.rule},%"] * 2
    sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return sql, params


class SqlStore(AuditStore):
    """Append, head, verify and query over a DB-API connection, given a :class:`Dialect`.

    Subclasses open the connection (:meth:`open`), and supply :meth:`_write`, :meth:`_snapshot`
    and :meth:`_stream`. The objects those hand out only need ``execute`` / ``executemany``
    returning something with ``fetchone``, which ``sqlite3`` and psycopg both provide.
    """

    dialect: Dialect

    @abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A write transaction holding the chain lock; yields an object with ``execute``."""

    @abstractmethod
    def _snapshot(self) -> AbstractContextManager[Any]:
        """A read transaction over one consistent snapshot; yields an ``execute`` object."""

    @abstractmethod
    def _stream(self, query: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of ``query``, fetched lazily (constant memory on big logs)."""

    def _param(self, value: Any) -> Any:
        """A query-filter value as the driver wants it (SQLite: datetimes as ISO text)."""
        return value

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        d = self.dialect
        with self._write() as tx:
            head = tx.execute(f"SELECT seq, hash FROM {d.head} WHERE id = 1{d.lock_head}"
                              ).fetchone()
            if head is None:
                raise AuditTampered(f"{self.display_url}: the chain head row is missing "
                                    "(deleted); refusing to append. Run `guard audit verify`.")
            linked = link(events, int(head[0]), str(head[1]), key)
            if linked:
                tx.executemany(d.insert(), [row(item) for item in linked])
                last = Head.of(linked[-1].seq, linked[-1].hash, key)
                p = d.param
                tx.execute(f"UPDATE {d.head} SET seq = {p}, hash = {p}, sig = {p} WHERE id = 1",
                           (last.seq, last.hash, last.sig))
        return linked

    def verify_chain(
        self, key: bytes | None = None, *, checkpoint: Head | None = None,
        allow_empty: bool = False,
    ) -> VerifyResult:
        """Verify inside one snapshot, so replicas appending meanwhile are not seen."""
        with self._snapshot() as tx:
            return verify(self._chain(), key=key, head=self._head(tx), require_head=True,
                          allow_empty=allow_empty, checkpoint=checkpoint)

    def head(self) -> Head | None:
        with self._snapshot() as tx:
            return self._head(tx)

    def _head(self, tx: Any) -> Head | None:
        found = tx.execute(f"SELECT seq, hash, sig FROM {self.dialect.head} WHERE id = 1"
                           ).fetchone()
        if found is None:
            return None
        return Head(int(found[0]), str(found[1]), None if found[2] is None else str(found[2]))

    def iter_chain(self) -> Iterator[StoredRecord]:
        return self._chain()

    def _chain(self) -> Iterator[StoredRecord]:
        query = (f"SELECT {', '.join(_CHECKED)}, record FROM {self.dialect.events} "
                 "ORDER BY seq")
        for values in self._stream(query, []):
            columns = dict(zip(_CHECKED, values, strict=False))
            yield StoredRecord(f"row seq={columns['seq']}", values[-1], columns)

    def query(self, flt: QueryFilter) -> Iterator[dict[str, Any]]:
        clause, params = where(flt, self.dialect.param)
        count = 0
        query = f"SELECT record FROM {self.dialect.events}{clause} ORDER BY seq"
        for (text,) in self._stream(query, [self._param(p) for p in params]):
            record = json.loads(text)
            if flt.matches(record):
                yield record
                count += 1
                if flt.limit is not None and count >= flt.limit:
                    return

    def contains(self, decision_id: str) -> bool:
        with self._snapshot() as tx:
            found = tx.execute(
                f"SELECT 1 FROM {self.dialect.events} WHERE decision_id = {self.dialect.param} "
                "LIMIT 1", (decision_id,)).fetchone()
        return found is not None

    def count(self) -> int:
        with self._snapshot() as tx:
            return int(tx.execute(f"SELECT count(*) FROM {self.dialect.events}").fetchone()[0])
