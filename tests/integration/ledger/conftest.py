"""Ledger fixtures: a fresh migrated database and a fresh canonical topic per test, the
demo-like partners with API keys, and the query API app bound to them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from ledger_support import Api

from quanhub.common.access import Role, create_partner
from quanhub.common.clock import FixedClock
from quanhub.common.db import create_database, create_pool, drop_database
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

_COUNTER = itertools.count()

#: (code, role, customs registration code) of the partners ledger tests use.
PARTNERS = (
    ("TMALL", Role.PLATFORM, "3701PT0001"),
    ("JD", Role.PLATFORM, "3701PT0002"),
    ("SF", Role.CARRIER, "3701LG0001"),
    ("ZTO", Role.CARRIER, "3701LG0002"),
    ("JNAGENT", Role.CUSTOMS_AGENT, "3701AG0001"),
    ("QCCUSTOMS", Role.CUSTOMS_LIAISON, None),
    ("JNCOMMERCE", Role.ANALYST, None),
    ("ADMIN", Role.ADMIN, None),
)


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
    keys: dict[str, str] = {}
    for code, role, customs_code in PARTNERS:
        _, issued = await create_partner(
            ledger_pool,
            code=code,
            role=role,
            name=code.title(),
            customs_code=customs_code,
            clock=clock,
        )
        keys[code] = issued.api_key
    app = create_app(LedgerApiSettings(database=ledger_database, auth_cache_seconds=0), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ledger") as client:
            yield Api(client, keys)
