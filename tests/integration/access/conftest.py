"""A PostgreSQL pool on the session's migrated test database, and fresh databases for tests
that need a registry of their own (each carrier may be registered once per registry)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from quanhub.common.db import create_pool, migrate
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
    admin = await asyncpg.connect(base_database_settings.url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(urlsplit(base_database_settings.url)._replace(path=f"/{name}"))
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield DatabaseSettings(url=url, pool_min=1, pool_max=2)
    admin = await asyncpg.connect(base_database_settings.url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def fresh_pool(fresh_database: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on `fresh_database`."""
    pool = await create_pool(fresh_database)
    yield pool
    await pool.close()
