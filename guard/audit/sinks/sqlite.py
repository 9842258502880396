"""SQLite sink: one file, WAL journal, batched inserts in ``BEGIN IMMEDIATE`` transactions.

URL: ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (SQLAlchemy style).
``BEGIN IMMEDIATE`` takes SQLite's write lock before the head is read, so even two processes
appending to one file keep a single, unbroken chain. Timestamps are stored as ISO-8601 UTC
text, which sorts and compares correctly as text. Everything else is :class:`SqlStore`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from guard.audit.event import format_ts
from guard.audit.sinks.sql import Dialect, SqlStore

DIALECT = Dialect(events="audit_events", head="audit_head", param="?", seq_type="INTEGER",
                  ts_type="TEXT", insert_ignore="INSERT OR IGNORE INTO")


class SqliteStore(SqlStore):
    """Audit log in a SQLite database file."""

    dialect = DIALECT

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
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in DIALECT.schema():
                conn.execute(statement)
            head_columns = {r[1] for r in conn.execute(f"PRAGMA table_info({DIALECT.head})")}
            if "sig" not in head_columns:  # a log created before heads were signed
                conn.execute(f"ALTER TABLE {DIALECT.head} ADD COLUMN sig TEXT")
            conn.execute(DIALECT.init_head())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        self._conn = conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def _stream(self, query: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        yield from self.conn.execute(query, list(params))

    def _param(self, value: Any) -> Any:
        return format_ts(value) if isinstance(value, datetime) else value


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
