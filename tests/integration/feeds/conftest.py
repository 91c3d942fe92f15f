"""Fixtures for feed tests: a pool on the session's database, partners to subscribe as."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from quanhub.common.access import Principal, Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings


@pytest.fixture(scope="session")
async def pool(database_settings: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the session's migrated database."""
    created = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=10)
    assert created is not None
    yield created
    await created.close()


@pytest.fixture
def make_partner(pool: asyncpg.Pool):  # type: ignore[no-untyped-def]
    """Register a partner with a unique code; returns (principal, api_key)."""

    async def make(role: Role, customs_code: str | None = None) -> tuple[Principal, str]:
        code = f"{role.value[:3].upper()}{uuid.uuid4().hex[:8].upper()}"
        partner, key = await create_partner(
            pool,
            code=code,
            role=role,
            name=f"test {code}",
            customs_code=customs_code,
            clock=SystemClock(),
        )
        return partner.principal(), key.api_key

    return make
