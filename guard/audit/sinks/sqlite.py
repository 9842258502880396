"""SQLite sink: one file, WAL journal, batched inserts in ``BEGIN IMMEDIATE`` transactions.

URL: ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (SQLAlchemy style).
``BEGIN IMMEDIATE`` takes SQLite's write lock before the head is read, so even two processes
appending to one file keep a single, unbroken chain. Timestamps are stored as ISO-8601 UTC
text, which sorts and compares correctly as text.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from guard.audit.chain import GENESIS, Linked, StoredRecord, VerifyResult, link, verify
from guard.audit.event import AuditEvent, format_ts
from guard.audit.sinks import sql
from guard.audit.sinks.base import AuditStore, QueryFilter

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, decision_id TEXT NOT NULL, tenant TEXT,
    route TEXT, model TEXT, stage TEXT NOT NULL, action TEXT NOT NULL,
    policy_name TEXT NOT NULL, policy_version INTEGER NOT NULL, rule_ids TEXT NOT NULL,
    shadow_rule_ids TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL
);
INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}');
"""


class SqliteStore(AuditStore):
    """Audit log in a SQLite database file."""

    def __init__(self, url: str, path: str | Path) -> None:
        self.url = url
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def open(self) -> None:
        if self._conn is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=30.0)
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        for column in sql.INDEXES:
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS audit_events_{column} ON audit_events ({column})"
            )
        self._conn = conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return self._conn

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq, digest = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            linked = link(events, int(seq), str(digest), key)
            placeholders = ", ".join("?" * len(sql.COLUMNS))
            conn.executemany(
                f"INSERT INTO audit_events ({', '.join(sql.COLUMNS)}) VALUES ({placeholders})",
                [sql.row(item) for item in linked],
            )
            if linked:
                conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
                             (linked[-1].seq, linked[-1].hash))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return linked

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def verify_chain(self, key: bytes | None = None) -> VerifyResult:
        """Verify inside one read transaction: a consistent snapshot even while appending."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            return verify(self.iter_chain(), key=key, head=self.head())
        finally:
            conn.execute("COMMIT")

    def head(self) -> tuple[int, str] | None:
        seq, digest = self.conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (int(seq), str(digest)) if seq else None

    def iter_chain(self) -> Iterator[StoredRecord]:
        names = ("seq", "ts", "decision_id", "tenant", "model", "stage", "action",
                 "policy_name", "policy_version", "rule_ids")
        cur = self.conn.execute(f"SELECT {', '.join(names)}, record FROM audit_events ORDER BY seq")
        for values in cur:
            columns = dict(zip(names, values, strict=False))
            yield StoredRecord(f"row seq={columns['seq']}", values[-1], columns)

    def query(self, flt: QueryFilter) -> Iterator[dict[str, Any]]:
        clause, params = sql.where(flt, "?")
        params = [_iso(p) for p in params]
        cur = self.conn.execute(f"SELECT record FROM audit_events{clause} ORDER BY seq", params)
        yield from _filtered(cur, flt)

    def contains(self, decision_id: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM audit_events WHERE decision_id = ? LIMIT 1", (decision_id,)
        ).fetchone()
        return row is not None

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM audit_events").fetchone()[0])


def _iso(value: Any) -> Any:
    return format_ts(value) if isinstance(value, datetime) else value


def _filtered(rows: Any, flt: QueryFilter) -> Iterator[dict[str, Any]]:
    count = 0
    for (text,) in rows:
        record = json.loads(text)
        if flt.matches(record):
            yield record
            count += 1
            if flt.limit is not None and count >= flt.limit:
                return


def _enable_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL, retrying: two replicas opening a new file at once make SQLite answer
    'database is locked' at once for the mode change (the busy timeout does not apply)."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)
