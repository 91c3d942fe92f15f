"""Topics are created as their specs say: a partner's own topic is stamped by the broker."""

from __future__ import annotations

import pytest

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
