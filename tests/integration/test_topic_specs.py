"""Topics are created as their specs say: a partner's own topic is stamped by the broker."""

from __future__ import annotations

import asyncio
import time

import pytest
import structlog
from aiokafka.admin import AIOKafkaAdminClient

from quanhub.common.kafka import ensure_topics, make_consumer, make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics

pytestmark = pytest.mark.integration

LOG_APPEND_TIME = 1


async def test_partner_topic_records_carry_the_brokers_time(kafka_settings: KafkaSettings) -> None:
    topics = Topics(kafka_settings)
    spec = topics.partner_spec("SPECCHECK")
    assert spec.name in await ensure_topics(kafka_settings, [spec])

    producer = make_producer(kafka_settings, client_id="topic-spec-test")
    await producer.start()
    try:
        # A partner's clock says 2001; the broker's stamp must win.
        await producer.send_and_wait(spec.name, b"x", key=b"k", timestamp_ms=978_307_200_000)
    finally:
        await producer.stop()

    consumer = make_consumer(kafka_settings, spec.name, group_id=None, client_id="spec-read")
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        records = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    assert len(records) == 1
    assert records[0].timestamp_type == LOG_APPEND_TIME
    assert records[0].timestamp > 978_307_200_000 + 10 * 365 * 24 * 3600 * 1000


async def _partitions(settings: KafkaSettings, topic: str) -> int:
    """The topic's partition count, as the brokers' metadata says once it shows."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            (described,) = await admin.describe_topics([topic])
            if described["partitions"] or time.monotonic() > deadline:
                return len(described["partitions"])
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def test_the_canonical_topic_has_partitions_of_its_own_set_at_creation_only(
    kafka_settings: KafkaSettings,
) -> None:
    fresh = kafka_settings.model_copy(
        update={"topic_namespace": f"{kafka_settings.topic_namespace}cp", "partitions": 2}
    )
    assert fresh.canonical_partitions == 48  # the default: room for 1 .. 48 shards
    topics = Topics(fresh)
    await ensure_topics(fresh, topics.specs())
    assert await _partitions(fresh, topics.canonical) == 48
    assert await _partitions(fresh, topics.raw_topics[0]) == 2

    # An existing canonical topic with fewer is left as it is (adding partitions would
    # remap keys), and that is logged.
    namespace = f"{kafka_settings.topic_namespace}cq"
    older = fresh.model_copy(update={"topic_namespace": namespace, "canonical_partitions": 4})
    await ensure_topics(older, Topics(older).specs())
    assert await _partitions(older, Topics(older).canonical) == 4
    now = fresh.model_copy(update={"topic_namespace": namespace})
    with structlog.testing.capture_logs() as logs:
        assert Topics(now).canonical not in await ensure_topics(now, Topics(now).specs())
    assert await _partitions(now, Topics(now).canonical) == 4
    assert [
        (entry["topic"], entry["partitions"], entry["configured"])
        for entry in logs
        if entry["event"] == "topic_has_fewer_partitions"
    ] == [(Topics(now).canonical, 4, 48)]
