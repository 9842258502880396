"""PostgreSQL sink: one shared, hash-chained log for several sidecar replicas.

URL: any libpq URL, ``postgresql://user:pass@host:5432/db`` (``postgres://`` works too;
``?options=-csearch_path%3Dschema`` picks a schema). Appends are serialised across replicas by
``SELECT ... FOR UPDATE`` on the single-row ``guard_audit_head`` table inside the batch's
transaction: the head is read, the batch linked and inserted, the head moved, and only then is
the lock released, so concurrent writers can never fork the chain. Schema creation runs under
a transaction-level advisory lock so replicas starting together do not race. Verification
reads one ``REPEATABLE READ`` snapshot. Everything else is :class:`SqlStore`.

A dead server or a silently dropped connection must end in an error the writer retries, never
in a wait without end: unless the URL sets them, connections get a connect timeout, TCP
keepalives and a TCP user timeout (:data:`CONNECTION_DEFAULTS`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from guard.audit.sinks.sql import INDEXES, SEQ_INDEXES, Dialect, SqlStore

_SCHEMA_LOCK = 0x6775617264  # "guard"
DIALECT = Dialect(events="guard_audit_events", head="guard_audit_head", param="%s",
                  seq_type="BIGINT", ts_type="TIMESTAMPTZ", lock_head=" FOR UPDATE",
                  on_conflict_ignore=" ON CONFLICT DO NOTHING")

CONNECTION_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "60000",  # ms: unacknowledged writes to a vanished peer fail after this
}


def with_connection_defaults(url: str) -> str:
    """``url`` as a libpq conninfo with :data:`CONNECTION_DEFAULTS` for what it leaves unset."""
    params = conninfo_to_dict(url)
    for key, value in CONNECTION_DEFAULTS.items():
        params.setdefault(key, value)
    return make_conninfo("", **params)


class PostgresStore(SqlStore):
    """Audit log in PostgreSQL (psycopg 3, synchronous, used from the writer thread)."""

    dialect = DIALECT

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None

    def open(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        conn = psycopg.connect(with_connection_defaults(self.url), autocommit=True)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            # DDL, even "IF NOT EXISTS", takes table locks that deadlock with a replica already
            # appending; a schema that is complete is left alone.
            if not _schema_complete(conn):
                for statement in DIALECT.schema():
                    conn.execute(statement)
                conn.execute(f"ALTER TABLE {DIALECT.head} ADD COLUMN IF NOT EXISTS sig TEXT")
            conn.execute(DIALECT.init_head())
        self._conn = conn

    @property
    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = None
            self.open()
        assert self._conn is not None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor[Any]]:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self.conn
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            yield conn
            return
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield conn

    def _stream(self, query: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        conn = self.conn
        with conn.transaction(), conn.cursor(name="guard_audit_read") as cur:
            cur.itersize = 2000  # server-side cursor: constant memory on big logs
            cur.execute(query, list(params))
            yield from cur


def _schema_complete(conn: psycopg.Connection[Any]) -> bool:
    """Both tables and every index exist in the current schema, the head with its ``sig``."""
    indexes = [*(f"{DIALECT.events}_{c}" for c in INDEXES),
               *(f"{DIALECT.events}_{c}_seq" for c in SEQ_INDEXES)]
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'sig')"
        " AND (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()"
        " AND indexname = ANY(%s)) = %s",
        (DIALECT.events, DIALECT.head, indexes, len(indexes))).fetchone()
    return bool(row and row[0])
