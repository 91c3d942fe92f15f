"""Fixtures for normalizer integration tests (real Kafka, no mocks).

Every test gets topics of its own (a namespace under the session's): these tests write
undecodable and invalid records on purpose, and other suites read the session's raw topics.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from normalizer_kafka import Flow, Running

from quanhub.common.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.normalizer.settings import NormalizerSettings

_COUNTER = itertools.count()


@pytest.fixture
def kafka_settings(kafka_settings: KafkaSettings) -> KafkaSettings:
    """The session's Kafka settings with a namespace of this test's own."""
    namespace = f"{kafka_settings.topic_namespace}n{next(_COUNTER)}"
    return kafka_settings.model_copy(update={"topic_namespace": namespace})


@pytest.fixture
async def topics(kafka_settings: KafkaSettings) -> AsyncIterator[Topics]:
    """This test's topics, created, and deleted afterwards with any partner topic."""
    t = Topics(kafka_settings)
    await ensure_topics(kafka_settings, t.specs())
    yield t
    await delete_topics_with_prefix(kafka_settings, f"{t.ns}.")


@pytest.fixture
def normalizer_settings(
    kafka_settings: KafkaSettings, database_settings: DatabaseSettings
) -> NormalizerSettings:
    """Settings for one test's normalizer group (its own group id, the session's registry)."""
    return NormalizerSettings(
        kafka=kafka_settings,
        database=database_settings,
        group_id=f"norm-{uuid.uuid4().hex[:8]}",
        poll_timeout_ms=100,
        metadata_max_age_ms=2000,
        ensure_topics=False,
    )


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    r = Running()
    yield r
    for app, _ in list(r.apps):
        await r.stop(app)


@pytest.fixture
async def producer(kafka_settings: KafkaSettings) -> AsyncIterator[Any]:
    p = make_producer(kafka_settings, client_id="test-raw-producer")
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
def flow(  # noqa: PLR0917 - the fixtures a flow is made of
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> Flow:
    """This test's topics, registry, normalizer settings and instances, raw producer."""
    return Flow(kafka_settings, database_settings, topics, normalizer_settings, running, producer)
