"""One canonical record PostgreSQL can never store (U+0000 in raw_text; the normalizer no
longer lets one through, but a hand-made or future record could) must not stop the ledger:
the record behind it, on the same partition, is written."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from quanhub.bench.synthetic import parcel_event
from quanhub.common.canonical import canonical_business_key
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_pool
from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings

pytestmark = pytest.mark.integration
WHEN = datetime(2026, 10, 16, 8, 0, tzinfo=UTC)


async def test_a_record_postgresql_refuses_does_not_stop_the_ledger(
    kafka_settings: KafkaSettings, database_settings: DatabaseSettings
) -> None:
    kafka = KafkaSettings(
        bootstrap=kafka_settings.bootstrap,
        topic_namespace=f"{kafka_settings.topic_namespace}poison",
        partitions=1,
    )
    await ensure_topics(kafka, Topics(kafka).specs())
    poison = parcel_event(
        "poison-1", waybill_no="SF6000000001", status="IN_TRANSIT", occurred_at=WHEN
    )
    poison.raw_text = "a\x00b"
    good = parcel_event("poison-2", waybill_no="SF6000000001", status="DELIVERED", occurred_at=WHEN)
    producer = make_producer(kafka, client_id="poison-test")
    await producer.start()
    try:
        for event in (poison, good):
            key = canonical_business_key(event)
            await producer.send_and_wait(
                Topics(kafka).canonical, event.SerializeToString(), key=key
            )
    finally:
        await producer.stop()
    settings = LedgerConsumerSettings(
        kafka=kafka, database=database_settings, group_id=f"poison-{uuid.uuid4().hex[:8]}"
    )
    pool = await create_pool(database_settings)
    stop = asyncio.Event()
    service = LedgerConsumer(settings, pool, clock=SystemClock(), metrics=ConsumerMetrics())
    task = asyncio.create_task(service.run(stop))
    try:
        written = await _good_row(database_settings.url, timeout_s=30)
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=30)
        await pool.close()
    assert written, "the record behind the poison one never reached the ledger"
    conn = await asyncpg.connect(database_settings.url)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM ledger_events WHERE source_event_id = 'poison-1'"
        )
        rejected = await conn.fetchval(
            "SELECT count(*) FROM ledger_rejects WHERE topic = $1", Topics(kafka).canonical
        )
    finally:
        await conn.close()
    assert (stored, rejected) == (0, 1)


async def _good_row(url: str, *, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    conn = await asyncpg.connect(url)
    try:
        while time.monotonic() < deadline:
            found = await conn.fetchval(
                "SELECT count(*) FROM ledger_events WHERE source_event_id = 'poison-2'"
            )
            if found:
                return True
            await asyncio.sleep(0.5)
        return False
    finally:
        await conn.close()
