"""A PostgreSQL pool on the session's migrated test database, and fresh databases for tests
that need a registry of their own (each carrier may be registered once per registry)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from quanhub.common.db import create_database, create_pool, drop_database
from quanhub.common.settings import DatabaseSettings


@pytest.fixture(scope="session")
async def registry_pool(database_settings: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_settings)
    yield pool
    await pool.close()


@pytest.fixture
async def fresh_database(
    base_database_settings: DatabaseSettings,
) -> AsyncIterator[DatabaseSettings]:
    """A migrated database of this test's own (dropped after it): an empty registry."""
    name = f"quanhub_access_{uuid.uuid4().hex[:12]}"
    yield await create_database(base_database_settings, name, pool_max=2)
    await drop_database(base_database_settings, name)


@pytest.fixture
async def fresh_pool(fresh_database: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on `fresh_database`."""
    pool = await create_pool(fresh_database)
    yield pool
    await pool.close()
