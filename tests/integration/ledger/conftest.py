"""Ledger fixtures: a fresh migrated database and a fresh canonical topic per test, the
demo-like partners with API keys, the query API app bound to them, and the databases of
shards on a second PostgreSQL instance."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_support import Api, register_partners, serve_in_process

from quanhub.common.clock import FixedClock
from quanhub.common.db import create_database, create_pool, drop_database
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

_COUNTER = itertools.count()


@pytest.fixture
async def new_database(
    base_database_settings: DatabaseSettings,
) -> AsyncIterator[Callable[[], Awaitable[DatabaseSettings]]]:
    """Makes migrated databases of their own (dropped after the test)."""
    names: list[str] = []

    async def make() -> DatabaseSettings:
        name = f"quanhub_ledger_{uuid.uuid4().hex[:12]}"
        names.append(name)
        return await create_database(base_database_settings, name, pool_max=6)

    yield make
    await drop_database(base_database_settings, *names)


@pytest.fixture
async def ledger_database(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
) -> DatabaseSettings:
    """A migrated database of its own, so ledger counts never see another test's rows."""
    return await new_database()


@pytest.fixture
async def ledger_pool(ledger_database: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(ledger_database)
    yield pool
    await pool.close()


@pytest.fixture
async def ledger_kafka(kafka_settings: KafkaSettings) -> KafkaSettings:
    """Kafka settings whose canonical topic is new to this test (and created)."""
    settings = kafka_settings.model_copy(
        update={"topic_namespace": f"{kafka_settings.topic_namespace}l{next(_COUNTER)}"}
    )
    topic = Topics(settings).canonical
    spec = TopicSpec(topic, settings.canonical_partitions, settings.retention_ms)
    await ensure_topics(settings, [spec])
    return settings


CLOCK_AT = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture
async def ledger_api(
    ledger_database: DatabaseSettings, ledger_pool: asyncpg.Pool
) -> AsyncIterator[Api]:
    """The ledger API app over the test database, with the test partners registered."""
    clock = FixedClock(CLOCK_AT)
    keys = await register_partners(ledger_pool, clock)
    app = create_app(LedgerApiSettings(database=ledger_database, auth_cache_seconds=0), clock=clock)
    async with serve_in_process(app) as client:
        yield Api(client, keys)


@pytest.fixture
async def second_database(
    second_base_database_settings: DatabaseSettings,
) -> AsyncIterator[DatabaseSettings]:
    """A migrated database of its own on the second PostgreSQL instance."""
    name = f"quanhub_ledger_{uuid.uuid4().hex[:12]}"
    yield await create_database(second_base_database_settings, name, pool_max=4)
    await drop_database(second_base_database_settings, name)


@pytest.fixture(params=[1, 2], ids=["one-instance", "two-instances"])
async def instance_pools(
    request: pytest.FixtureRequest,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
) -> AsyncIterator[list[tuple[DatabaseSettings, asyncpg.Pool]]]:
    """The PostgreSQL instances holding the shards, home (the ledger database) first: one,
    or two (a database of its own on the second PostgreSQL)."""
    if request.param == 1:
        yield [(ledger_database, ledger_pool)]
        return
    server: DatabaseSettings = request.getfixturevalue("second_base_database_settings")
    name = f"quanhub_ledger_{uuid.uuid4().hex[:12]}"
    other = await create_database(server, name, pool_max=4)
    pool = await create_pool(other)
    try:
        yield [(ledger_database, ledger_pool), (other, pool)]
    finally:
        await pool.close()
        await drop_database(server, name)
