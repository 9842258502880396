"""PostgreSQL sink: one shared, hash-chained log for several sidecar replicas.

URL: any libpq URL, ``postgresql://user:pass@host:5432/db`` (``postgres://`` works too;
``?options=-csearch_path%3Dschema`` picks a schema). Appends are serialised across replicas by
``SELECT ... FOR UPDATE`` on the single-row ``guard_audit_head`` table inside the batch's
transaction: the head is read, the batch linked and inserted, the head moved, and only then is
the lock released, so concurrent writers can never fork the chain. Schema creation runs under
a transaction-level advisory lock so replicas starting together do not race.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from guard.audit.chain import GENESIS, Linked, StoredRecord, VerifyResult, link, verify
from guard.audit.event import AuditEvent
from guard.audit.sinks import sql
from guard.audit.sinks.base import AuditStore, QueryFilter

_SCHEMA_LOCK = 0x6775617264  # "guard"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS guard_audit_events (
    seq BIGINT PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, decision_id TEXT NOT NULL, tenant TEXT,
    route TEXT, model TEXT, stage TEXT NOT NULL, action TEXT NOT NULL,
    policy_name TEXT NOT NULL, policy_version INTEGER NOT NULL, rule_ids TEXT NOT NULL,
    shadow_rule_ids TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS guard_audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL
);
INSERT INTO guard_audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}') ON CONFLICT DO NOTHING;
"""


class PostgresStore(AuditStore):
    """Audit log in PostgreSQL (psycopg 3, synchronous, used from the writer thread)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None

    def open(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        conn = psycopg.connect(self.url, autocommit=True)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(_SCHEMA)
            for column in sql.INDEXES:
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS guard_audit_events_{column} "
                    f"ON guard_audit_events ({column})"
                )
        self._conn = conn

    @property
    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = None
            self.open()
        assert self._conn is not None
        return self._conn

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT seq, hash FROM guard_audit_head WHERE id = 1 FOR UPDATE")
            row = cur.fetchone()
            assert row is not None
            linked = link(events, int(row[0]), str(row[1]), key)
            placeholders = ", ".join(["%s"] * len(sql.COLUMNS))
            cur.executemany(
                f"INSERT INTO guard_audit_events ({', '.join(sql.COLUMNS)}) "
                f"VALUES ({placeholders})",
                [sql.row(item) for item in linked],
            )
            if linked:
                cur.execute(
                    "UPDATE guard_audit_head SET seq = %s, hash = %s WHERE id = 1",
                    (linked[-1].seq, linked[-1].hash),
                )
        return linked

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def verify_chain(self, key: bytes | None = None) -> VerifyResult:
        """Verify inside one REPEATABLE READ transaction: a snapshot while replicas append."""
        conn = self.conn
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return verify(self.iter_chain(), key=key, head=self.head())

    def head(self) -> tuple[int, str] | None:
        row = self._fetch("SELECT seq, hash FROM guard_audit_head WHERE id = 1")
        return (int(row[0][0]), str(row[0][1])) if row and row[0][0] else None

    def iter_chain(self) -> Iterator[StoredRecord]:
        names = ("seq", "ts", "decision_id", "tenant", "model", "stage", "action",
                 "policy_name", "policy_version", "rule_ids")
        query = f"SELECT {', '.join(names)}, record FROM guard_audit_events ORDER BY seq"
        for values in self._stream(query, []):
            columns = dict(zip(names, values, strict=False))
            yield StoredRecord(f"row seq={columns['seq']}", values[-1], columns)

    def query(self, flt: QueryFilter) -> Iterator[dict[str, Any]]:
        clause, params = sql.where(flt, "%s")
        count = 0
        query = f"SELECT record FROM guard_audit_events{clause} ORDER BY seq"
        for (text,) in self._stream(query, params):
            record = json.loads(text)
            if flt.matches(record):
                yield record
                count += 1
                if flt.limit is not None and count >= flt.limit:
                    return

    def contains(self, decision_id: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM guard_audit_events WHERE decision_id = %s LIMIT 1", (decision_id,)
        ).fetchone()
        return row is not None

    def count(self) -> int:
        rows = self._fetch("SELECT count(*) FROM guard_audit_events")
        return int(rows[0][0])

    def _fetch(self, query: str) -> list[tuple[Any, ...]]:
        return self.conn.execute(query).fetchall()

    def _stream(self, query: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        conn = self.conn
        with conn.transaction(), conn.cursor(name="guard_audit_read") as cur:
            cur.itersize = 2000  # server-side cursor: constant memory on big logs
            cur.execute(query, params)
            yield from cur
