"""A gateway wired to the real Kafka and PostgreSQL, with the demo partners' keys."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from gateway_stack import gateway_settings, serve

from quanhub.common.access.demo import ensure_demo_partners
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings
from quanhub.common.topics import Topics


@pytest.fixture(scope="session")
async def demo_keys(database_settings: DatabaseSettings) -> dict[str, str]:
    """code -> API key of every demo partner in the session's database."""
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    try:
        return await ensure_demo_partners(pool, PiiSettings())
    finally:
        await pool.close()


@pytest.fixture(scope="session")
async def raw_topics(kafka_settings: KafkaSettings) -> Topics:
    """The session's topics, created on the real broker."""
    topics = Topics(kafka_settings)
    await ensure_topics(kafka_settings, topics.specs())
    return topics


@pytest.fixture
async def gateway(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway on the real stack."""
    async for client in serve(gateway_settings(kafka_settings, database_settings)):
        yield client
