"""Reading whole topics back from the real broker, with a bounded wait."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from quanhub.common.settings import KafkaSettings


async def read_all(settings: KafkaSettings, topics: list[str]) -> list[ConsumerRecord]:
    """Every record currently in `topics`, from the first offset to the end."""
    partitions = await _partitions(settings, topics)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(20):
            while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
                batch = await consumer.getmany(timeout_ms=500)
                for items in batch.values():
                    records.extend(items)
        return records
    finally:
        await consumer.stop()


async def _partitions(settings: KafkaSettings, topics: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]


async def namespace_topics(settings: KafkaSettings) -> list[str]:
    """Every topic of this test session's namespace on the broker."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=None)
    await consumer.start()
    try:
        names = await consumer.topics()
    finally:
        await consumer.stop()
    return sorted(n for n in names if n.startswith(f"{settings.topic_namespace}."))
