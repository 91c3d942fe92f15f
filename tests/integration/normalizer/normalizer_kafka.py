"""Helpers for normalizer integration tests: envelopes, running instances, bounded reads.

A test that sends raw records through normalizer instances of its own takes the `flow`
fixture (conftest): a `Flow` holds its Kafka namespace and topics, the registry, its
normalizer group's settings, the instances it starts and a raw-record producer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_pool
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.normalizer.bootstrap import App, bootstrap
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.settings import NormalizerSettings


def parcel_envelope(
    partner: str, event_id: str, *, waybill: str = "ZT1234567890", code: str = "0"
) -> cpb.RawEnvelope:
    """A gateway-style envelope with one Kuaidi100 parcel event."""
    now = datetime.now(UTC)
    env = cpb.RawEnvelope(partner_code=partner, partner_role="carrier", ingress="gateway")
    env.received_at.FromDatetime(now)
    env.event.event_id = event_id
    env.event.occurred_at.FromDatetime(now)
    env.event.parcel.CopyFrom(
        ipb.ParcelEvent(
            carrier_code="zhongtong", waybill_no=waybill, code_system="kuaidi100", code=code
        )
    )
    return env


async def platform_with_topic(
    database: DatabaseSettings, kafka: KafkaSettings, topics: Topics, prefix: str
) -> str:
    """A new platform partner in the registry, with its own topic; its code."""
    partner = f"{prefix}{uuid.uuid4().hex[:8].upper()}"
    pool = await create_pool(database)
    try:
        await create_partner(
            pool, code=partner, role=Role.PLATFORM, name=f"{prefix} test", clock=SystemClock()
        )
    finally:
        await pool.close()
    await ensure_topics(kafka, [topics.partner_spec(partner)])
    return partner


@dataclass
class Running:
    """Normalizer instances started by a test, stopped at its end."""

    apps: list[tuple[App, asyncio.Task[None]]] = field(default_factory=list)

    async def start(self, settings: NormalizerSettings) -> App:
        app = bootstrap(settings)
        await app.normalizer.start()
        task = asyncio.create_task(app.normalizer.run())
        self.apps.append((app, task))
        return app

    async def stop(self, app: App) -> None:
        for pair in list(self.apps):
            if pair[0] is app:
                app.normalizer.stop()
                await asyncio.wait_for(pair[1], 30)
                await app.normalizer.close()
                self.apps.remove(pair)


async def collect(
    kafka_settings: KafkaSettings,
    topic: str,
    done: Callable[[list[Any]], bool],
    keep: Callable[[Any], bool],
    timeout: float = 60.0,
) -> list[Any]:
    """Records of `topic` (from the start) that `keep` accepts, polled until `done` or timeout."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_settings.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await consumer._client.fetch_all_metadata()
        tps = [TopicPartition(topic, p) for p in partitions.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while not done(found) and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            found.extend(r for records in batch.values() for r in records if keep(r))
        return found
    finally:
        await consumer.stop()


def record_bytes(record: Any) -> bytes:
    """A Kafka record's key, value and headers, names and values, as one blob to search."""
    parts = [record.key or b"", record.value or b""]
    parts.extend(k.encode() + v for k, v in record.headers)
    return b"".join(parts)


@asynccontextmanager
async def ledger_consumer(
    kafka_settings: KafkaSettings, database_settings: DatabaseSettings, group_id: str
) -> AsyncIterator[asyncpg.Pool]:
    """A ledger consumer of group `group_id` running on the canonical topic while inside;
    yields a pool on its database."""
    pool = await create_pool(database_settings)
    stop = asyncio.Event()
    ledger = LedgerConsumer(
        LedgerConsumerSettings(kafka=kafka_settings, database=database_settings, group_id=group_id),
        pool,
        clock=SystemClock(),
        metrics=ConsumerMetrics(),
    )
    task = asyncio.create_task(ledger.run(stop))
    try:
        yield pool
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await pool.close()


async def ledger_rows(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    partner: str,
    *,
    count: int = 1,
    timeout: float = 60.0,
) -> list[Any]:
    """The partner's ledger_events rows once a ledger consumer (run here, on the canonical
    topic) has written `count` of them, or whatever it wrote by `timeout`."""
    query = "SELECT * FROM ledger_events WHERE source_partner = $1 ORDER BY seq"
    async with ledger_consumer(kafka_settings, database_settings, f"led-{partner}") as pool:
        deadline = asyncio.get_running_loop().time() + timeout
        rows = await pool.fetch(query, partner)
        while len(rows) < count and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.25)
            rows = await pool.fetch(query, partner)
        return list(rows)


@dataclass
class Flow:
    """One test's normalizer world (see the module docstring)."""

    kafka: KafkaSettings
    database: DatabaseSettings
    topics: Topics
    settings: NormalizerSettings
    running: Running
    producer: Any

    async def start(self) -> App:
        """One more normalizer instance of this test's group."""
        return await self.running.start(self.settings)

    async def platform(self, prefix: str) -> str:
        """A new platform partner with its own topic (`platform_with_topic`); its code."""
        return await platform_with_topic(self.database, self.kafka, self.topics, prefix)

    async def canonical(self, partner: str, count: int = 1) -> list[Any]:
        """The canonical records of `partner`, once there are `count` (or at the timeout)."""
        return await collect(
            self.kafka,
            self.topics.canonical,
            lambda rs: len(rs) >= count,
            lambda r: cpb.CanonicalEvent.FromString(r.value).source_partner == partner,
        )

    async def dead_letters(self, partner: str, count: int = 1) -> list[Any]:
        """The dead letters of `partner`, once there are `count` (or at the timeout)."""
        return await collect(
            self.kafka,
            self.topics.dlq,
            lambda rs: len(rs) >= count,
            lambda r: header(r.headers, "partner") == partner,
        )
