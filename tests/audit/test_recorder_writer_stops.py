"""The recorder never waits on a writer that cannot write: it fails closed, loudly, at once.

A store failure is retried (``test_audit_recorder``); these are the other ways a flush could
wait for ever: the writer task itself stopping on an error, and a PostgreSQL connection with
no timeouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from guard.audit import AuditUnavailable
from guard.audit.chain import Linked
from guard.audit.event import AuditEvent
from guard.audit.recorder import AuditRecorder
from guard.audit.sinks.postgres import PostgresStore, with_connection_defaults
from guard.audit.sinks.sqlite import SqliteStore
from tests.audit.audit_helpers import make_decision


class WriterBug(BaseException):
    """Escapes the store-failure retry (which catches ``Exception``), as a bug in it would."""


class BreaksOnSecondBatch(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(f"sqlite:///{path}", path)
        self.batches = 0

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        self.batches += 1
        if self.batches == 2:
            raise WriterBug("writer bug")
        return super().append(events, key)


@pytest.mark.asyncio
async def test_a_stopped_writer_fails_every_caller_closed_and_close_returns(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = BreaksOnSecondBatch(tmp_path / "audit.db")
    recorder = AuditRecorder(store, batch_size=1)
    await recorder.start()
    decision, msgs = make_decision(text="first")
    await recorder.record(decision, original=msgs, retention="none", wait=True)
    decision, msgs = make_decision(text="second")
    with pytest.raises(AuditUnavailable, match="writer stopped"):
        await asyncio.wait_for(
            recorder.record(decision, original=msgs, retention="none", wait=True), 10)
    decision, msgs = make_decision(text="third")
    with pytest.raises(AuditUnavailable, match="WriterBug"):
        await recorder.record(decision, original=msgs, retention="none")
    await asyncio.wait_for(recorder.aclose(), 10)
    assert recorder.stats.written == 1
    assert any(r.levelname == "CRITICAL" and "audit writer stopped" in r.getMessage()
               for r in caplog.records)
    assert not any("flush timed out" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_records_queued_behind_a_stopped_writer_are_released(tmp_path: Path) -> None:
    store = BreaksOnSecondBatch(tmp_path / "audit.db")
    recorder = AuditRecorder(store, batch_size=1)
    await recorder.start()
    waits = []
    for i in range(5):
        decision, msgs = make_decision(text=f"m{i}")
        waits.append(asyncio.create_task(
            recorder.record(decision, original=msgs, retention="none", wait=True)))
    results = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 10)
    assert results[0] is None
    assert all(isinstance(r, AuditUnavailable) for r in results[1:])
    await asyncio.wait_for(recorder.aclose(), 10)


def test_connection_defaults_fill_only_what_the_url_leaves_unset() -> None:
    conninfo = with_connection_defaults(
        "postgresql://guard:pw@127.0.0.1:5432/db?connect_timeout=3&options=-csearch_path%3Ds1")
    params = dict(part.split("=", 1) for part in conninfo.split())
    assert params["connect_timeout"] == "3"
    assert params["keepalives_idle"] == "30" and params["tcp_user_timeout"] == "60000"
    assert params["dbname"] == "db" and "search_path" in params["options"]


def test_a_real_postgres_connection_carries_the_timeouts(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    store.open()
    try:
        settings = store.conn.info.get_parameters()
        assert settings["keepalives"] == "1" and settings["tcp_user_timeout"] == "60000"
        assert settings["connect_timeout"] == "10"
    finally:
        store.close()
