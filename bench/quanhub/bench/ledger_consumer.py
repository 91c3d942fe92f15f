"""Throughput of the ledger writer (canonical topic -> PostgreSQL) against a raw COPY of
the same rows into a same-shaped table, on a scratch database and topic it removes after.

Run: `quanhub ledger bench --events 200000` (see docs/ledger.md for measured numbers).
"""

# Scratch database and table names are generated here, never taken from input.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from quanhub.bench.synthetic import traffic
from quanhub.canonical.v1.canonical_pb2 import CanonicalEvent
from quanhub.common.canonical import canonical_business_key
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_database, create_pool, drop_database, migrate
from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.projector import ProjectorLoop
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.decode import decode
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.rebuild import ALL_TABLES
from quanhub.ledger.store.rows import COLUMNS, LedgerRow
from quanhub.ledger.store.writer import Position, compress_with_lz4, write_batch


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Measured rates, events per second."""

    events: int
    batch: int
    produce_rate: float
    writer_seconds: float
    writer_rate: float
    #: None when run without `extras` (the harness's own ledger stage measures this path).
    writer_alone_rate: float | None
    copy_bare_rate: float | None
    copy_indexed_rate: float


async def _copy_rate(
    conn: asyncpg.Connection, rows: list[tuple[object, ...]], batch: int, *, indexed: bool
) -> float:
    table = "bench_copy_indexed" if indexed else "bench_copy_bare"
    like = "INCLUDING ALL" if indexed else "INCLUDING DEFAULTS"
    await conn.execute(f"CREATE TABLE {table} (LIKE ledger_events {like})")
    await conn.execute(f"ALTER TABLE {table} DROP COLUMN seq")
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        async with conn.transaction():
            await conn.copy_records_to_table(table, records=rows[i : i + batch], columns=COLUMNS)
    return len(rows) / (time.perf_counter() - started)


async def _produce(kafka: KafkaSettings, topic: str, events: list[CanonicalEvent]) -> float:
    producer = make_producer(kafka, client_id="quanhub-bench", linger_ms=20)
    await producer.start()
    started = time.perf_counter()
    try:
        for event in events:
            key = canonical_business_key(event)
            await producer.send(topic, event.SerializeToString(), key=key)
        await producer.flush()
    finally:
        await producer.stop()
    return len(events) / (time.perf_counter() - started)


async def _time_writer(
    kafka: KafkaSettings, scratch: DatabaseSettings, events: int, batch: int
) -> float:
    """Seconds the consumer takes from its first commit to the last, scaled to all events."""
    conn = await asyncpg.connect(scratch.url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    pool = await create_pool(scratch)
    settings = LedgerConsumerSettings(
        kafka=kafka, database=scratch, batch_max_records=batch, group_id="quanhub-bench"
    )
    consumer = LedgerConsumer(settings, pool, clock=SystemClock(), metrics=ConsumerMetrics())
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        first: tuple[float, int] | None = None
        while True:
            count = await pool.fetchval("SELECT last_seq FROM ledger_sequence")
            if count and first is None:
                first = (time.perf_counter(), count)
            if count >= events:
                break
            await asyncio.sleep(0.1)
        done = time.perf_counter()
    finally:
        stop.set()
        await task
        await pool.close()
    # Group join time is not the writer's: time from the first commit, over the rest.
    assert first is not None  # noqa: S101 - count > 0 was seen before count >= events
    return (done - first[0]) * events / max(events - first[1], 1)


async def write_pipelined(url: str, rows: Sequence[LedgerRow], batch: int) -> tuple[float, float]:
    """Events/s through the ledger's write path as the consumer runs it: write_batch
    (events and offsets, one transaction per batch) on one connection while the consumer's
    own ProjectorLoop (projections, rollups, visibility) steps on another, kicked after
    every batch. The clock stops when the last event is visible. Returns (that rate, the
    append rate: events over the time the appends took, the projector running beside)."""
    projector = ProjectorLoop(
        LedgerConsumerSettings(database=DatabaseSettings(url=url)), ConsumerMetrics()
    )
    await projector.catch_up()  # connected and prepared before the clock starts
    task = asyncio.create_task(projector.run())
    conn = await asyncpg.connect(url)
    try:
        await compress_with_lz4(conn)  # as the consumer's writer connection
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            last = chunk[-1]
            await write_batch(
                conn,
                chunk,
                group_id="bench",
                positions=[Position(last.kafka_topic, last.kafka_partition, last.kafka_offset + 1)],
                now=datetime.now(UTC),
            )
            projector.kick()
        appended = time.perf_counter() - started
    finally:
        await conn.close()
        projector.stop()  # its last catch-up projects whatever is left, then it returns
        await task
    visible = time.perf_counter() - started
    return len(rows) / visible, len(rows) / appended


async def _writer_alone_rate(url: str, rows: list[LedgerRow], batch: int) -> float:
    """The writer and projector on decoded rows (no Kafka, no decoding), into an emptied
    ledger, until the last event is visible."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "TRUNCATE ledger_events, ledger_event_ids, ledger_quarantine, consumer_offsets, "
            "ledger_global_ranges, "
            f"{', '.join(ALL_TABLES)}; UPDATE ledger_sequence SET last_seq = 0; "
            # every shard back at its base (shard k numbers from k << 40)
            "UPDATE ledger_appended SET last_seq = shard::bigint << 40; "
            "UPDATE ledger_visible SET last_seq = shard::bigint << 40"
        )
    finally:
        await conn.close()
    return (await write_pipelined(url, rows, batch))[0]


async def run_bench(
    kafka: KafkaSettings,
    database: DatabaseSettings,
    *,
    events: int,
    batch: int,
    extras: bool = True,
) -> BenchResult:
    """Produce `events` synthetic canonical events, time the ledger consumer writing them,
    then time raw COPY of the same rows. Scratch topic and database are removed after."""
    kafka = kafka.model_copy(update={"topic_namespace": f"bench{uuid.uuid4().hex[:8]}"})
    topic = Topics(kafka).canonical
    name = f"quanhub_bench_{uuid.uuid4().hex[:8]}"
    scratch = await create_database(database, name, migrated=False)
    await ensure_topics(kafka, [TopicSpec(topic, kafka.partitions, kafka.retention_ms)])
    try:
        generated = traffic(events)
        produce_rate = await _produce(kafka, topic, generated)
        writer_seconds = await _time_writer(kafka, scratch, events, batch)
        now = datetime.now(UTC)
        decoded = [
            decode(e.SerializeToString(), topic=topic, partition=0, offset=i, recorded_at=now)
            for i, e in enumerate(generated)
        ]
        rows = [row.record() for row in decoded]
        alone = await _writer_alone_rate(scratch.url, decoded, batch) if extras else None
        conn = await asyncpg.connect(scratch.url)
        try:
            bare = await _copy_rate(conn, rows, batch, indexed=False) if extras else None
            indexed = await _copy_rate(conn, rows, batch, indexed=True)
        finally:
            await conn.close()
    finally:
        await drop_database(database, name)
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()
    return BenchResult(
        events, batch, produce_rate, writer_seconds, events / writer_seconds, alone, bare, indexed
    )
