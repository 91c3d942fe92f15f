"""The consumer loop: poll a batch, decode it, write it with its offsets, repeat."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from quanhub.common.clock import Clock
from quanhub.common.kafka import ensure_topics, make_consumer
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.connection import OwnConnection
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.projector import ProjectorLoop
from quanhub.ledger.consumer.rebalance import SeekToStoredOffsets
from quanhub.ledger.decode import decode
from quanhub.ledger.errors import UndecodableEvent
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import (
    Position,
    Reject,
    WriteResult,
    compress_with_lz4,
    write_isolating,
)

log = structlog.get_logger(__name__)

#: How the writer's session shows in pg_stat_activity.
APPLICATION_NAME = "quanhub-ledger-consumer"


def decode_batch(
    records: Sequence[Any], now: datetime
) -> tuple[list[LedgerRow], list[Reject], list[Position]]:
    """Decode polled records; unusable ones become rejects, and every partition advances."""
    rows: list[LedgerRow] = []
    rejects: list[Reject] = []
    last: dict[tuple[str, int], int] = {}
    for record in records:
        where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
        try:
            rows.append(decode(record.value, recorded_at=now, **where))
        except UndecodableEvent as exc:
            log.warning("record_rejected", error_code=exc.code, reason=exc.message, **where)
            rejects.append(Reject(code=exc.code, message=exc.message, **where))
        key = (record.topic, record.partition)
        last[key] = max(last.get(key, -1), record.offset)
    positions = [Position(t, p, offset + 1) for (t, p), offset in last.items()]
    return rows, rejects, positions


#: Records decoded between two yields to the event loop (about 10 ms of CPU).
DECODE_SLICE = 500


async def decode_yielding(
    records: Sequence[Any], now: datetime
) -> tuple[list[LedgerRow], list[Reject], list[Position]]:
    """`decode_batch`, a slice at a time, letting the event loop run in between: the write
    in flight needs the loop to send its next statement as soon as PostgreSQL answers the
    previous one, or the database idles while this batch decodes."""
    rows: list[LedgerRow] = []
    rejects: list[Reject] = []
    last: dict[tuple[str, int], int] = {}
    for start in range(0, len(records), DECODE_SLICE):
        if start:
            await asyncio.sleep(0)
        more, refused, positions = decode_batch(records[start : start + DECODE_SLICE], now)
        rows += more
        rejects += refused
        for p in positions:
            key = (p.topic, p.partition)
            last[key] = max(last.get(key, 0), p.next_offset)
    return rows, rejects, [Position(t, p, n) for (t, p), n in last.items()]


class Inflow:
    """Records per second reaching the consumer, an exponential average over `horizon_s`
    (each poll adds count / horizon and the estimate decays meanwhile, so bursts and empty
    polls smooth out instead of swinging it)."""

    def __init__(self, horizon_s: float = 1.0) -> None:
        self._horizon = horizon_s
        self._last: float | None = None
        self.rate = 0.0

    def add(self, count: int, now: float) -> float:
        """Account `count` records polled at `now` (seconds, monotonic); the new estimate."""
        if self._last is None:
            self._last = now
            return self.rate
        elapsed = max(now - self._last, 0.0)
        self._last = now
        if elapsed >= self._horizon:
            self.rate = count / elapsed
        else:
            self.rate = self.rate * (1 - elapsed / self._horizon) + count / self._horizon
        return self.rate


class LedgerConsumer:
    """Reads the canonical topic and keeps the ledger; `ready` once it owns partitions."""

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        pool: asyncpg.Pool,
        *,
        clock: Clock,
        metrics: ConsumerMetrics,
    ) -> None:
        self._settings = settings
        self._pool = pool
        self._clock = clock
        self._metrics = metrics
        self._topic = Topics(settings.kafka).canonical
        self._write_lock = asyncio.Lock()
        self._listener: SeekToStoredOffsets | None = None
        self._conn = OwnConnection(settings.database.url, APPLICATION_NAME, compress_with_lz4)
        #: Makes what this consumer appends visible, beside its next write.
        self.projector = ProjectorLoop(settings, metrics)
        self._projecting: asyncio.Task[None] | None = None
        #: How fast canonical records arrive (decides whether batches wait to fill).
        self.inflow = Inflow()

    async def ready(self) -> bool:
        """True while the consumer holds a partition assignment and its projector runs."""
        projecting = self._projecting is not None and not self._projecting.done()
        return projecting and self._listener is not None and bool(self._listener.assigned)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; a failed write is retried, never skipped."""
        canonical = [s for s in Topics(self._settings.kafka).specs() if s.name == self._topic]
        await ensure_topics(self._settings.kafka, canonical)
        consumer = make_consumer(
            self._settings.kafka,
            group_id=self._settings.group_id,
            client_id="quanhub-ledger-consumer",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self._listener = SeekToStoredOffsets(
            consumer, self._pool, group_id=self._settings.group_id, write_lock=self._write_lock
        )
        consumer.subscribe([self._topic], listener=self._listener)
        await consumer.start()
        self._projecting = asyncio.create_task(self.projector.run())
        log.info("ledger_consumer_started", topic=self._topic, group=self._settings.group_id)
        # One write in flight at a time, in order; the next batch is polled and decoded
        # while PostgreSQL works on the previous one.
        pending: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                polled = await consumer.getmany(
                    timeout_ms=self._settings.poll_timeout_ms,
                    max_records=self._settings.batch_max_records,
                )
                records = [r for batch in polled.values() for r in batch]
                self.inflow.add(len(records), time.monotonic())
                if not records:
                    continue
                self._record_lag(consumer, polled)
                records = await self.fill(consumer, records, stop)
                now = self._clock.now()
                decoded = await decode_yielding(records, now)
                if pending is not None:
                    await pending
                pending = asyncio.create_task(self._write(decoded, len(records), now, stop))
                await asyncio.sleep(0)  # let the write send its first statement now
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
            await consumer.stop()
            await self._conn.drop()
            # The projector's last catch-up: what this consumer appended becomes visible.
            self.projector.stop()
            await self._projecting

    async def fill(self, consumer: Any, records: list[Any], stop: asyncio.Event) -> list[Any]:
        """Under load (inflow at least `linger_from_rate`), poll on for up to
        `batch_linger_ms` until the batch is full: fewer, bigger transactions. Records
        polled later are later in their partitions, so the batch keeps arrival order."""
        settings = self._settings
        if not settings.batch_linger_ms or self.inflow.rate < settings.linger_from_rate:
            return records
        deadline = time.monotonic() + settings.batch_linger_ms / 1000
        while len(records) < settings.batch_max_records and not stop.is_set():
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                break
            polled = await consumer.getmany(
                timeout_ms=left_ms, max_records=settings.batch_max_records - len(records)
            )
            more = [r for batch in polled.values() for r in batch]
            self.inflow.add(len(more), time.monotonic())
            if more:
                self._record_lag(consumer, polled)
                records += more
        return records

    def _record_lag(self, consumer: Any, polled: dict[Any, list[Any]]) -> None:
        for tp, batch in polled.items():
            highwater = consumer.highwater(tp)
            if highwater is not None and batch:
                lag = max(highwater - batch[-1].offset - 1, 0)
                self._metrics.lag.labels(str(tp.partition)).set(lag)

    async def _write(
        self,
        decoded: tuple[list[LedgerRow], list[Reject], list[Position]],
        count: int,
        now: datetime,
        stop: asyncio.Event,
    ) -> None:
        rows, rejects, positions = decoded
        started = 0.0

        async def attempt() -> WriteResult:
            nonlocal started
            started = time.perf_counter()
            async with self._write_lock:
                conn = await self._conn.get()
                return await write_isolating(
                    conn,
                    rows,
                    group_id=self._settings.group_id,
                    positions=positions,
                    rejects=rejects,
                    now=now,
                )

        result = await self._conn.retrying(
            attempt,
            failures=self._metrics.write_failures,
            event="ledger_write_failed",
            give_up=stop.is_set,
            initial_seconds=self._settings.retry_initial_seconds,
            max_seconds=self._settings.retry_max_seconds,
        )
        if result is None:
            return
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        self._metrics.records.inc(count)
        self._metrics.appended.inc(result.appended)
        self._metrics.rejected.inc(len(rejects))
        self._metrics.last_seq.set(result.last_seq)
        if result.appended:
            self.projector.kick()
        log.debug("batch_written", records=count, appended=result.appended, seq=result.last_seq)
