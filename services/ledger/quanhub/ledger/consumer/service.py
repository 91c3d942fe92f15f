"""The ledger consumer: each polled batch decoded, then written with its offsets, one
transaction per shard its partitions belong to."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from quanhub.common.clock import Clock
from quanhub.common.consuming import Batch, BatchHandler, Consumer, ConsumerLoop, Polled, Record
from quanhub.common.kafka import ensure_topics, make_consumer
from quanhub.common.service import connect_and_migrate
from quanhub.common.settings import DatabaseSettings
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.connection import DATABASE_ERRORS, OwnConnection
from quanhub.ledger.consumer.link_exchange import LinkExchange
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.projector import ProjectorLoop
from quanhub.ledger.consumer.rebalance import SeekToStoredOffsets
from quanhub.ledger.consumer.sequencer import SequencerLoop
from quanhub.ledger.decode import decode
from quanhub.ledger.errors import UndecodableEvent
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.shards import ensure_shards, shard_of
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
class _Part:
    """The rows, rejects and offsets of one shard's partitions in a batch, and what their
    write gave (None until it committed)."""

    rows: list[LedgerRow]
    rejects: list[Reject]
    positions: list[Position]
    result: WriteResult | None = None


def split_by_shard(
    rows: Sequence[LedgerRow],
    rejects: Sequence[Reject],
    positions: Sequence[Position],
    shards: int,
) -> dict[int, _Part]:
    """A decoded batch as one part per shard that owns any of its partitions."""
    parts: dict[int, _Part] = {}

    def part(partition: int) -> _Part:
        shard = shard_of(partition, shards)
        found = parts.get(shard)
        if found is None:
            found = parts[shard] = _Part([], [], [])
        return found

    for row in rows:
        part(row.kafka_partition).rows.append(row)
    for reject in rejects:
        part(reject.partition).rejects.append(reject)
    for position in positions:
        part(position.partition).positions.append(position)
    return parts


@dataclass(slots=True)
class _Write:
    """One decoded batch to write with its offsets, by shard, and what the writes gave."""

    parts: dict[int, _Part]
    count: int
    now: datetime
    started: float = 0.0

    @property
    def rejects(self) -> int:
        """Records of the batch kept as rejects."""
        return sum(len(p.rejects) for p in self.parts.values())

    @property
    def appended(self) -> int:
        """Events new to the ledger, over every shard written so far."""
        return sum(p.result.appended for p in self.parts.values() if p.result is not None)

    @property
    def done(self) -> bool:
        """Every shard's part committed."""
        return all(p.result is not None for p in self.parts.values())


def _retriable(exc: BaseException) -> bool:
    """A database error: the connection is dropped and the write tried again on a new one."""
    return isinstance(exc, DATABASE_ERRORS)


