"""Raw topic → normalizer → canonical topic → ledger: one parcel event sent twice is one row."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from normalizer_kafka import Running, collect, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_pool
from quanhub.common.ids import canonical_event_id
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration


async def test_duplicate_event_id_gives_one_ledger_row(  # noqa: PLR0917 - fixtures
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    partner = f"led{uuid.uuid4().hex[:8]}"
    raw = parcel_envelope(partner, "twice", waybill="ZT7700000001", code="3").SerializeToString()
    other = parcel_envelope(partner, "once", waybill="ZT7700000002", code="0").SerializeToString()
    for value in (raw, other, raw):
        await producer.send_and_wait(topics.raw(EventKind.PARCEL), value)
    await running.start(normalizer_settings)

    pool = await create_pool(database_settings)
    stop = asyncio.Event()
    ledger = LedgerConsumer(
        LedgerConsumerSettings(
            kafka=kafka_settings, database=database_settings, group_id=f"led-{partner}"
        ),
        pool,
        clock=SystemClock(),
        metrics=ConsumerMetrics(),
    )
    canonical = await collect(
        kafka_settings,
        topics.canonical,
        lambda rs: len(rs) >= 3,
        lambda r: cpb.CanonicalEvent.FromString(r.value).source_partner == partner,
    )
    assert len(canonical) == 3  # both copies of "twice" reached the canonical topic
    task = asyncio.create_task(ledger.run(stop))
    try:
        for _ in range(240):  # until the ledger has stored offsets past all three records
            stored = {
                (r["topic"], r["partition"]): r["next_offset"]
                for r in await pool.fetch(
                    "SELECT topic, partition, next_offset FROM consumer_offsets"
                    " WHERE group_id = $1",
                    f"led-{partner}",
                )
            }
            if all(stored.get((r.topic, r.partition), -1) > r.offset for r in canonical):
                break
            await asyncio.sleep(0.25)
        rows = await pool.fetch(
            "SELECT event_id, source_event_id FROM ledger_events WHERE source_partner = $1"
            " ORDER BY source_event_id",
            partner,
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await pool.close()

    assert [(str(r["event_id"]), r["source_event_id"]) for r in rows] == [
        (str(canonical_event_id(partner, "once")), "once"),
        (str(canonical_event_id(partner, "twice")), "twice"),
    ]
