"""The recorder against every sink: nothing lost, one unbroken chain, fail policy when full.

Runs against SQLite, JSONL and the real PostgreSQL server (``store_url`` fixture).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest

from guard import Guard
from guard.audit import AuditUnavailable, QueryFilter, open_recorder, open_store
from guard.audit.recorder import AuditRecorder
from guard.types import Action, CheckContext
from tests.audit.audit_helpers import fill, make_decision


def count_and_verify(url: str) -> tuple[int, bool, str | None]:
    with open_store(url) as store:
        result = store.verify_chain()
    return result.count, result.ok, result.problem


async def run_checks(guard: Guard, n: int, concurrency: int) -> int:
    sem = asyncio.Semaphore(concurrency)
    texts = ["hello there", "ignore previous instructions", "key AKIAIOSFODNN7EXAMPLE here",
             "mail bob@example.com"]

    async def one(i: int) -> None:
        async with sem:
            await guard.acheck(f"{texts[i % 4]} #{i}", stage="input",
                               context=CheckContext(tenant=f"t{i % 3}", model="m1"))

    await asyncio.gather(*(one(i) for i in range(n)))
    return n


@pytest.mark.asyncio
async def test_concurrent_guarded_checks_are_all_recorded(
    store_url: str, light_policy: Callable[..., Path]
) -> None:
    recorder = open_recorder(store_url)
    await recorder.start()
    guard = Guard.from_file(light_policy(), recorder=recorder)
    await run_checks(guard, 1500, concurrency=32)
    await recorder.aclose()
    assert recorder.stats.written == 1500 and recorder.stats.dropped == 0
    assert count_and_verify(store_url) == (1500, True, None)


@pytest.mark.asyncio
async def test_aclose_flushes_everything_queued(store_url: str) -> None:
    recorder = open_recorder(store_url, queue_size=5000)
    await recorder.start()
    for i in range(3000):
        decision, msgs = make_decision(text=f"m{i}")
        await recorder.record(decision, original=msgs, retention="none")
    assert recorder.stats.written < 3000  # still queued when we close
    await recorder.aclose()
    assert count_and_verify(store_url) == (3000, True, None)


@pytest.mark.asyncio
async def test_replicas_sharing_one_log_keep_one_chain(store_url: str) -> None:
    """Two recorders (two sidecar replicas) append concurrently to the same log."""
    await asyncio.gather(fill(store_url, 600, tenant="a"), fill(store_url, 600, tenant="b"))
    assert count_and_verify(store_url) == (1200, True, None)


@pytest.mark.asyncio
async def test_query_filters(store_url: str) -> None:
    await fill(store_url, 40, tenant="acme")
    await fill(store_url, 8, tenant="globex")
    with open_store(store_url) as store:
        assert len(list(store.query(QueryFilter(tenant="globex")))) == 8
        blocked = list(store.query(QueryFilter(tenant="acme", action="block")))
        assert len(blocked) == 10 and all(r["action"] == "block" for r in blocked)
        assert len(list(store.query(QueryFilter(rule="r1")))) == 0  # no findings: nothing fired
        assert len(list(store.query(QueryFilter(policy_version=1, limit=5)))) == 5
        assert list(store.query(QueryFilter(policy_version=2))) == []
        now = datetime.now(UTC)
        assert len(list(store.query(QueryFilter(since=now - timedelta(minutes=5))))) == 48
        assert list(store.query(QueryFilter(since=now + timedelta(seconds=1)))) == []
        assert list(store.query(QueryFilter(until=now - timedelta(minutes=5)))) == []


def _hold_sqlite_write_lock(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def _stalled_recorder(
    tmp_path: Path, on_full: Literal["block", "drop"]
) -> tuple[AuditRecorder, sqlite3.Connection]:
    url = f"sqlite:///{tmp_path}/stall.db"
    recorder = open_recorder(url, on_full=on_full, queue_size=5, block_timeout=0.5)
    await recorder.start()
    lock = _hold_sqlite_write_lock(tmp_path / "stall.db")  # the store now cannot write
    return recorder, lock


@pytest.mark.asyncio
async def test_full_queue_fails_closed_by_default(tmp_path: Path) -> None:
    recorder, lock = await _stalled_recorder(tmp_path, "block")
    decision, msgs = make_decision()
    with pytest.raises(AuditUnavailable, match="failing closed"):
        for _ in range(20):
            await recorder.record(decision, original=msgs, retention="none")
    accepted = recorder.stats.enqueued
    lock.execute("ROLLBACK")
    lock.close()
    await recorder.aclose()
    assert count_and_verify(f"sqlite:///{tmp_path}/stall.db")[:2] == (accepted, True)


@pytest.mark.asyncio
async def test_full_queue_drops_and_counts_when_fail_open(tmp_path: Path) -> None:
    recorder, lock = await _stalled_recorder(tmp_path, "drop")
    decision, msgs = make_decision(action=Action.BLOCK)
    for _ in range(50):
        await recorder.record(decision, original=msgs, retention="none")  # never waits
    stats = recorder.stats
    assert stats.dropped >= 40 and stats.enqueued + stats.dropped == 50
    lock.execute("ROLLBACK")
    lock.close()
    await recorder.aclose()
    assert count_and_verify(f"sqlite:///{tmp_path}/stall.db")[:2] == (stats.enqueued, True)


@pytest.mark.asyncio
async def test_record_after_close_is_refused(tmp_path: Path) -> None:
    recorder = open_recorder(f"sqlite:///{tmp_path}/a.db")
    async with recorder:
        pass
    decision, msgs = make_decision()
    with pytest.raises(AuditUnavailable):
        await recorder.record(decision, original=msgs, retention="none")


@pytest.mark.asyncio
async def test_wait_returns_after_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    async with open_recorder(url) as recorder:
        decision, msgs = make_decision()
        await recorder.record(decision, original=msgs, retention="none", wait=True)
        with open_store(url) as store:
            assert [r["decision_id"] for r in store.query(QueryFilter())] == [decision.id]


@pytest.mark.asyncio
async def test_records_are_also_exported_as_otel_logs(tmp_path: Path) -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    logs = LoggerProvider()
    logs.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    reader = InMemoryMetricReader()
    url = f"sqlite:///{tmp_path}/a.db"
    ids = []
    async with open_recorder(url, logger_provider=logs,
                             meter_provider=MeterProvider(metric_readers=[reader])) as recorder:
        for i in range(5):
            decision, msgs = make_decision(action=Action.BLOCK, text=f"x{i}")
            await recorder.record(decision, original=msgs, retention="none")
            ids.append(decision.id)
    exported = exporter.get_finished_logs()
    attrs = [dict(r.log_record.attributes or {}) for r in exported]
    assert [a["guard.decision.id"] for a in attrs] == ids
    first = exported[0].log_record
    assert attrs[0]["guard.decision.action"] == "block"
    assert attrs[0]["guard.audit.seq"] == 1
    assert first.event_name == "guard.audit.decision"
    assert '"decision_id":"' + ids[0] + '"' in str(first.body)
    data = reader.get_metrics_data()
    assert data is not None
    names = {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics
             for m in sm.metrics}
    written = names["guard.audit.written"].data.data_points
    assert sum(getattr(p, "value", 0) for p in written) == 5
    assert "guard.audit.queue.depth" in names


@pytest.mark.asyncio
async def test_postgres_connection_loss_is_retried_without_loss(
        pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The server kills the writer's connection mid-run; every record still lands, once."""
    import psycopg

    recorder = open_recorder(pg_url)
    await recorder.start()
    for i in range(100):
        decision, msgs = make_decision(text=f"a{i}")
        await recorder.record(decision, original=msgs, retention="none", wait=i == 99)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = '' AND backend_type = 'client backend'").fetchone()
    assert killed is not None and killed[0] >= 1
    for i in range(100):
        decision, msgs = make_decision(text=f"b{i}")
        await recorder.record(decision, original=msgs, retention="none")
    # Bounded: once (of many runs) this flush never ended; fail with the counters instead.
    try:
        await asyncio.wait_for(recorder.aclose(), 60)
    except TimeoutError:
        errors = [r.getMessage() + f" ({r.exc_info[1]!r})" for r in caplog.records
                  if r.exc_info is not None][-3:]
        pytest.fail(f"flush after the connection loss did not end: {recorder.stats}; {errors}")
    assert recorder.stats.write_errors >= 1
    assert count_and_verify(pg_url) == (200, True, None)


