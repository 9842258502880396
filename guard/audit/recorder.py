"""The audit recorder: a bounded queue in front of one writer task and one writer thread.

``record()`` only builds the event and enqueues it, so a slow disk or database never adds its
latency to a request. What happens when the queue is full is a policy:

- ``block`` (default, fail closed): the request waits for room, and after ``block_timeout``
  seconds fails with :class:`AuditUnavailable`; no decision goes unrecorded.
- ``drop`` (fail open): the event is dropped and counted (``stats.dropped``, metric
  ``guard.audit.dropped``); requests are never slowed by the audit log.

One writer task drains the queue in batches and hands each batch to the store on a dedicated
single thread (SQLite and psycopg are blocking). A failed batch is retried with backoff and
never discarded. Should the writer task itself ever stop on an error (a bug, not a store
failure), the recorder fails closed at once: ``record()`` raises :class:`AuditUnavailable` naming
the error and :meth:`aclose` returns instead of waiting for a flush that cannot happen.
:meth:`AuditRecorder.aclose` (call it from the app's shutdown, which uvicorn
runs on SIGTERM) stops intake and flushes everything queued, so every request that got a
response has its record written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from guard.audit.chain import Linked
from guard.audit.event import AuditEvent, EventOptions, build_event
from guard.audit.sinks.base import AuditStore
from guard.audit.sinks.otel_logs import OtelLogStore
from guard.errors import GuardError
from guard.types import Decision, Message, RequestFacts, Retention

log = logging.getLogger(__name__)
OnFull = Literal["block", "drop"]


class AuditUnavailable(GuardError):
    """The audit log cannot accept a record (closed, writer stopped, or full too long)."""


@dataclass(slots=True)
class RecorderStats:
    """Counters since start; ``queue_depth`` is the live number of records waiting."""

    enqueued: int = 0
    written: int = 0
    dropped: int = 0
    write_errors: int = 0
    batches: int = 0
    queue_depth: int = 0


@dataclass(slots=True)
class _Item:
    event: AuditEvent
    done: asyncio.Future[None] | None = None


class AuditRecorder:
    """Implements :class:`guard.recording.DecisionRecorder` on top of an :class:`AuditStore`.

    Args:
        store: where records go (see :func:`guard.audit.sinks.open_store`).
        on_full: ``"block"`` (fail closed) or ``"drop"`` (fail open).
        queue_size: maximum records waiting to be written.
        hmac_key: sign each record's hash (``GUARD_AUDIT_HMAC_KEY``).
        block_timeout: with ``on_full="block"``, seconds a request waits before failing.
        batch_size: most records written in one transaction.
        options: user-id hashing.
        exporters: extra destinations for already-chained records (OTel logs).
        meter_provider: injected meter provider for the ``guard.audit.*`` metrics.
    """

    def __init__(
        self,
        store: AuditStore,
        *,
        on_full: OnFull = "block",
        queue_size: int = 10_000,
        hmac_key: bytes | None = None,
        block_timeout: float | None = 30.0,
        batch_size: int = 500,
        options: EventOptions | None = None,
        exporters: Sequence[OtelLogStore] = (),
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        if on_full not in ("block", "drop"):
            raise ValueError(f"on_full must be 'block' or 'drop', not {on_full!r}")
        self.store = store
        self.on_full: OnFull = on_full
        self.queue_size = queue_size
        self.block_timeout = block_timeout
        self.batch_size = batch_size
        self.options = options or EventOptions()
        self.exporters = tuple(exporters)
        self._key = hmac_key
        self._queue: asyncio.Queue[_Item] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._closing = False
        self._writer_error: BaseException | None = None
        self._in_flight: list[_Item] = []
        self._stats = RecorderStats()
        meter = (meter_provider or metrics.NoOpMeterProvider()).get_meter("guard.audit")
        self._m_written = meter.create_counter("guard.audit.written", unit="{record}")
        self._m_dropped = meter.create_counter("guard.audit.dropped", unit="{record}")
        self._m_batch = meter.create_histogram("guard.audit.batch.duration", unit="s")
        meter.create_observable_gauge(
            "guard.audit.queue.depth", callbacks=[self._observe_depth], unit="{record}",
            description="Audit records waiting to be written.",
        )

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the store (on the writer thread) and start the writer task. Idempotent."""
        if self._writer is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="guard-audit")
        await self._in_thread(self.store.open)
        self._queue = asyncio.Queue(maxsize=self.queue_size)
        self._closing = False
        self._writer_error = None
        self._writer = asyncio.create_task(self._write_loop(), name="guard-audit-writer")
        self._writer.add_done_callback(self._writer_stopped)

    async def aclose(self, flush_timeout: float | None = None) -> None:
        """Stop accepting records, write everything queued, close the store.

        Args:
            flush_timeout: give up flushing after this many seconds (records still queued are
                then lost and logged as an error); ``None`` waits as long as it takes.
        """
        if self._writer is None or self._queue is None:
            return
        self._closing = True
        flushed = asyncio.ensure_future(self._queue.join())
        await asyncio.wait({flushed, self._writer}, timeout=flush_timeout,
                           return_when=asyncio.FIRST_COMPLETED)
        if not flushed.done():
            flushed.cancel()
            if self._writer_error is None:  # a stopped writer logged its own loss
                log.error("audit flush timed out: %d records not written", self._queue.qsize())
        if not self._writer.done():
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
        self._writer = None
        await self._in_thread(self.store.close)
        assert self._executor is not None
        self._executor.shutdown(wait=True)
        self._executor = None

    async def __aenter__(self) -> AuditRecorder:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- recording ----------------------------------------------------------------------------

    async def record(
        self,
        decision: Decision,
        *,
        original: Sequence[Message],
        retention: Retention,
        facts: RequestFacts | None = None,
        wait: bool = False,
    ) -> None:
        """Queue the audit event of ``decision``.

        Args:
            decision: the core's verdict.
            original: the messages as checked (before any rewrite).
            retention: ``none`` / ``redacted`` / ``full`` (the policy's setting).
            facts: what the edge knows beyond the decision (upstream status and error,
                HTTP status, characters released in a stream, the failover member that
                answered and the attempts it took).
            wait: return only once the record is committed (slower; for strict callers).

        Raises:
            AuditUnavailable: recorder closed, or full for longer than ``block_timeout``.
        """
        event = build_event(
            decision, original=original, retention=retention, facts=facts, options=self.options
        )
        await self.submit(event, wait=wait)

    async def submit(self, event: AuditEvent, *, wait: bool = False) -> None:
        """Queue an already-built event (see :meth:`record`)."""
        if self._writer_error is not None:
            raise self._writer_gone()
        if self._queue is None or self._closing:
            raise AuditUnavailable("audit recorder is not running")
        item = _Item(event, asyncio.get_running_loop().create_future() if wait else None)
        if self.on_full == "drop":
            try:
                self._queue.put_nowait(item)
            except asyncio.QueueFull:
                self._stats.dropped += 1
                self._m_dropped.add(1)
                return
        else:
            try:
                await asyncio.wait_for(self._queue.put(item), self.block_timeout)
            except TimeoutError as exc:
                raise AuditUnavailable(
                    f"audit queue full for {self.block_timeout}s (store {self.store.display_url!r} "
                    "too slow or down); failing closed"
                ) from exc
        if self._writer_error is not None:  # it stopped while this request waited for room
            raise self._writer_gone()
        self._stats.enqueued += 1
        if item.done is not None:
            await item.done

    # --- writer -------------------------------------------------------------------------------

    def _writer_stopped(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = self._writer_error = task.exception()
        unwritten = list(self._in_flight)
        queue = self._queue
        while queue is not None and not queue.empty():  # nothing will ever write these
            unwritten.append(queue.get_nowait())
            queue.task_done()
        log.critical("audit writer stopped: %r; %d queued records not written, every further "
                     "record is refused", error, len(unwritten), exc_info=error)
        for item in unwritten:  # release callers waiting for their commit
            if item.done is not None and not item.done.done():
                item.done.set_exception(self._writer_gone())

    def _writer_gone(self) -> AuditUnavailable:
        return AuditUnavailable(f"audit writer stopped ({self._writer_error!r}); failing closed")

    async def _write_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self.batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            self._in_flight = batch
            await self._write_batch(batch)
            self._in_flight = []
            for _ in batch:
                queue.task_done()

    async def _write_batch(self, batch: list[_Item]) -> None:
        delay = 0.05
        events = [item.event for item in batch]
        while True:
            started = time.perf_counter()
            try:
                linked = await self._in_thread(self.store.append, events, self._key)
                break
            except Exception:  # the store failed: keep the batch, retry; never drop it
                self._stats.write_errors += 1
                log.exception("audit write to %s failed; retrying in %.2fs", self.store.display_url,
                              delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if await self._already_committed(events[0]):
                    linked = []  # the commit went through before the connection broke
                    break
        self._m_batch.record(time.perf_counter() - started)
        self._stats.written += len(linked) or len(batch)
        self._stats.batches += 1
        self._m_written.add(len(linked))
        await self._export(linked)
        for item in batch:
            if item.done is not None and not item.done.done():
                item.done.set_result(None)

    async def _already_committed(self, event: AuditEvent) -> bool:
        try:
            return bool(await self._in_thread(self.store.contains, event.decision_id))
        except Exception:
            return False

    async def _export(self, linked: list[Linked]) -> None:
        for exporter in self.exporters:
            try:
                await self._in_thread(exporter.export, linked)
            except Exception:  # a secondary exporter must not stop the primary log
                log.exception("audit export to %s failed", exporter.url)

    async def _in_thread(self, func: Any, *args: Any) -> Any:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    # --- stats --------------------------------------------------------------------------------

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    @property
    def stats(self) -> RecorderStats:
        """A snapshot of the counters."""
        s = self._stats
        return RecorderStats(s.enqueued, s.written, s.dropped, s.write_errors, s.batches,
                             self.queue_depth)

    def _observe_depth(self, options: CallbackOptions) -> list[Observation]:
        return [Observation(self.queue_depth)]
