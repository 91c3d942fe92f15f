"""A retriable Kafka failure (the canonical topic is not there yet) is retried with backoff,
never dead-lettered, and nothing is lost once Kafka can take the output again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from normalizer_kafka import Running, collect, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration


async def test_missing_output_topic_is_retried_until_it_exists(
    kafka_settings: KafkaSettings, running: Running, producer: Any
) -> None:
    kafka = kafka_settings.model_copy(
        update={
            "topic_namespace": f"{kafka_settings.topic_namespace}r{uuid.uuid4().hex[:6]}",
            "request_timeout_ms": 1000,
        }
    )
    topics = Topics(kafka)
    specs = {spec.name: spec for spec in topics.specs()}
    canonical = specs.pop(topics.canonical)
    await ensure_topics(kafka, list(specs.values()))
    partner = f"rt{uuid.uuid4().hex[:8]}"
    for i in range(5):
        env = parcel_envelope(partner, f"r{i}")
        await producer.send_and_wait(topics.raw(EventKind.PARCEL), env.SerializeToString())
    app = await running.start(
        NormalizerSettings(
            kafka=kafka,
            group_id=f"rt-{partner}",
            poll_timeout_ms=100,
            retry_backoff_seconds=0.1,
            retry_backoff_max_seconds=0.5,
            ensure_topics=False,
        )
    )
    try:
        retries = 0.0
        for _ in range(120):
            retries = (
                app.metrics.registry.get_sample_value("quanhub_normalizer_produce_retries_total")
                or 0.0
            )
            if retries > 0:
                break
            await asyncio.sleep(0.25)
        assert retries > 0, "the normalizer never hit the missing topic"

        await ensure_topics(kafka, [canonical])
        found = await collect(
            kafka,
            topics.canonical,
            lambda rs: len(rs) >= 5,
            lambda r: cpb.CanonicalEvent.FromString(r.value).source_partner == partner,
        )
        dead = await collect(
            kafka,
            topics.dlq,
            lambda rs: False,
            lambda r: header(r.headers, "partner") == partner,
            timeout=2,
        )

        assert sorted(cpb.CanonicalEvent.FromString(r.value).source_event_id for r in found) == [
            f"r{i}" for i in range(5)
        ]
        assert dead == []
    finally:
        await running.stop(app)
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([s.name for s in topics.specs()])
        finally:
            await admin.close()
