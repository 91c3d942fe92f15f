"""The Kafka the stack runs does what the hub relies on, through aiokafka (docs/local-stack.md).

Idempotent acks=all produce, consumer groups with manual commit, transactions with
read_committed consumers (an aborted transaction stays invisible), and no auto-create.
"""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from quanhub.common.kafka import ensure_topics, make_consumer, make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import TopicSpec

pytestmark = pytest.mark.integration


async def _topic(kafka_settings: KafkaSettings, partitions: int = 1) -> str:
    name = f"{kafka_settings.topic_namespace}.stackcheck.{uuid.uuid4().hex[:8]}"
    assert await ensure_topics(kafka_settings, [TopicSpec(name, partitions, 3_600_000)]) == [name]
    return name


async def _read_all(consumer: AIOKafkaConsumer, expected: int) -> list[bytes]:
    values: list[bytes] = []
    for _ in range(40):  # bounded: 40 polls of at most 500 ms
        batch = await consumer.getmany(timeout_ms=500)
        values += [m.value for messages in batch.values() for m in messages if m.value]
        if len(values) >= expected:
            break
    return values


async def test_transactions_are_atomic_for_read_committed_consumers(
    kafka_settings: KafkaSettings,
) -> None:
    topic = await _topic(kafka_settings)
    producer = make_producer(
        kafka_settings, client_id="stackcheck", transactional_id=f"stackcheck-{uuid.uuid4()}"
    )
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send(topic, b"committed-1", key=b"k")
            await producer.send(topic, b"committed-2", key=b"k")
        await producer.begin_transaction()
        await producer.send(topic, b"aborted", key=b"k")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(topic, b"committed-3", key=b"k")
    finally:
        await producer.stop()

    consumer = make_consumer(kafka_settings, topic, group_id=None, client_id="stackcheck")
    await consumer.start()
    try:
        values = await _read_all(consumer, 3)
    finally:
        await consumer.stop()
    assert values == [b"committed-1", b"committed-2", b"committed-3"]


async def test_consumer_group_commits_survive_a_new_member(kafka_settings: KafkaSettings) -> None:
    topic = await _topic(kafka_settings)
    producer: AIOKafkaProducer = make_producer(kafka_settings, client_id="stackcheck")
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, f"v{i}".encode(), key=b"k")
    finally:
        await producer.stop()

    group = f"stackcheck-{uuid.uuid4().hex[:8]}"
    first = make_consumer(kafka_settings, topic, group_id=group, client_id="stackcheck")
    await first.start()
    try:
        assert len(await _read_all(first, 5)) == 5
        await first.commit()
        assert await first.committed(TopicPartition(topic, 0)) == 5
    finally:
        await first.stop()

    producer = make_producer(kafka_settings, client_id="stackcheck")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"after-commit", key=b"k")
    finally:
        await producer.stop()
    second = make_consumer(kafka_settings, topic, group_id=group, client_id="stackcheck")
    await second.start()
    try:
        assert await _read_all(second, 1) == [b"after-commit"]
    finally:
        await second.stop()


async def test_topics_are_never_auto_created(kafka_settings: KafkaSettings) -> None:
    missing = f"{kafka_settings.topic_namespace}.never-created.{uuid.uuid4().hex[:8]}"
    producer = make_producer(kafka_settings, client_id="stackcheck", request_timeout_ms=3000)
    await producer.start()
    try:
        with pytest.raises(KafkaError):
            await producer.send_and_wait(missing, b"x")
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap)
    await admin.start()
    try:
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()