class LedgerConsumer(BatchHandler[_Write]):
    """Reads the canonical topic and keeps the ledger; `ready` once it owns partitions.

    Runs on the one consumer runtime (quanhub.common.consuming): a batch is decoded (take)
    while PostgreSQL writes the previous one, then written with its offsets (acknowledge):
    one transaction per shard, each on the shard's own connection, side by side, each with
    the offsets of the shard's partitions only. Kafka's committed offsets are never used. A
    failed write is retried (the shards already committed are not written again), never
    skipped. Each shard has its projector loop. A shard's connections go to its instance
    (the shard map); when some shards are not on the home instance, a sequencer loop
    publishes their steps to the global sequence and a link exchange carries links whose
    sides live on different instances between them.
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
        self._shards = settings.shards
        self._map = shard_map = settings.shard_map.of(settings.database)
        self._conns = {
            shard: OwnConnection(shard_map.url_of(shard), APPLICATION_NAME, compress_with_lz4)
            for shard in range(settings.shards)
        }
        #: Make what this consumer appends visible, beside its next write: one per shard.
        self.projectors = [
            ProjectorLoop(
                settings,
                metrics,
                shard,
                url=shard_map.url_of(shard),
                publish=shard_map.on_home(shard),
            )
            for shard in self._conns
        ]
        #: Publishes the steps of shards on other instances (None: every shard is home's).
        self.sequencer = (
            SequencerLoop(settings, metrics, shard_map, settings.shards)
            if shard_map.remote_shards(settings.shards)
            else None
        )
        #: Sends and applies links across instances (None: every shard is home's).
        self.links = (
            None if shard_map.single else LinkExchange(settings, metrics, shard_map, clock=clock)
        )
        self._projecting: list[asyncio.Task[None]] = []
        #: How fast canonical records arrive (decides whether batches wait to fill).
        self.inflow = Inflow()

    async def ready(self) -> bool:
        """True while the consumer holds a partition assignment and its projectors run."""
        projecting = bool(self._projecting) and not any(t.done() for t in self._projecting)
        if self.links is not None and not self.links.running():
            return False
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
        async with contextlib.AsyncExitStack() as instances:
            pools = [self._pool]
            for url in self._map.urls[1:]:
                pools.append(await instances.enter_async_context(self._instance_pool(url)))
            await self._run(stop, pools)

    def _instance_pool(self, url: str) -> contextlib.AbstractAsyncContextManager[asyncpg.Pool]:
        """A small pool on another instance of the shard map, migrated as the home one."""
        database = DatabaseSettings(url=url, pool_min=1, pool_max=2)
        return connect_and_migrate(database, migrate=self._settings.migrate_on_start)

    async def _run(self, stop: asyncio.Event, pools: Sequence[asyncpg.Pool]) -> None:
        canonical = [s for s in Topics(self._settings.kafka).specs() if s.name == self._topic]
        await ensure_topics(self._settings.kafka, canonical)
        # Every instance holds every shard's counter rows (those of shards it does not hold
        # stay at their base): shards.visible indexes them by shard number.
        for pool in pools:
            async with pool.acquire() as conn:
                await ensure_shards(conn, range(self._shards))
        shard_map, shards = self._map, self._shards

        def placed(partition: int) -> asyncpg.Pool:
            return pools[shard_map.instance_of(shard_of(partition, shards))]

        consumer = make_consumer(
            self._settings.kafka,
            group_id=self._settings.group_id,
            client_id="quanhub-ledger-consumer",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        loop = self.loop(consumer, stop)
        self._listener = SeekToStoredOffsets(
            loop, consumer, self._pool, group_id=self._settings.group_id, placed=placed
        )
        consumer.subscribe([self._topic], listener=self._listener)
        await consumer.start()
        if self.links is not None:
            await self.links.start(pools)
            for projector in self.projectors:
                projector.router = self.links.router_of(projector.shard)
                projector.routed = self.links.relay_of(projector.shard).kick
        self._projecting = [asyncio.create_task(p.run()) for p in self.projectors]
        sequencing = asyncio.create_task(self.sequencer.run()) if self.sequencer else None
        if sequencing is not None:
            self._projecting.append(sequencing)
        log.info("ledger_consumer_started", topic=self._topic, group=self._settings.group_id)
        try:
            await loop.run()
        finally:
            await consumer.stop()
            for writer in self._conns.values():
                await writer.drop()
            # The projectors' last catch-up: what this consumer appended becomes visible.
            for projector in self.projectors:
                projector.stop()
            await asyncio.gather(*(t for t in self._projecting if t is not sequencing))
            # Then the sequencer's last pass publishes the projectors' last steps.
            if self.sequencer is not None and sequencing is not None:
                self.sequencer.stop()
                await sequencing
            # And the relays' last pass sends the links those steps routed.
            if self.links is not None:
                await self.links.stop()

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
        parts = split_by_shard(rows, rejects, positions, self._shards)
        return _Write(parts, len(batch.records), now)

    async def acknowledge(self, work: _Write) -> None:
        """Write each shard's rows, rejects and offsets in a transaction of its own, the
        shards side by side (one attempt; a retry writes only the shards not committed)."""
        work.started = work.started or time.perf_counter()
        pending = [(s, p) for s, p in work.parts.items() if p.result is None]
        outcomes = await asyncio.gather(
            *(self._write(shard, part, work.now) for shard, part in pending),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _write(self, shard: int, part: _Part, now: datetime) -> None:
        """One shard's part in one transaction; a failure drops the shard's connection."""
        conn = self._conns[shard]
        try:
            part.result = await write_isolating(
                await conn.get(),
                part.rows,
                group_id=self._settings.group_id,
                positions=part.positions,
                rejects=part.rejects,
                now=now,
                shard=shard,
            )
        except DATABASE_ERRORS:
            await conn.drop()
            raise

    async def failed(self, exc: BaseException, delay: float) -> None:
        """A failed write: counted and logged (its connection is already dropped)."""
        self._metrics.write_failures.inc()
        log.warning("ledger_write_failed", error=str(exc), retry_in=delay)

    def committed(self, work: _Write, refused: BaseException | None) -> None:
        """Metrics of the written batch, and a kick for the projectors of the shards that
        appended."""
        if not work.done:
            return
        self._metrics.batch_seconds.observe(time.perf_counter() - work.started)
        self._metrics.records.inc(work.count)
        self._metrics.appended.inc(work.appended)
        self._metrics.rejected.inc(work.rejects)
        for shard, part in work.parts.items():
            result = part.result
            if result is None:
                continue
            self._metrics.appended_to(shard, result.last_seq)
            if result.appended:
                self.projectors[shard].kick()
            log.debug(
                "batch_written",
                shard=shard,
                records=work.count,
                appended=result.appended,
                seq=result.last_seq,
            )
