"""A PostgreSQL pool on the session's migrated test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from quanhub.common.db import create_pool
from quanhub.common.settings import DatabaseSettings


@pytest.fixture(scope="session")
async def registry_pool(database_settings: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_settings)
    yield pool
    await pool.close()
