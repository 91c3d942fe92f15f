"""Fixtures for normalizer integration tests (real Kafka, no mocks)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from normalizer_kafka import Running

from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.normalizer.settings import NormalizerSettings


@pytest.fixture(scope="session")
async def topics(kafka_settings: KafkaSettings) -> Topics:
    """The session's shared topics, created."""
    t = Topics(kafka_settings)
    await ensure_topics(kafka_settings, t.specs())
    return t


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
