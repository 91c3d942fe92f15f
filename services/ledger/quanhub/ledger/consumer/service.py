"""The ledger consumer: each polled batch decoded, then written with its offsets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from quanhub.common.clock import Clock
from quanhub.common.consuming import Batch, BatchHandler, Consumer, ConsumerLoop, Polled, Record
from quanhub.common.kafka import ensure_topics, make_consumer
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.connection import DATABASE_ERRORS, OwnConnection
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
    records: Sequence[Record], now: datetime
) -> tuple[list[LedgerRow], list[Reject], list[Position]]:
    """Decode polled records; unusable ones become rejects, and every partition advances."""
    rows: list[LedgerRow] = []
    rejects: list[Reject] = []
    last: dict[tuple[str, int], int] = {}
    for record in records:
        topic, partition, offset = record.topic, record.partition, record.offset
        try:
            rows.append(
                decode(
                    record.value,
                    topic=topic,
                    partition=partition,
                    offset=offset,
                    recorded_at=now,
                    headers=record.headers,
                )
            )
        except UndecodableEvent as exc:
            where = {"topic": topic, "partition": partition, "offset": offset}
            log.warning("record_rejected", error_code=exc.code, reason=exc.message, **where)
            rejects.append(Reject(topic, partition, offset, exc.code, exc.message))
        key = (topic, partition)
        last[key] = max(last.get(key, -1), offset)
    positions = [Position(t, p, offset + 1) for (t, p), offset in last.items()]
    return rows, rejects, positions


#: Records decoded between two yields to the event loop (about 10 ms of CPU).
DECODE_SLICE = 500


async def decode_yielding(
    records: Sequence[Record], now: datetime
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


@dataclass(slots=True)
class _Write:
    """One decoded batch to write with its offsets, and what the write gave."""

    rows: list[LedgerRow]
    rejects: list[Reject]
    positions: list[Position]
    count: int
    now: datetime
    started: float = 0.0
    result: WriteResult | None = None


def _retriable(exc: BaseException) -> bool:
    """A database error: the connection is dropped and the write tried again on a new one."""
    return isinstance(exc, DATABASE_ERRORS)


class LedgerConsumer(BatchHandler[_Write]):
    """Reads the canonical topic and keeps the ledger; `ready` once it owns partitions.

    Runs on the one consumer runtime (quanhub.common.consuming): a batch is decoded (take)
    while PostgreSQL writes the previous one, then written with its offsets in one
    transaction (acknowledge); Kafka's committed offsets are never used. A failed write is
    retried, never skipped.
    """

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
        self._listener: SeekToStoredOffsets | None = None
        self._consumer: Consumer | None = None
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

    def loop(self, consumer: Consumer, stop: asyncio.Event) -> ConsumerLoop[_Write]:
        """This consumer's batches on `consumer`, until `stop` is set."""
        self._consumer = consumer
        settings = self._settings
        return ConsumerLoop(
            consumer,
            self,
            poll_timeout_ms=settings.poll_timeout_ms,
            max_records=settings.batch_max_records,
            retriable=_retriable,
            retry_initial_seconds=settings.retry_initial_seconds,
            retry_max_seconds=settings.retry_max_seconds,
            commit=False,  # the offsets are written with the rows
            stopping=stop,
        )

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
        loop = self.loop(consumer, stop)
        self._listener = SeekToStoredOffsets(
            loop, consumer, self._pool, group_id=self._settings.group_id
        )
        consumer.subscribe([self._topic], listener=self._listener)
        await consumer.start()
        self._projecting = asyncio.create_task(self.projector.run())
        log.info("ledger_consumer_started", topic=self._topic, group=self._settings.group_id)
        try:
            await loop.run()
        finally:
            await consumer.stop()
            await self._conn.drop()
            # The projector's last catch-up: what this consumer appended becomes visible.
            self.projector.stop()
            await self._projecting

    def polled(self, polled: Polled) -> None:
        """Every poll feeds the inflow estimate; one with records, the lag gauges too."""
        self.inflow.add(sum(len(batch) for batch in polled.values()), time.monotonic())
        consumer = self._consumer
        if consumer is None:
            return
        for tp, batch in polled.items():
            highwater = consumer.highwater(tp)
            if highwater is not None and batch:
                lag = max(highwater - batch[-1].offset - 1, 0)
                self._metrics.lag.labels(str(tp.partition)).set(lag)

    def linger_seconds(self) -> float:
        """Under load (inflow at least `linger_from_rate`), poll on for up to
        `batch_linger_ms` until the batch is full: fewer, bigger transactions."""
        settings = self._settings
        if not settings.batch_linger_ms or self.inflow.rate < settings.linger_from_rate:
            return 0.0
        return settings.batch_linger_ms / 1000

    async def take(self, batch: Batch) -> _Write:
        """Decode the batch, yielding to the write in flight meanwhile."""
        now = self._clock.now()
        rows, rejects, positions = await decode_yielding(batch.records, now)
        return _Write(rows, rejects, positions, len(batch.records), now)

    async def acknowledge(self, work: _Write) -> None:
        """Write the rows, rejects and offsets in one transaction (one attempt)."""
        work.started = time.perf_counter()
        conn = await self._conn.get()
        work.result = await write_isolating(
            conn,
            work.rows,
            group_id=self._settings.group_id,
            positions=work.positions,
            rejects=work.rejects,
            now=work.now,
        )

    async def failed(self, exc: BaseException, delay: float) -> None:
        """A failed write: counted, logged, its connection dropped."""
        self._metrics.write_failures.inc()
        log.warning("ledger_write_failed", error=str(exc), retry_in=delay)
        await self._conn.drop()

    def committed(self, work: _Write, refused: BaseException | None) -> None:
        """Metrics of the written batch, and a kick for the projector."""
        result = work.result
        if result is None:
            return
        self._metrics.batch_seconds.observe(time.perf_counter() - work.started)
        self._metrics.records.inc(work.count)
        self._metrics.appended.inc(result.appended)
        self._metrics.rejected.inc(len(work.rejects))
        self._metrics.last_seq.set(result.last_seq)
        if result.appended:
            self.projector.kick()
        log.debug(
            "batch_written", records=work.count, appended=result.appended, seq=result.last_seq
        )