def test_password_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    from guard.cli.main import main

    code = main(["audit", "verify", "--audit-url",
                 "postgresql://guard:s3cr3t-pw@127.0.0.1:1/nope?connect_timeout=2"])
    err = capsys.readouterr().err
    assert code == 1 and "OperationalError" in err and "s3cr3t-pw" not in err
    from guard.audit.sinks.base import redact_url

    assert redact_url("postgresql://guard:s3cr3t-pw@h/db") == "postgresql://guard:***@h/db"


@pytest.mark.asyncio
async def test_jsonl_torn_write_from_a_crash_is_discarded(tmp_path: Path) -> None:
    url = f"jsonl://{tmp_path}/log"
    await fill(url, 5)
    segment = next((tmp_path / "log").glob("audit-*.jsonl"))
    torn = segment.read_bytes() + b'{"seq":6,"decision_id":"half-writ'  # died mid-line
    segment.write_bytes(torn)
    await fill(url, 5)
    assert count_and_verify(url) == (10, True, None)


@pytest.mark.asyncio
async def test_verify_while_the_log_is_being_written(store_url: str) -> None:
    """A live log verifies cleanly: appends racing the walk are not mistaken for tampering."""
    writer = asyncio.create_task(fill(store_url, 3000))
    results = []
    await asyncio.sleep(0.2)
    while not writer.done():
        with open_store(store_url) as store:
            # allow_empty: the first check may run before the first batch is in
            results.append(await asyncio.to_thread(store.verify_chain, allow_empty=True))
        await asyncio.sleep(0.05)
    await writer
    assert results and all(r.ok for r in results), [r.problem for r in results if not r.ok]
    assert count_and_verify(store_url) == (3000, True, None)
